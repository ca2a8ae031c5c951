/**
 * length() of long TEXT (utf8CharCount's word scan) at every alignment and position of the byte
 * that ends the ASCII run, against SQLite's lengthFunc loop.
 */
import { describe, expect, it } from "vitest";
import { utf8CharCount } from "../src/index.js";

describe("utf8CharCount word scan (strings of 32 bytes and more)", () => {
  const ref = (b: Uint8Array, start: number, end: number): number => {
    let n = 0;
    for (let i = start; i < end; ) {
      const c = b[i++]!;
      if (c === 0) break;
      n++;
      if (c >= 0xc0) while (i < end && (b[i]! & 0xc0) === 0x80) i++;
    }
    return n;
  };
  it("finds a NUL, a high byte or a multi-byte character at any position and alignment", () => {
    // Views at every byteOffset mod 4 into one ArrayBuffer, as page buffers and pooled Buffers are.
    const ab = new ArrayBuffer(160);
    for (const special of [0x00, 0x01, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xf0, 0xff]) {
      for (const viewOff of [0, 1, 2, 3]) {
        const b = new Uint8Array(ab, viewOff, 100);
        for (let at = 0; at < 100; at += 1) {
          b.fill(0x61);
          b[at] = special;
          if (at + 1 < 100 && special >= 0xc0) b[at + 1] = 0x82;
          for (const [start, end] of [[0, 100], [1, 99], [2, 70], [3, 35], [5, 37]] as const) {
            expect(utf8CharCount(b, start, end), `byte ${special} at ${at} in [${start}, ${end}) of a view at ${viewOff}`).toBe(ref(b, start, end));
          }
        }
      }
    }
  });
  it("counts long multi-byte text and alternates between buffers", () => {
    const enc = new TextEncoder();
    const texts = ["é".repeat(50), "a".repeat(31) + "日本語" + "b".repeat(40), "😀".repeat(20), "x".repeat(1000), "y".repeat(64) + "\u0000" + "z"];
    for (let round = 0; round < 3; round++) {
      for (const s of texts) {
        const b = enc.encode(s);
        const nul = s.indexOf("\u0000");
        expect(utf8CharCount(b, 0, b.length)).toBe([...(nul >= 0 ? s.slice(0, nul) : s)].length);
      }
    }
  });
});
