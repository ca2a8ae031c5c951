import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryVfs, Pager, Wal, type Page } from "../src/index.js";
import { allocStamped, DB, errorOf, openPager, readStamp, stamp, stampOf } from "./helpers.js";

/** Sets page `pgno`'s stamp (get, markDirty, write, release). */
function write(p: Pager, pgno: number, value: number): void {
  const page = p.get(pgno);
  p.markDirty(page);
  stamp(page.data, value);
  p.release(page);
}

/** Stamps of pages 2..pageCount that are not free, as far as `free` says. */
function stamps(p: Pager, pgnos: number[]): number[] {
  return pgnos.map((n) => readStamp(p, n));
}

/** Allocates every page on the free list (in a transaction rolled back afterwards) and checks they are distinct, in range and not in `live`. */
function checkFreeList(p: Pager, live: Iterable<number>): void {
  const inUse = new Set(live);
  const began = !p.inWrite;
  if (began) p.beginWrite();
  const count = p.freelistCount();
  const size = p.pageCount();
  const seen = new Set<number>();
  const sp = p.savepoint();
  for (let i = 0; i < count; i++) {
    const page = p.allocate();
    expect(inUse.has(page.pgno)).toBe(false);
    expect(page.pgno).toBeGreaterThan(1);
    expect(page.pgno).toBeLessThanOrEqual(size);
    seen.add(page.pgno);
    p.release(page);
  }
  expect(seen.size).toBe(count);
  expect(p.freelistCount()).toBe(0);
  expect(p.pageCount()).toBe(size);
  p.rollbackTo(sp);
  p.releaseSavepoint(sp);
  expect(p.freelistCount()).toBe(count);
  if (began) p.rollback();
}

describe("Pager savepoints", () => {
  it("nest; rollbackTo keeps the savepoint open and ends newer ones", () => {
    const vfs = new MemoryVfs();
    let p = openPager(vfs, { pageSize: 512 });
    p.beginWrite();
    allocStamped(p, 5); // pages 2..6 stamped 2..6
    p.commit();

    p.beginWrite();
    write(p, 2, 100);
    p.setMeta(3, 33);
    const sp1 = p.savepoint();
    write(p, 2, 200);
    write(p, 3, 300);
    p.setMeta(3, 34);
    const sp2 = p.savepoint();
    expect(sp2).toBeGreaterThan(sp1);
    expect(p.savepointDepth).toBe(2);
    write(p, 2, 250);
    write(p, 4, 400);
    allocStamped(p, 2, 1000); // pages 7, 8
    p.setMeta(3, 35);

    p.rollbackTo(sp2);
    expect(p.savepointDepth).toBe(2);
    expect(stamps(p, [2, 3, 4, 5, 6])).toEqual([200, 300, 4, 5, 6]);
    expect(p.pageCount()).toBe(6);
    expect(p.getMeta(3)).toBe(34);

    write(p, 5, 500); // still under sp2
    p.rollbackTo(sp2); // again: sp2 was left with nothing to undo
    expect(readStamp(p, 5)).toBe(5);
    write(p, 5, 501);

    p.rollbackTo(sp1);
    expect(p.savepointDepth).toBe(1);
    expect(stamps(p, [2, 3, 4, 5, 6])).toEqual([100, 3, 4, 5, 6]);
    expect(p.getMeta(3)).toBe(33);
    expect(errorOf(() => p.rollbackTo(sp2)).code).toBe("DB_MISUSE"); // ended by rollbackTo(sp1)
    p.releaseSavepoint(sp2); // no-op: already ended
    expect(p.savepointDepth).toBe(1);

    // the same page changed under three levels: rolling back to the oldest restores its image
    write(p, 6, 61);
    const sp3 = p.savepoint();
    write(p, 6, 62);
    p.savepoint();
    write(p, 6, 63);
    p.rollbackTo(sp1);
    expect(readStamp(p, 6)).toBe(6);
    expect(p.savepointDepth).toBe(1);
    expect(errorOf(() => p.rollbackTo(sp3)).code).toBe("DB_MISUSE");

    p.commit();
    expect(p.savepointDepth).toBe(0);
    p.close();
    p = openPager(vfs);
    expect(stamps(p, [2, 3, 4, 5, 6])).toEqual([100, 3, 4, 5, 6]);
    expect(p.getMeta(3)).toBe(33);
    expect(p.pageCount()).toBe(6);
    p.close();
  });

  it("rollbackTo, then more writes, then commit and reopen", () => {
    const vfs = new MemoryVfs();
    let p = openPager(vfs, { pageSize: 1024 });
    p.beginWrite();
    allocStamped(p, 4); // 2..5
    p.commit();

    p.beginWrite();
    write(p, 2, 20);
    const sp = p.savepoint();
    // a failing "statement": half of a multi-row insert
    write(p, 3, 30);
    const added = allocStamped(p, 3, 500);
    expect(added).toEqual([6, 7, 8]);
    p.setMeta(0, 9);
    p.rollbackTo(sp);
    p.releaseSavepoint(sp);
    expect(p.savepointDepth).toBe(0);
    // the next statement succeeds
    const sp2 = p.savepoint();
    write(p, 4, 40);
    expect(allocStamped(p, 1, 700)).toEqual([6]); // page 6 again, zeroed then stamped
    p.releaseSavepoint(sp2);
    p.commit();
    p.close();

    p = openPager(vfs);
    expect(p.pageCount()).toBe(6);
    expect(p.getMeta(0)).toBe(0);
    expect(stamps(p, [2, 3, 4, 5, 6])).toEqual([20, 3, 40, 5, 706]);
    p.close();
  });

  it("restores pages in place: Page objects held by callers see the old content", () => {
    const p = openPager(new MemoryVfs(), { pageSize: 512 });
    p.beginWrite();
    allocStamped(p, 3);
    p.commit();
    p.beginWrite();
    const held = p.get(2);
    p.markDirty(held);
    stamp(held.data, 21);
    const sp = p.savepoint();
    p.markDirty(held); // again, now that a savepoint is open
    stamp(held.data, 22);
    held.data[300] = 7;
    const fresh = p.allocate(); // page 5, beyond the savepoint's page count
    p.markDirty(fresh);
    stamp(fresh.data, 55);
    const cached = p.cachedPageCount;
    p.rollbackTo(sp);
    expect(p.cachedPageCount).toBe(cached - 1); // page 5 is gone, not restored
    expect(stampOf(held.data)).toBe(21);
    expect(held.data[300]).toBe(0);
    expect(p.get(2)).toBe(held); // still the cached object
    p.release(held);
    expect(fresh.data.every((b) => b === 0)).toBe(true); // dropped
    expect(p.pageCount()).toBe(4);
    p.release(held);
    p.release(fresh);
    p.commit();
    expect(readStamp(p, 2)).toBe(21);
    p.close();
  });

  it("undoes allocation and free-list changes (several trunks, reused and freed pages)", () => {
    const vfs = new MemoryVfs();
    let p = openPager(vfs, { pageSize: 512 }); // 124 leaves per trunk
    p.beginWrite();
    const pages = allocStamped(p, 300); // 2..301
    for (const n of pages.slice(0, 50)) p.free(n); // 2..51 free
    p.commit();
    const live = pages.slice(50);
    expect(p.freelistCount()).toBe(50);

    p.beginWrite();
    const sp = p.savepoint();
    // free 200 more (two new trunks), reuse some, grow the file, and set meta
    for (const n of live.slice(0, 200)) p.free(n);
    expect(p.freelistCount()).toBe(250);
    const got = allocStamped(p, 260, 9000); // 250 reused (zeroed), 10 new
    expect(p.freelistCount()).toBe(0);
    expect(p.pageCount()).toBe(311);
    expect(got.filter((n) => n > 301)).toHaveLength(10);
    p.setMeta(1, 77);
    p.rollbackTo(sp);

    expect(p.pageCount()).toBe(301);
    expect(p.freelistCount()).toBe(50);
    expect(p.getMeta(1)).toBe(0);
    for (const n of live) expect(readStamp(p, n)).toBe(n);
    checkFreeList(p, live);

    // free-list changes made before the savepoint stay
    p.rollbackTo(sp);
    p.releaseSavepoint(sp);
    for (const n of live.slice(0, 10)) p.free(n);
    const sp2 = p.savepoint();
    allocStamped(p, 5);
    p.free(live[20]);
    p.rollbackTo(sp2);
    expect(p.freelistCount()).toBe(60);
    p.commit();
    p.close();

    p = openPager(vfs);
    expect(p.freelistCount()).toBe(60);
    expect(p.pageCount()).toBe(301);
    for (const n of live.slice(10)) expect(readStamp(p, n)).toBe(n);
    checkFreeList(p, live.slice(10));
    p.close();
  });

  it("release keeps the changes (in the transaction, and undoable by an older savepoint)", () => {
    const vfs = new MemoryVfs();
    let p = openPager(vfs);
    p.beginWrite();
    allocStamped(p, 4); // 2..5
    p.commit();

    p.beginWrite();
    const sp1 = p.savepoint();
    write(p, 2, 20);
    const sp2 = p.savepoint();
    write(p, 2, 21);
    write(p, 3, 30);
    const sp3 = p.savepoint();
    write(p, 4, 40);
    allocStamped(p, 1, 100); // 6
    p.releaseSavepoint(sp2); // ends sp2 and sp3
    expect(p.savepointDepth).toBe(1);
    expect(stamps(p, [2, 3, 4, 6])).toEqual([21, 30, 40, 106]);
    expect(errorOf(() => p.rollbackTo(sp3)).code).toBe("DB_MISUSE");
    p.rollbackTo(sp1); // undoes what sp2 and sp3 kept
    expect(stamps(p, [2, 3, 4, 5])).toEqual([2, 3, 4, 5]);
    expect(p.pageCount()).toBe(5);

    write(p, 5, 50);
    const sp4 = p.savepoint();
    write(p, 5, 51);
    p.releaseSavepoint(sp4);
    p.releaseSavepoint(sp1);
    expect(p.savepointDepth).toBe(0);
    p.commit();
    p.close();
    p = openPager(vfs);
    expect(stamps(p, [2, 3, 4, 5])).toEqual([2, 3, 4, 51]);
    p.close();
  });

  it("enforces the rules; commit and rollback end every savepoint", () => {
    const p = openPager(new MemoryVfs());
    expect(errorOf(() => p.savepoint()).code).toBe("DB_MISUSE");
    expect(errorOf(() => p.rollbackTo(1)).code).toBe("DB_MISUSE");
    expect(errorOf(() => p.releaseSavepoint(1)).code).toBe("DB_MISUSE"); // never issued
    p.beginWrite();
    allocStamped(p, 2);
    const a = p.savepoint();
    const b = p.savepoint();
    write(p, 2, 9);
    expect(errorOf(() => p.rollbackTo(b + 1)).code).toBe("DB_MISUSE");
    expect(errorOf(() => p.releaseSavepoint(0.5)).code).toBe("DB_MISUSE");
    p.rollback();
    expect(p.savepointDepth).toBe(0);
    expect(p.pageCount()).toBe(1);
    p.releaseSavepoint(a); // ended with its transaction: no-op
    p.beginWrite();
    expect(errorOf(() => p.rollbackTo(a)).code).toBe("DB_MISUSE"); // not from this transaction
    const c = p.savepoint();
    expect(c).toBeGreaterThan(b);
    allocStamped(p, 1);
    p.commit();
    expect(p.savepointDepth).toBe(0);
    expect(errorOf(() => p.rollbackTo(c)).code).toBe("DB_MISUSE");
    p.close();
  });

  it("works with spilling under a tiny cache (cacheSizePages=10, 100 pages written)", () => {
    const vfs = new MemoryVfs();
    const wal = Wal.open(vfs, DB, { create: true });
    let p = Pager.open(wal, { pageSize: 512, cacheSizePages: 10 });
    p.beginWrite();
    const base = allocStamped(p, 50); // 2..51
    p.commit();

    p.beginWrite();
    // changes before the savepoint, spilled: they must survive the rollback
    for (const n of base.slice(0, 30)) write(p, n, n + 1000);
    const frames = wal.frameCount;
    const sp = p.savepoint();
    // 100 pages written under the savepoint: 50 existing, 50 new
    for (const n of base) write(p, n, n + 2000);
    const added = allocStamped(p, 50, 3000); // 52..101
    expect(wal.frameCount).toBeGreaterThan(frames + 50); // spilled as uncommitted frames
    expect(p.cachedPageCount).toBeLessThanOrEqual(12);
    p.rollbackTo(sp);
    // page 51 was restored last (from its saved image, into the cache): change it and roll back again
    write(p, 51, 1);
    p.rollbackTo(sp);
    expect(p.pageCount()).toBe(51);
    for (const n of base) expect(readStamp(p, n)).toBe(n + (n <= 31 ? 1000 : 0));
    expect(p.cachedPageCount).toBeLessThanOrEqual(12);

    // write again under the same savepoint, roll back again
    for (const n of base) write(p, n, n + 4000);
    p.rollbackTo(sp);
    for (const n of base) expect(readStamp(p, n)).toBe(n + (n <= 31 ? 1000 : 0));
    p.releaseSavepoint(sp);
    const regrown = p.allocate(); // page 52 again: zero, not its spilled frame
    expect(regrown.pgno).toBe(52);
    expect(regrown.data.every((b) => b === 0)).toBe(true);
    stamp(regrown.data, 5200);
    p.release(regrown);
    p.commit();
    p.close();

    p = openPager(vfs, { cacheSizePages: 10 });
    expect(p.pageCount()).toBe(52);
    for (const n of base) expect(readStamp(p, n)).toBe(n + (n <= 31 ? 1000 : 0));
    expect(readStamp(p, 52)).toBe(5200);
    // the pages dropped by the rollback come back zeroed when the file grows again
    p.beginWrite();
    const again = allocStamped(p, 49, 0);
    expect(again).toEqual(added.slice(1));
    p.rollback();
    p.close();
    expect(vfs.snapshot(DB)?.length).toBe(52 * 512); // checkpointed to the committed size
  });

  it("keeps a page pinned across spills correct", () => {
    const p = openPager(new MemoryVfs(), { pageSize: 512, cacheSizePages: 4 });
    p.beginWrite();
    allocStamped(p, 20);
    p.commit();
    p.beginWrite();
    const held: Page = p.get(10);
    const sp = p.savepoint();
    p.markDirty(held);
    stamp(held.data, 1010);
    for (let n = 2; n <= 21; n++) if (n !== 10) write(p, n, n + 100);
    allocStamped(p, 20, 0);
    p.rollbackTo(sp);
    expect(stampOf(held.data)).toBe(10);
    for (let n = 2; n <= 21; n++) expect(readStamp(p, n)).toBe(n);
    p.release(held);
    p.commit();
    for (let n = 2; n <= 21; n++) expect(readStamp(p, n)).toBe(n);
    p.close();
  });
});

// ---------------------------------------------------------------------------------------------
// Model test: random steps against the pager and against Map<pgno, value> snapshots.

type Cmd =
  | { t: "alloc"; value: number }
  | { t: "write"; pick: number; value: number }
  | { t: "free"; pick: number }
  | { t: "meta"; slot: number; value: number }
  | { t: "hold"; pick: number }
  | { t: "savepoint" }
  | { t: "rollbackTo"; pick: number }
  | { t: "release"; pick: number }
  | { t: "commit" }
  | { t: "rollback" }
  | { t: "reopen" };

const u32 = fc.nat({ max: 0xffffffff });
/** Mostly one of a few "hot" pages, so that nested savepoints often change the same page. */
const pick = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: fc.nat() });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant("alloc" as const), value: u32 }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant("write" as const), pick, value: u32 }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("free" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("meta" as const), slot: fc.nat({ max: 7 }), value: u32 }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("hold" as const), pick }) },
  { weight: 3, arbitrary: fc.constant({ t: "savepoint" as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("rollbackTo" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("release" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ t: "commit" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "rollback" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "reopen" as const }) },
);

interface State {
  pages: Map<number, number>;
  meta: number[];
}

function copy(s: State): State {
  return { pages: new Map(s.pages), meta: [...s.meta] };
}

interface OpenSavepoint {
  id: number;
  state: State;
  pageCount: number;
  freeCount: number;
}

class Harness {
  readonly vfs = new MemoryVfs();
  pager: Pager;
  committed: State = { pages: new Map(), meta: new Array(8).fill(0) };
  current = copy(this.committed);
  savepoints: OpenSavepoint[] = [];
  /** Pages kept pinned across steps (checked in place). */
  held = new Map<number, Page>();

  constructor(private readonly cacheSizePages: number) {
    this.pager = this.open();
  }

  open(): Pager {
    const wal = Wal.open(this.vfs, DB, { create: true, autocheckpointFrames: 20 });
    return Pager.open(wal, { pageSize: 512, cacheSizePages: this.cacheSizePages });
  }

  /** The value at the start and (xor-ed) at the end of the usable area, and a byte in the middle. */
  put(data: Uint8Array, value: number): void {
    const v = new DataView(data.buffer, data.byteOffset);
    v.setUint32(0, value);
    v.setUint32(this.pager.usableSize - 4, (value ^ 0x5a5a5a5a) >>> 0);
    data[200] = value & 0xff;
  }

  valueOf(data: Uint8Array): number {
    const v = new DataView(data.buffer, data.byteOffset);
    const value = v.getUint32(0);
    expect((value ^ 0x5a5a5a5a) >>> 0).toBe(v.getUint32(this.pager.usableSize - 4));
    expect(data[200]).toBe(value & 0xff);
    return value;
  }

  check(): void {
    const p = this.pager;
    const pages = new Map<number, number>();
    for (const pgno of this.current.pages.keys()) {
      const page = p.get(pgno);
      pages.set(pgno, this.valueOf(page.data));
      p.release(page);
    }
    expect({ pages, meta: Array.from({ length: 8 }, (_, i) => p.getMeta(i)) }).toEqual(this.current);
    expect(p.pageCount() - 1 - p.freelistCount()).toBe(this.current.pages.size);
    for (const [pgno, page] of this.held) {
      if (this.current.pages.has(pgno)) expect(this.valueOf(page.data)).toBe(this.current.pages.get(pgno));
    }
    expect(p.savepointDepth).toBe(this.savepoints.length);
  }

  private begin(): void {
    if (!this.pager.inWrite) this.pager.beginWrite();
  }

  private unholdAll(): void {
    for (const page of this.held.values()) this.pager.release(page);
    this.held.clear();
  }

  apply(c: Cmd): void {
    const p = this.pager;
    const live = [...this.current.pages.keys()];
    const pgno = "pick" in c && live.length > 0 ? live[c.pick % live.length] : 0;
    const sp = "pick" in c && this.savepoints.length > 0 ? c.pick % this.savepoints.length : -1;
    switch (c.t) {
      case "alloc": {
        this.begin();
        const page = p.allocate();
        expect(this.current.pages.has(page.pgno)).toBe(false);
        expect(page.data.every((b) => b === 0)).toBe(true);
        this.put(page.data, c.value);
        p.release(page);
        this.current.pages.set(page.pgno, c.value);
        return;
      }
      case "write": {
        if (pgno === 0) return;
        this.begin();
        const page = p.get(pgno);
        p.markDirty(page);
        this.put(page.data, c.value);
        p.release(page);
        this.current.pages.set(pgno, c.value);
        return;
      }
      case "free": {
        if (pgno === 0) return;
        this.begin();
        const held = this.held.get(pgno);
        if (held !== undefined) {
          p.release(held);
          this.held.delete(pgno);
        }
        p.free(pgno);
        this.current.pages.delete(pgno);
        return;
      }
      case "meta":
        this.begin();
        p.setMeta(c.slot, c.value);
        this.current.meta[c.slot] = c.value;
        return;
      case "hold":
        if (pgno !== 0 && !this.held.has(pgno) && this.held.size < 3) this.held.set(pgno, p.get(pgno));
        return;
      case "savepoint":
        this.begin();
        this.savepoints.push({
          id: p.savepoint(),
          state: copy(this.current),
          pageCount: p.pageCount(),
          freeCount: p.freelistCount(),
        });
        return;
      case "rollbackTo": {
        if (sp < 0) return;
        const s = this.savepoints[sp];
        p.rollbackTo(s.id);
        this.savepoints.length = sp + 1;
        this.current = copy(s.state);
        expect(p.pageCount()).toBe(s.pageCount);
        expect(p.freelistCount()).toBe(s.freeCount);
        // held pages no longer in use (dropped or free again) are let go
        for (const [n, page] of this.held) {
          if (!this.current.pages.has(n)) {
            p.release(page);
            this.held.delete(n);
          }
        }
        return;
      }
      case "release":
        if (sp < 0) return;
        p.releaseSavepoint(this.savepoints[sp].id);
        this.savepoints.length = sp;
        return;
      case "commit":
        if (p.inWrite) {
          p.commit();
          this.committed = copy(this.current);
        }
        this.savepoints = [];
        return;
      case "rollback":
        p.rollback();
        this.current = copy(this.committed);
        this.savepoints = [];
        for (const [n, page] of this.held) {
          if (!this.current.pages.has(n)) {
            p.release(page);
            this.held.delete(n);
          }
        }
        return;
      case "reopen":
        this.unholdAll();
        p.close();
        this.pager = this.open();
        this.current = copy(this.committed);
        this.savepoints = [];
        return;
    }
  }

  finish(): void {
    this.unholdAll();
    checkFreeList(this.pager, this.current.pages.keys());
    if (this.pager.inWrite) this.pager.commit();
    this.committed = copy(this.current);
    this.pager.close();
    this.pager = this.open();
    this.savepoints = [];
    this.check();
    checkFreeList(this.pager, this.current.pages.keys());
    this.pager.close();
  }
}

describe("Pager savepoint model test", () => {
  it("random writes, frees, savepoints, rollbackTo, release, commit, rollback vs a model", () => {
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 1, maxLength: 120, size: "max" }), fc.integer({ min: 3, max: 16 }), (cmds, cache) => {
        const h = new Harness(cache);
        for (const c of cmds) {
          h.apply(c);
          h.check();
        }
        h.finish();
      }),
      { numRuns: 300 },
    );
  });

  it("the same with many pages per step (free-list trunks fill up, heavy spilling)", () => {
    const bulk = fc.oneof(
      cmd,
      fc.record({ t: fc.constant("bulk" as const), n: fc.integer({ min: 50, max: 200 }), value: u32 }),
      fc.record({ t: fc.constant("bulkFree" as const), n: fc.integer({ min: 50, max: 200 }) }),
    );
    fc.assert(
      fc.property(fc.array(bulk, { minLength: 1, maxLength: 30, size: "max" }), fc.integer({ min: 3, max: 16 }), (cmds, cache) => {
        const h = new Harness(cache);
        for (const c of cmds) {
          if (c.t === "bulk") {
            for (let i = 0; i < c.n; i++) h.apply({ t: "alloc", value: (c.value + i) >>> 0 });
          } else if (c.t === "bulkFree") {
            for (let i = 0; i < c.n; i++) h.apply({ t: "free", pick: i * 7 });
          } else {
            h.apply(c);
          }
          h.check();
        }
        h.finish();
      }),
      { numRuns: 30 },
    );
  });
});
