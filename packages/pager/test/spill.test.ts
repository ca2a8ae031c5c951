/**
 * Spilling a large transaction: when the cache is full of dirty pages, the pager writes a batch of
 * the coldest ones to the WAL and evicts them; pages in constant use stay dirty in memory.
 */
import { describe, expect, it } from "vitest";
import { MemoryVfs, Pager, Wal } from "../src/index.js";
import { PageCache } from "../src/cache.js";
import { allocStamped, DB, readStamp, stamp } from "./helpers.js";

describe("PageCache.coldDirtyPages", () => {
  it("lists unpinned dirty pages, probation oldest first, then main unreferenced before referenced", () => {
    const c = new PageCache("2q");
    const page = (pgno: number) => c.insert(pgno, new Uint8Array(8), true);
    const [a, b, d] = [page(1), page(2), page(3)]; // all in probation, oldest first
    page(4);
    c.touch(1); // referenced again after other pages were read: promoted to main (ref set)
    c.touch(2); // likewise
    c.insert(5, new Uint8Array(8)); // clean: never listed
    d.pins = 1; // pinned: never listed
    const main2 = c.peek(2)!;
    main2.ref = 0;
    expect(c.coldDirtyPages(10).map((p) => p.pgno)).toEqual([4, 2, 1]);
    expect(c.coldDirtyPages(2).map((p) => p.pgno)).toEqual([4, 2]);
    expect([a.dirty, b.dirty]).toEqual([true, true]);
  });
});

describe("PageCache.demote", () => {
  it("makes a page the first to be spilled or evicted, under every policy", () => {
    for (const policy of ["2q", "lru", "clock"] as const) {
      const c = new PageCache(policy);
      for (let pgno = 1; pgno <= 4; pgno++) c.insert(pgno, new Uint8Array(8), true);
      c.touch(3);
      c.touch(3);
      c.demote(c.peek(3)!);
      expect(c.coldDirtyPages(1).map((p) => p.pgno), policy).toEqual([3]);
      for (const p of c.all()) p.dirty = false;
      c.evictClean(3);
      expect(c.peek(3), policy).toBeUndefined();
      expect(c.size, policy).toBe(3);
    }
  });
});

describe("PageCache.coldDirtyPages with demoted pages", () => {
  it("fills the batch with demoted pages, other pages only up to `others`", () => {
    const c = new PageCache("2q");
    for (let pgno = 1; pgno <= 10; pgno++) c.insert(pgno, new Uint8Array(8), true);
    for (const pgno of [7, 8, 9]) c.demote(c.peek(pgno)!);
    c.touch(9); // used again: no longer demoted
    expect(c.coldDirtyPages(6, 1).map((p) => p.pgno).sort((a, b) => a - b)).toEqual([7, 8]);
    expect(c.coldDirtyPages(6, 4).length).toBe(4);
    expect(c.coldDirtyPages(6, 4).slice(0, 2).map((p) => p.pgno).sort((a, b) => a - b)).toEqual([7, 8]);
    expect(c.coldDirtyPages(6).length).toBe(6);
  });
});

describe("spilling", () => {
  it("writes cold pages and keeps a page in constant use dirty in memory", () => {
    const vfs = new MemoryVfs();
    const wal = Wal.open(vfs, DB, { create: true, autocheckpointFrames: 0 });
    const p = Pager.open(wal, { pageSize: 1024, cacheSizePages: 16 });
    p.beginWrite();
    const [hot] = allocStamped(p, 1);
    for (let i = 0; i < 400; i++) {
      const fresh = p.allocate(); // a stream of new pages, each written once
      stamp(fresh.data, i);
      p.release(fresh);
      const h = p.get(hot); // and one page changed all the time
      p.markDirty(h);
      stamp(h.data, 10_000 + i);
      p.release(h);
    }
    expect(p.cachedPageCount).toBeLessThanOrEqual(16);
    const frames = wal.frameCount;
    expect(frames).toBeGreaterThan(350); // the fresh pages went out
    // ... at most once each, and the hot page never (spilling every dirty page, as the pager
    // once did, wrote it at each of ~25 spills: 417 frames)
    expect(frames).toBeLessThanOrEqual(400);
    p.commit();
    p.close();
    const again = Pager.open(Wal.open(vfs, DB));
    expect(readStamp(again, hot)).toBe(10_399);
    expect(readStamp(again, hot + 1)).toBe(0);
    expect(readStamp(again, hot + 400)).toBe(399);
    again.close();
  });
});
