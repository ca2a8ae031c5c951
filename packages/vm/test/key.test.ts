/**
 * Order-preserving index keys: memcmp of the encodings must order tuples exactly as SQLite
 * compares them, equal tuples must encode identically, and keys must decode back.
 */
import { DbError } from "@db/btree";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Collation, compareTuples, compareValues } from "../src/compare.js";
import {
  KeyReader,
  compareKeys,
  decodeIndexEntry,
  decodeKey,
  decodeRowidKey,
  encodeKey,
  encodeKeyString,
  encodeKeyValue,
  encodeRowidKey,
  keySuccessor,
  lastKeyExact,
} from "../src/key.js";
import { encodeRecord } from "../src/record.js";
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
    const f64 = (d: number): number[] => {
      const b = new Uint8Array(new Float64Array([d]).buffer).reverse();
      if (d < 0) return [...b].map((x) => ~x & 0xff);
      b[0]! ^= 0x80;
      return [...b];
    };
    for (const bad of [
      [0x77],
      [0x15, 1, 2],
      [0x25, 0x61],
      [0x25, 0x00, 0x05],
      [0x05, 0xfa, 0x99],
      [0x17, 0x01], // truncated magnitude
      [0x16, 0x05, 0x00], // odd magnitude (2.5..), truncated float
      [0x16, 0x05, ...f64(3.5)], // float outside (2, 3)
      [0x16, 0x05, ...f64(2)], // integral float after an odd magnitude
      [0x1e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], // 9 bytes, even, but beyond int64
      [0x1f, ...f64(1)], // the high REAL class holds only reals >= 2^63
      [0x0b, ...f64(-1)], // the low one only reals < -2^63
      [0x1d, 0x80, 0, 0, 0, 0, 0, 0, 1], // 8-byte odd magnitude: no fraction above 2^53
      [0x17, 0x00, 0x02], // 1 written in 2 bytes
      [0x13, 0xff, 0xfd], // -1 written in 2 bytes
    ]) {
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

/** Printed so that a failing run can be repeated: KEY_TEST_SEED=<seed> pnpm exec vitest run packages/vm/test/key.test.ts */
const seed = process.env.KEY_TEST_SEED ? Number(process.env.KEY_TEST_SEED) : Date.now() % 2147483647;
console.log(`key.test.ts: fast-check seed ${seed}`);

/** Numbers of every kind around the points where the encoding changes: byte lengths, 2^53, 2^63, int64 ends. */
const edgeNumber: fc.Arbitrary<SqlValue> = fc
  .tuple(
    fc.constantFrom(0, 1, 127, 128, 255, 256, 2 ** 15, 2 ** 16, 2 ** 23, 2 ** 24, 2 ** 31, 2 ** 32, 2 ** 47, 2 ** 48, 2 ** 52, 2 ** 53, 2 ** 55, 2 ** 62, 2 ** 63),
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(0, 0, 0.25, 0.5, 0.75, 1e-9, 0.9999999, 1e-300),
    fc.boolean(),
    fc.constantFrom("int", "real"),
  )
  .map(([base, d, frac, neg, kind]) => {
    const bi = (BigInt(base) + BigInt(d)) * (neg ? -1n : 1n);
    if (kind === "int") return bi > MAX_INT64 || bi < MIN_INT64 ? null : normalizeBigInt(bi);
    const x = (neg ? -1 : 1) * (base + d + frac);
    return makeReal(x); // a Real box when integral, as the vm makes them
  });
const mixedArb: fc.Arbitrary<SqlValue> = fc.oneof(edgeNumber, edgeNumber, valueArb);
const params = { seed, numRuns: 20000 };

/** Same storage class and value: what a key-only index entry must give back. */
function identical(a: SqlValue, b: SqlValue): boolean {
  if (a instanceof Real || b instanceof Real) return a instanceof Real && b instanceof Real && Object.is(a.value, b.value);
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && compareKeys(a, b) === 0;
  return Object.is(a, b);
}

describe("compact exact numbers", () => {
  it("memcmp order equals SQLite's order for ints, reals and bigints near 2^53 and 2^63 (seeded)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }).chain((n) =>
          fc.tuple(
            fc.array(mixedArb, { minLength: n, maxLength: n }),
            fc.array(mixedArb, { minLength: n, maxLength: n }),
            fc.array(fc.boolean(), { minLength: n, maxLength: n }),
            fc.array(collArb, { minLength: n, maxLength: n }),
          ),
        ),
        ([a, b, desc, colls]) => {
          const ka = encodeKey(a, desc, colls);
          const kb = encodeKey(b, desc, colls);
          const want = sign(compareTuples(a, b, desc, colls));
          expect(sign(compareKeys(ka, kb)), `${a.map(String)} vs ${b.map(String)}`).toBe(want);
          // Map keys (GROUP BY, DISTINCT, IN sets) agree with the bytes.
          expect(encodeKeyString(a, desc, colls) === encodeKeyString(b, desc, colls)).toBe(want === 0);
        },
      ),
      params,
    );
  });

  it("no column's encoding is a proper prefix of another's", () => {
    fc.assert(
      fc.property(mixedArb, mixedArb, fc.boolean(), (a, b, desc) => {
        const ka = encodeKeyValue(a, desc);
        const kb = encodeKeyValue(b, desc);
        if (ka.length === kb.length) return;
        const [s, l] = ka.length < kb.length ? [ka, kb] : [kb, ka];
        expect(compareKeys(s, l.subarray(0, s.length)), `${String(a)} vs ${String(b)}`).not.toBe(0);
      }),
      params,
    );
    // The case a trailing fraction marker would get wrong: 2 is no prefix of 2.5, so a prefix
    // seek for 2 does not find 2.5.
    const two = encodeKey([2]);
    const twoAndAHalf = encodeKey([2.5, 1]);
    expect(compareKeys(two, twoAndAHalf.subarray(0, two.length))).not.toBe(0);
  });

  it("decodes back exactly whenever lastKeyExact() says so, and only loses what it says", () => {
    fc.assert(
      fc.property(fc.array(mixedArb, { maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.array(collArb, { minLength: 4, maxLength: 4 }), (t, desc, colls) => {
        const key = encodeKey(t, desc, colls);
        const ex = lastKeyExact();
        const back = decodeKey(key);
        const lossy = t.some((v, i) => {
          if (v instanceof Real) return Number.isInteger(v.value) && v.value >= -(2 ** 63) && v.value < 2 ** 63;
          if (typeof v !== "string") return false;
          const c = colls[i];
          return (c === "NOCASE" && /[A-Z]/.test(v)) || (c === "RTRIM" && v.endsWith(" "));
        });
        expect(ex).toBe(!lossy);
        if (ex) {
          for (let i = 0; i < t.length; i++) {
            const v = t[i]!;
            if (typeof v === "string" && Buffer.from(v).toString() !== v) continue; // lone surrogates, as in records
            expect(identical(back[i]!, v), `${String(back[i])} vs ${String(v)}`).toBe(true);
          }
        }
      }),
      params,
    );
  });

  it("takes 1-10 bytes for an integer (1 for zero, 2 up to 127, 4 up to 2^22)", () => {
    const len = (v: SqlValue): number => encodeKeyValue(v).length;
    expect(len(0)).toBe(1);
    expect(len(1)).toBe(2);
    expect(len(-1)).toBe(2);
    expect(len(127)).toBe(2);
    expect(len(-127)).toBe(2);
    expect(len(-128)).toBe(3);
    expect(len(128)).toBe(3);
    expect(len(1_000_000)).toBe(4);
    expect(len(2 ** 22 - 1)).toBe(4);
    expect(len(MAX_INT64)).toBe(9);
    expect(len(MIN_INT64)).toBe(10);
    expect(len(2.5)).toBe(10);
    expect(len(Infinity)).toBe(9);
    expect([...encodeKeyValue(1)]).toEqual([0x16, 0x02]);
    expect([...encodeKeyValue(-1)]).toEqual([0x14, 0xfd]);
    expect([...encodeKeyValue(1, true)]).toEqual([0xe9, 0xfd]);
    expect([...encodeKeyValue(new Real(-0))]).toEqual([0x15]);
    expect([...encodeKeyValue(new Real(3))]).toEqual([...encodeKeyValue(3)]);
  });

  it("compares integers beyond 2^53 exactly with reals, as SQLite does", () => {
    // 2^53 + 1 has no double; it lies strictly between the reals 2^53 and 2^53 + 2.
    const k = (v: SqlValue): Uint8Array => encodeKeyValue(v);
    expect(compareKeys(k(9007199254740993n), k(new Real(9007199254740992)))).toBeGreaterThan(0);
    expect(compareKeys(k(9007199254740993n), k(new Real(9007199254740994)))).toBeLessThan(0);
    expect(compareKeys(k(-9223372036854775807n), k(new Real(-9223372036854775808)))).toBeGreaterThan(0);
    expect([...k(MIN_INT64)]).toEqual([...k(new Real(-9223372036854775808))]);
    expect(compareKeys(k(MAX_INT64), k(new Real(9223372036854775808)))).toBeLessThan(0);
    expect(decodeKey(k(9007199254740993n))).toEqual([9007199254740993n]);
    expect(decodeKey(k(MIN_INT64))).toEqual([MIN_INT64]);
    expect(decodeKey(k(new Real(2 ** 63)))).toEqual([new Real(2 ** 63)]);
  });
});

describe("KeyReader", () => {
  it("reads each column of a key in place, as decodeKey does", () => {
    const r = new KeyReader();
    fc.assert(
      fc.property(fc.array(mixedArb, { maxLength: 5 }), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), fc.nat(7), fc.nat(4), (t, desc, pad, first) => {
        const key = encodeKey(t, desc);
        const all = decodeKey(key);
        // In place inside a bigger buffer, as in a B+tree page.
        const page = new Uint8Array(pad + key.length + 3).fill(0xa5);
        page.set(key, pad);
        r.resetAt(page, pad, pad + key.length);
        // Any column first (offsets are found on demand), then all of them.
        expect(identical(r.column(first), all[first] ?? null)).toBe(true);
        expect(r.count).toBe(t.length);
        for (let i = 0; i < t.length; i++) expect(identical(r.column(i), all[i]!)).toBe(true);
        expect(r.column(t.length)).toBeNull();
      }),
      { seed, numRuns: 5000 },
    );
    expect(new KeyReader().reset(new Uint8Array(0)).count).toBe(0);
  });

  it("decodeIndexEntry reads a key-only entry from the key and any other from its record", () => {
    const key = encodeKey(["AbC", 7], undefined, ["NOCASE"]);
    expect(decodeIndexEntry(key, new Uint8Array(0))).toEqual(["abc", 7]);
    expect(decodeIndexEntry(key, encodeRecord(["AbC", 7]))).toEqual(["AbC", 7]);
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
