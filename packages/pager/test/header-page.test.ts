/**
 * Page 1 (the header page) is written only by commits that change a header field: a commit that
 * changes b-tree pages alone appends just those pages (as SQLite in WAL mode); the commit frame
 * carries the database size either way.
 */
import { describe, expect, it } from "vitest";
import { MemoryVfs, Pager, Wal } from "../src/index.js";
import { allocStamped, DB, readStamp, stamp } from "./helpers.js";

function setup(): { vfs: MemoryVfs; wal: Wal; p: Pager } {
  const vfs = new MemoryVfs();
  const wal = Wal.open(vfs, DB, { create: true, autocheckpointFrames: 0 });
  const p = Pager.open(wal, { pageSize: 1024 });
  p.beginWrite();
  allocStamped(p, 3);
  p.commit();
  return { vfs, wal, p };
}

function update(p: Pager, pgno: number, value: number): void {
  const page = p.get(pgno);
  p.markDirty(page);
  stamp(page.data, value);
  p.release(page);
}

/** The page numbers of the WAL frames a commit appended (read back through a second WAL on the same files). */
function framesOf(vfs: MemoryVfs, wal: Wal, from: number): number[] {
  const bytes = vfs.snapshot(`${DB}-wal`) as Uint8Array;
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const out: number[] = [];
  for (let f = from + 1; f <= wal.frameCount; f++) out.push(v.getUint32(32 + (f - 1) * (24 + 1024)));
  return out;
}

describe("the header page", () => {
  it("is not rewritten by a commit that changes no header field", () => {
    const { vfs, wal, p } = setup();
    const before = wal.frameCount;
    p.beginWrite();
    update(p, 3, 33);
    update(p, 2, 22);
    p.commit();
    expect(framesOf(vfs, wal, before)).toEqual([2, 3]); // no page 1; the last frame is the commit frame
    p.close();
    const again = Pager.open(Wal.open(vfs, DB));
    expect([readStamp(again, 2), readStamp(again, 3)]).toEqual([22, 33]);
    expect(again.pageCount()).toBe(4);
    again.close();
  });

  it("is rewritten when the page count, the free list or a meta slot changes", () => {
    const { vfs, wal, p } = setup();
    for (const change of [
      () => allocStamped(p, 1),
      () => p.free(2),
      () => p.setMeta(3, 9),
    ]) {
      const before = wal.frameCount;
      p.beginWrite();
      change();
      p.commit();
      expect(framesOf(vfs, wal, before).at(-1)).toBe(1);
    }
    p.close();
    const again = Pager.open(Wal.open(vfs, DB));
    expect([again.pageCount(), again.freelistCount(), again.getMeta(3)]).toEqual([5, 1, 9]);
    again.close();
  });

  it("is the commit frame of a transaction whose changed pages all went out as spilled frames", () => {
    const vfs = new MemoryVfs();
    const wal = Wal.open(vfs, DB, { create: true, autocheckpointFrames: 0 });
    const p = Pager.open(wal, { pageSize: 1024, cacheSizePages: 4 });
    p.beginWrite();
    allocStamped(p, 20);
    p.commit();
    p.beginWrite();
    for (let pgno = 2; pgno <= 21; pgno++) update(p, pgno, pgno + 100);
    // With a one-page cache, reading two pages pushes the last dirty pages out too (spilled).
    expect(p.cacheStats().dirty).toBeGreaterThan(0);
    p.setCacheSize(1);
    readStamp(p, 2);
    readStamp(p, 3);
    expect(p.cacheStats().dirty).toBe(0);
    const before = wal.frameCount;
    p.commit();
    expect(framesOf(vfs, wal, before)).toEqual([1]);
    p.close();
    const again = Pager.open(Wal.open(vfs, DB));
    for (let pgno = 2; pgno <= 21; pgno++) expect(readStamp(again, pgno)).toBe(pgno + 100);
    again.close();
  });
});

describe("autocheckpoint", () => {
  it("counts page versions, not the padding copies of synced commits", () => {
    const vfs = new MemoryVfs();
    // A MemoryVfs does not pad by default; a sector size makes every synced commit padded.
    const wal = Wal.open(vfs, DB, { create: true, autocheckpointFrames: 4, sectorSize: 512 });
    const p = Pager.open(wal, { pageSize: 1024 });
    p.beginWrite();
    allocStamped(p, 2);
    p.commit(); // may checkpoint: start counting from an empty WAL below
    p.wal.checkpoint();
    const commitsUntilCheckpoint = (): number => {
      for (let n = 1; n <= 10; n++) {
        p.beginWrite();
        update(p, 2, n);
        p.commit(); // 2 frames: page 2 and its padding copy
        if (wal.frameCount === 0) return n;
      }
      return -1;
    };
    expect(commitsUntilCheckpoint()).toBe(4); // 4 page versions (8 frames), as SQLite counts pages
    p.close();
  });
});
