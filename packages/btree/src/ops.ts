/**
 * Tree operations shared by BTree and its cursors: descending with a pinned path,
 * removing a leaf cell, and listing all pages of a tree.
 */
import { corruptError } from "@db/pager";
import { rebalance } from "./balance.js";
import { get16 } from "./bytes.js";
import { parseInteriorCell, parseLeafCell } from "./cell.js";
import type { TreeCtx } from "./ctx.js";
import { searchInterior, searchLeaf } from "./keys.js";
import { MAX_DEPTH, OFF_NCELLS } from "./layout.js";
import { cellPtr, childAt, dropCell, isLeaf } from "./node.js";
import { chainPages, freeChain } from "./overflow.js";

/**
 * Descends from the root to the leaf where `key` belongs, pinning the path into `t.path`
 * (the caller must `t.releasePath()`). Returns the leaf index of the first key >= `key` and
 * sets `t.found`.
 */
export function seekPath(t: TreeCtx, key: Uint8Array): number {
  t.depth = 0;
  let pgno = t.root;
  let from = pgno;
  for (;;) {
    if (t.depth >= MAX_DEPTH) throw corruptError(t.root, `tree deeper than ${MAX_DEPTH} levels (cycle?)`);
    const page = t.load(pgno, from);
    const level = t.depth++;
    t.path[level] = page;
    const d = page.data;
    if (isLeaf(d)) {
      const idx = searchLeaf(t, d, pgno, key);
      t.pathIdx[level] = idx;
      return idx;
    }
    const i = searchInterior(t, d, pgno, key);
    t.pathIdx[level] = i;
    from = pgno;
    pgno = childAt(d, i, get16(d, OFF_NCELLS));
  }
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
