/**
 * The page checksum in the 8-byte trailer of every page (see ../FORMAT.md and
 * docs/adr/0003-page-layout-and-checksums.md).
 *
 * The sums are the WAL's Fibonacci-weighted pair over big-endian 32-bit words of bytes
 * [0, pageSize - 8), seeded with (s0, s1) = (pgno, 0) so that a page image written at the wrong
 * place fails. Both final sums are stored: s1 at pageSize - 8, s0 at pageSize - 4. Storing s1
 * alone misses about 2.6% of single-bit flips (a word's weight can be a multiple of a large
 * power of two, so `weight * delta` vanishes mod 2^32); the pair detects every single-byte
 * change (two consecutive weights are never both even).
 *
 * Compatibility: pages written when the second slot was reserved (zero) are accepted if s1
 * matches and the slot is zero.
 */
import { checksumShift, checksumUpdateView, corruptError, type ChecksumState } from "@db/wal";
import type { Pgno } from "./page.js";

/** Bytes reserved at the end of every page for the checksum. */
const TRAILER = 8;

let s0Out = 0;
/** The body sums (from (0, 0)) of the last `sums` call: what `WalFrame.bodySum` wants. */
const body: ChecksumState = { s0: 0, s1: 0 };
/** First column (a, c) of M^k for k = (pageSize - 8) / 8 word pairs, for `seedSize`-byte pages. */
let seedSize = 0;
let seedA = 1;
let seedC = 0;

/**
 * The (s0, s1) sums of a page; returns s1 and leaves s0 in `s0Out`. The WAL's loop
 * (`checksumUpdateView`) sums from (0, 0) (the body sums the WAL can reuse); the seed (pgno, 0)
 * is added after, carried over the page by M^k (wal checksum.ts, `ChecksumShift`): the same sums.
 */
function sums(v: DataView, pgno: Pgno): number {
  const end = v.byteLength - TRAILER;
  body.s0 = 0;
  body.s1 = 0;
  checksumUpdateView(body, v, 0, end);
  if (seedSize !== v.byteLength) {
    const m = checksumShift(end / 8);
    seedA = m[0];
    seedC = m[2];
    seedSize = v.byteLength;
  }
  s0Out = (Math.imul(seedA, pgno) + body.s0) >>> 0;
  return (Math.imul(seedC, pgno) + body.s1) >>> 0;
}

/** A view of the whole page (one per call: reused for the sums and the trailer). */
function viewOf(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.length);
}

/** The stored checksum pair of page `pgno` (for tests and tools): [s1, s0]. */
export function pageChecksum(data: Uint8Array, pgno: Pgno): [number, number] {
  const s1 = sums(viewOf(data), pgno);
  return [s1, s0Out];
}

/**
 * Computes the checksum of `data` (a whole page) and stores it in the page's trailer. With
 * `bodySum`, also sets it to the checksum from (0, 0) of bytes [0, pageSize - 8), for
 * `WalFrame.bodySum`. `view`, if given, is a DataView of exactly `data`.
 */
export function sealPage(data: Uint8Array, pgno: Pgno, bodySum?: ChecksumState, view?: DataView): void {
  const v = view ?? viewOf(data);
  const s1 = sums(v, pgno);
  v.setUint32(data.length - TRAILER, s1);
  v.setUint32(data.length - TRAILER + 4, s0Out);
  if (bodySum !== undefined) {
    bodySum.s0 = body.s0;
    bodySum.s1 = body.s1;
  }
}

/**
 * Verifies a page just read from the WAL or the db file. An all-zero page numbered above
 * `committedPages` is a fresh page and passes. Throws DB_CORRUPT naming `pgno` on mismatch.
 */
export function verifyPage(data: Uint8Array, pgno: Pgno, committedPages: number): void {
  const v = viewOf(data);
  const s1 = sums(v, pgno);
  const stored0 = v.getUint32(data.length - TRAILER + 4);
  if (v.getUint32(data.length - TRAILER) === s1 && (stored0 === s0Out || stored0 === 0)) return;
  if (pgno > committedPages && data.every((b) => b === 0)) return;
  throw corruptError(pgno, "checksum mismatch");
}
