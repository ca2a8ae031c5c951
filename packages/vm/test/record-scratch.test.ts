/**
 * encodeRecordScratch (records written into a shared buffer, for puts that copy them) against
 * encodeRecord, and encodeRecord's results never aliasing the shared buffers.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, encodeRecordScratch } from "../src/record.js";
import { Real, type SqlValue, makeReal } from "../src/value.js";

const valueArb: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((b) => b < -(2n ** 53n) || b > 2n ** 53n),
  fc.double({ noNaN: true }).map(makeReal),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }), // lone surrogates
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 40 }),
);

const hex = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.length).toString("hex");

describe("encodeRecordScratch", () => {
  it("writes the same bytes as encodeRecord", () => {
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 12 }), (values) => {
        expect(hex(encodeRecordScratch(values))).toBe(hex(encodeRecord(values)));
      }),
      { numRuns: 2000 },
    );
  });

  it("handles text of every UTF-8 width, short and long, and records past the shared buffer's limit", () => {
    const cases: SqlValue[][] = [
      ["abc", "é", "€", "😀", "a\u0000b", "\ud800", "x\udc00y", ""],
      ["ascii".repeat(3), "é".repeat(17), "€".repeat(40), "😀".repeat(9)],
      [1, "x".repeat(70_000), 2],
      ["€".repeat(30_000), new Uint8Array(5000), null, new Real(1.5), 2n ** 62n],
      [new Uint8Array(80_000)],
    ];
    for (const values of cases) {
      const a = encodeRecord(values);
      const b = encodeRecordScratch(values);
      expect(hex(b)).toBe(hex(a));
      expect(decodeRecord(a).length).toBe(values.length);
      const round = decodeRecord(a);
      values.forEach((v, i) => {
        if (typeof v === "string") expect(round[i]).toBe(Buffer.from(v, "utf8").toString("utf8"));
      });
    }
  });

  it("encodeRecord returns arrays of their own; a scratch view is overwritten by the next call", () => {
    const a = encodeRecord([1, "one"]);
    const b = encodeRecord([2, "two"]);
    expect(a.buffer).not.toBe(b.buffer);
    expect(a.byteLength).toBe(a.buffer.byteLength);
    expect(decodeRecord(a)).toEqual([1, "one"]);
    const s1 = encodeRecordScratch([3, "three"]);
    const keep = s1.slice();
    encodeRecordScratch([4, "four"]);
    expect(decodeRecord(keep)).toEqual([3, "three"]);
    expect(decodeRecord(encodeRecord([5, "x".repeat(100)]))).toEqual([5, "x".repeat(100)]);
  });
});
