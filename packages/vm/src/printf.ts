/**
 * The printf()/format() SQL function: a port of SQLite's sqlite3_str_vappendf as used with
 * SQL arguments (SQLITE_PRINTF_SQLFUNC). Supported: flags - + space # ! 0 , ; width and
 * precision (also *); conversions d i u x X o p r c s z q Q w j J f e E g G n %.
 *
 * Widths and precisions count UTF-8 bytes (characters with the ! flag), as in SQLite; where a
 * byte count would split a multi-byte character, the cut is made at the character boundary
 * below it (JS strings cannot hold partial characters).
 */
import { formatFloat } from "./fpformat.js";
import { type SqlValue, toInt64, toReal, toText, utf8Length } from "./value.js";

const DIGITS_UPPER = "0123456789ABCDEF";
const DIGITS_LOWER = "0123456789abcdef";

class Args {
  used = 0;
  constructor(private readonly args: readonly SqlValue[]) {}
  int(): bigint {
    if (this.used >= this.args.length) return 0n;
    const v = toInt64(this.args[this.used++]);
    return typeof v === "bigint" ? v : BigInt(v);
  }
  double(): number {
    if (this.used >= this.args.length) return 0;
    return toReal(this.args[this.used++]);
  }
  text(): string | null {
    if (this.used >= this.args.length) return null;
    return toText(this.args[this.used++]);
  }
}

/** Characters of `s` that fit in `limit` UTF-8 bytes (or `limit` characters when `chars`). */
function prefixByLimit(s: string, limit: number, chars: boolean): string {
  let i = 0;
  let used = 0;
  while (i < s.length && used < limit) {
    const c = s.charCodeAt(i);
    let w = 1;
    let bytes = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      w = 2;
      bytes = 4;
    } else if (c >= 0x800) bytes = 3;
    else if (c >= 0x80) bytes = 2;
    const cost = chars ? 1 : bytes;
    if (used + cost > limit) break;
    used += cost;
    i += w;
  }
  return s.slice(0, i);
}

function cutAtNul(s: string): string {
  const i = s.indexOf("\0");
  return i < 0 ? s : s.slice(0, i);
}

/** Number of characters (code points) in s. */
function nChars(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    n++;
  }
  return n;
}

function padTo(s: string, width: number, left: boolean, measured: number): string {
  const n = width - measured;
  if (n <= 0) return s;
  return left ? s + " ".repeat(n) : " ".repeat(n) + s;
}

/**
 * printf(FORMAT, ...) / format(FORMAT, ...) with SQL values as arguments. NULL format -> NULL.
 */
export function sqlPrintf(args: readonly SqlValue[]): SqlValue {
  if (args.length < 1 || args[0] === null) return null;
  const fmt = toText(args[0]) as string;
  return formatWithArgs(fmt, args.slice(1));
}

/** Formats `fmt` with SQL values (the engine behind printf()). */
export function formatWithArgs(fmtIn: string, values: readonly SqlValue[]): string {
  const fmt = cutAtNul(fmtIn);
  const a = new Args(values);
  let out = "";
  const n = fmt.length;
  let i = 0;
  while (i < n) {
    const pct = fmt.indexOf("%", i);
    if (pct < 0) {
      out += fmt.slice(i);
      break;
    }
    out += fmt.slice(i, pct);
    i = pct + 1;
    if (i >= n) {
      out += "%";
      break;
    }
    let leftJustify = false;
    let prefixFlag = "";
    let alternateForm = false;
    let altForm2 = false;
    let zeroPad = false;
    let thousands = false;
    let width = 0;
    let precision = -1;
    let c = fmt[i];
    // Flags, width, precision, length modifiers.
    for (;;) {
      if (c === "-") leftJustify = true;
      else if (c === "+") prefixFlag = "+";
      else if (c === " ") prefixFlag = " ";
      else if (c === "#") alternateForm = true;
      else if (c === "!") altForm2 = true;
      else if (c === "0") zeroPad = true;
      else if (c === ",") thousands = true;
      else break;
      c = fmt[++i];
    }
    if (c === "*") {
      let w = Number(BigInt.asIntN(32, a.int()));
      if (w < 0) {
        leftJustify = true;
        w = w >= -2147483647 ? -w : 0;
      }
      width = w;
      c = fmt[++i];
    } else {
      let wx = 0;
      while (c !== undefined && c >= "0" && c <= "9") {
        wx = (wx * 10 + (c.charCodeAt(0) - 48)) % 4294967296;
        c = fmt[++i];
      }
      width = wx & 0x7fffffff;
    }
    if (c === ".") {
      c = fmt[++i];
      if (c === "*") {
        let p = Number(BigInt.asIntN(32, a.int()));
        if (p < 0) p = p >= -2147483647 ? -p : -1;
        precision = p;
        c = fmt[++i];
      } else {
        let px = 0;
        while (c !== undefined && c >= "0" && c <= "9") {
          px = (px * 10 + (c.charCodeAt(0) - 48)) % 4294967296;
          c = fmt[++i];
        }
        precision = px & 0x7fffffff;
      }
    }
    if (c === "l") {
      c = fmt[++i];
      if (c === "l") c = fmt[++i];
    }
    if (c === undefined) break; // format ends inside a conversion: stop
    i++;
    let text: string; // the converted field (before width padding)
    let measured = -1; // its width in the units width counts (-1: UTF-8 bytes of text)
    switch (c) {
      case "d":
      case "i":
      case "u":
      case "x":
      case "X":
      case "o":
      case "p":
      case "r": {
        const signed = c === "d" || c === "i" || c === "r";
        const base = c === "x" || c === "X" || c === "p" ? 16 : c === "o" ? 8 : 10;
        if (c === "x" || c === "X" || c === "o" || c === "p" || c === "r") thousands = false;
        let v = a.int();
        let prefix = "";
        if (signed) {
          if (v < 0n) {
            v = -v;
            prefix = "-";
          } else {
            prefix = prefixFlag;
          }
        } else {
          v = BigInt.asUintN(64, v);
        }
        let alt = alternateForm;
        if (v === 0n) alt = false;
        if (zeroPad && precision < width - (prefix ? 1 : 0)) precision = width - (prefix ? 1 : 0);
        const digitSet = c === "x" ? DIGITS_LOWER : DIGITS_UPPER;
        let digits = "";
        let x = v;
        do {
          digits = digitSet[Number(x % BigInt(base))] + digits;
          x /= BigInt(base);
        } while (x > 0n);
        if (c === "r") {
          const d = Number(v % 10n);
          const tens = Number((v / 10n) % 10n);
          const k = d >= 4 || tens === 1 ? 0 : d;
          digits += "thstndrd".slice(k * 2, k * 2 + 2);
        }
        if (precision > digits.length) digits = "0".repeat(precision - digits.length) + digits;
        if (thousands) {
          let t = "";
          const len = digits.length;
          for (let k = 0; k < len; k++) {
            t += digits[k];
            const rem = len - 1 - k;
            if (rem > 0 && rem % 3 === 0) t += ",";
          }
          digits = t;
        }
        let pre = "";
        if (alt) {
          if (c === "x") pre = "0x";
          else if (c === "X") pre = "0X";
          else if (c === "o") pre = "0";
          else if (c === "p") pre = "0x";
        }
        text = pre + prefix + digits;
        break;
      }
      case "f":
      case "e":
      case "E":
      case "g":
      case "G": {
        const r = a.double();
        out += formatFloat(r, c, precision, {
          prefix: prefixFlag,
          alternateForm,
          altForm2,
          zeroPad,
          leftJustify,
          thousands,
          width,
        });
        continue;
      }
      case "n":
        continue;
      case "%":
        text = "%";
        break;
      case "c": {
        const t = a.text();
        let ch = "\0";
        if (t !== null) {
          const cp = t.codePointAt(0);
          ch = cp === undefined ? "\0" : String.fromCodePoint(cp);
        }
        const reps = precision > 1 ? precision : 1;
        text = ch.repeat(reps);
        measured = reps; // %c always counts characters
        break;
      }
      case "s":
      case "z": {
        let t = a.text();
        t = t === null ? "" : cutAtNul(t);
        if (precision >= 0) t = prefixByLimit(t, precision, altForm2);
        text = t;
        if (altForm2) measured = nChars(t);
        break;
      }
      case "q":
      case "Q":
      case "w": {
        const t = a.text();
        const q = c === "w" ? '"' : "'";
        let body: string;
        let quoted = false;
        if (t === null) {
          body = c === "Q" ? "NULL" : "(NULL)";
          if (precision >= 0) body = body.slice(0, precision);
        } else {
          let s = cutAtNul(t);
          if (precision >= 0) s = prefixByLimit(s, precision, altForm2);
          let hasCtrl = false;
          for (let k = 0; k < s.length && !hasCtrl; k++) hasCtrl = s.charCodeAt(k) <= 0x1f;
          if (alternateForm && c !== "w" && (c === "q" || hasCtrl)) {
            let e = "";
            for (const ch of s) {
              if (ch === q) e += q + q;
              else if (ch === "\\") e += "\\\\";
              else if (ch.charCodeAt(0) <= 0x1f) e += "\\u00" + (ch.charCodeAt(0) >= 0x10 ? "1" : "0") + DIGITS_LOWER[ch.charCodeAt(0) & 0xf];
              else e += ch;
            }
            body = c === "Q" ? `unistr('${e}')` : e;
          } else {
            body = s.split(q).join(q + q);
            quoted = c === "Q";
          }
          if (quoted) body = `'${body}'`;
        }
        text = body;
        if (altForm2) measured = nChars(body);
        break;
      }
      case "j":
      case "J": {
        const t = a.text();
        if (t === null) {
          text = c === "J" ? "null" : "";
        } else {
          let s = cutAtNul(t);
          if (precision >= 0) s = prefixByLimit(s, precision, altForm2);
          let e = "";
          for (const ch of s) {
            const code = ch.charCodeAt(0);
            if (ch === '"' || ch === "\\") e += "\\" + ch;
            else if (code <= 0x1f) {
              const named = { 8: "b", 9: "t", 10: "n", 12: "f", 13: "r" }[code];
              e += named ? "\\" + named : "\\u00" + DIGITS_LOWER[code >> 4] + DIGITS_LOWER[code & 0xf];
            } else e += ch;
          }
          text = c === "J" ? `"${e}"` : e;
        }
        if (altForm2) measured = nChars(text);
        break;
      }
      default:
        // Unknown conversion (or one only valid inside SQLite): stop formatting.
        return out;
    }
    if (measured < 0) measured = utf8Length(text);
    out += padTo(text, width, leftJustify, measured);
  }
  return out;
}
