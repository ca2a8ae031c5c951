/** On-disk layout of the WAL file; see ../FORMAT.md. All integers are big-endian. */
import { checksum, checksumAdvance, checksumUpdate, type ChecksumShift, type ChecksumState } from "./checksum.js";

/** "@DBW" */
export const WAL_MAGIC = 0x40444257;
/** The version this code writes; version 1 files (no aligned commits) are still read. */
export const WAL_VERSION = 2;
export const WAL_HEADER_SIZE = 32;
export const FRAME_HEADER_SIZE = 24;
export const MIN_PAGE_SIZE = 512;
export const MAX_PAGE_SIZE = 65536;
/**
 * Top bit of a commit frame's commit-size field: the next frame starts at the next multiple of
 * `alignment(pageSize)` bytes (an "aligned" commit, FORMAT.md "Aligned commits"). Commit sizes
 * are therefore below 2^31 pages.
 */
export const COMMIT_ALIGNED = 0x80000000;
/** Largest database size (pages) a commit frame can record. */
export const MAX_COMMIT_SIZE = 0x7fffffff;

/** Bytes an aligned commit's successor is aligned to: min(4096, pageSize). */
export function commitAlignment(pageSize: number): number {
  return Math.min(4096, pageSize);
}

/** Offset of the frame after a frame ending at byte `end`: `end`, or rounded up to the alignment. */
export function nextFrameOffset(end: number, aligned: boolean, pageSize: number): number {
  if (!aligned) return end;
  const b = commitAlignment(pageSize);
  return Math.ceil(end / b) * b;
}

/** True for the page sizes the format allows: powers of two from 512 to 65536 bytes. */
export function isValidPageSize(bytes: number): boolean {
  return Number.isInteger(bytes) && bytes >= MIN_PAGE_SIZE && bytes <= MAX_PAGE_SIZE && (bytes & (bytes - 1)) === 0;
}

export interface WalHeader {
  /** Format version read from (or written to) the file: 1 or 2. */
  version: number;
  pageSize: number;
  checkpointSeq: number;
  salt1: number;
  salt2: number;
  /** Checksum of bytes [0, 24) of the header; the seed of the first frame's checksum. */
  cksum: ChecksumState;
}

/** The header of the next WAL generation: fresh random salts, checkpoint sequence + 1 (mod 2^32). */
export function nextWalHeader(previous: WalHeader | null, pageSize: number): WalHeader {
  // Web Crypto (a global in Node, browsers, Deno, Bun): importing node:crypto costs ~4 ms at start-up.
  const salts = crypto.getRandomValues(new Uint32Array(2));
  return {
    version: WAL_VERSION,
    pageSize,
    checkpointSeq: ((previous?.checkpointSeq ?? 0) + 1) >>> 0,
    salt1: salts[0],
    salt2: salts[1],
    cksum: { s0: 0, s1: 0 },
  };
}

/** Encodes a header (computing its checksum, which is stored in `h.cksum`). */
export function encodeWalHeader(h: WalHeader): Uint8Array {
  const buf = new Uint8Array(WAL_HEADER_SIZE);
  const v = new DataView(buf.buffer);
  v.setUint32(0, WAL_MAGIC);
  v.setUint32(4, h.version);
  v.setUint32(8, h.pageSize);
  v.setUint32(12, h.checkpointSeq);
  v.setUint32(16, h.salt1);
  v.setUint32(20, h.salt2);
  h.cksum = checksum(buf, 0, 24);
  v.setUint32(24, h.cksum.s0);
  v.setUint32(28, h.cksum.s1);
  return buf;
}

/** Decodes a header; null if it is not a valid WAL header (bad magic, version, page size or checksum). */
export function decodeWalHeader(buf: Uint8Array): WalHeader | null {
  if (buf.length < WAL_HEADER_SIZE) return null;
  const v = new DataView(buf.buffer, buf.byteOffset, WAL_HEADER_SIZE);
  const version = v.getUint32(4);
  if (v.getUint32(0) !== WAL_MAGIC || (version !== 1 && version !== WAL_VERSION)) return null;
  const cksum = checksum(buf, 0, 24);
  if (v.getUint32(24) !== cksum.s0 || v.getUint32(28) !== cksum.s1) return null;
  const pageSize = v.getUint32(8);
  if (!isValidPageSize(pageSize)) return null;
  return { version, pageSize, checkpointSeq: v.getUint32(12), salt1: v.getUint32(16), salt2: v.getUint32(20), cksum };
}

/**
 * Fills frame-header bytes [0, 16) at byte `off` of `v` (page number, commit-size field, salts;
 * the page data must already be at `off + 24`; `v` is a view of the buffer the frames are staged
 * in, made once per batch rather than once per frame) and sets `own` to the frame's own checksum: header bytes
 * [0, 8) and the page, from (0, 0). The chain checksum is then `checksumAdvance` of the previous
 * frame's by `own` (see checksum.ts), stored with `setFrameChecksum`.
 *
 * With `body` (the checksum from (0, 0) of page bytes [0, pageSize - 8), see `WalFrame.bodySum`)
 * the page is not read again: the header's pair is carried over the body by `bodyShift`
 * (`checksumShift((pageSize - 8) / 8)`), the body's sum added, and the page's last 8 bytes folded
 * in. Same result, O(1) instead of a pass over the page.
 */
export function frameSum(
  v: DataView,
  off: number,
  pageSize: number,
  pgno: number,
  commitField: number,
  h: WalHeader,
  own: ChecksumState,
  body?: ChecksumState,
  bodyShift?: ChecksumShift,
): void {
  v.setUint32(off, pgno);
  v.setUint32(off + 4, commitField);
  v.setUint32(off + 8, h.salt1);
  v.setUint32(off + 12, h.salt2);
  if (body === undefined || bodyShift === undefined) {
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    own.s0 = 0;
    own.s1 = 0;
    checksumUpdate(own, bytes, off, 8);
    checksumUpdate(own, bytes, off + FRAME_HEADER_SIZE, pageSize);
    return;
  }
  // The header pair from (0, 0): s0 = x0, s1 = x1 + s0.
  own.s0 = pgno >>> 0;
  own.s1 = (commitField + pgno) >>> 0;
  checksumAdvance(own, bodyShift, body.s0, body.s1);
  const last = off + FRAME_HEADER_SIZE + pageSize - 8;
  const s0 = (own.s0 + v.getInt32(last) + own.s1) | 0;
  own.s0 = s0 >>> 0;
  own.s1 = (own.s1 + v.getInt32(last + 4) + s0) >>> 0;
}

/** Stores a chain checksum in frame-header bytes [16, 24) of the frame at byte `off` of `v`. */
export function setFrameChecksum(v: DataView, off: number, s: ChecksumState): void {
  v.setUint32(off + 16, s.s0);
  v.setUint32(off + 20, s.s1);
}

/** A frame header as read back, or null when the frame is invalid (salt or checksum mismatch). */
export interface FrameInfo {
  pgno: number;
  /** Database size in pages for a commit frame, else 0. */
  commitSize: number;
  /** A commit frame whose successor starts at the next alignment boundary (COMMIT_ALIGNED). */
  aligned: boolean;
}

/**
 * Validates the frame at `buf[off]` against the header salts and the running checksum; on
 * success advances `running` and returns the frame's fields. On failure `running` is unchanged.
 */
export function decodeFrame(
  buf: Uint8Array,
  off: number,
  pageSize: number,
  h: WalHeader,
  running: ChecksumState,
): FrameInfo | null {
  const v = new DataView(buf.buffer, buf.byteOffset + off, FRAME_HEADER_SIZE);
  const pgno = v.getUint32(0);
  if (pgno === 0 || v.getUint32(8) !== h.salt1 || v.getUint32(12) !== h.salt2) return null;
  const next = { s0: running.s0, s1: running.s1 };
  checksumUpdate(next, buf, off, 8);
  checksumUpdate(next, buf, off + FRAME_HEADER_SIZE, pageSize);
  if (v.getUint32(16) !== next.s0 || v.getUint32(20) !== next.s1) return null;
  running.s0 = next.s0;
  running.s1 = next.s1;
  const field = v.getUint32(4);
  const commitSize = field & MAX_COMMIT_SIZE;
  if (commitSize === 0 && field !== 0) return null; // the flag on a frame that is not a commit
  return { pgno, commitSize, aligned: field >= COMMIT_ALIGNED };
}

/**
 * Null if the frame header at `buf[off]` carries the header's salts and page `pgno`, else what
 * is wrong with it. A cheap check of a frame this connection wrote (its checksum is not redone).
 */
export function frameProblem(buf: Uint8Array, off: number, h: WalHeader, pgno: number): string | null {
  // Byte reads, not a DataView: a checkpoint checks every frame it covers (no allocation each).
  if (u32(buf, off + 8) !== h.salt1 || u32(buf, off + 12) !== h.salt2) return "belongs to another WAL generation";
  const found = u32(buf, off);
  return found === pgno ? null : `holds page ${found}, not ${pgno}`;
}

/** The big-endian u32 at `buf[off]`. */
function u32(buf: Uint8Array, off: number): number {
  return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
}
