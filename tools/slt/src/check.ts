/** Result comparison: sort modes, hashing, labels (sqllogictest.c's verify mode, strictly). */
import { createHash } from "node:crypto";
import type { SortMode } from "./parse.js";

/** strcmp order of rendered strings (they are ASCII, so code-unit order is byte order). */
export function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts the flat, row-major list of rendered values as the sort mode asks. */
export function sortValues(values: string[], nColumns: number, mode: SortMode): string[] {
  if (mode === "valuesort") return [...values].sort(strcmp);
  if (mode !== "rowsort" || nColumns < 1) return values;
  const rows: string[][] = [];
  for (let i = 0; i < values.length; i += nColumns) rows.push(values.slice(i, i + nColumns));
  rows.sort((a, b) => {
    for (let c = 0; c < nColumns; c++) {
      const d = strcmp(a[c]!, b[c]!);
      if (d) return d;
    }
    return 0;
  });
  return rows.flat();
}

/** "N values hashing to MD5": the md5 of every value followed by "\n". */
export function hashValues(values: string[]): string {
  const md5 = createHash("md5");
  for (const v of values) md5.update(v + "\n", "latin1");
  return `${values.length} values hashing to ${md5.digest("hex")}`;
}

export interface CheckInput {
  /** Rendered values, row-major, in the engine's order. */
  values: string[];
  nColumns: number;
  sort: SortMode;
  label: string;
  expected: string[];
  hashThreshold: number;
  /** Hashes seen so far for each label, updated by check(). */
  labels: Map<string, string>;
}

export interface CheckResult {
  ok: boolean;
  /** What was compared against `expected`: the sorted values or their hash line. */
  got: string[];
  /** The sorted values (hashed into `got` when `hashed`). */
  values: string[];
  hashed: boolean;
  reason?: string;
}

export function check(q: CheckInput): CheckResult {
  const values = sortValues(q.values, q.nColumns, q.sort);
  const hashed = q.hashThreshold > 0 && values.length > q.hashThreshold;
  const hash = hashed || q.label ? hashValues(values) : "";
  const got = hashed ? [hash] : values;
  let reason: string | undefined;
  if (got.length !== q.expected.length || got.some((v, i) => v !== q.expected[i])) {
    reason = hashed ? "wrong result hash" : "wrong result";
  }
  if (q.label) {
    const label = q.label.slice(0, 20);
    const prev = q.labels.get(label);
    if (prev === undefined) q.labels.set(label, hash);
    else if (prev !== hash && !reason) reason = `labeled result [${label}] does not agree with previous values`;
  }
  return { ok: !reason, got, values, hashed, reason };
}
