/**
 * Model-based test: random operations against the b-tree and a sorted Map, comparing every
 * read and checking integrity (and, with the fake pager, pin balance) after each step.
 * fast-check prints the seed and the shrunk counterexample on failure.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BTree, type Pager } from "../src/index.js";
import { collectPages } from "../src/ops.js";
import { asPager, bytes, cmp, FakePager, hex, openReal, same } from "./helpers.js";

type Op =
  | { t: "put"; k: Uint8Array; v: Uint8Array }
  | { t: "del"; k: Uint8Array }
  | { t: "get"; k: Uint8Array }
  | { t: "scan"; k: Uint8Array; mode: "ge" | "le"; n: number }
  | { t: "walk"; back: boolean }
  | { t: "cdel"; k: Uint8Array; n: number }
  | { t: "bulk"; seed: number; n: number; vlen: number }
  | { t: "delrange"; k: Uint8Array; n: number }
  | { t: "commit" }
  | { t: "rollback" };

const smallKey = fc.uint8Array({ minLength: 0, maxLength: 5, min: 0, max: 3 });
// Long keys sharing long prefixes (same seed => same prefix), crossing the overflow threshold.
const longKey = fc
  .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 40, max: 1500 }), smallKey)
  .map(([seed, len, tail]) => {
    const k = new Uint8Array(len + tail.length);
    k.set(bytes(len, seed + 1));
    k.set(tail, len);
    return k;
  });
const keyArb = fc.oneof({ weight: 6, arbitrary: smallKey }, { weight: 1, arbitrary: longKey });
const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 400 }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 30_000 }), fc.nat()).map(([n, seed]) => bytes(n, seed)) },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ t: fc.constant("put" as const), k: keyArb, v: valueArb }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("del" as const), k: keyArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("get" as const), k: keyArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("scan" as const), k: keyArb, mode: fc.constantFrom("ge" as const, "le" as const), n: fc.integer({ min: 1, max: 30 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("walk" as const), back: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("cdel" as const), k: keyArb, n: fc.integer({ min: 1, max: 20 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("bulk" as const), seed: fc.nat(), n: fc.integer({ min: 1, max: 300 }), vlen: fc.integer({ min: 0, max: 60 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("delrange" as const), k: keyArb, n: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 1, arbitrary: fc.constant({ t: "commit" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "rollback" as const }) },
);

type Model = Map<string, { k: Uint8Array; v: Uint8Array }>;

function sorted(model: Model): { k: Uint8Array; v: Uint8Array }[] {
  return [...model.values()].sort((a, b) => cmp(a.k, b.k));
}

function run(make: () => { pager: Pager; fake: FakePager | null }, ops: Op[]): void {
  const { pager, fake } = make();
  pager.beginWrite();
  const tree = new BTree(pager, BTree.create(pager));
  pager.commit();
  let model: Model = new Map();
  let committed: Model = new Map();
  pager.beginWrite();
  try {
    for (const op of ops) {
      switch (op.t) {
        case "put":
          tree.put(op.k, op.v);
          model.set(hex(op.k), { k: op.k, v: op.v });
          break;
        case "del":
          expect(tree.delete(op.k)).toBe(model.delete(hex(op.k)));
          break;
        case "get":
          expect(same(tree.get(op.k), model.get(hex(op.k))?.v ?? null)).toBe(true);
          break;
        case "scan": {
          const all = sorted(model);
          const c = tree.cursor();
          let i: number;
          if (op.mode === "ge") i = all.findIndex((e) => cmp(e.k, op.k) >= 0);
          else i = all.findLastIndex((e) => cmp(e.k, op.k) <= 0);
          expect(c.seek(op.k, op.mode)).toBe(i >= 0);
          for (let step = 0; step < op.n && i >= 0 && i < all.length; step++) {
            expect(c.valid).toBe(true);
            expect(same(c.key(), all[i].k)).toBe(true);
            expect(same(c.value(), all[i].v)).toBe(true);
            const moved = op.mode === "ge" ? c.next() : c.prev();
            i += op.mode === "ge" ? 1 : -1;
            expect(moved).toBe(i >= 0 && i < all.length);
          }
          expect(c.seek(op.k, "eq")).toBe(model.has(hex(op.k)));
          c.close();
          break;
        }
        case "walk": {
          const all = sorted(model);
          if (op.back) all.reverse();
          const c = tree.cursor();
          let i = 0;
          for (let ok = op.back ? c.last() : c.first(); ok; ok = op.back ? c.prev() : c.next()) {
            expect(same(c.key(), all[i].k)).toBe(true);
            i++;
          }
          expect(i).toBe(all.length);
          expect(c.valid).toBe(false);
          c.close();
          expect(tree.count()).toBe(all.length);
          break;
        }
        case "cdel": {
          const all = sorted(model);
          let i = all.findIndex((e) => cmp(e.k, op.k) >= 0);
          const c = tree.cursor();
          expect(c.seek(op.k, "ge")).toBe(i >= 0);
          for (let n = 0; n < op.n && c.valid; n++) {
            expect(same(c.key(), all[i].k)).toBe(true);
            c.delete();
            model.delete(hex(all[i].k));
            i++;
            expect(c.valid).toBe(i < all.length);
            if (c.valid) expect(same(c.key(), all[i].k)).toBe(true);
          }
          c.close();
          break;
        }
        case "bulk": {
          // Many keys at once (ascending runs from a random start) to grow deep trees.
          const start = bytes(3, op.seed);
          let x = (start[0] << 16) | (start[1] << 8) | start[2];
          for (let i = 0; i < op.n; i++) {
            const k = new Uint8Array([x >> 16, (x >> 8) & 0xff, x & 0xff]);
            const v = bytes(op.vlen, x);
            tree.put(k, v);
            model.set(hex(k), { k, v });
            x = (x + 1 + (op.seed % 3) * (i % 5)) & 0xffffff;
          }
          break;
        }
        case "delrange": {
          const all = sorted(model);
          let i = all.findIndex((e) => cmp(e.k, op.k) >= 0);
          if (i < 0) i = 0;
          for (const e of all.slice(i, i + op.n)) {
            expect(tree.delete(e.k)).toBe(true);
            model.delete(hex(e.k));
          }
          break;
        }
        case "commit":
          pager.commit();
          committed = new Map(model);
          pager.beginWrite();
          break;
        case "rollback":
          pager.rollback();
          model = new Map(committed);
          pager.beginWrite();
          break;
      }
      if (fake) expect(fake.pinned()).toBe(0);
      expect(tree.checkIntegrity()).toEqual([]);
      // No page leaked: every page is the header, free, or reachable from the tree.
      expect(pager.pageCount() - 1 - pager.freelistCount()).toBe(collectPages(tree.t).length);
    }
    expect(tree.count()).toBe(model.size);
  } finally {
    pager.rollback();
  }
}

const runs = Number(process.env.BTREE_MODEL_RUNS ?? 60);
// Bounds the time spent (including shrinking a failure) so the suite stays within its timeout.
const timeLimit = Number(process.env.BTREE_MODEL_TIME_MS ?? 45_000);

describe("model-based (fast-check)", () => {
  it("matches a sorted map with the strict fake pager (512-byte pages)", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 150, size: "max" }), (ops) => {
        const fake = new FakePager(512);
        run(() => ({ pager: asPager(fake), fake }), ops);
      }),
      { numRuns: runs, interruptAfterTimeLimit: timeLimit },
    );
  });

  it("matches a sorted map with the real pager (512-byte pages)", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 150, size: "max" }), (ops) => {
        run(() => ({ pager: openReal(512).pager, fake: null }), ops);
      }),
      { numRuns: runs, interruptAfterTimeLimit: timeLimit },
    );
  });

  it("matches a sorted map with the real pager (4096-byte pages, more ops)", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 100, maxLength: 400, size: "max" }), (ops) => {
        run(() => ({ pager: openReal(4096).pager, fake: null }), ops);
      }),
      { numRuns: Math.ceil(runs / 4), interruptAfterTimeLimit: timeLimit },
    );
  });
});
