/**
 * Rendering of result values as the reference driver (slt_sqlite.c) does it, with SQLite's own
 * conversions: sqlite3_column_int (I), sqlite3_snprintf("%.3f") of sqlite3_column_double (R) and
 * sqlite3_column_text (T). Values come from the engine with safeIntegers on:
 * bigint = INTEGER, number = REAL, string = TEXT, Uint8Array = BLOB, null = NULL.
 */

export type Value = null | bigint | number | string | Uint8Array;

const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

/** Renders one value for a column of type `type` (T, I or R). */
export function renderValue(v: Value, type: string): string {
  if (v === null || v === undefined) return "NULL";
  switch (type) {
    case "I":
      return String(toCInt(v));
    case "R":
      return formatFixed3(toDouble(v));
    case "T":
      return renderText(v);
    default:
      throw new Error(`unknown character in type-string: ${type}`);
  }
}

/** sqlite3_column_int: the 64-bit integer value, keeping its low 32 bits. */
export function toCInt(v: Exclude<Value, null>): number {
  let i: bigint;
  if (typeof v === "bigint") i = v;
  else if (typeof v === "number") i = doubleToInt64(v);
  else i = atoi64(typeof v === "string" ? v : latin1(v));
  return Number(BigInt.asIntN(32, i));
}

/** SQLite's doubleToInt64: truncation, clamped to the 64-bit range; NaN is 0. */
export function doubleToInt64(r: number): bigint {
  if (Number.isNaN(r)) return 0n;
  if (r <= -(2 ** 63)) return I64_MIN;
  if (r >= 2 ** 63) return I64_MAX;
  return BigInt(Math.trunc(r));
}

/** sqlite3Atoi64: the leading integer prefix of a string (after spaces and a sign), clamped. */
export function atoi64(s: string): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?)0*(\d*)/.exec(s)!;
  if (!m[2]) return 0n;
  let n = BigInt(m[2]);
  if (m[1] === "-") n = -n;
  return n > I64_MAX ? I64_MAX : n < I64_MIN ? I64_MIN : n;
}

/** sqlite3_column_double: integers convert, text is parsed from its leading numeric prefix (sqlite3AtoF). */
export function toDouble(v: Exclude<Value, null>): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  const s = typeof v === "string" ? v : latin1(v);
  const m = /^[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/**
 * sqlite3_snprintf("%.3f", x). SQLite's printf keeps at most 16 significant digits
 * (later ones print as 0) and rounds half away from zero, as toFixed does.
 */
export function formatFixed3(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "Inf" : "-Inf";
  if (Math.abs(x) < 1e13) return x.toFixed(3);
  const [mant, e] = x.toExponential(15).split("e") as [string, string];
  const sign = mant.startsWith("-") ? "-" : "";
  const digits = mant.replace(/[-.]/g, ""); // 16 significant digits
  const intLen = Number(e) + 1; // >= 14
  if (intLen >= 16) return `${sign}${digits}${"0".repeat(intLen - 16)}.000`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen).padEnd(3, "0")}`;
}

/** A REAL as SQLite renders it as text: sqlite3_snprintf("%!.15g"). */
export function realToText(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "Inf" : "-Inf";
  if (x === 0) return "0.0";
  const sign = x < 0 ? "-" : "";
  const [mant, e] = Math.abs(x).toExponential(14).split("e") as [string, string];
  const digits = mant.replace(".", ""); // 15 significant digits
  const exp = Number(e);
  const trim = (s: string) => s.replace(/0+$/, "") || "0";
  if (exp < -4 || exp >= 15) {
    const es = `${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
    return `${sign}${digits[0]}.${trim(digits.slice(1))}e${es}`;
  }
  if (exp >= 0) return `${sign}${digits.slice(0, exp + 1)}.${trim(digits.slice(exp + 1))}`;
  return `${sign}0.${"0".repeat(-exp - 1)}${trim(digits)}`;
}

/** sqlite3_column_text as the driver prints it: "(empty)" for "", bytes outside 0x20..0x7e as "@". */
export function renderText(v: Exclude<Value, null>): string {
  let s: string;
  if (typeof v === "string") s = v;
  else if (typeof v === "bigint") return v.toString();
  else if (typeof v === "number") return realToText(v);
  else s = latin1(v);
  const nul = s.indexOf("\0"); // a C string ends at its first NUL
  if (nul >= 0) s = s.slice(0, nul);
  if (s === "") return "(empty)";
  if (/^[\x20-\x7e]*$/.test(s)) return s;
  // Each byte of the UTF-8 encoding (of text) outside the printable range becomes "@".
  const bytes = typeof v === "string" ? Buffer.from(s, "utf8") : Buffer.from(s, "latin1");
  let out = "";
  for (const b of bytes) out += b < 0x20 || b > 0x7e ? "@" : String.fromCharCode(b);
  return out;
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}
