/**
 * Page-layout constants and the size rules that depend on the usable page size.
 * See FORMAT.md for the byte-level description; all multi-byte integers are big-endian.
 */

/** Page kind byte (offset 0) of a leaf page. */
export const KIND_LEAF = 0x0a;
/** Page kind byte (offset 0) of an interior page. */
export const KIND_INTERIOR = 0x05;

/** Offset of the u8 page kind. */
export const OFF_KIND = 0;
/** Offset of the u8 reserved flags byte (always 0). */
export const OFF_FLAGS = 1;
/** Offset of the u16 cell count. */
export const OFF_NCELLS = 2;
/** Offset of the u16 start of the cell content area (== usableSize when the page is empty). */
export const OFF_CONTENT = 4;
/** Offset of the u16 count of free bytes inside the content area (holes left by deleted cells). */
export const OFF_FRAG = 6;
/** Offset of the u32 rightmost child (interior pages); 0 on leaves. */
export const OFF_RIGHT = 8;
/** Size of the page header in bytes; the cell pointer array (u16 each) starts here. */
export const HEADER_SIZE = 12;

/** Size of the "next page" pointer at the start of every overflow page. */
export const OVERFLOW_HEADER = 4;

/** Deepest tree (root = depth 1) accepted before the structure is declared corrupt. */
export const MAX_DEPTH = 20;
/** Largest key in bytes; larger keys throw DB_TOOBIG. Keys over the local limit use overflow pages. */
export const MAX_KEY_SIZE = 65536;
/** Largest value in bytes (2^31-1); larger values throw DB_TOOBIG. */
export const MAX_VALUE_SIZE = 0x7fffffff;
/** Smallest usable page size (bytes) the B+tree supports. */
export const MIN_USABLE_SIZE = 480;
/** Largest usable page size: offsets inside a page are u16. */
export const MAX_USABLE_SIZE = 65535;

/**
 * Size rules derived from the usable page size `U`.
 *
 * - `capacity` = U - HEADER_SIZE: bytes for cell pointers plus cells.
 * - `cellMax` = floor(capacity / 4) - 2: the largest encoded cell. Four maximal cells and their
 *   pointers always fit an empty page, which is what makes every split and merge possible.
 * - A cell whose whole payload fits within `cellMax` is stored entirely on the page. Otherwise the
 *   first `local` payload bytes stay on the page, followed by a u32 pointer to an overflow chain:
 *   local = clamp(keyLength, minLocal, cellMax - headerBytes - 4). So a key of up to ~cellMax bytes
 *   is always entirely on the page (comparisons never touch overflow pages for it), and at
 *   least `minLocal` payload bytes stay local.
 */
export class Layout {
  readonly usable: number;
  readonly capacity: number;
  readonly cellMax: number;
  readonly minLocal: number;
  /** Payload bytes per overflow page. */
  readonly overflowData: number;

  constructor(usable: number) {
    this.usable = usable;
    this.capacity = usable - HEADER_SIZE;
    this.cellMax = Math.floor(this.capacity / 4) - 2;
    this.minLocal = Math.floor((this.cellMax - 14) / 2);
    this.overflowData = usable - OVERFLOW_HEADER;
  }

  /**
   * Payload bytes stored on the page for a cell with `hdr` bytes of fixed header,
   * a key of `keyLen` bytes and `payloadLen` total payload bytes (key + value).
   * A result smaller than `payloadLen` means the rest is on an overflow chain.
   */
  localSize(hdr: number, keyLen: number, payloadLen: number): number {
    if (hdr + payloadLen <= this.cellMax) return payloadLen;
    const max = this.cellMax - hdr - 4;
    const l = keyLen < this.minLocal ? this.minLocal : keyLen;
    return l > max ? max : l;
  }
}
