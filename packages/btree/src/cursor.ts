/**
 * Cursors: positioned iteration over a tree without materializing ranges.
 *
 * A cursor remembers its position as a stack of (page number, index) from the root to a leaf,
 * and keeps the current leaf pinned while positioned so that next/prev/key/value within a leaf
 * need no page fetch. `close()` (or running off either end) releases the pin, so cursors must
 * be closed. Modifying the tree through another path invalidates the position until the next
 * first/last/seek (the contract's "re-seek" rule); the pinned page stays safe to hold even if
 * that modification frees it.
 */
import { DbError, corruptError, type Page } from "@db/pager";
import { CellInfo, parseLeafCell } from "./cell.js";
import type { CursorStack, TreeCtx } from "./ctx.js";
import { cellKey, cellValue, searchInterior, searchLeaf } from "./keys.js";
import { MAX_DEPTH } from "./layout.js";
import { cellPtr, childAt, isLeaf, nCells } from "./node.js";
import { removeAt, seekPath } from "./ops.js";

export interface Cursor {
  /** Positions at the smallest key; false if the tree is empty. */
  first(): boolean;
  /** Positions at the largest key; false if the tree is empty. */
  last(): boolean;
  /** Positions at the smallest key >= `key` ("ge"), largest <= ("le"), or exact ("eq"). Returns whether positioned. */
  seek(key: Uint8Array, mode: "ge" | "le" | "eq"): boolean;
  /** Moves to the next key; false (and invalid) past the end or when not positioned. */
  next(): boolean;
  /** Moves to the previous key; false (and invalid) before the start or when not positioned. */
  prev(): boolean;
  /** Whether the cursor is positioned on an entry. */
  readonly valid: boolean;
  /** Copy of the current key. Throws DB_MISUSE when not valid. */
  key(): Uint8Array;
  /** Copy of the current value (overflow reassembled). Throws DB_MISUSE when not valid. */
  value(): Uint8Array;
  /**
   * Zero-copy access to the current key: sets `refBuf`/`refOff`/`refLen` to the key's bytes in
   * place in the pinned leaf and returns true, or returns false (refs untouched) when the key
   * continues on overflow pages (use `key()`). Throws DB_MISUSE when not valid. The bytes are
   * the page's own: valid only until the cursor moves or closes, or the tree is modified.
   */
  keyRef(): boolean;
  /** As `keyRef`, for the current value (false when the value is not wholly on the leaf). */
  valueRef(): boolean;
  /** Page buffer of the last successful `keyRef`/`valueRef` (do not modify). */
  readonly refBuf: Uint8Array;
  /** Offset of the referenced bytes in `refBuf`. */
  readonly refOff: number;
  /** Length of the referenced bytes. */
  readonly refLen: number;
  /** Deletes the entry under the cursor; the cursor then sits on the next entry (valid=false at end). */
  delete(): void;
  /** Releases the cursor's page pin and invalidates it; further use throws DB_MISUSE. Idempotent. */
  close(): void;
}

/** Shared by every cursor's `read` (synchronous, never re-entered). */
const readCell = new CellInfo();
/** Placeholders until a cursor first positions (statements often open cursors they never move). */
const NO_PAGES: number[] = [];
const NO_INDEXES = new Int32Array(0);
const NO_BYTES = new Uint8Array(0);

export class BTreeCursor implements Cursor {
  private readonly t: TreeCtx;
  /** Page number at each level, root first (MAX_DEPTH + 1 slots once positioned). */
  private pg: number[] = NO_PAGES;
  /** Child index at interior levels, cell index at the leaf level. */
  private ix: Int32Array = NO_INDEXES;
  private depth = 0;
  /** The leaf at the bottom of the stack, pinned while the cursor is positioned (else null). */
  private leaf: Page | null = null;
  private positioned = false;
  private closed = false;
  refBuf: Uint8Array = NO_BYTES;
  refOff = 0;
  refLen = 0;

  /**
   * Cheap on purpose: the SQL layer opens a cursor per statement execution (per inserted row
   * in a bulk insert). The position stack is taken when the cursor first positions, from a
   * spare one its tree keeps, and given back by `close`.
   */
  constructor(t: TreeCtx) {
    this.t = t;
  }

  get valid(): boolean {
    return this.positioned;
  }

  first(): boolean {
    this.reset();
    this.descend(this.t.root, this.t.root, false);
    return this.settleForward();
  }

  last(): boolean {
    this.reset();
    this.descend(this.t.root, this.t.root, true);
    return this.settleBackward();
  }

  seek(key: Uint8Array, mode: "ge" | "le" | "eq"): boolean {
    this.reset();
    const t = this.t;
    let pgno = t.root;
    let from = pgno;
    for (;;) {
      if (this.depth >= MAX_DEPTH) throw corruptError(t.root, `tree deeper than ${MAX_DEPTH} levels (cycle?)`);
      const page = t.load(pgno, from);
      const level = this.depth++;
      this.pg[level] = pgno;
      const d = page.data;
      if (isLeaf(d)) {
        this.leaf = page;
        this.ix[level] = searchLeaf(t, d, pgno, key);
        break;
      }
      try {
        const i = searchInterior(t, d, pgno, key);
        this.ix[level] = i;
        from = pgno;
        pgno = childAt(d, i, nCells(d));
      } finally {
        t.pager.release(page);
      }
    }
    if (t.found) return (this.positioned = true);
    if (mode === "eq") {
      this.reset();
      return false;
    }
    if (mode === "ge") return this.settleForward();
    this.ix[this.depth - 1]--;
    return this.settleBackward();
  }

  next(): boolean {
    this.checkOpen();
    if (!this.positioned) return false;
    this.ix[this.depth - 1]++;
    return this.settleForward();
  }

  prev(): boolean {
    this.checkOpen();
    if (!this.positioned) return false;
    this.ix[this.depth - 1]--;
    return this.settleBackward();
  }

  key(): Uint8Array {
    return this.read(false);
  }

  value(): Uint8Array {
    return this.read(true);
  }

  keyRef(): boolean {
    const c = this.locate();
    if (c.local < c.keyLen) return false;
    this.refBuf = (this.leaf as Page).data;
    this.refOff = c.payload;
    this.refLen = c.keyLen;
    return true;
  }

  valueRef(): boolean {
    const c = this.locate();
    const kl = c.keyLen;
    if (c.local < kl + c.valueLen) return false;
    this.refBuf = (this.leaf as Page).data;
    this.refOff = c.payload + kl;
    this.refLen = c.valueLen;
    return true;
  }

  delete(): void {
    const t = this.t;
    t.requireWrite();
    const key = this.key();
    this.reset(); // unpin: the delete may free the leaf
    try {
      const idx = seekPath(t, key);
      if (!t.found) throw new DbError("DB_MISUSE", "cursor entry no longer exists (tree modified without re-seek)");
      removeAt(t, idx);
    } finally {
      t.releasePath();
    }
    this.seek(key, "ge");
  }

  /** Unpins the current leaf and invalidates the cursor; further use throws DB_MISUSE. */
  close(): void {
    if (this.closed) return;
    this.reset();
    this.closed = true;
    if (this.ix !== NO_INDEXES) {
      this.t.spareStack = { pg: this.pg, ix: this.ix };
      this.pg = NO_PAGES;
      this.ix = NO_INDEXES;
    }
  }

  /** Unpositions the cursor, unpinning its leaf (and gives it a position stack if it has none). */
  private reset(): void {
    this.checkOpen();
    if (this.ix === NO_INDEXES) this.takeStack();
    this.positioned = false;
    this.depth = 0;
    if (this.leaf !== null) {
      const leaf = this.leaf;
      this.leaf = null;
      this.t.pager.release(leaf);
    }
  }

  private takeStack(): void {
    const spare: CursorStack | null = this.t.spareStack;
    if (spare !== null) {
      this.t.spareStack = null;
      this.pg = spare.pg;
      this.ix = spare.ix;
    } else {
      this.pg = new Array<number>(MAX_DEPTH + 1).fill(0);
      this.ix = new Int32Array(MAX_DEPTH + 1);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new DbError("DB_MISUSE", "cursor is closed");
  }

  /** The pinned leaf's data, checked to still look like the leaf the cursor positioned on. */
  private leafData(): Uint8Array {
    const leaf = this.leaf as Page;
    const d = leaf.data;
    if (!isLeaf(d) || this.ix[this.depth - 1] >= nCells(d)) {
      throw new DbError("DB_MISUSE", "cursor position is stale (tree modified without re-seek)");
    }
    return d;
  }

  /** Decodes the current entry's cell into the shared `readCell`. */
  private locate(): CellInfo {
    this.checkOpen();
    if (!this.positioned) throw new DbError("DB_MISUSE", "cursor is not positioned on an entry");
    const t = this.t;
    const d = this.leafData();
    parseLeafCell(t.layout, d, cellPtr(d, this.ix[this.depth - 1]), t.usable, this.pg[this.depth - 1], readCell);
    return readCell;
  }

  /** Copies the key or value of the current entry. */
  private read(value: boolean): Uint8Array {
    const c = this.locate();
    const t = this.t;
    const d = (this.leaf as Page).data;
    const pgno = this.pg[this.depth - 1];
    return value ? cellValue(t, d, c, pgno) : cellKey(t, d, c, pgno);
  }

  /**
   * Pushes levels from page `pgno` down to a leaf along the leftmost (or rightmost) edge and
   * pins that leaf (the previous leaf must already be unpinned).
   */
  private descend(pgno: number, from: number, rightmost: boolean): void {
    const t = this.t;
    for (;;) {
      if (this.depth >= MAX_DEPTH) throw corruptError(t.root, `tree deeper than ${MAX_DEPTH} levels (cycle?)`);
      const page = t.load(pgno, from);
      const d = page.data;
      const n = nCells(d);
      const level = this.depth++;
      this.pg[level] = pgno;
      if (isLeaf(d)) {
        this.ix[level] = rightmost ? n - 1 : 0;
        this.leaf = page;
        return;
      }
      const i = rightmost ? n : 0;
      this.ix[level] = i;
      from = pgno;
      pgno = childAt(d, i, n);
      t.pager.release(page);
    }
  }

  /** Number of cells on the interior page at `level` of the stack. */
  private cellsAt(level: number): number {
    const pgno = this.pg[level];
    const page = this.t.load(pgno, pgno);
    const n = nCells(page.data);
    this.t.pager.release(page);
    return n;
  }

  /** Child page `i` of the interior page at `level`. */
  private childOf(level: number, i: number): number {
    const pgno = this.pg[level];
    const page = this.t.load(pgno, pgno);
    try {
      const d = page.data;
      if (isLeaf(d)) throw corruptError(pgno, "expected an interior page");
      return childAt(d, i, nCells(d));
    } finally {
      this.t.pager.release(page);
    }
  }

  /** Unpins the leaf before moving to another one. */
  private dropLeaf(): void {
    const leaf = this.leaf;
    if (leaf !== null) {
      this.leaf = null;
      this.t.pager.release(leaf);
    }
  }

  /**
   * If the leaf index is past the end of its leaf, moves to the first entry of the next
   * non-empty leaf. Sets and returns validity.
   */
  private settleForward(): boolean {
    for (;;) {
      const leaf = this.depth - 1;
      const i = this.ix[leaf];
      const d = (this.leaf as Page).data;
      if (!isLeaf(d)) throw new DbError("DB_MISUSE", "cursor position is stale (tree modified without re-seek)");
      if (i >= 0 && i < nCells(d)) return (this.positioned = true);
      this.dropLeaf();
      let l = leaf - 1;
      while (l >= 0 && this.ix[l] >= this.cellsAt(l)) l--;
      if (l < 0) {
        this.reset();
        return false;
      }
      const c = ++this.ix[l];
      this.depth = l + 1;
      this.descend(this.childOf(l, c), this.pg[l], false);
    }
  }

  /**
   * If the leaf index is before the start of its leaf, moves to the last entry of the previous
   * non-empty leaf. Sets and returns validity.
   */
  private settleBackward(): boolean {
    for (;;) {
      const leaf = this.depth - 1;
      const i = this.ix[leaf];
      const d = (this.leaf as Page).data;
      if (!isLeaf(d)) throw new DbError("DB_MISUSE", "cursor position is stale (tree modified without re-seek)");
      if (i >= 0 && i < nCells(d)) return (this.positioned = true);
      this.dropLeaf();
      let l = leaf - 1;
      while (l >= 0 && this.ix[l] <= 0) l--;
      if (l < 0) {
        this.reset();
        return false;
      }
      const c = --this.ix[l];
      this.depth = l + 1;
      this.descend(this.childOf(l, c), this.pg[l], true);
    }
  }
}
