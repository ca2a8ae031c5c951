/** Sorted bulk load: trees built left to right must be sound, complete and fully usable. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BTree } from "../src/index.js";
import { collectPages } from "../src/ops.js";
import { asPager, bytes, cmp, dbErrorOf, depthOf, FakePager, hex, ikey, newTree, openReal, read, same, write } from "./helpers.js";

type Pg = ReturnType<typeof openReal>["pager"] | FakePager;

function checkTree(pager: Pg, tree: BTree, entries: [Uint8Array, Uint8Array][]): void {
  read(pager, () => {
    expect(tree.checkIntegrity()).toEqual([]);
    expect(tree.count()).toBe(entries.length);
    const c = tree.cursor();
    let i = 0;
    let bad = -1;
    for (let ok = c.first(); ok; ok = c.next(), i++) {
      if (bad < 0 && (i >= entries.length || !same(c.key(), entries[i][0]) || !same(c.value(), entries[i][1]))) bad = i;
    }
    c.close();
    expect(bad).toBe(-1);
    expect(i).toBe(entries.length);
    expect(pager.pageCount() - 1 - pager.freelistCount()).toBe(collectPages(tree.t).length);
  });
}

describe("bulk load", () => {
  it("loads 50,000 sorted keys into a dense tree of the expected depth, then stays modifiable", () => {
    const { pager } = openReal(4096);
    const tree = newTree(pager);
    const N = 50_000;
    const entries: [Uint8Array, Uint8Array][] = Array.from({ length: N }, (_, i) => [ikey(i), bytes(32, i)]);
    expect(write(pager, () => tree.load(entries))).toBe(N);
    checkTree(pager, tree, entries);
    const leafCells = Math.floor((4088 - 12) / (1 + 1 + 8 + 32 + 2));
    // Packed full: the page count is within 2% of the minimum.
    const used = pager.pageCount() - 1 - pager.freelistCount();
    expect(used).toBeLessThan(Math.ceil(N / leafCells) * 1.02 + 10);
    read(pager, () => expect(depthOf(pager, tree.root)).toBe(3));
    // Random puts and deletes afterwards keep it sound.
    write(pager, () => {
      for (let i = 0; i < N; i += 7) tree.put(ikey(i), bytes(5, i));
      for (let i = 3; i < N; i += 11) tree.delete(ikey(i));
    });
    read(pager, () => {
      expect(tree.checkIntegrity()).toEqual([]);
      expect(same(tree.get(ikey(7)), bytes(5, 7))).toBe(true);
      expect(tree.get(ikey(1))).not.toBeNull();
      expect(tree.get(ikey(3))).toBeNull();
    });
  });

  it("honours the fill factor", () => {
    const sizes = [1, 0.5].map((fill) => {
      const { pager } = openReal(4096);
      const tree = newTree(pager);
      write(pager, () => tree.load(Array.from({ length: 20_000 }, (_, i) => [ikey(i), bytes(20, i)] as const), { fill }));
      read(pager, () => expect(tree.checkIntegrity()).toEqual([]));
      return pager.pageCount();
    });
    expect(sizes[1] / sizes[0]).toBeGreaterThan(1.8);
    expect(sizes[1] / sizes[0]).toBeLessThan(2.2);
  });

  it("loads an empty input, a single entry, and rejects a non-empty tree or unsorted keys", () => {
    const fake = new FakePager(512);
    const tree = newTree(fake);
    write(fake, () => expect(tree.load([])).toBe(0));
    checkTree(fake, tree, []);
    write(fake, () => tree.load([[ikey(1), bytes(3000, 1)]]));
    checkTree(fake, tree, [[ikey(1), bytes(3000, 1)]]);
    expect(dbErrorOf(() => write(fake, () => tree.load([[ikey(2), ikey(2)]]))).code).toBe("DB_MISUSE");
    const t2 = newTree(fake);
    for (const bad of [[ikey(2), ikey(1)], [ikey(2), ikey(2)]]) {
      const e = dbErrorOf(() => write(fake, () => t2.load(bad.map((k) => [k, k] as const))));
      expect(e.code).toBe("DB_MISUSE");
      expect(fake.pinned()).toBe(0);
    }
    read(fake, () => expect(t2.count()).toBe(0));
  });

  // Keys from empty to long (overflowing, sharing long prefixes), values from empty to many pages.
  const keyArb = fc.oneof(
    { weight: 5, arbitrary: fc.uint8Array({ maxLength: 6, max: 4 }) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 100, max: 3000 }), fc.uint8Array({ maxLength: 3, max: 3 }))
        .map(([seed, len, tail]) => {
          const k = new Uint8Array(len + tail.length);
          k.set(bytes(len, seed + 1));
          k.set(tail, len);
          return k;
        }),
    },
  );
  const valueArb = fc.oneof(
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.nat()).map(([n, seed]) => bytes(n, seed)) },
  );

  it("matches its input for random sorted entries (fast-check; fake and real pagers, 512/4096)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(keyArb, valueArb), { maxLength: 400 }),
        fc.constantFrom(512, 4096),
        fc.boolean(),
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        (raw, pageSize, fake, fill) => {
          const seen = new Map<string, [Uint8Array, Uint8Array]>();
          for (const [k, v] of raw) seen.set(hex(k), [k, v]);
          const entries = [...seen.values()].sort((a, b) => cmp(a[0], b[0]));
          const f = fake ? new FakePager(pageSize) : null;
          const pager: Pg = f ?? openReal(pageSize).pager;
          const tree = newTree(pager);
          write(pager, () => tree.load(entries, { fill }));
          if (f) expect(f.pinned()).toBe(0);
          checkTree(pager, tree, entries);
          // Deleting everything afterwards works and frees every page.
          write(pager, () => {
            for (const [k] of entries) expect(tree.delete(k)).toBe(true);
          });
          checkTree(pager, tree, []);
        },
      ),
      { numRuns: Number(process.env.BTREE_MODEL_RUNS ?? 60) },
    );
  });

  it("builds deep trees with long separators (512-byte pages, 1000-byte shared-prefix keys)", () => {
    const pager = asPager(new FakePager(512));
    const tree = new BTree(pager, write(pager, () => BTree.create(pager)));
    const prefix = bytes(1000, 9);
    const entries: [Uint8Array, Uint8Array][] = Array.from({ length: 3000 }, (_, i) => {
      const k = new Uint8Array(1004);
      k.set(prefix);
      k.set(ikey(i, 4), 1000);
      return [k, bytes(i % 50, i)];
    });
    write(pager, () => tree.load(entries));
    checkTree(pager, tree, entries);
  });
});
