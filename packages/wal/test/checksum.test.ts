import { describe, expect, it } from "vitest";
import { checksum, checksumAdvance, checksumShift, checksumUpdate } from "../src/checksum.js";
import { COMMIT_ALIGNED, FRAME_HEADER_SIZE, frameSum, type WalHeader } from "../src/format.js";

/** The definition in FORMAT.md, word by word from bytes (the reference for the fast loop). */
function reference(data: Uint8Array, s0: number, s1: number): [number, number] {
  for (let i = 0; i < data.length; i += 8) {
    const x0 = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
    const x1 = ((data[i + 4] << 24) | (data[i + 5] << 16) | (data[i + 6] << 8) | data[i + 7]) >>> 0;
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

describe("checksum", () => {
  it("matches the definition, from any seed and at any byte offset of any buffer", () => {
    let x = 12345;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    const big = new Uint8Array(4096 + 64);
    for (let i = 0; i < big.length; i++) big[i] = next() >>> 24;
    big.fill(0xff, 100, 300); // carries in every word
    for (const [off, len] of [[0, 4096], [3, 4096], [13, 1024], [64, 8], [7, 0]]) {
      const data = big.subarray(off, off + len);
      const seed = { s0: next(), s1: next() };
      const state = { ...seed };
      checksumUpdate(state, big, off, len);
      expect([state.s0, state.s1]).toEqual(reference(data, seed.s0, seed.s1));
      // through a view whose byteOffset is not 0
      const view = new Uint8Array(big.buffer, 5, big.length - 5);
      const again = { ...seed };
      checksumUpdate(again, view, off - 5 >= 0 ? off - 5 : 0, off - 5 >= 0 ? len : 0);
      if (off >= 5) expect([again.s0, again.s1]).toEqual(reference(data, seed.s0, seed.s1));
    }
    const c = checksum(big, 0, 4096);
    expect([c.s0, c.s1]).toEqual(reference(big.subarray(0, 4096), 0, 0));
    expect(c.s0).toBeGreaterThanOrEqual(0);
  });

  it("rejects a length that is not a multiple of 8", () => {
    expect(() => checksumUpdate({ s0: 0, s1: 0 }, new Uint8Array(16), 0, 12)).toThrow(RangeError);
  });
});

describe("checksumShift / checksumAdvance", () => {
  it("carry a starting state through n word pairs as checksumUpdate does", () => {
    let x = 777;
    const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
    for (const len of [8, 16, 1032, 4104, 65544]) {
      const data = new Uint8Array(len);
      for (let i = 0; i < len; i++) data[i] = next() >>> 24;
      const own = checksum(data);
      const shift = checksumShift(len / 8);
      for (let k = 0; k < 4; k++) {
        const start = { s0: next(), s1: next() };
        const direct = { ...start };
        checksumUpdate(direct, data, 0, len);
        const viaShift = { ...start };
        checksumAdvance(viaShift, shift, own.s0, own.s1);
        expect(viaShift).toEqual(direct);
      }
    }
  });
});

describe("frameSum from a body checksum (WalFrame.bodySum)", () => {
  it("gives the same frame header and own checksum as a pass over the page", () => {
    let x = 4242;
    const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
    const h: WalHeader = { version: 2, pageSize: 0, checkpointSeq: 1, salt1: next(), salt2: next(), cksum: { s0: 0, s1: 0 } };
    for (const ps of [512, 1024, 4096, 65536]) {
      const shift = checksumShift((ps - 8) / 8);
      for (const [pgno, field] of [[1, 0], [2, 7], [0x7fffffff, 0xffffffff], [next() >>> 1, COMMIT_ALIGNED | 5]]) {
        const a = new Uint8Array(FRAME_HEADER_SIZE + ps);
        for (let i = FRAME_HEADER_SIZE; i < a.length; i++) a[i] = next() >>> 24;
        a.fill(0xff, FRAME_HEADER_SIZE + 40, FRAME_HEADER_SIZE + 120); // carries
        const b = a.slice();
        const slow = { s0: 0, s1: 0 };
        frameSum(new DataView(a.buffer), 0, ps, pgno, field, h, slow);
        const fast = { s0: 0, s1: 0 };
        frameSum(new DataView(b.buffer), 0, ps, pgno, field, h, fast, checksum(b, FRAME_HEADER_SIZE, ps - 8), shift);
        expect(fast, `page size ${ps}, page ${pgno}, field ${field}`).toEqual(slow);
        expect(b).toEqual(a);
        // and a wrong body sum gives a different checksum (the derivation uses it)
        const wrong = { s0: 0, s1: 0 };
        const body = checksum(b, FRAME_HEADER_SIZE, ps - 8);
        frameSum(new DataView(b.buffer), 0, ps, pgno, field, h, wrong, { s0: body.s0 ^ 1, s1: body.s1 }, shift);
        expect(wrong).not.toEqual(slow);
      }
    }
  });
});
