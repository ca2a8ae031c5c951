/**
 * In-memory index of the WAL: for each page, the frame numbers (1-based, ascending) that hold a
 * version of it; for each frame its byte offset in the file (frames are contiguous except after
 * an aligned commit, FORMAT.md "Aligned commits"); and for each commit frame the database size
 * it committed.
 */
export class FrameIndex {
  private readonly byPage = new Map<number, number[]>();
  /** pgno of frame f is `pgnos[f - 1]`. */
  private readonly pgnos: number[] = [];
  /** Byte offset of frame f in the WAL file is `offsets[f - 1]`. */
  private readonly offsets: number[] = [];
  /** Commit frames in ascending order, with the database size (pages) each committed. */
  private readonly commits: { frame: number; dbSize: number; aligned: boolean }[] = [];

  /** Number of frames indexed. */
  get frames(): number {
    return this.pgnos.length;
  }

  /** Page number held by frame `frame` (1..frames). */
  pgnoOf(frame: number): number {
    return this.pgnos[frame - 1];
  }

  /** Byte offset of frame `frame` (1..frames) in the WAL file. */
  offsetOf(frame: number): number {
    return this.offsets[frame - 1];
  }

  /** Records that the next frame (number `frames + 1`), at byte `offset`, holds page `pgno`. */
  append(pgno: number, offset: number): void {
    this.pgnos.push(pgno);
    this.offsets.push(offset);
    const list = this.byPage.get(pgno);
    if (list === undefined) this.byPage.set(pgno, [this.pgnos.length]);
    else list.push(this.pgnos.length);
  }

  /** Marks the last appended frame as a commit frame for a database of `dbSize` pages. */
  markCommit(dbSize: number, aligned: boolean): void {
    this.commits.push({ frame: this.pgnos.length, dbSize, aligned });
  }

  /** True if `frame` is a commit frame written as an aligned commit. */
  isAlignedCommit(frame: number): boolean {
    for (let i = this.commits.length - 1; i >= 0; i--) {
      const c = this.commits[i];
      if (c.frame <= frame) return c.frame === frame && c.aligned;
    }
    return false;
  }

  /** Newest frame <= `maxFrame` holding `pgno`, or 0 if none. */
  lookup(pgno: number, maxFrame: number): number {
    const list = this.byPage.get(pgno);
    if (list === undefined) return 0;
    for (let i = list.length - 1; i >= 0; i--) if (list[i] <= maxFrame) return list[i];
    return 0;
  }

  /** Database size (pages) committed by the newest commit frame <= `maxFrame`, or null if none. */
  dbSizeAt(maxFrame: number): number | null {
    for (let i = this.commits.length - 1; i >= 0; i--) {
      if (this.commits[i].frame <= maxFrame) return this.commits[i].dbSize;
    }
    return null;
  }

  /** Forgets every frame after `maxFrame`. */
  truncate(maxFrame: number): void {
    while (this.pgnos.length > maxFrame) {
      const pgno = this.pgnos.pop() as number;
      this.offsets.pop();
      const list = this.byPage.get(pgno) as number[];
      list.pop();
      if (list.length === 0) this.byPage.delete(pgno);
    }
    while (this.commits.length > 0 && this.commits[this.commits.length - 1].frame > maxFrame) this.commits.pop();
  }

  /** Pages with a frame in (`after`, `upTo`], each with its newest frame <= `upTo`, sorted by pgno. */
  latestSince(after: number, upTo: number): [number, number][] {
    const out: [number, number][] = [];
    for (const pgno of this.byPage.keys()) {
      const frame = this.lookup(pgno, upTo);
      if (frame > after) out.push([pgno, frame]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  clear(): void {
    this.byPage.clear();
    this.pgnos.length = 0;
    this.offsets.length = 0;
    this.commits.length = 0;
  }
}
