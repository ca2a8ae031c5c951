/** Pages as held in the cache. The trailer checksum is in checksum.ts; see ../FORMAT.md. */

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
  /** A DataView of exactly `data`. */
  readonly view: DataView;
}

/** Bytes reserved at the end of every page: the checksum pair (checksum.ts). */
export const RESERVED_BYTES = 8;
