/**
 * The record format: varints, serial types, round trips, byte-for-byte agreement with the
 * records SQLite itself writes (read out of a database image made by sql.js), corruption.
 */
import { DbError } from "@db/btree";
import fc from "fast-check";
import initSqlJs, { type Database } from "sql.js";
import { beforeAll, describe, expect, it } from "vitest";
import {
  RecordReader,
  decodeColumn,
  decodeRecord,
  encodeRecord,
  getVarint,
  lastVarintLength,
  putVarint,
  recordColumnCount,
  serialTypeLength,
  serialTypeOf,
  varintLength,
} from "../src/record.js";
import { MAX_INT64, MIN_INT64, Real, type SqlValue, makeReal, normalizeBigInt } from "../src/value.js";

let db: Database;
beforeAll(async () => {
  const SQL = await initSqlJs({ useOldExtensionFunctions: false } as never);
  db = new SQL.Database();
});

const valueArb: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: MIN_INT64, max: MAX_INT64 }).map(normalizeBigInt),
  fc.constantFrom<SqlValue>(0, 1, -1, 127, 128, -128, -129, 32767, -32769, 8388607, 8388608, 2147483647, -2147483649, 140737488355327, -140737488355328, 140737488355328, MAX_INT64, MIN_INT64),
  fc.double({ noNaN: true }).map(makeReal),
  fc.constantFrom<SqlValue>(new Real(2), new Real(-0), new Real(0), Infinity, -Infinity, 0.5),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 40 }),
);

function same(a: SqlValue, b: SqlValue): boolean {
  if (a instanceof Real && b instanceof Real) return Object.is(a.value, b.value);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  return Object.is(a, b);
}

function expectCorrupt(f: () => unknown): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DbError);
  expect((err as DbError).code).toBe("DB_CORRUPT");
}

describe("varints", () => {
  it("encodes SQLite's known byte patterns", () => {
    const cases: [number | bigint, number[]][] = [
      [0, [0x00]],
      [0x7f, [0x7f]],
      [0x80, [0x81, 0x00]],
      [0x3fff, [0xff, 0x7f]],
      [0x4000, [0x81, 0x80, 0x00]],
      [0x1fffff, [0xff, 0xff, 0x7f]],
      [0x200000, [0x81, 0x80, 0x80, 0x00]],
      [2n ** 56n - 1n, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
      [2n ** 56n, [0x80, 0xc0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]], // 9-byte form: last byte holds 8 bits
      [2n ** 64n - 1n, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
      [-1n, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
    ];
    for (const [v, bytes] of cases) {
      const buf = new Uint8Array(9);
      const n = putVarint(buf, 0, v);
      expect([...buf.subarray(0, n)], String(v)).toEqual(bytes);
      expect(varintLength(v)).toBe(bytes.length);
    }
  });

  it("round-trips numbers and 64-bit values", () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeNat(), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), (v) => {
        const buf = new Uint8Array(12);
        const n = putVarint(buf, 1, v);
        expect(n).toBe(varintLength(v));
        const back = getVarint(buf, 1);
        expect(lastVarintLength()).toBe(n);
        expect(BigInt(back)).toBe(BigInt(v));
        if (typeof back === "bigint") expect(back > 9007199254740991n).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it("refuses to read past the end", () => {
    expectCorrupt(() => getVarint(new Uint8Array([0x81, 0x80]), 0));
    expectCorrupt(() => getVarint(new Uint8Array([]), 0));
  });
});

describe("serial types", () => {
  it("picks the smallest integer encoding and the right text/blob types", () => {
    const cases: [SqlValue, number][] = [
      [null, 0],
      [0, 8],
      [1, 9],
      [2, 1],
      [-1, 1],
      [127, 1],
      [128, 2],
      [-128, 1],
      [-129, 2],
      [32767, 2],
      [32768, 3],
      [8388607, 3],
      [8388608, 4],
      [2147483647, 4],
      [2147483648, 5],
      [-2147483649, 5],
      [140737488355327, 5],
      [140737488355328, 6],
      [MAX_INT64, 6],
      [MIN_INT64, 6],
      [0.5, 7],
      [new Real(2), 7],
      ["", 13],
      ["abc", 19],
      ["é", 17],
      [new Uint8Array(3), 18],
    ];
    for (const [v, t] of cases) expect(serialTypeOf(v), String(v)).toBe(t);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 20, 21].map(serialTypeLength)).toEqual([0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0, 4, 4]);
  });
});

describe("records", () => {
  it("round-trips every kind of value exactly (REAL 2.0 stays REAL, -0.0 keeps its sign)", () => {
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 12 }), (vals) => {
        const rec = encodeRecord(vals);
        const back = decodeRecord(rec);
        expect(back.length).toBe(vals.length);
        for (let i = 0; i < vals.length; i++) {
          const v = vals[i];
          // Text goes through UTF-8: lone surrogates cannot survive, everything else must.
          if (typeof v === "string" && /[\ud800-\udfff]/.test(v) && Buffer.from(v).toString() !== v) continue;
          expect(same(back[i], v), `column ${i}: ${String(back[i])} vs ${String(v)}`).toBe(true);
          expect(same(decodeColumn(rec, i), v)).toBe(true);
        }
        expect(recordColumnCount(rec)).toBe(vals.length);
      }),
      { numRuns: 3000 },
    );
    expect(decodeRecord(encodeRecord([new Real(2)]))[0]).toEqual(new Real(2));
    expect(decodeRecord(encodeRecord([2]))[0]).toBe(2);
  });

  it("handles wide records whose header needs a multi-byte size", () => {
    const vals: SqlValue[] = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? "x".repeat(i) : i % 3 === 1 ? i * 1000 : null));
    const back = decodeRecord(encodeRecord(vals));
    expect(back).toEqual(vals);
    const big = "y".repeat(100000);
    expect(decodeRecord(encodeRecord([big, 1]))).toEqual([big, 1]);
  });

  it("RecordReader decodes lazily, reports types, and reads missing columns as NULL", () => {
    const r = new RecordReader();
    r.reset(encodeRecord([1, "two", 3.5, null, new Uint8Array([4])]));
    expect(r.count).toBe(5);
    expect(r.column(1)).toBe("two");
    expect(r.storageClass(0)).toBe("integer");
    expect(r.storageClass(1)).toBe("text");
    expect(r.storageClass(2)).toBe("real");
    expect(r.storageClass(3)).toBe("null");
    expect(r.storageClass(4)).toBe("blob");
    expect(r.isNull(3)).toBe(true);
    expect(r.isNull(7)).toBe(true);
    expect(r.column(9)).toBeNull();
    expect(r.serialType(0)).toBe(9);
    r.reset(encodeRecord(["again"]));
    expect(r.count).toBe(1);
    expect(r.column(0)).toBe("again");
    expect(r.values()).toEqual(["again"]);
  });

  it("decoded blobs do not alias the record buffer", () => {
    const rec = encodeRecord([new Uint8Array([1, 2, 3])]);
    const b = decodeRecord(rec)[0] as Uint8Array;
    rec.fill(0);
    expect([...b]).toEqual([1, 2, 3]);
  });

  it("throws DB_CORRUPT for malformed records", () => {
    const good = encodeRecord([1, "hello", 2.5]);
    expectCorrupt(() => decodeRecord(new Uint8Array(0)));
    expectCorrupt(() => decodeRecord(good.subarray(0, good.length - 1))); // body truncated
    expectCorrupt(() => decodeRecord(new Uint8Array([10, 1]))); // header size past the end
    expectCorrupt(() => decodeRecord(new Uint8Array([2, 10]))); // reserved serial type 10
    expectCorrupt(() => decodeRecord(new Uint8Array([2, 11]))); // reserved serial type 11
    expectCorrupt(() => decodeRecord(new Uint8Array([3, 0x81]))); // varint runs past the header
    expectCorrupt(() => new RecordReader().reset(new Uint8Array([2, 0x17]))); // text of 5 bytes missing
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), (junk) => {
        try {
          decodeRecord(junk);
        } catch (e) {
          expect(e).toBeInstanceOf(DbError);
          expect((e as DbError).code).toBe("DB_CORRUPT");
        }
      }),
      { numRuns: 3000 },
    );
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Agreement with the bytes SQLite writes                                                     */
/* ------------------------------------------------------------------------------------------ */

/** Reads a SQLite varint (for parsing the database image). */
function sqliteVarint(b: Uint8Array, p: number): [bigint, number] {
  let v = 0n;
  for (let i = 0; i < 8; i++) {
    v = (v << 7n) | BigInt(b[p + i] & 0x7f);
    if (b[p + i] < 0x80) return [v, i + 1];
  }
  return [(v << 8n) | BigInt(b[p + 8]), 9];
}

/** The payload of the first (only) row of table t, read from the database image. */
function payloadOfOnlyRow(): Uint8Array {
  const img = db.export();
  const pageSize = (img[16] << 8) | img[17];
  // sqlite_schema is on page 1; the table created first lives on page 2.
  const page = img.subarray(pageSize, 2 * pageSize);
  expect(page[0]).toBe(0x0d); // leaf table b-tree page
  const cellOff = (page[8] << 8) | page[9];
  const [size, n1] = sqliteVarint(page, cellOff);
  const [, n2] = sqliteVarint(page, cellOff + n1);
  const start = cellOff + n1 + n2;
  return page.slice(start, start + Number(size));
}

function lit(v: SqlValue): string {
  if (v === null) return "NULL";
  if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) {
    return v === MIN_INT64 ? "(-9223372036854775807-1)" : `(${v})`;
  }
  if (typeof v === "number" || v instanceof Real) {
    const r = v instanceof Real ? v.value : v;
    if (r === Infinity) return "9e999";
    if (r === -Infinity) return "(-9e999)";
    let s = String(r);
    if (!/[.e]/.test(s)) s += ".0";
    return `(${s})`;
  }
  if (typeof v === "string") return `CAST(X'${Buffer.from(v).toString("hex")}' AS TEXT)`;
  return `X'${Buffer.from(v).toString("hex")}'`;
}

describe("compatibility with SQLite's record bytes", () => {
  it("encodes exactly what SQLite stores, and decodes SQLite's records", () => {
    const small: fc.Arbitrary<SqlValue> = fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.bigInt({ min: MIN_INT64, max: MAX_INT64 }).map(normalizeBigInt),
      fc.constantFrom<SqlValue>(0, 1, 127, 128, -129, 32768, 8388608, 2147483648, 140737488355328, MAX_INT64, MIN_INT64),
      fc.double({ noNaN: true, min: -1e300, max: 1e300 }).filter((d) => !Object.is(d, -0)).map(makeReal),
      fc.constantFrom<SqlValue>(new Real(2), new Real(1e20), Infinity),
      fc.string({ unit: "grapheme", maxLength: 10 }),
      fc.uint8Array({ maxLength: 10 }),
    );
    fc.assert(
      fc.property(fc.array(small, { minLength: 1, maxLength: 8 }), (vals) => {
        const cols = vals.map((_, i) => `c${i}`).join(", ");
        db.exec(`DROP TABLE IF EXISTS t; VACUUM; CREATE TABLE t(${cols}); INSERT INTO t VALUES (${vals.map(lit).join(", ")})`);
        const payload = payloadOfOnlyRow();
        expect([...encodeRecord(vals)]).toEqual([...payload]);
        const back = decodeRecord(payload);
        for (let i = 0; i < vals.length; i++) expect(same(back[i], vals[i])).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
