import { describe, expect, it } from "vitest";
import { FrameIndex } from "../src/frame-index.js";

/** The obvious index: a list of frames and a list of commits, searched backwards. */
class Reference {
  frames: { pgno: number; offset: number }[] = [];
  commits: { frame: number; dbSize: number; aligned: boolean }[] = [];
  lookup(pgno: number, maxFrame: number): number {
    for (let f = Math.min(maxFrame, this.frames.length); f >= 1; f--) if (this.frames[f - 1].pgno === pgno) return f;
    return 0;
  }
  dbSizeAt(maxFrame: number): number | null {
    for (let i = this.commits.length - 1; i >= 0; i--) if (this.commits[i].frame <= maxFrame) return this.commits[i].dbSize;
    return null;
  }
  isAlignedCommit(frame: number): boolean {
    return this.commits.some((c) => c.frame === frame && c.aligned);
  }
  latestSince(after: number, upTo: number): [number, number][] {
    const pages = new Set(this.frames.map((f) => f.pgno));
    return [...pages].map((p) => [p, this.lookup(p, upTo)] as [number, number]).filter(([, f]) => f > after).sort((a, b) => a[0] - b[0]);
  }
}

describe("FrameIndex", () => {
  it("answers as the obvious index does through appends, commits, truncations and clears (seeded)", () => {
    const seed = Number(process.env.SEED ?? 20261121);
    let x = seed >>> 0;
    const rand = (n: number) => {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      return x % n;
    };
    const idx = new FrameIndex();
    let ref = new Reference();
    for (let step = 0; step < 20000; step++) {
      const r = rand(100);
      if (r < 70) {
        const pgno = 1 + rand(rand(10) === 0 ? 2000 : 40);
        const offset = 32 + ref.frames.length * 4120 + rand(3) * 4096;
        idx.append(pgno, offset);
        ref.frames.push({ pgno, offset });
        if (rand(3) === 0) {
          const dbSize = 1 + rand(5000);
          const aligned = rand(2) === 0;
          idx.markCommit(dbSize, aligned);
          ref.commits.push({ frame: ref.frames.length, dbSize, aligned });
        }
      } else if (r < 80) {
        const to = rand(ref.frames.length + 1);
        idx.truncate(to);
        ref.frames.length = to;
        ref.commits = ref.commits.filter((c) => c.frame <= to);
      } else if (r < 81) {
        idx.clear();
        ref = new Reference();
      } else {
        const n = ref.frames.length;
        expect(idx.frames, `seed ${seed} step ${step}`).toBe(n);
        for (let k = 0; k < 5; k++) {
          const pgno = 1 + rand(45);
          const maxFrame = rand(n + 2);
          expect(idx.lookup(pgno, maxFrame), `seed ${seed} step ${step}: lookup(${pgno}, ${maxFrame})`).toBe(ref.lookup(pgno, maxFrame));
          expect(idx.dbSizeAt(maxFrame)).toBe(ref.dbSizeAt(maxFrame));
          expect(idx.isAlignedCommit(maxFrame)).toBe(ref.isAlignedCommit(maxFrame));
          if (maxFrame >= 1 && maxFrame <= n) {
            expect(idx.pgnoOf(maxFrame)).toBe(ref.frames[maxFrame - 1].pgno);
            expect(idx.offsetOf(maxFrame)).toBe(ref.frames[maxFrame - 1].offset);
          }
        }
        if (rand(20) === 0) {
          const after = rand(n + 1);
          const upTo = after + rand(n - after + 1);
          expect(idx.latestSince(after, upTo)).toEqual(ref.latestSince(after, upTo));
        }
      }
    }
  });
});
