/** Pages as held in the cache, and the per-page trailer checksum. See ../FORMAT.md. */
import { checksumUpdate, corruptError } from "@db/wal";

/** 1-based page number; 0 means "no page". */
export type Pgno = number;

/** A cached page handed out by the pager. `data` is pageSize bytes; only [0, usableSize) is for callers. */
export interface Page {
  readonly pgno: Pgno;
  readonly data: Uint8Array;
}

/** The pager's own view of a cached page. */
export interface CachedPage extends Page {
  /** Outstanding `get`/`allocate` calls not yet matched by `release`. */
  pins: number;
  /** Modified in the open write transaction and not yet written to the WAL. */
  dirty: boolean;
}

/** Bytes reserved at the end of every page: u32 checksum + 4 reserved (zero) bytes. */
export const RESERVED_BYTES = 8;

/**
 * Checksum of page `pgno`: the WAL checksum (s1 of the Fibonacci-weighted pair) over
 * bytes [0, pageSize - 8), seeded with (s0, s1) = (pgno, 0) so a page written at the wrong place fails.
 */
export function pageChecksum(data: Uint8Array, pgno: Pgno): number {
  const state = { s0: pgno >>> 0, s1: 0 };
  checksumUpdate(state, data, 0, data.length - RESERVED_BYTES);
  return state.s1;
}

/** Stores the checksum (and zeroes the reserved bytes) in the trailer of `data`. */
export function sealPage(data: Uint8Array, pgno: Pgno): void {
  const off = data.length - RESERVED_BYTES;
  const v = new DataView(data.buffer, data.byteOffset + off, RESERVED_BYTES);
  v.setUint32(0, pageChecksum(data, pgno));
  v.setUint32(4, 0);
}

/**
 * Verifies a page just read from the WAL or the db file. An all-zero page numbered above
 * `committedPages` is a fresh page and passes. Throws DB_CORRUPT naming `pgno` on mismatch.
 */
export function verifyPage(data: Uint8Array, pgno: Pgno, committedPages: number): void {
  const off = data.length - RESERVED_BYTES;
  const stored = new DataView(data.buffer, data.byteOffset + off, 4).getUint32(0);
  if (stored === pageChecksum(data, pgno)) return;
  if (pgno > committedPages && data.every((b) => b === 0)) return;
  throw corruptError(pgno, "checksum mismatch");
}
