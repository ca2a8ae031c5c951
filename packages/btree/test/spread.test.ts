/**
 * Leaf splits that first share cells with a sibling, or split two full leaves into three
 * (balance.ts `spreadLeaf`): random-order inserts must fill leaves densely, and any mix of key
 * and value sizes (cells up to cellMax, overflow chains, long separators) with deletes in between
 * must keep the tree equal to a model and structurally sound. Random cases print their seed;
 * rerun one with SPREAD_SEED=<seed>.
 */
import { describe, expect, it } from "vitest";
import type { BTree } from "../src/index.js";
import { childAt, freeSpace, isLeaf, nCells } from "../src/node.js";
import { bytes, cmp, FakePager, newTree, openReal, read, write } from "./helpers.js";

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A key of `len` bytes (len >= 4) that orders like `i` (for i < 2^32). */
function key(i: number, len: number): Uint8Array {
  const k = bytes(len, i);
  k[0] = i >>> 24;
  k[1] = (i >>> 16) & 0xff;
  k[2] = (i >>> 8) & 0xff;
  k[3] = i & 0xff;
  return k;
}

/** Used fraction of the leaves' capacity (cells and their pointers), and the number of leaves. */
function leafFill(tree: BTree): { fill: number; leaves: number } {
  const t = tree.t;
  let leaves = 0;
  let used = 0;
  const visit = (pgno: number): void => {
    const page = t.load(pgno, pgno);
    const d = page.data;
    const n = nCells(d);
    const children: number[] = [];
    if (isLeaf(d)) {
      leaves++;
      used += t.layout.capacity - freeSpace(d);
    } else for (let i = 0; i <= n; i++) children.push(childAt(d, i, n));
    t.pager.release(page);
    for (const c of children) visit(c);
  };
  visit(tree.root);
  return { fill: used / (leaves * t.layout.capacity), leaves };
}

function shuffled(n: number, r: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

describe("leaf splits spread cells over siblings", () => {
  it("random-order inserts of small entries fill leaves to over 80% (2-way splits alone: ~69%)", () => {
    const { pager } = openReal(4096);
    const tree = newTree(pager);
    const r = rng(1);
    write(pager, () => {
      for (const i of shuffled(60_000, r)) tree.put(key(i, 8), new Uint8Array(0));
    });
    read(pager, () => {
      expect(tree.checkIntegrity()).toEqual([]);
      expect(tree.count()).toBe(60_000);
      const { fill } = leafFill(tree);
      expect(fill).toBeGreaterThan(0.8);
    });
  });

  it("ascending inserts still leave full leaves behind", () => {
    const { pager } = openReal(4096);
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 20_000; i++) tree.put(key(i, 8), bytes(20, i));
    });
    read(pager, () => expect(leafFill(tree).fill).toBeGreaterThan(0.97));
  });

  const seeds = process.env.SPREAD_SEED ? [Number(process.env.SPREAD_SEED)] : Array.from({ length: 6 }, (_, i) => (Date.now() + i * 7919) >>> 0);
  describe.each([512, 1024, 4096])("%i-byte pages", (pageSize) => {
    it.each(seeds)("matches a model under random inserts and deletes of mixed sizes (seed %i)", (seed) => {
      console.log(`spread.test: pageSize ${pageSize} seed ${seed} (rerun with SPREAD_SEED=${seed})`);
      const pager = new FakePager(pageSize);
      const tree = newTree(pager);
      const r = rng(seed);
      const model = new Map<number, { k: Uint8Array; v: Uint8Array }>();
      const cellMax = tree.t.layout.cellMax;
      // Sizes from tiny to about cellMax (large cells make 2-page sharing infeasible), sometimes
      // past it (overflow chains, long separators).
      const size = (): number => {
        const x = r();
        if (x < 0.5) return 4 + Math.floor(r() * 16);
        if (x < 0.9) return 4 + Math.floor(r() * cellMax);
        return cellMax + Math.floor(r() * 3 * pageSize);
      };
      for (let round = 0; round < 6; round++) {
        write(pager, () => {
          for (let op = 0; op < 400; op++) {
            const i = Math.floor(r() * 3000);
            if (r() < 0.75 || model.size === 0) {
              const k = key(i, Math.min(size(), 2000));
              const v = bytes(Math.floor(size() / 2), i + op);
              // Keys of one i share their first 4 bytes: replace the model entry of i.
              const old = model.get(i);
              if (old !== undefined) tree.delete(old.k);
              tree.put(k, v);
              model.set(i, { k, v });
            } else {
              const old = model.get(i);
              if (old !== undefined) {
                expect(tree.delete(old.k)).toBe(true);
                model.delete(i);
              }
            }
          }
        });
        read(pager, () => {
          expect(tree.checkIntegrity()).toEqual([]);
          const entries = [...model.values()].sort((a, b) => cmp(a.k, b.k));
          const c = tree.cursor();
          let j = 0;
          for (let ok = c.first(); ok; ok = c.next(), j++) {
            expect(cmp(c.key(), entries[j]!.k)).toBe(0);
            expect(cmp(c.value(), entries[j]!.v)).toBe(0);
          }
          c.close();
          expect(j).toBe(entries.length);
        });
      }
    });
  });
});
