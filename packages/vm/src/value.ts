/**
 * SQL values and SQLite's conversion and arithmetic rules.
 *
 * Representation (see docs/design/contracts.md, @db/vm):
 *   NULL    -> null
 *   INTEGER -> a safe-integer `number`, or a `bigint` outside ±(2^53-1) but inside int64
 *              (never a bigint inside the safe range, never -0)
 *   REAL    -> a non-integral `number` (incl. ±Infinity), or a `Real` box when integral
 *              (2.0, -0.0) so that INTEGER 2 and REAL 2.0 stay distinct
 *   TEXT    -> string
 *   BLOB    -> Uint8Array
 * NaN is never a value (it becomes NULL).
 */
import {
  ATOF_DIGITS,
  ATOF_FRACT,
  ATOF_GARBAGE,
  MAX_INT64,
  MIN_INT64,
  atof,
  atoi64,
  lastAtofFlags,
  lastAtoiRc,
  normalizeBigInt,
} from "./fp.js";
import { realToText } from "./fpformat.js";

export { MAX_INT64, MIN_INT64, normalizeBigInt } from "./fp.js";
export { realToText } from "./fpformat.js";

/** A REAL whose value is integral (2.0, -0.0, 1e300): boxed so it is not taken for an INTEGER. */
export class Real {
  constructor(readonly value: number) {}
}

export type SqlValue = null | number | bigint | string | Uint8Array | Real;
export type StorageClass = "null" | "integer" | "real" | "text" | "blob";

const MAX_SAFE = 9007199254740991;
const TWO_63 = 9223372036854775808; // 2^63 as a double

export const textEncoder = new TextEncoder();
export const textDecoder = new TextDecoder();

/* ------------------------------------------------------------------------------------------ */
/* Constructors and predicates                                                                */
/* ------------------------------------------------------------------------------------------ */

/** A REAL value: NaN -> NULL, integral -> `Real` box, otherwise the number itself. */
export function makeReal(x: number): SqlValue {
  if (x !== x) return null;
  return Number.isInteger(x) ? new Real(x) : x;
}

/** An INTEGER value from a number (must be an integer) or bigint (must be within int64). */
export function makeInteger(x: number | bigint): number | bigint {
  if (typeof x === "bigint") return normalizeBigInt(x);
  return x === 0 ? 0 : x;
}

export function isInteger(v: SqlValue): v is number | bigint {
  return typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
}

export function isReal(v: SqlValue): v is number | Real {
  return v instanceof Real || (typeof v === "number" && !Number.isInteger(v));
}

/** INTEGER or REAL. */
export function isNumeric(v: SqlValue): v is number | bigint | Real {
  return typeof v === "number" || typeof v === "bigint" || v instanceof Real;
}

/** The double value of a numeric (INTEGER or REAL) value; bigints are rounded to nearest. */
export function realValue(v: number | bigint | Real): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return v.value;
}

/** SQLite's storage class, as `typeof(x)` reports it. */
export function storageClass(v: SqlValue): StorageClass {
  switch (typeof v) {
    case "number":
      return Number.isInteger(v) ? "integer" : "real";
    case "bigint":
      return "integer";
    case "string":
      return "text";
    default:
      if (v === null) return "null";
      return v instanceof Real ? "real" : "blob";
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Conversions                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** Blob bytes as a string of char codes 0..255 (for SQLite's byte-oriented numeric scanners). */
export function bytesToBinaryString(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode.apply(null, Array.from(b.subarray(i, i + 8192)));
  }
  return s;
}

/** Decodes UTF-8 (invalid sequences become U+FFFD). */
export function utf8Decode(b: Uint8Array): string {
  return b.length === 0 ? "" : textDecoder.decode(b);
}

export function utf8Encode(s: string): Uint8Array {
  return textEncoder.encode(s);
}

/**
 * TEXT rendering of a value (sqlite3_value_text): integers in decimal, REALs as SQLite's
 * `%!.17g` (1.0 -> "1.0", 1e20 -> "1.0e+20", -0.0 -> "0.0"), blobs decoded as UTF-8.
 * NULL -> null.
 */
export function toText(v: SqlValue): string | null {
  switch (typeof v) {
    case "string":
      return v;
    case "number":
      return Number.isInteger(v) ? String(v) : realToText(v);
    case "bigint":
      return v.toString();
    default:
      if (v === null) return null;
      if (v instanceof Real) return realToText(v.value);
      return utf8Decode(v);
  }
}

/** The value as a double (sqlite3_value_double): NULL -> 0, text/blob -> numeric prefix. */
export function toReal(v: SqlValue): number {
  switch (typeof v) {
    case "number":
      return v;
    case "bigint":
      return Number(v);
    case "string":
      return atof(v);
    default:
      if (v === null) return 0;
      if (v instanceof Real) return v.value;
      return atof(bytesToBinaryString(v));
  }
}

/** sqlite3RealToI64: truncation toward zero, saturating at the int64 limits. */
export function doubleToInt64(r: number): number | bigint {
  if (r !== r) return 0;
  if (r <= -TWO_63) return MIN_INT64;
  if (r >= TWO_63) return MAX_INT64;
  const t = Math.trunc(r);
  if (t >= -MAX_SAFE && t <= MAX_SAFE) return t === 0 ? 0 : t;
  return BigInt(t);
}

/**
 * The value as a 64-bit integer (sqlite3_value_int64): NULL -> 0, REAL truncated and
 * saturated, text/blob -> leading decimal integer (saturated), e.g. '12abc' -> 12, '1e3' -> 1.
 */
export function toInt64(v: SqlValue): number | bigint {
  switch (typeof v) {
    case "number":
      return Number.isInteger(v) ? v : doubleToInt64(v);
    case "bigint":
      return v;
    case "string":
      return atoi64(v);
    default:
      if (v === null) return 0;
      if (v instanceof Real) return doubleToInt64(v.value);
      return atoi64(bytesToBinaryString(v));
  }
}

/** toInt64 as a JS number (values beyond ±2^53 are rounded); for counts, lengths, offsets. */
export function toIntNumber(v: SqlValue): number {
  const i = toInt64(v);
  return typeof i === "bigint" ? Number(i) : i;
}

/** sqlite3RealSameAsInt: whether the double r is exactly the (small) integer i. */
export function realSameAsInt(r: number, i: number | bigint): boolean {
  if (r === 0) return true;
  if (typeof i === "bigint") return false; // outside ±2^51 anyway
  return r === i && i >= -2251799813685248 && i < 2251799813685248;
}

/**
 * Result code of SQLite's (pre-3.53 style) sqlite3AtoF for `s`: 1 pure integer, 2 number with
 * '.' or exponent, 0 not a number, -1 a valid number with '.'/exponent followed by junk.
 * The value is returned through `atofValue`.
 */
let atofValue = 0;
function atofRc(s: string): number {
  atofValue = atof(s);
  const f = lastAtofFlags();
  if ((f & ATOF_DIGITS) === 0) return 0;
  if ((f & ATOF_GARBAGE) === 0) return f & ATOF_FRACT ? 2 : 1;
  return f & ATOF_FRACT ? -1 : 0;
}

/**
 * The numeric value SQLite uses for a text (or blob) operand of an arithmetic operator
 * (computeNumericType): INTEGER if the text is (a prefix of) an integer that fits, otherwise
 * REAL. Non-numeric text is INTEGER 0; '12abc' -> 12; '1.5abc' -> 1.5; '3.0' -> REAL 3.0.
 */
export function textToNumeric(s: string): number | bigint | Real {
  const rc = atofRc(s);
  const r = atofValue;
  if (rc <= 0) {
    if (rc === 0) {
      const ix = atoi64(s);
      if (lastAtoiRc() <= 1) return ix;
    }
  } else if (rc === 1) {
    const ix = atoi64(s);
    if (lastAtoiRc() === 0) return ix;
  }
  return makeReal(r) as number | Real;
}

/**
 * Converts an operand for arithmetic: numbers unchanged, text/blob per `textToNumeric`,
 * NULL stays NULL.
 */
export function toNumeric(v: SqlValue): SqlValue {
  if (typeof v === "string") return textToNumeric(v);
  if (v instanceof Uint8Array) return textToNumeric(bytesToBinaryString(v));
  return v;
}

/**
 * Text that looks like a number under NUMERIC affinity (applyNumericAffinity): returns the
 * INTEGER or REAL value, or `undefined` if the text is not a well-formed number (the text then
 * stays text). With `tryForInt`, an integral REAL becomes INTEGER (as when storing a value).
 */
export function numericAffinityOfText(s: string, tryForInt: boolean): number | bigint | Real | undefined {
  const rc = atofRc(s);
  if (rc <= 0) return undefined;
  const r = atofValue;
  if (rc === 1) {
    const i = doubleToInt64(r);
    if (realSameAsInt(r, i)) return i;
    const ix = atoi64(s);
    if (lastAtoiRc() === 0) return ix;
  }
  if (tryForInt) {
    const ix = integerAffinity(r);
    if (ix !== undefined) return ix;
  }
  return makeReal(r) as number | Real;
}

/**
 * CAST(text AS NUMERIC) (sqlite3VdbeMemNumerify): INTEGER when the text is, or begins with,
 * an integer that fits ('12abc' -> 12, '' -> 0) or is a real equal to a small integer
 * ('3.0' -> 3, '1e3' -> 1000), otherwise REAL ('1.5abc' -> 1.5, '1e18' -> 1.0e+18).
 */
export function numerifyText(s: string): SqlValue {
  const rc = atofRc(s);
  const r = atofValue;
  if (rc === 0 || rc === 1) {
    const ix = atoi64(s);
    if (lastAtoiRc() <= 1) return ix;
  }
  const ix = doubleToInt64(r);
  if (realSameAsInt(r, ix)) return ix;
  return makeReal(r);
}

/**
 * sqlite3VdbeIntegerAffinity: the INTEGER equal to r if r is integral and strictly inside
 * the int64 range, else undefined.
 */
export function integerAffinity(r: number): number | bigint | undefined {
  if (!Number.isInteger(r)) return undefined;
  if (r <= -TWO_63 || r >= TWO_63) return undefined;
  return doubleToInt64(r);
}

/** sqlite3VdbeBooleanValue: NULL -> null, integers: != 0, everything else: as a double != 0. */
export function toBoolean(v: SqlValue): boolean | null {
  if (v === null) return null;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "bigint") return true; // never zero outside the safe range
  return toReal(v) !== 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Arithmetic                                                                                 */
/* ------------------------------------------------------------------------------------------ */

const BIG_MAX_SAFE = 9007199254740991n;

function bigResult(r: bigint): number | bigint | null {
  if (r > MAX_INT64 || r < MIN_INT64) return null;
  return r >= -BIG_MAX_SAFE && r <= BIG_MAX_SAFE ? Number(r) : r;
}

/** int64 a + b, or null on overflow. */
export function addInt64(a: number | bigint, b: number | bigint): number | bigint | null {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (r >= -MAX_SAFE && r <= MAX_SAFE) return r === 0 ? 0 : r;
  }
  return bigResult(BigInt(a) + BigInt(b));
}

/** int64 a - b, or null on overflow. */
export function subInt64(a: number | bigint, b: number | bigint): number | bigint | null {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    if (r >= -MAX_SAFE && r <= MAX_SAFE) return r === 0 ? 0 : r;
  }
  return bigResult(BigInt(a) - BigInt(b));
}

/** int64 a * b, or null on overflow. */
export function mulInt64(a: number | bigint, b: number | bigint): number | bigint | null {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    if (r >= -MAX_SAFE && r <= MAX_SAFE) return r === 0 ? 0 : r;
  }
  return bigResult(BigInt(a) * BigInt(b));
}

type Op = 0 | 1 | 2 | 3 | 4; // + - * / %

function arith(op: Op, a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  // Fast path: two safe integers.
  if (typeof a === "number" && typeof b === "number" && Number.isInteger(a) && Number.isInteger(b)) {
    const r = intMath(op, a, b);
    if (r !== undefined) return r;
    return fpMath(op, a, b);
  }
  const x = toNumeric(a);
  const y = toNumeric(b);
  if (isInteger(x) && isInteger(y)) {
    const r = intMath(op, x, y);
    if (r !== undefined) return r;
  }
  return fpMath(op, a, b);
}

/** Integer arithmetic; undefined means "overflow: redo in floating point". */
function intMath(op: Op, a: number | bigint, b: number | bigint): SqlValue | undefined {
  switch (op) {
    case 0:
      return addInt64(a, b) ?? undefined;
    case 1:
      return subInt64(a, b) ?? undefined;
    case 2:
      return mulInt64(a, b) ?? undefined;
    case 3:
      if (b === 0) return null;
      if (typeof a === "number" && typeof b === "number") {
        const r = (a - (a % b)) / b;
        return r === 0 ? 0 : r;
      }
      if ((b === -1 || b === -1n) && a === MIN_INT64) return undefined;
      return normalizeBigInt(BigInt(a) / BigInt(b));
    default: {
      if (b === 0) return null;
      if (b === -1 || b === -1n) return 0;
      if (typeof a === "number" && typeof b === "number") {
        const r = a % b;
        return r === 0 ? 0 : r;
      }
      return normalizeBigInt(BigInt(a) % BigInt(b));
    }
  }
}

function fpMath(op: Op, a: SqlValue, b: SqlValue): SqlValue {
  if (op === 4) {
    const iA = toInt64(a);
    const iB = toInt64(b);
    if (iB === 0) return null;
    if (iB === -1 || iB === -1n) return makeReal(0);
    if (typeof iA === "number" && typeof iB === "number") return makeReal(iA % iB);
    return makeReal(Number(BigInt(iA) % BigInt(iB)));
  }
  const rA = toReal(a);
  const rB = toReal(b);
  let r: number;
  switch (op) {
    case 0:
      r = rA + rB;
      break;
    case 1:
      r = rA - rB;
      break;
    case 2:
      r = rA * rB;
      break;
    default:
      if (rB === 0) return null;
      r = rA / rB;
  }
  return makeReal(r);
}

/** a + b with SQLite's rules (NULL-propagating; int64 overflow -> REAL; text -> number). */
export function add(a: SqlValue, b: SqlValue): SqlValue {
  return arith(0, a, b);
}
/** a - b */
export function sub(a: SqlValue, b: SqlValue): SqlValue {
  return arith(1, a, b);
}
/** a * b */
export function mul(a: SqlValue, b: SqlValue): SqlValue {
  return arith(2, a, b);
}
/** a / b: integer division truncates toward zero; x/0 -> NULL. */
export function div(a: SqlValue, b: SqlValue): SqlValue {
  return arith(3, a, b);
}
/** a % b: integer remainder (operands truncated to integers); x%0 -> NULL; REAL if either is REAL. */
export function mod(a: SqlValue, b: SqlValue): SqlValue {
  return arith(4, a, b);
}
/** Unary minus: SQLite computes it as 0 - a. */
export function neg(a: SqlValue): SqlValue {
  if (typeof a === "number" && Number.isInteger(a)) return a === 0 ? 0 : -a;
  return arith(1, 0, a);
}
/** Unary plus is a no-op in SQLite (it does not even convert text). */
export function pos(a: SqlValue): SqlValue {
  return a;
}

/* ------------------------------------------------------------------------------------------ */
/* Bitwise operators (operands converted with toInt64)                                        */
/* ------------------------------------------------------------------------------------------ */

function i64(v: SqlValue): bigint {
  const i = toInt64(v);
  return typeof i === "bigint" ? i : BigInt(i);
}

function fromI64(x: bigint): number | bigint {
  return normalizeBigInt(BigInt.asIntN(64, x));
}

export function bitAnd(a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number" && isSmallInt(a) && isSmallInt(b)) return a & b;
  return fromI64(i64(a) & i64(b));
}

export function bitOr(a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number" && isSmallInt(a) && isSmallInt(b)) return a | b;
  return fromI64(i64(a) | i64(b));
}

function isSmallInt(x: number): boolean {
  return (x | 0) === x;
}

function shift(a: SqlValue, b: SqlValue, left: boolean): SqlValue {
  if (a === null || b === null) return null;
  const iA = i64(a);
  let iB = i64(b);
  if (iB === 0n) return fromI64(iA);
  if (iB < 0n) {
    left = !left;
    iB = iB > -64n ? -iB : 64n;
  }
  if (iB >= 64n) return left || iA >= 0n ? 0 : -1;
  if (left) return fromI64(iA << iB);
  return fromI64(iA >> iB); // arithmetic shift == SQLite's sign-extending shift
}

/** a << b (negative b shifts right; shifts of 64 or more give 0 or -1). */
export function shl(a: SqlValue, b: SqlValue): SqlValue {
  return shift(a, b, true);
}
/** a >> b (sign-extending). */
export function shr(a: SqlValue, b: SqlValue): SqlValue {
  return shift(a, b, false);
}
/** ~a */
export function bitNot(a: SqlValue): SqlValue {
  if (a === null) return null;
  if (typeof a === "number" && isSmallInt(a)) return ~a;
  return fromI64(~i64(a));
}

/* ------------------------------------------------------------------------------------------ */
/* Concatenation                                                                              */
/* ------------------------------------------------------------------------------------------ */

/** a || b: NULL if either is NULL, else the text renderings concatenated. */
export function concat(a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  return (toText(a) as string) + (toText(b) as string);
}

/** Unicode-aware: number of characters (code points) of a JS string. */
export function charLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Number of bytes of the UTF-8 encoding of `s` (lone surrogates count as U+FFFD: 3 bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    } else n += 3;
  }
  return n;
}
