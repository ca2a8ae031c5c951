/**
 * Overflow chains: payload bytes that do not fit on a b-tree page.
 *
 * Overflow page: u32 next page (0 on the last page) | payload bytes (usable - 4 per page).
 * A chain holds payload bytes [local, payloadLen) of its cell; its length in pages is
 * ceil((payloadLen - local) / (usable - 4)), so readers always know where it must end.
 */
import { corruptError } from "@db/pager";
import { compareBytes, get32, put32 } from "./bytes.js";
import type { TreeCtx } from "./ctx.js";
import { OVERFLOW_HEADER } from "./layout.js";

/** Copies `len` bytes of the payload key++value starting at payload offset `from` into `dst[dstOff..]`. */
export function copyPayload(
  key: Uint8Array, value: Uint8Array, from: number, dst: Uint8Array, dstOff: number, len: number,
): void {
  const kl = key.length;
  if (from < kl) {
    const k = Math.min(len, kl - from);
    for (let i = 0; i < k; i++) dst[dstOff + i] = key[from + i];
    dstOff += k;
    from += k;
    len -= k;
  }
  if (len > 0) {
    const v = from - kl;
    if (len <= 32) for (let i = 0; i < len; i++) dst[dstOff + i] = value[v + i];
    else dst.set(value.subarray(v, v + len), dstOff);
  }
}

/**
 * Writes payload bytes [from, key.length + value.length) of key++value to a new chain of
 * freshly allocated pages; returns the first page number.
 */
export function writeChain(t: TreeCtx, key: Uint8Array, value: Uint8Array, from: number): number {
  const pager = t.pager;
  const cap = t.layout.overflowData;
  const total = key.length + value.length;
  let first = 0;
  let prev = null;
  try {
    while (from < total) {
      const page = pager.allocate();
      if (prev === null) first = page.pgno;
      else {
        put32(prev.data, 0, page.pgno);
        pager.release(prev);
      }
      prev = page;
      const d = page.data;
      const chunk = Math.min(cap, total - from);
      put32(d, 0, 0);
      copyPayload(key, value, from, d, OVERFLOW_HEADER, chunk);
      from += chunk;
    }
  } finally {
    if (prev !== null) pager.release(prev);
  }
  return first;
}

/** Checks that `pgno` may be an overflow page of the cell on page `owner`. */
function checkOverflowPgno(t: TreeCtx, pgno: number, owner: number): void {
  if (pgno < 2 || pgno > t.pager.pageCount()) {
    throw corruptError(owner, `overflow chain reaches invalid page ${pgno}`);
  }
}

/**
 * Copies `len` bytes of a chain, starting `skip` bytes into it, to `dst[dstOff..]`.
 * `first` is the chain's first page and `owner` the b-tree page holding the cell.
 */
export function readChain(
  t: TreeCtx, first: number, skip: number, dst: Uint8Array, dstOff: number, len: number, owner: number,
): void {
  const pager = t.pager;
  const cap = t.layout.overflowData;
  let pgno = first;
  while (len > 0) {
    checkOverflowPgno(t, pgno, owner);
    const page = pager.get(pgno);
    const d = page.data;
    const next = get32(d, 0);
    if (skip >= cap) {
      skip -= cap;
    } else {
      const n = Math.min(cap - skip, len);
      dst.set(d.subarray(OVERFLOW_HEADER + skip, OVERFLOW_HEADER + skip + n), dstOff);
      dstOff += n;
      len -= n;
      skip = 0;
    }
    pager.release(page);
    if (len > 0 && next === 0) throw corruptError(owner, `overflow chain ends early at page ${pgno}`);
    pgno = next;
  }
}

/**
 * Compares `key[keyOff..]` with the first `chainKeyLen` bytes of a chain (the rest of a
 * cell key that overflowed), in memcmp order. Returns <0, 0 or >0.
 */
export function compareChain(
  t: TreeCtx, key: Uint8Array, keyOff: number, first: number, chainKeyLen: number, owner: number,
): number {
  const pager = t.pager;
  const cap = t.layout.overflowData;
  let pgno = first;
  let rest = chainKeyLen;
  while (rest > 0) {
    if (keyOff >= key.length) return -1;
    checkOverflowPgno(t, pgno, owner);
    const page = pager.get(pgno);
    const d = page.data;
    const n = Math.min(cap, rest);
    const m = Math.min(n, key.length - keyOff);
    const c = compareBytes(key, keyOff, m, d, OVERFLOW_HEADER, m);
    const next = get32(d, 0);
    pager.release(page);
    if (c !== 0) return c;
    keyOff += m;
    rest -= m;
    if (m < n) return -1; // key ended inside this page: it is a proper prefix
    if (rest > 0 && next === 0) throw corruptError(owner, `overflow chain ends early at page ${pgno}`);
    pgno = next;
  }
  return key.length - keyOff;
}

/** Frees the `bytes`-long chain starting at `first` (cell on page `owner`). */
export function freeChain(t: TreeCtx, first: number, bytes: number, owner: number): void {
  const pager = t.pager;
  const cap = t.layout.overflowData;
  let pages = Math.ceil(bytes / cap);
  let pgno = first;
  while (pages > 0) {
    checkOverflowPgno(t, pgno, owner);
    const page = pager.get(pgno);
    const next = get32(page.data, 0);
    pager.release(page);
    pages--;
    if (pages > 0 && next === 0) throw corruptError(owner, `overflow chain ends early at page ${pgno}`);
    pager.free(pgno);
    pgno = next;
  }
}

/** Appends the page numbers of the `bytes`-long chain at `first` to `out` (no validation of contents). */
export function chainPages(t: TreeCtx, first: number, bytes: number, owner: number, out: number[]): void {
  const cap = t.layout.overflowData;
  let pages = Math.ceil(bytes / cap);
  let pgno = first;
  while (pages > 0) {
    checkOverflowPgno(t, pgno, owner);
    out.push(pgno);
    const page = t.pager.get(pgno);
    const next = get32(page.data, 0);
    t.pager.release(page);
    pages--;
    if (pages > 0 && next === 0) throw corruptError(owner, `overflow chain ends early at page ${pgno}`);
    pgno = next;
  }
}
