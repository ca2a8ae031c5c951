/**
 * The page cache: every page the pager holds in memory, with the replacement policy that picks
 * which clean, unpinned page to drop when the cache is over budget. Pinned pages (handed out by
 * `get`/`allocate` and not yet released) and dirty pages are never evicted here (the pager spills
 * dirty pages to the WAL first). Page buffers of evicted pages are recycled for the next read.
 *
 * Policies (`CachePolicy`), chosen by measurement (see packages/btree/README.md, "Page cache"):
 * - "lru": a doubly linked list in recency order; a hit moves the page to the MRU end.
 * - "clock": one ring with a reference bit per page; a hit only sets the bit; the hand clears
 *   bits and evicts the first unreferenced page.
 * - "2q" (default): scan-resistant 2Q (Johnson & Shasha, 1994) over CLOCK. New pages enter a
 *   FIFO probation queue; it is drained first whenever it holds more than a quarter of the
 *   budget. A page is promoted to the main CLOCK ring when it is referenced again after another
 *   page has been read into the cache since it was (references in one burst are "correlated"
 *   and do not count), or when it is read again while its number is still in the ghost queue
 *   (numbers of pages recently evicted from probation; half the budget). Pages referenced only
 *   in a burst (a full-table scan visiting each leaf once, an UPDATE touching a leaf many times
 *   in a row) flow through probation and never displace the main ring, so an index's hot pages
 *   survive scans. A hit costs a store (the reference bit) and, in probation, one comparison.
 */
import type { CachedPage as CachedPageShape, Pgno } from "./page.js";
import { PageTable } from "./page-table.js";

export type CachePolicy = "lru" | "clock" | "2q";

const NONE = 0;
const PROBATION = 1;
const MAIN = 2;

/**
 * Recycled buffers kept for reuse: a read usually follows an eviction, but a spill evicts a
 * batch of pages at once (up to an eighth of the budget), whose buffers the next reads reuse.
 */
const MIN_SPARE_BUFFERS = 16;

/** A cached page: the pager's view (pgno, data, pins, dirty) plus the policy's links. */
export class CachedPage implements CachedPageShape {
  readonly pgno: Pgno;
  data: Uint8Array;
  pins = 0;
  /** @internal list links and state of the replacement policy */
  prev: CachedPage | null = null;
  next: CachedPage | null = null;
  seg = NONE;
  /** CLOCK reference bit (0/1: a small integer, stored without a write barrier). */
  ref = 0;
  /** Value of the cache's read counter when the page was read (2Q's correlated references). */
  born = 0;
  /** Read ahead and not used yet (see `PageCache.readAhead`). */
  prefetched = false;
  /** Scratch mark of `coldDirtyPages` (false between calls). */
  picked = false;
  /** Demoted (`PageCache.demote`) and not referenced since. */
  demoted = false;
  private _dirty = false;
  /** @internal index in the cache's dirty list while dirty and cached, else -1. */
  dirtySlot = -1;
  private _view: DataView | null = null;

  constructor(
    private readonly cache: PageCache,
    pgno: Pgno,
    data: Uint8Array,
  ) {
    this.pgno = pgno;
    this.data = data;
  }

  /** A DataView of `data`, made on first use (the pager seals the page through it at each commit). */
  get view(): DataView {
    return (this._view ??= new DataView(this.data.buffer, this.data.byteOffset, this.data.length));
  }

  /** Modified in the open write transaction and not yet written to the WAL. */
  get dirty(): boolean {
    return this._dirty;
  }

  set dirty(v: boolean) {
    if (v === this._dirty) return;
    this._dirty = v;
    if (this.seg === NONE) return; // not (or no longer) in the cache
    if (v) this.cache.addDirty(this);
    else this.cache.removeDirty(this);
  }
}

/** A circular doubly linked list of pages (intrusive: links live in the pages). */
class Ring {
  /** Any page of the ring (for CLOCK: the hand; for FIFO/LRU: the oldest page). */
  head: CachedPage | null = null;
  size = 0;

  /** Inserts `p` just before the head (the youngest position of a FIFO/LRU; behind the hand). */
  pushBack(p: CachedPage): void {
    const h = this.head;
    if (h === null) {
      p.prev = p.next = p;
      this.head = p;
    } else {
      const last = h.prev as CachedPage;
      p.prev = last;
      p.next = h;
      last.next = p;
      h.prev = p;
    }
    this.size++;
  }

  unlink(p: CachedPage): void {
    if (p.next === p) this.head = null;
    else {
      (p.prev as CachedPage).next = p.next;
      (p.next as CachedPage).prev = p.prev;
      if (this.head === p) this.head = p.next;
    }
    p.prev = p.next = null;
    this.size--;
  }

  clear(): void {
    this.head = null;
    this.size = 0;
  }
}

export class PageCache {
  readonly policy: CachePolicy;
  private readonly pages = new PageTable<CachedPage>();
  /**
   * The dirty pages, page p at `p.dirtySlot` (maintained by `CachedPage.dirty`). An array, not a
   * Set: a Set that empties and refills on every commit reallocates its table each time.
   */
  private readonly dirtyList: CachedPage[] = [];
  /** LRU list / CLOCK ring / 2Q main ring. */
  private readonly main = new Ring();
  /** 2Q probation FIFO. */
  private readonly probation = new Ring();
  /** 2Q ghosts: numbers of pages recently evicted from probation, with the serial of that eviction. */
  private readonly ghosts = new Map<Pgno, number>();
  /** FIFO of ghost entries (page number, serial); entries whose serial no longer matches are stale. */
  private ghostPgnos: Pgno[] = [];
  private ghostSerials: number[] = [];
  private ghostHead = 0;
  private ghostSerial = 0;
  private readonly spare: Uint8Array[] = [];
  /** Budget last passed to `evictClean` (sizes the 2Q queues). */
  private capacity = 2000;
  /** Hits and misses (reads that missed the cache), for measurement. */
  hits = 0;
  misses = 0;
  /** Pages inserted so far (2Q: a hit is correlated if no page was inserted since its own). */
  private reads = 0;

  constructor(policy: CachePolicy = "2q") {
    this.policy = policy;
  }

  get size(): number {
    return this.pages.size;
  }

  /** The cached page, without counting a reference. */
  peek(pgno: Pgno): CachedPage | undefined {
    return this.pages.get(pgno);
  }

  /** The cached page, with a reference counted by the policy (a cache hit). */
  touch(pgno: Pgno): CachedPage | undefined {
    const p = this.pages.get(pgno);
    if (p === undefined) return undefined;
    if (p.prefetched) {
      // First use of a page read ahead: as if read now.
      p.prefetched = false;
      this.misses++;
      p.born = ++this.reads;
      return p;
    }
    this.hits++;
    p.demoted = false;
    if (this.policy === "lru") {
      if (this.main.head !== p || this.main.size === 1) {
        this.main.unlink(p);
        this.main.pushBack(p);
      } else {
        this.main.head = p.next; // the oldest becomes the youngest: just advance the head
      }
    } else {
      p.ref = 1;
      if (p.seg === PROBATION && this.reads !== p.born) {
        this.probation.unlink(p);
        p.seg = MAIN;
        this.main.pushBack(p);
      }
    }
    return p;
  }

  /** A page buffer of `size` bytes: recycled from an evicted page, or new. Contents are arbitrary. */
  buffer(size: number): Uint8Array {
    const b = this.spare.pop();
    if (b !== undefined && b.length === size) return b;
    return new Uint8Array(size);
  }

  /** Adds a new page (not yet cached) with the given buffer, unpinned; returns it. */
  insert(pgno: Pgno, data: Uint8Array, dirty = false): CachedPage {
    const old = this.pages.get(pgno);
    if (old !== undefined) this.remove(pgno);
    const p = new CachedPage(this, pgno, data);
    p.born = ++this.reads;
    this.pages.set(pgno, p);
    if (this.policy === "2q" && !this.ghosts.has(pgno)) {
      p.seg = PROBATION;
      this.probation.pushBack(p);
    } else {
      if (this.policy === "2q") this.ghosts.delete(pgno); // (its queue entry is skipped later)
      p.seg = MAIN;
      this.main.pushBack(p);
    }
    p.dirty = dirty;
    return p;
  }

  /**
   * Marks pages just inserted by a read-ahead: until first used they are not counted as read.
   * Their first use counts as their read (a miss, and 2Q's read counter) instead of a reference,
   * so the policy sees what it would have seen without the read-ahead; one evicted unused leaves
   * no ghost.
   */
  readAhead(pages: readonly CachedPageShape[]): void {
    for (const p of pages) (p as CachedPage).prefetched = true;
  }

  /** Drops a page from the cache (its buffer is not recycled: the caller may still hold it). */
  remove(pgno: Pgno): void {
    const p = this.pages.get(pgno);
    if (p === undefined) return;
    this.pages.delete(pgno);
    this.unlink(p);
  }

  /** Every cached page (a copy: safe to modify the cache meanwhile). */
  all(): CachedPage[] {
    return this.pages.values();
  }

  /** The dirty pages (a copy), in no particular order. */
  dirtyPages(): CachedPage[] {
    return this.dirtyList.slice();
  }

  get dirtyCount(): number {
    return this.dirtyList.length;
  }

  /** @internal for `CachedPage.dirty` */
  addDirty(p: CachedPage): void {
    p.dirtySlot = this.dirtyList.length;
    this.dirtyList.push(p);
  }

  /** @internal for `CachedPage.dirty`: swaps the last entry into `p`'s slot. */
  removeDirty(p: CachedPage): void {
    const last = this.dirtyList.pop() as CachedPage;
    if (last !== p) {
      this.dirtyList[p.dirtySlot] = last;
      last.dirtySlot = p.dirtySlot;
    }
    p.dirtySlot = -1;
  }

  /** Evicts clean unpinned pages, as the policy chooses, until at most `limit` remain (or none can go). */
  evictClean(limit: number): void {
    this.capacity = limit;
    let budget = 2 * this.pages.size + 2; // bounds the sweep when most pages are pinned or dirty
    while (this.pages.size > limit && budget > 0) {
      const victim = this.pickVictim();
      if (victim === null) return;
      budget--;
      this.evict(victim);
    }
  }

  /**
   * Up to `n` unpinned dirty pages, coldest first as the policy sees them: demoted pages, then
   * (up to `others` pages in all, unless demoted ones reached that already) the probation queue
   * oldest first, then the main ring from the hand, unreferenced pages before referenced ones.
   * For spilling a batch of a large transaction's pages to the WAL: the hot ones (the path to the
   * page being filled, interior pages) stay dirty in memory instead of being written again and
   * again. O(cache size).
   */
  coldDirtyPages(n: number, others = n): CachedPage[] {
    const out: CachedPage[] = [];
    let max = n;
    const take = (ring: Ring, refToo: boolean, demotedOnly: boolean): void => {
      let p = ring.head;
      for (let i = 0; i < ring.size && out.length < max && p !== null; i++, p = p.next) {
        if (p.pins === 0 && p.dirty && (refToo || p.ref === 0) && !p.picked && (!demotedOnly || p.demoted)) {
          p.picked = true;
          out.push(p);
        }
      }
    };
    take(this.policy === "2q" ? this.probation : this.main, true, true);
    // Demoted pages may fill the batch; other pages only up to `others` in all.
    max = Math.max(out.length, Math.min(n, others));
    take(this.probation, true, false);
    take(this.main, false, false);
    take(this.main, true, false);
    for (const p of out) p.picked = false;
    return out;
  }

  /**
   * Makes `p` the first candidate for eviction and for `coldDirtyPages`: the oldest page of the
   * probation queue (LRU/CLOCK: the oldest page / the hand, unreferenced). For a page its user
   * is done with, e.g. a leaf left full behind ascending inserts: spilling it first keeps pages
   * still in use (an index's leaves) from being spilled and read back again.
   */
  demote(page: CachedPageShape): void {
    const p = this.pages.get(page.pgno);
    if (p !== page || p.seg === NONE) return;
    p.ref = 0;
    p.demoted = true;
    if (this.policy === "2q") {
      if (p.seg === MAIN) this.main.unlink(p);
      else this.probation.unlink(p);
      p.seg = PROBATION;
      this.probation.pushBack(p);
      this.probation.head = p;
    } else {
      this.main.unlink(p);
      this.main.pushBack(p);
      this.main.head = p;
    }
  }

  /** Evicts `p` (clean and unpinned) now, whatever the policy would pick; recycles its buffer. */
  evictPage(p: CachedPage): void {
    if (this.pages.get(p.pgno) === p && p.pins === 0 && !p.dirty) this.evict(p);
  }

  clear(): void {
    for (const p of this.pages.values()) {
      p.seg = NONE;
      p.prev = p.next = null;
      p.dirtySlot = -1;
    }
    this.pages.clear();
    this.dirtyList.length = 0;
    this.main.clear();
    this.probation.clear();
    this.ghosts.clear();
    this.ghostPgnos = [];
    this.ghostSerials = [];
    this.ghostHead = 0;
    this.spare.length = 0;
  }

  private unlink(p: CachedPage): void {
    if (p.seg === PROBATION) this.probation.unlink(p);
    else if (p.seg === MAIN) this.main.unlink(p);
    if (p.dirty) this.removeDirty(p);
    p.seg = NONE;
  }

  private evict(p: CachedPage): void {
    const fromProbation = p.seg === PROBATION;
    this.pages.delete(p.pgno);
    this.unlink(p);
    if (fromProbation && !p.prefetched) this.addGhost(p.pgno);
    if (this.spare.length < Math.max(MIN_SPARE_BUFFERS, this.capacity >>> 3)) this.spare.push(p.data);
  }

  private addGhost(pgno: Pgno): void {
    const max = Math.max(16, this.capacity >>> 1);
    const serial = ++this.ghostSerial;
    this.ghosts.set(pgno, serial);
    this.ghostPgnos.push(pgno);
    this.ghostSerials.push(serial);
    while (this.ghosts.size > max || this.ghostPgnos.length - this.ghostHead > 2 * max + 16) {
      const old = this.ghostPgnos[this.ghostHead];
      if (this.ghosts.get(old) === this.ghostSerials[this.ghostHead]) this.ghosts.delete(old);
      this.ghostHead++;
    }
    if (this.ghostHead > 4096 && this.ghostHead * 2 > this.ghostPgnos.length) {
      this.ghostPgnos = this.ghostPgnos.slice(this.ghostHead);
      this.ghostSerials = this.ghostSerials.slice(this.ghostHead);
      this.ghostHead = 0;
    }
  }

  /** The next page to evict, or null if every page is pinned or dirty. */
  private pickVictim(): CachedPage | null {
    if (this.policy === "2q") {
      // Probation first while it holds more than its share (or main has nothing to give).
      const share = Math.max(1, this.capacity >>> 2);
      if (this.probation.size > share) {
        const v = this.fromFifo(this.probation);
        if (v !== null) return v;
      }
      return this.fromClock(this.main) ?? this.fromFifo(this.probation);
    }
    if (this.policy === "lru") return this.fromFifo(this.main);
    return this.fromClock(this.main);
  }

  /**
   * The oldest evictable page of a FIFO/LRU ring. Pinned or dirty pages met on the way are
   * rotated to the young end, so that a large transaction's dirty pages are not walked over
   * again by every eviction (they become evictable, once spilled, after one more lap).
   */
  private fromFifo(ring: Ring): CachedPage | null {
    for (let i = 0; i < ring.size; i++) {
      const p = ring.head as CachedPage;
      if (p.pins === 0 && !p.dirty) return p;
      ring.head = p.next;
    }
    return null;
  }

  /** CLOCK: advances the hand, clearing reference bits, to the first unreferenced evictable page. */
  private fromClock(ring: Ring): CachedPage | null {
    const n = ring.size;
    for (let i = 0; i < 2 * n + 1; i++) {
      const p = ring.head;
      if (p === null) return null;
      ring.head = p.next;
      if (p.pins > 0 || p.dirty) continue;
      if (p.ref !== 0) {
        p.ref = 0;
        continue;
      }
      return p;
    }
    return null;
  }
}
