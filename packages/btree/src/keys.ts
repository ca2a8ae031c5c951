/**
 * Key comparison and binary search within a page, and key/value extraction.
 *
 * Order is memcmp order on the whole key. Comparisons work on the local key bytes in
 * place and only read overflow pages when the local prefix is equal and the stored key
 * continues on an overflow chain.
 */
import { corruptError } from "@db/pager";
import { copyOut, get16, get32 } from "./bytes.js";
import type { CellInfo } from "./cell.js";
import type { TreeCtx } from "./ctx.js";
import { HEADER_SIZE, OFF_CONTENT, OFF_NCELLS } from "./layout.js";
import { compareChain, readChain } from "./overflow.js";
import { getVarint, varintSize } from "./varint.js";

/**
 * Compares `key` with the key of the cell at `d[off..]` (`leaf` selects the cell format).
 * Returns <0, 0 or >0 as key is below, equal to or above the cell key.
 * Throws DB_CORRUPT naming `pgno` for malformed cells.
 */
export function compareCell(t: TreeCtx, d: Uint8Array, off: number, leaf: boolean, pgno: number, key: Uint8Array): number {
  const L = t.layout;
  let p = leaf ? off : off + 4;
  let kl = d[p];
  if (kl < 0x80) p++;
  else {
    kl = getVarint(d, p);
    if (kl < 0) throw corruptError(pgno, `bad key length in cell at offset ${off}`);
    p += varintSize(kl);
  }
  let vl = 0;
  if (leaf) {
    vl = d[p];
    if (vl < 0x80) p++;
    else {
      vl = getVarint(d, p);
      if (vl < 0) throw corruptError(pgno, `bad value length in cell at offset ${off}`);
      p += varintSize(vl);
    }
  }
  const hdr = p - off;
  let localKey = kl;
  let overflowKey = false;
  if (hdr + kl + vl > L.cellMax) {
    const local = L.localSize(hdr, kl, kl + vl);
    if (local < kl) {
      localKey = local;
      overflowKey = true;
    }
  }
  if (p + localKey + (overflowKey ? 4 : 0) > t.usable) throw corruptError(pgno, `cell at offset ${off} extends past the page`);
  const klen = key.length;
  const n = klen < localKey ? klen : localKey;
  for (let i = 0; i < n; i++) {
    const x = key[i];
    const y = d[p + i];
    if (x !== y) return x - y;
  }
  if (!overflowKey) return klen - kl;
  if (klen <= localKey) return -1;
  return compareChain(t, key, localKey, get32(d, p + localKey), kl - localKey, pgno);
}

/** Throws unless `off` is a plausible cell offset on a page whose content area starts at `content`. */
function checkPtr(t: TreeCtx, off: number, content: number, pgno: number): void {
  if (off < content || off >= t.usable) throw corruptError(pgno, `cell pointer ${off} outside the content area`);
}

/*
 * 8-byte keys (the SQL layer's rowid keys) are compared as two u32 halves: `key8Hi`/`key8Lo`
 * hold the searched key's, set by the searches before their loop. Such a key is always wholly
 * local (the smallest page keeps at least `minLocal` > 8 key bytes on the page).
 */
let key8Hi = 0;
let key8Lo = 0;

function setKey8(key: Uint8Array): void {
  key8Hi = ((key[0] << 24) | (key[1] << 16) | (key[2] << 8) | key[3]) >>> 0;
  key8Lo = ((key[4] << 24) | (key[5] << 16) | (key[6] << 8) | key[7]) >>> 0;
}

/**
 * compareCell for an 8-byte `key` (after `setKey8(key)`): the fast path when the cell's key is
 * also 8 bytes, with short length varints and within the page; anything else goes to compareCell.
 */
function compareCell8(t: TreeCtx, d: Uint8Array, off: number, leaf: boolean, pgno: number, key: Uint8Array): number {
  let p: number;
  if (leaf) {
    // keyLen 8, then a value length varint of 1 or 2 bytes.
    if (d[off] !== 8) return compareCell(t, d, off, leaf, pgno, key);
    if (d[off + 1] < 0x80) p = off + 2;
    else if (d[off + 2] < 0x80) p = off + 3;
    else return compareCell(t, d, off, leaf, pgno, key);
  } else {
    if (d[off + 4] !== 8) return compareCell(t, d, off, leaf, pgno, key);
    p = off + 5;
  }
  if (p + 8 > t.usable) return compareCell(t, d, off, leaf, pgno, key);
  const h = ((d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]) >>> 0;
  if (h !== key8Hi) return key8Hi < h ? -1 : 1;
  const l = ((d[p + 4] << 24) | (d[p + 5] << 16) | (d[p + 6] << 8) | d[p + 7]) >>> 0;
  return l === key8Lo ? 0 : key8Lo < l ? -1 : 1;
}

/** Offset of the 8 key bytes of the leaf cell at `off` when compareCell8's fast path applies to it, else -1. */
function cell8Key(t: TreeCtx, d: Uint8Array, off: number): number {
  if (d[off] !== 8) return -1;
  const p = d[off + 1] < 0x80 ? off + 2 : d[off + 2] < 0x80 ? off + 3 : -1;
  return p >= 0 && p + 8 <= t.usable ? p : -1;
}

/**
 * Binary search of leaf page `d`: returns the index of the first cell whose key is >= `key`
 * (n if none) and sets `t.found` if that cell's key equals `key`.
 */
export function searchLeaf(t: TreeCtx, d: Uint8Array, pgno: number, key: Uint8Array): number {
  const content = get16(d, OFF_CONTENT);
  let lo = 0;
  let hi = get16(d, OFF_NCELLS);
  t.found = false;
  const k8 = key.length === 8;
  if (k8) {
    setKey8(key);
    // 8-byte keys are distinct 64-bit big-endian numbers, so cell i's key is at least cell 0's
    // key + i: the key cannot be past index (key - key0), and with dense keys (rowids) it is
    // exactly there. Two probes instead of a binary search's ~log2(n), each of them a cache
    // miss on a page read at random.
    if (hi > 2) {
      const off0 = get16(d, HEADER_SIZE);
      checkPtr(t, off0, content, pgno);
      const c0 = compareCell8(t, d, off0, true, pgno, key);
      if (c0 <= 0) {
        t.found = c0 === 0;
        return 0;
      }
      lo = 1;
      const p = cell8Key(t, d, off0);
      if (p >= 0) {
        const g = (key8Hi - ((d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]) >>> 0) * 4294967296 + (key8Lo - (((d[p + 4] << 24) | (d[p + 5] << 16) | (d[p + 6] << 8) | d[p + 7]) >>> 0));
        if (g < hi) {
          const off = get16(d, HEADER_SIZE + 2 * g);
          checkPtr(t, off, content, pgno);
          const c = compareCell8(t, d, off, true, pgno, key);
          if (c === 0) {
            t.found = true;
            return g;
          }
          // c > 0 cannot happen for well-formed pages (cell g's key >= key); it is searched anyway.
          if (c < 0) hi = g;
          else lo = g + 1;
        }
      }
    }
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const off = get16(d, HEADER_SIZE + 2 * mid);
    checkPtr(t, off, content, pgno);
    const c = k8 ? compareCell8(t, d, off, true, pgno, key) : compareCell(t, d, off, true, pgno, key);
    if (c > 0) lo = mid + 1;
    else if (c < 0) hi = mid;
    else {
      t.found = true;
      return mid;
    }
  }
  return lo;
}

/**
 * Binary search of interior page `d`: returns the index (0..n) of the child whose subtree
 * may hold `key`, i.e. the number of separators <= key (cell i's child holds keys < key i).
 */
export function searchInterior(t: TreeCtx, d: Uint8Array, pgno: number, key: Uint8Array): number {
  const content = get16(d, OFF_CONTENT);
  let lo = 0;
  let hi = get16(d, OFF_NCELLS);
  const k8 = key.length === 8;
  if (k8) {
    setKey8(key);
    if (hi > 8) {
      // Interpolation between the first and last separators (rowids spread evenly), checked by
      // comparisons: ~4 probes where a binary search over a full page takes ~8.
      const n = hi;
      const offA = get16(d, HEADER_SIZE);
      const offZ = get16(d, HEADER_SIZE + 2 * (n - 1));
      checkPtr(t, offA, content, pgno);
      checkPtr(t, offZ, content, pgno);
      if (compareCell8(t, d, offA, false, pgno, key) < 0) return 0;
      if (compareCell8(t, d, offZ, false, pgno, key) >= 0) return n;
      lo = 1;
      hi = n - 1;
      const pa = d[offA + 4] === 8 && offA + 13 <= t.usable ? offA + 5 : -1;
      const pz = d[offZ + 4] === 8 && offZ + 13 <= t.usable ? offZ + 5 : -1;
      if (pa >= 0 && pz >= 0) {
        const ha = ((d[pa] << 24) | (d[pa + 1] << 16) | (d[pa + 2] << 8) | d[pa + 3]) >>> 0;
        const la = ((d[pa + 4] << 24) | (d[pa + 5] << 16) | (d[pa + 6] << 8) | d[pa + 7]) >>> 0;
        const hz = ((d[pz] << 24) | (d[pz + 1] << 16) | (d[pz + 2] << 8) | d[pz + 3]) >>> 0;
        const lz = ((d[pz + 4] << 24) | (d[pz + 5] << 16) | (d[pz + 6] << 8) | d[pz + 7]) >>> 0;
        const span = (hz - ha) * 4294967296 + (lz - la);
        const x = (key8Hi - ha) * 4294967296 + (key8Lo - la);
        // Separator g is the last one <= key if the guess is right: check it and g + 1.
        let g = Math.floor((x / span) * (n - 1));
        if (!(g >= 1)) g = 1;
        else if (g > n - 2) g = n - 2;
        const offG = get16(d, HEADER_SIZE + 2 * g);
        checkPtr(t, offG, content, pgno);
        if (compareCell8(t, d, offG, false, pgno, key) >= 0) {
          lo = g + 1;
          if (lo >= hi) return lo;
          const offN = get16(d, HEADER_SIZE + 2 * lo);
          checkPtr(t, offN, content, pgno);
          if (compareCell8(t, d, offN, false, pgno, key) < 0) return lo;
          lo++;
        } else {
          hi = g;
          const offP = get16(d, HEADER_SIZE + 2 * (g - 1));
          checkPtr(t, offP, content, pgno);
          if (compareCell8(t, d, offP, false, pgno, key) >= 0) return g;
          hi = g - 1;
        }
      }
    }
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const off = get16(d, HEADER_SIZE + 2 * mid);
    checkPtr(t, off, content, pgno);
    if ((k8 ? compareCell8(t, d, off, false, pgno, key) : compareCell(t, d, off, false, pgno, key)) >= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Returns a copy of the key of the decoded cell `c` on page `d` (reading overflow if needed). */
export function cellKey(t: TreeCtx, d: Uint8Array, c: CellInfo, pgno: number): Uint8Array {
  const kl = c.keyLen;
  if (c.local >= kl) return copyOut(d, c.payload, kl);
  const out = new Uint8Array(kl);
  out.set(d.subarray(c.payload, c.payload + c.local));
  readChain(t, c.overflow, 0, out, c.local, kl - c.local, pgno);
  return out;
}

/** Returns a copy of the value of the decoded leaf cell `c` on page `d` (reassembling overflow). */
export function cellValue(t: TreeCtx, d: Uint8Array, c: CellInfo, pgno: number): Uint8Array {
  const kl = c.keyLen;
  const vl = c.valueLen;
  const local = c.local;
  const start = c.payload + kl;
  if (local >= kl + vl) return copyOut(d, start, vl);
  const out = new Uint8Array(vl);
  if (local > kl) {
    const n = local - kl;
    out.set(d.subarray(start, start + n));
    readChain(t, c.overflow, 0, out, n, vl - n, pgno);
  } else {
    readChain(t, c.overflow, kl - local, out, 0, vl, pgno);
  }
  return out;
}
