/**
 * The public B+tree: an ordered map from byte-string keys (memcmp order) to byte-string
 * values, stored in pager pages under a fixed root page.
 */
import { DbError, corruptError, type Pager, type Pgno } from "@db/pager";
import { insertAt } from "./balance.js";
import { get16 } from "./bytes.js";
import { leafCellSize, leafOverflows, parseLeafCell } from "./cell.js";
import { checkUsableSize, TreeCtx } from "./ctx.js";
import { bulkLoad, type BulkLoadOptions, type Entry } from "./bulk.js";
import { BTreeCursor, type Cursor } from "./cursor.js";
import { encodeLeafCell } from "./encode.js";
import { checkIntegrity } from "./integrity.js";
import { cellValue, searchInterior, searchLeaf } from "./keys.js";
import { KIND_LEAF, MAX_DEPTH, MAX_KEY_SIZE, MAX_VALUE_SIZE, OFF_NCELLS } from "./layout.js";
import { cellPtr, childAt, dropCell, freeSpace, initNode, insertCell, isLeaf } from "./node.js";
import { collectPages, pastLast, removeAt, seekPath } from "./ops.js";
import { freeChain } from "./overflow.js";

export class BTree {
  /** Root page number; never changes for the life of the tree. */
  readonly root: Pgno;
  /** @internal */
  readonly t: TreeCtx;

  /**
   * Creates an empty tree (a root leaf page) and returns its root page number.
   * Needs an open write transaction (DB_MISUSE otherwise).
   */
  static create(pager: Pager): Pgno {
    if (!pager.inWrite) throw new DbError("DB_MISUSE", "BTree.create outside a write transaction");
    const usable = checkUsableSize(pager);
    const page = pager.allocate();
    initNode(page.data, KIND_LEAF, usable);
    pager.release(page);
    return page.pgno;
  }

  /**
   * Opens the tree rooted at page `root` (no I/O until first use). Throws DB_MISUSE if the
   * pager's usable page size is unsupported or `root` is not a valid page number.
   */
  constructor(pager: Pager, root: Pgno) {
    this.t = new TreeCtx(pager, root);
    this.root = root;
  }

  /** Returns a copy of the value stored under `key`, or null. Needs a read or write transaction. */
  get(key: Uint8Array): Uint8Array | null {
    const t = this.t;
    const pager = t.pager;
    let pgno = this.root;
    let from = pgno;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const page = t.load(pgno, from);
      try {
        const d = page.data;
        if (isLeaf(d)) {
          const idx = searchLeaf(t, d, pgno, key);
          if (!t.found) return null;
          parseLeafCell(t.layout, d, cellPtr(d, idx), t.usable, pgno, t.cell);
          return cellValue(t, d, t.cell, pgno);
        }
        from = pgno;
        pgno = childAt(d, searchInterior(t, d, pgno, key), get16(d, OFF_NCELLS));
      } finally {
        pager.release(page);
      }
    }
    throw corruptError(this.root, `tree deeper than ${MAX_DEPTH} levels (cycle?)`);
  }

  /**
   * Inserts `key` -> `value`, replacing any existing value. Needs a write transaction.
   * Throws DB_TOOBIG if the key exceeds MAX_KEY_SIZE or the value MAX_VALUE_SIZE bytes.
   */
  put(key: Uint8Array, value: Uint8Array): void {
    this.write(key, value, true);
  }

  /**
   * Inserts `key` -> `value` only if `key` is absent: returns false, changing nothing, when it is
   * present (an insert and its uniqueness check in one descent). Needs a write transaction;
   * DB_TOOBIG as `put`.
   */
  insert(key: Uint8Array, value: Uint8Array): boolean {
    return this.write(key, value, false);
  }

  private write(key: Uint8Array, value: Uint8Array, replace: boolean): boolean {
    const t = this.t;
    if (t.tailLeaf !== 0 && appendToTail(t, key, value)) return true;
    t.requireWrite();
    if (key.length > MAX_KEY_SIZE) throw new DbError("DB_TOOBIG", `key of ${key.length} bytes exceeds the maximum of ${MAX_KEY_SIZE}`);
    if (value.length > MAX_VALUE_SIZE) throw new DbError("DB_TOOBIG", `value of ${value.length} bytes exceeds the maximum of ${MAX_VALUE_SIZE}`);
    const pager = t.pager;
    try {
      const idx = seekPath(t, key);
      const leaf = t.path[t.depth - 1];
      if (t.appendHint && !t.found && !leafOverflows(t.layout, key.length, value.length)
          && freeSpace(leaf.data) >= leafCellSize(t.layout, key.length, value.length) + 2) {
        // Past the last key, and it fits the right-most leaf: so will the next ascending key, maybe.
        const len = encodeLeafCell(t, t.cellBuf, key, value);
        pager.markDirty(leaf);
        insertCell(t.layout, leaf.data, idx, t.cellBuf, 0, len, leaf.pgno, t.pageScratch());
        t.tailLeaf = leaf.pgno;
        t.tailShape = t.shape.epoch;
        t.tailPages = pager.pageEpoch;
        return true;
      }
      if (t.found) {
        if (!replace) return false;
        const d = leaf.data;
        const off = cellPtr(d, idx);
        const c = t.cell;
        parseLeafCell(t.layout, d, off, t.usable, leaf.pgno, c);
        if (c.overflow === 0 && !leafOverflows(t.layout, key.length, value.length)
            && leafCellSize(t.layout, key.length, value.length) === c.size) {
          // Same size, no overflow either side: overwrite in place.
          const len = encodeLeafCell(t, t.cellBuf, key, value);
          pager.markDirty(leaf);
          leaf.data.set(t.cellBuf.subarray(0, len), off);
          return true;
        }
        if (c.overflow !== 0) freeChain(t, c.overflow, c.keyLen + c.valueLen - c.local, leaf.pgno);
        pager.markDirty(leaf);
        dropCell(t.layout, leaf.data, idx, leaf.pgno);
      }
      const len = encodeLeafCell(t, t.cellBuf, key, value);
      insertAt(t, t.depth - 1, idx, t.cellBuf, len);
      return true;
    } finally {
      t.releasePath();
    }
  }

  /** Removes `key`; returns whether it was present. Needs a write transaction. */
  delete(key: Uint8Array): boolean {
    const t = this.t;
    t.requireWrite();
    try {
      const idx = seekPath(t, key);
      if (!t.found) return false;
      removeAt(t, idx);
      return true;
    } finally {
      t.releasePath();
    }
  }

  /**
   * Loads entries with strictly ascending keys into this tree, which must be empty, building
   * pages left to right (much faster than `put` and packing pages full by default). Needs a
   * write transaction; DB_MISUSE if the tree is not empty or the keys are out of order, after
   * which the transaction must be rolled back. Returns the number of entries loaded.
   */
  load(entries: Iterable<Entry>, options?: BulkLoadOptions): number {
    return bulkLoad(this.t, entries, options);
  }

  /** A new cursor over this tree (unpositioned until first/last/seek). */
  cursor(): Cursor {
    return new BTreeCursor(this.t);
  }

  /** Frees every page of the tree except the root, which becomes an empty leaf. Needs a write transaction. */
  clear(): void {
    const t = this.t;
    t.requireWrite();
    const pages = collectPages(t);
    const root = t.pager.get(this.root);
    try {
      t.pager.markDirty(root);
      initNode(root.data, KIND_LEAF, t.usable);
    } finally {
      t.pager.release(root);
    }
    for (const p of pages) if (p !== this.root) t.pager.free(p);
  }

  /** Frees every page of the tree, including the root; the tree must not be used afterwards. */
  drop(): void {
    const t = this.t;
    t.requireWrite();
    for (const p of collectPages(t)) t.pager.free(p);
  }

  /** Number of entries (visits every page of the tree, but not overflow pages). */
  count(): number {
    const t = this.t;
    const seen = new Set<number>();
    const visit = (pgno: number, from: number, depth: number): number => {
      if (depth > MAX_DEPTH) throw corruptError(from, `tree deeper than ${MAX_DEPTH} levels`);
      if (seen.has(pgno)) throw corruptError(from, `page ${pgno} is referenced twice`);
      seen.add(pgno);
      const page = t.load(pgno, from);
      const d = page.data;
      const n = get16(d, OFF_NCELLS);
      if (isLeaf(d)) {
        t.pager.release(page);
        return n;
      }
      const children: number[] = [];
      for (let i = 0; i <= n; i++) children.push(childAt(d, i, n));
      t.pager.release(page);
      let sum = 0;
      for (const c of children) sum += visit(c, pgno, depth + 1);
      return sum;
    };
    return visit(this.root, this.root, 1);
  }

  /**
   * Checks the whole tree without modifying it; returns human-readable problems, each naming
   * a page number (empty when the tree is sound). Needs a read or write transaction.
   */
  checkIntegrity(): string[] {
    return checkIntegrity(this.t);
  }
}

/**
 * Inserts `key` -> `value` into the tail leaf (`TreeCtx.tailLeaf`) if that is still valid, the key
 * is past its last key and the cell fits without overflow pages or a split; returns false
 * (having changed nothing) otherwise, for the full descent.
 */
function appendToTail(t: TreeCtx, key: Uint8Array, value: Uint8Array): boolean {
  const pager = t.pager;
  if (t.shape.epoch !== t.tailShape || pager.pageEpoch !== t.tailPages || !pager.inWrite) return false;
  const L = t.layout;
  if (leafOverflows(L, key.length, value.length)) return false; // (also true past MAX_KEY_SIZE / MAX_VALUE_SIZE)
  const pgno = t.tailLeaf;
  const page = t.load(pgno, t.root);
  try {
    const d = page.data;
    const n = get16(d, OFF_NCELLS);
    if (!isLeaf(d) || n === 0 || freeSpace(d) < leafCellSize(L, key.length, value.length) + 2) return false;
    if (pastLast(t, d, n, true, pgno, key) <= 0) return false;
    const len = encodeLeafCell(t, t.cellBuf, key, value);
    pager.markDirty(page);
    insertCell(L, d, n, t.cellBuf, 0, len, pgno, t.pageScratch());
    return true;
  } finally {
    pager.release(page);
  }
}
