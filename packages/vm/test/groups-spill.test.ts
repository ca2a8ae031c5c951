/**
 * GROUP BY beyond memory: a GroupTable with a tiny budget records the rows of new groups into the
 * external sorter and aggregates them back; the groups, their aggregates (order-sensitive ones
 * included) and bare columns must equal those of the all-in-memory table.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MinMaxAcc } from "../src/accumulators.js";
import { GroupTable, type AggDef } from "../src/groups.js";
import type { SqlValue } from "../src/value.js";
import { MemTempStore, prng, randomValue } from "./sort-helpers.js";

const DEFS: AggDef[] = [
  { name: "count", distinct: false, star: true },
  { name: "sum", distinct: false, star: false },
  { name: "min", distinct: false, star: false, filter: true },
  { name: "max", distinct: false, star: false, filter: true },
  { name: "group_concat", distinct: false, star: false },
  { name: "count", distinct: true, star: false },
  { name: "avg", distinct: false, star: false },
];

interface Input {
  keys: SqlValue[];
  bare: SqlValue[];
  /** Per aggregate: its argument (undefined: FILTER skipped the step). */
  args: (SqlValue | undefined)[];
}

/** sum() of random int64s can overflow: the error is part of the result. */
function finalOrError(a: { final(): SqlValue }): unknown {
  try {
    return a.final();
  } catch (e) {
    return `error ${(e as { code?: string }).code}`;
  }
}

/**
 * Feeds rows as the VM does (GroupStep, AggSteps, then the bare values of the row the last
 * FILTERed min()/max() picks: select.ts) and reads the groups back.
 */
function run(table: GroupTable, input: Input[]): unknown[][] {
  for (const row of input) {
    const g = table.step(row.keys);
    const acc = table.fresh ? 0 : 1;
    let hit = 1;
    row.args.forEach((a, i) => {
      const mm = DEFS[i]!.name === "min" || DEFS[i]!.name === "max";
      if (mm) hit = acc;
      if (a === undefined) return;
      const agg = table.current!.aggs[i]!;
      if (mm && agg instanceof MinMaxAcc) {
        const v = agg.add(a);
        if (v >= 0) hit = 1 - v;
      } else agg.step(DEFS[i]!.star ? [] : [a]);
    });
    if (hit === 0 || table.isRecording) g.bare = row.bare;
  }
  const out: unknown[][] = [];
  for (let ok = table.rewind(false); ok; ok = table.next()) {
    const g = table.current!;
    out.push([...g.keys, "|", ...g.bare, "|", ...g.aggs.map(finalOrError)]);
  }
  return out;
}

function randomInput(rand: () => number, n: number, nKeys: number, distinctKeys: number): Input[] {
  const keyPool = Array.from({ length: distinctKeys }, () => Array.from({ length: nKeys }, () => randomValue(rand)));
  return Array.from({ length: n }, (_, i) => ({
    keys: keyPool[Math.floor(rand() * keyPool.length)]!.slice(),
    bare: [i, randomValue(rand)],
    args: DEFS.map(() => (rand() < 0.1 ? undefined : rand() < 0.7 ? Math.floor(rand() * 100) : randomValue(rand))),
  }));
}

describe("GroupTable beyond memory", () => {
  it("20k rows in 8k groups with a 64 KB budget give the in-memory result", () => {
    const seed = Number(process.env.SORT_SEED ?? Date.now() % 2 ** 31);
    console.log(`group spill 20k rows: seed ${seed} (rerun with SORT_SEED=${seed})`);
    const input = randomInput(prng(seed), 20_000, 2, 8_000);
    const store = new MemTempStore();
    const spilled = new GroupTable(DEFS, { tempStore: store, budgetBytes: 64 * 1024 });
    const got = run(spilled, input);
    expect(store.created).toBeGreaterThan(0);
    const want = run(new GroupTable(DEFS), input);
    expect(got).toEqual(want);
    spilled.clear();
    expect(store.openCount).toBe(0);
  });

  it("matches the in-memory table for random inputs and budgets (fast-check)", () => {
    const seed = Number(process.env.SORT_SEED ?? Date.now() % 2 ** 31);
    console.log(`group spill property: fast-check seed ${seed}`);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom(512, 4096, 32 * 1024),
        (inputSeed, n, nKeys, distinct, budget) => {
          const input = randomInput(prng(inputSeed), n, nKeys, distinct);
          const store = new MemTempStore();
          const spilled = new GroupTable(DEFS, { tempStore: store, budgetBytes: budget });
          expect(run(spilled, input)).toEqual(run(new GroupTable(DEFS), input));
          spilled.clear();
          expect(store.openCount).toBe(0);
        },
      ),
      { seed, numRuns: 40 },
    );
  });

  it("without GROUP BY keys there is one group and nothing spills", () => {
    const store = new MemTempStore();
    const t = new GroupTable(DEFS, { tempStore: store, budgetBytes: 1 });
    expect(t.rewind(true)).toBe(true);
    expect(t.current!.aggs[0]!.final()).toBe(0);
    expect(store.created).toBe(0);
  });
});
