/**
 * LIKE and GLOB with SQLite's semantics (func.c patternCompare), matched on characters (code
 * points), without backtracking blowups: every pattern token other than the "any sequence"
 * wildcard matches exactly one character, so the classic two-pointer algorithm that only
 * backtracks to the most recent wildcard is exact and runs in O(pattern x text).
 *
 * LIKE:  %  any sequence, _ any one character, ESCAPE c makes the next character literal;
 *        ASCII letters match case-insensitively (no other case folding, as SQLite without ICU).
 * GLOB:  *  any sequence, ? any one character, [abc] [a-z] [^...] character sets (']' first
 *        in the set is literal, '-' last is literal); case-sensitive.
 * As in SQLite both strings end at their first NUL character, a pattern ending in the escape
 * character or inside an unterminated [set] matches nothing.
 */
import { DbError } from "@db/btree";
import { type SqlValue, charLength, textEncoder, toText } from "./value.js";

const ANY = 0; // % or *
const ONE = 1; // _ or ?
const LIT = 2; // a literal character
const SET = 3; // [...]
const NEVER = 4; // matches nothing (dangling escape, unterminated set)

interface Token {
  kind: number;
  /** LIT: the code point (lowercased when the match is case-insensitive and it is ASCII) */
  cp: number;
  /** SET: inclusive ranges [lo0, hi0, lo1, hi1, ...] */
  ranges?: number[];
  invert?: boolean;
}

/** SQLITE_MAX_LIKE_PATTERN_LENGTH */
export const MAX_LIKE_PATTERN_LENGTH = 50000;

function cutAtNul(s: string): string {
  const i = s.indexOf("\0");
  return i < 0 ? s : s.slice(0, i);
}

function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out.push(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
        i++;
        continue;
      }
    }
    out.push(c);
  }
  return out;
}

const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

function compileLike(pattern: string, escape: number): Token[] {
  const cps = codePoints(pattern);
  const toks: Token[] = [];
  // If the escape character is itself a wildcard, it stops being a wildcard (as in likeFunc).
  const matchAll = escape === 37 ? -1 : 37;
  const matchOne = escape === 95 ? -1 : 95;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    if (c === matchAll) {
      if (toks.length === 0 || toks[toks.length - 1].kind !== ANY) toks.push({ kind: ANY, cp: 0 });
    } else if (c === escape) {
      if (i + 1 >= cps.length) {
        toks.push({ kind: NEVER, cp: 0 });
        break;
      }
      toks.push({ kind: LIT, cp: lower(cps[++i]) });
    } else if (c === matchOne) {
      toks.push({ kind: ONE, cp: 0 });
    } else {
      toks.push({ kind: LIT, cp: lower(c) });
    }
  }
  return toks;
}

function compileGlob(pattern: string): Token[] {
  const cps = codePoints(pattern);
  const toks: Token[] = [];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    if (c === 42) {
      if (toks.length === 0 || toks[toks.length - 1].kind !== ANY) toks.push({ kind: ANY, cp: 0 });
    } else if (c === 63) {
      toks.push({ kind: ONE, cp: 0 });
    } else if (c === 91) {
      // [...]
      const ranges: number[] = [];
      let invert = false;
      let j = i + 1;
      let c2 = j < cps.length ? cps[j++] : 0;
      if (c2 === 94) {
        invert = true;
        c2 = j < cps.length ? cps[j++] : 0;
      }
      if (c2 === 93) {
        ranges.push(93, 93);
        c2 = j < cps.length ? cps[j++] : 0;
      }
      let prior = 0;
      while (c2 !== 0 && c2 !== 93) {
        if (c2 === 45 && j < cps.length && cps[j] !== 93 && prior > 0) {
          c2 = cps[j++];
          ranges.push(prior, c2);
          prior = 0;
        } else {
          ranges.push(c2, c2);
          prior = c2;
        }
        c2 = j < cps.length ? cps[j++] : 0;
      }
      if (c2 === 0) {
        toks.push({ kind: NEVER, cp: 0 });
        break;
      }
      toks.push({ kind: SET, cp: 0, ranges, invert });
      i = j - 1;
    } else {
      toks.push({ kind: LIT, cp: c });
    }
  }
  return toks;
}

const cache = new Map<string, Token[]>();

function compiled(key: string, make: () => Token[]): Token[] {
  let t = cache.get(key);
  if (t === undefined) {
    t = make();
    if (cache.size >= 256) cache.clear();
    cache.set(key, t);
  }
  return t;
}

function matchTokens(toks: Token[], text: string, noCase: boolean): boolean {
  const n = text.length;
  const m = toks.length;
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < n) {
    if (p < m) {
      const t = toks[p];
      if (t.kind === ANY) {
        starP = p++;
        starS = s;
        continue;
      }
      // The character at s and its width in code units.
      let c = text.charCodeAt(s);
      let w = 1;
      if (c >= 0xd800 && c <= 0xdbff && s + 1 < n) {
        const d = text.charCodeAt(s + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          w = 2;
        }
      }
      let ok: boolean;
      switch (t.kind) {
        case ONE:
          ok = true;
          break;
        case LIT:
          ok = t.cp === (noCase ? lower(c) : c);
          break;
        case SET: {
          const r = t.ranges as number[];
          let seen = false;
          for (let k = 0; k < r.length; k += 2) {
            if (c >= r[k] && c <= r[k + 1]) {
              seen = true;
              break;
            }
          }
          ok = seen !== !!t.invert;
          break;
        }
        default:
          ok = false;
      }
      if (ok) {
        p++;
        s += w;
        continue;
      }
    }
    if (starP < 0) return false;
    // Backtrack: let the last wildcard absorb one more character.
    p = starP + 1;
    const c = text.charCodeAt(starS);
    starS += c >= 0xd800 && c <= 0xdbff && starS + 1 < n && (text.charCodeAt(starS + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    s = starS;
  }
  while (p < m && toks[p].kind === ANY) p++;
  return p === m;
}

/**
 * `text LIKE pattern [ESCAPE escape]` (case-insensitive for ASCII). `escape` must be a single
 * character if given.
 */
export function likeMatch(pattern: string, text: string, escape?: string | null): boolean {
  pattern = cutAtNul(pattern);
  text = cutAtNul(text);
  const esc = escape == null || escape === "" ? -1 : (escape.codePointAt(0) as number);
  const toks = compiled(`L${esc}:${pattern}`, () => compileLike(pattern, esc));
  return matchTokens(toks, text, true);
}

/** `text GLOB pattern` (case-sensitive). */
export function globMatch(pattern: string, text: string): boolean {
  pattern = cutAtNul(pattern);
  text = cutAtNul(text);
  const toks = compiled(`G:${pattern}`, () => compileGlob(pattern));
  return matchTokens(toks, text, false);
}

function checkPatternLength(p: string): void {
  // The limit is in bytes; a quick upper bound first.
  if (p.length * 3 <= MAX_LIKE_PATTERN_LENGTH) return;
  if (textEncoder.encode(p).length > MAX_LIKE_PATTERN_LENGTH) {
    throw new DbError("DB_ERROR", "LIKE or GLOB pattern too complex");
  }
}

/**
 * The SQL function like(pattern, text [, escape]): 1 or 0, NULL if any argument is NULL.
 * (`a LIKE b ESCAPE c` is like(b, a, c).)
 */
export function likeFunction(args: readonly SqlValue[]): SqlValue {
  const [pat, str] = args;
  if (pat === null || str === null) return null;
  const p = toText(pat) as string;
  checkPatternLength(p);
  let esc: string | null = null;
  if (args.length >= 3) {
    if (args[2] === null) return null;
    const e = cutAtNul(toText(args[2]) as string);
    if (charLength(e) !== 1) {
      throw new DbError("DB_ERROR", "ESCAPE expression must be a single character");
    }
    esc = e;
  }
  return likeMatch(p, toText(str) as string, esc) ? 1 : 0;
}

/** The SQL function glob(pattern, text): 1 or 0, NULL if an argument is NULL. */
export function globFunction(args: readonly SqlValue[]): SqlValue {
  const [pat, str] = args;
  if (pat === null || str === null) return null;
  const p = toText(pat) as string;
  checkPatternLength(p);
  return globMatch(p, toText(str) as string) ? 1 : 0;
}
