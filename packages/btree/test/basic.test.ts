import { describe, expect, it } from "vitest";
import { BTree, MAX_KEY_SIZE } from "../src/index.js";
import { asPager, b, bytes, same, dbErrorOf, depthOf, FakePager, ikey, newTree, openReal, read, s, write } from "./helpers.js";

describe.each([
  ["fake pager", () => new FakePager(4096)],
  ["real pager", () => openReal(4096).pager],
] as const)("BTree basics (%s)", (_name, make) => {
  it("puts, gets, replaces and deletes", () => {
    const pager = make();
    const tree = newTree(pager);
    write(pager, () => {
      expect(tree.get(b("a"))).toBeNull();
      tree.put(b("b"), b("two"));
      tree.put(b("a"), b("one"));
      tree.put(b("c"), b("three"));
      tree.put(b(""), b("empty key"));
      expect(s(tree.get(b("a"))!)).toBe("one");
      expect(s(tree.get(b(""))!)).toBe("empty key");
      tree.put(b("a"), b("uno")); // same size: in place
      tree.put(b("b"), b("a much longer value than before"));
      tree.put(b("c"), new Uint8Array(0));
    });
    read(pager, () => {
      expect(s(tree.get(b("a"))!)).toBe("uno");
      expect(s(tree.get(b("b"))!)).toBe("a much longer value than before");
      expect(tree.get(b("c"))!.length).toBe(0);
      expect(tree.get(b("d"))).toBeNull();
      expect(tree.count()).toBe(4);
      expect(tree.checkIntegrity()).toEqual([]);
    });
    write(pager, () => {
      expect(tree.delete(b("b"))).toBe(true);
      expect(tree.delete(b("b"))).toBe(false);
    });
    read(pager, () => {
      expect(tree.get(b("b"))).toBeNull();
      expect(tree.count()).toBe(3);
    });
  });

  it("inserts 50,000 keys to depth >= 3, then deleting all shrinks to one root page", () => {
    const pager = make();
    const tree = newTree(pager);
    const N = 50_000;
    const order = Array.from({ length: N }, (_, i) => i);
    for (let i = N - 1; i > 0; i--) {
      const j = (i * 7919 + 13) % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    write(pager, () => {
      for (const i of order) tree.put(ikey(i), bytes(20 + (i % 50), i));
    });
    read(pager, () => {
      expect(depthOf(pager, tree.root)).toBeGreaterThanOrEqual(3);
      expect(tree.count()).toBe(N);
      expect(tree.checkIntegrity()).toEqual([]);
      for (let i = 0; i < N; i += 97) expect(same(tree.get(ikey(i)), bytes(20 + (i % 50), i))).toBe(true);
    });
    const pagesUsed = pager.pageCount() - pager.freelistCount();
    write(pager, () => {
      for (let k = 0; k < N; k++) {
        const i = order[(k * 31337) % N] ; // a permutation since gcd(31337, N) = 1
        expect(tree.delete(ikey(i))).toBe(true);
      }
    });
    read(pager, () => {
      expect(tree.count()).toBe(0);
      expect(depthOf(pager, tree.root)).toBe(1);
      expect(tree.checkIntegrity()).toEqual([]);
    });
    // Everything but the root (and page 1) went back to the free list.
    expect(pager.pageCount() - pager.freelistCount()).toBe(2);
    expect(pagesUsed).toBeGreaterThan(100);
  });

  it("ascending inserts fill pages densely", () => {
    const pager = make();
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 20_000; i++) tree.put(ikey(i), bytes(30, i));
    });
    // 20,000 cells of 40 bytes + 2-byte pointers ~ 840 KB: dense packing needs ~206 leaves.
    const pages = pager.pageCount() - pager.freelistCount();
    expect(pages).toBeLessThan(240);
    read(pager, () => expect(tree.checkIntegrity()).toEqual([]));
  });

  it("round-trips 100 KB and multi-MB values through overflow chains and frees them", () => {
    const pager = make();
    const tree = newTree(pager);
    const big = bytes(100_000, 1);
    const huge = bytes(3_000_000, 2);
    write(pager, () => {
      tree.put(b("big"), big);
      tree.put(b("huge"), huge);
      tree.put(b("small"), b("x"));
    });
    read(pager, () => {
      expect(same(tree.get(b("big")), big)).toBe(true);
      expect(same(tree.get(b("huge")), huge)).toBe(true);
      expect(tree.checkIntegrity()).toEqual([]);
      const c = tree.cursor();
      expect(c.first()).toBe(true);
      expect(same(c.value(), big)).toBe(true);
      c.close();
    });
    expect(pager.pageCount()).toBeGreaterThan(3_000_000 / 4096);
    write(pager, () => {
      tree.put(b("huge"), b("now small"));
      expect(tree.delete(b("big"))).toBe(true);
    });
    read(pager, () => {
      expect(s(tree.get(b("huge"))!)).toBe("now small");
      expect(tree.checkIntegrity()).toEqual([]);
    });
    expect(pager.pageCount() - pager.freelistCount()).toBe(2);
  });

  it("stores long keys on overflow pages and orders them correctly", () => {
    const pager = make();
    const tree = newTree(pager);
    const prefix = bytes(3000, 9);
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const k = new Uint8Array(3000 + (i % 7) * 500 + 2);
      k.set(prefix);
      k[k.length - 2] = i >> 8;
      k[k.length - 1] = i & 0xff;
      keys.push(k);
    }
    write(pager, () => {
      for (let i = 0; i < keys.length; i++) tree.put(keys[(i * 37) % keys.length], ikey(i));
    });
    read(pager, () => {
      expect(tree.checkIntegrity()).toEqual([]);
      expect(tree.count()).toBe(keys.length);
      const sorted = [...keys].sort((x, y) => Buffer.compare(x, y));
      const c = tree.cursor();
      let i = 0;
      for (let ok = c.first(); ok; ok = c.next()) expect(same(c.key(), sorted[i++])).toBe(true);
      expect(i).toBe(keys.length);
      expect(c.seek(sorted[100], "eq")).toBe(true);
      expect(same(c.key(), sorted[100])).toBe(true);
      expect(c.seek(sorted[100].subarray(0, 3001), "ge")).toBe(true);
      c.close();
    });
    write(pager, () => {
      for (const k of keys) expect(tree.delete(k)).toBe(true);
    });
    expect(pager.pageCount() - pager.freelistCount()).toBe(2);
  });

  it("enforces the key size limit with DB_TOOBIG", () => {
    const pager = make();
    const tree = newTree(pager);
    write(pager, () => {
      tree.put(new Uint8Array(MAX_KEY_SIZE).fill(7), b("max"));
      expect(dbErrorOf(() => tree.put(new Uint8Array(MAX_KEY_SIZE + 1), b("v"))).code).toBe("DB_TOOBIG");
      expect(s(tree.get(new Uint8Array(MAX_KEY_SIZE).fill(7))!)).toBe("max");
    });
  });

  it("rejects writes outside a write transaction", () => {
    const pager = make();
    const tree = newTree(pager);
    expect(dbErrorOf(() => tree.put(b("k"), b("v"))).code).toBe("DB_MISUSE");
    expect(dbErrorOf(() => tree.delete(b("k"))).code).toBe("DB_MISUSE");
  });

  it("keeps many trees in one pager independent; clear and drop free pages", () => {
    const pager = make();
    const p = asPager(pager);
    const trees = write(pager, () => Array.from({ length: 20 }, () => new BTree(p, BTree.create(p))));
    write(pager, () => {
      for (let i = 0; i < 4000; i++) {
        const t = trees[i % trees.length];
        t.put(ikey(i), bytes(40 + (i % 300), i));
      }
    });
    read(pager, () => {
      trees.forEach((t, ti) => {
        expect(t.count()).toBe(200);
        expect(t.checkIntegrity()).toEqual([]);
        expect(same(t.get(ikey(ti)), bytes(40 + (ti % 300), ti))).toBe(true);
        expect(t.get(ikey(ti + 1))).toBeNull();
      });
    });
    write(pager, () => {
      trees[0].clear();
      for (let i = 1; i < trees.length; i++) trees[i].drop();
    });
    read(pager, () => {
      expect(trees[0].count()).toBe(0);
      expect(trees[0].checkIntegrity()).toEqual([]);
    });
    expect(pager.pageCount() - pager.freelistCount()).toBe(2);
    write(pager, () => trees[0].put(b("again"), b("yes")));
    read(pager, () => expect(s(trees[0].get(b("again"))!)).toBe("yes"));
  });

  it("rolls back with the transaction", () => {
    const pager = make();
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 2000; i++) tree.put(ikey(i), bytes(50, i));
    });
    pager.beginWrite();
    for (let i = 0; i < 2000; i++) tree.delete(ikey(i));
    for (let i = 5000; i < 9000; i++) tree.put(ikey(i), bytes(50, i));
    pager.rollback();
    read(pager, () => {
      expect(tree.count()).toBe(2000);
      expect(tree.get(ikey(5000))).toBeNull();
      expect(tree.checkIntegrity()).toEqual([]);
    });
  });
});

describe("BTree with the real pager", () => {
  it("persists across reopen of the same MemoryVfs", () => {
    const { pager, vfs } = openReal(4096);
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 5000; i++) tree.put(ikey(i), bytes(100, i));
      pager.setMeta(0, tree.root);
    });
    pager.close();
    const again = openReal(4096, vfs).pager;
    const t2 = new BTree(again, again.getMeta(0));
    read(again, () => {
      expect(t2.count()).toBe(5000);
      expect(same(t2.get(ikey(4321)), bytes(100, 4321))).toBe(true);
      expect(t2.checkIntegrity()).toEqual([]);
    });
  });

  it("works with a tiny page cache (pages evicted and spilled)", () => {
    const { pager } = openReal(1024, undefined, 16);
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 5000; i++) tree.put(ikey((i * 7919) % 5000), bytes(60, i));
    });
    read(pager, () => {
      expect(tree.count()).toBe(5000);
      expect(tree.checkIntegrity()).toEqual([]);
    });
  });

  it.each([512, 1024, 65536])("works with %i-byte pages", (pageSize) => {
    const { pager } = openReal(pageSize);
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 3000; i++) tree.put(bytes(1 + (i % 200), i), bytes(i % 700, i));
    });
    read(pager, () => {
      expect(tree.checkIntegrity()).toEqual([]);
      for (let i = 0; i < 3000; i += 7) expect(same(tree.get(bytes(1 + (i % 200), i)), bytes(i % 700, i))).toBe(true);
    });
    write(pager, () => {
      for (let i = 0; i < 3000; i++) tree.delete(bytes(1 + (i % 200), i));
    });
    read(pager, () => expect(tree.count()).toBe(0));
    expect(pager.pageCount() - pager.freelistCount()).toBe(2);
  });
});
