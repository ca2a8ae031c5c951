/**
 * The write path's append hint (seekPath tries the right edge after a descent that ended past
 * the last key) and BTree.insert (no overwrite): ascending runs mixed with out-of-order keys,
 * deletes at the end, overflow keys, against a Map model and checkIntegrity.
 */
import { describe, expect, it } from "vitest";
import { asPager, bytes, cmp, depthOf, FakePager, ikey, newTree, openReal, read, same, write } from "./helpers.js";
import { BTree } from "../src/index.js";

function contents(tree: BTree): [Uint8Array, Uint8Array][] {
  const out: [Uint8Array, Uint8Array][] = [];
  const c = tree.cursor();
  for (let ok = c.first(); ok; ok = c.next()) out.push([c.key(), c.value()]);
  c.close();
  return out;
}

function check(pager: FakePager, tree: BTree, model: Map<string, [Uint8Array, Uint8Array]>): void {
  read(pager, () => {
    expect(tree.checkIntegrity()).toEqual([]);
    const want = [...model.values()].sort((a, b) => cmp(a[0], b[0]));
    const got = contents(tree);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) {
      expect(same(got[i]![0], want[i]![0])).toBe(true);
      expect(same(got[i]![1], want[i]![1])).toBe(true);
    }
  });
}

const hexOf = (k: Uint8Array) => Buffer.from(k).toString("hex");

describe("append hint and insert()", () => {
  it("ascending runs mixed with out-of-order keys, replaces and deletes at the end stay consistent", () => {
    const pager = new FakePager(512);
    const tree = newTree(pager);
    const model = new Map<string, [Uint8Array, Uint8Array]>();
    let seed = 1;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const put = (k: Uint8Array, v: Uint8Array) => {
      tree.put(k, v);
      model.set(hexOf(k), [k, v]);
    };
    write(pager, () => {
      let next = 100_000;
      for (let round = 0; round < 40; round++) {
        // An ascending run at the end of the tree (the hint's case) ...
        for (let i = 0; i < 60; i++) put(ikey(next++, 8), bytes(rnd() % 40, next));
        // ... then keys anywhere: below, inside, equal to the last key, and far past it.
        for (let i = 0; i < 10; i++) put(ikey(rnd() % next, 8), bytes(rnd() % 40, i));
        put(ikey(next - 1, 8), bytes(5, round)); // replace the last key
        if (round % 3 === 0) {
          // Delete the last few keys, then append again (the hint must not trust stale pages).
          for (let i = 1; i <= 5; i++) {
            const k = ikey(next - i, 8);
            expect(tree.delete(k)).toBe(model.delete(hexOf(k)));
          }
        }
        if (round % 7 === 0) put(ikey(next + 1000, 8), bytes(3, round));
      }
      // Shorter keys that sort past every 8-byte key with the same prefix, and long (overflow) keys.
      for (let i = 0; i < 30; i++) {
        const k = new Uint8Array(200 + i);
        k.fill(0xff);
        k[k.length - 1] = i;
        put(k, bytes(10, i));
      }
    });
    check(pager, tree, model);
  });

  it("ascending appends of cells of every size (overflow values and keys) split into sound pages", () => {
    const pager = new FakePager(512);
    const tree = newTree(pager);
    const model = new Map<string, [Uint8Array, Uint8Array]>();
    write(pager, () => {
      for (let i = 0; i < 1500; i++) {
        const k = i % 50 === 49 ? Uint8Array.from([...ikey(i, 8), ...bytes(300, i)]) : ikey(i, 8);
        const v = bytes(i % 11 === 0 ? 700 : i % 90, i);
        tree.put(k, v);
        model.set(hexOf(k), [k, v]);
      }
    });
    check(pager, tree, model);
  });

  it("insert() adds absent keys, and returns false leaving present ones unchanged", () => {
    const pager = new FakePager(512);
    const tree = newTree(pager);
    const model = new Map<string, [Uint8Array, Uint8Array]>();
    write(pager, () => {
      for (let i = 0; i < 2000; i++) {
        const k = ikey(i, 8);
        expect(tree.insert(k, bytes(i % 50, i))).toBe(true);
        model.set(hexOf(k), [k, bytes(i % 50, i)]);
      }
      for (let i = 0; i < 2000; i += 7) expect(tree.insert(ikey(i, 8), bytes(3, 99))).toBe(false);
      for (let i = 1999; i >= 0; i -= 13) expect(tree.insert(ikey(i, 8), bytes(3, 99))).toBe(false);
      // The last key again, right after an append (the hint's fast path finds it).
      expect(tree.insert(ikey(2000, 8), bytes(4, 1))).toBe(true);
      model.set(hexOf(ikey(2000, 8)), [ikey(2000, 8), bytes(4, 1)]);
      expect(tree.insert(ikey(2000, 8), bytes(4, 2))).toBe(false);
      const big = new Uint8Array(300).fill(0xfe);
      expect(tree.insert(big, bytes(1000, 3))).toBe(true);
      model.set(hexOf(big), [big, bytes(1000, 3)]);
      expect(tree.insert(big.slice(), bytes(10, 4))).toBe(false);
    });
    check(pager, tree, model);
  });
});

describe("tail leaf (ascending inserts go straight to the right-most leaf)", () => {
  it("loads one page per insert on a deep tree", () => {
    const { pager } = openReal(1024, undefined, 10_000);
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 20_000; i++) tree.put(ikey(i), bytes(20, i));
    });
    expect(depthOf(pager, tree.root)).toBeGreaterThanOrEqual(3);
    const s0 = pager.cacheStats();
    write(pager, () => {
      for (let i = 20_000; i < 21_000; i++) tree.put(ikey(i), bytes(20, i));
    });
    const s1 = pager.cacheStats();
    // ~40 leaf splits take the full descent (depth loads each, and the next insert once more);
    // every other insert loads just the leaf.
    expect(s1.hits + s1.misses - s0.hits - s0.misses).toBeLessThan(1000 + 40 * 2 * 4);
    read(pager, () => expect(tree.checkIntegrity()).toEqual([]));
  });

  it("is not trusted after another writer of the same tree, a delete, a rollback or a new transaction", () => {
    const pager = new FakePager(512);
    const p = asPager(pager);
    const tree = newTree(pager);
    const other = new BTree(p, tree.root); // a second handle on the same tree
    const model = new Map<string, [Uint8Array, Uint8Array]>();
    const put = (t: BTree, i: number, len = 10) => {
      const k = ikey(i);
      const v = bytes(len, i);
      t.put(k, v);
      model.set(hexOf(k), [k, v]);
    };
    write(pager, () => {
      for (let i = 0; i < 1000; i += 2) put(tree, i);
      // The other handle fills the gaps in the last keys: the tail leaf `tree` remembers splits
      // in the middle, keeps the lower half and has room again, but is no longer right-most.
      for (let i = 901; i < 1000; i += 2) put(other, i);
      for (let i = 1000; i < 1010; i++) put(tree, i);
      // Deleting the last keys through the other handle, then appending through the first.
      for (let i = 540; i <= 560; i++) {
        other.delete(ikey(i));
        model.delete(hexOf(ikey(i)));
      }
      for (let i = 600; i < 700; i++) put(tree, i);
    });
    check(pager, tree, model);
    // A rolled back transaction: the tail leaf may have been split, freed or reverted.
    pager.beginWrite();
    for (let i = 700; i < 1200; i++) tree.put(ikey(i), bytes(10, i));
    for (let i = 1199; i >= 650; i--) tree.delete(ikey(i));
    pager.rollback();
    write(pager, () => {
      for (let i = 700; i < 800; i++) put(tree, i, 30);
    });
    check(pager, tree, model);
  });

  it("is not trusted after a savepoint rollback dropped the leaf", () => {
    const { pager } = openReal(1024);
    const tree = newTree(pager);
    const model = new Map<string, [Uint8Array, Uint8Array]>();
    write(pager, () => {
      for (let i = 0; i < 100; i++) {
        tree.put(ikey(i), bytes(30, i));
        model.set(hexOf(ikey(i)), [ikey(i), bytes(30, i)]);
      }
      const sp = pager.savepoint();
      for (let i = 100; i < 400; i++) tree.put(ikey(i), bytes(30, i)); // new leaves, the tail among them
      pager.rollbackTo(sp);
      pager.releaseSavepoint(sp);
      for (let i = 100; i < 150; i++) {
        tree.put(ikey(i), bytes(7, i));
        model.set(hexOf(ikey(i)), [ikey(i), bytes(7, i)]);
      }
    });
    read(pager, () => {
      expect(tree.checkIntegrity()).toEqual([]);
      const got = contents(tree);
      const want = [...model.values()].sort((a, b) => cmp(a[0], b[0]));
      expect(got.length).toBe(want.length);
      for (let i = 0; i < got.length; i++) expect(same(got[i]![1], want[i]![1])).toBe(true);
    });
  });
});
