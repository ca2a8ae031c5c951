/**
 * Structural changes: inserting a cell into a node (splitting up to the root), and
 * rebalancing after a delete (merging with or borrowing from a sibling, shrinking the root).
 *
 * All functions operate on the pinned root-to-leaf path in `TreeCtx` (`path`, `pathIdx`,
 * `depth`) and keep it consistent: every page in path[0, depth) is pinned exactly once.
 * The root page number never changes: when the root splits its content moves to a new child;
 * when the root is left with a single child, that child's content moves up into the root.
 */
import { DbError, corruptError, type Page } from "@db/pager";
import { get32, put16, put32 } from "./bytes.js";
import { CellInfo, cellSize, parseInteriorCell, parseLeafCell } from "./cell.js";
import type { CellList, TreeCtx } from "./ctx.js";
import { encodeInteriorCell } from "./encode.js";
import { HEADER_SIZE, KIND_INTERIOR, KIND_LEAF, MAX_DEPTH, OFF_CONTENT, OFF_NCELLS } from "./layout.js";
import {
  cellPtr, childAt, contentStart, dropCell, freeSpace, initNode, insertCell, isLeaf, nCells, rightChild,
  setChildAt, setRightChild,
} from "./node.js";
import { freeChain, readChain } from "./overflow.js";
import { varintSize } from "./varint.js";

const ca = new CellInfo();
const cb = new CellInfo();

/**
 * Inserts the `len`-byte cell `cell` at index `idx` of the node at path level `level`,
 * splitting it (and its ancestors as needed) when it does not fit.
 */
export function insertAt(t: TreeCtx, level: number, idx: number, cell: Uint8Array, len: number): void {
  for (;;) {
    const page = t.path[level];
    if (freeSpace(page.data) >= len + 2) {
      t.pager.markDirty(page);
      insertCell(t.layout, page.data, idx, cell, 0, len, page.pgno, t.pageScratch());
      return;
    }
    if (level === 0) level = deepenRoot(t);
    else if (isLeaf(page.data) && spreadLeaf(t, level, idx, cell, len)) return;
    len = splitNode(t, level, idx, cell, len);
    cell = t.sepBuf;
    level--;
    idx = t.pathIdx[level];
  }
}

/**
 * Before a full leaf at `level` (below the root) is split in two to insert `cell` at `idx`, as
 * SQLite's balance_nonroot does with a page's neighbours: if a sibling under the same parent has
 * room, the cells of both pages and the new cell are spread evenly over the two ("share");
 * otherwise, if the parent has room for one more separator, over the two and a new page between
 * them (a 2-to-3 split: each left ~2/3 full where a 2-way split leaves two halves). Keys
 * inserted in random order (an index) then fill leaves to ~83% instead of ~69%: fewer pages to
 * cache, read and write. Returns false, having changed nothing, when neither applies or the
 * insert is an append past the tree's last key (that leaf is left full: see `appendLeaf`).
 */
function spreadLeaf(t: TreeCtx, level: number, idx: number, cell: Uint8Array, len: number): boolean {
  const page = t.path[level];
  const parent = t.path[level - 1];
  const pn = nCells(parent.data);
  const pIdx = t.pathIdx[level - 1];
  if (idx === nCells(page.data) && pIdx === pn) return false;
  const cap = t.layout.capacity;
  // Shared pages keep a sixteenth of a page free, so that the next inserts into either do not
  // share again at once (each share rewrites two pages).
  const limit = 2 * cap - (cap >>> 3);
  const need = cap - freeSpace(page.data) + len + 2;
  // Share with the right sibling (a split would move cells right), else the left one; else
  // split in three with the right one (the left one for the last child).
  for (let attempt = 0; attempt < 3; attempt++) {
    const right = attempt === 0 || (attempt === 2 && pIdx < pn);
    if (right ? pIdx >= pn : pIdx === 0) continue;
    const sepIdx = right ? pIdx : pIdx - 1;
    const sibling = t.load(childAt(parent.data, right ? pIdx + 1 : pIdx - 1, pn), parent.pgno);
    let sepLen: number;
    try {
      if (!isLeaf(sibling.data)) throw corruptError(parent.pgno, "children at different depths");
      const left = right ? page : sibling;
      const rightPage = right ? sibling : page;
      if (attempt === 2) return splitThree(t, parent, sepIdx, left, rightPage, gatherPair(t, page, sibling, right, idx, cell, len));
      if (need + cap - freeSpace(sibling.data) > limit) continue;
      const list = gatherPair(t, page, sibling, right, idx, cell, len);
      // Large cells may not split into two fitting pages even though their total would.
      const m = leafSplitPoint(t, list, list.count);
      if (m < 0) continue;
      sepLen = sharePair(t, parent, sepIdx, left, rightPage, list, m);
    } finally {
      t.pager.release(sibling);
    }
    t.pathIdx[level - 1] = sepIdx;
    insertAt(t, level - 1, sepIdx, t.sepBuf, sepLen);
    return true;
  }
  return false;
}

/** The cells of leaf `page` with `cell` inserted at `idx`, and of its sibling, in key order. */
function gatherPair(t: TreeCtx, page: Page, sibling: Page, siblingRight: boolean, idx: number, cell: Uint8Array, len: number): CellList {
  const list = t.cellList();
  list.reset();
  const sd = sibling.data;
  if (!siblingRight) gather(t, list, sd, sibling.pgno, 0, nCells(sd));
  gather(t, list, page.data, page.pgno, 0, idx);
  list.add(cell, 0, len);
  gather(t, list, page.data, page.pgno, idx, nCells(page.data));
  if (siblingRight) gather(t, list, sd, sibling.pgno, 0, nCells(sd));
  return list;
}

/** Drops separator `sepIdx` of `parent` (a leaf-level one: its overflow chain is freed). */
function dropLeafSeparator(t: TreeCtx, parent: Page, sepIdx: number): void {
  const pd = parent.data;
  const sepOff = cellPtr(pd, sepIdx);
  if (sepOff < contentStart(pd)) throw corruptError(parent.pgno, `cell pointer ${sepOff} below content area`);
  parseInteriorCell(t.layout, pd, sepOff, t.usable, parent.pgno, ca);
  if (ca.overflow !== 0) freeChain(t, ca.overflow, ca.keyLen - ca.local, parent.pgno);
  t.pager.markDirty(parent);
  dropCell(t.layout, pd, sepIdx, parent.pgno);
}

/**
 * Spreads `list` over leaves `left` (cells before `m`) and `right` (children sepIdx and sepIdx+1
 * of `parent`) and drops their old separator; the new one is left in `t.sepBuf` for the caller to
 * insert (returns its size).
 */
function sharePair(t: TreeCtx, parent: Page, sepIdx: number, left: Page, right: Page, list: CellList, m: number): number {
  dropLeafSeparator(t, parent, sepIdx);
  t.pager.markDirty(left);
  t.pager.markDirty(right);
  writeCells(t, left.data, KIND_LEAF, list, 0, m);
  writeCells(t, right.data, KIND_LEAF, list, m, list.count);
  return leafSeparator(t, list, m - 1, m, left.pgno, left.pgno);
}

/**
 * Spreads `list` over leaves `left`, a new page and `right` (children sepIdx and sepIdx+1 of
 * `parent`) if the parent has room for both separators without a split and neither needs an
 * overflow chain; returns false, having changed nothing, otherwise.
 */
function splitThree(t: TreeCtx, parent: Page, sepIdx: number, left: Page, right: Page, list: CellList): boolean {
  const pd = parent.data;
  const count = list.count;
  // Bytes (cell and pointer) of cells 0..j-1 are the running sum `acc`; b1 and b2 at the two cuts.
  let total = 0;
  for (let j = 0; j < count; j++) total += list.len[j] + 2;
  let m1 = 0;
  let m2 = 0;
  let b1 = 0;
  let b2 = 0;
  let acc = 0;
  for (let j = 0; j < count; j++) {
    acc += list.len[j] + 2;
    if (m1 === 0 && acc * 3 >= total) {
      m1 = j + 1;
      b1 = acc;
    }
    if (m2 === 0 && acc * 3 >= 2 * total) {
      m2 = j + 1;
      b2 = acc;
    }
  }
  if (m1 < 1 || m2 <= m1 || m2 >= count) return false;
  const cap = t.layout.capacity;
  if (b1 > cap || b2 - b1 > cap || total - b2 > cap) return false;
  const k1 = separatorKey(t, list, m1 - 1, m1, left.pgno);
  const k2 = separatorKey(t, list, m2 - 1, m2, left.pgno);
  const s1 = 4 + varintSize(k1.length) + k1.length;
  const s2 = 4 + varintSize(k2.length) + k2.length;
  const L = t.layout;
  if (s1 > L.cellMax || s2 > L.cellMax) return false;
  const sepOff = cellPtr(pd, sepIdx);
  if (sepOff < contentStart(pd)) throw corruptError(parent.pgno, `cell pointer ${sepOff} below content area`);
  const old = cellSize(L, pd, sepOff, false, t.usable, parent.pgno);
  if (freeSpace(pd) + old < s1 + s2 + 2) return false;
  const pager = t.pager;
  const mid = pager.allocate();
  try {
    dropLeafSeparator(t, parent, sepIdx);
    pager.markDirty(left);
    pager.markDirty(right);
    writeCells(t, left.data, KIND_LEAF, list, 0, m1);
    writeCells(t, mid.data, KIND_LEAF, list, m1, m2);
    writeCells(t, right.data, KIND_LEAF, list, m2, count);
    // Old: cell sepIdx = (left, S), then a reference to right. New: (left, k1), (mid, k2), right.
    const tmp = t.pageScratch();
    let n = encodeInteriorCell(t, t.sepBuf, mid.pgno, k2);
    insertCell(L, pd, sepIdx, t.sepBuf, 0, n, parent.pgno, tmp);
    n = encodeInteriorCell(t, t.sepBuf, left.pgno, k1);
    insertCell(L, pd, sepIdx, t.sepBuf, 0, n, parent.pgno, tmp);
  } finally {
    pager.release(mid);
  }
  return true;
}

/**
 * Moves the root's content to a new child page and makes the root an interior page with no
 * cells whose right child is that page. Returns the new child's level (1).
 */
function deepenRoot(t: TreeCtx): number {
  if (t.depth >= MAX_DEPTH) throw new DbError("DB_TOOBIG", `b-tree deeper than ${MAX_DEPTH} levels`);
  const root = t.path[0];
  const child = t.pager.allocate();
  child.data.set(root.data.subarray(0, t.usable), 0);
  t.pager.markDirty(root);
  initNode(root.data, KIND_INTERIOR, t.usable);
  setRightChild(root.data, child.pgno);
  for (let l = t.depth; l >= 2; l--) t.path[l] = t.path[l - 1];
  for (let l = t.depth; l >= 1; l--) t.pathIdx[l] = t.pathIdx[l - 1];
  t.path[1] = child;
  t.pathIdx[0] = 0;
  t.depth++;
  return 1;
}

/** Copies cells [from, to) of page `d` into `list`. */
function gather(t: TreeCtx, list: CellList, d: Uint8Array, pgno: number, from: number, to: number): void {
  const content = contentStart(d);
  const leaf = isLeaf(d);
  for (let i = from; i < to; i++) {
    const off = cellPtr(d, i);
    if (off < content) throw corruptError(pgno, `cell pointer ${off} below content area ${content}`);
    list.add(d, off, cellSize(t.layout, d, off, leaf, t.usable, pgno));
  }
}

/**
 * Formats `d` as a `kind` page holding cells [from, to) of `list` (right child 0). Cells in a
 * list are stored back to back in order, so the run is copied to the end of the page at once.
 */
function writeCells(t: TreeCtx, d: Uint8Array, kind: number, list: CellList, from: number, to: number): void {
  const usable = t.usable;
  initNode(d, kind, usable);
  const n = to - from;
  if (n === 0) return;
  const start = list.off[from];
  const bytes = list.off[to - 1] + list.len[to - 1] - start;
  const content = usable - bytes;
  if (content < HEADER_SIZE + 2 * n) throw new Error("b-tree internal error: cells overflow page");
  d.set(list.buf.subarray(start, start + bytes), content);
  const shift = content - start;
  for (let j = from; j < to; j++) {
    const pos = list.off[j] + shift;
    put16(d, HEADER_SIZE + 2 * (j - from), pos);
  }
  put16(d, OFF_NCELLS, n);
  put16(d, OFF_CONTENT, content);
}

/**
 * Split point for leaf cells [0, n) of `list`: the m in [1, n-1] that balances the bytes of
 * [0, m) and [m, n) with both fitting a page.
 */
function chooseLeafSplit(t: TreeCtx, list: CellList, n: number, pgno: number): number {
  const m = leafSplitPoint(t, list, n);
  if (m < 0) throw corruptError(pgno, "cannot split page");
  return m;
}

/** chooseLeafSplit's split point, or -1 when no split leaves both sides fitting a page. */
function leafSplitPoint(t: TreeCtx, list: CellList, n: number): number {
  const cap = t.layout.capacity;
  let total = 0;
  for (let j = 0; j < n; j++) total += list.len[j] + 2;
  let best = -1;
  let bestDiff = Infinity;
  let left = 0;
  for (let m = 1; m < n; m++) {
    left += list.len[m - 1] + 2;
    const right = total - left;
    if (left <= cap && right <= cap) {
      const diff = Math.abs(left - right);
      if (diff < bestDiff) {
        bestDiff = diff;
        best = m;
      } else break;
    }
  }
  return best;
}

/**
 * Split point for interior cells [0, n) of `list`: m in [1, n-2]; cells [0, m) stay left,
 * cell m moves up to the parent and cells (m, n) go right. Balances bytes, both sides fit.
 */
function chooseInteriorSplit(t: TreeCtx, list: CellList, n: number, pgno: number): number {
  const cap = t.layout.capacity;
  let total = 0;
  for (let j = 0; j < n; j++) total += list.len[j] + 2;
  let best = -1;
  let bestDiff = Infinity;
  let left = 0;
  for (let m = 1; m < n - 1; m++) {
    left += list.len[m - 1] + 2;
    const right = total - left - (list.len[m] + 2);
    if (left <= cap && right <= cap) {
      const diff = Math.abs(left - right);
      if (diff < bestDiff) {
        bestDiff = diff;
        best = m;
      } else break;
    }
  }
  if (best < 0) throw corruptError(pgno, "cannot split page");
  return best;
}

/** Returns the full key of leaf cell `c` held in `buf` (a copy only when it overflowed). */
function listKey(t: TreeCtx, buf: Uint8Array, c: CellInfo, pgno: number): [Uint8Array, number] {
  if (c.local >= c.keyLen) return [buf, c.payload];
  const out = new Uint8Array(c.keyLen);
  out.set(buf.subarray(c.payload, c.payload + c.local));
  readChain(t, c.overflow, 0, out, c.local, c.keyLen - c.local, pgno);
  return [out, 0];
}

/**
 * The key separating leaf cells `a` (largest key on the left) and `b` (smallest key on the
 * right) of `list`: the shortest prefix of key b that is greater than key a, so
 * left < sep <= right.
 */
function separatorKey(t: TreeCtx, list: CellList, a: number, b: number, pgno: number): Uint8Array {
  const buf = list.buf;
  parseLeafCell(t.layout, buf, list.off[a], list.off[a] + list.len[a], pgno, ca);
  parseLeafCell(t.layout, buf, list.off[b], list.off[b] + list.len[b], pgno, cb);
  const [ka, oa] = listKey(t, buf, ca, pgno);
  const [kb, ob] = listKey(t, buf, cb, pgno);
  const la = ca.keyLen;
  const lb = cb.keyLen;
  const n = la < lb ? la : lb;
  let i = 0;
  while (i < n && ka[oa + i] === kb[ob + i]) i++;
  if (i >= lb || (i < la && ka[oa + i] > kb[ob + i])) throw corruptError(pgno, "leaf keys out of order");
  return kb.subarray(ob, ob + i + 1);
}

/**
 * Encodes into `t.sepBuf` the interior cell (left child `child`) separating leaf cells `a` and
 * `b` of `list` (see `separatorKey`). Returns the cell size.
 */
function leafSeparator(t: TreeCtx, list: CellList, a: number, b: number, child: number, pgno: number): number {
  return encodeInteriorCell(t, t.sepBuf, child, separatorKey(t, list, a, b, pgno));
}

/**
 * Splits the node at `level` (which has a parent) while inserting cell `cell` at `idx`.
 * The node keeps the left part, a new right sibling gets the rest, the parent's pointer to
 * the node is redirected to the sibling, and the separator cell for the parent (left child =
 * the node) is left in `t.sepBuf`. Returns the separator's size.
 */
function splitNode(t: TreeCtx, level: number, idx: number, cell: Uint8Array, len: number): number {
  const pager = t.pager;
  const page = t.path[level];
  const d = page.data;
  const n = nCells(d);
  const parent = t.path[level - 1];
  const pIdx = t.pathIdx[level - 1];
  const pn = nCells(parent.data);
  const list = t.cellList();
  list.reset();
  if (idx === n && pIdx === pn && isLeaf(d)) return appendLeaf(t, page, parent, pIdx, pn, list, cell, len);
  gather(t, list, d, page.pgno, 0, idx);
  list.add(cell, 0, len);
  gather(t, list, d, page.pgno, idx, n);
  const total = n + 1;
  // Appending at the end of the last child (ascending inserts): leave the left page full.
  const append = idx === n && pIdx === pn;
  const right = pager.allocate();
  let sepLen: number;
  try {
    if (isLeaf(d)) {
      const m = append ? n : chooseLeafSplit(t, list, total, page.pgno);
      pager.markDirty(page);
      writeCells(t, page.data, KIND_LEAF, list, 0, m);
      writeCells(t, right.data, KIND_LEAF, list, m, total);
      sepLen = leafSeparator(t, list, m - 1, m, page.pgno, page.pgno);
    } else {
      const m = append ? total - 2 : chooseInteriorSplit(t, list, total, page.pgno);
      const oldRight = rightChild(d);
      const up = list.off[m];
      pager.markDirty(page);
      writeCells(t, page.data, KIND_INTERIOR, list, 0, m);
      setRightChild(page.data, get32(list.buf, up));
      writeCells(t, right.data, KIND_INTERIOR, list, m + 1, total);
      setRightChild(right.data, oldRight);
      sepLen = list.len[m];
      t.sepBuf.set(list.buf.subarray(up, up + sepLen), 0);
      put32(t.sepBuf, 0, page.pgno);
    }
    pager.markDirty(parent);
    setChildAt(parent.data, pIdx, pn, right.pgno);
  } finally {
    pager.release(right);
  }
  return sepLen;
}

/**
 * splitNode for a leaf cell appended after the last key of the parent's last child (ascending
 * inserts): the leaf stays as it is (full), a new right sibling holds just the new cell. Only the
 * leaf's last cell and the new one are copied (for the separator), not the whole page.
 */
function appendLeaf(t: TreeCtx, page: Page, parent: Page, pIdx: number, pn: number, list: CellList, cell: Uint8Array, len: number): number {
  const pager = t.pager;
  const d = page.data;
  const last = cellPtr(d, nCells(d) - 1);
  if (last < contentStart(d)) throw corruptError(page.pgno, `cell pointer ${last} below content area ${contentStart(d)}`);
  list.add(d, last, cellSize(t.layout, d, last, true, t.usable, page.pgno));
  list.add(cell, 0, len);
  const right = pager.allocate();
  try {
    writeCells(t, right.data, KIND_LEAF, list, 1, 2);
    const sepLen = leafSeparator(t, list, 0, 1, page.pgno, page.pgno);
    pager.markDirty(parent);
    setChildAt(parent.data, pIdx, pn, right.pgno);
    // The full leaf left behind is done with until something reads it: spill it before pages
    // that are still being filled (other trees' leaves, an index filled in random order).
    pager.demote(page);
    return sepLen;
  } finally {
    pager.release(right);
  }
}

/**
 * Restores balance after a cell was removed from the node at `level`: a non-root node that is
 * less than a third full is merged with an adjacent sibling if both fit one page, otherwise
 * cells are redistributed evenly between the two. Merges may leave the parent underfull, so
 * the check repeats upwards; at the root, an interior root with no cells is collapsed.
 */
export function rebalance(t: TreeCtx, level: number): void {
  const pager = t.pager;
  const cap = t.layout.capacity;
  for (;;) {
    if (level === 0) {
      collapseRoot(t);
      return;
    }
    const page = t.path[level];
    const n = nCells(page.data);
    if (n > 0 && (cap - freeSpace(page.data)) * 3 >= cap) return;
    const parent = t.path[level - 1];
    const pn = nCells(parent.data);
    if (pn === 0) throw corruptError(parent.pgno, "interior page has no cells");
    const pIdx = t.pathIdx[level - 1];
    // Pair the node with its right sibling, or its left one when it is the last child.
    const sepIdx = pIdx < pn ? pIdx : pIdx - 1;
    const sibling = t.load(childAt(parent.data, sepIdx === pIdx ? sepIdx + 1 : sepIdx, pn), parent.pgno);
    const left = sepIdx === pIdx ? page : sibling;
    const right = sepIdx === pIdx ? sibling : page;
    let sepLen: number;
    try {
      sepLen = mergeOrShare(t, parent, sepIdx, left, right);
    } catch (e) {
      pager.release(sibling);
      throw e;
    }
    t.pathIdx[level - 1] = sepIdx;
    if (sepLen > 0) {
      // Shared: both pages stay; the new separator replaces the old one in the parent.
      pager.release(sibling);
      insertAt(t, level - 1, sepIdx, t.sepBuf, sepLen);
      return;
    }
    // Merged into `left`; `right` is gone. Keep `left` pinned on the path in its place.
    if (right === page) t.path[level] = left;
    pager.release(right);
    pager.free(right.pgno);
    level--;
  }
}

/**
 * Combines siblings `left` and `right` (children sepIdx and sepIdx+1 of `parent`): if all
 * their cells (plus the separator, for interior pages) fit one page they are merged into
 * `left` and the separator is removed from the parent (returns 0; the caller frees `right`).
 * Otherwise the cells are split evenly between the two, the old separator is removed from the
 * parent and the new one is left in `t.sepBuf` for the caller to insert (returns its size).
 */
function mergeOrShare(t: TreeCtx, parent: Page, sepIdx: number, left: Page, right: Page): number {
  const pager = t.pager;
  const pd = parent.data;
  const pn = nCells(pd);
  const ld = left.data;
  const rd = right.data;
  const leaf = isLeaf(ld);
  if (isLeaf(rd) !== leaf) throw corruptError(parent.pgno, "children at different depths");
  const kind = leaf ? KIND_LEAF : KIND_INTERIOR;
  const sepOff = cellPtr(pd, sepIdx);
  if (sepOff < contentStart(pd)) throw corruptError(parent.pgno, `cell pointer ${sepOff} below content area`);
  const list = t.cellList();
  list.reset();
  gather(t, list, ld, left.pgno, 0, nCells(ld));
  if (!leaf) {
    // Pull the separator down between the halves; its child becomes left's old right child.
    list.add(pd, sepOff, cellSize(t.layout, pd, sepOff, false, t.usable, parent.pgno));
    put32(list.buf, list.off[list.count - 1], rightChild(ld));
  }
  gather(t, list, rd, right.pgno, 0, nCells(rd));
  const count = list.count;
  let bytes = 0;
  for (let j = 0; j < count; j++) bytes += list.len[j] + 2;
  const fits = bytes <= t.layout.capacity;
  if (leaf && !fits) return sharePair(t, parent, sepIdx, left, right, list, chooseLeafSplit(t, list, count, left.pgno));
  const rightRight = leaf ? 0 : rightChild(rd);
  pager.markDirty(parent);
  pager.markDirty(left);
  if (fits) {
    writeCells(t, ld, kind, list, 0, count);
    if (!leaf) setRightChild(ld, rightRight);
    setChildAt(pd, sepIdx + 1, pn, left.pgno);
    // A leaf-level separator is not moved anywhere: its overflow chain is freed with it.
    if (leaf) dropLeafSeparator(t, parent, sepIdx);
    else dropCell(t.layout, pd, sepIdx, parent.pgno);
    return 0;
  }
  pager.markDirty(right);
  dropCell(t.layout, pd, sepIdx, parent.pgno);
  const m = chooseInteriorSplit(t, list, count, left.pgno);
  const up = list.off[m];
  writeCells(t, ld, kind, list, 0, m);
  setRightChild(ld, get32(list.buf, up));
  writeCells(t, rd, kind, list, m + 1, count);
  setRightChild(rd, rightRight);
  const sepLen = list.len[m];
  t.sepBuf.set(list.buf.subarray(up, up + sepLen), 0);
  put32(t.sepBuf, 0, left.pgno);
  return sepLen;
}

/** While the root is an interior page without cells, moves its only child's content into it. */
function collapseRoot(t: TreeCtx): void {
  const pager = t.pager;
  const root = t.path[0];
  for (let guard = 0; !isLeaf(root.data) && nCells(root.data) === 0; guard++) {
    if (guard > MAX_DEPTH) throw corruptError(root.pgno, "root collapse does not terminate");
    const childPgno = rightChild(root.data);
    const child: Page = t.load(childPgno, root.pgno);
    pager.markDirty(root);
    root.data.set(child.data.subarray(0, t.usable), 0);
    pager.release(child);
    for (let l = 1; l < t.depth; l++) pager.release(t.path[l]);
    t.depth = 1;
    pager.free(childPgno);
  }
}
