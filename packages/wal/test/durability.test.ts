/**
 * WAL-level durability: aligned commits against torn sectors, checkpoints that respect live
 * snapshots, salts and sequence on reset, the order of syncs, short reads, and poisoning.
 * (The whole-stack crash, I/O-error and corruption suites live in packages/engine/test/durability.)
 */
import { describe, expect, it } from "vitest";
import { MUTATING_OPS, SimCrash, SimVfs } from "@db/vfs/testing";
import { checksum, checksumUpdate, DbError, MemoryVfs, Wal } from "../src/index.js";
import { DB, FRAME, PS, open, page, read } from "./helpers.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    return (e as DbError).code;
  }
  return undefined;
}

function header(vfs: SimVfs): DataView {
  const bytes = vfs.snapshot(`${DB}-wal`) as Uint8Array;
  return new DataView(bytes.buffer, bytes.byteOffset, 32);
}

/** Offsets of the WAL writes made while `fn` runs. */
function writeOffsets(vfs: SimVfs, fn: () => void): number[] {
  const from = vfs.opCount();
  fn();
  return vfs.trace().entries.filter((e) => e.seq > from && e.op === "write" && e.path.endsWith("-wal")).map((e) => e.offset as number);
}

describe("aligned commits", () => {
  it("a synced commit makes the next transaction start at the next min(4096, pageSize) boundary", () => {
    const vfs = new SimVfs();
    const wal = open(vfs);
    expect(wal.sectorSize).toBe(4096);
    wal.writeFrames([{ pgno: 1, data: page(1) }, { pgno: 2, data: page(2) }], 2);
    expect(wal.frameCount).toBe(2); // no padding frames
    expect((vfs.snapshot(`${DB}-wal`) as Uint8Array).length).toBe(32 + 2 * FRAME);
    // The next write starts in a sector holding no byte of the synced commit frame.
    const boundary = Math.ceil((32 + 2 * FRAME) / PS) * PS;
    expect(writeOffsets(vfs, () => wal.writeFrames([{ pgno: 2, data: page(3) }], 2))).toEqual([boundary]);
    // NORMAL does not sync a commit, so it does not align its successor either
    wal.synchronous = "normal";
    const second = boundary + FRAME;
    expect(writeOffsets(vfs, () => wal.writeFrames([{ pgno: 1, data: page(4) }], 2))).toEqual([Math.ceil(second / PS) * PS]);
    expect(writeOffsets(vfs, () => wal.writeFrames([{ pgno: 2, data: page(5) }], 2))).toEqual([Math.ceil(second / PS) * PS + FRAME]);
    expect(wal.frameCount).toBe(5);
    const again = open(vfs.crash("keep-all"));
    expect(again.frameCount).toBe(5);
    expect([read(again, 1), read(again, 2)]).toEqual([4, 5]);
  });

  it("an aligned commit whose fsync fails is forgotten; after a reopen the next one is aligned", () => {
    const vfs = new SimVfs();
    const wal = open(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    vfs.fail({ op: "sync", nth: 1, path: "-wal", fsyncMode: "error-keep" });
    expect(codeOf(() => wal.writeFrames([{ pgno: 2, data: page(2) }], 2))).toBe("DB_IOERR");
    expect(wal.frameCount).toBe(1);
    const image = vfs.crash("keep-all");
    const again = open(image);
    expect(again.frameCount).toBe(2); // the failed fsync kept the data: recovery finds the commit
    const end = Math.ceil((32 + FRAME) / PS) * PS + FRAME;
    expect(writeOffsets(image, () => again.writeFrames([{ pgno: 2, data: page(3) }], 2))).toEqual([Math.ceil(end / PS) * PS]);
  });

  it("is off on a MemoryVfs (no power cuts) and with sectorSize 0", () => {
    expect(open(new MemoryVfs()).sectorSize).toBe(0);
    const vfs = new SimVfs();
    const wal = open(vfs, { sectorSize: 0 });
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    expect(writeOffsets(vfs, () => wal.writeFrames([{ pgno: 1, data: page(2) }], 1))).toEqual([32 + FRAME]);
    expect(wal.frameCount).toBe(2);
  });

  it("recovery follows aligned commits, and a rollback returns to the boundary", () => {
    const vfs = new SimVfs();
    const wal = open(vfs);
    for (let v = 1; v <= 5; v++) wal.writeFrames([{ pgno: 1, data: page(v) }, { pgno: v + 1, data: page(v) }], v + 1);
    wal.synchronous = "off";
    wal.writeFrames([{ pgno: 3, data: page(9) }], 0); // uncommitted, then dropped
    wal.rollback();
    const at = writeOffsets(vfs, () => wal.writeFrames([{ pgno: 3, data: page(8) }], 6));
    expect(at[0] % PS).toBe(0);
    const again = open(vfs.crash("keep-all"));
    expect(again.frameCount).toBe(11);
    expect([1, 2, 3, 4, 5, 6].map((p) => read(again, p))).toEqual([5, 1, 8, 3, 4, 5]);
    expect(again.checkpoint("truncate")).toEqual({ busy: false, log: 0, checkpointed: 0 });
    expect([1, 2, 3, 4, 5, 6].map((p) => read(again, p))).toEqual([5, 1, 8, 3, 4, 5]);
  });

  it("recovery follows aligned commits across its 1 MiB read batches", () => {
    const vfs = new MemoryVfs();
    const wal = open(vfs, { sectorSize: 512 });
    for (let i = 1; i <= 700; i++) wal.writeFrames([{ pgno: 1 + (i % 8), data: page(i & 0xff) }], 8);
    const again = open(vfs);
    expect(again.frameCount).toBe(700);
    expect([read(again, 1), read(again, 2)]).toEqual([696 & 0xff, 697 & 0xff]);
    expect(again.checkpoint().checkpointed).toBe(700);
    expect([read(again, 1), read(again, 2)]).toEqual([696 & 0xff, 697 & 0xff]);
  });

  /** Commit 1 synced, commit 2 in flight: every torn image must keep commit 1. */
  function lostFirstCommit(sectorSize: number): number {
    let lost = 0;
    const vfs = new SimVfs();
    const wal = open(vfs, { sectorSize });
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    wal.synchronous = "off";
    wal.writeFrames([{ pgno: 1, data: page(2) }, { pgno: 2, data: page(2) }], 2); // in flight
    for (let seed = 0; seed < 64; seed++) {
      const image = vfs.crash("lose-all", seed, { torn: { sectorSize: 512, mode: "garbage" } });
      const w = open(image);
      if (w.frameCount === 0) lost++;
      else expect(read(w, 1)).toBeGreaterThanOrEqual(1);
    }
    return lost;
  }

  it("keeps a synced commit when the next write tears the sector it ends in", () => {
    expect(lostFirstCommit(4096)).toBe(0);
    expect(lostFirstCommit(0)).toBeGreaterThan(0); // why commits are aligned
  });
});

describe("checkpoint", () => {
  it("never copies a frame newer than the oldest live snapshot, and finishes once it ends", () => {
    const vfs = new SimVfs();
    const wal = open(vfs, { sectorSize: 0 });
    wal.writeFrames([{ pgno: 1, data: page(1) }, { pgno: 2, data: page(2) }], 2); // frames 1-2
    const old = wal.beginRead();
    wal.writeFrames([{ pgno: 2, data: page(22) }, { pgno: 3, data: page(3) }], 3); // frames 3-4
    const r = wal.checkpoint("passive");
    expect(r).toEqual({ busy: false, log: 4, checkpointed: 2 });
    expect(wal.backfilledFrames).toBe(2);
    const db = vfs.snapshot(DB) as Uint8Array;
    expect(db[PS]).toBe(2); // page 2 as of the old snapshot, not 22
    expect(read(wal, 2, old)).toBe(2);
    expect(read(wal, 2)).toBe(22);
    expect(wal.checkpoint("full")).toEqual({ busy: true, log: 4, checkpointed: 2 });
    expect(wal.frameCount).toBe(4); // not reset while the snapshot needs the WAL
    wal.endRead(old);
    expect(wal.checkpoint("restart")).toEqual({ busy: false, log: 4, checkpointed: 4 });
    expect(wal.frameCount).toBe(0);
    expect((vfs.snapshot(DB) as Uint8Array).length).toBe(3 * PS);
    expect([read(wal, 1), read(wal, 2), read(wal, 3)]).toEqual([1, 22, 3]);
  });

  it("a snapshot taken on an empty WAL blocks copying, since it reads the db file", () => {
    const wal = open(new SimVfs());
    const s = wal.beginRead();
    expect(s.maxFrame).toBe(0);
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    expect(wal.checkpoint("full").busy).toBe(true);
    expect(read(wal, 1, s)).toBe(0);
    wal.endRead(s);
    expect(wal.checkpoint("full").busy).toBe(false);
  });

  it("syncs the WAL, copies, syncs the db file, and only then resets the WAL with new salts", () => {
    const vfs = new SimVfs();
    const wal = open(vfs);
    wal.synchronous = "normal";
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    const before = header(vfs);
    const [seq, salt1, salt2] = [before.getUint32(12), before.getUint32(16), before.getUint32(20)];
    const from = vfs.opCount();
    wal.checkpoint();
    const ops = vfs.trace().entries.filter((e) => e.seq > from && MUTATING_OPS.includes(e.op));
    expect(ops.map((e) => `${e.op} ${e.path}${e.offset !== undefined ? `@${e.offset}` : ""}`)).toEqual([
      `sync ${DB}-wal`,
      `write ${DB}@0`,
      `sync ${DB}`,
      `write ${DB}-wal@0`,
      `sync ${DB}-wal`,
    ]);
    const after = header(vfs);
    expect(after.getUint32(12)).toBe((seq + 1) >>> 0);
    expect([after.getUint32(16), after.getUint32(20)]).not.toEqual([salt1, salt2]);
  });

  it("TRUNCATE leaves an empty WAL file; the next commit writes a new header", () => {
    const vfs = new SimVfs();
    const wal = open(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    expect(wal.checkpoint("truncate")).toEqual({ busy: false, log: 0, checkpointed: 0 });
    expect((vfs.snapshot(`${DB}-wal`) as Uint8Array).length).toBe(0);
    wal.writeFrames([{ pgno: 1, data: page(5) }], 1);
    const again = open(vfs.crash("lose-all"));
    expect(read(again, 1)).toBe(5);
  });

  it("frames of an older generation left behind a failed header rewrite never count", () => {
    const vfs = new SimVfs();
    const wal = open(vfs, { sectorSize: 0 });
    for (let i = 1; i <= 4; i++) wal.writeFrames([{ pgno: i, data: page(i) }], i);
    vfs.fail({ op: "write", nth: 1, path: "-wal" });
    expect(codeOf(() => wal.checkpoint())).toBe("DB_IOERR"); // the reset failed, the copy did not
    expect(wal.error).toBe(null);
    const from = vfs.opCount();
    wal.synchronous = "normal"; // the commit itself is not synced: any sync seen is the header's
    wal.writeFrames([{ pgno: 1, data: page(9) }], 4);
    const ops = vfs.trace().entries.filter((e) => e.seq > from && MUTATING_OPS.includes(e.op));
    // The on-disk header still had the old salts: the new one is synced before frame 1 of the
    // old generation is overwritten (else a power cut could leave the old header with old frames
    // 2-4, stale next to the db file).
    expect(ops.map((e) => `${e.op} ${e.path}@${e.offset ?? ""}`)).toEqual([
      `write ${DB}-wal@0`,
      `sync ${DB}-wal@`,
      `write ${DB}-wal@32`,
    ]);
    for (const policy of ["keep-all", "lose-all"] as const) {
      const again = open(vfs.crash(policy));
      // frames 2-4 of the old generation are still in the file
      expect(again.frameCount).toBe(policy === "keep-all" ? 1 : 0);
      expect([1, 2, 3, 4].map((p) => read(again, p))).toEqual([policy === "keep-all" ? 9 : 1, 2, 3, 4]);
    }
  });
});

describe("files and reads", () => {
  it("syncs the directory after creating the db file and the WAL", () => {
    const vfs = new SimVfs();
    open(vfs);
    const image = vfs.crash("lose-all");
    expect(image.exists(DB)).toBe(true);
    expect(image.exists(`${DB}-wal`)).toBe(true);
  });

  it("recovery retries a short read, and never takes one for the end of the WAL", () => {
    const vfs = new SimVfs();
    const wal = open(vfs, { sectorSize: 0 });
    for (let i = 1; i <= 3; i++) wal.writeFrames([{ pgno: i, data: page(i) }], i);
    const once = vfs.crash("keep-all");
    once.fail({ op: "read", nth: 2, kind: "short" }); // the frame scan
    expect(open(once).frameCount).toBe(3);
    const always = vfs.crash("keep-all");
    always.fail({ op: "read", nth: 2, kind: "short", persistent: true });
    expect(codeOf(() => open(always))).toBe("DB_IOERR");
    const header = vfs.crash("keep-all");
    header.fail({ op: "read", nth: 1, kind: "short", persistent: true });
    expect(codeOf(() => open(header))).toBe("DB_IOERR"); // not "an empty WAL", which would be rewritten
  });

  it("a short read of a page is retried or reported, never half-zeroed", () => {
    const vfs = new SimVfs();
    const wal = open(vfs, { sectorSize: 0 });
    wal.writeFrames([{ pgno: 1, data: page(1) }, { pgno: 2, data: page(2) }], 2);
    wal.checkpoint();
    vfs.fail({ op: "read", nth: 1, kind: "short" });
    const buf = new Uint8Array(PS);
    wal.readPage(2, buf);
    expect(buf.every((b) => b === 2)).toBe(true);
    vfs.fail({ op: "read", nth: 1, kind: "short", persistent: true });
    expect(codeOf(() => wal.readPage(2, buf))).toBe("DB_IOERR");
  });
});

describe("a failed fsync", () => {
  it("refuses reads too when it may have dropped committed but unsynced frames", () => {
    const vfs = new SimVfs();
    const wal = open(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    wal.synchronous = "normal";
    wal.writeFrames([{ pgno: 1, data: page(2) }], 1); // committed, not synced
    vfs.fail({ op: "sync", nth: 1, fsyncMode: "error-drop" });
    expect(codeOf(() => wal.checkpoint())).toBe("DB_IOERR");
    expect(codeOf(() => wal.writeFrames([{ pgno: 1, data: page(3) }], 1))).toBe("DB_IOERR");
    expect(codeOf(() => read(wal, 1))).toBe("DB_IOERR"); // the frame it would read is gone
    wal.close();
    expect(read(open(vfs.crash("lose-all")), 1)).toBe(1);
  });

  it("keeps serving reads when every committed frame was durable", () => {
    const vfs = new SimVfs();
    const wal = open(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    vfs.fail({ op: "sync", nth: 1, fsyncMode: "error-drop" });
    expect(codeOf(() => wal.writeFrames([{ pgno: 1, data: page(2) }], 1))).toBe("DB_IOERR");
    expect(read(wal, 1)).toBe(1);
    expect(wal.error?.code).toBe("DB_IOERR");
  });

  it("is never retried: a later sync that would succeed is not trusted", () => {
    const vfs = new SimVfs();
    const wal = open(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }], 1);
    vfs.fail({ op: "sync", nth: 1, fsyncMode: "error-keep" });
    expect(codeOf(() => wal.writeFrames([{ pgno: 1, data: page(2) }], 1))).toBe("DB_IOERR");
    const syncs = vfs.opCount("sync");
    expect(codeOf(() => wal.checkpoint())).toBe("DB_IOERR");
    wal.close();
    expect(vfs.opCount("sync")).toBe(syncs);
  });
});

describe("after recovering a WAL whose last transaction was cut short", () => {
  /** A disk whose WAL holds commit A (synced), then transaction `tail` written but never synced, with one sector zeroed. */
  function cutShort(tail: { pgno: number; data: Uint8Array }[], zeroAt: (walSize: number) => number): SimVfs {
    const vfs = new SimVfs();
    const wal = open(vfs);
    wal.writeFrames([{ pgno: 1, data: page(1) }, { pgno: 2, data: page(1) }], 2); // commit A: frames 1-2, aligned
    wal.synchronous = "off";
    wal.writeFrames(tail, 2);
    const image = vfs.crash("keep-all");
    const f = image.open(`${DB}-wal`);
    const at = zeroAt(f.size());
    f.write(new Uint8Array(512), at - (at % 512));
    f.sync();
    f.close();
    return image;
  }

  /** Commits `frames` with synchronous=FULL, the power being cut at the commit's fsync (earlier fsyncs happen). */
  function commitCutAtSync(vfs: SimVfs, wal: Wal, frames: { pgno: number; data: Uint8Array }[]): void {
    let framesWritten = false;
    vfs.setOnOp((op) => {
      if (op.op === "write" && op.path.endsWith("-wal")) framesWritten = (op.length ?? 0) >= FRAME;
      else if (op.op === "sync" && op.path.endsWith("-wal") && framesWritten) throw new SimCrash();
      else if (op.op !== "read" && op.op !== "size") framesWritten = false;
    });
    expect(() => wal.writeFrames(frames, 2)).toThrow(SimCrash);
  }

  it("the frames of the cut transaction can never validate again, even if a retry rewrites their missing bytes", () => {
    // B = (page 2 = 2, page 1 = 9): its commit frame's last sector is lost. The retry B' writes
    // page 2 = 7 and the same page 1 = 9, so the missing bytes of B's commit frame are rewritten.
    const disk = cutShort([{ pgno: 2, data: page(2) }, { pgno: 1, data: page(9) }], (size) => size - 1);
    const wal = open(disk);
    expect(wal.frameCount).toBe(2); // A
    commitCutAtSync(disk, wal, [{ pgno: 2, data: page(7) }, { pgno: 1, data: page(9) }]); // B', in flight
    // A power cut in which only the sector that B was missing reaches the disk.
    const now = disk.snapshot(`${DB}-wal`) as Uint8Array;
    const image = disk.crash("lose-all");
    const bStart = Math.ceil((32 + 2 * FRAME) / PS) * PS; // A's commit was aligned
    const sector = Math.floor((bStart + 2 * FRAME - 1) / 512) * 512; // where B's commit frame ended
    const end = (image.snapshot(`${DB}-wal`) as Uint8Array).length;
    if (sector < now.length && sector < end) {
      const f = image.open(`${DB}-wal`);
      f.write(now.subarray(sector, Math.min(sector + 512, now.length)), sector);
      f.sync();
      f.close();
    }
    const again = open(image);
    expect([read(again, 1), read(again, 2)]).not.toEqual([9, 2]); // B itself: never acknowledged, dropped once
    expect([[1, 1], [9, 7]]).toContainEqual([read(again, 1), read(again, 2)]);
  });

  it("a last commit is not written over when the transaction after it was torn", () => {
    // The first sector of the cut transaction B (right after A's alignment boundary) is torn.
    const disk = cutShort([{ pgno: 2, data: page(5) }, { pgno: 1, data: page(5) }], () => Math.ceil((32 + 2 * FRAME) / PS) * PS);
    for (let seed = 0; seed < 16; seed++) {
      const vfs = disk.crash("keep-all");
      const wal = open(vfs);
      expect(wal.frameCount).toBe(2); // A
      commitCutAtSync(vfs, wal, [{ pgno: 2, data: page(6) }, { pgno: 1, data: page(6) }]); // C, in flight
      const again = open(vfs.crash("lose-all", seed, { torn: { sectorSize: 512, mode: "garbage", fraction: 1 } }));
      expect([[1, 1], [6, 6]]).toContainEqual([read(again, 1), read(again, 2)]); // A survives
    }
  });
});

describe("format versions", () => {
  /** A version-1 WAL (written by the previous release): header, then one commit of `pages`, frames back to back. */
  function versionOneWal(pages: number[]): Uint8Array {
    const out = new Uint8Array(32 + pages.length * FRAME);
    const v = new DataView(out.buffer);
    v.setUint32(0, 0x40444257);
    v.setUint32(4, 1);
    v.setUint32(8, PS);
    v.setUint32(12, 1);
    v.setUint32(16, 0x1234);
    v.setUint32(20, 0x5678);
    const running = checksum(out, 0, 24);
    v.setUint32(24, running.s0);
    v.setUint32(28, running.s1);
    pages.forEach((fill, i) => {
      const off = 32 + i * FRAME;
      v.setUint32(off, i + 1);
      v.setUint32(off + 4, i === pages.length - 1 ? pages.length : 0);
      v.setUint32(off + 8, 0x1234);
      v.setUint32(off + 12, 0x5678);
      out.fill(fill, off + 24, off + FRAME);
      checksumUpdate(running, out, off, 8);
      checksumUpdate(running, out, off + 24, PS);
      v.setUint32(off + 16, running.s0);
      v.setUint32(off + 20, running.s1);
    });
    return out;
  }

  it("reads a version-1 WAL, and checkpoints it before appending, so the new header says version 2", () => {
    const vfs = new MemoryVfs();
    vfs.open(DB, { create: true }).close();
    const f = vfs.open(`${DB}-wal`, { create: true });
    f.write(versionOneWal([1, 2]), 0);
    const again = open(vfs);
    expect(again.frameCount).toBe(2);
    expect([read(again, 1), read(again, 2)]).toEqual([1, 2]);
    again.writeFrames([{ pgno: 2, data: page(3) }], 2);
    const head = new Uint8Array(32);
    f.read(head, 0);
    expect(new DataView(head.buffer).getUint32(4)).toBe(2);
    expect(again.frameCount).toBe(1); // the version-1 frames were checkpointed first
    expect([read(again, 1), read(again, 2)]).toEqual([1, 3]);
    f.close();
  });

  it("refuses a commit size that does not fit the commit-size field", () => {
    const wal = open(new MemoryVfs());
    expect(codeOf(() => wal.writeFrames([{ pgno: 1, data: page(1) }], 2 ** 31))).toBe("DB_FULL");
    expect(wal.frameCount).toBe(0);
  });
});
