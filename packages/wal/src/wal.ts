import { corruptError, DbError, MemoryVfs, type Vfs, type VfsFile } from "@db/vfs";
import { checksumAdvance, checksumShift, type ChecksumShift, type ChecksumState } from "./checksum.js";
import { FrameIndex } from "./frame-index.js";
import { TxnSums } from "./txn-sums.js";
import {
  COMMIT_ALIGNED,
  encodeWalHeader,
  FRAME_HEADER_SIZE,
  MAX_COMMIT_SIZE,
  nextFrameOffset,
  frameProblem,
  frameSum,
  isValidPageSize,
  nextWalHeader,
  setFrameChecksum,
  WAL_HEADER_SIZE,
  type WalHeader,
} from "./format.js";
import { readAt, recoverWal } from "./recover.js";

/** Checkpoint writes adjacent pages to the db file in runs of up to this many bytes. */
const CHECKPOINT_BATCH_BYTES = 1 << 20;
/**
 * A checkpoint that checks its frames for lost writes (`verifyFrames`) reads all the frames it
 * covers in one call when they span at most this many bytes (the default autocheckpoint, 1000
 * frames of 4 KiB pages, spans ~4 MiB), and copies the pages out of that buffer: each frame is
 * read once, not twice. The buffer is kept for the next checkpoint.
 */
const CHECKPOINT_SPAN_BYTES = 8 << 20;
/** `writeFrames` writes frames in runs of up to this many bytes (one staging buffer). */
const WRITE_BATCH_BYTES = 256 << 10;

/** Default of `WalOpenOptions.sectorSize`: the largest sector aligned commits guard against. */
export const DEFAULT_SECTOR_SIZE = 4096;

/** A reader's view of the database: frames 1..maxFrame of the WAL (0: the db file alone). */
export interface Snapshot {
  maxFrame: number;
}

/** When the WAL is fsynced: every commit ("full"), only at checkpoint ("normal"), never ("off"). */
export type Synchronous = "full" | "normal" | "off";

/**
 * How hard a checkpoint tries (SQLite's modes; there is a single connection, so nothing is waited
 * for): "passive" copies what no live snapshot still needs; "full" and "restart" do the same but
 * report `busy` when a snapshot kept them from copying everything; "truncate" also truncates the
 * WAL file to zero bytes once everything is copied.
 */
export type CheckpointMode = "passive" | "full" | "restart" | "truncate";

/** What a checkpoint did, as SQLite's `PRAGMA wal_checkpoint` reports it. */
export interface CheckpointResult {
  /** A "full"/"restart"/"truncate" checkpoint could not copy every frame (a snapshot needs them). */
  busy: boolean;
  /** Frames in the WAL when the checkpoint ran (0 after a "truncate" that completed). */
  log: number;
  /** Frames of those now copied into the database file (0 after a "truncate" that completed). */
  checkpointed: number;
}

export interface WalOpenOptions {
  /** Create the database file if missing (default false: DB_CANTOPEN). */
  create?: boolean;
  /** Open read-only: no writes, no checkpoint, the WAL file is never created. */
  readonly?: boolean;
  /** The pager checkpoints after a commit once the WAL holds this many frames (default 1000; 0 = never). */
  autocheckpointFrames?: number;
  /** Initial value of `Wal.synchronous` (default "full"). */
  synchronous?: Synchronous;
  /**
   * Bytes a power cut may destroy around a write (the device's atomic sector; default 4096, or 0
   * on a `MemoryVfs`, which cannot lose power). When it is not 0, a commit synced with
   * synchronous "full" is an aligned commit: the next transaction starts at the next multiple
   * of min(4096, pageSize) bytes, so it never writes into a sector holding the commit frame.
   * 0: no alignment (for devices with power-safe overwrite). Sectors larger than
   * min(4096, pageSize) are not protected. See FORMAT.md, "Aligned commits".
   */
  sectorSize?: number;
}

/** Frames a checkpoint read in one call (`readSpan`): `buf[0, got)` holds WAL bytes from offset `base`. */
interface FrameSpan {
  buf: Uint8Array;
  base: number;
  got: number;
}

/** One page to append: `data` is exactly `pageSize` bytes. */
export interface WalFrame {
  pgno: number;
  data: Uint8Array;
  /**
   * Optional: the checksum (as `checksum()` computes it, from (0, 0)) of `data[0, pageSize - 8)`,
   * when the caller has just computed it (the pager's page checksum covers exactly those bytes).
   * The frame's checksum is then derived from it without reading the page again (`frameSum`).
   * It must match `data`: a wrong value makes the frame, and every later one, fail recovery.
   */
  bodySum?: ChecksumState;
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
  /** The pager checkpoints after a commit once `frameCount` reaches this many (0 = never). */
  autocheckpointFrames: number;
  synchronous: Synchronous;
  /** See `WalOpenOptions.sectorSize`. */
  readonly sectorSize: number;

  private _pageSize: number | null = null;
  private header: WalHeader | null;
  /** True while the on-disk header's salts have not been used by any frame on disk. */
  private headerFresh = false;
  private index: FrameIndex;
  /** Frames written, committed or not (the next frame is number mxFrame + 1). */
  private mxFrame: number;
  /** The last commit frame (0: none). */
  private lastCommit: number;
  /** Byte offset in the WAL file of frame mxFrame + 1. */
  private nextOffset = WAL_HEADER_SIZE;
  /** Frames 1..backfilled are copied into the database file (by a checkpoint that could not finish). */
  private backfilled = 0;
  /** Frames 1..durableFrame are known to be on disk (a WAL fsync succeeded after they were written). */
  private durableFrame: number;
  /** Cumulative checksum after frame mxFrame, and after frame lastCommit. */
  private running: ChecksumState;
  private committedRunning: ChecksumState;
  /** `appendFrames`' working states (reused: a commit allocates no checksum objects). */
  private readonly scratchRunning: ChecksumState = { s0: 0, s1: 0 };
  private readonly scratchOwn: ChecksumState = { s0: 0, s1: 0 };
  private readonly snapshots = new Set<Snapshot>();
  private failure: DbError | null = null;
  /** A failed WAL fsync may have dropped committed frames the index points to: reads are refused too. */
  private readsFailed = false;
  /** The WAL file holds bytes past its last valid commit (a transaction cut short): see `clearStaleTail`. */
  private staleTail: boolean;
  /** The WAL file was created and its directory entry not yet synced (see `open`, `syncWal`). */
  private walDirPending = false;
  private closed = false;
  /** Scratch for `readFrame`: one frame. */
  private frameBuf: Uint8Array | null = null;
  /** The open transaction's frames, for redoing the chain after an overwrite in place. */
  private readonly sums = new TxnSums();
  private shift: ChecksumShift = [1, 0, 0, 1];
  private bodyShiftValue: ChecksumShift = [1, 0, 0, 1];
  private shiftPageSize = 0;
  /** Runs of frames read by `copyToDb` (up to CHECKPOINT_BATCH_BYTES), or a checkpoint's span (`readSpan`); reused. */
  private runBuf: Uint8Array | null = null;
  /** Staging buffer of `writeFrames` and checkpoints (grown up to CHECKPOINT_BATCH_BYTES, then reused). */
  private staging: Uint8Array | null = null;

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
    this.sectorSize = options.sectorSize ?? (vfs instanceof MemoryVfs ? 0 : DEFAULT_SECTOR_SIZE);
    if (!Number.isInteger(this.sectorSize) || this.sectorSize < 0) {
      throw new DbError("DB_MISUSE", `invalid sector size ${this.sectorSize}`);
    }
    const found = walFile === null ? null : recoverWal(walFile);
    this.header = found?.header ?? null;
    this.index = found?.index ?? new FrameIndex();
    this.mxFrame = this.lastCommit = this.durableFrame = this.index.frames;
    this.running = found?.running ?? { s0: 0, s1: 0 };
    this.committedRunning = copyState(this.running);
    if (this.header !== null && this.lastCommit > 0) {
      this._pageSize = this.header.pageSize;
      this.nextOffset = this.offsetAfter(this.lastCommit);
    }
    const commitEnd = this.lastCommit > 0 ? this.frameEnd(this.lastCommit) : WAL_HEADER_SIZE;
    // A version-1 WAL is checkpointed before anything is appended, so the next generation's
    // header says version 2 (aligned commits) before any frame relies on it.
    this.staleTail =
      walFile !== null &&
      !this.readonly &&
      this.header !== null &&
      (walFile.size() > commitEnd || (this.header.version < 2 && this.lastCommit > 0));
  }

  /**
   * Opens `<dbPath>-wal` beside `dbPath` (both created if `create`; the WAL is always created
   * unless read-only) and recovers the committed frames. A new db file's directory entry is
   * synced here; a new WAL's before the WAL's first fsync. Throws DB_CANTOPEN if the database file is missing and `create` is not set.
   */
  static open(vfs: Vfs, dbPath: string, options: WalOpenOptions = {}): Wal {
    const readonly = options.readonly ?? false;
    const walPath = `${dbPath}-wal`;
    const dbExisted = vfs.exists(dbPath);
    const db = vfs.open(dbPath, { create: !readonly && (options.create ?? false), readonly });
    let walFile: VfsFile | null = null;
    try {
      let walCreated = false;
      if (readonly) {
        walFile = vfs.exists(walPath) ? vfs.open(walPath, { readonly: true }) : null;
      } else {
        walCreated = !vfs.exists(walPath);
        walFile = vfs.open(walPath, { create: true });
      }
      // One directory sync covers both new entries (the WAL is beside the db file).
      if (!dbExisted) vfs.syncDir(dbPath);
      const wal = new Wal(vfs, db, walFile, dbPath, options);
      // A WAL created beside an existing db file holds nothing yet: its directory entry needs
      // to be durable only once a frame is, so it is synced before the WAL's first fsync (as
      // SQLite's unix VFS does), not here. Opening to read (the WAL is deleted by the last close)
      // then costs no directory sync.
      wal.walDirPending = walCreated && dbExisted;
      return wal;
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

  /** Frames up to and including the last commit frame. */
  get committedFrames(): number {
    return this.lastCommit;
  }

  /** Frames already copied into the database file by a checkpoint that could not reset the WAL. */
  get backfilledFrames(): number {
    return this.backfilled;
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

  /**
   * Empties the database and fixes a new page size (bytes; a power of two 512..65536): the WAL
   * file, then the db file, are truncated to nothing and fsynced, and the frame index is
   * forgotten (live snapshots see an empty database). For `PRAGMA page_size` on a database that
   * holds nothing yet; the caller checks that. A crash part-way leaves either the old database
   * (with nothing in it) or an empty file, which opens as a new database. Throws DB_MISUSE inside
   * a write transaction or for an invalid size, DB_READONLY, DB_IOERR (poisoning) if an fsync fails.
   */
  reformat(bytes: number): void {
    const wal = this.writable();
    if (!isValidPageSize(bytes)) throw new DbError("DB_MISUSE", `invalid page size ${bytes}`);
    if (this.mxFrame !== this.lastCommit) throw new DbError("DB_MISUSE", "page size change inside a write transaction");
    const durable = this.synchronous !== "off";
    // WAL first: without its frames, what the db file holds is a consistent (older) database.
    wal.truncate(0);
    if (durable) this.syncOrPoison(wal, false);
    this.db.truncate(0);
    if (durable) this.syncOrPoison(this.db, false);
    this.forgetFrames();
    this._pageSize = bytes;
  }

  /**
   * Reads raw bytes of the database file (not the WAL) at byte `offset`. Returns bytes read
   * (fewer than `buf.length` only at end of file; a short read before it is DB_IOERR).
   */
  readDbFile(buf: Uint8Array, offset: number): number {
    this.readable();
    return readAt(this.db, buf, offset, "the database file");
  }

  /** Database size in pages as of `s` (default: the latest commit). 0 while the page size is unknown. */
  dbSizePages(s?: Snapshot): number {
    this.readable();
    const maxFrame = s === undefined ? this.lastCommit : s.maxFrame;
    const fromWal = maxFrame > 0 ? this.index.dbSizeAt(maxFrame) : null;
    if (fromWal !== null) return fromWal;
    return this._pageSize === null ? 0 : Math.floor(this.db.size() / this._pageSize);
  }

  /**
   * Starts a read: the snapshot sees every commit made so far and none made later. `reuse`, a
   * snapshot whose read has ended (or a fresh object), is filled in and returned instead of a
   * new object. A `reuse` whose read is still open moves to the latest commit instead (the read
   * goes on, newer; nothing is allocated, as after each of a reader's own commits).
   */
  beginRead(reuse?: Snapshot): Snapshot {
    this.readable();
    const s = reuse ?? { maxFrame: 0 };
    s.maxFrame = this.lastCommit;
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
    this.readable();
    const ps = this.requirePageSize();
    if (!Number.isInteger(pgno) || pgno < 1) throw new DbError("DB_MISUSE", `invalid page number ${pgno}`);
    const view = buf.subarray(0, ps);
    const frame = this.index.lookup(pgno, s === undefined ? this.mxFrame : s.maxFrame);
    if (frame > 0) {
      const f = this.readFrame(frame);
      if (typeof f === "string") throw corruptError(pgno, f);
      view.set(f.subarray(FRAME_HEADER_SIZE));
      return;
    }
    const got = readAt(this.db, view, (pgno - 1) * ps, "the database file");
    view.fill(0, got);
  }

  /**
   * Read-ahead: reads pages `pgno`, `pgno` + 1, ... (at most `count`, while none has a WAL frame
   * as `readPage` without a snapshot sees them) from the db file in one read into `buf`, page
   * after page. Returns how many whole pages were read (0 if `pgno` has a frame, or past the end
   * of the file); `readPage` reads the rest as usual.
   */
  readDbPages(pgno: number, count: number, buf: Uint8Array): number {
    this.readable();
    const ps = this.requirePageSize();
    if (!Number.isInteger(pgno) || pgno < 1) throw new DbError("DB_MISUSE", `invalid page number ${pgno}`);
    let n = 0;
    while (n < count && this.index.lookup(pgno + n, this.mxFrame) === 0) n++;
    if (n === 0) return 0;
    const got = readAt(this.db, buf.subarray(0, n * ps), (pgno - 1) * ps, "the database file");
    return Math.floor(got / ps);
  }

  /**
   * Writes `frames` (each `data` exactly pageSize bytes). If `commitDbSizePages` > 0 the last
   * frame is a commit frame for a database of that many pages (at most 2^31 - 1, else DB_FULL),
   * and with synchronous "full" the WAL is fsynced before returning (an aligned commit, see
   * `sectorSize`). If the fsync
   * fails the commit is undone in memory and the connection is poisoned (see `error`).
   *
   * A page that already has a frame in the open transaction (spilled earlier) is overwritten in
   * that frame, as SQLite does, so a large transaction keeps one frame per page however often a
   * page is spilled; the checksum chain from the first overwritten frame on is redone before
   * the commit frame is written (see `rechain`). Other frames, and always the commit frame, are
   * appended. A failed write (DB_IOERR/DB_FULL) forgets the frames this call appended; pages it
   * was overwriting may hold either version, so the caller must write those pages again before
   * committing, or roll back (the pager does: a failed spill keeps its pages dirty).
   */
  writeFrames(frames: WalFrame[], commitDbSizePages: number): void {
    const wal = this.writable();
    const ps = this.requirePageSize();
    if (frames.length === 0) {
      if (commitDbSizePages > 0) throw new DbError("DB_MISUSE", "a commit needs at least one frame");
      return;
    }
    if (commitDbSizePages > MAX_COMMIT_SIZE) throw new DbError("DB_FULL", "database is full (page count)");
    for (const f of frames) {
      if (f.data.length !== ps || !Number.isInteger(f.pgno) || f.pgno < 1) {
        throw new DbError("DB_MISUSE", `bad frame for page ${f.pgno} (${f.data.length} bytes)`);
      }
    }
    if (this.staleTail) this.clearStaleTail(wal);
    if (this.mxFrame === 0 && !this.headerFresh) {
      this.writeHeader(ps);
      // Frames of an older generation may follow (a reset whose header write failed): the new
      // salts must be on disk before any of them is overwritten, or a power cut could leave the
      // old header with a prefix of the old frames, which the db file has already overtaken.
      if (this.synchronous !== "off" && wal.size() > WAL_HEADER_SIZE) this.syncOrPoison(wal, false);
    }
    const commit = commitDbSizePages > 0;
    const sync = commit && this.synchronous === "full";
    const previousFrame = this.lastCommit;
    const previous0 = this.committedRunning.s0;
    const previous1 = this.committedRunning.s1;
    try {
      const body = commit ? frames.length - 1 : frames.length;
      let overwrites = false;
      for (let i = 0; i < body && !overwrites; i++) overwrites = this.index.lookup(frames[i].pgno, this.mxFrame) > this.lastCommit;
      if (!overwrites && this.sums.staleFrom === 0) {
        // The usual case (no page of this call was spilled earlier in the transaction): every
        // frame is appended, the commit frame with the others in one write call where they fit.
        this.appendFrames(wal, frames, commitDbSizePages, sync && this.sectorSize > 0);
      } else {
        let append: WalFrame[] | null = null;
        for (let i = 0; i < body; i++) {
          const f = frames[i];
          const slot = this.index.lookup(f.pgno, this.mxFrame);
          if (slot > this.lastCommit) this.overwriteFrame(wal, slot, f);
          else (append ??= []).push(f);
        }
        if (!commit) {
          if (append !== null) this.appendFrames(wal, append, 0, false);
          return;
        }
        if (this.sums.staleFrom > 0) {
          // The chain from the first overwritten frame on must be redone before the commit frame's.
          if (append !== null) this.appendFrames(wal, append, 0, false);
          append = null;
          this.rechain(wal);
        }
        // Appended body frames and the commit frame in one write call where they fit.
        if (append === null) append = [];
        append.push(frames[frames.length - 1]);
        this.appendFrames(wal, append, commitDbSizePages, sync && this.sectorSize > 0);
      }
    } catch (e) {
      // Appended frames are recorded only once written; the sums of frames this call may have
      // left half-written are redone when the caller writes those pages again.
      this.sums.truncate(this.mxFrame - this.lastCommit);
      if (this.mxFrame > this.lastCommit) this.sums.staleFrom = this.lastCommit + 1;
      throw e;
    }
    if (!commit) return;
    this.headerFresh = false;
    this.lastCommit = this.mxFrame;
    this.committedRunning.s0 = this.running.s0;
    this.committedRunning.s1 = this.running.s1;
    this.sums.clear();
    if (sync) {
      try {
        this.syncWalDir();
        wal.sync();
      } catch (e) {
        // Not known to be durable: forget the commit in memory (it may still survive a reopen).
        this.lastCommit = previousFrame;
        this.committedRunning.s0 = previous0;
        this.committedRunning.s1 = previous1;
        this.rollbackTo(previousFrame);
        throw this.poison(e, this.lastCommit > this.durableFrame);
      }
      this.durableFrame = this.mxFrame;
    }
  }

  /**
   * Appends `list` at `nextOffset` (the last frame is a commit frame when `commitSize` > 0, an
   * aligned one if `aligned`: the next frame then starts at the next alignment boundary),
   * continuing the checksum chain.
   * Frames are encoded into a reused staging buffer and written in runs of up to
   * WRITE_BATCH_BYTES: a spill or commit of thousands of pages never allocates (and the GC never
   * has to free) a buffer of its whole size. Several write calls before the fsync are as safe as
   * one: recovery trusts nothing past the last whole, valid commit frame. The frames are recorded
   * (index, `mxFrame`, chain) only once all are written.
   */
  private appendFrames(wal: VfsFile, list: WalFrame[], commitSize: number, aligned: boolean): void {
    const ps = this._pageSize as number;
    const header = this.header as WalHeader;
    const shift = this.chainShift();
    const bodyShift = this.bodyShift();
    const frameSize = FRAME_HEADER_SIZE + ps;
    const total = list.length;
    const commitField = commitSize > 0 && aligned ? (commitSize | COMMIT_ALIGNED) >>> 0 : commitSize;
    const perRun = Math.max(1, Math.floor(WRITE_BATCH_BYTES / frameSize));
    const buf = this.stagingBuffer(Math.min(perRun, total) * frameSize);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const running = this.scratchRunning;
    running.s0 = this.running.s0;
    running.s1 = this.running.s1;
    const own = this.scratchOwn;
    const base = this.mxFrame; // frame base + 1 + i for i in 0..total-1
    const start = this.nextOffset; // frames of one call are contiguous
    for (let first = 0; first < total; first += perRun) {
      const count = Math.min(perRun, total - first);
      for (let j = 0; j < count; j++) {
        const i = first + j;
        const f = list[i];
        const off = j * frameSize;
        buf.set(f.data, off + FRAME_HEADER_SIZE);
        frameSum(view, off, ps, f.pgno, i === total - 1 ? commitField : 0, header, own, f.bodySum, bodyShift);
        checksumAdvance(running, shift, own.s0, own.s1);
        setFrameChecksum(view, off, running);
        this.sums.set(base + i - this.lastCommit, own.s0, own.s1);
      }
      const bytes = count * frameSize;
      wal.write(bytes === buf.length ? buf : buf.subarray(0, bytes), start + first * frameSize);
    }
    for (let i = 0; i < total; i++) this.index.append(list[i].pgno, start + i * frameSize);
    if (commitSize > 0) this.index.markCommit(commitSize, aligned);
    this.mxFrame += total;
    this.nextOffset = nextFrameOffset(start + total * frameSize, commitSize > 0 && aligned, ps);
    this.running.s0 = running.s0;
    this.running.s1 = running.s1;
  }

  /**
   * Writes page `f` over frame `slot` of the open transaction (which holds the same page). Its
   * chain checksum, and every later frame's, is stale until `rechain`.
   */
  private overwriteFrame(wal: VfsFile, slot: number, f: WalFrame): void {
    const ps = this._pageSize as number;
    const frameSize = FRAME_HEADER_SIZE + ps;
    if (this.frameBuf === null || this.frameBuf.length !== frameSize) this.frameBuf = new Uint8Array(frameSize);
    const buf = this.frameBuf;
    buf.set(f.data, FRAME_HEADER_SIZE);
    const own = { s0: 0, s1: 0 };
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    frameSum(view, 0, ps, f.pgno, 0, this.header as WalHeader, own, f.bodySum, this.bodyShift());
    setFrameChecksum(view, 0, own); // a placeholder: the chain is redone at commit
    if (this.sums.staleFrom === 0 || slot < this.sums.staleFrom) this.sums.staleFrom = slot;
    wal.write(buf, this.index.offsetOf(slot));
    this.sums.set(slot - this.lastCommit - 1, own.s0, own.s1);
  }

  /**
   * Redoes the checksum chain of the open transaction's frames from the last commit's, using each
   * frame's own sum (`checksumAdvance`), and writes the chain checksum of every frame from the
   * first one overwritten in place on (8 bytes each; no frame is read back).
   */
  private rechain(wal: VfsFile): void {
    const shift = this.chainShift();
    const state = copyState(this.committedRunning);
    const field = new Uint8Array(8);
    const fieldView = new DataView(field.buffer);
    const from = this.sums.staleFrom;
    for (let frame = this.lastCommit + 1; frame <= this.mxFrame; frame++) {
      const i = frame - this.lastCommit - 1;
      checksumAdvance(state, shift, this.sums.s0(i), this.sums.s1(i));
      if (frame < from) continue;
      fieldView.setUint32(0, state.s0);
      fieldView.setUint32(4, state.s1);
      wal.write(field, this.index.offsetOf(frame) + 16);
    }
    this.running = state;
    this.sums.staleFrom = 0;
  }

  /** `checksumShift` for a frame's checksummed bytes (8 header bytes and the page). */
  private chainShift(): ChecksumShift {
    this.refreshShifts();
    return this.shift;
  }

  /** `checksumShift` for a page's bytes before its last 8 (see `WalFrame.bodySum`). */
  private bodyShift(): ChecksumShift {
    this.refreshShifts();
    return this.bodyShiftValue;
  }

  private refreshShifts(): void {
    const ps = this._pageSize as number;
    if (this.shiftPageSize === ps) return;
    this.shift = checksumShift((8 + ps) / 8);
    this.bodyShiftValue = checksumShift((ps - 8) / 8);
    this.shiftPageSize = ps;
  }

  /** Drops frames written after the last commit; the next frame overwrites them. */
  rollback(): void {
    this.live();
    this.rollbackTo(this.lastCommit);
  }

  /**
   * Copies committed pages into the db file, then resets the WAL (see FORMAT.md, "Checkpoint").
   * Never copies a frame newer than the oldest live snapshot: what such a snapshot still needs
   * stays in the WAL (and the WAL is not reset) until it ends. The db file is fsynced before the
   * WAL is reset; a reset takes new salts. Throws DB_MISUSE if uncommitted frames exist,
   * DB_READONLY on a read-only connection, DB_IOERR (poisoning the connection) if an fsync fails.
   */
  checkpoint(mode: CheckpointMode = "passive"): CheckpointResult {
    const wal = this.writable();
    if (this.mxFrame !== this.lastCommit) throw new DbError("DB_MISUSE", "checkpoint inside a write transaction");
    const log = this.lastCommit;
    let safe = this.lastCommit;
    for (const s of this.snapshots) safe = Math.min(safe, s.maxFrame);
    if (safe > this.backfilled) this.backfill(wal, safe);
    const checkpointed = this.backfilled;
    const complete = checkpointed === this.lastCommit;
    const busy = mode !== "passive" && !complete;
    if (complete && this.lastCommit > 0) this.reset(wal, mode);
    else if (complete && mode === "truncate" && wal.size() > 0) this.reset(wal, mode);
    if (complete && mode === "truncate") return { busy, log: 0, checkpointed: 0 };
    return { busy, log, checkpointed };
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

  /** Copies frames (backfilled, upTo] into the db file (fsyncing the WAL before, the db file after). */
  private backfill(wal: VfsFile, upTo: number): void {
    const ps = this.requirePageSize();
    const durable = this.synchronous !== "off";
    // Frames an earlier fsync already covered need no check (`verifyFrames`): had that fsync
    // failed silently, the one just below would report it. With "full" that is every frame.
    const verifyFrom = Math.max(this.backfilled, this.durableFrame) + 1;
    if (durable) {
      // Even when every frame was synced at its commit: a write-back error the kernel reports
      // late (at the next fsync) must surface here, before the db file is overwritten with
      // frames that may no longer be on disk.
      this.syncOrPoison(wal, this.lastCommit > this.durableFrame);
      this.durableFrame = this.mxFrame;
    }
    const dbSize = this.index.dbSizeAt(upTo) as number;
    // Every page past the end of the db file was written to the WAL when it was allocated. A
    // commit size that leaves a gap is damage that passed the checksums (a forged or buggy WAL):
    // sizing the db file from it could create a huge file.
    for (let p = Math.floor(this.db.size() / ps) + 1; p <= dbSize; p++) {
      if (this.index.lookup(p, upTo) === 0) {
        throw corruptError(p, `page ${p} of a ${dbSize}-page commit is neither in the db file nor in the WAL`);
      }
    }
    const span = verifyFrom <= upTo ? this.readSpan(this.backfilled + 1, upTo) : null;
    this.verifyFrames(verifyFrom, upTo, span);
    this.copyToDb(this.index.latestSince(this.backfilled, upTo).filter(([pgno]) => pgno <= dbSize), span);
    if (upTo === this.lastCommit && this.db.size() !== dbSize * ps) this.db.truncate(dbSize * ps);
    if (durable) this.syncOrPoison(this.db, false);
    this.backfilled = upTo;
  }

  /** Forgets every frame (index, sums, counters; live snapshots see none), as after a reset. */
  private forgetFrames(): void {
    this.index.clear();
    this.sums.clear();
    this.staleTail = false;
    this.mxFrame = this.lastCommit = this.backfilled = this.durableFrame = 0;
    this.nextOffset = WAL_HEADER_SIZE;
    for (const s of this.snapshots) s.maxFrame = 0;
    this.headerFresh = false;
  }

  /**
   * Starts a new WAL generation once every committed frame is in the db file: forgets the frames,
   * writes a header with new salts, fsyncs. The db file holds everything by now, so whatever a
   * crash leaves of this is harmless.
   *
   * "passive" and "full" (autocheckpoints, close) keep the file's length: the next frames
   * overwrite the old generation's from the start, as SQLite restarts its WAL. An fsync after
   * overwriting allocated blocks costs less than one after growing the file, and there is no
   * ftruncate per checkpoint. The old frames carry the old salts, so recovery stops at the first
   * of them (invariant 10); the header with the new salts is synced here, before any of them is
   * overwritten. "restart" also cuts the file to the header (an explicit request to restart the
   * WAL gives its space back), "truncate" to nothing (the next append writes a header).
   */
  private reset(wal: VfsFile, mode: CheckpointMode): void {
    this.forgetFrames();
    if (mode === "truncate") {
      wal.truncate(0);
    } else {
      this.writeHeader(this.requirePageSize());
      if (mode === "restart") wal.truncate(WAL_HEADER_SIZE);
    }
    if (this.synchronous !== "off") this.syncOrPoison(wal, false);
  }

  /**
   * Called before the first write over a tail left by a transaction that a crash cut short. Its
   * frames must never validate again: a torn write over them could restore the very bytes that
   * were missing (the pages of a retried transaction are often identical), resurrecting a
   * transaction recovery had dropped. (In a version-1 WAL, whose commits were padded with a copy
   * of the commit frame, a torn copy would also leave the next frame in a sector holding the
   * commit frame.) So checkpoint
   * first: the WAL restarts with new salts, after the db file is synced. With no commit, a new
   * header (new salts) is all it takes. If a snapshot keeps the checkpoint from finishing, cut the
   * tail off instead. Either way the change is fsynced before anything is written over the tail.
   */
  private clearStaleTail(wal: VfsFile): void {
    if (this.lastCommit > 0) this.checkpoint();
    if (!this.staleTail) return;
    if (this.lastCommit > 0) wal.truncate(this.frameEnd(this.lastCommit));
    else this.writeHeader(this.requirePageSize());
    if (this.synchronous !== "off") this.syncOrPoison(wal, false);
    this.staleTail = false;
  }

  /** The staging buffer, at least `bytes` long; the returned view is exactly `bytes` long. */
  private stagingBuffer(bytes: number): Uint8Array {
    if (this.staging === null || this.staging.length < bytes) this.staging = new Uint8Array(bytes);
    return this.staging.subarray(0, bytes);
  }

  /**
   * Checks, before a checkpoint writes anything into the db file, that frames `from..to` still
   * hold what this connection wrote there: whole frames with the current salts and the page
   * numbers the index has for them. The WAL is reused in place, so a write the disk dropped
   * (a write-back error reported late, or never: the kernel drops the pages and later reads see
   * the old bytes) shows up here as a frame of an older generation, or a short file. Copying
   * it, or copying later frames while recovery would stop at it, would leave the db file ahead
   * of what the WAL can redo. Such a loss poisons the connection, reads included (DB_IOERR).
   * Reads the frames in ~1 MiB runs, or looks at them in `span`; the checksum chain itself is
   * not recomputed.
   */
  private verifyFrames(from: number, to: number, span: FrameSpan | null): void {
    if (from > to) return;
    if (span !== null) {
      this.checkFrames(span, from, to);
      return;
    }
    const frameSize = FRAME_HEADER_SIZE + (this._pageSize as number);
    const perRun = Math.max(1, Math.floor(CHECKPOINT_BATCH_BYTES / frameSize));
    const buf = this.stagingBuffer(Math.min(perRun, to - from + 1) * frameSize);
    for (let first = from, count = 0; first <= to; first += count) {
      count = this.contiguousFrames(first, Math.min(perRun, to - first + 1));
      const base = this.index.offsetOf(first);
      const got = readAt(this.walFile as VfsFile, buf.subarray(0, count * frameSize), base, "the WAL");
      this.checkFrames({ buf, base, got }, first, first + count - 1);
    }
  }

  /** The check of `verifyFrames` for frames `from..to`, all within `span`. */
  private checkFrames(span: FrameSpan, from: number, to: number): void {
    const frameSize = FRAME_HEADER_SIZE + (this._pageSize as number);
    const header = this.header as WalHeader;
    for (let frame = from; frame <= to; frame++) {
      const off = this.index.offsetOf(frame) - span.base;
      const problem = off + frameSize > span.got ? "is missing" : frameProblem(span.buf, off, header, this.index.pgnoOf(frame));
      if (problem !== null) this.lostWrite(frame, problem);
    }
  }

  /** Poisons the connection, reads included, for a frame `verifyFrames` found lost, and throws. */
  private lostWrite(frame: number, problem: string): never {
    const e = new DbError("DB_IOERR", `disk I/O error: WAL frame ${frame} ${problem}: a write was lost`, {
      subcode: "DB_IOERR_LOST_WRITE",
    });
    throw this.poison(e, true);
  }

  /**
   * Reads the WAL bytes of frames `first..last` (alignment gaps included) in one call, or returns
   * null if they span more than CHECKPOINT_SPAN_BYTES.
   */
  private readSpan(first: number, last: number): FrameSpan | null {
    const base = this.index.offsetOf(first);
    const bytes = this.frameEnd(last) - base;
    if (bytes > CHECKPOINT_SPAN_BYTES) return null;
    if (this.runBuf === null || this.runBuf.length < bytes) this.runBuf = new Uint8Array(bytes);
    const got = readAt(this.walFile as VfsFile, this.runBuf.subarray(0, bytes), base, "the WAL");
    return { buf: this.runBuf, base, got };
  }

  /**
   * Reads frame `frame` (header and page) into a scratch buffer and returns it, or a description
   * of what is wrong: truncated, or not the frame this connection wrote there (another
   * generation's salts, another page; see `verifyFrames`). The buffer is reused by the next call.
   */
  private readFrame(frame: number): Uint8Array | string {
    const frameSize = FRAME_HEADER_SIZE + (this._pageSize as number);
    if (this.frameBuf === null || this.frameBuf.length !== frameSize) this.frameBuf = new Uint8Array(frameSize);
    const buf = this.frameBuf;
    if (readAt(this.walFile as VfsFile, buf, this.index.offsetOf(frame), "the WAL") < frameSize) {
      return `WAL frame ${frame} is truncated`;
    }
    const problem = frameProblem(buf, 0, this.header as WalHeader, this.index.pgnoOf(frame));
    return problem === null ? buf : `WAL frame ${frame} ${problem}`;
  }

  /**
   * Writes the given [pgno, frame] pages (sorted by pgno) into the db file, runs of adjacent pages
   * at once. Frames of adjacent pages that are adjacent in the WAL too (a commit writes its pages
   * in page order) are read in one call, up to CHECKPOINT_BATCH_BYTES, unless `span` holds them
   * all already; each frame is checked as `readFrame` does before its page is copied.
   */
  private copyToDb(pages: [number, number][], span: FrameSpan | null): void {
    const ps = this._pageSize as number;
    const frameSize = FRAME_HEADER_SIZE + ps;
    const header = this.header as WalHeader;
    const batch = this.stagingBuffer(Math.max(1, Math.min(pages.length, Math.floor(CHECKPOINT_BATCH_BYTES / ps))) * ps);
    const maxRun = Math.max(1, Math.floor(CHECKPOINT_BATCH_BYTES / frameSize));
    if (span === null) {
      const runBytes = Math.min(pages.length, maxRun) * frameSize;
      if (this.runBuf === null || this.runBuf.length < runBytes) this.runBuf = new Uint8Array(runBytes);
    }
    const run = this.runBuf as Uint8Array;
    let first = 0; // pgno at the start of `batch`
    let used = 0; // bytes of `batch` filled
    const flush = () => {
      if (used > 0) this.db.write(batch.subarray(0, used), (first - 1) * ps);
      used = 0;
    };
    for (let i = 0; i < pages.length; ) {
      // Frames i..j-1 are in `src`, whose byte 0 is WAL offset `base`, `got` bytes of it read.
      let j = i + 1;
      let base: number;
      let got: number;
      if (span !== null) {
        j = pages.length;
        base = span.base;
        got = span.got;
      } else {
        while (j < pages.length && j - i < maxRun && pages[j][0] === pages[j - 1][0] + 1 && this.follows(pages[j][1], pages[j - 1][1])) j++;
        base = this.index.offsetOf(pages[i][1]);
        got = readAt(this.walFile as VfsFile, run.subarray(0, (j - i) * frameSize), base, "the WAL");
      }
      for (let k = i; k < j; k++) {
        const [pgno, frame] = pages[k];
        const off = this.index.offsetOf(frame) - base;
        if (off + frameSize > got) throw corruptError(pgno, `WAL frame ${frame} is truncated`);
        const problem = frameProblem(run, off, header, this.index.pgnoOf(frame));
        if (problem !== null) throw corruptError(pgno, `WAL frame ${frame} ${problem}`);
        if (used > 0 && (pgno !== first + used / ps || used === batch.length)) flush();
        if (used === 0) first = pgno;
        batch.set(run.subarray(off + FRAME_HEADER_SIZE, off + frameSize), used);
        used += ps;
      }
      i = j;
    }
    flush();
  }

  /** Byte offset just past frame `frame` (1..mxFrame) in the WAL file. */
  private frameEnd(frame: number): number {
    return this.index.offsetOf(frame) + FRAME_HEADER_SIZE + (this._pageSize as number);
  }

  /** True if frame `b` is the frame right after frame `a` in the file (no alignment gap between them). */
  private follows(b: number, a: number): boolean {
    return b === a + 1 && this.index.offsetOf(b) === this.frameEnd(a);
  }

  /** How many frames from `first` on (at most `max`) lie back to back in the file. */
  private contiguousFrames(first: number, max: number): number {
    let n = 1;
    while (n < max && this.follows(first + n, first + n - 1)) n++;
    return n;
  }

  /** Byte offset of the frame after frame `frame` (0: the first frame), see FORMAT.md "Aligned commits". */
  private offsetAfter(frame: number): number {
    if (frame === 0) return WAL_HEADER_SIZE;
    return nextFrameOffset(this.frameEnd(frame), this.index.isAlignedCommit(frame), this._pageSize as number);
  }

  private rollbackTo(frame: number): void {
    this.sums.clear();
    if (this.mxFrame === frame) return;
    this.index.truncate(frame);
    this.mxFrame = frame;
    this.nextOffset = this.offsetAfter(frame);
    this.running = copyState(this.committedRunning);
  }

  /** Writes a header with new salts and the next checkpoint sequence; the frame chain restarts. */
  private writeHeader(pageSize: number): void {
    const header = nextWalHeader(this.header, pageSize);
    (this.walFile as VfsFile).write(encodeWalHeader(header), 0);
    this.header = header;
    this.headerFresh = true;
    this.running = copyState(header.cksum);
    this.committedRunning = copyState(header.cksum);
  }

  private syncOrPoison(file: VfsFile, readsToo: boolean): void {
    try {
      if (file === this.walFile) this.syncWalDir();
      file.sync();
    } catch (e) {
      throw this.poison(e, readsToo);
    }
  }

  /** Syncs the directory entry of a WAL file this connection created, before the WAL's first fsync. */
  private syncWalDir(): void {
    if (!this.walDirPending) return;
    this.vfs.syncDir(this.walPath);
    this.walDirPending = false;
  }

  /**
   * Records a failed fsync: the connection may no longer write (never retry and trust a sync),
   * and with `readsToo` (committed frames not known durable may have been dropped) nor read.
   * Returns the error to throw.
   */
  private poison(e: unknown, readsToo: boolean): unknown {
    this.failure ??=
      e instanceof DbError ? e : new DbError("DB_IOERR", `disk I/O error: ${String(e)}`, { cause: e });
    if (readsToo) this.readsFailed = true;
    return e;
  }

  private live(): void {
    if (this.closed) throw new DbError("DB_MISUSE", "the WAL is closed");
  }

  private readable(): void {
    this.live();
    if (this.readsFailed) {
      throw new DbError("DB_IOERR", "a WAL fsync failed and committed data may be lost; the connection must be reopened", {
        subcode: "DB_IOERR_POISONED",
        cause: this.failure,
      });
    }
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

/** A copy of a checksum state (not a spread: that takes V8's generic clone path, on every commit). */
function copyState(s: ChecksumState): ChecksumState {
  return { s0: s.s0, s1: s.s1 };
}

function closeQuietly(f: VfsFile | null): void {
  try {
    f?.close();
  } catch {
    // already failing; the first error is the one reported
  }
}
