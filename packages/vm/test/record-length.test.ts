/**
 * length() read from record bytes (RecordReader.columnLength, utf8CharCount) against SQLite's
 * lengthFunc, and the UTF-8 decoding of TEXT columns.
 */
import { describe, expect, it } from "vitest";
import { RecordReader, encodeRecord, sqlLength, utf8CharCount, Real, type SqlValue } from "../src/index.js";

const bytes = (...b: number[]) => new Uint8Array(b);

/** A record whose only column is TEXT holding exactly `b` (possibly invalid UTF-8). */
function rawTextRecord(b: Uint8Array): Uint8Array {
  const t = 13 + 2 * b.length;
  if (t >= 0x80) throw new Error("test helper: keep it short");
  return new Uint8Array([2, t, ...b]);
}

describe("utf8CharCount", () => {
  it("counts characters as SQLite does", () => {
    const enc = new TextEncoder();
    for (const s of ["", "abc", "héllo", "日本語", "😀x", "a".repeat(300)]) {
      const b = enc.encode(s);
      expect(utf8CharCount(b, 0, b.length)).toBe([...s].length);
    }
  });
  it("stops at the first NUL", () => {
    expect(utf8CharCount(bytes(97, 98, 0, 99), 0, 4)).toBe(2);
  });
  it("lets a lead byte swallow continuation bytes, and counts stray ones", () => {
    expect(utf8CharCount(bytes(0xff, 0x80, 0x80), 0, 3)).toBe(1);
    expect(utf8CharCount(bytes(0x80, 0x80, 0x41), 0, 3)).toBe(3);
    expect(utf8CharCount(bytes(0xe2, 0x82), 0, 2)).toBe(1); // truncated sequence
  });
  it("respects the range", () => {
    expect(utf8CharCount(bytes(1, 2, 3, 4, 5), 1, 3)).toBe(2);
  });
});

describe("RecordReader.columnLength", () => {
  const r = new RecordReader();
  it("agrees with length() of the decoded value for every storage class", () => {
    const values: SqlValue[] = [null, 0, 1, -7, 123456789, 2 ** 40, 9007199254740993n, 1.5, new Real(2), "", "abc", "héllo wörld", "x".repeat(5000), new Uint8Array(0), bytes(0, 1, 2), "a\u0000b"];
    r.reset(encodeRecord(values));
    values.forEach((v, i) => expect(r.columnLength(i, sqlLength)).toEqual(sqlLength(v)));
  });
  it("reads columns of a wide record without decoding the others", () => {
    const values: SqlValue[] = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? null : i % 3 === 1 ? `v${i}` : i));
    r.reset(encodeRecord(values));
    for (const i of [0, 1, 2, 100, 199]) expect(r.columnLength(i, sqlLength)).toEqual(sqlLength(values[i]!));
  });
  it("gives NULL past the end of the record", () => {
    r.reset(encodeRecord([1, "a"]));
    expect(r.columnLength(2, sqlLength)).toBeNull();
    expect(r.columnLength(-1, sqlLength)).toBeNull();
  });
  it("counts invalid UTF-8 as SQLite does", () => {
    r.reset(rawTextRecord(bytes(0xff, 0x80, 0x41)));
    expect(r.columnLength(0, sqlLength)).toBe(2);
  });
});

describe("TEXT decoding", () => {
  const r = new RecordReader();
  it("round-trips short, long, ASCII and non-ASCII text", () => {
    for (const s of ["", "a", "12345678", "123456789", "name-12345", "é", "日本語テキスト", "x".repeat(100), "ü".repeat(1000), "😀"]) {
      r.reset(encodeRecord([s]));
      expect(r.column(0)).toBe(s);
    }
  });
  it("round-trips every short length (built in JS up to 12 bytes), with NUL and non-ASCII characters", () => {
    for (let n = 0; n <= 14; n++) {
      const ascii = Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join("");
      for (const s of [ascii, ascii.replace(/^./, "\u0000"), ascii.replace(/.$/, "é"), ascii.replace(/^./, "\u007f")]) {
        r.reset(encodeRecord([s, 1]));
        expect(r.column(0)).toBe(s);
      }
    }
  });
  it("keeps a leading byte-order mark, as SQLite does", () => {
    r.reset(encodeRecord(["\uFEFFabc"]));
    expect(r.column(0)).toBe("\uFEFFabc");
  });
  it("replaces invalid sequences with U+FFFD", () => {
    r.reset(rawTextRecord(bytes(0x61, 0xff, 0x62)));
    expect(r.column(0)).toBe("a\uFFFDb");
  });
});

describe("RecordReader header reuse", () => {
  it("forgets the previous header when a parse fails part-way (found by the corrupt-file fuzzer, seed 1504150592)", () => {
    const reader = new RecordReader();
    const good = encodeRecord(["hi"]);
    expect(reader.reset(good).column(0)).toBe("hi");
    // Column 0 says TEXT of 100 bytes, column 1 a reserved serial type: DB_CORRUPT after column 0's type was stored.
    expect(() => reader.reset(bytes(4, 0x81, 0x55, 10))).toThrow(expect.objectContaining({ code: "DB_CORRUPT" }));
    expect(reader.reset(good.slice()).column(0)).toBe("hi");
  });
});
