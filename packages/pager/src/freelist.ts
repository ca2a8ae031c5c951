/**
 * The free list: a chain of trunk pages, each holding an array of free leaf page numbers
 * (like SQLite). Trunk layout (big-endian): [0,4) next trunk pgno (0 = last), [4,8) leaf count n,
 * [8, 8 + 4n) leaf pgnos. See ../FORMAT.md.
 */
import { corruptError } from "@db/wal";
import type { DbHeader } from "./header.js";
import type { CachedPage, Pgno } from "./page.js";

/** What the free list needs from the pager. */
export interface FreeListHost {
  readonly usableSize: number;
  /** The header of the open write transaction (free-list head, counts and page count are updated in place). */
  header(): DbHeader;
  /** Reads (verifying its checksum) and pins a page. */
  fetch(pgno: Pgno): CachedPage;
  /** Pins a page whose content is about to be overwritten entirely, without reading it. */
  fetchForOverwrite(pgno: Pgno): CachedPage;
  /** Marks a pinned page dirty (saving its pre-image for an open savepoint); call before changing it. */
  markDirty(page: CachedPage): void;
  unpin(page: CachedPage): void;
}

/** Leaf slots in one trunk page. */
export function trunkCapacity(usableSize: number): number {
  return Math.floor((usableSize - 8) / 4);
}

function view(page: CachedPage): DataView {
  return new DataView(page.data.buffer, page.data.byteOffset, page.data.length);
}

function checkPgno(host: FreeListHost, trunk: Pgno, pgno: Pgno, what: string): void {
  if (pgno < 2 || pgno > host.header().pageCount) throw corruptError(trunk, `free-list ${what} ${pgno} out of range`);
}

/**
 * Takes a page off the free list and returns its number (0 if the list is empty). The caller
 * overwrites the page; trunk pages changed here are marked dirty.
 */
export function popFreePage(host: FreeListHost): Pgno {
  const h = host.header();
  const head = h.freeTrunk;
  if (head === 0) return 0;
  const trunk = host.fetch(head);
  try {
    const v = view(trunk);
    const n = v.getUint32(4);
    if (n > trunkCapacity(host.usableSize)) throw corruptError(head, `free-list trunk holds ${n} leaves`);
    if (n > 0) {
      const leaf = v.getUint32(8 + 4 * (n - 1));
      checkPgno(host, head, leaf, "leaf");
      host.markDirty(trunk);
      v.setUint32(4, n - 1);
      h.freeCount--;
      return leaf;
    }
    const next = v.getUint32(0);
    if (next !== 0) checkPgno(host, head, next, "trunk");
    h.freeTrunk = next;
    h.freeCount--;
    return head;
  } finally {
    host.unpin(trunk);
  }
}

/** Puts page `pgno` (2..pageCount, not already free) on the free list. */
export function pushFreePage(host: FreeListHost, pgno: Pgno): void {
  const h = host.header();
  if (h.freeTrunk !== 0) {
    const trunk = host.fetch(h.freeTrunk);
    try {
      const v = view(trunk);
      const n = v.getUint32(4);
      if (n < trunkCapacity(host.usableSize)) {
        host.markDirty(trunk);
        v.setUint32(8 + 4 * n, pgno);
        v.setUint32(4, n + 1);
        h.freeCount++;
        return;
      }
    } finally {
      host.unpin(trunk);
    }
  }
  const page = host.fetchForOverwrite(pgno);
  try {
    host.markDirty(page);
    page.data.fill(0);
    const v = view(page);
    v.setUint32(0, h.freeTrunk);
    v.setUint32(4, 0);
    h.freeTrunk = pgno;
    h.freeCount++;
  } finally {
    host.unpin(page);
  }
}
