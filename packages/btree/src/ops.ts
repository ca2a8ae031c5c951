/**
 * Tree operations shared by BTree and its cursors: descending with a pinned path,
 * removing a leaf cell, and listing all pages of a tree.
 */
import { corruptError } from "@db/pager";
import { rebalance } from "./balance.js";
import { get16 } from "./bytes.js";
import { parseInteriorCell, parseLeafCell } from "./cell.js";
import type { TreeCtx } from "./ctx.js";
import { compareCell, searchInterior, searchLeaf } from "./keys.js";
import { MAX_DEPTH, OFF_CONTENT, OFF_NCELLS } from "./layout.js";
import { cellPtr, childAt, dropCell, isLeaf } from "./node.js";
import { chainPages, freeChain } from "./overflow.js";

/**
 * Descends from the root to the leaf where `key` belongs, pinning the path into `t.path`
 * (the caller must `t.releasePath()`). Returns the leaf index of the first key >= `key` and
 * sets `t.found`.
 *
 * While `t.appendHint` is set (the previous descent ended past the last key of the tree), each
 * page is first checked against its last key: a key that still goes past it takes the right-most
 * child (or the end of the leaf) with one comparison instead of a binary search. Ascending
 * inserts (rowids) descend that way; any other key falls back to the search at the first page
 * it does not pass, so the hint never changes the result.
 */
export function seekPath(t: TreeCtx, key: Uint8Array): number {
  t.depth = 0;
  let pgno = t.root;
  let from = pgno;
  let edge = t.appendHint;
  for (;;) {
    if (t.depth >= MAX_DEPTH) throw corruptError(t.root, `tree deeper than ${MAX_DEPTH} levels (cycle?)`);
    const page = t.load(pgno, from);
    const level = t.depth++;
    t.path[level] = page;
    const d = page.data;
    const n = get16(d, OFF_NCELLS);
    if (isLeaf(d)) {
      let idx: number;
      if (edge && n > 0 && pastLast(t, d, n, true, pgno, key) > 0) {
        t.found = false;
        idx = n;
      } else {
        idx = searchLeaf(t, d, pgno, key);
        edge = false;
      }
      t.pathIdx[level] = idx;
      // The next descent tries the right edge when this one ended at the end of the tree.
      t.appendHint = idx === n && (edge || rightEdge(t, level));
      return idx;
    }
    let i: number;
    if (edge && (n === 0 || pastLast(t, d, n, false, pgno, key) >= 0)) i = n;
    else {
      i = searchInterior(t, d, pgno, key);
      edge = false;
    }
    t.pathIdx[level] = i;
    from = pgno;
    pgno = childAt(d, i, n);
  }
}

/**
 * compareCell against the last cell (index n-1) of page `d`; a pointer outside the content area
 * compares low, so the caller falls back to the binary search (which reports the corruption).
 */
export function pastLast(t: TreeCtx, d: Uint8Array, n: number, leaf: boolean, pgno: number, key: Uint8Array): number {
  const off = cellPtr(d, n - 1);
  if (off < get16(d, OFF_CONTENT) || off >= t.usable) return -1;
  return compareCell(t, d, off, leaf, pgno, key);
}

/** True when every interior level above `leafLevel` of the pinned path took its right-most child. */
function rightEdge(t: TreeCtx, leafLevel: number): boolean {
  for (let l = 0; l < leafLevel; l++) {
    if (t.pathIdx[l] !== get16(t.path[l].data, OFF_NCELLS)) return false;
  }
  return true;
}

/** Removes cell `idx` of the leaf at the end of the pinned path (freeing overflow), then rebalances. */
export function removeAt(t: TreeCtx, idx: number): void {
  const leaf = t.path[t.depth - 1];
  const c = t.cell;
  parseLeafCell(t.layout, leaf.data, cellPtr(leaf.data, idx), t.usable, leaf.pgno, c);
  if (c.overflow !== 0) freeChain(t, c.overflow, c.keyLen + c.valueLen - c.local, leaf.pgno);
  t.pager.markDirty(leaf);
  dropCell(t.layout, leaf.data, idx, leaf.pgno);
  rebalance(t, t.depth - 1);
}

/**
 * Lists every page of the tree (root, interior, leaves, overflow chains of all cells).
 * Throws DB_CORRUPT before anything is modified if a page is reached twice or the tree is
 * deeper than MAX_DEPTH.
 */
export function collectPages(t: TreeCtx): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  const visit = (pgno: number, from: number, depth: number): void => {
    if (depth > MAX_DEPTH) throw corruptError(from, `tree deeper than ${MAX_DEPTH} levels`);
    if (seen.has(pgno)) throw corruptError(from, `page ${pgno} is referenced twice`);
    seen.add(pgno);
    out.push(pgno);
    const page = t.load(pgno, from);
    const d = page.data;
    const n = get16(d, OFF_NCELLS);
    const leaf = isLeaf(d);
    const children: number[] = [];
    try {
      const c = t.cell;
      for (let i = 0; i < n; i++) {
        const off = cellPtr(d, i);
        if (leaf) parseLeafCell(t.layout, d, off, t.usable, pgno, c);
        else parseInteriorCell(t.layout, d, off, t.usable, pgno, c);
        if (c.overflow !== 0) {
          const start = out.length;
          chainPages(t, c.overflow, c.keyLen + c.valueLen - c.local, pgno, out);
          for (let j = start; j < out.length; j++) {
            if (seen.has(out[j])) throw corruptError(pgno, `overflow page ${out[j]} is referenced twice`);
            seen.add(out[j]);
          }
        }
        if (!leaf) children.push(c.child);
      }
      if (!leaf) children.push(childAt(d, n, n));
    } finally {
      t.pager.release(page);
    }
    for (const child of children) visit(child, pgno, depth + 1);
  };
  visit(t.root, t.root, 1);
  return out;
}
