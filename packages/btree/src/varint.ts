/**
 * Variable-length unsigned integers used for key and value lengths in cells.
 *
 * Encoding: big-endian groups of 7 bits, most significant group first; every byte but the
 * last has its high bit (0x80) set. 1 to 5 bytes, values 0..2^35-1 (we store at most 2^31-1).
 * Only the canonical (shortest) encoding is valid: a first byte of 0x80 is rejected, so the
 * encoded size of a decoded value is always `varintSize(value)`.
 */

/** Bytes needed to encode `v` (0 <= v < 2^35). */
export function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Writes `v` at `d[off..]`; returns the number of bytes written (1..5). */
export function putVarint(d: Uint8Array, off: number, v: number): number {
  if (v < 0x80) {
    d[off] = v;
    return 1;
  }
  const n = varintSize(v);
  for (let i = n - 1; i >= 0; i--) {
    const group = v % 128;
    d[off + i] = i === n - 1 ? group : group | 0x80;
    v = Math.floor(v / 128);
  }
  return n;
}

/**
 * Decodes the varint at `d[off..]`. Returns the value, or -1 if the encoding is invalid
 * (non-canonical, longer than 5 bytes, or running past the end of `d`). The caller derives
 * the encoded length as `varintSize(value)`.
 */
export function getVarint(d: Uint8Array, off: number): number {
  let b = d[off];
  if (b < 0x80) return b;
  if (b === 0x80 || b === undefined) return -1;
  let v = b & 0x7f;
  for (let i = 1; i < 5; i++) {
    b = d[off + i];
    if (b === undefined) return -1;
    v = v * 128 + (b & 0x7f);
    if (b < 0x80) return v;
  }
  return -1;
}
