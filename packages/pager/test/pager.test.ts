import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FaultVfs, MemoryVfs, NodeVfs, Pager, Wal } from "../src/index.js";
import { allocStamped, DB, errorOf, openPager, readStamp, stamp } from "./helpers.js";

describe("Pager", () => {
  it("creates a database, commits, reopens", () => {
    const vfs = new MemoryVfs();
    let p = openPager(vfs);
    expect(p.pageSize).toBe(4096);
    expect(p.usableSize).toBe(4088);
    expect(p.pageCount()).toBe(1);
    p.beginWrite();
    const pg = p.allocate();
    expect(pg.pgno).toBe(2);
    expect(pg.data.every((b) => b === 0)).toBe(true);
    stamp(pg.data, 42);
    p.setMeta(0, 2);
    p.setMeta(7, 0xffffffff);
    p.release(pg);
    p.commit();
    p.close();
    p = openPager(vfs);
    expect(p.pageCount()).toBe(2);
    expect(p.getMeta(0)).toBe(2);
    expect(p.getMeta(7)).toBe(0xffffffff);
    expect(readStamp(p, 2)).toBe(42);
    p.close();
  });

  it("rollback restores pages (in place for pinned ones), header and page count", () => {
    const p = openPager(new MemoryVfs());
    p.beginWrite();
    allocStamped(p, 3);
    p.setMeta(1, 5);
    p.commit();
    p.beginWrite();
    const held = p.get(2);
    p.markDirty(held);
    stamp(held.data, 99);
    const other = p.get(3);
    p.markDirty(other);
    stamp(other.data, 98);
    p.release(other);
    allocStamped(p, 2);
    p.setMeta(1, 6);
    expect(p.pageCount()).toBe(6);
    p.rollback();
    expect(p.inWrite).toBe(false);
    expect(readStamp(p, 2)).toBe(2);
    expect(new DataView(held.data.buffer).getUint32(0)).toBe(2); // same object, restored
    expect(readStamp(p, 3)).toBe(3);
    expect(p.pageCount()).toBe(4);
    expect(p.getMeta(1)).toBe(5);
    p.rollback(); // no-op without a transaction
    p.close();
  });

  it("keeps within a tiny cache: 200 pages through cacheSizePages=10 (spilling dirty pages)", () => {
    const vfs = new MemoryVfs();
    const wal = Wal.open(vfs, DB, { create: true });
    let p = Pager.open(wal, { cacheSizePages: 10, pageSize: 512 });
    p.beginWrite();
    const pgnos = allocStamped(p, 200, 1000);
    expect(pgnos[199]).toBe(201);
    expect(p.cachedPageCount).toBeLessThanOrEqual(10);
    expect(wal.frameCount).toBeGreaterThan(150); // spilled as uncommitted frames
    // re-read spilled pages and modify some of them again
    for (const n of [2, 50, 150]) {
      const page = p.get(n);
      p.markDirty(page);
      stamp(page.data, n + 5000);
      p.release(page);
    }
    expect(readStamp(p, 100)).toBe(1100);
    p.commit();
    p.close();
    p = openPager(vfs, { cacheSizePages: 10 });
    for (const n of pgnos) expect(readStamp(p, n)).toBe(n + ([2, 50, 150].includes(n) ? 5000 : 1000));
    expect(p.cachedPageCount).toBe(10);
    p.close();
  });

  it("rolls back a spilled transaction", () => {
    const vfs = new MemoryVfs();
    const p = openPager(vfs, { cacheSizePages: 5, pageSize: 512 });
    p.beginWrite();
    allocStamped(p, 20);
    p.commit();
    p.beginWrite();
    for (let n = 2; n <= 21; n++) {
      const page = p.get(n);
      p.markDirty(page);
      stamp(page.data, 7);
      p.release(page);
    }
    allocStamped(p, 30);
    p.rollback();
    expect(p.pageCount()).toBe(21);
    for (let n = 2; n <= 21; n++) expect(readStamp(p, n)).toBe(n);
    p.close();
    const again = openPager(vfs);
    expect(again.pageCount()).toBe(21);
    for (let n = 2; n <= 21; n++) expect(readStamp(again, n)).toBe(n);
    again.close();
  });

  it("reuses freed pages before growing the file, across several trunk pages", () => {
    const vfs = new MemoryVfs();
    let p = openPager(vfs, { pageSize: 512 }); // 124 leaves per trunk
    p.beginWrite();
    const pgnos = allocStamped(p, 400);
    p.commit();
    p.beginWrite();
    for (const n of pgnos.slice(0, 300)) p.free(n);
    expect(p.freelistCount()).toBe(300);
    p.commit();
    p.close();
    p = openPager(vfs);
    expect(p.freelistCount()).toBe(300);
    expect(p.pageCount()).toBe(401);
    p.beginWrite();
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const page = p.allocate();
      expect(page.pgno).toBeLessThanOrEqual(301);
      expect(page.data.every((b) => b === 0)).toBe(true);
      seen.add(page.pgno);
      p.release(page);
    }
    expect(seen.size).toBe(300);
    expect(p.freelistCount()).toBe(0);
    expect(p.pageCount()).toBe(401);
    expect(p.allocate().pgno).toBe(402);
    p.commit();
    for (const n of pgnos.slice(300)) expect(readStamp(p, n)).toBe(n);
    p.close();
  });

  it("a commit writes its pages to the WAL in page order, whatever order they were changed in", () => {
    const vfs = new MemoryVfs();
    const p = openPager(vfs, { pageSize: 512, autocheckpointFrames: 0 });
    p.beginWrite();
    allocStamped(p, 30);
    p.commit();
    const order = [17, 3, 29, 8, 2, 31, 12, 5, 22, 9, 14, 26, 4, 19, 7, 11, 30, 6, 25, 13];
    for (const n of [order.slice(0, 3), order.slice(0, 7), order]) {
      const walBefore = vfs.open(`${DB}-wal`).size();
      p.beginWrite();
      for (const pgno of n) {
        const page = p.get(pgno);
        p.markDirty(page);
        stamp(page.data, pgno + 1000);
        p.release(page);
      }
      p.commit();
      const wal = vfs.open(`${DB}-wal`);
      const bytes = new Uint8Array(wal.size() - walBefore);
      wal.read(bytes, walBefore);
      const v = new DataView(bytes.buffer);
      const pgnos: number[] = [];
      for (let off = 0; off + 24 + 512 <= bytes.length; off += 24 + 512) pgnos.push(v.getUint32(off));
      expect(pgnos).toEqual([...n].sort((a, b) => a - b));
    }
    p.close();
  });

  it("reports a checksum mismatch with the page number", () => {
    const vfs = new MemoryVfs();
    let p = openPager(vfs, { pageSize: 1024 });
    p.beginWrite();
    allocStamped(p, 6);
    p.commit();
    p.close(); // checkpointed into the db file
    const f = vfs.open(DB);
    f.write(new Uint8Array([0xab]), 4 * 1024 + 100); // a byte in page 5
    f.close();
    p = openPager(vfs);
    expect(readStamp(p, 4)).toBe(4);
    const err = errorOf(() => p.get(5));
    expect(err.code).toBe("DB_CORRUPT");
    expect(err.pgno).toBe(5);
    expect(err.message).toContain("page 5");
    expect(err.message).toContain("checksum mismatch");
    p.close();
  });

  it("verifies pages read back from the WAL too", () => {
    const vfs = new MemoryVfs();
    const p = openPager(vfs, { pageSize: 512, cacheSizePages: 2 });
    p.beginWrite();
    allocStamped(p, 5); // frames: 1 = initial header, 2..6 = pages 2..6, 7 = header
    p.commit();
    const f = vfs.open(`${DB}-wal`);
    f.write(new Uint8Array([0xcd]), 32 + 2 * (24 + 512) + 24 + 10); // data of frame 3 = page 3
    f.close();
    for (const n of [2, 4, 5, 6]) expect(readStamp(p, n)).toBe(n); // evicts page 3
    const err = errorOf(() => p.get(3));
    expect([err.code, err.pgno]).toEqual(["DB_CORRUPT", 3]);
  });

  it("detects a page written to the wrong place (checksum is seeded with the page number)", () => {
    const vfs = new MemoryVfs();
    const p = openPager(vfs, { pageSize: 512 });
    p.beginWrite();
    allocStamped(p, 3);
    p.commit();
    p.close();
    const f = vfs.open(DB);
    const page2 = new Uint8Array(512);
    f.read(page2, 512);
    f.write(page2, 2 * 512); // copy page 2 over page 3
    f.close();
    const again = openPager(vfs);
    expect(errorOf(() => again.get(3)).pgno).toBe(3);
    again.close();
  });

  it("rejects a file that is not a database", () => {
    const vfs = new MemoryVfs();
    const f = vfs.open(DB, { create: true });
    f.write(new TextEncoder().encode("SQLite format 3\0 and so on".padEnd(4096, ".")), 0);
    f.close();
    const err = errorOf(() => openPager(vfs));
    expect(err.code).toBe("DB_NOTADB");
    expect(err.message).toBe("file is not a database");
  });

  it("reports a damaged header as corruption of page 1", () => {
    const vfs = new MemoryVfs();
    openPager(vfs).close();
    const f = vfs.open(DB);
    f.write(new Uint8Array([1]), 30);
    f.close();
    const err = errorOf(() => openPager(vfs));
    expect(err.code).toBe("DB_CORRUPT");
    expect(err.pgno).toBe(1);
  });

  it("honours page sizes and rejects invalid ones", () => {
    for (const size of [512, 65536]) {
      const vfs = new MemoryVfs();
      let p = openPager(vfs, { pageSize: size });
      p.beginWrite();
      allocStamped(p, 2);
      p.commit();
      p.close();
      p = openPager(vfs, { pageSize: 1024 }); // ignored for an existing database
      expect(p.pageSize).toBe(size);
      expect(readStamp(p, 3)).toBe(3);
      p.close();
    }
    expect(errorOf(() => openPager(new MemoryVfs(), { pageSize: 3000 })).code).toBe("DB_MISUSE");
    expect(errorOf(() => openPager(new MemoryVfs(), { pageSize: 256 })).code).toBe("DB_MISUSE");
  });

  it("enforces the transaction rules", () => {
    const p = openPager(new MemoryVfs());
    expect(errorOf(() => p.allocate()).code).toBe("DB_MISUSE");
    expect(errorOf(() => p.setMeta(0, 1)).code).toBe("DB_MISUSE");
    expect(errorOf(() => p.commit()).code).toBe("DB_MISUSE");
    expect(errorOf(() => p.endRead()).code).toBe("DB_MISUSE");
    p.beginRead();
    p.beginRead();
    p.beginWrite();
    expect(errorOf(() => p.beginWrite()).code).toBe("DB_MISUSE");
    expect(errorOf(() => p.get(1)).code).toBe("DB_MISUSE");
    expect(errorOf(() => p.get(2)).code).toBe("DB_CORRUPT");
    expect(errorOf(() => p.free(1)).code).toBe("DB_MISUSE");
    expect(errorOf(() => p.getMeta(8)).code).toBe("DB_RANGE");
    expect(errorOf(() => p.setMeta(0, -1)).code).toBe("DB_RANGE");
    const page = p.allocate();
    p.commit();
    expect(errorOf(() => p.markDirty(page)).code).toBe("DB_MISUSE");
    p.endRead();
    p.endRead();
    p.close();
    p.close();
    expect(errorOf(() => p.beginRead()).code).toBe("DB_MISUSE");
  });

  it("checkpoints automatically once the WAL reaches the threshold", () => {
    const vfs = new MemoryVfs();
    const wal = Wal.open(vfs, DB, { create: true, autocheckpointFrames: 10 });
    const p = Pager.open(wal, { pageSize: 512 });
    p.beginRead(); // an open read transaction must not block it
    for (let i = 0; i < 6; i++) {
      p.beginWrite();
      allocStamped(p, 1);
      p.commit();
      expect(wal.frameCount).toBeLessThan(10);
    }
    expect(vfs.snapshot(DB)?.length).toBeGreaterThan(0);
    p.endRead();
    p.close();
  });

  it("opens read-only", () => {
    const vfs = new MemoryVfs();
    const w = openPager(vfs);
    w.beginWrite();
    allocStamped(w, 2);
    w.commit();
    w.close();
    const r = openPager(vfs, { readonly: true });
    expect(readStamp(r, 3)).toBe(3);
    expect(errorOf(() => r.beginWrite()).code).toBe("DB_READONLY");
    r.close();
  });
});

describe("Pager I/O failures", () => {
  function setup(): { vfs: FaultVfs; p: Pager } {
    const vfs = new FaultVfs(new MemoryVfs());
    const p = openPager(vfs, { pageSize: 512 });
    p.beginWrite();
    allocStamped(p, 5);
    p.setMeta(0, 1);
    p.commit();
    return { vfs, p };
  }

  function modify(p: Pager): void {
    p.beginWrite();
    const page = p.get(3);
    p.markDirty(page);
    stamp(page.data, 333);
    p.release(page);
    allocStamped(p, 3);
    p.setMeta(0, 2);
  }

  it("rolls back cleanly when the commit write fails (DB_FULL) and keeps working", () => {
    const { vfs, p } = setup();
    modify(p);
    vfs.inject({ op: "write", path: "-wal", times: 1, kind: "full", torn: true });
    expect(errorOf(() => p.commit()).code).toBe("DB_FULL");
    expect(p.inWrite).toBe(false);
    expect(p.pageCount()).toBe(6);
    expect(p.getMeta(0)).toBe(1);
    expect(readStamp(p, 3)).toBe(3);
    modify(p);
    p.commit();
    expect(readStamp(p, 3)).toBe(333);
    p.close();
    const again = openPager(vfs.inner);
    expect(again.getMeta(0)).toBe(2);
    expect(again.pageCount()).toBe(9);
    again.close();
  });

  it("poisons the connection when the commit fsync fails; the last commit stays intact", () => {
    const { vfs, p } = setup();
    modify(p);
    vfs.inject({ op: "sync", times: 1 });
    expect(errorOf(() => p.commit()).code).toBe("DB_IOERR");
    expect(p.inWrite).toBe(false);
    expect(readStamp(p, 3)).toBe(3);
    expect(p.getMeta(0)).toBe(1);
    const err = errorOf(() => p.beginWrite());
    expect(err.code).toBe("DB_IOERR");
    expect(err.message).toContain("reopened");
    p.close();
  });

  it("survives a failing spill (the commit reports the error)", () => {
    const vfs = new FaultVfs(new MemoryVfs());
    const p = openPager(vfs, { pageSize: 512, cacheSizePages: 4 });
    vfs.inject({ op: "write", path: "-wal", kind: "full" });
    p.beginWrite();
    allocStamped(p, 20);
    expect(errorOf(() => p.commit()).code).toBe("DB_FULL");
    expect(p.pageCount()).toBe(1);
    vfs.clear();
    p.beginWrite();
    allocStamped(p, 20);
    p.commit();
    expect(readStamp(p, 21)).toBe(21);
    p.close();
  });
});

describe("Pager on NodeVfs", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "db-pager-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("persists across close and reopen; the WAL file is removed on close", () => {
    const vfs = new NodeVfs();
    const file = path.join(tmp, "x.db");
    const open = () => Pager.open(Wal.open(vfs, file, { create: true }));
    let p = open();
    p.beginWrite();
    allocStamped(p, 10);
    p.commit();
    expect(fs.existsSync(`${file}-wal`)).toBe(true);
    p.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    expect(fs.statSync(file).size).toBe(11 * 4096);
    p = open();
    for (let n = 2; n <= 11; n++) expect(readStamp(p, n)).toBe(n);
    p.close();
  });
});
