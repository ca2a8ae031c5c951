/**
 * Model-based test: random operations against the b-tree and a sorted Map, comparing every
 * read and checking integrity (and, with the fake pager, pin balance) after each step.
 * Operations: put, delete, get, cursor scans and walks both ways, cursor deletes, runs of puts,
 * range deletes, sorted bulk loads (clear + load), compaction (VACUUM), commit, rollback and
 * reopen (close the pager and open the file again). Keys from empty to MAX_KEY_SIZE, values
 * from empty to 200 KB.
 *
 * fast-check prints the seed and path of a failure; replay it with
 *   BTREE_MODEL_SEED=<seed> BTREE_MODEL_PATH=<path> pnpm vitest run packages/btree/test/model.test.ts
 * Long runs (100,000 sequences per property):  pnpm --filter @db/btree test:long
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BTree, compactDatabase, MAX_KEY_SIZE, MemoryVfs, type Pager } from "../src/index.js";
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
  | { t: "load"; seed: number; n: number; vlen: number; fill: number }
  | { t: "compact" }
  | { t: "reopen" }
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
// Rarely, keys of the maximum size (or just below), sharing a prefix of up to 64 KiB.
const hugeKey = fc
  .tuple(fc.integer({ min: 0, max: 2 }), fc.uint8Array({ minLength: 1, maxLength: 2, max: 3 }))
  .map(([cut, tail]) => {
    const k = new Uint8Array(MAX_KEY_SIZE - cut);
    k.set(bytes(k.length - tail.length, 99));
    k.set(tail, k.length - tail.length);
    return k;
  });
const hugeValue = fc.tuple(fc.integer({ min: 100_000, max: 200_000 }), fc.nat()).map(([n, seed]) => bytes(n, seed));

/** Operations; `huge` (per mille) is the share of maximum-size keys and 100-200 KB values. */
function opsArb(huge: number): fc.Arbitrary<Op> {
const keyArb = fc.oneof({ weight: 600, arbitrary: smallKey }, { weight: 100, arbitrary: longKey }, { weight: huge, arbitrary: hugeKey });
const valueArb = fc.oneof(
  { weight: 600, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 200, arbitrary: fc.uint8Array({ maxLength: 400 }) },
  { weight: 100, arbitrary: fc.tuple(fc.integer({ min: 0, max: 30_000 }), fc.nat()).map(([n, seed]) => bytes(n, seed)) },
  { weight: huge, arbitrary: hugeValue },
);
return fc.oneof(
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
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("load" as const), seed: fc.nat(), n: fc.integer({ min: 0, max: 120 }), vlen: fc.integer({ min: 0, max: 60 }),
      fill: fc.constantFrom(1, 0.7, 0.3),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: "compact" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "reopen" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "commit" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "rollback" as const }) },
);
}
// Per-commit runs keep maximum-size keys and huge values rare (they cost ~130-400 overflow pages
// each at 512-byte pages); long runs can raise their share (BTREE_MODEL_HUGE, per mille of keys and of values).
const huge = Number(process.env.BTREE_MODEL_HUGE ?? 1);
const opArb = opsArb(huge);

type Model = Map<string, { k: Uint8Array; v: Uint8Array }>;

function sorted(model: Model): { k: Uint8Array; v: Uint8Array }[] {
  return [...model.values()].sort((a, b) => cmp(a.k, b.k));
}

interface Harness {
  pager: Pager;
  fake: FakePager | null;
  /** Closes the pager and opens the same file again (real pagers only). */
  reopen?: () => Pager;
}

function run(make: () => Harness, ops: Op[]): void {
  const h = make();
  let pager = h.pager;
  const fake = h.fake;
  pager.beginWrite();
  let root = BTree.create(pager);
  let tree = new BTree(pager, root);
  pager.commit();
  let committedRoot = root;
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
        case "load": {
          // Clear, then bulk-load the model's entries plus new ones, in key order.
          for (let i = 0; i < op.n; i++) {
            const k = bytes(1 + ((op.seed + i) % 4), op.seed * 31 + i);
            model.set(hex(k), { k, v: bytes(op.vlen, op.seed + i) });
          }
          tree.clear();
          expect(tree.load(sorted(model).map((e) => [e.k, e.v] as const), { fill: op.fill })).toBe(model.size);
          break;
        }
        case "compact": {
          if (fake) break; // needs the real pager's free-list operations
          root = compactDatabase(pager, [root]).get(root) ?? root;
          tree = new BTree(pager, root);
          expect(pager.freelistCount()).toBe(0);
          break;
        }
        case "reopen":
          pager.commit();
          committed = new Map(model);
          committedRoot = root;
          if (h.reopen) {
            pager = h.reopen();
            tree = new BTree(pager, root);
          }
          pager.beginWrite();
          break;
        case "commit":
          pager.commit();
          committed = new Map(model);
          committedRoot = root;
          pager.beginWrite();
          break;
        case "rollback":
          pager.rollback();
          model = new Map(committed);
          root = committedRoot;
          tree = new BTree(pager, root);
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

const runs = Number(process.env.BTREE_MODEL_RUNS ?? 40);
// Bounds the time spent (including shrinking a failure) so the suite stays within its timeout
// (0: no limit, for long runs).
const timeLimit = Number(process.env.BTREE_MODEL_TIME_MS ?? 45_000) || undefined;
const replay = process.env.BTREE_MODEL_SEED !== undefined
  ? { seed: Number(process.env.BTREE_MODEL_SEED), path: process.env.BTREE_MODEL_PATH, endOnFailure: true }
  : {};
const params = (numRuns: number) => ({ numRuns, interruptAfterTimeLimit: timeLimit, ...replay });

/** A real pager on a MemoryVfs that can be closed and reopened. */
function realHarness(pageSize: number): Harness {
  const vfs = new MemoryVfs();
  const h: Harness = { pager: openReal(pageSize, vfs).pager, fake: null };
  h.reopen = () => {
    h.pager.close();
    h.pager = openReal(pageSize, vfs).pager;
    return h.pager;
  };
  return h;
}

describe("model-based (fast-check)", () => {
  it("matches a sorted map with the strict fake pager (512-byte pages)", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 150, size: "max" }), (ops) => {
        const fake = new FakePager(512);
        run(() => ({ pager: asPager(fake), fake }), ops);
      }),
      params(runs),
    );
  });

  it("matches a sorted map with the real pager (512-byte pages)", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 150, size: "max" }), (ops) => {
        run(() => realHarness(512), ops);
      }),
      params(runs),
    );
  });

  it("matches a sorted map with the real pager (4096-byte pages, more ops)", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 100, maxLength: 400, size: "max" }), (ops) => {
        run(() => realHarness(4096), ops);
      }),
      params(Math.ceil(runs / 4)),
    );
  });
});
