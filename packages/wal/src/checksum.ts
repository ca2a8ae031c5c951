/**
 * The WAL checksum: a Fibonacci-weighted pair of 32-bit sums over big-endian 32-bit words,
 * the same scheme as SQLite's WAL checksum (independent implementation). For each pair of
 * words (x0, x1), in order:  s0 = s0 + x0 + s1;  s1 = s1 + x1 + s0  (all mod 2^32).
 */

/** A running checksum: two unsigned 32-bit sums. Mutated in place by `checksumUpdate`. */
export interface ChecksumState {
  s0: number;
  s1: number;
}

/**
 * Folds bytes `data[offset, offset + length)` into `state`.
 * `length` must be a multiple of 8 (throws RangeError otherwise).
 */
export function checksumUpdate(state: ChecksumState, data: Uint8Array, offset: number, length: number): void {
  if (length % 8 !== 0) throw new RangeError(`checksum length ${length} is not a multiple of 8`);
  checksumUpdateView(state, new DataView(data.buffer, data.byteOffset, data.byteLength), offset, length);
}

/**
 * `checksumUpdate` over bytes [offset, offset + length) of a DataView the caller already has (the
 * pager's page views): no allocation. `length` must be a multiple of 8 (not checked here).
 */
export function checksumUpdateView(state: ChecksumState, v: DataView, offset: number, length: number): void {
  // Big-endian words through a DataView and int32 arithmetic (| 0): the sums are the same mod
  // 2^32, and this is 4-6x faster than assembling words from bytes (every WAL frame and every
  // page read is summed, so this loop is on the commit and read paths). Two word pairs per
  // step: ~10% faster here.
  let s0 = state.s0 | 0;
  let s1 = state.s1 | 0;
  const end = offset + length;
  let i = offset;
  for (; i + 16 <= end; i += 16) {
    s0 = (s0 + v.getInt32(i) + s1) | 0;
    s1 = (s1 + v.getInt32(i + 4) + s0) | 0;
    s0 = (s0 + v.getInt32(i + 8) + s1) | 0;
    s1 = (s1 + v.getInt32(i + 12) + s0) | 0;
  }
  for (; i < end; i += 8) {
    s0 = (s0 + v.getInt32(i) + s1) | 0;
    s1 = (s1 + v.getInt32(i + 4) + s0) | 0;
  }
  state.s0 = s0 >>> 0;
  state.s1 = s1 >>> 0;
}

/** Checksum of `data[offset, offset + length)` starting from (s0, s1) = (0, 0). */
export function checksum(data: Uint8Array, offset = 0, length = data.length - offset): ChecksumState {
  const state = { s0: 0, s1: 0 };
  checksumUpdate(state, data, offset, length);
  return state;
}

/**
 * How a starting state carries through the checksum of a fixed number of word pairs: a 2x2
 * matrix `[a, b, c, d]` (row-major) over the integers mod 2^32. One pair maps (s0, s1) to
 * (s0 + s1 + x0, s0 + 2·s1 + x0 + x1), an affine map with matrix [[1, 1], [1, 2]]; so after n
 * pairs the state is M^n · start + (the checksum of the same words from (0, 0)). The WAL uses
 * this to redo the frame chain from each frame's own sum, without reading the frames again,
 * when a frame of the open transaction is overwritten in place.
 */
export type ChecksumShift = readonly [number, number, number, number];

/** M^pairs (see `ChecksumShift`). */
export function checksumShift(pairs: number): ChecksumShift {
  let r: ChecksumShift = [1, 0, 0, 1];
  let m: ChecksumShift = [1, 1, 1, 2];
  for (let n = pairs; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) r = matMul(r, m);
    m = matMul(m, m);
  }
  return r;
}

function matMul(x: ChecksumShift, y: ChecksumShift): ChecksumShift {
  return [
    (Math.imul(x[0], y[0]) + Math.imul(x[1], y[2])) | 0,
    (Math.imul(x[0], y[1]) + Math.imul(x[1], y[3])) | 0,
    (Math.imul(x[2], y[0]) + Math.imul(x[3], y[2])) | 0,
    (Math.imul(x[2], y[1]) + Math.imul(x[3], y[3])) | 0,
  ];
}

/**
 * Advances `state` over words whose checksum from (0, 0) is (`sum0`, `sum1`) and whose length
 * gives `shift`: the same result as `checksumUpdate` over those words.
 */
export function checksumAdvance(state: ChecksumState, shift: ChecksumShift, sum0: number, sum1: number): void {
  const s0 = state.s0;
  const s1 = state.s1;
  state.s0 = (Math.imul(shift[0], s0) + Math.imul(shift[1], s1) + sum0) >>> 0;
  state.s1 = (Math.imul(shift[2], s0) + Math.imul(shift[3], s1) + sum1) >>> 0;
}
