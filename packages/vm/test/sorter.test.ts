/**
 * The external merge sort: with a tiny budget (many runs, multi-pass merges) it returns exactly
 * the order of the in-memory sort, for every value type, collation, direction and NULL placement,
 * keeping equal keys in insertion order; temporary files are gone after close and after an error.
 */
import { DbError } from "@db/btree";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareValues } from "../src/compare.js";
import type { SortKeySpec } from "../src/cursors.js";
import { SorterCursor } from "../src/sorter.js";
import { Real, type SqlValue } from "../src/value.js";
import { MemTempStore, prng, randomValue } from "./sort-helpers.js";

type Spec = SortKeySpec & { nulls?: "FIRST" | "LAST" };

/** Independent reference: a stable sort by the spec, ties by insertion index. */
function referenceOrder(rows: SqlValue[][], spec: Spec[]): number[] {
  const idx = rows.map((_, i) => i);
  idx.sort((ia, ib) => {
    const a = rows[ia]!;
    const b = rows[ib]!;
    for (let k = 0; k < spec.length; k++) {
      const s = spec[k]!;
      const x = a[k]!;
      const y = b[k]!;
      if (s.nulls && (x === null) !== (y === null)) return (x === null) === (s.nulls === "FIRST") ? -1 : 1;
      const c = compareValues(x, y, s.collation);
      if (c !== 0) return s.desc ? -c : c;
    }
    return ia - ib;
  });
  return idx;
}

/** Sorts rows (keys then a trailing insertion index as data) and returns the indexes read back. */
function sortedIndexes(rows: SqlValue[][], spec: Spec[], sorter: SorterCursor): number[] {
  rows.forEach((r, i) => sorter.insert(r.slice(0, spec.length), [...r.slice(spec.length), i]));
  const out: number[] = [];
  const nData = rows[0] ? rows[0].length - spec.length : 0;
  for (let ok = sorter.sort(); ok; ok = sorter.next()) out.push(sorter.column(nData) as number);
  return out;
}

function randomSpec(rand: () => number, n: number): Spec[] {
  const colls = ["BINARY", "NOCASE", "RTRIM"];
  return Array.from({ length: n }, () => {
    const s: Spec = { desc: rand() < 0.5, collation: colls[Math.floor(rand() * 3)]! };
    const nl = rand();
    if (nl < 0.25) s.nulls = "FIRST";
    else if (nl < 0.5) s.nulls = "LAST";
    return s;
  });
}

function randomRows(rand: () => number, n: number, width: number): SqlValue[][] {
  return Array.from({ length: n }, () => Array.from({ length: width }, () => randomValue(rand)));
}

describe("SorterCursor (external merge sort)", () => {
  it("sorts 100k rows of mixed types with a 64 KB budget exactly as in memory", () => {
    const seed = Number(process.env.SORT_SEED ?? Date.now() % 2 ** 31);
    console.log(`external sort 100k rows: seed ${seed} (rerun with SORT_SEED=${seed})`);
    const rand = prng(seed);
    const rows = randomRows(rand, 100_000, 3);
    const spec = randomSpec(rand, 2);
    const store = new MemTempStore();
    const ext = new SorterCursor(spec, { tempStore: store, budgetBytes: 64 * 1024 });
    const got = sortedIndexes(rows, spec, ext);
    expect(ext.spilled).toBe(true);
    expect(store.openCount).toBe(1);
    const mem = sortedIndexes(rows, spec, new SorterCursor(spec));
    expect(got).toEqual(mem);
    expect(got).toEqual(referenceOrder(rows, spec));
    ext.close();
    expect(store.openCount).toBe(0);
  });

  it("matches the in-memory sort for random rows, specs and budgets (fast-check)", () => {
    const seed = Number(process.env.SORT_SEED ?? Date.now() % 2 ** 31);
    console.log(`sorter property: fast-check seed ${seed}`);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(256, 2048, 16 * 1024, 64 * 1024),
        (rowSeed, n, nKeys, budget) => {
          const rand = prng(rowSeed);
          const spec = randomSpec(rand, nKeys);
          const rows = randomRows(rand, n, nKeys + 1);
          const store = new MemTempStore();
          const ext = new SorterCursor(spec, { tempStore: store, budgetBytes: budget });
          const got = sortedIndexes(rows, spec, ext);
          expect(got).toEqual(referenceOrder(rows, spec));
          // Reading again (a rewind restarts the merge) gives the same rows.
          const again: number[] = [];
          for (let ok = ext.rewind(); ok; ok = ext.next()) again.push(ext.column(1) as number);
          expect(again).toEqual(got);
          ext.close();
          expect(store.openCount).toBe(0);
        },
      ),
      { seed, numRuns: 40 },
    );
  });

  it("round-trips every value type exactly through a run", () => {
    const values: SqlValue[] = [
      null, 0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 9223372036854775807n, -9223372036854775808n, 0.1, -Infinity,
      new Real(-0), new Real(2), new Real(1e300), "", "ünïcödé 🙂", "x".repeat(100_000),
      new Uint8Array(0), new Uint8Array([0, 255, 1]), new Uint8Array(200_000).fill(7),
    ];
    const store = new MemTempStore();
    const s = new SorterCursor([{ desc: false, collation: "BINARY" }], { tempStore: store, budgetBytes: 1 });
    values.forEach((v, i) => s.insert([i], [v]));
    const out: SqlValue[] = [];
    for (let ok = s.sort(); ok; ok = s.next()) out.push(s.column(0));
    expect(s.spilled).toBe(true);
    expect(out).toEqual(values);
    expect((out[9] as Real).value).toBe(-0);
    expect(out[9]).toBeInstanceOf(Real);
    s.close();
  });

  it("keeps everything in memory without a TempStore, and reads backwards then", () => {
    const s = new SorterCursor([{ desc: true, collation: "BINARY" }], { tempStore: null, budgetBytes: 1 });
    for (let i = 0; i < 100; i++) s.insert([i], [i]);
    expect(s.sort()).toBe(true);
    expect(s.spilled).toBe(false);
    expect(s.last()).toBe(true);
    expect(s.column(0)).toBe(0);
    expect(s.prev()).toBe(true);
    expect(s.column(0)).toBe(1);
  });

  it("a write error while spilling surfaces as DB_IOERR and leaves no temporary file", () => {
    const store = new MemTempStore();
    store.failAfterWrites = 3;
    const s = new SorterCursor([{ desc: false, collation: "BINARY" }], { tempStore: store, budgetBytes: 4096 });
    let err: unknown;
    try {
      for (let i = 0; i < 10_000; i++) s.insert([i % 97], ["row " + i]);
      s.sort();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DbError);
    expect((err as DbError).code).toBe("DB_IOERR");
    s.close();
    expect(store.openCount).toBe(0);
  });

  it("an error in the middle of a merge leaves no temporary file after close", () => {
    const store = new MemTempStore();
    const s = new SorterCursor([{ desc: false, collation: "BINARY" }], { tempStore: store, budgetBytes: 4096 });
    for (let i = 0; i < 20_000; i++) s.insert([(i * 7) % 1000], [i]);
    expect(s.sort()).toBe(true);
    expect(store.openCount).toBe(1);
    for (let i = 0; i < 100; i++) s.next();
    s.close();
    expect(store.openCount).toBe(0);
    expect(store.created).toBe(1);
  });

  it("a sorter that spilled refuses to read backwards", () => {
    const s = new SorterCursor([{ desc: false, collation: "BINARY" }], { tempStore: new MemTempStore(), budgetBytes: 64 });
    for (let i = 0; i < 100; i++) s.insert([i], [i]);
    s.sort();
    expect(() => s.last()).toThrow(DbError);
    s.close();
  });
});
