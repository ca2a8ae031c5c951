/**
 * In-memory index of the WAL: for each page, the frame numbers (1-based, ascending) that hold a
 * version of it; for each frame its byte offset in the file (frames are contiguous except after
 * an aligned commit, FORMAT.md "Aligned commits"); and for each commit frame the database size
 * it committed.
 *
 * Like SQLite's wal-index, each page maps to its newest frame and each frame links to the
 * previous frame of the same page, all in typed arrays that keep their capacity across WAL
 * generations: appending a frame or a commit allocates nothing (an autocommit would otherwise
 * leave an array per page and an object per commit for the GC, ~0.8 KB a commit).
 */
/** Frame capacity `clear` keeps (16 bytes a frame): room for the default autocheckpoint's 1000 and more. */
const KEPT_FRAMES = 16384;

export class FrameIndex {
  /** Newest frame holding each page. */
  private readonly newest = new Map<number, number>();
  /** Frames indexed: frame f (1..count) is at index f - 1 of the arrays below. */
  private count = 0;
  private pgnos = new Int32Array(64);
  /** Byte offsets in the WAL file (Float64: a WAL may pass 2 GiB). */
  private offsets = new Float64Array(64);
  /** The previous frame holding the same page, 0 if none. */
  private prev = new Int32Array(64);
  /** Commit frames in ascending order, the database size each committed, and its alignment flag. */
  private commitCount = 0;
  private commitFrames = new Int32Array(16);
  private commitSizes = new Int32Array(16);
  private commitAligned = new Uint8Array(16);

  /** Number of frames indexed. */
  get frames(): number {
    return this.count;
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
    if (this.count === this.pgnos.length) this.growFrames();
    const i = this.count++;
    this.pgnos[i] = pgno;
    this.offsets[i] = offset;
    this.prev[i] = this.newest.get(pgno) ?? 0;
    this.newest.set(pgno, this.count);
  }

  /** Marks the last appended frame as a commit frame for a database of `dbSize` pages. */
  markCommit(dbSize: number, aligned: boolean): void {
    if (this.commitCount === this.commitFrames.length) this.growCommits();
    const i = this.commitCount++;
    this.commitFrames[i] = this.count;
    this.commitSizes[i] = dbSize;
    this.commitAligned[i] = aligned ? 1 : 0;
  }

  /** True if `frame` is a commit frame written as an aligned commit. */
  isAlignedCommit(frame: number): boolean {
    for (let i = this.commitCount - 1; i >= 0; i--) {
      const f = this.commitFrames[i];
      if (f <= frame) return f === frame && this.commitAligned[i] === 1;
    }
    return false;
  }

  /** Newest frame <= `maxFrame` holding `pgno`, or 0 if none. */
  lookup(pgno: number, maxFrame: number): number {
    let f = this.newest.get(pgno) ?? 0;
    while (f > maxFrame) f = this.prev[f - 1];
    return f;
  }

  /** Database size (pages) committed by the newest commit frame <= `maxFrame`, or null if none. */
  dbSizeAt(maxFrame: number): number | null {
    for (let i = this.commitCount - 1; i >= 0; i--) {
      if (this.commitFrames[i] <= maxFrame) return this.commitSizes[i];
    }
    return null;
  }

  /** Forgets every frame after `maxFrame`. */
  truncate(maxFrame: number): void {
    while (this.count > maxFrame) {
      const i = --this.count;
      const before = this.prev[i];
      if (before === 0) this.newest.delete(this.pgnos[i]);
      else this.newest.set(this.pgnos[i], before);
    }
    while (this.commitCount > 0 && this.commitFrames[this.commitCount - 1] > maxFrame) this.commitCount--;
  }

  /** Pages with a frame in (`after`, `upTo`], each with its newest frame <= `upTo`, sorted by pgno. */
  latestSince(after: number, upTo: number): [number, number][] {
    const out: [number, number][] = [];
    for (const pgno of this.newest.keys()) {
      const frame = this.lookup(pgno, upTo);
      if (frame > after) out.push([pgno, frame]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  /**
   * Forgets every frame. The arrays keep their capacity for the next generation, up to
   * KEPT_FRAMES frames (a huge transaction's index is not kept for the life of the connection).
   */
  clear(): void {
    this.newest.clear();
    this.count = 0;
    this.commitCount = 0;
    if (this.pgnos.length > KEPT_FRAMES) {
      this.pgnos = new Int32Array(KEPT_FRAMES);
      this.offsets = new Float64Array(KEPT_FRAMES);
      this.prev = new Int32Array(KEPT_FRAMES);
    }
    if (this.commitFrames.length > KEPT_FRAMES) {
      this.commitFrames = new Int32Array(KEPT_FRAMES);
      this.commitSizes = new Int32Array(KEPT_FRAMES);
      this.commitAligned = new Uint8Array(KEPT_FRAMES);
    }
  }

  private growFrames(): void {
    const n = this.pgnos.length * 2;
    this.pgnos = grown(this.pgnos, new Int32Array(n));
    this.offsets = grown(this.offsets, new Float64Array(n));
    this.prev = grown(this.prev, new Int32Array(n));
  }

  private growCommits(): void {
    const n = this.commitFrames.length * 2;
    this.commitFrames = grown(this.commitFrames, new Int32Array(n));
    this.commitSizes = grown(this.commitSizes, new Int32Array(n));
    this.commitAligned = grown(this.commitAligned, new Uint8Array(n));
  }
}

function grown<T extends Int32Array | Float64Array | Uint8Array>(old: T, into: T): T {
  into.set(old);
  return into;
}
