/**
 * Compaction (VACUUM) of a database holding one or more trees, inside one write transaction:
 *
 * 1. Repack: each tree is rebuilt with the bulk loader into fresh pages (leaves packed full, in
 *    key order), its old pages are freed, and the new top page's content is copied into the old
 *    root page (root numbers are stable through this step).
 * 2. Relocate: with the free list taken (`pager.takeFreePages`), the database needs only
 *    `N = pageCount - free` pages. Every page in use above N is copied into a free page at or
 *    below N, and the one pointer to it (a child pointer, an overflow pointer or "next" link,
 *    or the tree's root) is redirected; then the database is truncated to N pages.
 *
 * Roots may move in step 2; the caller gets the map old root -> new root and must update
 * wherever it keeps root numbers (the SQL schema table, a header meta slot).
 */
import { corruptError, type Pager, type Pgno } from "@db/pager";
import { BTree } from "./btree.js";
import { BulkLoader } from "./bulk.js";
import { get16, get32, put32 } from "./bytes.js";
import { CellInfo, parseInteriorCell, parseLeafCell } from "./cell.js";
import type { TreeCtx } from "./ctx.js";
import { MAX_DEPTH, OFF_NCELLS, OFF_RIGHT } from "./layout.js";
import { cellPtr, isLeaf } from "./node.js";
import { collectPages } from "./ops.js";

export interface CompactOptions {
  /** Rebuild every tree with pages packed full before relocating (default true). */
  repack?: boolean;
}

/**
 * Compacts the database: see the module comment. `roots` lists every tree in the database
 * (pages not reachable from them must be free). Needs a write transaction (roll it back on
 * error). Returns old root -> new root for the roots that moved.
 */
export function compactDatabase(pager: Pager, roots: readonly Pgno[], options: CompactOptions = {}): Map<Pgno, Pgno> {
  if (options.repack !== false) for (const r of new Set(roots)) repackTree(new BTree(pager, r).t);
  return relocate(pager, [...new Set(roots)]);
}

/** Rebuilds tree `t` compactly (same root page): bulk-loads a copy, frees the old pages. */
export function repackTree(t: TreeCtx): void {
  t.requireWrite();
  const pager = t.pager;
  const loader = new BulkLoader(t);
  const c = new BTree(pager, t.root).cursor();
  let top;
  try {
    for (let ok = c.first(); ok; ok = c.next()) loader.add(c.key(), c.value());
    c.close();
    top = loader.finish();
  } catch (e) {
    c.close();
    loader.abandon();
    throw e;
  }
  try {
    const old = collectPages(t);
    for (const p of old) if (p !== t.root) pager.free(p);
    const root = pager.get(t.root);
    pager.markDirty(root);
    root.data.set(top.data.subarray(0, t.usable), 0);
    pager.release(root);
  } finally {
    pager.release(top);
  }
  pager.free(top.pgno);
}

/** Where the pointer to a page lives: byte `off` of page `owner`, or root number `off` when owner is 0. */
interface Ref {
  owner: Pgno;
  off: number;
}

function relocate(pager: Pager, roots: Pgno[]): Map<Pgno, Pgno> {
  const free = pager.takeFreePages();
  const target = pager.pageCount() - free.length;
  const refs = new Map<Pgno, Ref>();
  const seen = new Set<Pgno>();
  const reach = (pgno: Pgno, owner: Pgno, off: number) => {
    if (pgno < 2 || pgno > pager.pageCount()) throw corruptError(owner, `page ${pgno} out of range`);
    if (seen.has(pgno)) throw corruptError(owner, `page ${pgno} is referenced twice`);
    seen.add(pgno);
    if (pgno > target) refs.set(pgno, { owner, off });
  };
  const probe = new BTree(pager, roots.length > 0 ? roots[0] : 2).t;
  const c = new CellInfo();
  const walk = (pgno: Pgno, depth: number) => {
    if (depth > MAX_DEPTH) throw corruptError(pgno, `tree deeper than ${MAX_DEPTH} levels`);
    const page = probe.load(pgno, pgno);
    const children: Pgno[] = [];
    try {
      const d = page.data;
      const n = get16(d, OFF_NCELLS);
      const leaf = isLeaf(d);
      for (let i = 0; i < n; i++) {
        const off = cellPtr(d, i);
        if (leaf) parseLeafCell(probe.layout, d, off, probe.usable, pgno, c);
        else parseInteriorCell(probe.layout, d, off, probe.usable, pgno, c);
        if (c.overflow !== 0) walkChain(c.overflow, c.keyLen + c.valueLen - c.local, pgno, c.payload + c.local);
        if (!leaf) {
          reach(c.child, pgno, off);
          children.push(c.child);
        }
      }
      if (!leaf) {
        const right = get32(d, OFF_RIGHT);
        reach(right, pgno, OFF_RIGHT);
        children.push(right);
      }
    } finally {
      pager.release(page);
    }
    for (const child of children) walk(child, depth + 1);
  };
  const walkChain = (first: Pgno, bytes: number, owner: Pgno, off: number) => {
    let pages = Math.ceil(bytes / probe.layout.overflowData);
    let pgno = first;
    let from = owner;
    let at = off;
    while (pages-- > 0) {
      reach(pgno, from, at);
      const page = pager.get(pgno);
      const next = get32(page.data, 0);
      pager.release(page);
      if (pages > 0 && next === 0) throw corruptError(owner, `overflow chain ends early at page ${pgno}`);
      from = pgno;
      at = 0;
      pgno = next;
    }
  };
  roots.forEach((root, i) => {
    reach(root, 0, i);
    walk(root, 1);
  });
  if (seen.size !== target - 1) {
    throw corruptError(1, `${target - 1} pages should be in use but the trees reach ${seen.size}`);
  }
  const movers = [...refs.keys()].sort((a, b) => a - b);
  const slots = free.filter((p) => p <= target).sort((a, b) => a - b);
  if (slots.length !== movers.length) throw corruptError(1, `${movers.length} pages to move into ${slots.length} free slots`);
  const moved = new Map<Pgno, Pgno>();
  const usable = pager.usableSize;
  for (let i = 0; i < movers.length; i++) {
    const src = pager.get(movers[i]);
    const dst = pager.get(slots[i]);
    pager.markDirty(dst);
    dst.data.set(src.data.subarray(0, usable), 0);
    pager.release(src);
    pager.release(dst);
    moved.set(movers[i], slots[i]);
  }
  const newRoots = new Map<Pgno, Pgno>();
  for (const [old, ref] of refs) {
    const now = moved.get(old) as Pgno;
    if (ref.owner === 0) {
      newRoots.set(roots[ref.off], now);
      continue;
    }
    const owner = pager.get(moved.get(ref.owner) ?? ref.owner);
    pager.markDirty(owner);
    put32(owner.data, ref.off, now);
    pager.release(owner);
  }
  pager.truncate(target);
  return newRoots;
}
