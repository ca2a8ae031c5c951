/**
 * Window functions over rows already sorted by (PARTITION BY, ORDER BY), as SQLite defines them
 * (https://sqlite.org/windowfunctions.html): frames of ROWS, RANGE or GROUPS with their bounds and
 * EXCLUDE, the aggregates as window functions, and the built-ins row_number, rank, dense_rank,
 * percent_rank, cume_dist, ntile, lag, lead, first_value, last_value and nth_value.
 *
 * One partition at a time is held as an array of rows (the input, an ephemeral table, is in memory
 * already). Without EXCLUDE, one accumulator follows the frame: it only grows when the frame
 * starts at UNBOUNDED PRECEDING, and count, sum, total and avg also let rows leave through their
 * inverse (SQLite's xInverse); the rest is aggregated afresh for each row whose frame differs
 * from the previous row's, which costs O(rows x frame size).
 */
import { DbError } from "@db/btree";
import { type AggDef, newAccumulator } from "./accumulators.js";
import { compareValues } from "./compare.js";
import { type SqlValue, makeReal, realValue, toBoolean, isNumeric, numericAffinityOfText } from "./value.js";

export type BoundKind = "UNBOUNDED PRECEDING" | "PRECEDING" | "CURRENT ROW" | "FOLLOWING" | "UNBOUNDED FOLLOWING";

export interface FrameSpec {
  unit: "ROWS" | "RANGE" | "GROUPS";
  /** `offset`: the input column holding the bound's `<expr>` (PRECEDING/FOLLOWING only). */
  start: { kind: BoundKind; offset: number };
  end: { kind: BoundKind; offset: number };
  exclude: "NO OTHERS" | "CURRENT ROW" | "GROUP" | "TIES";
}

export interface WindowFuncSpec {
  /** Lower-case name: an aggregate (`agg` set) or a built-in window function. */
  name: string;
  /** Input columns holding the arguments. */
  args: number[];
  /** Input column of the FILTER expression, or -1. */
  filter: number;
  agg?: AggDef;
  frame: FrameSpec;
}

export interface WindowKeySpec {
  col: number;
  collation: string;
}

/** A window pass: the input is sorted by `partition` then `order`; each function adds a column. */
export interface WindowPassSpec {
  partition: WindowKeySpec[];
  order: (WindowKeySpec & { desc: boolean; nulls?: "FIRST" | "LAST" })[];
  funcs: WindowFuncSpec[];
}

/** Window functions that are not aggregates (the frame matters only for the *_value ones). */
export const WINDOW_FUNCTIONS: ReadonlyMap<string, { min: number; max: number }> = new Map([
  ["row_number", { min: 0, max: 0 }],
  ["rank", { min: 0, max: 0 }],
  ["dense_rank", { min: 0, max: 0 }],
  ["percent_rank", { min: 0, max: 0 }],
  ["cume_dist", { min: 0, max: 0 }],
  ["ntile", { min: 1, max: 1 }],
  ["lag", { min: 1, max: 3 }],
  ["lead", { min: 1, max: 3 }],
  ["first_value", { min: 1, max: 1 }],
  ["last_value", { min: 1, max: 1 }],
  ["nth_value", { min: 2, max: 2 }],
]);

/**
 * Appends one value per function to each row of `rows` (sorted as `spec` says; the arrays are
 * extended in place) and returns them. Throws DB_ERROR for a bad frame offset, ntile or nth_value
 * argument.
 */
export function computeWindows(rows: SqlValue[][], spec: WindowPassSpec): SqlValue[][] {
  let start = 0;
  while (start < rows.length) {
    let end = start + 1;
    while (end < rows.length && sameKeys(rows[start]!, rows[end]!, spec.partition)) end++;
    const part = start === 0 && end === rows.length ? rows : rows.slice(start, end);
    const peers = peersOf(part, spec.order);
    // Every function reads the input columns only: all are computed before any value is appended.
    const results = spec.funcs.map((f) => evalFunction(part, spec, f, peers));
    for (let i = 0; i < part.length; i++) {
      const row = part[i]!;
      for (const r of results) row.push(r[i]!);
    }
    start = end;
  }
  return rows;
}

function sameKeys(a: SqlValue[], b: SqlValue[], keys: readonly WindowKeySpec[]): boolean {
  for (const k of keys) {
    const x = a[k.col] ?? null;
    const y = b[k.col] ?? null;
    if (x === null || y === null) {
      if (x !== y) return false;
    } else if (compareValues(x, y, k.collation as "BINARY") !== 0) return false;
  }
  return true;
}

/** Peer groups of a partition: `group[i]` is row i's group, `first[g]`/`last[g]` its rows. */
interface Peers {
  group: number[];
  first: number[];
  last: number[];
}

function peersOf(part: SqlValue[][], order: readonly WindowKeySpec[]): Peers {
  const group: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  for (let i = 0; i < part.length; i++) {
    if (i === 0 || !sameKeys(part[i - 1]!, part[i]!, order)) {
      if (i > 0) last.push(i - 1);
      first.push(i);
    }
    group.push(first.length - 1);
  }
  if (part.length > 0) last.push(part.length - 1);
  return { group, first, last };
}

function evalFunction(part: SqlValue[][], spec: WindowPassSpec, f: WindowFuncSpec, peers: Peers): SqlValue[] {
  const n = part.length;
  const arg = (i: number, k: number): SqlValue => part[i]![f.args[k]!] ?? null;
  switch (f.name) {
    case "row_number":
      return part.map((_, i) => i + 1);
    case "rank":
      return part.map((_, i) => peers.first[peers.group[i]!]! + 1);
    case "dense_rank":
      return part.map((_, i) => peers.group[i]! + 1);
    case "percent_rank":
      return part.map((_, i) => makeReal(n > 1 ? peers.first[peers.group[i]!]! / (n - 1) : 0));
    case "cume_dist":
      return part.map((_, i) => makeReal((peers.last[peers.group[i]!]! + 1) / n));
    case "ntile": {
      const buckets = positiveInt(arg(0, 0), "argument of ntile must be a positive integer", true);
      // The first n % buckets tiles hold one row more than the others (SQLite's ntileValueFunc).
      const size = Math.floor(n / buckets);
      const big = n % buckets;
      return part.map((_, i) => {
        if (size === 0) return i + 1;
        const bigRows = big * (size + 1);
        return i < bigRows ? Math.floor(i / (size + 1)) + 1 : big + Math.floor((i - bigRows) / size) + 1;
      });
    }
    case "lag":
    case "lead":
      return part.map((_, i) => {
        // As SQLite's, which adds the offset to a row number: NULL or a fraction finds no row.
        const off = f.args.length > 1 ? numberOf(arg(i, 1)) : 1;
        const j = off === null || !Number.isInteger(off) ? -1 : f.name === "lag" ? i - off : i + off;
        if (j >= 0 && j < n) return arg(j, 0);
        return f.args.length > 2 ? arg(i, 2) : null;
      });
    default:
      return evalFramed(part, spec, f, peers);
  }
}

/** A number (numeric text converted), or null for NULL, text that is no number, and blobs. */
function numberOf(v: SqlValue): number | null {
  const x = typeof v === "string" ? numericAffinityOfText(v, false) : v;
  return x !== undefined && x !== null && isNumeric(x) ? realValue(x) : null;
}

/** A positive integer argument (a whole REAL counts; `truncate`: any number >= 1, as ntile's). */
function positiveInt(v: SqlValue, message: string, truncate = false): number {
  let x = numberOf(v);
  if (x !== null && truncate) x = Math.trunc(x);
  if (x === null || !Number.isInteger(x) || x < 1) throw new DbError("DB_ERROR", message);
  return x;
}

/** A frame offset: a non-negative integer (ROWS, GROUPS) or number (RANGE), as windowCheckValue. */
function frameOffset(v: SqlValue, unit: FrameSpec["unit"], which: "starting" | "ending"): number {
  const x = numberOf(v);
  if (x === null || x < 0 || (unit !== "RANGE" && !Number.isInteger(x))) {
    throw new DbError("DB_ERROR", `frame ${which} offset must be a non-negative ${unit === "RANGE" ? "number" : "integer"}`);
  }
  return x;
}

/** Rows `lo..hi` (inclusive; empty when lo > hi) of row i's frame, before EXCLUDE. */
function frameOf(part: SqlValue[][], spec: WindowPassSpec, frame: FrameSpec, peers: Peers, i: number, offs: [number, number]): [number, number] {
  const n = part.length;
  const g = peers.group[i]!;
  const bound = (b: FrameSpec["start"], off: number, isStart: boolean): number => {
    switch (b.kind) {
      case "UNBOUNDED PRECEDING":
        return 0;
      case "UNBOUNDED FOLLOWING":
        return n - 1;
      case "CURRENT ROW":
        if (frame.unit === "ROWS") return i;
        return isStart ? peers.first[g]! : peers.last[g]!;
      default: {
        const sign = b.kind === "PRECEDING" ? -1 : 1;
        if (frame.unit === "ROWS") return i + sign * off;
        if (frame.unit === "GROUPS") {
          const h = g + sign * off;
          if (h < 0) return isStart ? 0 : -1;
          if (h >= peers.first.length) return isStart ? n : n - 1;
          return isStart ? peers.first[h]! : peers.last[h]!;
        }
        return rangeBound(part, spec, peers, i, off, sign < 0, isStart);
      }
    }
  };
  return [Math.max(0, bound(frame.start, offs[0], true)), Math.min(n - 1, bound(frame.end, offs[1], false))];
}

/**
 * RANGE `<off> PRECEDING/FOLLOWING`: the first (start) or last (end) row whose ORDER BY value is
 * within `off` of row i's, in the sort's direction. As SQLite's windowCodeRangeTest, the offset
 * is added to (descending: subtracted from) the other row's value for PRECEDING and to row i's
 * for FOLLOWING, so `4.1 - 4` never meets a rounding error that `0.1 + 4` does not. A NULL or
 * non-numeric value of row i bounds at its own peers.
 */
function rangeBound(part: SqlValue[][], spec: WindowPassSpec, peers: Peers, i: number, off: number, preceding: boolean, isStart: boolean): number {
  const key = spec.order[0]!;
  const v = part[i]![key.col] ?? null;
  const g = peers.group[i]!;
  if (v === null || !isNumeric(v)) return isStart ? peers.first[g]! : peers.last[g]!;
  const shift = key.desc ? -off : off;
  const cur = realValue(v);
  const target = preceding ? cur : cur + shift;
  // Rows are placed against the target as the sort placed them: NULLs where NULLS FIRST/LAST put
  // them, text and blobs after every number ascending (before it descending). `within(j)`: row j
  // is not before the target (a start bound) or not after it (an end bound), in that order.
  const nullsFirst = key.nulls === undefined ? !key.desc : key.nulls === "FIRST";
  const dir = key.desc ? -1 : 1;
  const within = (j: number): boolean => {
    const w = part[j]![key.col] ?? null;
    let c: number;
    if (w === null) c = nullsFirst ? -1 : 1;
    else if (!isNumeric(w)) c = dir * compareValues(w, target, "BINARY");
    else {
      const x = preceding ? realValue(w) + shift : realValue(w);
      c = dir * (x < target ? -1 : x > target ? 1 : 0);
    }
    return isStart ? c >= 0 : c <= 0;
  };
  // within() is false then true over the partition for a start bound, true then false for an
  // end bound (the rows are in the sort's order): a binary search finds the edge.
  let lo = 0;
  let hi = part.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (within(mid) === isStart) hi = mid;
    else lo = mid + 1;
  }
  return isStart ? lo : lo - 1;
}

/** Whether row j of row i's frame is left out by EXCLUDE. */
function excluded(frame: FrameSpec, peers: Peers, i: number, j: number): boolean {
  switch (frame.exclude) {
    case "NO OTHERS":
      return false;
    case "CURRENT ROW":
      return j === i;
    case "GROUP":
      return peers.group[j] === peers.group[i];
    case "TIES":
      return j !== i && peers.group[j] === peers.group[i];
  }
}

/** first_value, last_value, nth_value and the aggregates: a value per row from its frame. */
function evalFramed(part: SqlValue[][], spec: WindowPassSpec, f: WindowFuncSpec, peers: Peers): SqlValue[] {
  const { frame } = f;
  const first = part[0];
  const offs: [number, number] = [
    frame.start.offset >= 0 && first ? frameOffset(first[frame.start.offset] ?? null, frame.unit, "starting") : 0,
    frame.end.offset >= 0 && first ? frameOffset(first[frame.end.offset] ?? null, frame.unit, "ending") : 0,
  ];
  const nthOf = (i: number) => positiveInt(part[i]![f.args[1]!] ?? null, "second argument to nth_value must be a positive integer");
  const counts = (j: number): boolean => f.filter < 0 || toBoolean(part[j]![f.filter] ?? null) === true;
  const out: SqlValue[] = [];
  const exclude = frame.exclude !== "NO OTHERS";
  // One accumulator follows the frame, holding rows [wLo, wHi], when no EXCLUDE cuts holes in it:
  // a frame starting at UNBOUNDED PRECEDING only grows; count, sum, total and avg also let rows
  // leave through their inverse (SQLite's xInverse). Any other aggregate is recomputed per frame.
  let win = f.agg !== undefined && !exclude ? newAccumulator(f.agg) : null;
  if (win !== null && frame.start.kind !== "UNBOUNDED PRECEDING" && win.inverse === undefined) win = null;
  let wLo = 0;
  let wHi = -1;
  // Accumulators read the arguments during the call only: one array serves every row.
  const args: SqlValue[] = new Array<SqlValue>(f.args.length);
  const argsAt = (j: number): SqlValue[] => {
    for (let k = 0; k < args.length; k++) args[k] = part[j]![f.args[k]!] ?? null;
    return args;
  };
  let prev: [number, number] | null = null;
  let prevValue: SqlValue = null;
  for (let i = 0; i < part.length; i++) {
    const [lo, hi] = frameOf(part, spec, frame, peers, i, offs);
    const nth = f.name === "nth_value" ? nthOf(i) : 1;
    if (!exclude && f.name !== "nth_value" && prev !== null && prev[0] === lo && prev[1] === hi) {
      out.push(prevValue);
      continue;
    }
    let value: SqlValue;
    if (f.agg === undefined) {
      let j: number | undefined;
      if (!exclude) {
        j = f.name === "first_value" ? lo : f.name === "last_value" ? hi : lo + nth - 1;
        if (j > hi) j = undefined;
      } else {
        const members: number[] = [];
        for (let k = lo; k <= hi; k++) if (!excluded(frame, peers, i, k)) members.push(k);
        j = members[f.name === "first_value" ? 0 : f.name === "last_value" ? members.length - 1 : nth - 1];
      }
      value = j === undefined || j < lo ? null : (part[j]![f.args[0]!] ?? null);
    } else if (win !== null) {
      if (lo < wLo || hi < wHi) {
        win = newAccumulator(f.agg);
        wLo = lo;
        wHi = lo - 1;
      }
      // In SQLite's order (window.c): rows leaving the frame go out first, then the new ones
      // come in. Its cursors start at the partition's first row, so a row the frame passes over
      // (one before a frame that starts FOLLOWING) is stepped and taken out again: a REAL or an
      // overflow it brings stays with the sum.
      for (let j = wLo; j < lo && j <= wHi; j++) if (counts(j)) win.inverse!(argsAt(j));
      const from = wHi + 1;
      for (let j = from; j <= hi; j++) if (counts(j)) win.step(argsAt(j));
      for (let j = from; j < lo && j <= hi; j++) if (counts(j)) win.inverse!(argsAt(j));
      wLo = lo;
      wHi = Math.max(wHi, hi);
      value = win.final();
    } else {
      const fresh = newAccumulator(f.agg);
      for (let j = lo; j <= hi; j++) if (!excluded(frame, peers, i, j) && counts(j)) fresh.step(argsAt(j));
      value = fresh.final();
    }
    out.push(value);
    prev = [lo, hi];
    prevValue = value;
  }
  return out;
}
