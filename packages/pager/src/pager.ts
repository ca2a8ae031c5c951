import { corruptError, DbError, isValidPageSize, MAX_COMMIT_SIZE, type Snapshot, type Wal, type WalFrame } from "@db/wal";
import { PageCache, type CachePolicy } from "./cache.js";
import { popFreePage, pushFreePage, trunkCapacity, type FreeListHost } from "./freelist.js";
import {
  assignHeader,
  copyHeader,
  decodeHeader,
  encodeHeader,
  hasMagic,
  HEADER_SIZE,
  META_SLOTS,
  newHeader,
  sameHeader,
  type DbHeader,
} from "./header.js";
import { sealPage, verifyPage } from "./checksum.js";
import { RESERVED_BYTES, type CachedPage, type Page, type Pgno } from "./page.js";

export interface PagerOptions {
  /** Page size in bytes for a new database (power of two 512..65536; default 4096). Ignored for an existing one. */
  pageSize?: number;
  /** Soft limit of the page cache, in pages (default 2000). Pinned and dirty pages may exceed it. */
  cacheSizePages?: number;
  /**
   * Page cache budget with SQLite's `cache_size` meaning: positive = pages, negative = KiB
   * (e.g. -65536 = 64 MiB). Overrides `cacheSizePages`.
   */
  cacheSize?: number;
  /** Replacement policy of the page cache (default "2q", scan-resistant; see cache.ts). */
  cachePolicy?: CachePolicy;
}

/** Default page cache budget: 2000 pages. */
export const DEFAULT_CACHE_SIZE = 2000;
/** Pages a sequential read miss reads at once (64 KiB at 4 KiB pages); see `Pager.readAhead`. */
const READ_AHEAD_PAGES = 32;
/** Read-ahead starts at this many misses in a row on consecutive pages (not for short range scans). */
const READ_AHEAD_AFTER = 4;


/** A page's content when a savepoint first saw it change. */
interface PreImage {
  data: Uint8Array;
  /** The page was neither dirty nor spilled then: `data` equals its last committed image. */
  clean: boolean;
}

/**
 * An open savepoint: the header as it was when the savepoint was opened, and the pre-images of the
 * pages first changed while it was the newest savepoint (only pages that existed then: pages
 * beyond `header.pageCount` are discarded by a rollback anyway). The state at savepoint k is
 * rebuilt from the pre-image of each page in the oldest savepoint >= k that holds one.
 */
interface Savepoint {
  readonly id: number;
  readonly header: DbHeader;
  pages: Map<Pgno, PreImage>;
}

/**
 * Pages, page cache, free list, header and transactions on top of a `Wal` (which the pager owns:
 * `close` closes it). Single connection; read transactions nest, one write transaction at a time.
 * Page 1 holds the header and is never handed out. Errors are `DbError`s: DB_CORRUPT (naming the
 * page), DB_NOTADB, DB_IOERR/DB_FULL (a failed commit is rolled back), DB_READONLY, DB_MISUSE.
 *
 * Savepoints (`savepoint`/`rollbackTo`/`releaseSavepoint`) nest inside the write transaction, for
 * statement rollback and SQL SAVEPOINT. They are an in-memory statement journal: while one is open,
 * the first change of a page under the newest savepoint copies the page's prior content (and each
 * savepoint copies the header). Limit: those copies stay in memory until the savepoint is released
 * or the transaction ends; they are not bounded by `cacheSizePages` and are not spilled. Pages
 * allocated by growing the file after a savepoint was opened need no copy. With no savepoint open
 * the cost is one branch per markDirty/allocate/free.
 */
export class Pager {
  private _pageSize: number;
  private _usableSize: number;
  private readonly cache: PageCache;
  /** The budget as set (cache_size meaning: > 0 pages, < 0 KiB) and in pages. */
  private cacheSizeSetting: number;
  private cacheLimit: number;
  /** The header as of the last commit, and as modified by the open write transaction. */
  private committed: DbHeader;
  private current: DbHeader;
  private writing = false;
  /** See `writeCount`. */
  private writes = 0;
  /** See `pageEpoch`. */
  private epoch = 0;
  /** The last page read on a cache miss (read-ahead detects sequential misses). */
  private lastMiss = -1;
  /** Consecutive read misses each on the page after the one before. */
  private seqMisses = 0;
  /** Staging buffer of `readAhead` (READ_AHEAD_PAGES pages, made on first use). */
  private readAheadBuf: Uint8Array | null = null;
  private readonly readAheadPages: CachedPage[] = [];
  private readDepth = 0;
  private snapshot: Snapshot | null = null;
  /** Page 1 as written by `writeCommit` (reused). */
  private page1Scratch: Uint8Array | null = null;
  /** `writeCommit`'s frame list and frame objects (reused). */
  private readonly commitFrames: WalFrame[] = [];
  private readonly framePool: WalFrame[] = [];
  /** The snapshot object every read transaction reuses (one read is open at a time). */
  private readonly spareSnapshot: Snapshot = { maxFrame: 0 };
  /** Pages of the write transaction already written to the WAL as uncommitted frames. */
  private readonly spilled = new Set<Pgno>();
  private spillBlocked = false;
  /** Open savepoints of the write transaction, oldest first. */
  private readonly savepoints: Savepoint[] = [];
  /** Id of the last savepoint opened (ids are never reused). */
  private lastSavepointId = 0;
  private closed = false;
  private readonly freeHost: FreeListHost;

  private constructor(
    /** The WAL under this pager (for the WAL pragmas: synchronous, checkpoints). */
    readonly wal: Wal,
    header: DbHeader,
    cacheSize: number,
    cachePolicy: CachePolicy = "2q",
  ) {
    this._pageSize = header.pageSize;
    this._usableSize = header.pageSize - RESERVED_BYTES;
    this.cache = new PageCache(cachePolicy);
    this.cacheSizeSetting = 0;
    this.cacheLimit = 1;
    this.setCacheSize(cacheSize);
    this.committed = header;
    this.current = copyHeader(header);
    const usable = () => this._usableSize;
    this.freeHost = {
      // A getter: `reformat` changes the page size after the host is made.
      get usableSize() {
        return usable();
      },
      header: () => this.current,
      fetch: (pgno) => this.fetch(pgno, true),
      fetchForOverwrite: (pgno) => this.fetch(pgno, false),
      markDirty: (page) => {
        if (this.savepoints.length !== 0) this.journal(page);
        page.dirty = true;
      },
      unpin: (page) => page.pins--,
    };
  }

  /**
   * Opens the database behind `wal`. A new (empty) database gets page size `options.pageSize`
   * and an initial commit of its header page (unless read-only). Throws DB_NOTADB if the db file
   * does not start with the magic string, DB_CORRUPT (page 1) if the header is damaged.
   * If `open` throws, the caller still owns (and should close) `wal`.
   */
  static open(wal: Wal, options: PagerOptions = {}): Pager {
    const head = new Uint8Array(HEADER_SIZE);
    const n = wal.readDbFile(head, 0);
    let pageSize = wal.pageSize;
    // With committed frames in the WAL (pageSize known), page 1 comes from the WAL: the db file's
    // own header may be torn by a checkpoint that a power cut interrupted, and is not looked at.
    if (pageSize === null && n > 0 && !hasMagic(head, n)) throw new DbError("DB_NOTADB", "file is not a database");
    if (pageSize === null && n > 0) {
      if (n < HEADER_SIZE) throw corruptError(1, "database header is truncated");
      pageSize = decodeHeader(head).pageSize;
      if (!isValidPageSize(pageSize)) throw corruptError(1, `invalid page size ${pageSize}`);
    }
    if (pageSize === null) pageSize = options.pageSize ?? 4096;
    if (!isValidPageSize(pageSize)) throw new DbError("DB_MISUSE", `invalid page size ${pageSize}`);
    wal.setPageSize(pageSize);
    const cacheSize = options.cacheSize ?? options.cacheSizePages ?? DEFAULT_CACHE_SIZE;
    const dbPages = wal.dbSizePages();
    if (dbPages === 0) {
      if (n > 0) throw corruptError(1, "database file is truncated");
      const pager = new Pager(wal, newHeader(pageSize), cacheSize, options.cachePolicy);
      if (!wal.readonly) pager.writeCommit([], pager.committed);
      return pager;
    }
    const page1 = new Uint8Array(pageSize);
    wal.readPage(1, page1);
    verifyPage(page1, 1, dbPages);
    const header = decodeHeader(page1);
    if (header.pageSize !== pageSize) throw corruptError(1, `page size ${header.pageSize} differs from ${pageSize}`);
    if (header.pageCount > dbPages) throw corruptError(1, `page count ${header.pageCount} exceeds file (${dbPages})`);
    // Every commit frame records the header's page count: a WAL that disagrees is damaged (and a
    // checkpoint would size the db file from it).
    if (wal.committedFrames > 0 && header.pageCount !== dbPages) {
      throw corruptError(1, `page count ${header.pageCount} differs from the WAL's commit size ${dbPages}`);
    }
    return new Pager(wal, header, cacheSize, options.cachePolicy);
  }

  /** Database size in pages (including page 1), as seen by the open transaction. */
  pageCount(): number {
    return this.current.pageCount;
  }

  /** Free pages (free-list trunks and leaves). */
  freelistCount(): number {
    return this.current.freeCount;
  }

  /** Pages currently held by the page cache (for tests and diagnostics). */
  get cachedPageCount(): number {
    return this.cache.size;
  }

  /** The page cache budget in pages (pinned and dirty pages may exceed it). */
  get cacheSizePages(): number {
    return this.cacheLimit;
  }

  /** The page cache budget as last set: > 0 pages, < 0 KiB (SQLite's `PRAGMA cache_size`). */
  get cacheSize(): number {
    return this.cacheSizeSetting;
  }

  /**
   * Sets the page cache budget, with SQLite's `cache_size` meaning: `n` > 0 is a number of pages,
   * `n` < 0 is -KiB (0 means the default). Shrinking evicts clean pages at once.
   */
  setCacheSize(n: number): void {
    if (!Number.isFinite(n)) throw new DbError("DB_MISUSE", `invalid cache size ${n}`);
    n = Math.trunc(n) || DEFAULT_CACHE_SIZE;
    this.cacheSizeSetting = n;
    const pages = n > 0 ? n : Math.floor((-n * 1024) / this.pageSize);
    this.cacheLimit = Math.max(1, Math.min(pages, 0x3fffffff));
    if (!this.closed) this.shrink();
  }

  /** Page cache statistics (for tests, diagnostics and benchmarks). */
  cacheStats(): { policy: CachePolicy; pages: number; limit: number; dirty: number; hits: number; misses: number } {
    const c = this.cache;
    return { policy: c.policy, pages: c.size, limit: this.cacheLimit, dirty: c.dirtyCount, hits: c.hits, misses: c.misses };
  }

  get inWrite(): boolean {
    return this.writing;
  }

  /**
   * Write transactions begun so far. Every change to a page happens inside one, so bytes read
   * in place from a pinned page outside a write transaction stay as they were while this count
   * (and `inWrite`, false) is unchanged: what zero-copy readers check.
   */
  get writeCount(): number {
    return this.writes;
  }

  /**
   * Changes whenever a page may have been freed, dropped or put back to older content other than
   * by a caller's own writes: a new write transaction (another connection may have committed),
   * a rollback (also to a savepoint), `free`, `takeFreePages`, `truncate`. While it is unchanged
   * within a write transaction, a page a caller wrote stays as that caller (and the other users
   * of the page) left it: the b-tree's append hint checks this.
   */
  get pageEpoch(): number {
    return this.epoch;
  }

  /** Starts a read transaction; they nest (each needs an `endRead`). */
  beginRead(): void {
    this.live();
    // Count the read only once it has started: a failed start (a poisoned WAL) must not leave a
    // phantom read open, through which later reads would skip the WAL's checks.
    if (this.readDepth === 0) this.snapshot = this.wal.beginRead(this.spareSnapshot);
    this.readDepth++;
  }

  /** Ends a read transaction. DB_MISUSE if none is open. */
  endRead(): void {
    this.live();
    if (this.readDepth === 0) throw new DbError("DB_MISUSE", "endRead without beginRead");
    if (--this.readDepth === 0) this.dropSnapshot();
  }

  /** Starts the write transaction. DB_MISUSE if one is open, DB_READONLY, or DB_IOERR after a failed fsync. */
  beginWrite(): void {
    this.live();
    if (this.writing) throw new DbError("DB_MISUSE", "a write transaction is already open");
    if (this.wal.readonly) throw new DbError("DB_READONLY", "attempt to write a readonly database");
    if (this.wal.error !== null) {
      throw new DbError("DB_IOERR", "a previous fsync failed; the connection must be reopened", {
        cause: this.wal.error,
      });
    }
    this.writing = true;
    this.writes++;
    this.epoch++;
    assignHeader(this.current, this.committed);
  }

  /**
   * Writes every dirty page and the header page as WAL frames ending in a commit frame, then
   * checkpoints if the WAL has reached its autocheckpoint size (checkpoint errors are not thrown:
   * the commit stands). If writing fails the transaction is rolled back and the error rethrown.
   */
  commit(): void {
    this.requireWrite();
    const dirty = this.cache.dirtyPages();
    if (dirty.length === 0 && this.spilled.size === 0 && sameHeader(this.current, this.committed)) {
      this.endWrite();
      return;
    }
    // Page 1 is rewritten only when a header field changed (page count, free list, meta), as
    // SQLite in WAL mode does: the commit frame itself records the database size, so a commit
    // that only changes b-tree pages appends just those pages. The change counter counts the
    // commits that rewrote page 1. A transaction whose pages all went out as spilled frames
    // still needs a commit frame: it rewrites page 1 (unchanged but for the counter).
    const writeHeader = !sameHeader(this.current, this.committed) || dirty.length === 0;
    const header = this.current; // becomes `committed` (below, the old committed object becomes `current`)
    if (writeHeader) header.changeCounter = (header.changeCounter + 1) >>> 0;
    try {
      this.writeCommit(dirty, writeHeader ? header : null);
    } catch (e) {
      this.rollback();
      throw e;
    }
    for (const page of dirty) page.dirty = false;
    // `current` becomes the committed header; the old committed object is reused as `current`.
    const old = this.committed;
    this.committed = header;
    this.current = old;
    this.endWrite();
    if (this.snapshot !== null) this.wal.beginRead(this.snapshot); // the open read moves to this commit
    const limit = this.wal.autocheckpointFrames;
    if (limit > 0 && this.wal.frameCount >= limit) {
      try {
        this.wal.checkpoint();
      } catch {
        // The commit is durable in the WAL; a poisoned connection reports at the next write.
      }
    }
  }

  /** Discards the write transaction: the cache and header return to the last committed state. No-op without one. */
  rollback(): void {
    this.live();
    if (!this.writing) return;
    this.epoch++;
    this.wal.rollback();
    const committedPages = this.committed.pageCount;
    for (const page of this.cache.all()) {
      if (!page.dirty && !this.spilled.has(page.pgno) && page.pgno <= committedPages) continue;
      page.dirty = false;
      if (page.pins === 0 || page.pgno > committedPages || !this.reload(page)) {
        this.cache.remove(page.pgno);
        if (page.pgno > committedPages) page.data.fill(0);
      }
    }
    this.endWrite(); // which resets `current` to the committed header
  }

  /** Fetches and pins page `pgno` (2..pageCount). DB_CORRUPT naming the page if its checksum fails or it is out of range. */
  get(pgno: Pgno): Page {
    this.live();
    if (pgno === 1) throw new DbError("DB_MISUSE", "page 1 is the header page");
    if (!Number.isInteger(pgno) || pgno < 1 || pgno > this.current.pageCount) {
      throw corruptError(pgno, `page number out of range (page count ${this.current.pageCount})`);
    }
    const page = this.fetch(pgno, true);
    this.shrink();
    return page;
  }

  /**
   * Declares intent to modify `page` (obtained from `get`/`allocate`); needs a write transaction.
   * Call it before every batch of changes, even if the page is already dirty: a savepoint opened
   * since the last call saves the page's content here.
   */
  markDirty(page: Page): void {
    this.requireWrite();
    const p = page as CachedPage;
    if (this.cache.peek(p.pgno) !== p) {
      throw new DbError("DB_MISUSE", `page ${p.pgno} is not cached (used after release?)`);
    }
    if (this.savepoints.length !== 0) this.journal(p);
    p.dirty = true;
  }

  /**
   * A hint that `page` will not be needed again soon: the cache evicts it (or, if dirty, spills
   * it) before any other page. Changes nothing else; harmless on a page that is used again.
   */
  demote(page: Page): void {
    this.cache.demote(page as CachedPage);
  }

  /** Unpins a page. Unpinned clean pages may be evicted; releasing twice is harmless. */
  release(page: Page): void {
    const p = page as CachedPage;
    if (p.pins > 0) p.pins--;
  }

  /** Allocates a page (free list first, else grows the file); returned pinned, dirty and zeroed. */
  allocate(): Page {
    this.requireWrite();
    let pgno = popFreePage(this.freeHost);
    if (pgno === 0) {
      // A WAL commit frame records the page count in 31 bits.
      if (this.current.pageCount >= MAX_COMMIT_SIZE) throw new DbError("DB_FULL", "database is full (page count)");
      pgno = ++this.current.pageCount;
    }
    if (this.savepoints.length !== 0) {
      // A page from the free list that is not cached was a free leaf when the newest savepoint
      // was opened (a page freed since then was saved by `free`): its content does not matter.
      const cached = this.cache.peek(pgno);
      if (cached !== undefined) this.journal(cached);
    }
    const page = this.fetch(pgno, false);
    page.data.fill(0);
    page.dirty = true;
    this.shrink();
    return page;
  }

  /** Returns page `pgno` (2..pageCount, not already free) to the free list; needs a write transaction. */
  free(pgno: Pgno): void {
    this.requireWrite();
    this.epoch++;
    if (!Number.isInteger(pgno) || pgno < 2 || pgno > this.current.pageCount) {
      throw new DbError("DB_MISUSE", `cannot free page ${pgno}`);
    }
    if (pgno === this.current.freeTrunk) throw corruptError(pgno, "page freed twice");
    if (this.savepoints.length !== 0) this.journalFreed(pgno);
    pushFreePage(this.freeHost, pgno);
    this.shrink();
  }

  /**
   * Takes every page off the free list and returns their numbers (trunks and leaves, unordered);
   * the caller now owns them (their content is arbitrary) and must reuse, `free` or `truncate`
   * them away. For compaction (VACUUM). Needs a write transaction; DB_CORRUPT if the list is damaged.
   */
  takeFreePages(): Pgno[] {
    this.requireWrite();
    this.epoch++;
    const h = this.current;
    const out: Pgno[] = [];
    const seen = new Set<Pgno>();
    const cap = trunkCapacity(this.usableSize);
    const check = (pgno: Pgno, from: Pgno) => {
      if (!Number.isInteger(pgno) || pgno < 2 || pgno > h.pageCount || seen.has(pgno)) {
        throw corruptError(from, `free-list page ${pgno} out of range or listed twice`);
      }
      seen.add(pgno);
      out.push(pgno);
    };
    let trunk = h.freeTrunk;
    let from = 1;
    while (trunk !== 0) {
      check(trunk, from);
      const page = this.fetch(trunk, true);
      try {
        const v = new DataView(page.data.buffer, page.data.byteOffset, page.data.length);
        const n = v.getUint32(4);
        if (n > cap) throw corruptError(trunk, `free-list trunk holds ${n} leaves`);
        for (let i = 0; i < n; i++) check(v.getUint32(8 + 4 * i), trunk);
        from = trunk;
        trunk = v.getUint32(0);
      } finally {
        page.pins--;
      }
    }
    if (out.length !== h.freeCount) throw corruptError(1, `free-list count ${h.freeCount} but ${out.length} pages listed`);
    h.freeTrunk = 0;
    h.freeCount = 0;
    this.shrink();
    return out;
  }

  /**
   * Shrinks the database to its first `pageCount` pages (the file shrinks at the next
   * checkpoint). Pages above must be unreferenced by the layers above, and the free list must be
   * empty (see `takeFreePages`); cached pages above are dropped. Needs a write transaction.
   */
  truncate(pageCount: number): void {
    this.requireWrite();
    this.epoch++;
    if (!Number.isInteger(pageCount) || pageCount < 1 || pageCount > this.current.pageCount) {
      throw new DbError("DB_MISUSE", `cannot truncate to ${pageCount} pages (page count ${this.current.pageCount})`);
    }
    if (this.current.freeCount !== 0) throw new DbError("DB_MISUSE", "truncate needs an empty free list");
    this.dropPagesAbove(pageCount);
    this.current.pageCount = pageCount;
  }

  /** Meta slot `slot` (0..7) as a u32. Slot 0 = schema root pgno, 1 = schema version. DB_RANGE for a bad slot. */
  getMeta(slot: number): number {
    this.live();
    return this.current.meta[checkSlot(slot)];
  }

  /** Sets meta slot `slot` (0..7) to `value` (u32); needs a write transaction. DB_RANGE for a bad slot or value. */
  setMeta(slot: number, value: number): void {
    this.requireWrite();
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new DbError("DB_RANGE", `meta value ${value} is not a u32`);
    }
    this.current.meta[checkSlot(slot)] = value;
  }

  /**
   * Opens a savepoint inside the write transaction and returns its id. Ids increase (and are never
   * reused); savepoints nest. DB_MISUSE outside a write transaction. `commit` and `rollback` end
   * every open savepoint.
   */
  savepoint(): number {
    this.requireWrite();
    const id = ++this.lastSavepointId;
    this.savepoints.push({ id, header: copyHeader(this.current), pages: new Map() });
    return id;
  }

  /**
   * Returns every page, the page count, the free list and the meta slots to their state when
   * savepoint `id` was opened, like SQLite's ROLLBACK TO: `id` stays open (with nothing to undo,
   * so it can be rolled back to again) and every newer savepoint is ended. Restored pages that are
   * cached are restored in place (`Page` objects callers hold see the old content); pages
   * allocated since beyond the restored page count are dropped from the cache and zero-filled.
   * DB_MISUSE outside a write transaction or if `id` is not open.
   */
  rollbackTo(id: number): void {
    this.requireWrite();
    const k = this.savepointIndex(id);
    if (k < 0) throw new DbError("DB_MISUSE", `no open savepoint ${id}`);
    this.epoch++;
    const target = this.savepoints[k];
    const keep = target.header.pageCount;
    let images = target.pages;
    if (k < this.savepoints.length - 1) {
      images = new Map(images);
      for (let i = k + 1; i < this.savepoints.length; i++) {
        for (const [pgno, image] of this.savepoints[i].pages) {
          if (pgno <= keep && !images.has(pgno)) images.set(pgno, image); // the oldest image wins
        }
      }
    }
    this.dropPagesAbove(keep);
    for (const [pgno, image] of images) this.restore(pgno, image);
    this.current = copyHeader(target.header);
    this.savepoints.length = k + 1;
    target.pages = new Map();
    this.shrink();
  }

  /**
   * Ends savepoint `id` and every newer one, keeping their changes in the transaction (an older
   * savepoint can still undo them). A no-op if `id` is no longer open (released already, ended by
   * `rollbackTo` an older one, or by the end of its transaction); DB_MISUSE for an id never issued.
   */
  releaseSavepoint(id: number): void {
    this.live();
    if (!Number.isInteger(id) || id < 1 || id > this.lastSavepointId) {
      throw new DbError("DB_MISUSE", `no savepoint ${id}`);
    }
    const k = this.savepointIndex(id);
    if (k < 0) return;
    if (k > 0) {
      const parent = this.savepoints[k - 1];
      const limit = parent.header.pageCount;
      for (let i = k; i < this.savepoints.length; i++) {
        for (const [pgno, image] of this.savepoints[i].pages) {
          if (pgno <= limit && !parent.pages.has(pgno)) parent.pages.set(pgno, image);
        }
      }
    }
    this.savepoints.length = k;
  }

  /** Open savepoints (for tests and diagnostics). */
  get savepointDepth(): number {
    return this.savepoints.length;
  }

  /** Page size in bytes (fixed at creation; only `reformat` changes it). */
  get pageSize(): number {
    return this._pageSize;
  }

  /** Bytes of a page the layers above may use: pageSize minus the 8-byte reserved trailer. */
  get usableSize(): number {
    return this._usableSize;
  }

  /**
   * Gives a database that holds nothing a new page size (bytes, a power of two 512..65536): the
   * files are emptied (`Wal.reformat`), the cache dropped, and a header page committed at the new
   * size. SQLite's `PRAGMA page_size` before the first table; the caller checks that the database
   * is empty (everything in it is lost). Allowed inside a read transaction (its snapshot moves to
   * the new database), not a write one (DB_MISUSE). DB_MISUSE for an invalid size, DB_READONLY,
   * DB_IOERR.
   */
  reformat(pageSize: number): void {
    this.live();
    if (this.writing) throw new DbError("DB_MISUSE", "page size change inside a write transaction");
    if (pageSize === this._pageSize) return;
    this.wal.reformat(pageSize);
    this.cache.clear();
    this._pageSize = pageSize;
    this._usableSize = pageSize - RESERVED_BYTES;
    this.committed = newHeader(pageSize);
    this.current = copyHeader(this.committed);
    this.writeCommit([], this.committed);
    if (this.snapshot !== null) this.wal.beginRead(this.snapshot); // the open read moves to this commit
  }

  /** Rolls back an open write transaction, then closes the WAL (which checkpoints). Idempotent. */
  close(): void {
    if (this.closed) return;
    try {
      this.rollback();
    } finally {
      this.dropSnapshot();
      this.readDepth = 0;
      this.cache.clear();
      this.closed = true;
      this.wal.close();
    }
  }

  /** The cached page, else reads it (verifying) or, if `read` is false, creates it zeroed. Pins it. */
  private fetch(pgno: Pgno, read: boolean): CachedPage {
    let page: CachedPage | undefined = this.cache.touch(pgno);
    if (page === undefined) {
      if (read) this.seqMisses = pgno === this.lastMiss + 1 ? this.seqMisses + 1 : 0;
      if (read && this.seqMisses >= READ_AHEAD_AFTER && !this.writing) {
        page = this.readAhead(pgno);
        if (page !== undefined) {
          page.pins++;
          return page;
        }
      }
      const data = this.cache.buffer(this.pageSize);
      if (read) {
        this.cache.misses++;
        this.lastMiss = pgno;
        this.wal.readPage(pgno, data);
        verifyPage(data, pgno, this.committed.pageCount);
      }
      page = this.cache.insert(pgno, data);
    }
    page.pins++;
    return page;
  }

  /**
   * Read-ahead for sequential scans: a read miss after READ_AHEAD_AFTER misses on the pages
   * just before reads that page and the next ones (up to READ_AHEAD_PAGES, those not cached and with no WAL frame)
   * from the db file in one read, and caches them (in the 2Q probation queue, so a scan still
   * does not displace the hot pages). A b-tree's leaves are mostly in page order after a bulk
   * load. Returns the page `pgno` (not pinned), or undefined to read it as usual.
   */
  private readAhead(pgno: Pgno): CachedPage | undefined {
    const ps = this.pageSize;
    const last = Math.min(this.committed.pageCount, pgno + READ_AHEAD_PAGES - 1);
    let n = 1;
    while (pgno + n <= last && this.cache.peek(pgno + n) === undefined) n++;
    if (n < 2) return undefined;
    if (this.readAheadBuf === null || this.readAheadBuf.length < READ_AHEAD_PAGES * ps) {
      this.readAheadBuf = new Uint8Array(READ_AHEAD_PAGES * ps);
    }
    const run = this.readAheadBuf;
    const got = this.wal.readDbPages(pgno, n, run);
    if (got === 0) return undefined;
    let first: CachedPage | undefined;
    const batch = this.readAheadPages;
    batch.length = 0;
    for (let i = 0; i < got; i++) {
      const p = pgno + i;
      const data = this.cache.buffer(ps);
      data.set(run.subarray(i * ps, (i + 1) * ps));
      if (i === 0) {
        this.cache.misses++;
        verifyPage(data, p, this.committed.pageCount);
        first = this.cache.insert(p, data);
        batch.push(first);
      } else {
        // A page that fails its check is left out: its own read reports it.
        try {
          verifyPage(data, p, this.committed.pageCount);
        } catch {
          break;
        }
        batch.push(this.cache.insert(p, data));
      }
    }
    // (page pgno is used now: only the others wait for their first use)
    batch.shift();
    this.cache.readAhead(batch);
    batch.length = 0;
    this.lastMiss = pgno + got - 1;
    this.seqMisses++;
    return first;
  }

  /**
   * Saves `page`'s current content for the newest savepoint, unless that savepoint has it already
   * or the page did not exist when it was opened. Call before changing the page.
   */
  private journal(page: CachedPage): void {
    const top = this.savepoints[this.savepoints.length - 1];
    if (page.pgno > top.header.pageCount || top.pages.has(page.pgno)) return;
    top.pages.set(page.pgno, { data: page.data.slice(), clean: !page.dirty && !this.spilled.has(page.pgno) });
  }

  /**
   * Saves the content of a page about to be freed: it is in use again after a rollback, and may be
   * reallocated (zeroed) meanwhile. Reads the page if it is not cached.
   */
  private journalFreed(pgno: Pgno): void {
    const top = this.savepoints[this.savepoints.length - 1];
    if (pgno > top.header.pageCount || top.pages.has(pgno)) return;
    const page = this.fetch(pgno, true);
    this.journal(page);
    page.pins--;
  }

  private savepointIndex(id: number): number {
    for (let i = this.savepoints.length - 1; i >= 0; i--) if (this.savepoints[i].id === id) return i;
    return -1;
  }

  /** Puts a pre-image back: in place if the page is cached, else as a new cached page if it is dirty. */
  private restore(pgno: Pgno, image: PreImage): void {
    // Clean only if the WAL/db image is still the committed one (no frame spilled since).
    const dirty = !image.clean || this.spilled.has(pgno);
    const page = this.cache.peek(pgno);
    if (page !== undefined) {
      page.data.set(image.data);
      page.dirty = dirty;
    } else if (dirty) {
      this.cache.insert(pgno, image.data, true);
    }
    // (uncached and clean: the next read returns exactly `image`)
  }

  /** Drops pages numbered above `keep` from the cache (zero-filling them), after a rollback to a smaller size. */
  private dropPagesAbove(keep: number): void {
    const top = this.current.pageCount;
    if (top <= keep) return;
    const drop = (page: CachedPage) => {
      this.cache.remove(page.pgno);
      page.dirty = false;
      page.data.fill(0);
    };
    if (top - keep <= this.cache.size) {
      for (let pgno = keep + 1; pgno <= top; pgno++) {
        const page = this.cache.peek(pgno);
        if (page !== undefined) drop(page);
      }
    } else {
      for (const page of this.cache.all()) if (page.pgno > keep) drop(page);
    }
    // Frames these pages spilled stay in the WAL beyond the commit size: never read (a page
    // allocated again is zeroed without a read) and never checkpointed.
  }

  /** Re-reads a page in place from the WAL/db file; false if that fails. */
  private reload(page: CachedPage): boolean {
    try {
      this.wal.readPage(page.pgno, page.data);
      verifyPage(page.data, page.pgno, this.committed.pageCount);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Keeps the cache within budget: evicts clean unpinned pages; if that is not enough, spills a
   * batch of the coldest dirty pages (an eighth of the budget, or what is over it if more) to the
   * WAL as uncommitted frames and evicts them at once. Spilling only cold pages keeps the hot
   * ones (the path to the page being filled) from being written again at every spill, and
   * evicting the batch leaves room for the next reads without sweeping the cache for a clean page.
   */
  private shrink(): void {
    const limit = this.cacheLimit;
    if (this.cache.size <= limit) return;
    this.cache.evictClean(limit);
    if (this.cache.size <= limit || !this.writing || this.spillBlocked) return;
    // A batch of finished pages (demoted) is cheap to spill: they are not needed again. Pages
    // that may be in use (an index filled in random order) only as many as needed, in smaller
    // batches: each is likely to be read back and written again.
    const over = this.cache.size - limit;
    const victims = this.cache.coldDirtyPages(Math.max(over, limit >>> 3, 1), Math.max(over, limit >>> 6, 1));
    if (victims.length === 0) return;
    const frames: WalFrame[] = new Array(victims.length);
    for (let i = 0; i < victims.length; i++) frames[i] = this.frameOf(victims[i]);
    try {
      this.wal.writeFrames(frames, 0);
    } catch {
      this.spillBlocked = true; // keep them in memory; commit will report a persistent error
      return;
    }
    for (const p of victims) {
      p.dirty = false;
      this.spilled.add(p.pgno);
      this.cache.evictPage(p);
    }
  }

  /** Seals the page and hands the WAL its body checksum, so the frame checksum costs no second pass. */
  private frameOf(page: CachedPage): WalFrame {
    const bodySum = { s0: 0, s1: 0 };
    sealPage(page.data, page.pgno, bodySum, page.view);
    return { pgno: page.pgno, data: page.data, bodySum };
  }

  /**
   * Writes `dirty` pages, plus a header page built from `header` unless it is null, as one
   * committed transaction of a database of `current.pageCount` pages.
   */
  private writeCommit(dirty: CachedPage[], header: DbHeader | null): void {
    sortByPgno(dirty);
    // The frame objects and the list are reused: the WAL keeps none of them past writeFrames.
    const frames = this.commitFrames;
    frames.length = dirty.length + (header !== null ? 1 : 0); // >= 1: a commit always has a frame
    for (let i = 0; i < dirty.length; i++) frames[i] = this.sealedFrame(i, dirty[i].pgno, dirty[i].data, dirty[i].view);
    if (header !== null) {
      // Copied out by the WAL before writeFrames returns, so one buffer serves every commit.
      if (this.page1Scratch === null || this.page1Scratch.length !== this.pageSize) this.page1Scratch = new Uint8Array(this.pageSize);
      const page1 = this.page1Scratch.fill(0);
      encodeHeader(header, page1);
      frames[dirty.length] = this.sealedFrame(dirty.length, 1, page1, undefined);
    }
    this.wal.writeFrames(frames, this.current.pageCount);
  }

  /** Seals page `data` and returns the pooled frame `i` describing it, with its body checksum. */
  private sealedFrame(i: number, pgno: number, data: Uint8Array, view: DataView | undefined): WalFrame {
    let f = this.framePool[i];
    if (f === undefined) {
      f = { pgno, data, bodySum: { s0: 0, s1: 0 } };
      this.framePool[i] = f;
    }
    f.pgno = pgno;
    f.data = data;
    sealPage(data, pgno, f.bodySum, view);
    return f;
  }

  private endWrite(): void {
    this.writing = false;
    this.savepoints.length = 0;
    if (this.spilled.size > 0) this.spilled.clear(); // clear() allocates a table even when empty
    this.spillBlocked = false;
    assignHeader(this.current, this.committed);
  }

  private dropSnapshot(): void {
    if (this.snapshot !== null) this.wal.endRead(this.snapshot);
    this.snapshot = null;
  }

  private live(): void {
    if (this.closed) throw new DbError("DB_MISUSE", "the pager is closed");
  }

  private requireWrite(): void {
    this.live();
    if (!this.writing) throw new DbError("DB_MISUSE", "no write transaction is open");
  }
}

/**
 * Sorts pages by page number in place. An autocommit has two or three dirty pages, for which an
 * insertion sort costs a fraction of Array.prototype.sort's set-up.
 */
function sortByPgno(pages: CachedPage[]): void {
  if (pages.length > 16) {
    pages.sort((a, b) => a.pgno - b.pgno);
    return;
  }
  for (let i = 1; i < pages.length; i++) {
    const p = pages[i];
    let j = i - 1;
    for (; j >= 0 && pages[j].pgno > p.pgno; j--) pages[j + 1] = pages[j];
    pages[j + 1] = p;
  }
}

function checkSlot(slot: number): number {
  if (!Number.isInteger(slot) || slot < 0 || slot >= META_SLOTS) throw new DbError("DB_RANGE", `meta slot ${slot}`);
  return slot;
}
