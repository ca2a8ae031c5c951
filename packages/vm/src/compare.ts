/**
 * Value ordering (sqlite3MemCompare), collations and the comparison-affinity rules of
 * https://sqlite.org/datatype3.html §4.2.
 */
import { DbError } from "@db/btree";
import type { Affinity } from "./affinity.js";
import { Real, type SqlValue, numericAffinityOfText, toText } from "./value.js";

/** The built-in collating sequences. */
export type Collation = "BINARY" | "NOCASE" | "RTRIM";

/** Canonical collation for a (case-insensitive) name, or undefined if it is not built in. */
export function normalizeCollation(name: string | null | undefined): Collation | undefined {
  if (name == null) return "BINARY";
  const u = name.toUpperCase();
  return u === "BINARY" || u === "NOCASE" || u === "RTRIM" ? u : undefined;
}

/** 0 NULL, 1 INTEGER/REAL, 2 TEXT, 3 BLOB: the cross-type order. */
export function typeRank(v: SqlValue): number {
  switch (typeof v) {
    case "number":
    case "bigint":
      return 1;
    case "string":
      return 2;
    default:
      if (v === null) return 0;
      return v instanceof Real ? 1 : 3;
  }
}

/** Maps a UTF-16 code unit so that code-unit order equals code-point (UTF-8 byte) order. */
function fixup(c: number): number {
  return c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c;
}

/** BINARY collation: memcmp of the UTF-8 encodings (i.e. code-point order). */
export function compareBinary(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) return fixup(x) < fixup(y) ? -1 : 1;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** NOCASE collation: like BINARY after folding ASCII A-Z to a-z (no other case folding). */
export function compareNocase(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 65 && x <= 90) x += 32;
      if (y >= 65 && y <= 90) y += 32;
      if (x !== y) {
        if (x >= 0xd800 && y >= 0xd800) return fixup(x) < fixup(y) ? -1 : 1;
        return x < y ? -1 : 1;
      }
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** The string without trailing spaces (U+0020 only), as the RTRIM collation sees it. */
export function rtrimSpaces(s: string): string {
  let n = s.length;
  while (n > 0 && s.charCodeAt(n - 1) === 32) n--;
  return n === s.length ? s : s.slice(0, n);
}

/** RTRIM collation: BINARY, ignoring trailing spaces. */
export function compareRtrim(a: string, b: string): number {
  return compareBinary(rtrimSpaces(a), rtrimSpaces(b));
}

/**
 * Compares two strings under a collation ("BINARY", "NOCASE", "RTRIM", any letter case).
 * An unknown collation is an error ("no such collation sequence: X").
 */
export function compareText(a: string, b: string, collation: Collation | string = "BINARY"): number {
  switch (collation) {
    case "BINARY":
      return compareBinary(a, b);
    case "NOCASE":
      return compareNocase(a, b);
    case "RTRIM":
      return compareRtrim(a, b);
    default: {
      const c = normalizeCollation(collation);
      if (c === undefined) throw new DbError("DB_ERROR", `no such collation sequence: ${collation}`);
      return compareText(a, b, c);
    }
  }
}

/** memcmp, then length. */
export function compareBlobs(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Compares two INTEGER/REAL values exactly (bigint vs double included). */
export function compareNumbers(a: number | bigint | Real, b: number | bigint | Real): number {
  const x = a instanceof Real ? a.value : a;
  const y = b instanceof Real ? b.value : b;
  // JS relational operators compare number/bigint mixes by exact mathematical value.
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * SQLite's total order of values: NULL < INTEGER/REAL (numerically, exact) < TEXT (by the
 * collation) < BLOB (memcmp). Returns -1, 0 or 1. NULL compares equal to NULL here (as in
 * DISTINCT, GROUP BY, ORDER BY); the `=` operator's NULL semantics are the VM's business.
 */
export function compareValues(a: SqlValue, b: SqlValue, collation: Collation | string = "BINARY"): number {
  // Fast paths for the common same-type cases.
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") {
    return collation === "BINARY" ? compareBinary(a, b) : compareText(a, b, collation);
  }
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return compareNumbers(a as number | bigint | Real, b as number | bigint | Real);
    case 2:
      return compareText(a as string, b as string, collation);
    default:
      return compareBlobs(a as Uint8Array, b as Uint8Array);
  }
}

/** Equality for DISTINCT / GROUP BY / IS: NULLs are equal to each other; 1 equals 1.0. */
export function valuesEqual(a: SqlValue, b: SqlValue, collation: Collation | string = "BINARY"): boolean {
  return compareValues(a, b, collation) === 0;
}

/**
 * Lexicographic comparison of two tuples (index keys): column i compared with collations[i]
 * and reversed when desc[i]. A tuple that is a prefix of the other sorts first.
 */
export function compareTuples(
  a: readonly SqlValue[],
  b: readonly SqlValue[],
  desc?: readonly boolean[],
  collations?: readonly (Collation | string | undefined)[],
): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let c = compareValues(a[i], b[i], collations?.[i] ?? "BINARY");
    if (c !== 0) {
      if (desc?.[i]) c = -c;
      return c;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function isNumericAffinity(a: Affinity): boolean {
  return a === "NUMERIC" || a === "INTEGER" || a === "REAL";
}

/**
 * The affinity applied to both operands of a comparison (sqlite3CompareAffinity). Pass the
 * affinity of each operand expression, or null when it has none (literals, most expressions).
 * Returns "NUMERIC" (convert numeric-looking text to numbers), "TEXT" (convert numbers to
 * text) or null (compare the values as they are):
 *  - both operands have an affinity (columns, CASTs): NUMERIC if either is numeric, else none;
 *  - one has an affinity: that one (so a TEXT column vs 5 compares as text, an INTEGER column
 *    vs '5' as numbers, a BLOB column vs anything unconverted);
 *  - neither: none.
 */
export function comparisonAffinity(left: Affinity | null, right: Affinity | null): "NUMERIC" | "TEXT" | null {
  let aff: Affinity | null;
  if (left !== null && right !== null) {
    aff = isNumericAffinity(left) || isNumericAffinity(right) ? "NUMERIC" : null;
  } else {
    aff = left ?? right;
  }
  if (aff === null || aff === "BLOB") return null;
  return aff === "TEXT" ? "TEXT" : "NUMERIC";
}

/**
 * Applies a comparison affinity (from `comparisonAffinity`) to one operand before comparing:
 * NUMERIC turns well-formed numeric text into INTEGER/REAL (other text, blobs: unchanged);
 * TEXT renders INTEGER/REAL as text; null leaves the value alone.
 */
export function applyComparisonAffinity(v: SqlValue, aff: Affinity | "NUMERIC" | "TEXT" | null): SqlValue {
  if (aff === null || aff === "BLOB") return v;
  if (aff === "TEXT") {
    if (typeof v === "number" || typeof v === "bigint" || v instanceof Real) return toText(v);
    return v;
  }
  if (typeof v === "string") return numericAffinityOfText(v, false) ?? v;
  return v;
}
