/**
 * Pages spilled again by the same open transaction overwrite their frame in place; the checksum
 * chain from the first overwritten frame on is redone (without reading frames) before the
 * commit frame is written. Recovery must then accept exactly the committed transaction.
 */
import { describe, expect, it } from "vitest";
import { MUTATING_OPS, SimCrash, SimVfs, type CrashPolicy } from "@db/vfs/testing";
import { DbError, Wal, type WalFrame } from "../src/index.js";
import { FRAME, open, page, read } from "./helpers.js";

function frames(...pairs: [number, number][]): WalFrame[] {
  return pairs.map(([pgno, fill]) => ({ pgno, data: page(fill) }));
}

/** Commit A (pages 1-3 = 1), then a transaction B spilling page 2 three times around other pages. */
function transactionB(wal: Wal): void {
  wal.writeFrames(frames([2, 20], [3, 30], [4, 40]), 0); // spill
  wal.writeFrames(frames([2, 21], [5, 50]), 0); // page 2 again: overwritten in place
  wal.writeFrames(frames([3, 31], [2, 22]), 0); // both again
  wal.writeFrames(frames([6, 60], [1, 9]), 6); // commit
}

describe("overwriting the open transaction's frames", () => {
  it("keeps one frame per page, and recovery accepts the redone chain", () => {
    const vfs = new SimVfs();
    const wal = open(vfs, { sectorSize: 0 });
    wal.writeFrames(frames([1, 1], [2, 1], [3, 1]), 3);
    transactionB(wal);
    expect(wal.frameCount).toBe(3 + 5 + 1); // pages 2, 3, 4, 5, 6 once each, then the commit frame
    const expected = [9, 22, 31, 40, 50, 60];
    expect([1, 2, 3, 4, 5, 6].map((p) => read(wal, p))).toEqual(expected);
    for (const policy of ["keep-all", "lose-all"] as const) {
      const again = open(vfs.crash(policy));
      expect(again.frameCount).toBe(9); // every frame valid: the chain was redone
      expect([1, 2, 3, 4, 5, 6].map((p) => read(again, p))).toEqual(expected);
      again.close();
    }
  });

  it("writes the chain checksum of each frame from the first overwritten one, and only those", () => {
    const vfs = new SimVfs();
    const wal = open(vfs, { sectorSize: 0 });
    wal.writeFrames(frames([1, 1], [2, 1], [3, 1]), 3);
    wal.writeFrames(frames([2, 20], [3, 30], [4, 40]), 0); // frames 4-6
    const from = vfs.opCount();
    wal.writeFrames(frames([3, 31]), 0); // overwrites frame 5
    wal.writeFrames(frames([1, 9]), 4);
    const writes = vfs.trace().entries.filter((e) => e.seq > from && e.op === "write");
    const at = (frame: number) => 32 + (frame - 1) * FRAME;
    expect(writes.map((e) => [e.offset, e.length])).toEqual([
      [at(5), FRAME], // the overwrite
      [at(5) + 16, 8], // chain of frames 5 and 6
      [at(6) + 16, 8],
      [at(7), FRAME], // the commit frame
    ]);
  });

  it("a rollback forgets the overwritten frames; the next transaction chains from the last commit", () => {
    const vfs = new SimVfs();
    const wal = open(vfs, { sectorSize: 0 });
    wal.writeFrames(frames([1, 1], [2, 1]), 2);
    wal.writeFrames(frames([2, 20], [1, 10]), 0);
    wal.writeFrames(frames([2, 21]), 0);
    wal.rollback();
    wal.writeFrames(frames([2, 5]), 2);
    const again = open(vfs.crash("keep-all"));
    expect(again.frameCount).toBe(3);
    expect([read(again, 1), read(again, 2)]).toEqual([1, 5]);
  });

  it("a failed overwrite is redone by writing the page again, and the commit is valid", () => {
    const vfs = new SimVfs();
    const wal = open(vfs, { sectorSize: 0 });
    wal.writeFrames(frames([1, 1], [2, 1]), 2);
    wal.writeFrames(frames([2, 20], [3, 30]), 0);
    vfs.fail({ op: "write", nth: 1, path: "-wal" });
    expect(() => wal.writeFrames(frames([2, 21]), 0)).toThrow(DbError);
    wal.writeFrames(frames([2, 22]), 0); // the caller writes the page again (the pager keeps it dirty)
    wal.writeFrames(frames([1, 9]), 3);
    const again = open(vfs.crash("keep-all"));
    expect(again.frameCount).toBe(5);
    expect([1, 2, 3].map((p) => read(again, p))).toEqual([9, 22, 30]);
  });

  it("a power cut at any point of such a transaction leaves it whole or absent", () => {
    const probe = new SimVfs();
    const pw = open(probe, { sectorSize: 512 });
    pw.writeFrames(frames([1, 1], [2, 1], [3, 1]), 3);
    const start = probe.opCount(MUTATING_OPS);
    transactionB(pw);
    const points = probe.opCount(MUTATING_OPS) - start;
    const before = [1, 1, 1, 0, 0, 0];
    const after = [9, 22, 31, 40, 50, 60];
    let images = 0;
    for (let at = 1; at <= points; at++) {
      const vfs = new SimVfs();
      const wal = open(vfs, { sectorSize: 512 });
      wal.writeFrames(frames([1, 1], [2, 1], [3, 1]), 3);
      vfs.setCrashAt(at, MUTATING_OPS);
      expect(() => transactionB(wal)).toThrow(SimCrash);
      for (const policy of ["lose-all", "keep-all", "prefix", "random-subset"] as CrashPolicy[]) {
        for (let seed = 1; seed <= 6; seed++) {
          const again = open(vfs.crash(policy, seed, { torn: { sectorSize: 512, mode: "mixed" } }), { sectorSize: 512 });
          const got = [1, 2, 3, 4, 5, 6].map((p) => (p <= again.dbSizePages() ? read(again, p) : 0));
          expect([before, after], `crash at ${at}, ${policy} seed ${seed}`).toContainEqual(got);
          images++;
        }
      }
    }
    expect(images).toBeGreaterThan(200);
  });
});
