/** The page cache under real b-tree workloads: budget, pinning, buffer reuse, scan resistance. */
import { describe, expect, it } from "vitest";
import { BTree, MemoryVfs, Pager, Wal, type CachePolicy } from "../src/index.js";
import { ikey, read, write } from "./helpers.js";

function open(cacheSize: number, cachePolicy?: CachePolicy, pageSize = 4096): Pager {
  const wal = Wal.open(new MemoryVfs(), "c.db", { create: true });
  return Pager.open(wal, { pageSize, cacheSize, ...(cachePolicy ? { cachePolicy } : {}) });
}

/** An "index" of ~`indexPages` leaves and a "table" of ~`tablePages` leaves. */
function build(pager: Pager, indexKeys: number, tableKeys: number): { index: BTree; table: BTree } {
  const [ir, tr] = write(pager, () => [BTree.create(pager), BTree.create(pager)]);
  const index = new BTree(pager, ir);
  const table = new BTree(pager, tr);
  const v = new Uint8Array(100);
  write(pager, () => {
    index.load(Array.from({ length: indexKeys }, (_, i) => [ikey(i), v.subarray(0, 20)] as const));
    table.load(Array.from({ length: tableKeys }, (_, i) => [ikey(i), v] as const));
  });
  return { index, table };
}

function lookups(pager: Pager, tree: BTree, n: number, rounds: number): number {
  const before = pager.cacheStats().misses;
  read(pager, () => {
    for (let r = 0; r < rounds; r++) for (let i = 0; i < n; i += 3) tree.get(ikey(i));
  });
  return pager.cacheStats().misses - before;
}

function scan(pager: Pager, tree: BTree): number {
  return read(pager, () => {
    const c = tree.cursor();
    let n = 0;
    for (let ok = c.first(); ok; ok = c.next()) {
      c.value();
      n++;
    }
    c.close();
    return n;
  });
}

describe("page cache", () => {
  it("keeps to its budget; cache_size semantics (pages, or -KiB)", () => {
    const pager = open(100);
    const { table } = build(pager, 10, 20_000); // ~600 leaves
    pager.setCacheSize(100);
    scan(pager, table);
    expect(pager.cachedPageCount).toBeLessThanOrEqual(100);
    pager.setCacheSize(-200); // 200 KiB = 50 pages of 4 KiB
    expect(pager.cacheSizePages).toBe(50);
    expect(pager.cacheSize).toBe(-200);
    expect(pager.cachedPageCount).toBeLessThanOrEqual(50);
    scan(pager, table);
    expect(pager.cachedPageCount).toBeLessThanOrEqual(50);
    pager.setCacheSize(0); // the default
    expect(pager.cacheSize).toBe(2000);
  });

  it("never evicts pinned pages, even far over budget", () => {
    const pager = open(20);
    const { table } = build(pager, 10, 20_000);
    pager.beginRead();
    const pinned = [];
    for (let p = 2; p < 60; p++) pinned.push(pager.get(p)); // 58 pins > budget of 20
    const copies = pinned.map((p) => p.data.slice());
    scan(pager, table); // churns the cache
    expect(pager.cachedPageCount).toBeGreaterThanOrEqual(58);
    for (let i = 0; i < pinned.length; i++) {
      const again = pager.get(pinned[i].pgno);
      expect(again).toBe(pinned[i]); // the same cached object: never evicted
      expect(Buffer.compare(again.data, copies[i])).toBe(0);
      pager.release(again);
    }
    for (const p of pinned) pager.release(p);
    pager.endRead();
    scan(pager, table);
    expect(pager.cachedPageCount).toBeLessThanOrEqual(20);
  });

  it("reuses the buffers of evicted pages instead of allocating per read", () => {
    const pager = open(16);
    const { table } = build(pager, 10, 20_000);
    const buffers = new Set<ArrayBufferLike>();
    read(pager, () => {
      for (let p = 2; p < 400; p++) {
        const page = pager.get(p);
        buffers.add(page.data.buffer);
        pager.release(page);
      }
    });
    // 398 reads through a 16-page cache used few distinct buffers.
    expect(buffers.size).toBeLessThan(40);
    expect(scan(pager, table)).toBe(20_000);
  });

  for (const policy of ["2q", "lru", "clock"] as const) {
    it(`a full scan ${policy === "2q" ? "does not flush" : "flushes"} an index's hot pages (${policy})`, () => {
      const pager = open(200, policy);
      // Index: ~80 leaves (hot); table: ~1,200 leaves, 6x the cache.
      const { index, table } = build(pager, 10_000, 40_000);
      lookups(pager, index, 10_000, 3); // make the index hot
      expect(lookups(pager, index, 10_000, 1)).toBe(0); // all cached now
      scan(pager, table);
      const missesAfterScan = lookups(pager, index, 10_000, 1);
      // ~80 index pages: 2Q keeps them (at most the one page read last before the scan may
      // still be on probation); LRU and plain CLOCK lose nearly all of them.
      if (policy === "2q") expect(missesAfterScan).toBeLessThanOrEqual(2);
      else expect(missesAfterScan).toBeGreaterThan(50);
    });
  }
});

describe("spilling a large transaction", () => {
  it("spills the full leaves ascending inserts leave behind before a randomly filled tree's pages", () => {
    // One transaction: a "table" filled in key order and an "index" filled in random order that
    // fits the cache. The table's full leaves are demoted, so they are spilled (once each) and
    // the index's leaves stay in memory instead of being spilled and read back again and again.
    const vfs = new MemoryVfs();
    const wal = Wal.open(vfs, "s.db", { create: true, autocheckpointFrames: 0 });
    const pager = Pager.open(wal, { pageSize: 4096, cacheSize: 200 });
    const [ir, tr] = write(pager, () => [BTree.create(pager), BTree.create(pager)]);
    const index = new BTree(pager, ir);
    const table = new BTree(pager, tr);
    const value = new Uint8Array(100);
    const n = 40_000; // table: ~1,100 leaves; index: ~170 leaves
    let x = 1;
    const misses0 = pager.cacheStats().misses;
    write(pager, () => {
      for (let i = 0; i < n; i++) {
        table.put(ikey(i), value);
        x = (x * 48271) % 2147483647;
        index.put(ikey(x), new Uint8Array(0));
      }
    });
    const tablePages = Math.ceil((n * 112) / 4000);
    // Without the hint ~1,900 spilled pages were read back (and written again over their frames).
    expect(pager.cacheStats().misses - misses0).toBeLessThan(50);
    expect(wal.frameCount).toBeLessThan(tablePages * 1.2);
    read(pager, () => {
      expect(table.count()).toBe(n);
      expect(index.count()).toBe(n);
    });
  });
});
