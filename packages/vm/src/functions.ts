/**
 * Built-in scalar SQL functions with SQLite's semantics (func.c, date.c).
 *
 * Registry entries are looked up by lowercase name. `nArgs` is the exact argument count, or
 * -1 when the count varies, in which case `minArgs`/`maxArgs` bound it (maxArgs Infinity =
 * unbounded). A call with another count is an error for the VM to report ("wrong number of
 * arguments to function X()"). min()/max() with one argument are the aggregates (see
 * aggregates.ts); the scalar versions take two or more.
 *
 * Functions throw DbError("DB_ERROR", msg) on errors (e.g. abs(-9223372036854775808)).
 */
import { DbError } from "@db/btree";
import { type Collation, compareValues } from "./compare.js";
import {
  type DateTimeContext,
  dateFunc,
  datetimeFunc,
  juliandayFunc,
  strftimeFunc,
  timeFunc,
  timediffFunc,
  unixepochFunc,
} from "./datetime.js";
import { MIN_INT64, atof, normalizeBigInt } from "./fp.js";
import { formatFloat } from "./fpformat.js";
import { globFunction, likeFunction } from "./like.js";
import { mathFunctions } from "./mathfuncs.js";
import { sqlPrintf } from "./printf.js";
import { NO_JSON_ARGS, jsonFunctions } from "./json-funcs.js";
import {
  Real,
  type SqlValue,
  charLength,
  isInteger,
  makeReal,
  numericAffinityOfText,
  realToText,
  storageClass,
  toBoolean,
  toInt64,
  toIntNumber,
  toReal,
  toText,
  utf8Encode,
  utf8Length,
} from "./value.js";

/** Extra information some functions need; all optional. */
export interface FunctionContext extends DateTimeContext {
  /** Collating sequence of the call (min, max, nullif use the first argument's). */
  collation?: Collation | string;
  /** Source of random bytes for random()/randomblob() (default crypto.getRandomValues). */
  randomBytes?: (n: number) => Uint8Array;
}

export interface ScalarFunction {
  /** Exact number of arguments, or -1 if it varies (see minArgs/maxArgs). */
  nArgs: number;
  minArgs: number;
  maxArgs: number;
  /** Same arguments give the same result (random() and friends do not). */
  deterministic: boolean;
  fn: (args: SqlValue[], ctx?: FunctionContext) => SqlValue;
}

/** SQLITE_MAX_LENGTH: the largest string or blob. */
export const MAX_LENGTH = 1000000000;
export const SQLITE_VERSION = "3.45.0";

function error(msg: string): DbError {
  return new DbError("DB_ERROR", msg);
}

function tooBig(): DbError {
  return new DbError("DB_TOOBIG", "string or blob too big");
}

function cutAtNul(s: string): string {
  const i = s.indexOf("\0");
  return i < 0 ? s : s.slice(0, i);
}

/** Code points of s. */
function codePoints(s: string): string[] {
  return Array.from(s);
}

function randomBytes(ctx: FunctionContext | undefined, n: number): Uint8Array {
  if (ctx?.randomBytes) return ctx.randomBytes(n);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/**
 * sqlite3_value_numeric_type: INTEGER/REAL values as they are, text that is a well-formed
 * number converted, anything else (other text, blobs, NULL) undefined.
 */
export function numericValue(v: SqlValue): number | bigint | Real | undefined {
  if (typeof v === "number" || typeof v === "bigint" || v instanceof Real) return v;
  if (typeof v === "string") return numericAffinityOfText(v, false);
  return undefined;
}

const HEX = "0123456789ABCDEF";

function hexOf(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return s;
}

/** The bytes sqlite3_value_blob() sees: blob as is, anything else as its UTF-8 text. */
function blobOf(v: SqlValue): Uint8Array {
  if (v instanceof Uint8Array) return v;
  const t = toText(v);
  return t === null ? new Uint8Array(0) : utf8Encode(t);
}

/** quote(x): an SQL literal for the value. */
export function quoteValue(v: SqlValue): string {
  switch (storageClass(v)) {
    case "null":
      return "NULL";
    case "integer":
      return String(v);
    case "real": {
      const r = v instanceof Real ? v.value : (v as number);
      if (r === Infinity) return "9.0e+999";
      if (r === -Infinity) return "-9.0e+999";
      return realToText(r);
    }
    case "text":
      return "'" + cutAtNul(v as string).replace(/'/g, "''") + "'";
    default:
      return "X'" + hexOf(v as Uint8Array) + "'";
  }
}

const BIG_LIMIT = 2 ** 50;

/** substr(X, Y[, Z]): characters of text (bytes of a blob), 1-based; see SQLite's rules. */
function substr(args: SqlValue[]): SqlValue {
  const [x, y] = args;
  if (x === null) return null;
  if (args.length >= 3 && args[2] === null) return null;
  const p1v = toInt64(y);
  if (p1v === 0 && y === null) return null;
  const p2v = args.length >= 3 ? toInt64(args[2]) : undefined;
  let units: string[] | Uint8Array;
  if (x instanceof Uint8Array) {
    if (x.length === 0) return null; // sqlite3_value_blob() of an empty blob is a NULL pointer
    units = x;
  } else {
    units = codePoints(cutAtNul(toText(x) as string));
  }
  const len = units.length;
  let start: number;
  let count: number;
  if (
    typeof p1v === "number" &&
    Math.abs(p1v) <= BIG_LIMIT &&
    (p2v === undefined || (typeof p2v === "number" && Math.abs(p2v) <= BIG_LIMIT))
  ) {
    // Small arguments: the default length (int64 max) behaves as "unlimited".
    let p1 = p1v;
    let p2 = p2v ?? 2 ** 60;
    if (p1 < 0) {
      p1 += len;
      if (p1 < 0) {
        if (p2 < 0) p2 = 0;
        else p2 += p1;
        p1 = 0;
      }
    } else if (p1 > 0) {
      p1--;
    } else if (p2 > 0) {
      p2--;
    }
    if (p2 < 0) {
      if (p2 < -p1) p2 = p1;
      else p2 = -p2;
      p1 -= p2;
    }
    start = p1;
    count = p2;
  } else {
    // Exact int64 arithmetic, as in C (the default length is 9223372036854775807).
    let p1 = BigInt(p1v);
    let p2 = p2v === undefined ? 9223372036854775807n : BigInt(p2v);
    const L = BigInt(len);
    if (p1 < 0n) {
      p1 += L;
      if (p1 < 0n) {
        if (p2 < 0n) p2 = 0n;
        else p2 += p1;
        p1 = 0n;
      }
    } else if (p1 > 0n) {
      p1--;
    } else if (p2 > 0n) {
      p2--;
    }
    if (p2 < 0n) {
      if (p2 < -p1) p2 = p1;
      else p2 = -p2;
      p1 -= p2;
    }
    start = p1 > L ? len : Number(p1);
    count = p2 > L ? len : Number(p2);
  }
  if (start >= len || count <= 0) return units instanceof Uint8Array ? new Uint8Array(0) : "";
  const end = start + Math.min(count, len - start);
  return units instanceof Uint8Array ? units.slice(start, end) : units.slice(start, end).join("");
}

function instr([h, n]: SqlValue[]): SqlValue {
  if (h === null || n === null) return null;
  if (h instanceof Uint8Array && n instanceof Uint8Array) {
    if (n.length === 0) return 1;
    outer: for (let i = 0; i + n.length <= h.length; i++) {
      for (let k = 0; k < n.length; k++) if (h[i + k] !== n[k]) continue outer;
      return i + 1;
    }
    return 0;
  }
  const hs = toText(h) as string;
  const ns = toText(n) as string;
  if (ns.length === 0) return 1;
  const idx = hs.indexOf(ns);
  return idx < 0 ? 0 : charLength(hs.slice(0, idx)) + 1;
}

function trimImpl(args: SqlValue[], left: boolean, right: boolean): SqlValue {
  const x = args[0];
  if (x === null) return null;
  const s = toText(x) as string;
  let set: string[];
  if (args.length < 2) {
    set = [" "];
  } else {
    if (args[1] === null) return null;
    set = codePoints(cutAtNul(toText(args[1]) as string));
  }
  if (set.length === 0) return s;
  let start = 0;
  let end = s.length;
  if (left) {
    for (;;) {
      const hit = set.find((c) => c.length <= end - start && s.startsWith(c, start));
      if (hit === undefined) break;
      start += hit.length;
    }
  }
  if (right) {
    for (;;) {
      const hit = set.find((c) => c.length <= end - start && s.startsWith(c, end - c.length));
      if (hit === undefined) break;
      end -= hit.length;
    }
  }
  return s.slice(start, end);
}

function round(args: SqlValue[]): SqlValue {
  let n = 0;
  if (args.length >= 2) {
    if (args[1] === null) return null;
    n = toIntNumber(args[1]);
    if (n > 30) n = 30;
    if (n < 0) n = 0;
  }
  if (args[0] === null) return null;
  let r = toReal(args[0]);
  if (r < -4503599627370496 || r > 4503599627370496) {
    // no fractional part: nothing to round
  } else if (n === 0) {
    r = Math.trunc(r + (r < 0 ? -0.5 : 0.5)) + 0;
  } else {
    r = atof(formatFloat(r, "f", n, { altForm2: true }));
  }
  return makeReal(r);
}

function minmax(args: SqlValue[], ctx: FunctionContext | undefined, isMax: boolean): SqlValue {
  const coll = ctx?.collation ?? "BINARY";
  let best = 0;
  if (args[0] === null) return null;
  for (let i = 1; i < args.length; i++) {
    if (args[i] === null) return null;
    const c = compareValues(args[best], args[i], coll);
    if (isMax ? c < 0 : c >= 0) best = i;
  }
  return args[best];
}

function iif(args: SqlValue[]): SqlValue {
  let i = 0;
  for (; i + 1 < args.length; i += 2) {
    if (toBoolean(args[i]) === true) return args[i + 1];
  }
  return i < args.length ? args[i] : null;
}

function charFunc(args: SqlValue[]): SqlValue {
  let s = "";
  for (const a of args) {
    const x = toInt64(a);
    const cp = typeof x === "bigint" || x < 0 || x > 0x10ffff ? 0xfffd : x;
    s += String.fromCodePoint(cp);
  }
  return s;
}

const isXdigit = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

function unhex(args: SqlValue[]): SqlValue {
  const hex = toText(args[0]);
  const pass = args.length >= 2 ? toText(args[1]) : "";
  if (hex === null || pass === null) return null;
  const z = cutAtNul(hex);
  const allowed = new Set(codePoints(cutAtNul(pass)));
  const out: number[] = [];
  let i = 0;
  while (i < z.length) {
    while (!isXdigit(z[i])) {
      const cp = String.fromCodePoint(z.codePointAt(i) as number);
      if (!allowed.has(cp)) return null;
      i += cp.length;
      if (i >= z.length) return Uint8Array.from(out);
    }
    const d = z[i + 1];
    if (!isXdigit(d)) return null;
    out.push(parseInt(z[i] + d, 16));
    i += 2;
  }
  return Uint8Array.from(out);
}

function unistr([x]: SqlValue[]): SqlValue {
  const t = toText(x);
  if (t === null) return null;
  let out = "";
  let i = 0;
  const hexAt = (k: number, n: number): number | undefined => {
    const h = t.slice(k, k + n);
    return h.length === n && /^[0-9a-fA-F]+$/.test(h) ? parseInt(h, 16) : undefined;
  };
  while (i < t.length) {
    const j = t.indexOf("\\", i);
    if (j < 0) {
      out += t.slice(i);
      break;
    }
    out += t.slice(i, j);
    i = j;
    const c = t[i + 1];
    let v: number | undefined;
    if (c === "\\") {
      out += "\\";
      i += 2;
      continue;
    } else if (isXdigit(c)) {
      v = hexAt(i + 1, 4);
      i += 5;
    } else if (c === "+") {
      v = hexAt(i + 2, 6);
      i += 8;
    } else if (c === "u") {
      v = hexAt(i + 2, 4);
      i += 6;
    } else if (c === "U") {
      v = hexAt(i + 2, 8);
      i += 10;
    }
    if (v === undefined) throw error("invalid Unicode escape");
    out += v > 0x10ffff ? "\ufffd" : String.fromCodePoint(v);
  }
  return out;
}

function randomFunc(_args: SqlValue[], ctx?: FunctionContext): SqlValue {
  const b = randomBytes(ctx, 8);
  let r = 0n;
  for (let i = 0; i < 8; i++) r = (r << 8n) | BigInt(b[i]);
  let v = BigInt.asIntN(64, r);
  if (v < 0n) v = -(v & 0x7fffffffffffffffn);
  return normalizeBigInt(v);
}

function blobLength(v: SqlValue): number {
  const n = toInt64(v);
  if (typeof n === "bigint") {
    if (n > 0n) throw tooBig();
    return 0;
  }
  if (n > MAX_LENGTH) throw tooBig();
  return n;
}

type Fn = ScalarFunction["fn"];

function reg(name: string, minArgs: number, maxArgs: number, fn: Fn, deterministic = true): void {
  scalarFunctions.set(name, { nArgs: minArgs === maxArgs ? minArgs : -1, minArgs, maxArgs, deterministic, fn });
}

/** The built-in scalar functions, by lowercase name. */
export const scalarFunctions = new Map<string, ScalarFunction>();

for (const [name, f] of Object.entries(jsonFunctions)) reg(name, f.minArgs, f.maxArgs, (a) => f.fn(a, NO_JSON_ARGS));

reg("abs", 1, 1, ([x]) => {
  if (x === null) return null;
  if (isInteger(x)) {
    if (x === MIN_INT64) throw error("integer overflow");
    if (typeof x === "number") return x < 0 ? -x : x;
    return normalizeBigInt(x < 0n ? -x : x);
  }
  const r = toReal(x);
  return makeReal(r < 0 ? -r : r);
});
/** length(x): characters of TEXT before any NUL, bytes of a BLOB, characters of a number's text. */
export function sqlLength(x: SqlValue): SqlValue {
  if (x === null) return null;
  if (x instanceof Uint8Array) return x.length;
  if (typeof x === "string") return charLength(cutAtNul(x));
  return (toText(x) as string).length;
}
/** The built-in length(); the compiler reads a table column's length from its record bytes instead. */
export const lengthFunction: Fn = (args) => sqlLength(args[0]!);
reg("length", 1, 1, lengthFunction);
reg("octet_length", 1, 1, ([x]) => {
  if (x === null) return null;
  if (x instanceof Uint8Array) return x.length;
  return utf8Length(toText(x) as string);
});
reg("upper", 1, 1, ([x]) => {
  const t = toText(x);
  return t === null ? null : t.replace(/[a-z]+/g, (m) => m.toUpperCase());
});
reg("lower", 1, 1, ([x]) => {
  const t = toText(x);
  return t === null ? null : t.replace(/[A-Z]+/g, (m) => m.toLowerCase());
});
reg("substr", 2, 3, substr);
reg("substring", 2, 3, substr);
reg("instr", 2, 2, instr);
reg("replace", 3, 3, ([x, y, z]) => {
  const s = toText(x);
  if (s === null) return null;
  const pat = toText(y);
  if (pat === null) return null;
  if (cutAtNul(pat) === "") return s;
  const rep = toText(z);
  if (rep === null) return null;
  return s.split(pat).join(rep);
});
reg("trim", 1, 2, (a) => trimImpl(a, true, true));
reg("ltrim", 1, 2, (a) => trimImpl(a, true, false));
reg("rtrim", 1, 2, (a) => trimImpl(a, false, true));
reg("round", 1, 2, round);
reg("coalesce", 2, Infinity, (a) => a.find((v) => v !== null) ?? null);
reg("ifnull", 2, 2, ([a, b]) => (a !== null ? a : b));
reg("nullif", 2, 2, ([a, b], ctx) => (compareValues(a, b, ctx?.collation ?? "BINARY") !== 0 ? a : null));
reg("iif", 2, Infinity, iif);
reg("if", 2, Infinity, iif);
reg("typeof", 1, 1, ([x]) => storageClass(x));
reg("hex", 1, 1, ([x]) => hexOf(blobOf(x)));
reg("unhex", 1, 2, unhex);
reg("quote", 1, 1, ([x]) => quoteValue(x));
reg("unistr", 1, 1, unistr);
reg("unicode", 1, 1, ([x]) => {
  const t = toText(x);
  if (t === null || t.length === 0 || t.charCodeAt(0) === 0) return null;
  return t.codePointAt(0) as number;
});
reg("char", 0, Infinity, charFunc);
reg("zeroblob", 1, 1, ([n]) => new Uint8Array(Math.max(0, blobLength(n))));
reg("random", 0, 0, randomFunc, false);
reg("randomblob", 1, 1, ([n], ctx) => randomBytes(ctx, Math.max(1, blobLength(n))), false);
reg("min", 2, Infinity, (a, ctx) => minmax(a, ctx, false));
reg("max", 2, Infinity, (a, ctx) => minmax(a, ctx, true));
reg("sign", 1, 1, ([x]) => {
  const v = numericValue(x);
  if (v === undefined) return null;
  const r = v instanceof Real ? v.value : v;
  return r < 0 ? -1 : r > 0 ? 1 : 0;
});
reg("like", 2, 3, likeFunction);
reg("glob", 2, 2, globFunction);
reg("printf", 0, Infinity, sqlPrintf);
reg("format", 0, Infinity, sqlPrintf);
reg("concat", 1, Infinity, (a) => {
  let s = "";
  for (const v of a) if (v !== null) s += toText(v) as string;
  return s;
});
reg("concat_ws", 2, Infinity, (a) => {
  const sep = toText(a[0]);
  if (sep === null) return null;
  const parts: string[] = [];
  for (let i = 1; i < a.length; i++) if (a[i] !== null) parts.push(toText(a[i]) as string);
  return parts.join(sep);
});
reg("likely", 1, 1, ([x]) => x);
reg("unlikely", 1, 1, ([x]) => x);
reg("likelihood", 2, 2, ([x]) => x);
reg("sqlite_version", 0, 0, () => SQLITE_VERSION);
reg("sqlite_source_id", 0, 0, () => `@db ${SQLITE_VERSION}`);
reg("date", 0, Infinity, (a, ctx) => dateFunc(a, { ...ctx, name: "date" }));
reg("time", 0, Infinity, (a, ctx) => timeFunc(a, { ...ctx, name: "time" }));
reg("datetime", 0, Infinity, (a, ctx) => datetimeFunc(a, { ...ctx, name: "datetime" }));
reg("julianday", 0, Infinity, (a, ctx) => juliandayFunc(a, { ...ctx, name: "julianday" }));
reg("unixepoch", 0, Infinity, (a, ctx) => unixepochFunc(a, { ...ctx, name: "unixepoch" }));
reg("strftime", 0, Infinity, (a, ctx) => strftimeFunc(a, { ...ctx, name: "strftime" }));
reg("timediff", 2, 2, (a, ctx) => timediffFunc(a, { ...ctx, name: "timediff" }));
reg("current_date", 0, 0, (_a, ctx) => dateFunc([], { ...ctx, name: "current_date" }), false);
reg("current_time", 0, 0, (_a, ctx) => timeFunc([], { ...ctx, name: "current_time" }), false);
reg("current_timestamp", 0, 0, (_a, ctx) => datetimeFunc([], { ...ctx, name: "current_timestamp" }), false);
for (const [name, f] of mathFunctions) reg(name, f.minArgs, f.maxArgs, f.fn);

