/**
 * Order-preserving index keys: memcmp of the encodings must order tuples exactly as SQLite
 * compares them, equal tuples must encode identically, and keys must decode back.
 */
import { DbError } from "@db/btree";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Collation, compareTuples, compareValues } from "../src/compare.js";
import {
  compareKeys,
  decodeKey,
  decodeRowidKey,
  encodeKey,
  encodeKeyValue,
  encodeRowidKey,
  keySuccessor,
} from "../src/key.js";
import { MAX_INT64, MIN_INT64, Real, type SqlValue, makeReal, normalizeBigInt, storageClass } from "../src/value.js";

const sign = (x: number): number => (x < 0 ? -1 : x > 0 ? 1 : 0);

/** Values that stress the numeric tie-breaking near 2^53 and 2^63 and text/blob escaping. */
const bigNear: fc.Arbitrary<SqlValue> = fc
  .tuple(fc.constantFrom(2n ** 53n, 2n ** 60n, 2n ** 62n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 53n)), fc.integer({ min: -1100, max: 1100 }))
  .map(([b, d]) => {
    const v = b + BigInt(d);
    return v > MAX_INT64 || v < MIN_INT64 ? null : normalizeBigInt(v);
  });
const numberArb: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: MIN_INT64, max: MAX_INT64 }).map(normalizeBigInt),
  bigNear,
  fc.double({ noNaN: true }).map(makeReal),
  fc.integer({ min: -20, max: 20 }).map((i) => makeReal(i / 4)),
  fc.constantFrom<SqlValue>(new Real(2 ** 53), new Real(2 ** 60), new Real(2 ** 63), new Real(-(2 ** 63)), new Real(-0), new Real(0), Infinity, -Infinity),
);
const textArb: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.stringMatching(/^[aAbB_ \0]{0,4}$/),
  fc.string({ maxLength: 5 }),
  fc.string({ unit: "grapheme", maxLength: 3 }),
);
const blobArb: fc.Arbitrary<SqlValue> = fc.oneof(fc.uint8Array({ maxLength: 4, max: 2 }), fc.uint8Array({ maxLength: 5 }));
const valueArb: fc.Arbitrary<SqlValue> = fc.oneof(fc.constant(null), numberArb, numberArb, textArb, blobArb);

const tupleArb = (n: number): fc.Arbitrary<SqlValue[]> => fc.array(valueArb, { minLength: n, maxLength: n });
const collArb = fc.constantFrom<Collation>("BINARY", "NOCASE", "RTRIM");

describe("encodeKey", () => {
  it("memcmp order equals SQLite's tuple order (random tuples, DESC columns, collations)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }).chain((n) =>
          fc.tuple(tupleArb(n), tupleArb(n), fc.array(fc.boolean(), { minLength: n, maxLength: n }), fc.array(collArb, { minLength: n, maxLength: n })),
        ),
        ([a, b, desc, colls]) => {
          const ka = encodeKey(a, desc, colls);
          const kb = encodeKey(b, desc, colls);
          expect(sign(compareKeys(ka, kb))).toBe(sign(compareTuples(a, b, desc, colls)));
        },
      ),
      { numRuns: 20000 },
    );
  });

  it("orders single columns of every type like compareValues", () => {
    fc.assert(
      fc.property(valueArb, valueArb, (a, b) => {
        expect(sign(compareKeys(encodeKeyValue(a), encodeKeyValue(b)))).toBe(compareValues(a, b));
        expect(sign(compareKeys(encodeKeyValue(a, true), encodeKeyValue(b, true)))).toBe(sign(-compareValues(a, b)));
      }),
      { numRuns: 20000 },
    );
  });

  it("encodes equal values identically (1 = 1.0, -0.0 = 0, NOCASE, RTRIM)", () => {
    const same = (a: SqlValue, b: SqlValue, coll?: Collation): void => {
      expect([...encodeKey([a], undefined, [coll])]).toEqual([...encodeKey([b], undefined, [coll])]);
    };
    same(1, new Real(1));
    same(0, new Real(-0));
    same(2n ** 60n, new Real(2 ** 60));
    same("Hello", "hELLO", "NOCASE");
    same("abc  ", "abc", "RTRIM");
    expect(compareKeys(encodeKey(["a"], undefined, ["NOCASE"]), encodeKey(["_"], undefined, ["NOCASE"]))).toBeGreaterThan(0);
    expect([...encodeKey(["Ab"], undefined, ["nocase"])]).toEqual([...encodeKey(["aB"], undefined, ["NOCASE"])]);
    expect(() => encodeKey(["x"], undefined, ["klingon"])).toThrow(DbError);
  });

  it("handles integers that share a double exactly", () => {
    const vals: SqlValue[] = [
      MIN_INT64,
      new Real(-(2 ** 63)),
      -9223372036854775807n,
      9007199254740992n,
      new Real(9007199254740992),
      9007199254740993n,
      9007199254740994n,
      9223372036854775806n,
      MAX_INT64,
      new Real(9223372036854775808),
      Infinity,
    ];
    for (const a of vals) {
      for (const b of vals) {
        expect(sign(compareKeys(encodeKeyValue(a), encodeKeyValue(b))), `${String(a)} vs ${String(b)}`).toBe(compareValues(a, b));
      }
    }
  });

  it("the key of a tuple is a prefix of the key of its extensions", () => {
    fc.assert(
      fc.property(tupleArb(3), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), (t, desc) => {
        const full = encodeKey(t, desc);
        for (let n = 0; n <= 3; n++) {
          const pre = encodeKey(t.slice(0, n), desc);
          expect([...full.subarray(0, pre.length)]).toEqual([...pre]);
          const succ = keySuccessor(pre);
          if (succ !== null) {
            expect(compareKeys(full, succ)).toBeLessThan(0);
            expect(compareKeys(pre, succ)).toBeLessThan(0);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("decodeKey", () => {
  it("decodes back to equal values (exactly, for canonical values)", () => {
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), (t, desc) => {
        const back = decodeKey(encodeKey(t, desc));
        expect(back.length).toBe(t.length);
        for (let i = 0; i < t.length; i++) {
          const v = t[i];
          if (typeof v === "string" && Buffer.from(v).toString() !== v) continue; // lone surrogates
          expect(compareValues(back[i], v), `${String(back[i])} vs ${String(v)}`).toBe(0);
          const sc = storageClass(v);
          const integral = sc === "real" && Number.isInteger(v instanceof Real ? v.value : (v as number));
          // Integral REALs inside the int64 range come back as INTEGER (documented).
          if (!integral) expect(storageClass(back[i])).toBe(sc);
          if (sc === "integer") expect(back[i]).toBe(v);
        }
        expect(decodeKey(encodeKey(t, desc), desc).length).toBe(t.length);
      }),
      { numRuns: 10000 },
    );
    expect(decodeKey(encodeKey([new Real(2.5), 3, "x\0y", new Uint8Array([0, 255]), null]))).toEqual([
      2.5,
      3,
      "x\0y",
      new Uint8Array([0, 255]),
      null,
    ]);
    expect(decodeKey(encodeKey([new Real(1e300), -Infinity]))).toEqual([new Real(1e300), -Infinity]);
    expect(decodeKey(encodeKey(["AbC"], undefined, ["NOCASE"]))).toEqual(["abc"]);
  });

  it("rejects malformed keys with DB_CORRUPT", () => {
    for (const bad of [[0x77], [0x15, 1, 2], [0x25, 0x61], [0x25, 0x00, 0x05], [0x05, 0xfa, 0x99]]) {
      let err: unknown;
      try {
        decodeKey(new Uint8Array(bad));
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(bad)).toBeInstanceOf(DbError);
      expect((err as DbError).code).toBe("DB_CORRUPT");
    }
  });
});

describe("rowid keys", () => {
  it("are 8 bytes, ordered by memcmp, and round-trip", () => {
    const rowid = fc.oneof(fc.maxSafeInteger(), fc.bigInt({ min: MIN_INT64, max: MAX_INT64 }).map(normalizeBigInt), fc.constantFrom<number | bigint>(0, -1, 1, MAX_INT64, MIN_INT64));
    fc.assert(
      fc.property(rowid, rowid, (a, b) => {
        const ka = encodeRowidKey(a as number | bigint);
        const kb = encodeRowidKey(b as number | bigint);
        expect(ka.length).toBe(8);
        expect(decodeRowidKey(ka)).toBe(a);
        expect(sign(compareKeys(ka, kb))).toBe(sign(compareValues(a as number, b as number)));
      }),
      { numRuns: 10000 },
    );
    expect([...encodeRowidKey(0)]).toEqual([0x80, 0, 0, 0, 0, 0, 0, 0]);
    expect([...encodeRowidKey(-1)]).toEqual([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect([...encodeRowidKey(MIN_INT64)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...encodeRowidKey(MAX_INT64)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });

  it("keySuccessor increments past trailing 0xFF bytes", () => {
    expect(keySuccessor(new Uint8Array([1, 2]))).toEqual(new Uint8Array([1, 3]));
    expect(keySuccessor(new Uint8Array([1, 0xff]))).toEqual(new Uint8Array([2]));
    expect(keySuccessor(new Uint8Array([0xff]))).toBeNull();
    expect(keySuccessor(new Uint8Array([]))).toBeNull();
  });
});
