/**
 * The window pass alone (window.ts): frames, peers, partitions and the built-ins over rows already
 * sorted, checked against values worked out by hand from SQLite's definitions
 * (windowfunctions.html). packages/engine/test/window.test.ts compares whole queries with SQLite.
 */
import { describe, expect, it } from "vitest";
import { computeWindows, type FrameSpec, type WindowFuncSpec, type WindowPassSpec } from "../src/window.js";
import { realValue, type SqlValue } from "../src/value.js";

const rows = (...r: SqlValue[][]) => r.map((x) => [...x]);
const frame = (unit: FrameSpec["unit"], start: FrameSpec["start"]["kind"], end: FrameSpec["end"]["kind"], offs: [number, number] = [-1, -1], exclude: FrameSpec["exclude"] = "NO OTHERS"): FrameSpec => ({
  unit,
  start: { kind: start, offset: offs[0] },
  end: { kind: end, offset: offs[1] },
  exclude,
});
const DEFAULT = frame("RANGE", "UNBOUNDED PRECEDING", "CURRENT ROW");
const fn = (name: string, args: number[], f: FrameSpec = DEFAULT, agg = false): WindowFuncSpec => ({ name, args, filter: -1, frame: f, ...(agg ? { agg: { name, distinct: false, star: args.length === 0 } } : {}) });
const lastCol = (out: SqlValue[][], k = 1) => out.map((r) => r.slice(r.length - k));

describe("computeWindows", () => {
  // (partition, key, value): two partitions, ties on key 2 in the first
  const input = () => rows(["a", 1, 10], ["a", 2, 20], ["a", 2, 30], ["a", 5, 40], ["b", 1, 1], ["b", 3, 2]);
  const spec = (funcs: WindowFuncSpec[]): WindowPassSpec => ({ partition: [{ col: 0, collation: "BINARY" }], order: [{ col: 1, collation: "BINARY", desc: false }], funcs });

  it("numbers rows, ranks peers and restarts in each partition", () => {
    const out = computeWindows(input(), spec([fn("row_number", []), fn("rank", []), fn("dense_rank", []), fn("cume_dist", [])]));
    expect(lastCol(out, 4).map((r) => r.slice(0, 3))).toEqual([
      [1, 1, 1],
      [2, 2, 2],
      [3, 2, 2],
      [4, 4, 3],
      [1, 1, 1],
      [2, 2, 2],
    ]);
    // cume_dist: rows up to the last peer over the partition's rows
    expect(lastCol(out).map((r) => realValue(r[0] as number))).toEqual([0.25, 0.75, 0.75, 1, 0.5, 1]);
  });

  it("the default frame ends at the last peer; ROWS at the row itself", () => {
    const range = computeWindows(input(), spec([fn("sum", [2], DEFAULT, true)]));
    expect(lastCol(range).flat()).toEqual([10, 60, 60, 100, 1, 3]);
    const rowsFrame = computeWindows(input(), spec([fn("sum", [2], frame("ROWS", "UNBOUNDED PRECEDING", "CURRENT ROW"), true)]));
    expect(lastCol(rowsFrame).flat()).toEqual([10, 30, 60, 100, 1, 3]);
  });

  it("RANGE offsets bound by value; GROUPS offsets by peer group; EXCLUDE drops rows", () => {
    // offsets live in input columns: 3 holds 1, 4 holds 3
    const withOffsets = () => input().map((r) => [...r, 1, 3]);
    const range = computeWindows(withOffsets(), spec([fn("sum", [2], frame("RANGE", "PRECEDING", "FOLLOWING", [3, 3]), true)]));
    // key 1: keys 0..2 -> 10+20+30; key 2: 1..3; key 5: 4..6 -> 40 only
    expect(lastCol(range).flat()).toEqual([60, 60, 60, 40, 1, 2]);
    const groups = computeWindows(withOffsets(), spec([fn("sum", [2], frame("GROUPS", "PRECEDING", "CURRENT ROW", [3, -1]), true)]));
    expect(lastCol(groups).flat()).toEqual([10, 60, 60, 90, 1, 3]);
    const ties = computeWindows(withOffsets(), spec([fn("sum", [2], frame("ROWS", "UNBOUNDED PRECEDING", "UNBOUNDED FOLLOWING", [-1, -1], "TIES"), true)]));
    // TIES leaves out the row's peers but not the row: 20 loses 30, 30 loses 20
    expect(lastCol(ties).flat()).toEqual([100, 70, 80, 100, 3, 3]);
  });

  it("lag, lead, ntile and the *_value functions", () => {
    // column 3 holds ntile's argument, 2
    const out = computeWindows(
      input().map((r) => [...r, 2]),
      spec([fn("lag", [2]), fn("lead", [2]), fn("first_value", [2]), fn("last_value", [2]), fn("ntile", [3])]),
    );
    expect(lastCol(out, 5)).toEqual([
      [null, 20, 10, 10, 1],
      [10, 30, 10, 30, 1],
      [20, 40, 10, 30, 2],
      [30, null, 10, 40, 2],
      [null, 2, 1, 1, 1],
      [1, null, 1, 2, 2],
    ]);
  });

  it("refuses a negative ROWS offset and a zero ntile", () => {
    const bad = input().map((r) => [...r, -1]);
    expect(() => computeWindows(bad, spec([fn("sum", [2], frame("ROWS", "PRECEDING", "CURRENT ROW", [3, -1]), true)]))).toThrow("frame starting offset must be a non-negative integer");
    const zero = input().map((r) => [...r, 0]);
    expect(() => computeWindows(zero, spec([fn("ntile", [3])]))).toThrow("argument of ntile must be a positive integer");
  });
});
