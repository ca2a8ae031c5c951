/**
 * Cell decoding and size rules.
 *
 * Leaf cell:      varint keyLen | varint valueLen | local payload | [u32 first overflow page]
 * Interior cell:  u32 leftChild | varint keyLen   | local key     | [u32 first overflow page]
 *
 * The payload is key bytes followed by value bytes (interior cells: key only). How much of it
 * is local is a pure function of the header size and lengths (`Layout.localSize`), so it is
 * never stored. All functions here throw `corruptError(pgno, ...)` on malformed cells.
 */
import { corruptError } from "@db/pager";
import { get32 } from "./bytes.js";
import type { Layout } from "./layout.js";
import { getVarint, varintSize } from "./varint.js";

/** Decoded shape of one cell; reused to avoid allocation. Offsets are into the page buffer. */
export class CellInfo {
  /** Left child page (interior cells only). */
  child = 0;
  /** Key length in bytes (whole key, including any part on overflow pages). */
  keyLen = 0;
  /** Value length in bytes (leaf cells; 0 for interior cells). */
  valueLen = 0;
  /** Offset of the first payload byte. */
  payload = 0;
  /** Payload bytes stored on the page. */
  local = 0;
  /** First overflow page, or 0 when the whole payload is local. */
  overflow = 0;
  /** Encoded size of the cell on the page, in bytes. */
  size = 0;
}

/**
 * Decodes the leaf cell at `d[off..]` into `c`. The cell must end at or before `limit`.
 * Throws DB_CORRUPT naming `pgno` if it does not.
 */
export function parseLeafCell(L: Layout, d: Uint8Array, off: number, limit: number, pgno: number, c: CellInfo): void {
  // The common cell (every row of a scan): a one-byte key length, a value length of one or two
  // bytes, the whole payload on the page.
  const k0 = d[off];
  if (k0 < 0x80) {
    const v0 = d[off + 1];
    let vl = -1;
    let p = 0;
    if (v0 < 0x80) {
      vl = v0;
      p = off + 2;
    } else if (v0 !== 0x80 && d[off + 2] < 0x80) {
      vl = ((v0 & 0x7f) << 7) | d[off + 2];
      p = off + 3;
    }
    const size = p - off + k0 + vl;
    if (vl >= 0 && size <= L.cellMax && off + size <= limit) {
      c.child = 0;
      c.keyLen = k0;
      c.valueLen = vl;
      c.payload = p;
      c.local = k0 + vl;
      c.overflow = 0;
      c.size = size;
      return;
    }
  }
  const kl = getVarint(d, off);
  if (kl < 0) throw corruptError(pgno, `bad key length in cell at offset ${off}`);
  let p = off + varintSize(kl);
  const vl = getVarint(d, p);
  if (vl < 0) throw corruptError(pgno, `bad value length in cell at offset ${off}`);
  p += varintSize(vl);
  const hdr = p - off;
  const total = kl + vl;
  const local = L.localSize(hdr, kl, total);
  const size = local < total ? hdr + local + 4 : hdr + local;
  if (off + size > limit) throw corruptError(pgno, `cell at offset ${off} extends past the page`);
  c.child = 0;
  c.keyLen = kl;
  c.valueLen = vl;
  c.payload = p;
  c.local = local;
  c.overflow = local < total ? get32(d, p + local) : 0;
  c.size = size;
  if (local < total && c.overflow < 2) throw corruptError(pgno, `cell at offset ${off} has bad overflow page ${c.overflow}`);
}

/** Decodes the interior cell at `d[off..]` into `c`; see `parseLeafCell`. */
export function parseInteriorCell(L: Layout, d: Uint8Array, off: number, limit: number, pgno: number, c: CellInfo): void {
  const kl = getVarint(d, off + 4);
  if (kl < 0) throw corruptError(pgno, `bad key length in cell at offset ${off}`);
  const p = off + 4 + varintSize(kl);
  const hdr = p - off;
  const local = L.localSize(hdr, kl, kl);
  const size = local < kl ? hdr + local + 4 : hdr + local;
  if (off + size > limit) throw corruptError(pgno, `cell at offset ${off} extends past the page`);
  c.child = get32(d, off);
  c.keyLen = kl;
  c.valueLen = 0;
  c.payload = p;
  c.local = local;
  c.overflow = local < kl ? get32(d, p + local) : 0;
  c.size = size;
  if (local < kl && c.overflow < 2) throw corruptError(pgno, `cell at offset ${off} has bad overflow page ${c.overflow}`);
}

/** Encoded size in bytes of the cell at `d[off..]` (leaf or interior); bounds-checked like the parsers. */
export function cellSize(L: Layout, d: Uint8Array, off: number, leaf: boolean, limit: number, pgno: number): number {
  let hdr: number;
  let keyLen: number;
  let total: number;
  if (leaf) {
    keyLen = getVarint(d, off);
    const vl = keyLen < 0 ? -1 : getVarint(d, off + varintSize(keyLen));
    if (vl < 0) throw corruptError(pgno, `bad lengths in cell at offset ${off}`);
    hdr = varintSize(keyLen) + varintSize(vl);
    total = keyLen + vl;
  } else {
    keyLen = getVarint(d, off + 4);
    if (keyLen < 0) throw corruptError(pgno, `bad key length in cell at offset ${off}`);
    hdr = 4 + varintSize(keyLen);
    total = keyLen;
  }
  const local = L.localSize(hdr, keyLen, total);
  const size = local < total ? hdr + local + 4 : hdr + local;
  if (off + size > limit) throw corruptError(pgno, `cell at offset ${off} extends past the page`);
  return size;
}

/** Encoded size of a leaf cell for a key of `keyLen` and a value of `valueLen` bytes. */
export function leafCellSize(L: Layout, keyLen: number, valueLen: number): number {
  const hdr = varintSize(keyLen) + varintSize(valueLen);
  const total = keyLen + valueLen;
  const local = L.localSize(hdr, keyLen, total);
  return local < total ? hdr + local + 4 : hdr + local;
}

/** True if a leaf cell with these lengths needs an overflow chain. */
export function leafOverflows(L: Layout, keyLen: number, valueLen: number): boolean {
  return varintSize(keyLen) + varintSize(valueLen) + keyLen + valueLen > L.cellMax;
}
