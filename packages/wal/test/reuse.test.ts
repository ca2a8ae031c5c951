/**
 * WAL reuse in place: a checkpoint's reset keeps the file, writes a header with new salts and the
 * next generation overwrites the old frames from the start (FORMAT.md, "Checkpoint" step 6).
 * Recovery must stop at the first frame left over from the previous generation.
 */
import { describe, expect, it } from "vitest";
import { MUTATING_OPS, SimCrash, SimVfs, type CrashPolicy } from "@db/vfs/testing";
import { DbError, Wal } from "../src/index.js";
import { DB, FRAME, PS, open, page, read } from "./helpers.js";

function walBytes(vfs: SimVfs): number {
  return (vfs.snapshot(`${DB}-wal`) as Uint8Array).length;
}

/**
 * Generation 1: page 2 is written as 1, 2, ..., 6 (one commit each, the first with page 1), then
 * checkpointed, so the db
 * file holds page 2 = 6 and the WAL file still holds six valid-looking frames of generation 1.
 * Replaying any prefix of them would take page 2 back to an older value.
 */
function oldGeneration(opts: Parameters<typeof Wal.open>[2] = {}): { vfs: SimVfs; wal: Wal } {
  const vfs = new SimVfs();
  const wal = open(vfs, { sectorSize: 0, ...opts });
  wal.writeFrames([{ pgno: 1, data: page(1) }, { pgno: 2, data: page(1) }], 2);
  for (let v = 2; v <= 6; v++) wal.writeFrames([{ pgno: 2, data: page(v) }], 2);
  expect(wal.frameCount).toBe(7);
  const bytes = walBytes(vfs); // more than 32 + 7 frames if commits were aligned
  expect(bytes).toBeGreaterThanOrEqual(32 + 7 * FRAME);
  wal.checkpoint();
  expect(wal.frameCount).toBe(0);
  expect(walBytes(vfs)).toBe(bytes);
  return { vfs, wal };
}

describe("WAL reuse in place", () => {
  it("a reset rewrites the header and keeps the file; the next frames overwrite it from the start", () => {
    const { vfs, wal } = oldGeneration();
    const from = vfs.opCount();
    wal.writeFrames([{ pgno: 3, data: page(30) }], 3);
    const ops = vfs.trace().entries.filter((e) => e.seq > from && MUTATING_OPS.includes(e.op));
    expect(ops.map((e) => `${e.op}@${e.offset ?? ""}`)).toEqual(["write@32", "sync@"]); // no header, no truncate
    expect(walBytes(vfs)).toBe(32 + 7 * FRAME);
  });

  it("recovery stops at the first stale frame of the previous generation", () => {
    const { vfs, wal } = oldGeneration();
    // Generation 2 writes byte-identical page images in the same slots: only the salts (and the
    // chain seeded from the new header) tell the generations apart.
    wal.writeFrames([{ pgno: 1, data: page(1) }, { pgno: 2, data: page(1) }], 2);
    for (const policy of ["keep-all", "lose-all"] as const) {
      const again = open(vfs.crash(policy));
      expect(again.frameCount).toBe(2); // frames 3-7 of generation 1 are stale
      expect(read(again, 2)).toBe(1);
      again.close();
    }
    wal.writeFrames([{ pgno: 3, data: page(3) }], 3);
    const again = open(vfs.crash("keep-all"));
    expect(again.frameCount).toBe(3);
    expect([read(again, 1), read(again, 2), read(again, 3)]).toEqual([1, 1, 3]);
  });

  it("a stale tail of the previous generation is harmless on reopen, and is written over", () => {
    const { vfs, wal } = oldGeneration();
    wal.writeFrames([{ pgno: 3, data: page(30) }], 3);
    const image = vfs.crash("keep-all");
    const again = open(image);
    expect(again.frameCount).toBe(1);
    again.writeFrames([{ pgno: 4, data: page(40) }], 4);
    again.writeFrames([{ pgno: 2, data: page(20) }], 4);
    const third = open(image.crash("lose-all"));
    expect([2, 3, 4].map((p) => read(third, p))).toEqual([20, 30, 40]);
  });

  /**
   * A power cut at every mutating operation of generation 2, with torn sectors: the recovered
   * state is generation 1's final state plus a prefix of generation 2's commits (with FULL, at
   * least those acknowledged), never a page from a frame of generation 1 that the db file has
   * overtaken. NORMAL matters most here: nothing orders the overwrites, so a power cut can keep a
   * later write and lose an earlier one.
   */
  it.each(["full", "normal"] as const)("a power cut while overwriting never revives a frame of the previous generation (%s)", (sync) => {
    const commits: [number, number][] = [[3, 31], [2, 21], [4, 41], [3, 32], [2, 22], [5, 51]];
    const states: number[][] = [[6, 0, 0, 0]]; // pages 2..5 after each commit of generation 2
    for (const [pgno, v] of commits) {
      const s = [...states[states.length - 1]];
      s[pgno - 2] = v;
      states.push(s);
    }
    const run = (vfs: SimVfs, wal: Wal, acked: { n: number }) => {
      let size = 2;
      for (const [pgno, v] of commits) {
        size = Math.max(size, pgno); // pages are written in order of first use, as the pager allocates
        wal.writeFrames([{ pgno, data: page(v) }], size);
        acked.n++;
      }
    };
    const opts = { sectorSize: 512, synchronous: sync };
    const probe = oldGeneration(opts);
    const start = probe.vfs.opCount(MUTATING_OPS);
    run(probe.vfs, probe.wal, { n: 0 });
    const points = probe.vfs.opCount(MUTATING_OPS) - start;
    expect(points).toBeGreaterThanOrEqual(commits.length);
    let images = 0;
    for (let at = 1; at <= points + 1; at++) {
      const { vfs, wal } = oldGeneration(opts);
      vfs.setCrashAt(at, MUTATING_OPS); // points + 1: the power is cut after the last operation
      const acked = { n: 0 };
      if (at <= points) expect(() => run(vfs, wal, acked)).toThrow(SimCrash);
      else run(vfs, wal, acked);
      for (const policy of ["lose-all", "keep-all", "prefix", "random-subset"] as CrashPolicy[]) {
        for (let seed = 1; seed <= 12; seed++) {
          const image = vfs.crash(policy, seed, { torn: { sectorSize: 512, mode: "mixed", fraction: 0.5 } });
          const again = open(image, { sectorSize: 512 });
          const got = [2, 3, 4, 5].map((p) => read(again, p));
          const k = states.findIndex((s) => s.every((v, i) => v === got[i]));
          expect(k, `crash at ${at}, ${policy} seed ${seed}: pages 2-5 = ${got}`).toBeGreaterThanOrEqual(sync === "full" ? acked.n : 0);
          expect(k).toBeLessThanOrEqual(acked.n + 1);
          again.close();
          images++;
        }
      }
    }
    expect(images).toBeGreaterThan(100);
  });
});

describe("checkpoint checks of a reused WAL", () => {
  it("a write the disk dropped after a silent fsync failure is caught before the db file is touched", () => {
    const { vfs, wal } = oldGeneration({ synchronous: "normal" });
    wal.writeFrames([{ pgno: 2, data: page(7) }], 2);
    wal.writeFrames([{ pgno: 3, data: page(8) }], 3);
    const db = vfs.snapshot(DB) as Uint8Array;
    // The checkpoint's WAL fsync "succeeds" but the kernel dropped the two frames: reads now see
    // what the disk holds there, generation 1's frames.
    vfs.fail({ op: "sync", nth: 1, path: "-wal", fsyncMode: "late" });
    let error: unknown = null;
    try {
      wal.checkpoint();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DbError);
    expect((error as DbError).subcode).toBe("DB_IOERR_LOST_WRITE");
    expect(vfs.snapshot(DB)).toEqual(db); // not a byte copied
    expect(wal.error).not.toBe(null); // poisoned, reads too
    expect(() => read(wal, 2)).toThrow(DbError);
  });

  it("with FULL every frame was covered by a commit's fsync: the checkpoint reads only what it copies", () => {
    const { vfs, wal } = oldGeneration({ autocheckpointFrames: 0 });
    for (let v = 0; v < 5; v++) wal.writeFrames([{ pgno: 2, data: page(10 + v) }], 2);
    const from = vfs.opCount();
    wal.checkpoint();
    const reads = vfs.trace().entries.filter((e) => e.seq > from && e.op === "read" && e.path.endsWith("-wal"));
    expect(reads.length).toBe(1); // page 2's newest frame
    expect((vfs.snapshot(DB) as Uint8Array)[PS]).toBe(14);
  });

  it("with NORMAL the checkpoint reads its frames once, in one call, to check and to copy them", () => {
    const { vfs, wal } = oldGeneration({ synchronous: "normal", autocheckpointFrames: 0 });
    for (let v = 0; v < 5; v++) wal.writeFrames([{ pgno: 2 + (v % 2), data: page(10 + v) }], 3);
    const from = vfs.opCount();
    wal.checkpoint();
    const reads = vfs.trace().entries.filter((e) => e.seq > from && e.op === "read" && e.path.endsWith("-wal"));
    expect(reads.length).toBe(1);
    const db = vfs.snapshot(DB) as Uint8Array;
    expect([db[PS], db[2 * PS]]).toEqual([14, 13]);
  });

  it("a span too large for one read is checked and copied in runs, and a lost write is still caught", () => {
    const ps = 65536;
    const frames = 140; // 140 x (24 + 64 KiB): past the 8 MiB a checkpoint reads in one call
    const big = (v: number) => new Uint8Array(ps).fill(v);
    const setup = () => {
      const vfs = new SimVfs();
      const wal = Wal.open(vfs, DB, { create: true, synchronous: "normal", autocheckpointFrames: 0, sectorSize: 0 });
      wal.setPageSize(ps);
      wal.writeFrames([{ pgno: 1, data: big(1) }], 1);
      wal.checkpoint(); // generation 2 overwrites nothing yet; grow the file first
      for (let i = 0; i < frames; i++) wal.writeFrames([{ pgno: 2 + (i % 7), data: big(i + 1) }], 8);
      return { vfs, wal };
    };
    const { vfs, wal } = setup();
    const from = vfs.opCount();
    wal.checkpoint();
    const reads = vfs.trace().entries.filter((e) => e.seq > from && e.op === "read" && e.path.endsWith("-wal"));
    expect(reads.length).toBeGreaterThan(2);
    const db = vfs.snapshot(DB) as Uint8Array;
    for (let p = 2; p <= 8; p++) {
      const last = frames - 1 - ((frames - 1 - (p - 2)) % 7); // the last i with 2 + i % 7 = p
      expect(db[(p - 1) * ps], `page ${p}`).toBe((last + 1) & 0xff);
    }
    // A second generation over the first: a silently dropped write leaves a generation-1 frame.
    for (let i = 0; i < frames; i++) wal.writeFrames([{ pgno: 2 + (i % 7), data: big(200) }], 8);
    vfs.fail({ op: "sync", nth: 1, path: "-wal", fsyncMode: "late" });
    const before = vfs.snapshot(DB) as Uint8Array;
    let error: unknown = null;
    try {
      wal.checkpoint();
    } catch (e) {
      error = e;
    }
    expect((error as DbError).subcode).toBe("DB_IOERR_LOST_WRITE");
    expect(vfs.snapshot(DB)).toEqual(before);
  });
});
