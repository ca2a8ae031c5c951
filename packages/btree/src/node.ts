/**
 * Slotted-page primitives: header fields, the cell pointer array, inserting and removing
 * cells, and defragmentation. Every function works on a raw page buffer `d` and never
 * touches bytes at or beyond the usable size. Callers must have called `pager.markDirty`
 * before any function here that modifies `d`.
 */
import { corruptError } from "@db/pager";
import { copyBytes, get16, get32, put16, put32 } from "./bytes.js";
import { cellSize } from "./cell.js";
import {
  HEADER_SIZE, KIND_INTERIOR, KIND_LEAF, OFF_CONTENT, OFF_FLAGS, OFF_FRAG, OFF_KIND, OFF_NCELLS, OFF_RIGHT,
  type Layout,
} from "./layout.js";

/** True if the page is a leaf (kind byte already validated by `checkNode`). */
export function isLeaf(d: Uint8Array): boolean {
  return d[OFF_KIND] === KIND_LEAF;
}

/** Number of cells on the page. */
export function nCells(d: Uint8Array): number {
  return get16(d, OFF_NCELLS);
}

/** Offset of the start of the cell content area. */
export function contentStart(d: Uint8Array): number {
  return get16(d, OFF_CONTENT);
}

/** Byte offset of cell `i` (0-based, in key order). */
export function cellPtr(d: Uint8Array, i: number): number {
  return get16(d, HEADER_SIZE + 2 * i);
}

/** Rightmost child page of an interior page. */
export function rightChild(d: Uint8Array): number {
  return get32(d, OFF_RIGHT);
}

/** Sets the rightmost child page of an interior page. */
export function setRightChild(d: Uint8Array, pgno: number): void {
  put32(d, OFF_RIGHT, pgno);
}

/** Free bytes available for new cells and their pointers (gap + holes). */
export function freeSpace(d: Uint8Array): number {
  return get16(d, OFF_CONTENT) - (HEADER_SIZE + 2 * get16(d, OFF_NCELLS)) + get16(d, OFF_FRAG);
}

/** Child `i` of an interior page with `n` cells: cell i's left child, or the right child when i == n. */
export function childAt(d: Uint8Array, i: number, n: number): number {
  return i < n ? get32(d, get16(d, HEADER_SIZE + 2 * i)) : get32(d, OFF_RIGHT);
}

/** Replaces child `i` (see `childAt`) of an interior page with `pgno`. */
export function setChildAt(d: Uint8Array, i: number, n: number, pgno: number): void {
  put32(d, i < n ? get16(d, HEADER_SIZE + 2 * i) : OFF_RIGHT, pgno);
}

/** Formats `d` as an empty page of the given kind (`KIND_LEAF` or `KIND_INTERIOR`). */
export function initNode(d: Uint8Array, kind: number, usable: number): void {
  d[OFF_KIND] = kind;
  d[OFF_FLAGS] = 0;
  put16(d, OFF_NCELLS, 0);
  put16(d, OFF_CONTENT, usable);
  put16(d, OFF_FRAG, 0);
  put32(d, OFF_RIGHT, 0);
}

/**
 * Describes what is wrong with the page header, or returns null if it is sane:
 * known kind, zero flags, pointer array below the content area, content area within the
 * usable size, hole count within the content area, and no right child on leaves.
 */
export function headerProblem(d: Uint8Array, usable: number): string | null {
  const kind = d[OFF_KIND];
  if (kind !== KIND_LEAF && kind !== KIND_INTERIOR) return `not a b-tree page (kind byte ${kind})`;
  if (d[OFF_FLAGS] !== 0) return `bad flags byte ${d[OFF_FLAGS]}`;
  const n = get16(d, OFF_NCELLS);
  const content = get16(d, OFF_CONTENT);
  if (HEADER_SIZE + 2 * n > content) return `cell count ${n} overlaps the content area at ${content}`;
  if (content > usable) return `content area start ${content} beyond usable size ${usable}`;
  if (get16(d, OFF_FRAG) > usable - content) return `free-byte count ${get16(d, OFF_FRAG)} exceeds the content area`;
  if (kind === KIND_LEAF && get32(d, OFF_RIGHT) !== 0) return "leaf page has a right-child pointer";
  if (kind === KIND_INTERIOR && get32(d, OFF_RIGHT) < 2) return `bad right child ${get32(d, OFF_RIGHT)}`;
  return null;
}

/** Throws DB_CORRUPT naming `pgno` if the page header is not sane (see `headerProblem`). O(1). */
export function checkNode(d: Uint8Array, usable: number, pgno: number): void {
  const kind = d[OFF_KIND];
  const n = get16(d, OFF_NCELLS);
  const content = get16(d, OFF_CONTENT);
  if ((kind !== KIND_LEAF && kind !== KIND_INTERIOR) || HEADER_SIZE + 2 * n > content || content > usable
      || d[OFF_FLAGS] !== 0 || get16(d, OFF_FRAG) > usable - content) {
    throw corruptError(pgno, headerProblem(d, usable) ?? "bad page header");
  }
}

/**
 * Inserts the `len`-byte cell `src[srcOff..]` as cell `i` (0..n), shifting later pointers.
 * The caller guarantees `freeSpace(d) >= len + 2`; compacts the page first if the gap between
 * the pointer array and the content area is too small. `tmp` is scratch of >= usable bytes.
 */
export function insertCell(
  L: Layout, d: Uint8Array, i: number, src: Uint8Array, srcOff: number, len: number, pgno: number, tmp: Uint8Array,
): void {
  const n = get16(d, OFF_NCELLS);
  const ptrEnd = HEADER_SIZE + 2 * n;
  let content = get16(d, OFF_CONTENT);
  if (content - ptrEnd < len + 2) {
    defragment(L, d, pgno, tmp);
    content = get16(d, OFF_CONTENT);
    if (content - ptrEnd < len + 2) throw corruptError(pgno, "no room for cell after defragmenting");
  }
  content -= len;
  copyBytes(d, content, src, srcOff, len);
  const at = HEADER_SIZE + 2 * i;
  if (i < n) d.copyWithin(at + 2, at, ptrEnd);
  put16(d, at, content);
  put16(d, OFF_NCELLS, n + 1);
  put16(d, OFF_CONTENT, content);
}

/** Removes cell `i` from the page (its bytes become a hole); returns the removed cell's size. */
export function dropCell(L: Layout, d: Uint8Array, i: number, pgno: number): number {
  const n = get16(d, OFF_NCELLS);
  const at = HEADER_SIZE + 2 * i;
  const off = get16(d, at);
  const content = get16(d, OFF_CONTENT);
  if (off < content) throw corruptError(pgno, `cell pointer ${off} below content area ${content}`);
  const size = cellSize(L, d, off, d[OFF_KIND] === KIND_LEAF, L.usable, pgno);
  d.copyWithin(at, at + 2, HEADER_SIZE + 2 * n);
  put16(d, OFF_NCELLS, n - 1);
  if (n === 1) {
    put16(d, OFF_CONTENT, L.usable);
    put16(d, OFF_FRAG, 0);
  } else if (off === content) {
    put16(d, OFF_CONTENT, content + size);
  } else {
    put16(d, OFF_FRAG, get16(d, OFF_FRAG) + size);
  }
  return size;
}

/**
 * Rewrites the content area so all cells are packed against the end of the usable area
 * (pointer order kept, holes removed). `tmp` is scratch of >= usable bytes.
 */
export function defragment(L: Layout, d: Uint8Array, pgno: number, tmp: Uint8Array): void {
  const n = get16(d, OFF_NCELLS);
  const usable = L.usable;
  const leaf = d[OFF_KIND] === KIND_LEAF;
  const content = get16(d, OFF_CONTENT);
  const floor = HEADER_SIZE + 2 * n;
  let pos = usable;
  for (let i = 0; i < n; i++) {
    const at = HEADER_SIZE + 2 * i;
    const off = get16(d, at);
    if (off < content) throw corruptError(pgno, `cell pointer ${off} below content area ${content}`);
    const size = cellSize(L, d, off, leaf, usable, pgno);
    pos -= size;
    if (pos < floor) throw corruptError(pgno, "cells overlap or exceed the page");
    tmp.set(d.subarray(off, off + size), pos);
    put16(d, at, pos);
  }
  d.set(tmp.subarray(pos, usable), pos);
  put16(d, OFF_CONTENT, pos);
  put16(d, OFF_FRAG, 0);
}
