/**
 * Sorted bulk load: builds a tree bottom-up from entries in strictly ascending key order,
 * filling leaves left to right (no splits, no searches), with interior levels built as the
 * leaves complete. Used to load sorted input into an empty tree, to rebuild a tree compactly
 * (VACUUM) and, later, by CREATE INDEX over sorted keys.
 *
 * Each level keeps one open page. A leaf is closed when the next cell would exceed the fill
 * target; the separator (shortest prefix of the next key greater than the closed leaf's last
 * key) and the closed leaf go up to the level above as a new interior cell. When an interior
 * page is full, its last cell is popped: that cell's child becomes the page's right child and
 * its key goes up, so every closed page, and the last open page of each level, has at least
 * one cell. At the end the right edge is stitched (each open page's right child is the open
 * page below it) and the top page's content is copied into the tree's root page, so the root
 * page number does not change.
 */
import { DbError, corruptError, type Page } from "@db/pager";
import { compareBytes, put16, put32 } from "./bytes.js";
import { CellInfo, cellSize, parseLeafCell } from "./cell.js";
import type { TreeCtx } from "./ctx.js";
import { encodeInteriorCell, encodeLeafCell } from "./encode.js";
import { cellKey, compareCell } from "./keys.js";
import { HEADER_SIZE, KIND_INTERIOR, KIND_LEAF, MAX_DEPTH, MAX_KEY_SIZE, MAX_VALUE_SIZE, OFF_CONTENT, OFF_NCELLS } from "./layout.js";
import { cellPtr, dropCell, freeSpace, initNode, isLeaf, nCells, setRightChild } from "./node.js";

export interface BulkLoadOptions {
  /**
   * Fraction of each leaf's capacity to fill, 0.1..1 (default 1: pages packed full, best for
   * data that is mostly read; leave room, e.g. 0.9, if random inserts will follow).
   */
  fill?: number;
}

/** A key/value pair as accepted by bulk loads: a `[key, value]` tuple. */
export type Entry = readonly [Uint8Array, Uint8Array];

/** Appends a `len`-byte cell from `src` as the last cell of the page (room checked by the caller). */
function appendCell(d: Uint8Array, src: Uint8Array, len: number): void {
  const n = nCells(d);
  let content = (d[OFF_CONTENT] << 8) | d[OFF_CONTENT + 1];
  content -= len;
  if (len <= 32) for (let i = 0; i < len; i++) d[content + i] = src[i];
  else d.set(src.subarray(0, len), content);
  put16(d, HEADER_SIZE + 2 * n, content);
  put16(d, OFF_NCELLS, n + 1);
  put16(d, OFF_CONTENT, content);
}

export class BulkLoader {
  private readonly t: TreeCtx;
  /** The open page of each level: levels[0] is the current leaf. */
  private readonly levels: Page[] = [];
  /** Bytes (cells + pointers) used on the current leaf, and the fill target. */
  private leafUsed = 0;
  private readonly leafLimit: number;
  /** Last key of the previous (closed) leaf, for the separator and the order check. */
  private prevLeafLast: Uint8Array | null = null;
  private readonly cell = new CellInfo();
  count = 0;
  private done = false;

  constructor(t: TreeCtx, options: BulkLoadOptions = {}) {
    const fill = options.fill ?? 1;
    if (!(fill >= 0.1 && fill <= 1)) throw new DbError("DB_MISUSE", `bulk load fill ${fill} is not in 0.1..1`);
    this.t = t;
    this.leafLimit = Math.floor(t.layout.capacity * fill);
    const leaf = t.pager.allocate();
    initNode(leaf.data, KIND_LEAF, t.usable);
    this.levels.push(leaf);
  }

  /** Adds the next entry; its key must be greater than the previous one (DB_MISUSE otherwise). */
  add(key: Uint8Array, value: Uint8Array): void {
    const t = this.t;
    if (this.done) throw new DbError("DB_MISUSE", "bulk load already finished");
    if (key.length > MAX_KEY_SIZE) throw new DbError("DB_TOOBIG", `key of ${key.length} bytes exceeds the maximum of ${MAX_KEY_SIZE}`);
    if (value.length > MAX_VALUE_SIZE) throw new DbError("DB_TOOBIG", `value of ${value.length} bytes exceeds the maximum of ${MAX_VALUE_SIZE}`);
    let leaf = this.levels[0];
    let d = leaf.data;
    const n = nCells(d);
    // Order check against the last key loaded (on this leaf, or the previous one).
    if (n > 0) {
      if (compareCell(t, d, cellPtr(d, n - 1), true, leaf.pgno, key) <= 0) throw this.unsorted();
    } else if (this.prevLeafLast !== null) {
      const p = this.prevLeafLast;
      if (compareBytes(key, 0, key.length, p, 0, p.length) <= 0) throw this.unsorted();
    }
    const len = encodeLeafCell(t, t.cellBuf, key, value);
    if (n > 0 && this.leafUsed + len + 2 > this.leafLimit) {
      // Close this leaf: its last key bounds the separator.
      parseLeafCell(t.layout, d, cellPtr(d, n - 1), t.usable, leaf.pgno, this.cell);
      const last = cellKey(t, d, this.cell, leaf.pgno);
      const sep = separator(last, key);
      const sepCell = new Uint8Array(t.layout.cellMax);
      const sepLen = encodeInteriorCell(t, sepCell, leaf.pgno, sep);
      this.prevLeafLast = last;
      t.pager.release(leaf);
      leaf = t.pager.allocate();
      initNode(leaf.data, KIND_LEAF, t.usable);
      this.levels[0] = leaf;
      d = leaf.data;
      this.leafUsed = 0;
      this.pushUp(1, sepCell, sepLen);
    }
    appendCell(d, t.cellBuf, len);
    this.leafUsed += len + 2;
    this.count++;
  }

  /**
   * Ends the load: stitches the right edge and returns the top page (still pinned, a leaf or an
   * interior page holding the whole tree). The caller copies it into the root and frees it.
   */
  finish(): Page {
    if (this.done) throw new DbError("DB_MISUSE", "bulk load already finished");
    this.done = true;
    const t = this.t;
    for (let l = 1; l < this.levels.length; l++) {
      const below = this.levels[l - 1];
      setRightChild(this.levels[l].data, below.pgno);
      t.pager.release(below);
    }
    return this.levels[this.levels.length - 1];
  }

  /** Unpins every open page (after a failure; the write transaction must be rolled back). */
  abandon(): void {
    if (this.done) return;
    this.done = true;
    for (const p of this.levels) this.t.pager.release(p);
  }

  private unsorted(): DbError {
    return new DbError("DB_MISUSE", "bulk load keys are not in strictly ascending order");
  }

  /** Appends interior cell `cell` (left child = a closed page of the level below) to `level`. */
  private pushUp(level: number, cell: Uint8Array, len: number): void {
    const t = this.t;
    if (level >= MAX_DEPTH) throw new DbError("DB_TOOBIG", `b-tree deeper than ${MAX_DEPTH} levels`);
    if (level === this.levels.length) {
      const page = t.pager.allocate();
      initNode(page.data, KIND_INTERIOR, t.usable);
      this.levels.push(page);
    }
    let page = this.levels[level];
    if (freeSpace(page.data) < len + 2) {
      // Full: pop the last cell; its child becomes the right child, its key goes up.
      const d = page.data;
      const n = nCells(d);
      if (n < 2) throw corruptError(page.pgno, "bulk load: interior page cannot take a cell");
      const off = cellPtr(d, n - 1);
      const child = ((d[off] << 24) | (d[off + 1] << 16) | (d[off + 2] << 8) | d[off + 3]) >>> 0;
      const upLen = cellSize(t.layout, d, off, false, t.usable, page.pgno);
      const up = d.slice(off, off + upLen);
      dropCell(t.layout, d, n - 1, page.pgno);
      put32(up, 0, page.pgno);
      setRightChild(d, child);
      t.pager.release(page);
      page = t.pager.allocate();
      initNode(page.data, KIND_INTERIOR, t.usable);
      this.levels[level] = page;
      this.pushUp(level + 1, up, upLen);
    }
    appendCell(page.data, cell, len);
  }
}

/** The shortest prefix of `next` that is greater than `last` (requires last < next). */
export function separator(last: Uint8Array, next: Uint8Array): Uint8Array {
  const n = Math.min(last.length, next.length);
  let i = 0;
  while (i < n && last[i] === next[i]) i++;
  return next.subarray(0, Math.min(i + 1, next.length));
}

/**
 * Loads `entries` (strictly ascending keys) into the empty tree of `t` (DB_MISUSE if it is not
 * empty or the keys are out of order). Needs a write transaction; on error the transaction
 * must be rolled back. Returns the number of entries loaded.
 */
export function bulkLoad(t: TreeCtx, entries: Iterable<Entry>, options: BulkLoadOptions = {}): number {
  t.requireWrite();
  const pager = t.pager;
  const root = t.load(t.root, t.root);
  try {
    if (!isLeaf(root.data) || nCells(root.data) !== 0) throw new DbError("DB_MISUSE", "bulk load needs an empty tree");
  } finally {
    pager.release(root);
  }
  const loader = new BulkLoader(t, options);
  let top: Page;
  try {
    for (const [k, v] of entries) loader.add(k, v);
    top = loader.finish();
  } catch (e) {
    loader.abandon();
    throw e;
  }
  const rootPage = pager.get(t.root);
  try {
    pager.markDirty(rootPage);
    rootPage.data.set(top.data.subarray(0, t.usable), 0);
  } finally {
    pager.release(rootPage);
    pager.release(top);
  }
  pager.free(top.pgno);
  return loader.count;
}
