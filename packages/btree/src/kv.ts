/**
 * KvStore: an ordered key-value store on one B+tree in a database file: byte-string keys in
 * memcmp order, byte-string values, read and write transactions, range iteration with bounds,
 * limit and reverse (streamed through a cursor, never materialized). See README.md.
 */
import { DbError, MemoryVfs, NodeVfs, Pager, Wal, type CachePolicy, type Synchronous, type Vfs } from "@db/pager";
import { BTree } from "./btree.js";
import type { BulkLoadOptions } from "./bulk.js";
import type { Cursor } from "./cursor.js";
import { collectPages } from "./ops.js";
import { compactDatabase } from "./vacuum.js";

/** A key or value: bytes, or a string (stored as its UTF-8 bytes). Reads always return bytes. */
export type Bytes = Uint8Array | string;

/** Header meta slot holding the store's tree root (slots 0-2 are used by the SQL layer). */
export const META_KV_ROOT = 7;

export interface KvOpenOptions {
  /** File system to use (default: Node's file system; a MemoryVfs for the path ":memory:"). */
  vfs?: Vfs;
  /** Create the file if it does not exist (default true). */
  create?: boolean;
  /** Open read-only (writes throw DB_READONLY). */
  readonly?: boolean;
  /** Page size for a new file: a power of two 512..65536 (default 4096). */
  pageSize?: number;
  /** Page cache budget, SQLite's `cache_size` meaning: > 0 pages, < 0 KiB (default -65536 = 64 MiB). */
  cacheSize?: number;
  /** Page cache replacement policy (default "2q"). */
  cachePolicy?: CachePolicy;
  /**
   * When commits are fsynced: "full" (default; every commit is durable when `write` returns),
   * "normal" (at checkpoints only: a crash may lose the last commits, never consistency), "off".
   */
  synchronous?: Synchronous;
  /** Checkpoint the WAL into the file once it holds this many frames (default 1000). */
  autocheckpointFrames?: number;
}

export interface RangeOptions {
  /** Lower bound, exclusive (`gt`) or inclusive (`gte`). */
  gt?: Bytes;
  gte?: Bytes;
  /** Upper bound, exclusive (`lt`) or inclusive (`lte`). */
  lt?: Bytes;
  lte?: Bytes;
  /** Only keys starting with these bytes (combines with the bounds). */
  prefix?: Bytes;
  /** At most this many entries. */
  limit?: number;
  /** Descending key order. */
  reverse?: boolean;
  /** Set to false to skip reading values (entries then carry an empty value). */
  values?: boolean;
}

/** Reads, available in every transaction and on the store itself (as single-read transactions). */
export interface KvReader {
  /** The value stored under `key` (a copy), or null. */
  get(key: Bytes): Uint8Array | null;
  has(key: Bytes): boolean;
  /**
   * Entries `[key, value]` in key order (or reverse) within the bounds, streamed from a cursor.
   * Break out of `for..of` (or call `return()`) to stop early. Writes made while iterating
   * are seen: the iterator continues after the last key it returned.
   */
  range(options?: RangeOptions): RangeIterator;
  /** Number of entries within the bounds (walks them; values are not read). */
  count(options?: RangeOptions): number;
}

/** Writes, available in write transactions and on the store itself (as autocommit writes). */
export interface KvWriter extends KvReader {
  /** Stores `value` under `key`, replacing any previous value. DB_TOOBIG above MAX_KEY_SIZE / MAX_VALUE_SIZE. */
  put(key: Bytes, value: Bytes): void;
  /** Removes `key`; returns whether it existed. */
  delete(key: Bytes): boolean;
  /** Removes every entry within the bounds; returns how many. */
  deleteRange(options: RangeOptions): number;
  /** Removes every entry. */
  clear(): void;
  /**
   * Loads entries with strictly ascending keys. Into an empty store this is a bulk load that
   * builds pages left to right (fast, pages packed to `fill`); otherwise entries are put one by
   * one. DB_MISUSE if keys are out of order (the transaction is then rolled back).
   */
  load(entries: Iterable<readonly [Bytes, Bytes]>, options?: BulkLoadOptions): number;
}

/** A read transaction: a consistent view until the function returns. */
export interface ReadTxn extends KvReader {
  /** A raw cursor over the store's tree (close it before the transaction ends). */
  cursor(): Cursor;
}

/** A write transaction: all of its changes commit together when the function returns. */
export interface WriteTxn extends ReadTxn, KvWriter {}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

function toBytes(b: Bytes): Uint8Array {
  return typeof b === "string" ? encoder.encode(b) : b;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** The smallest key greater than every key starting with `prefix` (null: no such key). */
function prefixEnd(prefix: Uint8Array): Uint8Array | null {
  const out = prefix.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0xff) {
      out[i]++;
      return out.subarray(0, i + 1);
    }
  }
  return null;
}

interface Bounds {
  lo: Uint8Array | null;
  loInclusive: boolean;
  hi: Uint8Array | null;
  hiInclusive: boolean;
  limit: number;
  reverse: boolean;
  values: boolean;
}

function bounds(o: RangeOptions = {}): Bounds {
  let lo: Uint8Array | null = null;
  let loInclusive = true;
  let hi: Uint8Array | null = null;
  let hiInclusive = true;
  if (o.gte !== undefined) lo = toBytes(o.gte);
  if (o.gt !== undefined) {
    lo = toBytes(o.gt);
    loInclusive = false;
  }
  if (o.lte !== undefined) hi = toBytes(o.lte);
  if (o.lt !== undefined) {
    hi = toBytes(o.lt);
    hiInclusive = false;
  }
  if (o.prefix !== undefined) {
    const p = toBytes(o.prefix);
    if (lo === null || compare(p, lo) > 0) {
      lo = p;
      loInclusive = true;
    }
    const end = prefixEnd(p);
    if (end !== null && (hi === null || compare(end, hi) <= 0)) {
      hi = end;
      hiInclusive = false;
    }
  }
  const limit = o.limit ?? Infinity;
  if (!(limit >= 0)) throw new DbError("DB_MISUSE", `invalid range limit ${o.limit}`);
  return { lo, loInclusive, hi, hiInclusive, limit, reverse: o.reverse === true, values: o.values !== false };
}

/**
 * A range iterator: an `IterableIterator` of `[key, value]` pairs read lazily from a cursor.
 * An iterator from the store itself (outside a transaction) holds a read transaction from its
 * first `next()` until it is exhausted or `return()`ed (`for..of` does that on `break`).
 */
export class RangeIterator implements IterableIterator<[Uint8Array, Uint8Array]> {
  private cursor: Cursor | null = null;
  private lastKey: Uint8Array | null = null;
  private version = -1;
  private remaining: number;
  private finished = false;
  private ownsRead = false;

  /** @internal */
  constructor(
    private readonly store: KvStore,
    private readonly b: Bounds,
    private readonly txn: Txn | null,
  ) {
    this.remaining = b.limit;
  }

  [Symbol.iterator](): RangeIterator {
    return this;
  }

  next(): IteratorResult<[Uint8Array, Uint8Array]> {
    if (this.finished) return { done: true, value: undefined };
    try {
      return this.step();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  return(): IteratorResult<[Uint8Array, Uint8Array]> {
    this.close();
    return { done: true, value: undefined };
  }

  private step(): IteratorResult<[Uint8Array, Uint8Array]> {
    const b = this.b;
    if (this.txn !== null) this.txn.check();
    if (this.remaining <= 0) return this.end();
    const store = this.store;
    let c = this.cursor;
    let ok: boolean;
    if (c === null) {
      if (this.txn === null && !store.inTransaction) {
        store.pager.beginRead();
        this.ownsRead = true;
      }
      c = this.cursor = store.tree.cursor();
      ok = this.start(c);
    } else if (this.version !== store.version) {
      ok = this.resume(c, this.lastKey as Uint8Array);
    } else {
      ok = b.reverse ? c.prev() : c.next();
    }
    if (!ok) return this.end();
    const key = c.key();
    if (b.reverse) {
      if (b.lo !== null) {
        const d = compare(key, b.lo);
        if (d < 0 || (d === 0 && !b.loInclusive)) return this.end();
      }
    } else if (b.hi !== null) {
      const d = compare(key, b.hi);
      if (d > 0 || (d === 0 && !b.hiInclusive)) return this.end();
    }
    const value = b.values ? c.value() : EMPTY;
    this.lastKey = key;
    this.version = store.version;
    this.remaining--;
    return { done: false, value: [key, value] };
  }

  /** Positions on the first entry in iteration order. */
  private start(c: Cursor): boolean {
    const b = this.b;
    if (b.reverse) {
      if (b.hi === null) return c.last();
      if (!c.seek(b.hi, "le")) return false;
      return b.hiInclusive || compare(c.key(), b.hi) !== 0 || c.prev();
    }
    if (b.lo === null) return c.first();
    if (!c.seek(b.lo, "ge")) return false;
    return b.loInclusive || compare(c.key(), b.lo) !== 0 || c.next();
  }

  /** After a write: positions on the entry after `last` (in iteration order). */
  private resume(c: Cursor, last: Uint8Array): boolean {
    if (this.b.reverse) {
      if (!c.seek(last, "le")) return false;
      return compare(c.key(), last) !== 0 || c.prev();
    }
    if (!c.seek(last, "ge")) return false;
    return compare(c.key(), last) !== 0 || c.next();
  }

  private end(): IteratorResult<[Uint8Array, Uint8Array]> {
    this.close();
    return { done: true, value: undefined };
  }

  private close(): void {
    if (this.finished) return;
    this.finished = true;
    const c = this.cursor;
    this.cursor = null;
    try {
      c?.close();
    } finally {
      if (this.ownsRead) {
        this.ownsRead = false;
        if (!this.store.closed) this.store.pager.endRead();
      }
    }
  }
}

/** The object handed to `read`/`write` callbacks; unusable once its transaction has ended. */
class Txn implements WriteTxn {
  live = true;

  constructor(
    private readonly store: KvStore,
    readonly writable: boolean,
  ) {}

  check(): void {
    if (!this.live) throw new DbError("DB_MISUSE", "transaction has ended");
  }

  private checkWrite(): void {
    this.check();
    if (!this.writable) throw new DbError("DB_MISUSE", "write in a read transaction");
  }

  get(key: Bytes): Uint8Array | null {
    this.check();
    return this.store.tree.get(toBytes(key));
  }

  has(key: Bytes): boolean {
    return this.get(key) !== null;
  }

  range(options?: RangeOptions): RangeIterator {
    this.check();
    return new RangeIterator(this.store, bounds(options), this);
  }

  count(options?: RangeOptions): number {
    this.check();
    let n = 0;
    for (const _ of new RangeIterator(this.store, { ...bounds(options), values: false }, this)) n++;
    return n;
  }

  cursor(): Cursor {
    this.check();
    return this.store.tree.cursor();
  }

  put(key: Bytes, value: Bytes): void {
    this.checkWrite();
    this.store.version++;
    this.store.tree.put(toBytes(key), toBytes(value));
  }

  delete(key: Bytes): boolean {
    this.checkWrite();
    const removed = this.store.tree.delete(toBytes(key));
    if (removed) this.store.version++;
    return removed;
  }

  deleteRange(options: RangeOptions): number {
    this.checkWrite();
    const b = bounds(options);
    const keys: Uint8Array[] = [];
    let n = 0;
    // In batches (collected, then deleted), so memory stays bounded for huge ranges.
    while (n < b.limit) {
      keys.length = 0;
      const batch = Math.min(1024, b.limit - n);
      for (const [k] of new RangeIterator(this.store, { ...b, values: false, limit: batch }, this)) keys.push(k);
      for (const k of keys) this.store.tree.delete(k);
      this.store.version++;
      n += keys.length;
      if (keys.length < batch) break;
    }
    return n;
  }

  clear(): void {
    this.checkWrite();
    this.store.version++;
    this.store.tree.clear();
  }

  load(entries: Iterable<readonly [Bytes, Bytes]>, options?: BulkLoadOptions): number {
    this.checkWrite();
    const store = this.store;
    store.version++;
    const bytes = function* (): Generator<readonly [Uint8Array, Uint8Array]> {
      for (const [k, v] of entries) yield [toBytes(k), toBytes(v)];
    };
    const c = store.tree.cursor();
    let empty: boolean;
    try {
      empty = !c.first();
    } finally {
      c.close();
    }
    if (empty) return store.tree.load(bytes(), options);
    let prev: Uint8Array | null = null;
    let n = 0;
    for (const [k, v] of bytes()) {
      if (prev !== null && compare(prev, k) >= 0) throw new DbError("DB_MISUSE", "load keys are not in strictly ascending order");
      store.tree.put(k, v);
      prev = k;
      n++;
    }
    return n;
  }
}

/**
 * An ordered key-value store in one database file (plus its `-wal` file while open).
 * Single connection, synchronous API. Every method throws `DbError` (DB_CORRUPT naming the page,
 * DB_TOOBIG, DB_IOERR/DB_FULL, DB_READONLY, DB_MISUSE).
 *
 * ```ts
 * const store = KvStore.open("data.db");
 * store.put("apple", "red");
 * store.write((tx) => { tx.put("banana", "yellow"); tx.delete("apple"); });
 * for (const [k, v] of store.range({ gte: "a", lt: "c", limit: 10 })) console.log(k, v);
 * store.close();
 * ```
 */
export class KvStore implements KvWriter {
  /** @internal */ readonly pager: Pager;
  /** @internal */ tree: BTree;
  /** @internal bumped by every change; iterators re-seek when it moves */
  version = 0;
  /** @internal */ closed = false;
  private readonly wal: Wal;
  private txn: Txn | null = null;
  private readDepth = 0;
  /** A read transaction kept open for autocommit `get`s (see `get`). */
  private idleRead = false;

  private constructor(wal: Wal, pager: Pager) {
    this.wal = wal;
    this.pager = pager;
    let root = pager.getMeta(META_KV_ROOT);
    if (root === 0) {
      if (wal.readonly) throw new DbError("DB_READONLY", "the store is empty and opened read-only");
      pager.beginWrite();
      try {
        root = BTree.create(pager);
        pager.setMeta(META_KV_ROOT, root);
        pager.commit();
      } catch (e) {
        pager.rollback();
        throw e;
      }
    }
    this.tree = new BTree(pager, root);
  }

  /**
   * Opens (by default creating) the store in file `path`, through `options.vfs` or Node's file
   * system; `":memory:"` opens a private in-memory store.
   */
  static open(path: string, options: KvOpenOptions = {}): KvStore {
    const memory = path === ":memory:";
    const vfs = options.vfs ?? (memory ? new MemoryVfs() : new NodeVfs());
    const wal = Wal.open(vfs, memory ? "memory.db" : path, {
      create: !options.readonly && options.create !== false,
      readonly: options.readonly === true,
      ...(options.autocheckpointFrames !== undefined ? { autocheckpointFrames: options.autocheckpointFrames } : {}),
      ...(options.synchronous !== undefined ? { synchronous: options.synchronous } : {}),
    });
    try {
      const pager = Pager.open(wal, {
        ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
        cacheSize: options.cacheSize ?? -65536,
        ...(options.cachePolicy !== undefined ? { cachePolicy: options.cachePolicy } : {}),
      });
      try {
        return new KvStore(wal, pager);
      } catch (e) {
        pager.close();
        throw e;
      }
    } catch (e) {
      try {
        wal.close();
      } catch {
        // the open error is the one reported
      }
      throw e;
    }
  }

  /** True while a `read` or `write` callback is running. */
  get inTransaction(): boolean {
    return this.txn !== null || this.readDepth > 0;
  }

  /**
   * Runs `fn` in a read transaction: it sees one consistent state of the store. Nested in
   * another transaction, it shares it. Returns what `fn` returns (which must not be a promise).
   */
  read<T>(fn: (tx: ReadTxn) => T): T {
    this.live();
    if (this.txn !== null) return synchronous(fn(this.txn));
    const tx = new Txn(this, false);
    this.pager.beginRead();
    this.readDepth++;
    try {
      return synchronous(fn(tx));
    } finally {
      tx.live = false;
      this.readDepth--;
      this.pager.endRead();
    }
  }

  /**
   * Runs `fn` in a write transaction and commits when it returns (durably, with the default
   * `synchronous: "full"`); if it throws, every change it made is rolled back and the error
   * rethrown. Nested in another write, it is a savepoint: its changes are undone alone if it
   * throws. `fn` must be synchronous (a returned promise is DB_MISUSE, and rolled back).
   */
  write<T>(fn: (tx: WriteTxn) => T): T {
    this.live();
    if (this.txn !== null) {
      if (!this.txn.writable) throw new DbError("DB_MISUSE", "write inside a read transaction");
      const sp = this.pager.savepoint();
      try {
        const r = synchronous(fn(this.txn));
        this.pager.releaseSavepoint(sp);
        return r;
      } catch (e) {
        this.pager.rollbackTo(sp);
        this.pager.releaseSavepoint(sp);
        this.version++;
        throw e;
      }
    }
    if (this.readDepth > 0) throw new DbError("DB_MISUSE", "write inside a read transaction");
    this.pager.beginWrite();
    const tx = new Txn(this, true);
    this.txn = tx;
    try {
      const r = synchronous(fn(tx));
      this.pager.commit();
      return r;
    } catch (e) {
      this.pager.rollback();
      this.version++;
      this.dropIdleRead();
      throw e;
    } finally {
      tx.live = false;
      this.txn = null;
    }
  }

  /**
   * Ends the read transaction kept for autocommit gets, after a failed write or checkpoint: the
   * next read then starts afresh, through the WAL's checks (e.g. refusing reads after a failed
   * fsync).
   */
  private dropIdleRead(): void {
    if (!this.idleRead) return;
    this.idleRead = false;
    try {
      this.pager.endRead();
    } catch {
      // the pager is failing already; the original error is the one reported
    }
  }

  get(key: Bytes): Uint8Array | null {
    this.live();
    const k = toBytes(key);
    // After a failed fsync (the connection is poisoned), start each read afresh so that the
    // WAL can refuse it.
    if (this.idleRead && this.wal.error !== null) this.dropIdleRead();
    if (this.txn === null && this.readDepth === 0 && !this.idleRead) {
      // Autocommit reads share one pager read transaction, left open between them: this store
      // is the database's only connection and every commit moves that snapshot to the newest
      // state (so it never holds back a checkpoint), which makes it equivalent to a fresh read
      // transaction per call, without the cost of opening and closing one each time.
      this.pager.beginRead();
      this.idleRead = true;
    }
    return this.tree.get(k);
  }

  has(key: Bytes): boolean {
    return this.get(key) !== null;
  }

  /** See `KvReader.range`; outside a transaction the iterator holds its own read transaction. */
  range(options?: RangeOptions): RangeIterator {
    this.live();
    return new RangeIterator(this, bounds(options), this.txn);
  }

  count(options?: RangeOptions): number {
    return this.read((tx) => tx.count(options));
  }

  put(key: Bytes, value: Bytes): void {
    this.write((tx) => tx.put(key, value));
  }

  delete(key: Bytes): boolean {
    return this.write((tx) => tx.delete(key));
  }

  deleteRange(options: RangeOptions): number {
    return this.write((tx) => tx.deleteRange(options));
  }

  clear(): void {
    this.write((tx) => tx.clear());
  }

  load(entries: Iterable<readonly [Bytes, Bytes]>, options?: BulkLoadOptions): number {
    return this.write((tx) => tx.load(entries, options));
  }

  /**
   * Rebuilds the store compactly (pages packed full, in key order) and shrinks the file to the
   * pages in use, then checkpoints so that the file itself shrinks. Not inside a transaction.
   */
  compact(): void {
    this.live();
    if (this.inTransaction) throw new DbError("DB_MISUSE", "compact inside a transaction");
    this.pager.beginWrite();
    try {
      const roots = compactDatabase(this.pager, [this.tree.root]);
      const root = roots.get(this.tree.root) ?? this.tree.root;
      if (root !== this.tree.root) this.pager.setMeta(META_KV_ROOT, root);
      this.pager.commit();
      this.tree = new BTree(this.pager, root);
    } catch (e) {
      this.pager.rollback();
      this.dropIdleRead();
      throw e;
    } finally {
      this.version++;
    }
    this.checkpoint();
  }

  /** Copies committed changes from the WAL into the database file (and truncates the WAL). */
  checkpoint(): void {
    this.live();
    if (this.inTransaction) throw new DbError("DB_MISUSE", "checkpoint inside a transaction");
    try {
      this.wal.checkpoint();
    } catch (e) {
      this.dropIdleRead();
      throw e;
    }
  }

  /**
   * Checks the whole store: the tree's structure (see FORMAT.md invariants), that every page
   * is in use or free, and the checksum of every page not in the cache (free pages included).
   * Returns problems, each starting "page N: "; empty when sound.
   */
  checkIntegrity(): string[] {
    return this.read(() => {
      const problems = this.tree.checkIntegrity();
      const pager = this.pager;
      for (let p = 2; p <= pager.pageCount(); p++) {
        try {
          pager.release(pager.get(p));
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          if (!problems.some((q) => q.startsWith(`page ${p}: `))) problems.push(`page ${p}: ${msg}`);
        }
      }
      if (problems.length > 0) return problems;
      const used = collectPages(this.tree.t).length;
      const expected = pager.pageCount() - 1 - pager.freelistCount();
      if (used !== expected) problems.push(`page 1: ${expected} pages should be in use but the tree has ${used}`);
      return problems;
    });
  }

  /** Sizes and page cache figures. */
  stats(): { pageSize: number; pageCount: number; freePages: number; cachedPages: number; cacheSizePages: number } {
    this.live();
    return {
      pageSize: this.pager.pageSize,
      pageCount: this.pager.pageCount(),
      freePages: this.pager.freelistCount(),
      cachedPages: this.pager.cachedPageCount,
      cacheSizePages: this.pager.cacheSizePages,
    };
  }

  /** Closes the store (checkpointing the WAL into the file). Idempotent. DB_MISUSE inside a transaction. */
  close(): void {
    if (this.closed) return;
    if (this.txn !== null || this.readDepth > 0) throw new DbError("DB_MISUSE", "close inside a transaction");
    this.closed = true;
    this.idleRead = false;
    this.pager.close();
  }

  private live(): void {
    if (this.closed) throw new DbError("DB_MISUSE", "the store is closed");
  }
}

function synchronous<T>(r: T): T {
  if (r !== null && typeof r === "object" && typeof (r as { then?: unknown }).then === "function") {
    throw new DbError("DB_MISUSE", "transaction callbacks must be synchronous (got a promise)");
  }
  return r;
}
