import { corruptError, DbError, type Vfs, type VfsFile } from "@db/vfs";
import type { ChecksumState } from "./checksum.js";
import { FrameIndex } from "./frame-index.js";
import {
  encodeFrame,
  encodeWalHeader,
  FRAME_HEADER_SIZE,
  isValidPageSize,
  nextWalHeader,
  WAL_HEADER_SIZE,
  type WalHeader,
} from "./format.js";
import { recoverWal } from "./recover.js";

/** Checkpoint writes adjacent pages to the db file in runs of up to this many bytes. */
const CHECKPOINT_BATCH_BYTES = 1 << 20;

/** A reader's view of the database: frames 1..maxFrame of the WAL (0: the db file alone). */
export interface Snapshot {
  maxFrame: number;
}

/** When the WAL is fsynced: every commit ("full"), only at checkpoint ("normal"), never ("off"). */
export type Synchronous = "full" | "normal" | "off";

export interface WalOpenOptions {
  /** Create the database file if missing (default false: DB_CANTOPEN). */
  create?: boolean;
  /** Open read-only: no writes, no checkpoint, the WAL file is never created. */
  readonly?: boolean;
  /** The pager checkpoints after a commit once the WAL holds this many frames (default 1000; 0 = never). */
  autocheckpointFrames?: number;
  /** Initial value of `Wal.synchronous` (default "full"). */
  synchronous?: Synchronous;
}

/** One page to append: `data` is exactly `pageSize` bytes. */
export interface WalFrame {
  pgno: number;
  data: Uint8Array;
}

/**
 * The write-ahead log of one database file (`<dbPath>-wal`), see ../FORMAT.md.
 * Not safe for concurrent use by several processes (there is no file locking).
 * Errors: DbError DB_IOERR / DB_FULL from the OS, DB_READONLY, DB_MISUSE for API misuse,
 * and DB_IOERR "connection must be reopened" for any write after a failed fsync.
 */
export class Wal {
  readonly dbPath: string;
  readonly walPath: string;
  readonly readonly: boolean;
  readonly autocheckpointFrames: number;
  synchronous: Synchronous;

  private _pageSize: number | null = null;
  private header: WalHeader | null;
  /** True while the on-disk header's salts have not been used by any frame on disk. */
  private headerFresh = false;
  private index: FrameIndex;
  /** Frames written, committed or not (the next frame is number mxFrame + 1). */
  private mxFrame: number;
  /** The last commit frame (0: none). */
  private lastCommit: number;
  /** Cumulative checksum after frame mxFrame, and after frame lastCommit. */
  private running: ChecksumState;
  private committedRunning: ChecksumState;
  private readonly snapshots = new Set<Snapshot>();
  private failure: DbError | null = null;
  private closed = false;

  private constructor(
    private readonly vfs: Vfs,
    private readonly db: VfsFile,
    private readonly walFile: VfsFile | null,
    dbPath: string,
    options: WalOpenOptions,
  ) {
    this.dbPath = dbPath;
    this.walPath = `${dbPath}-wal`;
    this.readonly = options.readonly ?? false;
    this.autocheckpointFrames = options.autocheckpointFrames ?? 1000;
    this.synchronous = options.synchronous ?? "full";
    const found = walFile === null ? null : recoverWal(walFile);
    this.header = found?.header ?? null;
    this.index = found?.index ?? new FrameIndex();
    this.mxFrame = this.lastCommit = this.index.frames;
    this.running = found?.running ?? { s0: 0, s1: 0 };
    this.committedRunning = { ...this.running };
    if (this.header !== null && this.lastCommit > 0) this._pageSize = this.header.pageSize;
  }

  /**
   * Opens `<dbPath>-wal` beside `dbPath` (both created if `create`; the WAL is always created
   * unless read-only) and recovers the committed frames. A newly created file's directory entry
   * is synced. Throws DB_CANTOPEN if the database file is missing and `create` is not set.
   */
  static open(vfs: Vfs, dbPath: string, options: WalOpenOptions = {}): Wal {
    const readonly = options.readonly ?? false;
    const walPath = `${dbPath}-wal`;
    const dbExisted = vfs.exists(dbPath);
    const db = vfs.open(dbPath, { create: !readonly && (options.create ?? false), readonly });
    let walFile: VfsFile | null = null;
    try {
      if (!dbExisted) vfs.syncDir(dbPath);
      if (readonly) {
        walFile = vfs.exists(walPath) ? vfs.open(walPath, { readonly: true }) : null;
      } else {
        const walExisted = vfs.exists(walPath);
        walFile = vfs.open(walPath, { create: true });
        if (!walExisted) vfs.syncDir(walPath);
      }
      return new Wal(vfs, db, walFile, dbPath, options);
    } catch (e) {
      closeQuietly(walFile);
      closeQuietly(db);
      throw e;
    }
  }

  /** Page size in bytes, or null if neither the WAL nor the caller has fixed it yet. */
  get pageSize(): number | null {
    return this._pageSize;
  }

  /** Frames currently in the WAL (committed and uncommitted). */
  get frameCount(): number {
    return this.mxFrame;
  }

  /** The error that poisoned this connection (a failed fsync), or null. */
  get error(): DbError | null {
    return this.failure;
  }

  /**
   * Fixes the page size (bytes; a power of two 512..65536, else DB_MISUSE). Must be called before
   * page I/O when `pageSize` is null. Changing it while the WAL holds frames throws DB_MISUSE.
   */
  setPageSize(bytes: number): void {
    this.live();
    if (!isValidPageSize(bytes)) throw new DbError("DB_MISUSE", `invalid page size ${bytes}`);
    if (bytes === this._pageSize) return;
    if (this.mxFrame > 0) {
      throw new DbError("DB_MISUSE", `page size ${bytes} differs from the WAL's ${this._pageSize}`);
    }
    this._pageSize = bytes;
    this.headerFresh = false;
  }

  /** Reads raw bytes of the database file (not the WAL) at byte `offset`. Returns bytes read. */
  readDbFile(buf: Uint8Array, offset: number): number {
    this.live();
    return this.db.read(buf, offset);
  }

  /** Database size in pages as of `s` (default: the latest commit). 0 while the page size is unknown. */
  dbSizePages(s?: Snapshot): number {
    this.live();
    const maxFrame = s === undefined ? this.lastCommit : s.maxFrame;
    const fromWal = maxFrame > 0 ? this.index.dbSizeAt(maxFrame) : null;
    if (fromWal !== null) return fromWal;
    return this._pageSize === null ? 0 : Math.floor(this.db.size() / this._pageSize);
  }

  /** Starts a read: the snapshot sees every commit made so far and none made later. */
  beginRead(): Snapshot {
    this.live();
    const s = { maxFrame: this.lastCommit };
    this.snapshots.add(s);
    return s;
  }

  /** Ends a read started by `beginRead`. */
  endRead(s: Snapshot): void {
    this.snapshots.delete(s);
  }

  /**
   * Copies page `pgno` (1-based) as of snapshot `s` into `buf[0, pageSize)`: from the newest WAL
   * frame <= s.maxFrame, else from the db file, zero-filling beyond its end. Without `s`, the
   * newest frame written is used, including uncommitted frames of the current write transaction.
   */
  readPage(pgno: number, buf: Uint8Array, s?: Snapshot): void {
    this.live();
    const ps = this.requirePageSize();
    if (!Number.isInteger(pgno) || pgno < 1) throw new DbError("DB_MISUSE", `invalid page number ${pgno}`);
    const view = buf.subarray(0, ps);
    const frame = this.index.lookup(pgno, s === undefined ? this.mxFrame : s.maxFrame);
    if (frame > 0) {
      const got = (this.walFile as VfsFile).read(view, this.frameOffset(frame) + FRAME_HEADER_SIZE);
      if (got < ps) throw corruptError(pgno, `WAL frame ${frame} is truncated`);
      return;
    }
    const got = this.db.read(view, (pgno - 1) * ps);
    view.fill(0, got);
  }

  /**
   * Appends `frames` (each `data` exactly pageSize bytes). If `commitDbSizePages` > 0 the last
   * frame is a commit frame for a database of that many pages, and with synchronous "full" the
   * WAL is fsynced before returning. If the fsync fails the commit is undone in memory and the
   * connection is poisoned (see `error`). A failed write leaves the WAL as it was (DB_IOERR/DB_FULL).
   */
  writeFrames(frames: WalFrame[], commitDbSizePages: number): void {
    const wal = this.writable();
    const ps = this.requirePageSize();
    if (frames.length === 0) {
      if (commitDbSizePages > 0) throw new DbError("DB_MISUSE", "a commit needs at least one frame");
      return;
    }
    if (this.mxFrame === 0 && !this.headerFresh) this.writeHeader(ps);
    const header = this.header as WalHeader;
    const frameSize = FRAME_HEADER_SIZE + ps;
    const buf = new Uint8Array(frames.length * frameSize);
    const running = { ...this.running };
    frames.forEach((f, i) => {
      if (f.data.length !== ps || !Number.isInteger(f.pgno) || f.pgno < 1) {
        throw new DbError("DB_MISUSE", `bad frame for page ${f.pgno} (${f.data.length} bytes)`);
      }
      const off = i * frameSize;
      buf.set(f.data, off + FRAME_HEADER_SIZE);
      const commit = i === frames.length - 1 ? commitDbSizePages : 0;
      encodeFrame(buf, off, ps, f.pgno, commit, header, running);
    });
    wal.write(buf, this.frameOffset(this.mxFrame + 1));

    this.headerFresh = false;
    for (const f of frames) this.index.append(f.pgno);
    this.mxFrame += frames.length;
    this.running = running;
    if (commitDbSizePages <= 0) return;
    const previous = { frame: this.lastCommit, running: this.committedRunning };
    this.index.markCommit(commitDbSizePages);
    this.lastCommit = this.mxFrame;
    this.committedRunning = { ...running };
    if (this.synchronous === "full") {
      try {
        wal.sync();
      } catch (e) {
        // Not known to be durable: forget the commit in memory (it may still survive a reopen).
        this.lastCommit = previous.frame;
        this.committedRunning = previous.running;
        this.rollbackTo(previous.frame);
        throw this.poison(e);
      }
    }
  }

  /** Drops frames written after the last commit; the next frame overwrites them. */
  rollback(): void {
    this.live();
    this.rollbackTo(this.lastCommit);
  }

  /**
   * Copies the newest committed version of each page into the db file, sets the db file's size
   * to the committed size, fsyncs it, then resets the WAL (new salts, checkpoint sequence + 1).
   * No-op if the WAL has no commits, or (passive) if a reader's snapshot predates the last commit.
   * Throws DB_MISUSE if uncommitted frames exist, DB_READONLY on a read-only connection.
   */
  checkpoint(): void {
    const wal = this.writable();
    if (this.mxFrame !== this.lastCommit) throw new DbError("DB_MISUSE", "checkpoint inside a write transaction");
    if (this.lastCommit === 0) return;
    for (const s of this.snapshots) if (s.maxFrame < this.lastCommit) return;
    const ps = this.requirePageSize();
    const durable = this.synchronous !== "off";
    if (durable) this.syncOrPoison(wal);
    const dbSize = this.index.dbSizeAt(this.lastCommit) as number;
    this.copyToDb(this.index.latest(this.lastCommit).filter(([pgno]) => pgno <= dbSize));
    if (this.db.size() !== dbSize * ps) this.db.truncate(dbSize * ps);
    if (durable) this.syncOrPoison(this.db);
    try {
      this.writeHeader(ps);
      wal.truncate(WAL_HEADER_SIZE);
      if (durable) wal.sync();
    } catch (e) {
      throw this.poison(e);
    }
    this.index.clear();
    this.mxFrame = this.lastCommit = 0;
    for (const s of this.snapshots) s.maxFrame = 0;
  }

  /**
   * Checkpoints (if writable and not poisoned; uncommitted frames are dropped first), closes both
   * files and deletes the WAL file if it is then empty. Further calls throw DB_MISUSE.
   */
  close(): void {
    if (this.closed) return;
    let error: unknown = null;
    if (!this.readonly && this.failure === null) {
      try {
        this.rollbackTo(this.lastCommit);
        this.snapshots.clear();
        this.checkpoint();
      } catch (e) {
        error = e;
      }
    }
    this.closed = true;
    for (const f of [this.walFile, this.db]) {
      try {
        f?.close();
      } catch (e) {
        error ??= e;
      }
    }
    if (!this.readonly && this.failure === null && error === null && this.mxFrame === 0) {
      this.vfs.delete(this.walPath);
    }
    if (error !== null) throw error;
  }

  /** Writes the given [pgno, frame] pages (sorted by pgno) into the db file, runs of adjacent pages at once. */
  private copyToDb(pages: [number, number][]): void {
    const ps = this._pageSize as number;
    const batch = new Uint8Array(Math.max(1, Math.floor(CHECKPOINT_BATCH_BYTES / ps)) * ps);
    let first = 0; // pgno at the start of `batch`
    let used = 0; // bytes of `batch` filled
    const flush = () => {
      if (used > 0) this.db.write(batch.subarray(0, used), (first - 1) * ps);
      used = 0;
    };
    for (const [pgno, frame] of pages) {
      if (used > 0 && (pgno !== first + used / ps || used === batch.length)) flush();
      if (used === 0) first = pgno;
      const view = batch.subarray(used, used + ps);
      if ((this.walFile as VfsFile).read(view, this.frameOffset(frame) + FRAME_HEADER_SIZE) < ps) {
        throw corruptError(pgno, `WAL frame ${frame} is truncated`);
      }
      used += ps;
    }
    flush();
  }

  private frameOffset(frame: number): number {
    return WAL_HEADER_SIZE + (frame - 1) * (FRAME_HEADER_SIZE + (this._pageSize as number));
  }

  private rollbackTo(frame: number): void {
    if (this.mxFrame === frame) return;
    this.index.truncate(frame);
    this.mxFrame = frame;
    this.running = { ...this.committedRunning };
  }

  /** Writes a header with new salts and the next checkpoint sequence; the frame chain restarts. */
  private writeHeader(pageSize: number): void {
    const header = nextWalHeader(this.header, pageSize);
    (this.walFile as VfsFile).write(encodeWalHeader(header), 0);
    this.header = header;
    this.headerFresh = true;
    this.running = { ...header.cksum };
    this.committedRunning = { ...header.cksum };
  }

  private syncOrPoison(file: VfsFile): void {
    try {
      file.sync();
    } catch (e) {
      throw this.poison(e);
    }
  }

  /** Records a failed fsync: the connection may no longer write. Returns the error to throw. */
  private poison(e: unknown): unknown {
    this.failure ??=
      e instanceof DbError ? e : new DbError("DB_IOERR", `disk I/O error: ${String(e)}`, { cause: e });
    return e;
  }

  private live(): void {
    if (this.closed) throw new DbError("DB_MISUSE", "the WAL is closed");
  }

  private writable(): VfsFile {
    this.live();
    if (this.failure !== null) {
      throw new DbError("DB_IOERR", "a previous fsync failed; the connection must be reopened", {
        subcode: "DB_IOERR_POISONED",
        cause: this.failure,
      });
    }
    if (this.readonly || this.walFile === null) throw new DbError("DB_READONLY", "attempt to write a readonly database");
    return this.walFile;
  }

  private requirePageSize(): number {
    if (this._pageSize === null) throw new DbError("DB_MISUSE", "page size not set (call setPageSize)");
    return this._pageSize;
  }
}

function closeQuietly(f: VfsFile | null): void {
  try {
    f?.close();
  } catch {
    // already failing; the first error is the one reported
  }
}
