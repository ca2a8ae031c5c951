/**
 * Per-tree state shared by the tree operations, the cursor and the integrity checker:
 * the pager, size rules, the root-to-leaf path of the current operation and scratch buffers.
 * Internal; not exported from the package.
 */
import { DbError, corruptError, type Page, type Pager, type Pgno } from "@db/pager";
import { copyBytes } from "./bytes.js";
import { CellInfo } from "./cell.js";
import { Layout, MAX_DEPTH, MAX_USABLE_SIZE, MIN_USABLE_SIZE } from "./layout.js";
import { checkNode } from "./node.js";

/**
 * A list of cells copied out of pages (plus a new cell) while a node is split, merged or
 * rebalanced: cell j occupies `buf[off[j], off[j] + len[j])`.
 */
export class CellList {
  readonly buf: Uint8Array;
  readonly off: Int32Array;
  readonly len: Int32Array;
  count = 0;
  end = 0;

  constructor(usable: number) {
    // Two full pages of cells, one new cell and one separator.
    this.buf = new Uint8Array(3 * usable);
    this.off = new Int32Array(usable + 4);
    this.len = new Int32Array(usable + 4);
  }

  reset(): void {
    this.count = 0;
    this.end = 0;
  }

  /** Appends a copy of `src[srcOff, srcOff + len)` as the next cell (right after the previous one). */
  add(src: Uint8Array, srcOff: number, len: number): void {
    const j = this.count++;
    this.off[j] = this.end;
    this.len[j] = len;
    copyBytes(this.buf, this.end, src, srcOff, len);
    this.end += len;
  }
}

/** Returns the pager's usable page size; throws DB_MISUSE if the b-tree cannot use it. */
export function checkUsableSize(pager: Pager): number {
  const usable = pager.usableSize;
  if (!(usable >= MIN_USABLE_SIZE && usable <= MAX_USABLE_SIZE)) {
    throw new DbError("DB_MISUSE", `b-tree needs a usable page size in ${MIN_USABLE_SIZE}..${MAX_USABLE_SIZE}, got ${usable}`);
  }
  return usable;
}

/** A cursor's position stack (see cursor.ts), kept by the tree between cursors. */
export interface CursorStack {
  pg: number[];
  ix: Int32Array;
}

/**
 * What every TreeCtx of one tree (same pager and root) shares: `epoch` changes at every write
 * operation through any of them except an append into the tail leaf (see `TreeCtx.tailLeaf`).
 */
interface TreeShape {
  epoch: number;
}

const shapes = new WeakMap<Pager, Map<number, TreeShape>>();

function shapeOf(pager: Pager, root: number): TreeShape {
  let m = shapes.get(pager);
  if (m === undefined) shapes.set(pager, (m = new Map()));
  let s = m.get(root);
  if (s === undefined) m.set(root, (s = { epoch: 0 }));
  return s;
}

/** Shared scratch, keyed by usable size (operations are synchronous, so one set suffices). */
let scratchUsable = 0;
let scratchList: CellList | null = null;
let scratchPage: Uint8Array | null = null;

export class TreeCtx {
  readonly pager: Pager;
  readonly root: Pgno;
  readonly layout: Layout;
  readonly usable: number;
  /** Pinned pages of the current root-to-leaf path: path[0] is the root. Valid below `depth`. */
  readonly path: Page[] = [];
  /** Child index taken at each interior level of `path`; the cell index at the leaf. */
  readonly pathIdx = new Int32Array(MAX_DEPTH + 2);
  depth = 0;
  /** Set by the leaf searches: whether the key was found exactly. */
  found = false;
  /** The last write descent (seekPath) ended past the tree's last key: try the right edge first. */
  appendHint = false;
  /** Reusable decoded cell. */
  readonly cell = new CellInfo();
  /** Encoded new leaf cell (max `cellMax` bytes). */
  readonly cellBuf: Uint8Array;
  /** Encoded separator travelling up to a parent (max `cellMax` bytes). */
  readonly sepBuf: Uint8Array;
  /**
   * The right-most leaf, when the last write through this TreeCtx was an insert past the last key
   * that fitted that leaf without a split (0: none). Valid while `shape.epoch` equals `tailShape`
   * and the pager's `pageEpoch` equals `tailPages`: no other write to the tree since (from this
   * TreeCtx or another on the same root), no page freed, no rollback, same transaction. A key past
   * that leaf's last key that fits it then goes straight there (ascending rowids: one page load
   * per insert instead of one per level).
   */
  tailLeaf = 0;
  tailShape = 0;
  tailPages = 0;
  readonly shape: TreeShape;
  /** A closed cursor's position stack, for the next cursor (see cursor.ts). */
  spareStack: CursorStack | null = null;

  constructor(pager: Pager, root: Pgno) {
    const usable = checkUsableSize(pager);
    if (!Number.isInteger(root) || root < 2) throw new DbError("DB_MISUSE", `bad b-tree root page ${root}`);
    this.pager = pager;
    this.root = root;
    this.usable = usable;
    this.layout = new Layout(usable);
    this.cellBuf = new Uint8Array(this.layout.cellMax);
    this.sepBuf = new Uint8Array(this.layout.cellMax);
    this.shape = shapeOf(pager, root);
  }

  /** Scratch cell list for balancing (shared between trees of the same page size). */
  cellList(): CellList {
    this.ensureScratch();
    return scratchList as CellList;
  }

  /** Scratch buffer of at least `usable` bytes (for defragmentation). */
  pageScratch(): Uint8Array {
    this.ensureScratch();
    return scratchPage as Uint8Array;
  }

  private ensureScratch(): void {
    if (scratchUsable !== this.usable) {
      scratchUsable = this.usable;
      scratchList = new CellList(this.usable);
      scratchPage = new Uint8Array(this.usable);
    }
  }

  /**
   * Fetches and pins b-tree page `pgno`, referenced from page `from` (for error messages),
   * and validates its header. Throws DB_CORRUPT if `pgno` is out of range or the header is bad.
   */
  load(pgno: number, from: number): Page {
    if (pgno < 2 || pgno > this.pager.pageCount()) {
      throw corruptError(from, `child page ${pgno} out of range`);
    }
    const page = this.pager.get(pgno);
    try {
      checkNode(page.data, this.usable, pgno);
    } catch (e) {
      this.pager.release(page);
      throw e;
    }
    return page;
  }

  /** Unpins every page on the current path. */
  releasePath(): void {
    for (let i = 0; i < this.depth; i++) this.pager.release(this.path[i]);
    this.depth = 0;
  }

  /** Throws DB_MISUSE unless a write transaction is open. */
  requireWrite(): void {
    if (!this.pager.inWrite) throw new DbError("DB_MISUSE", "b-tree modified outside a write transaction");
    // Every write operation starts here: it may change the tree's shape (see `tailLeaf`).
    this.shape.epoch++;
    this.tailLeaf = 0;
  }
}
