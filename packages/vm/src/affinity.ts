/**
 * Column affinity (https://sqlite.org/datatype3.html §3) and CAST.
 */
import {
  Real,
  type SqlValue,
  bytesToBinaryString,
  integerAffinity,
  makeReal,
  numericAffinityOfText,
  numerifyText,
  toInt64,
  toReal,
  toText,
  utf8Encode,
} from "./value.js";

/** "BLOB" is also known as NONE (no affinity). */
export type Affinity = "INTEGER" | "TEXT" | "BLOB" | "REAL" | "NUMERIC";

/**
 * The affinity of a declared column type (§3.1), applied in this order: contains "INT" ->
 * INTEGER; "CHAR", "CLOB" or "TEXT" -> TEXT; "BLOB" or no type at all -> BLOB; "REAL", "FLOA"
 * or "DOUB" -> REAL; otherwise NUMERIC. Case-insensitive substring matches, exactly as
 * sqlite3AffinityType scans them (so "CHARINT" is INTEGER, "FLOATING POINT" is INTEGER).
 */
export function affinityOfType(declType: string | null | undefined): Affinity {
  if (declType == null) return "BLOB";
  let h = 0;
  let aff: Affinity = "NUMERIC";
  let sawAny = false;
  for (let i = 0; i < declType.length; i++) {
    let c = declType.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c > 255) c = 255; // a non-ASCII character can never be part of a keyword
    if (!(c === 32 || (c >= 9 && c <= 13))) sawAny = true;
    h = ((h << 8) | c) >>> 0;
    if (h === 0x63686172 /* char */ || h === 0x636c6f62 /* clob */ || h === 0x74657874 /* text */) {
      aff = "TEXT";
    } else if (h === 0x626c6f62 /* blob */) {
      if (aff === "NUMERIC" || aff === "REAL") aff = "BLOB";
    } else if (h === 0x7265616c /* real */ || h === 0x666c6f61 /* floa */ || h === 0x646f7562 /* doub */) {
      if (aff === "NUMERIC") aff = "REAL";
    } else if ((h & 0x00ffffff) === 0x696e74 /* int */) {
      return "INTEGER";
    }
  }
  return sawAny ? aff : "BLOB";
}

/**
 * OP_MustBeInt's conversion (a rowid, LIMIT, OFFSET): INTEGER affinity, and the REAL -2^63 too,
 * which is exactly the smallest 64-bit integer (a column's affinity keeps it REAL, as SQLite's
 * sqlite3VdbeIntegerAffinity does, but SQLite takes it as a rowid or a limit). Undefined when
 * `v` is not an integer then.
 */
export function mustBeInt(v: SqlValue): number | bigint | undefined {
  if ((typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint") return v;
  const n = applyAffinity(v, "INTEGER");
  if ((typeof n === "number" && Number.isInteger(n)) || typeof n === "bigint") return n;
  if (n instanceof Real && n.value === -9223372036854775808) return -9223372036854775808n;
  return undefined;
}

/**
 * The value as stored into (and read back from) a column of affinity `aff` (§3.4):
 *  - TEXT: INTEGER/REAL become their text rendering; NULL and BLOB unchanged.
 *  - NUMERIC/INTEGER: well-formed numeric text becomes INTEGER ('  12 ', '3.0', '1e3') or REAL
 *    ('0.99'); a REAL that is integral and inside int64 becomes INTEGER (3.0 -> 3). Other text,
 *    BLOB and NULL unchanged.
 *  - REAL: as NUMERIC, but every numeric result is REAL (5 -> 5.0, '12' -> 12.0).
 *  - BLOB (none): unchanged.
 */
export function applyAffinity(v: SqlValue, aff: Affinity): SqlValue {
  switch (aff) {
    case "BLOB":
      return v;
    case "TEXT":
      if (typeof v === "number" || typeof v === "bigint" || v instanceof Real) return toText(v);
      return v;
    case "REAL": {
      if (typeof v === "number") return Number.isInteger(v) ? new Real(v) : v;
      if (typeof v === "bigint") return new Real(Number(v));
      if (typeof v === "string") {
        const n = numericAffinityOfText(v, true);
        if (n === undefined) return v;
        return typeof n === "number" ? makeReal(n) : typeof n === "bigint" ? new Real(Number(n)) : n;
      }
      // SQLite stores an integral REAL of a REAL column as an integer (OP_MakeRecord), so -0.0
      // comes back as 0.0.
      if (v instanceof Real && Object.is(v.value, -0)) return new Real(0);
      return v;
    }
    default: {
      // NUMERIC, INTEGER
      if (typeof v === "number") {
        if (Number.isInteger(v)) return v;
        return integerAffinity(v) ?? v;
      }
      if (v instanceof Real) return integerAffinity(v.value) ?? v;
      if (typeof v === "string") return numericAffinityOfText(v, true) ?? v;
      return v;
    }
  }
}

/**
 * CAST(v AS typeName). The affinity of `typeName` decides (VARCHAR -> TEXT, FOO -> NUMERIC,
 * BLOB -> BLOB); an affinity name works as a type name.
 *   AS INTEGER: REAL truncates toward zero (saturating); text takes its leading integer
 *               ('12abc' -> 12, '1e3' -> 1, 'x' -> 0)
 *   AS REAL:    text takes its leading number ('12abc' -> 12.0, 'x' -> 0.0)
 *   AS NUMERIC: INTEGER and REAL unchanged; text per `numerifyText` ('3.0' -> 3, '0.5' -> 0.5)
 *   AS TEXT:    numbers rendered ('1.0'), blobs decoded as UTF-8
 *   AS BLOB:    text encoded as UTF-8, numbers rendered then encoded
 * NULL stays NULL.
 */
export function castAs(v: SqlValue, typeName: string): SqlValue {
  if (v === null) return null;
  const aff = typeName.trim() === "" ? "NUMERIC" : affinityOfType(typeName);
  switch (aff) {
    case "INTEGER":
      return toInt64(v);
    case "REAL":
      return makeReal(toReal(v));
    case "TEXT":
      return toText(v);
    case "BLOB":
      if (v instanceof Uint8Array) return v;
      return utf8Encode(toText(v) as string);
    default:
      if (typeof v === "string") return numerifyText(v);
      if (v instanceof Uint8Array) return numerifyText(bytesToBinaryString(v));
      return v;
  }
}
