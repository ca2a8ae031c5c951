import { describe, expect, it } from "vitest";
import { checksum } from "@db/wal";
import { pageChecksum, sealPage, verifyPage } from "../src/checksum.js";

/** The trailer's definition (FORMAT.md), word by word from bytes, seeded with (pgno, 0). */
function reference(data: Uint8Array, pgno: number): [number, number] {
  let s0 = pgno >>> 0;
  let s1 = 0;
  for (let i = 0; i < data.length - 8; i += 8) {
    const x0 = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
    const x1 = ((data[i + 4] << 24) | (data[i + 5] << 16) | (data[i + 6] << 8) | data[i + 7]) >>> 0;
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s1, s0];
}

describe("page checksum", () => {
  it("matches the seeded definition, and hands out the body sum the WAL reuses", () => {
    let x = 99;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    for (const ps of [512, 2048, 4096, 65536]) {
      for (const pgno of [1, 2, 3, 1000, 0x7fffffff, next() >>> 1]) {
        const data = new Uint8Array(ps);
        for (let i = 0; i < ps; i++) data[i] = next() >>> 24;
        data.fill(0xff, 16, 96);
        expect(pageChecksum(data, pgno), `page size ${ps}, page ${pgno}`).toEqual(reference(data, pgno));
        const body = { s0: 0, s1: 0 };
        sealPage(data, pgno, body);
        expect(body).toEqual(checksum(data, 0, ps - 8));
        const v = new DataView(data.buffer);
        expect([v.getUint32(ps - 8), v.getUint32(ps - 4)]).toEqual(reference(data, pgno));
        expect(() => verifyPage(data, pgno, pgno)).not.toThrow();
        data[ps >> 1] ^= 4;
        expect(() => verifyPage(data, pgno, pgno)).toThrow(/checksum mismatch/);
      }
    }
  });
});
