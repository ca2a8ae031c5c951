/**
 * The planner's cost model, after SQLite's (where.c, whereLoopAddBtree and friends), in plain
 * numbers instead of SQLite's logarithmic LogEst: estimated rows come from sqlite_stat1 when
 * ANALYZE has run and from SQLite's defaults otherwise; costs are in "row visits".
 */
import type { Index, Table } from "../schema.js";

/** Rows assumed in a table without statistics (SQLite's default nRowLogEst of 200 ≈ 2^20). */
export const DEFAULT_ROWS = 1048576;

/** Rows per key assumed for the first 1..5 columns of an index without statistics (sqlite3DefaultRowEst). */
const DEFAULT_PER_KEY = [10, 9, 8, 7, 6];

/** A full scan costs 3 per row: SQLite's penalty against scans, whose worst case is always bad. */
export const SCAN_ROW = 3;
/** A row reached through a non-covering index: the index entry plus the table lookup by rowid. */
export const INDEX_ROW = 4;

export function tableRows(t: Table | null): number {
  if (!t) return DEFAULT_ROWS;
  if (t.nRowStat !== undefined) return Math.max(1, t.nRowStat);
  return DEFAULT_ROWS;
}

/** Cost of one B+tree seek into `n` rows. */
export function seekCost(n: number): number {
  return Math.max(1, Math.log2(n + 1));
}

/** Average rows matching equality on the first `k` (≥ 1) columns of `idx`, in a table of `nRow` rows. */
export function rowsPerKey(idx: Index, k: number, nRow: number): number {
  if (idx.unique && k >= idx.columns.length) return 1;
  const s = idx.stat;
  if (s && s.length > k) return Math.max(1, Math.min(s[k]!, nRow));
  const d = DEFAULT_PER_KEY[k - 1] ?? 5;
  return Math.max(1, Math.min(d, nRow));
}

/** A range bound keeps about a quarter of the rows (whereRangeAdjust without STAT4), never below one. */
export function rangeRows(n: number, bounds: number): number {
  return Math.max(1, n / 4 ** bounds);
}

/**
 * Rows left after the filters a level evaluates: each term keeps ~90% (SQLite's nOut--), and an
 * equality keeps at most a quarter of the table (whereLoopOutputAdjust's heuristic truth).
 */
export function filteredRows(nOut: number, nRow: number, nTerms: number, hasEquality: boolean): number {
  let n = nOut * 0.9 ** nTerms;
  if (hasEquality) n = Math.min(n, nRow / 4);
  return Math.max(1, n);
}

/**
 * One-time cost of building an automatic index over `nRow` rows: SQLite's X·N·log2(N) with X = 7
 * for tables (0.5 for materialized views and subqueries, which can have no real index).
 */
export function autoIndexSetup(nRow: number, ephemeral: boolean): number {
  return (ephemeral ? 0.5 : 7) * nRow * seekCost(nRow);
}

/** Rows an automatic-index lookup is assumed to yield (SQLite's nOut = 20: it cannot know). */
export const AUTO_INDEX_ROWS = 20;

/** log2(2^a + 2^b): adds two costs kept as logarithms, so joins of many tables do not overflow. */
export function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log2(1 + 2 ** (Math.min(a, b) - hi));
}
