/**
 * Cursors: positioned iteration over a tree without materializing ranges.
 *
 * A cursor remembers its position as a stack of (page number, index) from the root to a leaf;
 * it holds no page pins between calls. Modifying the tree through another path invalidates
 * the position until the next first/last/seek (the contract's "re-seek" rule).
 */
import { DbError, corruptError } from "@db/pager";
import { CellInfo, parseLeafCell } from "./cell.js";
import type { TreeCtx } from "./ctx.js";
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
  /** Deletes the entry under the cursor; the cursor then sits on the next entry (valid=false at end). */
  delete(): void;
  /** Invalidates the cursor; further use throws DB_MISUSE. */
  close(): void;
}

export class BTreeCursor implements Cursor {
  private readonly t: TreeCtx;
  /** Page number at each level, root first. */
  private readonly pg: number[] = new Array<number>(MAX_DEPTH + 1).fill(0);
  /** Child index at interior levels, cell index at the leaf level. */
  private readonly ix = new Int32Array(MAX_DEPTH + 1);
  private depth = 0;
  private positioned = false;
  private closed = false;
  private readonly cell = new CellInfo();

  constructor(t: TreeCtx) {
    this.t = t;
  }

  get valid(): boolean {
    return this.positioned;
  }

  first(): boolean {
    this.checkOpen();
    this.depth = 0;
    this.descend(this.t.root, this.t.root, false);
    return this.settleForward();
  }

  last(): boolean {
    this.checkOpen();
    this.depth = 0;
    this.descend(this.t.root, this.t.root, true);
    return this.settleBackward();
  }

  seek(key: Uint8Array, mode: "ge" | "le" | "eq"): boolean {
    this.checkOpen();
    const t = this.t;
    this.depth = 0;
    this.positioned = false;
    let pgno = t.root;
    let from = pgno;
    let idx: number;
    for (;;) {
      if (this.depth >= MAX_DEPTH) throw corruptError(t.root, `tree deeper than ${MAX_DEPTH} levels (cycle?)`);
      const page = t.load(pgno, from);
      const level = this.depth++;
      this.pg[level] = pgno;
      try {
        const d = page.data;
        if (isLeaf(d)) {
          idx = searchLeaf(t, d, pgno, key);
          this.ix[level] = idx;
          break;
        }
        const i = searchInterior(t, d, pgno, key);
        this.ix[level] = i;
        from = pgno;
        pgno = childAt(d, i, nCells(d));
      } finally {
        t.pager.release(page);
      }
    }
    if (t.found) {
      this.positioned = true;
      return true;
    }
    if (mode === "eq") return false;
    if (mode === "ge") return this.settleForward();
    this.ix[this.depth - 1] = idx - 1;
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

  delete(): void {
    const t = this.t;
    t.requireWrite();
    const key = this.key();
    try {
      const idx = seekPath(t, key);
      if (!t.found) throw new DbError("DB_MISUSE", "cursor entry no longer exists (tree modified without re-seek)");
      removeAt(t, idx);
    } finally {
      t.releasePath();
    }
    this.seek(key, "ge");
  }

  close(): void {
    this.positioned = false;
    this.closed = true;
    this.depth = 0;
  }

  private checkOpen(): void {
    if (this.closed) throw new DbError("DB_MISUSE", "cursor is closed");
  }

  /** Copies the key or value of the current entry. */
  private read(value: boolean): Uint8Array {
    this.checkOpen();
    if (!this.positioned) throw new DbError("DB_MISUSE", "cursor is not positioned on an entry");
    const t = this.t;
    const level = this.depth - 1;
    const pgno = this.pg[level];
    const page = t.load(pgno, pgno);
    try {
      const d = page.data;
      const i = this.ix[level];
      if (!isLeaf(d) || i >= nCells(d)) {
        throw new DbError("DB_MISUSE", "cursor position is stale (tree modified without re-seek)");
      }
      parseLeafCell(t.layout, d, cellPtr(d, i), t.usable, pgno, this.cell);
      return value ? cellValue(t, d, this.cell, pgno) : cellKey(t, d, this.cell, pgno);
    } finally {
      t.pager.release(page);
    }
  }

  /** Pushes levels from page `pgno` down to a leaf along the leftmost (or rightmost) edge. */
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
        t.pager.release(page);
        return;
      }
      const i = rightmost ? n : 0;
      this.ix[level] = i;
      from = pgno;
      pgno = childAt(d, i, n);
      t.pager.release(page);
    }
  }

  /** Number of cells on the page at `level` of the stack. */
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

  /**
   * If the leaf index is past the end of its leaf, moves to the first entry of the next
   * non-empty leaf. Sets and returns validity.
   */
  private settleForward(): boolean {
    for (;;) {
      const leaf = this.depth - 1;
      const i = this.ix[leaf];
      if (i >= 0 && i < this.cellsAt(leaf)) return (this.positioned = true);
      let l = leaf - 1;
      while (l >= 0 && this.ix[l] >= this.cellsAt(l)) l--;
      if (l < 0) {
        this.depth = 0;
        return (this.positioned = false);
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
      if (i >= 0 && i < this.cellsAt(leaf)) return (this.positioned = true);
      let l = leaf - 1;
      while (l >= 0 && this.ix[l] <= 0) l--;
      if (l < 0) {
        this.depth = 0;
        return (this.positioned = false);
      }
      const c = --this.ix[l];
      this.depth = l + 1;
      this.descend(this.childOf(l, c), this.pg[l], true);
    }
  }
}
