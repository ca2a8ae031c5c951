/**
 * A strict in-memory implementation of the Pager contract, for testing the b-tree's discipline
 * rather than persistence. Beyond the contract it checks that:
 * - pages are only read inside a transaction and only modified in a write transaction;
 * - `markDirty` is called before a page's bytes change (snapshots are compared on release);
 * - the reserved tail (bytes >= usableSize) is never written;
 * - pages are released no more often than obtained, freed pages are not freed twice or
 *   fetched while free (a page may be freed while a stale cursor still pins it, as the
 *   contract allows; the fake then poisons its bytes so stale use shows up).
 * Violations throw plain `Error`s (never DbError) so tests cannot mistake them for b-tree errors.
 */
import type { Page, Pager, Pgno } from "../src/index.js";

const RESERVED = 8;
const TAIL_BYTE = 0xee;

interface FakePage extends Page {
  pins: number;
  dirty: boolean;
  /** Copy of the data when first pinned while clean, to detect writes without markDirty. */
  snapshot: Uint8Array | null;
}

export class FakePager {
  readonly pageSize: number;
  readonly usableSize: number;
  private pages: (FakePage | null)[] = [null, null]; // index = pgno; page 1 is the header
  private freeSet = new Set<number>();
  private freeStack: number[] = [];
  private reads = 0;
  private writing = false;
  private meta = new Array<number>(8).fill(0);
  private saved: { pages: (Uint8Array | null)[]; free: number[]; meta: number[] } | null = null;
  /** Set to check each release against a snapshot (slow; on by default). */
  strict = true;

  constructor(pageSize = 4096) {
    this.pageSize = pageSize;
    this.usableSize = pageSize - RESERVED;
  }

  /** A `Pager`-typed view of this fake, for the b-tree API. */
  asPager(): Pager {
    return this as unknown as Pager;
  }

  /** Pager.pageEpoch: bumped by beginWrite, rollback and free. */
  pageEpoch = 0;

  get inWrite(): boolean {
    return this.writing;
  }

  pageCount(): number {
    return this.pages.length - 1;
  }

  freelistCount(): number {
    return this.freeSet.size;
  }

  /** Total outstanding pins (should be 0 between b-tree calls). */
  pinned(): number {
    let n = 0;
    for (const p of this.pages) if (p) n += p.pins;
    return n;
  }

  beginRead(): void {
    this.reads++;
  }

  endRead(): void {
    if (this.reads === 0) throw new Error("fake pager: endRead without beginRead");
    this.reads--;
  }

  beginWrite(): void {
    this.pageEpoch++;
    if (this.writing) throw new Error("fake pager: nested write");
    this.writing = true;
    this.saved = {
      pages: this.pages.map((p) => (p ? p.data.slice() : null)),
      free: [...this.freeStack],
      meta: [...this.meta],
    };
  }

  commit(): void {
    this.requireWrite("commit");
    for (const p of this.pages) if (p) p.dirty = false;
    this.writing = false;
    this.saved = null;
  }

  rollback(): void {
    this.pageEpoch++;
    if (!this.writing || !this.saved) return;
    const s = this.saved;
    this.pages = s.pages.map((d, pgno) => (d ? { pgno, data: d, pins: 0, dirty: false, snapshot: null } : null));
    this.freeStack = s.free;
    this.freeSet = new Set(s.free);
    this.meta = s.meta;
    this.writing = false;
    this.saved = null;
  }

  get(pgno: Pgno): Page {
    if (this.reads === 0 && !this.writing) throw new Error("fake pager: get outside a transaction");
    if (pgno === 1) throw new Error("fake pager: page 1 requested");
    const p = this.pages[pgno];
    if (!p) throw new Error(`fake pager: get of nonexistent page ${pgno}`);
    if (this.freeSet.has(pgno)) throw new Error(`fake pager: get of free page ${pgno}`);
    if (p.pins === 0 && !p.dirty && this.strict) p.snapshot = p.data.slice();
    p.pins++;
    return p;
  }

  markDirty(page: Page): void {
    this.requireWrite("markDirty");
    const p = this.pages[page.pgno];
    if (p !== page) throw new Error(`fake pager: markDirty of unknown page object ${page.pgno}`);
    if (p.pins === 0) throw new Error(`fake pager: markDirty of unpinned page ${page.pgno}`);
    if (p.snapshot && !equal(p.snapshot, p.data)) throw new Error(`fake pager: page ${page.pgno} modified before markDirty`);
    p.dirty = true;
    p.snapshot = null;
  }

  /** Cache hint: nothing to do without a cache (checks the page is known). */
  demote(page: Page): void {
    if (this.pages[page.pgno] !== page) throw new Error(`fake pager: demote of unknown page object ${page.pgno}`);
  }

  release(page: Page): void {
    const p = this.pages[page.pgno];
    if (p !== page) throw new Error(`fake pager: release of unknown page object ${page.pgno}`);
    if (p.pins <= 0) throw new Error(`fake pager: page ${page.pgno} released more often than obtained`);
    p.pins--;
    checkTail(p);
    if (p.pins === 0 && p.snapshot) {
      if (!equal(p.snapshot, p.data)) throw new Error(`fake pager: page ${page.pgno} modified without markDirty`);
      p.snapshot = null;
    }
  }

  allocate(): Page {
    this.requireWrite("allocate");
    let pgno = this.freeStack.pop();
    if (pgno !== undefined) this.freeSet.delete(pgno);
    else pgno = this.pages.length;
    const old = this.pages[pgno];
    if (old) {
      // Like a page cache: the same object, possibly still pinned by a stale cursor.
      old.data.fill(0, 0, this.usableSize);
      old.pins++;
      old.dirty = true;
      old.snapshot = null;
      return old;
    }
    const data = new Uint8Array(this.pageSize);
    data.fill(TAIL_BYTE, this.usableSize);
    const p: FakePage = { pgno, data, pins: 1, dirty: true, snapshot: null };
    this.pages[pgno] = p;
    return p;
  }

  free(pgno: Pgno): void {
    this.pageEpoch++;
    this.requireWrite("free");
    const p = this.pages[pgno];
    if (!p || pgno < 2) throw new Error(`fake pager: free of invalid page ${pgno}`);
    if (this.freeSet.has(pgno)) throw new Error(`fake pager: page ${pgno} freed twice`);
    this.freeSet.add(pgno);
    this.freeStack.push(pgno);
    p.data.fill(0xdd, 0, this.usableSize); // poison
  }

  getMeta(slot: number): number {
    return this.meta[slot];
  }

  setMeta(slot: number, value: number): void {
    this.requireWrite("setMeta");
    this.meta[slot] = value;
  }

  close(): void {}

  /** Direct access to a page's bytes for corruption tests (no pin, no checks). */
  raw(pgno: Pgno): Uint8Array {
    const p = this.pages[pgno];
    if (!p) throw new Error(`no page ${pgno}`);
    return p.data;
  }

  private requireWrite(op: string): void {
    if (!this.writing) throw new Error(`fake pager: ${op} outside a write transaction`);
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkTail(p: FakePage): void {
  const d = p.data;
  for (let i = d.length - RESERVED; i < d.length; i++) {
    if (d[i] !== TAIL_BYTE) throw new Error(`fake pager: reserved tail of page ${p.pgno} written`);
  }
}
