/**
 * Values, conversions, arithmetic, CAST, affinity and comparison: hand-picked edge cases plus
 * differential tests against SQLite itself (sql.js), comparing `typeof(x)` and `quote(x)`.
 */
import fc from "fast-check";
import initSqlJs, { type Database } from "sql.js";
import { beforeAll, describe, expect, it } from "vitest";
import { type Affinity, affinityOfType, applyAffinity, castAs } from "../src/affinity.js";
import {
  type Collation,
  applyComparisonAffinity,
  compareTuples,
  compareValues,
  comparisonAffinity,
  valuesEqual,
} from "../src/compare.js";
import { atof, decimalToDouble, fp10Convert2 } from "../src/fp.js";
import { quoteValue } from "../src/functions.js";
import {
  MAX_INT64,
  MIN_INT64,
  Real,
  type SqlValue,
  add,
  bitAnd,
  bitNot,
  bitOr,
  concat,
  div,
  doubleToInt64,
  isInteger,
  isReal,
  makeInteger,
  makeReal,
  mod,
  mul,
  neg,
  normalizeBigInt,
  realToText,
  realValue,
  shl,
  shr,
  storageClass,
  sub,
  toBoolean,
  toInt64,
  toNumeric,
  toReal,
  toText,
} from "../src/value.js";

/* ------------------------------------------------------------------------------------------ */
/* Oracle                                                                                     */
/* ------------------------------------------------------------------------------------------ */

let db: Database;
beforeAll(async () => {
  const SQL = await initSqlJs({ useOldExtensionFunctions: false } as never);
  db = new SQL.Database();
});

const hexText = (s: string): string => Buffer.from(s, "utf8").toString("hex").toUpperCase();

/** An SQL expression that evaluates to exactly `v` in SQLite. */
function lit(v: SqlValue): string {
  if (v === null) return "NULL";
  if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) {
    return v === MIN_INT64 ? "(-9223372036854775807-1)" : `(${v})`;
  }
  if (typeof v === "number" || v instanceof Real) {
    const r = realValue(v);
    if (r === Infinity) return "9e999";
    if (r === -Infinity) return "(-9e999)";
    if (Object.is(r, -0)) return "(-0.0)";
    let s = String(r);
    if (!/[.e]/.test(s)) s += ".0";
    return `(${s})`;
  }
  if (typeof v === "string") {
    if (/^[\x20-\x7e]*$/.test(v)) return `'${v.replace(/'/g, "''")}'`;
    return `(CAST(X'${hexText(v)}' AS TEXT) || '')`;
  }
  return `X'${Buffer.from(v).toString("hex")}'`;
}

/** [typeof, quote, hex of text] of an expression as SQLite computes it, or ["ERR", message]. */
function sqlite(expr: string): string[] {
  try {
    const r = db.exec(
      `SELECT typeof(${expr}), quote(${expr}), CASE WHEN typeof(${expr})='text' THEN hex(${expr}) END`,
    );
    return r[0].values[0].map((x) => String(x));
  } catch (e) {
    return ["ERR", (e as Error).message];
  }
}

/** The same description of one of our values. */
function describeValue(v: SqlValue): string[] {
  return [storageClass(v), quoteValue(v), typeof v === "string" ? hexText(v) : "null"];
}

function ours(f: () => SqlValue): string[] {
  try {
    return describeValue(f());
  } catch (e) {
    return ["ERR", (e as Error).message];
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Arbitraries                                                                                */
/* ------------------------------------------------------------------------------------------ */

const BIG_EDGES: SqlValue[] = [
  0, 1, -1, 2, -2, 127, 128, -128, -129, 32767, 32768, -32769, 8388607, 8388608, 2147483647, 2147483648,
  -2147483649, 140737488355327, 140737488355328, 9007199254740991, -9007199254740991, 9007199254740992n,
  -9007199254740992n, 4611686018427387904n, 9223372036854775807n, -9223372036854775808n, 9223372036854775806n,
];
const intArb: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.maxSafeInteger(),
  fc.bigInt({ min: MIN_INT64, max: MAX_INT64 }).map(normalizeBigInt),
  fc.constantFrom(...BIG_EDGES),
);
const realArb: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.double({ noNaN: true }).map(makeReal),
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map(makeReal),
  fc.integer({ min: -100000, max: 100000 }).map((i) => makeReal(i / 8)),
  fc.constantFrom<SqlValue>(new Real(0), new Real(-0), new Real(2), new Real(1e20), new Real(-3), 0.5, 2.5, -2.5, 0.1, Infinity, -Infinity, new Real(2 ** 63)),
);
const numericText = fc.stringMatching(/^[ \t]{0,2}[+-]?[0-9]{0,22}(\.[0-9]{0,6})?([eE][+-]?[0-9]{0,3})?[ a-z]{0,2}$/);
const textArb: fc.Arbitrary<SqlValue> = fc.oneof(
  numericText,
  fc.string({ maxLength: 6 }),
  fc.string({ unit: "grapheme", maxLength: 4 }),
  fc.constantFrom("", " ", "12", " 12 ", "12abc", "1e3", "3.0", "0x10", "9223372036854775808", "-9223372036854775808", "1.5e", ".", "-", "é", "Inf"),
);
const asciiBlob = fc.uint8Array({ maxLength: 6, min: 0x20, max: 0x7e });
const valueArb: fc.Arbitrary<SqlValue> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: intArb, weight: 4 },
  { arbitrary: realArb, weight: 4 },
  { arbitrary: textArb, weight: 4 },
  { arbitrary: asciiBlob, weight: 1 },
);

const RUNS = 1500;

/* ------------------------------------------------------------------------------------------ */

describe("representation", () => {
  it("makeReal boxes integral doubles and drops NaN", () => {
    expect(makeReal(NaN)).toBeNull();
    expect(makeReal(2)).toEqual(new Real(2));
    expect(makeReal(-0)).toBeInstanceOf(Real);
    expect(Object.is((makeReal(-0) as Real).value, -0)).toBe(true);
    expect(makeReal(2.5)).toBe(2.5);
    expect(makeReal(Infinity)).toBe(Infinity);
    expect(makeReal(1e300)).toEqual(new Real(1e300));
  });

  it("classifies values", () => {
    const cases: [SqlValue, string][] = [
      [null, "null"],
      [0, "integer"],
      [-5, "integer"],
      [9007199254740992n, "integer"],
      [2.5, "real"],
      [new Real(2), "real"],
      [Infinity, "real"],
      ["x", "text"],
      [new Uint8Array(1), "blob"],
    ];
    for (const [v, c] of cases) expect(storageClass(v)).toBe(c);
    expect(isInteger(3)).toBe(true);
    expect(isInteger(3n ** 40n)).toBe(true);
    expect(isInteger(new Real(3))).toBe(false);
    expect(isReal(new Real(3))).toBe(true);
    expect(isReal(0.5)).toBe(true);
    expect(isReal(3)).toBe(false);
    expect(realValue(new Real(7))).toBe(7);
    expect(realValue(2n ** 60n)).toBe(2 ** 60);
  });

  it("normalizes integers: never a bigint in the safe range, never -0", () => {
    expect(makeInteger(5n)).toBe(5);
    expect(makeInteger(2n ** 53n)).toBe(2n ** 53n);
    expect(Object.is(makeInteger(-0), 0)).toBe(true);
    fc.assert(
      fc.property(valueArb, valueArb, (a, b) => {
        for (const r of [add(a, b), sub(a, b), mul(a, b), div(a, b), mod(a, b), neg(a), bitAnd(a, b), shl(a, b), toInt64(a)]) {
          if (typeof r === "bigint") expect(r > 9007199254740991n || r < -9007199254740991n).toBe(true);
          if (typeof r === "number" && Number.isInteger(r)) {
            expect(Number.isSafeInteger(r)).toBe(true);
            expect(Object.is(r, -0)).toBe(false);
          }
          if (typeof r === "number") expect(Number.isNaN(r)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("REAL -> TEXT", () => {
  it("renders like SQLite's %!.17g", () => {
    const cases: [number, string][] = [
      [1, "1.0"],
      [0.1, "0.1"],
      [-0, "0.0"],
      [0, "0.0"],
      [1e20, "1.0e+20"],
      [1e15, "1000000000000000.0"],
      [1e16, "10000000000000000.0"],
      [1e17, "1.0e+17"],
      [123456789012345680000, "1.2345678901234568e+20"],
      [1 / 3, "0.33333333333333332"],
      [0.1 + 0.2, "0.30000000000000004"],
      [49.47, "49.47"],
      [1.5e-7, "1.5e-07"],
      [1e-5, "1.0e-05"],
      [0.0001, "0.0001"],
      [123456789012345.6, "123456789012345.59"],
      [2 ** 63, "9.2233720368547758e+18"],
      [1e100, "1.0e+100"],
      [-2.5, "-2.5"],
      [Infinity, "Inf"],
      [-Infinity, "-Inf"],
      [5e-324, "4.9406564584124654e-324"],
      [1.7976931348623157e308, "1.7976931348623157e+308"],
    ];
    for (const [r, t] of cases) expect(realToText(r), String(r)).toBe(t);
    expect(toText(new Real(2))).toBe("2.0");
    expect(toText(makeReal(-0))).toBe("0.0");
  });

  it("matches CAST(x AS TEXT) on random doubles", () => {
    const stmt = db.prepare("SELECT CAST(CAST(? AS REAL) AS TEXT)");
    const bits = new BigUint64Array(1);
    const f64 = new Float64Array(bits.buffer);
    fc.assert(
      fc.property(
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((b) => ((bits[0] = b), f64[0]))),
        (x) => {
          if (Number.isNaN(x) || !Number.isFinite(x)) return;
          stmt.bind([x]);
          stmt.step();
          const expected = stmt.get()[0] as string;
          stmt.reset();
          expect(realToText(x)).toBe(expected);
        },
      ),
      { numRuns: 20000 },
    );
    stmt.free();
  });
});

describe("TEXT -> number", () => {
  it("parses like SQLite's sqlite3AtoF (CAST AS REAL)", () => {
    const stmt = db.prepare("SELECT CAST(? AS REAL)");
    fc.assert(
      fc.property(
        fc.oneof(
          numericText,
          fc.double({ noNaN: true }).map(String),
          fc.tuple(fc.stringMatching(/^[0-9]{1,30}$/), fc.integer({ min: -400, max: 400 })).map(([d, e]) => `${d}e${e}`),
          fc.tuple(fc.stringMatching(/^[0-9]{1,25}$/), fc.stringMatching(/^[0-9]{1,25}$/)).map(([a, b]) => `${a}.${b}`),
        ),
        (s) => {
          stmt.bind([s]);
          stmt.step();
          const expected = stmt.get()[0] as number;
          stmt.reset();
          const got = atof(s);
          expect(Object.is(got, expected) || got === expected, `${s}: ${got} vs ${expected}`).toBe(true);
        },
      ),
      { numRuns: 20000 },
    );
    stmt.free();
  });

  it("the exact fast path of decimal->double agrees with SQLite's conversion routine", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: -22, max: 22 }), (d, p) => {
        if (d === 0) return;
        expect(decimalToDouble(d, p)).toBe(fp10Convert2(BigInt(d), p));
      }),
      { numRuns: 20000 },
    );
  });

  it("converts operands and CAST targets exactly as SQLite", () => {
    expect(toNumeric("12abc")).toBe(12);
    expect(toNumeric("1.5abc")).toBe(1.5);
    expect(toNumeric("abc")).toBe(0);
    expect(toNumeric("3.0")).toEqual(new Real(3));
    expect(toNumeric("9223372036854775808")).toEqual(new Real(9223372036854775808));
    expect(toInt64("1e3")).toBe(1);
    expect(toInt64("  -0012  ")).toBe(-12);
    expect(toInt64("99999999999999999999")).toBe(MAX_INT64);
    expect(toInt64(new Real(-1e19))).toBe(MIN_INT64);
    expect(toReal("12abc")).toBe(12);
    expect(toReal(new Uint8Array([0x31, 0x2e, 0x35]))).toBe(1.5);
    expect(doubleToInt64(-3.9)).toBe(-3);
  });
});

describe("arithmetic, bitwise operators and ||", () => {
  const binary: [string, (a: SqlValue, b: SqlValue) => SqlValue][] = [
    ["+", add],
    ["-", sub],
    ["*", mul],
    ["/", div],
    ["%", mod],
    ["&", bitAnd],
    ["|", bitOr],
    ["<<", shl],
    [">>", shr],
    ["||", concat],
  ];

  it("hand-picked edge cases", () => {
    expect(add(9223372036854775807n, 1)).toEqual(new Real(9223372036854775808));
    expect(sub(MIN_INT64, 1)).toEqual(new Real(-9223372036854775808));
    expect(mul(4611686018427387904n, 2)).toEqual(new Real(9223372036854775808));
    expect(mul(-4611686018427387904n, 2)).toBe(MIN_INT64);
    expect(div(MIN_INT64, -1)).toEqual(new Real(9223372036854775808));
    expect(mod(MIN_INT64, -1)).toBe(0);
    expect(div(-7, 2)).toBe(-3);
    expect(mod(-7, 2)).toBe(-1);
    expect(div(7, 0)).toBeNull();
    expect(mod(7, 0)).toBeNull();
    expect(div(7.5, 0)).toBeNull();
    expect(mod(5.5, 2)).toEqual(new Real(1));
    expect(mod("1e3", 7)).toEqual(new Real(1));
    expect(add("3.0", 1)).toEqual(new Real(4));
    expect(add("abc", 1)).toBe(1);
    expect(add(null, 1)).toBeNull();
    expect(sub(Infinity, Infinity)).toBeNull();
    expect(neg(MIN_INT64)).toEqual(new Real(9223372036854775808));
    expect(neg("1.5")).toBe(-1.5);
    expect(shl(1, 63)).toBe(MIN_INT64);
    expect(shl(1, 64)).toBe(0);
    expect(shr(-1, 100)).toBe(-1);
    expect(shr(8, -1)).toBe(16);
    expect(bitNot("3.7")).toBe(-4);
    expect(bitOr(new Real(1e300), 0)).toBe(MAX_INT64);
    expect(concat("a", new Real(1))).toBe("a1.0");
    expect(concat(1, null)).toBeNull();
    expect(concat(new Uint8Array([0x41]), "b")).toBe("Ab");
  });

  it("matches SQLite on random operands", () => {
    fc.assert(
      fc.property(valueArb, valueArb, fc.constantFrom(...binary), (a, b, [op, f]) => {
        expect(ours(() => f(a, b)), `${lit(a)} ${op} ${lit(b)}`).toEqual(sqlite(`${lit(a)} ${op} ${lit(b)}`));
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it("unary operators match SQLite", () => {
    fc.assert(
      fc.property(valueArb, (a) => {
        expect(ours(() => neg(a)), `-${lit(a)}`).toEqual(sqlite(`-${lit(a)}`));
        expect(ours(() => bitNot(a)), `~${lit(a)}`).toEqual(sqlite(`~${lit(a)}`));
      }),
      { numRuns: RUNS },
    );
  });

  it("truthiness matches WHERE", () => {
    fc.assert(
      fc.property(valueArb, (a) => {
        const [, q] = sqlite(`CASE WHEN ${lit(a)} THEN 1 WHEN NOT ${lit(a)} THEN 0 END`);
        const b = toBoolean(a);
        expect(b === null ? "NULL" : b ? "1" : "0", lit(a)).toBe(q);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("CAST", () => {
  const TYPES = ["INTEGER", "INT", "REAL", "DOUBLE", "FLOAT", "TEXT", "VARCHAR(20)", "BLOB", "NUMERIC", "DECIMAL(10,2)", "BOOLEAN", "FOO"];

  it("hand-picked edge cases", () => {
    expect(castAs("3.0", "INTEGER")).toBe(3);
    expect(castAs("1e3", "INTEGER")).toBe(1);
    expect(castAs("1e3", "NUMERIC")).toBe(1000);
    expect(castAs("3.0", "NUMERIC")).toBe(3);
    expect(castAs("0.5", "NUMERIC")).toBe(0.5);
    expect(castAs("12abc", "NUMERIC")).toBe(12);
    expect(castAs("1e18", "NUMERIC")).toEqual(new Real(1e18));
    expect(castAs(new Real(3), "NUMERIC")).toEqual(new Real(3));
    expect(castAs("12abc", "REAL")).toEqual(new Real(12));
    expect(castAs(new Real(1), "TEXT")).toBe("1.0");
    expect(castAs(12, "BLOB")).toEqual(new Uint8Array([0x31, 0x32]));
    expect(castAs(new Real(1e19), "INTEGER")).toBe(MAX_INT64);
    expect(castAs(null, "INTEGER")).toBeNull();
  });

  it("matches SQLite for random values and types", () => {
    fc.assert(
      fc.property(valueArb, fc.constantFrom(...TYPES), (v, t) => {
        expect(ours(() => castAs(v, t)), `CAST(${lit(v)} AS ${t})`).toEqual(sqlite(`CAST(${lit(v)} AS ${t})`));
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe("affinity", () => {
  it("affinityOfType follows §3.1", () => {
    const cases: [string, Affinity][] = [
      ["INT", "INTEGER"],
      ["INTEGER", "INTEGER"],
      ["TINYINT", "INTEGER"],
      ["BIGINT UNSIGNED", "INTEGER"],
      ["INT8", "INTEGER"],
      ["CHARACTER(20)", "TEXT"],
      ["VARCHAR(255)", "TEXT"],
      ["NATIVE CHARACTER(70)", "TEXT"],
      ["NVARCHAR(100)", "TEXT"],
      ["TEXT", "TEXT"],
      ["CLOB", "TEXT"],
      ["BLOB", "BLOB"],
      ["", "BLOB"],
      ["REAL", "REAL"],
      ["DOUBLE", "REAL"],
      ["DOUBLE PRECISION", "REAL"],
      ["FLOAT", "REAL"],
      ["NUMERIC", "NUMERIC"],
      ["DECIMAL(10,5)", "NUMERIC"],
      ["BOOLEAN", "NUMERIC"],
      ["DATE", "NUMERIC"],
      ["DATETIME", "NUMERIC"],
      ["STRING", "NUMERIC"],
      ["FLOATING POINT", "INTEGER"],
      ["CHARINT", "INTEGER"],
      ["TEXTBLOB", "TEXT"],
      ["REALBLOB", "BLOB"],
      ["blob", "BLOB"],
      ["varchar", "TEXT"],
    ];
    for (const [t, a] of cases) expect(affinityOfType(t), t).toBe(a);
  });

  it("affinityOfType agrees with SQLite's column behaviour", () => {
    const types = ["INT", "VARCHAR", "BLOB", "REAL", "FLOATING POINT", "DOUB", "XYZ", "CHARINT", "TEXTBLOB", "REALBLOB", "POINT", "BLOBINT", ""];
    for (const t of types) {
      db.exec(`DROP TABLE IF EXISTS ta; CREATE TABLE ta(x ${t})`);
      db.exec("INSERT INTO ta VALUES ('12'), (12), ('1.50'), (x'3132')");
      const got = db.exec("SELECT typeof(x) || ':' || quote(x) FROM ta")[0].values.map((r) => r[0]);
      const aff = affinityOfType(t);
      const mine = ["12", 12, "1.50", new Uint8Array([0x31, 0x32])].map((v) => {
        const w = applyAffinity(v as SqlValue, aff);
        return `${storageClass(w)}:${quoteValue(w)}`;
      });
      expect(mine, t).toEqual(got);
    }
  });

  it("applyAffinity matches storing into columns of each affinity", () => {
    db.exec("DROP TABLE IF EXISTS tf; CREATE TABLE tf(i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC)");
    const sel = db.prepare("SELECT typeof(i), quote(i), typeof(r), quote(r), typeof(t), quote(t), typeof(b), quote(b), typeof(n), quote(n) FROM tf");
    fc.assert(
      fc.property(valueArb, (v) => {
        db.exec("DELETE FROM tf");
        db.exec(`INSERT INTO tf VALUES (${lit(v)}, ${lit(v)}, ${lit(v)}, ${lit(v)}, ${lit(v)})`);
        sel.step();
        const expected = sel.get().map(String);
        sel.reset();
        const mine: string[] = [];
        for (const aff of ["INTEGER", "REAL", "TEXT", "BLOB", "NUMERIC"] as const) {
          const w = applyAffinity(v, aff);
          mine.push(storageClass(w), quoteValue(w));
        }
        expect(mine, lit(v)).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
    sel.free();
  });
});

describe("comparison", () => {
  it("orders NULL < numbers < text < blob, numbers exactly", () => {
    const ordered: SqlValue[] = [
      null,
      -Infinity,
      MIN_INT64,
      -9223372036854775807n,
      -1.5,
      -1,
      0,
      new Real(0.0),
      0.5,
      1,
      9007199254740993n,
      new Real(2 ** 63),
      Infinity,
      "",
      "A",
      "a",
      "ab",
      "\u00e9",
      "\uffff",
      "\u{1F600}",
      new Uint8Array([]),
      new Uint8Array([0]),
      new Uint8Array([1]),
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const c = compareValues(ordered[i], ordered[j]);
        const expected = i === j || (i === 6 && j === 7) || (i === 7 && j === 6) ? 0 : i < j ? -1 : 1;
        expect(c, `${lit(ordered[i])} vs ${lit(ordered[j])}`).toBe(expected);
      }
    }
    expect(compareValues(9223372036854775807n, new Real(2 ** 63))).toBe(-1);
    expect(compareValues(9007199254740993n, new Real(9007199254740992))).toBe(1);
    expect(valuesEqual(null, null)).toBe(true);
    expect(valuesEqual(1, new Real(1))).toBe(true);
    expect(valuesEqual("a", "A")).toBe(false);
    expect(valuesEqual("a", "A", "NOCASE")).toBe(true);
    expect(valuesEqual("a  ", "a", "RTRIM")).toBe(true);
    expect(compareValues("_", "A", "NOCASE")).toBe(-1); // NOCASE folds to lower case
    expect(compareValues("a", "A", "nocase")).toBe(0); // collation names are case-insensitive
    expect(() => compareValues("a", "b", "klingon")).toThrow(/no such collation sequence: klingon/);
    expect(compareValues(1, 2, "klingon")).toBe(-1); // only text consults the collation
  });

  it("matches SQLite's < and = under each collation", () => {
    fc.assert(
      fc.property(valueArb, valueArb, fc.constantFrom<Collation>("BINARY", "NOCASE", "RTRIM"), (a, b, coll) => {
        if (a === null || b === null) return;
        const expr = `CASE WHEN ${lit(a)} < ${lit(b)} COLLATE ${coll} THEN -1 WHEN ${lit(a)} = ${lit(b)} COLLATE ${coll} THEN 0 ELSE 1 END`;
        expect(ours(() => compareValues(a, b, coll)), expr).toEqual(sqlite(expr));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("matches SQLite's ORDER BY on mixed values", () => {
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 8 }), (vals) => {
        db.exec("DROP TABLE IF EXISTS o; CREATE TABLE o(x)");
        for (const v of vals) db.exec(`INSERT INTO o VALUES (${lit(v)})`);
        const r = db.exec("SELECT quote(x) FROM o ORDER BY x");
        const expected = r.length ? r[0].values.map((x) => x[0]) : [];
        const sorted = [...vals].sort((p, q) => compareValues(p, q)).map(quoteValue);
        // Equal numbers (1 and 1.0) may come out in either order: compare as multisets of
        // equal runs by checking the sorted sequence is a valid order of the same values.
        expect(sorted.length).toBe(expected.length);
        for (let i = 0; i < vals.length; i++) {
          const x = vals.find((v) => quoteValue(v) === expected[i]) as SqlValue;
          const y = vals.find((v) => quoteValue(v) === sorted[i]) as SqlValue;
          expect(compareValues(x, y), `${expected} vs ${sorted}`).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("compareTuples is lexicographic with DESC and collations", () => {
    expect(compareTuples([1, "a"], [1, "b"])).toBe(-1);
    expect(compareTuples([1, "a"], [1, "b"], [false, true])).toBe(1);
    expect(compareTuples(["A"], ["a"], [false], ["NOCASE"])).toBe(0);
    expect(compareTuples([1], [1, 2])).toBe(-1);
  });

  it("comparisonAffinity follows §4.2", () => {
    expect(comparisonAffinity("INTEGER", null)).toBe("NUMERIC");
    expect(comparisonAffinity(null, "REAL")).toBe("NUMERIC");
    expect(comparisonAffinity("TEXT", null)).toBe("TEXT");
    expect(comparisonAffinity("TEXT", "INTEGER")).toBe("NUMERIC");
    expect(comparisonAffinity("TEXT", "TEXT")).toBeNull();
    expect(comparisonAffinity("TEXT", "BLOB")).toBeNull();
    expect(comparisonAffinity("BLOB", null)).toBeNull();
    expect(comparisonAffinity(null, null)).toBeNull();
    expect(applyComparisonAffinity("12", "NUMERIC")).toBe(12);
    expect(applyComparisonAffinity("3.0", "NUMERIC")).toEqual(new Real(3));
    expect(applyComparisonAffinity("12abc", "NUMERIC")).toBe("12abc");
    expect(applyComparisonAffinity(12, "TEXT")).toBe("12");
    expect(applyComparisonAffinity(new Uint8Array([0x31]), "NUMERIC")).toEqual(new Uint8Array([0x31]));
  });

  it("column = literal behaves as in SQLite for every pair of affinities", () => {
    const affs: [string, Affinity | null][] = [
      ["i", "INTEGER"],
      ["r", "REAL"],
      ["t", "TEXT"],
      ["b", "BLOB"],
      ["n", "NUMERIC"],
    ];
    db.exec("DROP TABLE IF EXISTS c; CREATE TABLE c(i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC)");
    fc.assert(
      fc.property(valueArb, valueArb, (stored, literal) => {
        db.exec("DELETE FROM c");
        db.exec(`INSERT INTO c VALUES (${lit(stored)}, ${lit(stored)}, ${lit(stored)}, ${lit(stored)}, ${lit(stored)})`);
        for (const [col, aff] of affs) {
          for (const [rhsSql, rhsAff, rhsVal] of [
            [lit(literal), null, literal],
            [`CAST(${lit(literal)} AS TEXT)`, "TEXT", castAs(literal, "TEXT")],
            ["t", "TEXT", applyAffinity(stored, "TEXT")],
            ["i", "INTEGER", applyAffinity(stored, "INTEGER")],
          ] as [string, Affinity | null, SqlValue][]) {
            const r = db.exec(`SELECT CASE WHEN ${col} < ${rhsSql} THEN -1 WHEN ${col} = ${rhsSql} THEN 0 WHEN ${col} > ${rhsSql} THEN 1 END FROM c`);
            const expected = r[0].values[0][0];
            const left = applyAffinity(stored, aff as Affinity);
            const ca = comparisonAffinity(aff, rhsAff);
            const l = applyComparisonAffinity(left, ca);
            const rr = applyComparisonAffinity(rhsVal, ca);
            const got = l === null || rr === null ? null : compareValues(l, rr);
            expect(got, `${col}=${rhsSql} (stored ${lit(stored)})`).toBe(expected);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
