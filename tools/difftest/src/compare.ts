/**
 * Comparing results: rows as multisets, or in order when the query's ORDER BY is total; SQLite's
 * value ordering for ties; and two looser levels used only to classify a difference.
 */
import type { ExecResult, Value } from "./engines.js";

// ---------------------------------------------------------------------------------------------
// Values

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex").toUpperCase();
}

/** A value as an SQL literal (how reports show it). */
export function showValue(v: Value): string {
  if (v === null) return "NULL";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "Inf" : "-Inf";
    const s = String(v);
    return /[.eE]/.test(s) ? s : s + ".0";
  }
  if (typeof v === "string") return `'${v.replace(/'/g, "''")}'`;
  return `X'${hex(v)}'`;
}

export function showRows(rows: Value[][], max = 12): string {
  const out = rows.slice(0, max).map((r) => `(${r.map(showValue).join(", ")})`);
  if (rows.length > max) out.push(`... ${rows.length - max} more`);
  return rows.length ? out.join(" ") : "(no rows)";
}

export function showResult(r: ExecResult, max = 12): string {
  return r.ok ? showRows(r.rows, max) : `error: ${r.error.split("\n")[0]}`;
}

/** Exact key: type and value (-0 and 0 are the same REAL). */
function exactKey(v: Value): string {
  if (v === null) return "N";
  if (typeof v === "bigint") return "I" + v;
  if (typeof v === "number") return "R" + (v === 0 ? "0" : String(v));
  if (typeof v === "string") return "T" + v;
  return "B" + hex(v);
}

/** INTEGER and REAL of the same value are one key (a representative chosen by scan order). */
function reprKey(v: Value): string {
  if (typeof v === "number" && Number.isInteger(v) && Math.abs(v) < 2 ** 63) return "I" + BigInt(v);
  return exactKey(v);
}

/** Text that renders a REAL with many digits (so a last-bit difference shows in its last digits). */
const LONG_NUMERIC_TEXT = /^[-+]?\d*\.?\d{12,}(e[-+]?\d+)?$|^[-+]?\d+\.\d+e[-+]?\d+$/i;

/** REALs compared to 10 significant digits (last-digit differences), also when rendered as text. */
function floatKey(v: Value, repr: boolean): string {
  if (typeof v === "string" && v.length > 12 && LONG_NUMERIC_TEXT.test(v.replace(/^0+(?=\d)/, ""))) {
    const n = Number(v);
    if (Number.isFinite(n)) return "T~" + Number(n.toPrecision(10));
  }
  if (typeof v === "number" && Number.isFinite(v)) {
    const r = Number(v.toPrecision(10));
    if (repr && Number.isInteger(r) && Math.abs(r) < 2 ** 53) return "I" + BigInt(r);
    return "R" + (r === 0 ? "0" : String(r));
  }
  if (repr && typeof v === "bigint" && (v > 2n ** 53n || v < -(2n ** 53n))) return "R" + String(Number(Number(v).toPrecision(10)));
  return repr ? reprKey(v) : exactKey(v);
}

type KeyFn = (v: Value) => string;
const KEYS: Record<Level, KeyFn> = {
  exact: exactKey,
  repr: reprKey,
  float: (v) => floatKey(v, false),
  reprfloat: (v) => floatKey(v, true),
};

export type Level = "exact" | "repr" | "float" | "reprfloat";

function rowKey(r: Value[], key: KeyFn): string {
  return JSON.stringify(r.map(key));
}

export function multisetEqual(a: Value[][], b: Value[][], level: Level = "exact"): boolean {
  if (a.length !== b.length) return false;
  const key = KEYS[level];
  const ka = a.map((r) => rowKey(r, key)).sort();
  const kb = b.map((r) => rowKey(r, key)).sort();
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return false;
  return true;
}

/** Distinct rows (under `level`), for DISTINCT and UNION. */
export function distinctRows(rows: Value[][], level: Level = "repr"): Value[][] {
  const key = KEYS[level];
  const seen = new Set<string>();
  const out: Value[][] = [];
  for (const r of rows) {
    const k = rowKey(r, key);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(r);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// SQLite's ordering of values (BINARY collation)

function typeRank(v: Value): number {
  if (v === null) return 0;
  if (typeof v === "bigint" || typeof v === "number") return 1;
  if (typeof v === "string") return 2;
  return 3;
}

function cmpNum(a: bigint | number, b: bigint | number): number {
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  // One integer, one real: compare exactly.
  const [i, r, sign] = typeof a === "bigint" ? [a, b as number, 1] : [b as bigint, a as number, -1];
  if (Number.isNaN(r)) return sign;
  if (r >= 9223372036854775808) return -sign;
  if (r < -9223372036854775808) return sign;
  const fl = Math.floor(r);
  const bi = BigInt(fl);
  if (i < bi) return -sign;
  if (i > bi) return sign;
  return r > fl ? -sign : 0;
}

export function compareValues(a: Value, b: Value): number {
  const ta = typeRank(a);
  const tb = typeRank(b);
  if (ta !== tb) return ta - tb;
  if (ta === 0) return 0;
  if (ta === 1) return cmpNum(a as bigint | number, b as bigint | number);
  const ba = typeof a === "string" ? Buffer.from(a, "utf8") : Buffer.from(a as Uint8Array);
  const bb = typeof b === "string" ? Buffer.from(b, "utf8") : Buffer.from(b as Uint8Array);
  return Buffer.compare(ba, bb);
}

function rowsTie(a: Value[], b: Value[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (compareValues(a[i]!, b[i]!) !== 0) return false;
  return true;
}

/** Runs of adjacent rows that compare equal (SQLite may return them in any order). */
function tieGroups(rows: Value[][]): Value[][][] {
  const groups: Value[][][] = [];
  for (const r of rows) {
    const g = groups[groups.length - 1];
    if (g && rowsTie(g[0]!, r)) g.push(r);
    else groups.push([r]);
  }
  return groups;
}

/**
 * Rows in order, where the ORDER BY covers every output column: runs of equal rows compare as
 * multisets; with LIMIT/OFFSET the first and last run may be cut anywhere, so there only the
 * sizes and the (tie-equal) values must agree.
 */
export function orderedEqual(a: Value[][], b: Value[][], limited: boolean, level: Level = "exact"): boolean {
  if (a.length !== b.length) return false;
  const ga = tieGroups(a);
  const gb = tieGroups(b);
  if (ga.length !== gb.length) return false;
  // Across engines, the runs' values must agree (exactly, or to 10 digits at the float levels).
  const key = KEYS[level];
  const same = isFloatLevel(level) ? (x: Value[], y: Value[]) => rowKey(x, key) === rowKey(y, key) : rowsTie;
  for (let i = 0; i < ga.length; i++) {
    const x = ga[i]!;
    const y = gb[i]!;
    if (x.length !== y.length) return false;
    if (!same(x[0]!, y[0]!)) return false;
    const edge = limited && (i === 0 || i === ga.length - 1);
    if (!edge && !multisetEqual(x, y, level)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Results

export interface CompareMode {
  /** "multiset" (no usable order), "ordered" (total ORDER BY) or "count" (LIMIT without total order). */
  order: "multiset" | "ordered" | "count";
  limited: boolean;
  /** The query picks representatives (DISTINCT, GROUP BY, set operations, min/max). */
  reprAmbiguous: boolean;
}

export type Verdict = { same: true; level: Level } | { same: false; category: string };

/** An error message without names and numbers (so the minimizer keeps to the same error). */
export function errorKind(msg: string): string {
  return (msg.split("\n")[0] ?? "")
    .replace(/^DB_[A-Z_]+: /, "")
    .replace(/'[^']*'|"[^"]*"/g, "?")
    .replace(/\b[a-z]+\d+(\.[a-z]+\d+)?\b/gi, "?")
    .replace(/\d+/g, "?")
    .slice(0, 60);
}

export function compareResults(ours: ExecResult, theirs: ExecResult, mode: CompareMode, dml = false): Verdict {
  if (!ours.ok && ours.internal) return { same: false, category: `crash: ${errorKind(ours.error)}` };
  if (!ours.ok || !theirs.ok) {
    if (!ours.ok && !theirs.ok) return { same: true, level: "exact" };
    return { same: false, category: ours.ok ? `theirs-error: ${errorKind((theirs as { error: string }).error)}` : `ours-error: ${errorKind(ours.error)}` };
  }
  if (dml) return ours.changes === theirs.changes ? { same: true, level: "exact" } : { same: false, category: "changes" };
  const levels: Level[] = mode.reprAmbiguous ? ["exact", "repr", "float", "reprfloat"] : ["exact", "float"];
  for (const level of levels) {
    let eq: boolean;
    if (mode.order === "count") eq = ours.rows.length === theirs.rows.length;
    else if (mode.order === "ordered") eq = orderedEqual(ours.rows, theirs.rows, mode.limited, level);
    else eq = multisetEqual(ours.rows, theirs.rows, level);
    if (eq) return { same: true, level };
  }
  return { same: false, category: "rows" };
}

/** Whether a pass at `level` counts as a pass: "float" levels are last-digit REAL differences. */
export function isFloatLevel(level: Level): boolean {
  return level === "float" || level === "reprfloat";
}
