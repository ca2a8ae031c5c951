import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DbError, FaultVfs, MemoryVfs, NodeVfs, Wal, type Vfs, type VfsFile } from "../src/index.js";

const PS = 512;
const FRAME = 24 + PS;
const DB = "/db";

function page(fill: number): Uint8Array {
  return new Uint8Array(PS).fill(fill);
}

/** Opens a WAL with no commit padding (frame numbers are then easy to predict), unless `opts` says otherwise. */
function openWal(vfs: Vfs, opts: Parameters<typeof Wal.open>[2] = {}): Wal {
  const wal = Wal.open(vfs, DB, { create: true, sectorSize: 0, ...opts });
  if (wal.pageSize === null) wal.setPageSize(PS);
  return wal;
}

function read(wal: Wal, pgno: number, s?: { maxFrame: number }): number {
  const buf = new Uint8Array(PS);
  wal.readPage(pgno, buf, s);
  return buf[0];
}

/** A MemoryVfs that records each fsync in `syncs`: the file's path, or "dir" for a directory sync. */
function countingVfs(syncs: string[]): Vfs {
  const mem = new MemoryVfs();
  return {
    name: "counting",
    exists: (p) => mem.exists(p),
    delete: (p) => mem.delete(p),
    syncDir: () => syncs.push("dir"),
    open: (p, o) => {
      const f = mem.open(p, o);
      return Object.assign(Object.create(Object.getPrototypeOf(f)), f, { sync: () => syncs.push(p) });
    },
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    return (e as DbError).code;
  }
  return undefined;
}

/** Edits the raw bytes of a file of a MemoryVfs. */
function withFile(vfs: Vfs, p: string, fn: (f: VfsFile) => void): void {
  const f = vfs.open(p);
  fn(f);
  f.close();
}

describe("Wal", () => {
  it("reads committed frames, falls back to the db file, zero-fills past EOF", () => {
    const vfs = new MemoryVfs();
    const wal = openWal(vfs);
    expect(wal.dbSizePages()).toBe(0);
    expect(read(wal, 3)).toBe(0);
    wal.writeFrames([{ pgno: 1, data: page(1) }, { pgno: 2, data: page(2) }], 2);
    expect(wal.frameCount).toBe(2);
    expect(wal.dbSizePages()).toBe(2);
    expect(read(wal, 2)).toBe(2);
    expect(read(wal, 9)).toBe(0);
  });

  it("gives each snapshot the version as of its start", () => {
    const wal = openWal(new MemoryVfs());
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    const s1 = wal.beginRead();
    wal.writeFrames([{ pgno: 1, data: page(5) }, { pgno: 2, data: page(6) }], 2);
    const s2 = wal.beginRead();
    expect(read(wal, 1, s1)).toBe(1);
    expect(wal.dbSizePages(s1)).toBe(1);
    expect(read(wal, 1, s2)).toBe(5);
    expect(wal.dbSizePages(s2)).toBe(2);
    // a reader behind the last commit blocks checkpoint (passive)
    wal.checkpoint();
    expect(wal.frameCount).toBe(3);
    wal.endRead(s1);
    wal.checkpoint();
    expect(wal.frameCount).toBe(0);
    expect(s2.maxFrame).toBe(0);
    expect(read(wal, 1, s2)).toBe(5);
    wal.endRead(s2);
  });

  it("recovers committed frames after a crash and ignores uncommitted ones", () => {
    const vfs = new MemoryVfs();
    const wal = openWal(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }, { pgno: 2, data: page(2) }], 2);
    wal.writeFrames([{ pgno: 2, data: page(22) }], 0); // spilled, never committed
    expect(read(wal, 2)).toBe(22); // the writer sees its own frames
    expect(read(wal, 2, wal.beginRead())).toBe(2);
    // crash: abandon `wal` without closing, reopen
    const again = openWal(vfs);
    expect(again.pageSize).toBe(PS);
    expect(again.frameCount).toBe(2);
    expect(read(again, 2)).toBe(2);
    expect(again.dbSizePages()).toBe(2);
  });

  it("rollback forgets uncommitted frames and the next frames overwrite them", () => {
    const vfs = new MemoryVfs();
    const wal = openWal(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    wal.writeFrames([{ pgno: 1, data: page(7) }, { pgno: 3, data: page(3) }], 0);
    wal.rollback();
    expect(wal.frameCount).toBe(1);
    expect(read(wal, 1)).toBe(1);
    expect(read(wal, 3)).toBe(0);
    wal.writeFrames([{ pgno: 1, data: page(8) }], 1);
    expect(wal.frameCount).toBe(2);
    const again = openWal(vfs);
    expect(again.frameCount).toBe(2);
    expect(read(again, 1)).toBe(8);
    expect(read(again, 3)).toBe(0);
  });

  it.each([
    ["a torn tail (WAL truncated mid-frame)", (f: VfsFile) => f.truncate(32 + 3 * FRAME + 100)],
    ["a corrupt byte in the last frame", (f: VfsFile) => f.write(new Uint8Array([0x5a]), 32 + 3 * FRAME + 24 + 7)],
    ["a corrupt frame header", (f: VfsFile) => f.write(new Uint8Array([0x5a]), 32 + 3 * FRAME + 9)],
  ])("keeps the previous commit despite %s", (_what, damage) => {
    const vfs = new MemoryVfs();
    const wal = openWal(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }, { pgno: 2, data: page(2) }], 2); // frames 1-2
    wal.writeFrames([{ pgno: 2, data: page(20) }], 2); // frame 3
    wal.writeFrames([{ pgno: 2, data: page(30) }, { pgno: 3, data: page(31) }], 3); // frames 4-5
    withFile(vfs, `${DB}-wal`, damage);
    const again = openWal(vfs);
    expect(again.frameCount).toBe(3);
    expect(read(again, 2)).toBe(20);
    expect(read(again, 3)).toBe(0);
    expect(again.dbSizePages()).toBe(2);
    // The first write over the damaged tail checkpoints first (a new generation: the damaged
    // frames can never validate again), then commits.
    again.writeFrames([{ pgno: 3, data: page(40) }], 3);
    const third = openWal(vfs);
    expect(third.frameCount).toBe(1);
    expect([read(third, 1), read(third, 2), read(third, 3)]).toEqual([1, 20, 40]);
  });

  it("treats a WAL with a garbage header as empty", () => {
    const vfs = new MemoryVfs();
    const wal = openWal(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    withFile(vfs, `${DB}-wal`, (f) => f.write(new Uint8Array([0xff, 0xff]), 4));
    const again = Wal.open(vfs, DB);
    expect(again.pageSize).toBe(null);
    expect(again.frameCount).toBe(0);
    again.setPageSize(PS);
    expect(read(again, 1)).toBe(0);
    again.writeFrames([{ pgno: 1, data: page(9) }], 1);
    expect(read(openWal(vfs), 1)).toBe(9);
  });

  it("checkpoints into the db file, then reopens from it", () => {
    const vfs = new MemoryVfs();
    const wal = openWal(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }, { pgno: 2, data: page(2) }, { pgno: 3, data: page(3) }], 3);
    wal.writeFrames([{ pgno: 2, data: page(12) }], 3);
    wal.checkpoint();
    expect(wal.frameCount).toBe(0);
    expect(vfs.snapshot(DB)?.length).toBe(3 * PS);
    // The WAL keeps its length: the next generation overwrites it from the start.
    expect(vfs.snapshot(`${DB}-wal`)?.length).toBe(32 + 4 * (24 + PS));
    expect(read(wal, 2)).toBe(12);
    wal.writeFrames([{ pgno: 3, data: page(13) }], 3);
    const again = openWal(vfs);
    expect(again.frameCount).toBe(1);
    expect([1, 2, 3].map((p) => read(again, p))).toEqual([1, 12, 13]);
    const buf = new Uint8Array(4);
    expect(again.readDbFile(buf, PS)).toBe(4);
    expect(buf[0]).toBe(12);
  });

  it("close checkpoints and deletes the WAL file", () => {
    const vfs = new MemoryVfs();
    const wal = openWal(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }, { pgno: 2, data: page(2) }], 2);
    wal.writeFrames([{ pgno: 3, data: page(3) }], 0);
    wal.close();
    expect(vfs.exists(`${DB}-wal`)).toBe(false);
    expect(vfs.snapshot(DB)?.length).toBe(2 * PS);
    expect(codeOf(() => wal.beginRead())).toBe("DB_MISUSE");
    const again = Wal.open(vfs, DB);
    expect(again.pageSize).toBe(null);
    again.setPageSize(PS);
    expect(again.dbSizePages()).toBe(2);
    expect(read(again, 2)).toBe(2);
  });

  it("syncs per the synchronous setting", () => {
    const syncs: string[] = [];
    const counting = countingVfs(syncs);
    const wal = openWal(counting);
    expect(syncs).toEqual(["dir"]); // both files created: one sync of their directory
    syncs.length = 0;
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    expect(syncs).toEqual([`${DB}-wal`]);
    wal.synchronous = "normal";
    syncs.length = 0;
    wal.writeFrames([{ pgno: 1, data: page(2) }], 1);
    expect(syncs).toEqual([]);
    wal.checkpoint();
    expect(syncs).toEqual([`${DB}-wal`, DB, `${DB}-wal`]);
    wal.synchronous = "off";
    syncs.length = 0;
    wal.writeFrames([{ pgno: 1, data: page(3) }], 1);
    wal.checkpoint();
    expect(syncs).toEqual([]);
  });

  it("syncs the directory of a WAL it creates beside an existing db file only before the WAL's first fsync", () => {
    const syncs: string[] = [];
    const counting = countingVfs(syncs);
    const first = openWal(counting);
    first.writeFrames([{ pgno: 1, data: page(1) }], 1);
    first.close(); // checkpoints and deletes the WAL
    expect(counting.exists(`${DB}-wal`)).toBe(false);
    syncs.length = 0;
    // Reading: the new WAL's directory entry is never synced.
    const reader = Wal.open(counting, DB, { sectorSize: 0 });
    reader.setPageSize(PS);
    const s = reader.beginRead();
    expect(read(reader, 1)).toBe(1);
    reader.endRead(s);
    expect(syncs).toEqual([]);
    // Writing: the directory goes first, once.
    reader.writeFrames([{ pgno: 1, data: page(2) }], 1);
    expect(syncs).toEqual(["dir", `${DB}-wal`]);
    syncs.length = 0;
    reader.writeFrames([{ pgno: 1, data: page(3) }], 1);
    expect(syncs).toEqual([`${DB}-wal`]);
    reader.close();
    // synchronous "normal": the directory is synced with the WAL at the checkpoint.
    syncs.length = 0;
    const normal = Wal.open(counting, DB, { synchronous: "normal", sectorSize: 0 });
    normal.setPageSize(PS);
    normal.writeFrames([{ pgno: 1, data: page(4) }], 1);
    expect(syncs).toEqual([]);
    normal.checkpoint();
    expect(syncs).toEqual(["dir", `${DB}-wal`, DB, `${DB}-wal`]);
    normal.close();
  });

  it("poisons the connection when an fsync fails", () => {
    const vfs = new FaultVfs(new MemoryVfs());
    const wal = openWal(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    vfs.inject({ op: "sync", times: 1 });
    expect(codeOf(() => wal.writeFrames([{ pgno: 1, data: page(2) }], 1))).toBe("DB_IOERR");
    expect(wal.error?.code).toBe("DB_IOERR");
    expect(wal.frameCount).toBe(1);
    expect(read(wal, 1)).toBe(1);
    // the sync would now succeed, but the connection must not trust earlier writes
    expect(codeOf(() => wal.writeFrames([{ pgno: 1, data: page(3) }], 1))).toBe("DB_IOERR");
    expect(codeOf(() => wal.checkpoint())).toBe("DB_IOERR");
    wal.close(); // no checkpoint, no delete
    expect(vfs.exists(`${DB}-wal`)).toBe(true);
  });

  it("poisons the connection when the db file fsync fails during checkpoint", () => {
    const vfs = new FaultVfs(new MemoryVfs());
    const wal = openWal(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    vfs.inject({ op: "sync", path: "/db", times: 1, skip: 1 }); // the WAL sync passes, the db sync fails
    expect(codeOf(() => wal.checkpoint())).toBe("DB_IOERR");
    expect(codeOf(() => wal.writeFrames([{ pgno: 1, data: page(3) }], 1))).toBe("DB_IOERR");
    expect(read(wal, 1)).toBe(1);
    const again = openWal(vfs.inner);
    expect(read(again, 1)).toBe(1);
  });

  it("leaves the WAL unchanged when a frame write fails", () => {
    const vfs = new FaultVfs(new MemoryVfs());
    const wal = openWal(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    vfs.inject({ op: "write", path: "-wal", times: 1, kind: "full", torn: true });
    expect(codeOf(() => wal.writeFrames([{ pgno: 1, data: page(2) }, { pgno: 2, data: page(2) }], 2))).toBe("DB_FULL");
    expect(wal.error).toBe(null);
    expect(wal.frameCount).toBe(1);
    wal.writeFrames([{ pgno: 2, data: page(4) }], 2);
    const again = openWal(vfs.inner);
    expect([read(again, 1), read(again, 2)]).toEqual([1, 4]);
  });

  it("validates arguments and modes", () => {
    const vfs = new MemoryVfs();
    expect(codeOf(() => Wal.open(vfs, DB))).toBe("DB_CANTOPEN");
    const wal = Wal.open(vfs, DB, { create: true });
    expect(codeOf(() => wal.readPage(1, new Uint8Array(PS)))).toBe("DB_MISUSE");
    expect(codeOf(() => wal.setPageSize(1000))).toBe("DB_MISUSE");
    wal.setPageSize(PS);
    expect(codeOf(() => wal.writeFrames([{ pgno: 1, data: new Uint8Array(10) }], 1))).toBe("DB_MISUSE");
    expect(codeOf(() => wal.writeFrames([], 1))).toBe("DB_MISUSE");
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    expect(codeOf(() => wal.setPageSize(1024))).toBe("DB_MISUSE");
    wal.writeFrames([{ pgno: 1, data: page(1) }], 0);
    expect(codeOf(() => wal.checkpoint())).toBe("DB_MISUSE");
    wal.rollback();
    const ro = Wal.open(vfs, DB, { readonly: true });
    expect(ro.pageSize).toBe(PS);
    expect(read(ro, 1)).toBe(1);
    expect(codeOf(() => ro.writeFrames([{ pgno: 1, data: page(1) }], 1))).toBe("DB_READONLY");
    expect(codeOf(() => ro.checkpoint())).toBe("DB_READONLY");
    ro.close();
    expect(vfs.exists(`${DB}-wal`)).toBe(true);
  });
});

describe("Wal on NodeVfs", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "db-wal-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("commits, recovers after a crash, checkpoints on close", () => {
    const vfs = new NodeVfs();
    const db = path.join(tmp, "a.db");
    const wal = Wal.open(vfs, db, { create: true });
    wal.setPageSize(1024);
    const data = new Uint8Array(1024).fill(7);
    wal.writeFrames([{ pgno: 1, data }, { pgno: 2, data }], 2);
    expect(fs.statSync(`${db}-wal`).size).toBe(32 + 2 * (24 + 1024));
    // an aligned commit: the next frame starts at a multiple of 1024 bytes (min(4096, page size))
    wal.writeFrames([{ pgno: 2, data }], 2);
    expect(fs.statSync(`${db}-wal`).size).toBe(3072 + 24 + 1024);
    const again = Wal.open(vfs, db);
    expect(again.pageSize).toBe(1024);
    expect(again.dbSizePages()).toBe(2);
    again.close();
    expect(fs.existsSync(`${db}-wal`)).toBe(false);
    expect(fs.statSync(db).size).toBe(2048);
    // `wal` is abandoned as if its process had crashed (two live connections are not supported)
  });
});

describe("checkpoint reads", () => {
  it("reads the frames of adjacent pages adjacent in the WAL in one call, and still checks each", () => {
    const reads: number[] = [];
    const mem = new MemoryVfs();
    const vfs: Vfs = {
      name: "counting",
      open(path, options) {
        const f = mem.open(path, options);
        return {
          path: f.path,
          read(buf: Uint8Array, offset: number) {
            if (path.endsWith("-wal")) reads.push(buf.length);
            return f.read(buf, offset);
          },
          write: (buf: Uint8Array, offset: number) => f.write(buf, offset),
          sync: () => f.sync(),
          truncate: (size: number) => f.truncate(size),
          size: () => f.size(),
          close: () => f.close(),
        };
      },
      exists: (p) => mem.exists(p),
      delete: (p) => mem.delete(p),
      syncDir: (p) => mem.syncDir(p),
    };
    const wal = Wal.open(vfs, "/c.db", { create: true, autocheckpointFrames: 0 });
    wal.setPageSize(1024);
    const frames = Array.from({ length: 300 }, (_, i) => ({ pgno: i + 1, data: new Uint8Array(1024).fill(i & 0xff) }));
    wal.writeFrames(frames, 300);
    reads.length = 0;
    wal.checkpoint();
    // 300 frames of 1,048 bytes: one read per MiB, not one per frame.
    expect(reads.length).toBeLessThanOrEqual(2);
    const buf = new Uint8Array(1024);
    for (const p of [1, 150, 300]) {
      wal.readPage(p, buf);
      expect(buf[0]).toBe((p - 1) & 0xff);
    }
    wal.close();
  });
});
