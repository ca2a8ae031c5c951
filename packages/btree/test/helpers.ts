/** Shared test helpers: pager factories and byte helpers. */
import { BTree, DbError, MemoryVfs, Pager, Wal } from "../src/index.js";
import { FakePager } from "./fake-pager.js";

export { FakePager };

/** A real pager over a fresh MemoryVfs (returns the vfs too, to reopen). */
export function openReal(pageSize = 4096, vfs = new MemoryVfs(), cacheSizePages?: number): { pager: Pager; vfs: MemoryVfs } {
  const wal = Wal.open(vfs, "t.db", { create: true });
  return { pager: Pager.open(wal, { pageSize, cacheSizePages }), vfs };
}

/** Runs `fn` in a write transaction (rolled back if it throws). */
export function write<T>(pager: Pager | FakePager, fn: () => T): T {
  pager.beginWrite();
  try {
    const r = fn();
    pager.commit();
    return r;
  } catch (e) {
    pager.rollback();
    throw e;
  }
}

/** Runs `fn` in a read transaction. */
export function read<T>(pager: Pager | FakePager, fn: () => T): T {
  pager.beginRead();
  try {
    return fn();
  } finally {
    pager.endRead();
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** UTF-8 bytes of `s`. */
export function b(s: string): Uint8Array {
  return enc.encode(s);
}

/** UTF-8 string of `u`. */
export function s(u: Uint8Array): string {
  return dec.decode(u);
}

/** Big-endian fixed-width key for integer `i` (sorts numerically). */
export function ikey(i: number, width = 8): Uint8Array {
  const out = new Uint8Array(width);
  let v = i;
  for (let j = width - 1; j >= 0; j--) {
    out[j] = v & 0xff;
    v = Math.floor(v / 256);
  }
  return out;
}

/** Deterministic pseudo-random bytes. */
export function bytes(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** memcmp order. */
export function cmp(a: Uint8Array, b2: Uint8Array): number {
  const n = Math.min(a.length, b2.length);
  for (let i = 0; i < n; i++) if (a[i] !== b2[i]) return a[i] - b2[i];
  return a.length - b2.length;
}

/** Hex string of bytes (for Map keys in models). */
export function hex(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.length).toString("hex");
}

/** Depth of the tree: levels from root to leaf (reads via a cursor-free walk of page kinds). */
export function depthOf(pager: Pager | FakePager, root: number): number {
  let depth = 1;
  let pgno = root;
  for (;;) {
    const page = pager.get(pgno);
    const d = page.data;
    const leaf = d[0] === 0x0a;
    const right = ((d[8] << 24) | (d[9] << 16) | (d[10] << 8) | d[11]) >>> 0;
    pager.release(page);
    if (leaf) return depth;
    pgno = right;
    depth++;
  }
}

/** The DbError thrown by `fn`, or fails. */
export function dbErrorOf(fn: () => unknown): DbError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DbError) return e;
    throw e;
  }
  throw new Error("expected a DbError");
}

/** A tree over `pager`, created in its own write transaction. */
export function newTree(pager: Pager | FakePager): BTree {
  const p = asPager(pager);
  const root = write(pager, () => BTree.create(p));
  return new BTree(p, root);
}

/** The b-tree API takes a Pager; the fake implements the same contract. */
export function asPager(pager: Pager | FakePager): Pager {
  return pager instanceof FakePager ? pager.asPager() : pager;
}

/** Byte equality (much faster than deep `toEqual` on large arrays). */
export function same(a: Uint8Array | null, b2: Uint8Array | null): boolean {
  if (a === null || b2 === null) return a === b2;
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b2.buffer, b2.byteOffset, b2.length));
}
