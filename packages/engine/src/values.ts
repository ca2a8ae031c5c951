/** Conversions between JavaScript values and SQL values at the API boundary (better-sqlite3's rules). */
import { DbError, Real, type SqlValue } from "@db/sql";

export type BindValue = null | undefined | number | bigint | string | boolean | Uint8Array | Buffer;
export type OutValue = null | number | bigint | string | Buffer;

/**
 * `where` names the value in error messages: a string, or the 1-based number of a positional
 * parameter (so that binding builds no message string per value).
 */
export function toSql(v: unknown, where: string | number): SqlValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "number":
      if (Number.isNaN(v)) return null;
      // An integral number is an INTEGER, unless it is -0 or outside the 64-bit range (1e300, 2^63),
      // which only a REAL can hold.
      if (!Number.isInteger(v)) return v;
      return Object.is(v, -0) || v >= 9223372036854775808 || v < -9223372036854775808 ? new Real(v) : v;
    case "bigint":
      if (v > 9223372036854775807n || v < -9223372036854775808n) throw new DbError("DB_RANGE", `${placeOf(where)}: BigInt value is too large to bind`);
      return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
    case "string":
      return v;
    case "boolean":
      return v ? 1 : 0;
    default:
      if (v instanceof Uint8Array) return v;
      if (v instanceof Date) return v.toISOString();
      throw new DbError("DB_MISMATCH", `${placeOf(where)}: SQLite can only bind numbers, strings, bigints, buffers, and null`);
  }
}

function placeOf(where: string | number): string {
  return typeof where === "number" ? `parameter ${where}` : where;
}

export function fromSql(v: SqlValue, safeIntegers: boolean): OutValue {
  if (v === null || typeof v === "string") return v;
  if (typeof v === "number") return safeIntegers && Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === "bigint") return safeIntegers ? v : Number(v);
  if (v instanceof Real) return v.value;
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}
