/**
 * Built-in scalar and aggregate functions, printf, LIKE/GLOB and date/time functions,
 * differential against SQLite (sql.js) plus hand-picked cases.
 */
import { DbError } from "@db/btree";
import fc from "fast-check";
import initSqlJs, { type Database } from "sql.js";
import { beforeAll, describe, expect, it } from "vitest";
import { aggregateFunctions } from "../src/aggregates.js";
import { type FunctionContext, quoteValue, scalarFunctions } from "../src/functions.js";
import { globMatch, likeMatch } from "../src/like.js";
import { MAX_INT64, MIN_INT64, Real, type SqlValue, makeReal, normalizeBigInt, realValue, storageClass } from "../src/value.js";

let db: Database;
beforeAll(async () => {
  const SQL = await initSqlJs({ useOldExtensionFunctions: false } as never);
  db = new SQL.Database();
});

const hexText = (s: string): string => Buffer.from(s, "utf8").toString("hex").toUpperCase();

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

function sqlite(expr: string): string[] {
  try {
    const r = db.exec(`SELECT typeof(${expr}), quote(${expr}), CASE WHEN typeof(${expr})='text' THEN hex(${expr}) END`);
    return r[0].values[0].map((x) => String(x));
  } catch (e) {
    return ["ERR", (e as Error).message];
  }
}

function ours(f: () => SqlValue): string[] {
  try {
    const v = f();
    return [storageClass(v), quoteValue(v), typeof v === "string" ? hexText(v) : "null"];
  } catch (e) {
    return ["ERR", (e as Error).message];
  }
}

function call(name: string, args: SqlValue[], ctx?: FunctionContext): SqlValue {
  const f = scalarFunctions.get(name);
  if (!f) throw new Error(`no function ${name}`);
  return f.fn(args, ctx);
}

/** Whether hex-encoded bytes are valid UTF-8 (JS strings cannot hold anything else). */
function validUtf8(hex: string): boolean {
  const b = Buffer.from(hex, "hex");
  return Buffer.from(b.toString("utf8"), "utf8").equals(b);
}

/**
 * Compares a call of ours with SQLite evaluating the same call; transcendental math may differ
 * in the last bit. Results SQLite produces as invalid UTF-8 text (a byte-counted precision
 * splitting a character) cannot be represented by a JS string and are skipped.
 */
function expectSameAsSqlite(name: string, args: SqlValue[], approx = false): void {
  const expr = `${name}(${args.map(lit).join(", ")})`;
  const e = sqlite(expr);
  if (e[0] === "text" && !validUtf8(e[2])) return;
  const m = ours(() => call(name, args));
  if (approx && e[0] === "real" && m[0] === "real") {
    const x = Number(e[1]);
    const y = Number(m[1]);
    expect(Math.abs(x - y) <= 4e-16 * Math.abs(x) || x === y, `${expr}: ${e[1]} vs ${m[1]}`).toBe(true);
    return;
  }
  expect(m, expr).toEqual(e);
}

/* ------------------------------------------------------------------------------------------ */

const VALUES: SqlValue[] = [
  null, 0, 1, -1, 2, 3, -3, 5, 10, -10, 100, 255, 9007199254740991, MIN_INT64, MAX_INT64, 4611686018427387904n,
  0.5, -0.5, 1.5, 2.5, -2.5, 0.125, 1.005, 3.14159, 1e-7, 123.456, new Real(2), new Real(-3), new Real(0), new Real(1e20), Infinity, -Infinity,
  "", " ", "abc", "ABC", "Hello World", "  padded  ", "xxhixx", "12", "1.5", "-7", " 42 ", "h\u00e9llo", "\u65e5\u672c\u8a9e", "a\u{1F600}b",
  "\u00e9", "'q'", "a'b", "%", "_", "a%b_c", "a\\b", "12abc", "1e3", "x", "xyz", "a\0b", "MiXeD cAsE",
  new Uint8Array([]), new Uint8Array([0x61, 0x62, 0x63]), new Uint8Array([0x00, 0x01, 0x7e]), new Uint8Array([0x31, 0x32]),
];
const INTS: SqlValue[] = [null, -5, -3, -2, -1, 0, 1, 2, 3, 4, 5, 10, 100, 1.7, -1.7, "2", "x", MAX_INT64, MIN_INT64, 9223372036854775806n, -9223372036854775807n];
const v = fc.constantFrom(...VALUES);
const n = fc.constantFrom(...INTS);
const opt = <T,>(a: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.oneof(fc.constant([] as T[]), a.map((x) => [x]));

const CASES: [string, fc.Arbitrary<SqlValue[]>, boolean?][] = [
  ["abs", fc.tuple(v)],
  ["length", fc.tuple(v)],
  ["octet_length", fc.tuple(v)],
  ["upper", fc.tuple(v)],
  ["lower", fc.tuple(v)],
  ["substr", fc.tuple(v, n).chain((a) => opt(n).map((b) => [...a, ...b]))],
  ["substring", fc.tuple(v, n, n)],
  ["instr", fc.tuple(v, v)],
  ["replace", fc.tuple(v, fc.constantFrom<SqlValue>("", "l", "x", "ab", null, 1, "\u00e9", "a"), fc.constantFrom<SqlValue>("", "Z", "zz", null, 2.5))],
  ["trim", fc.tuple(v).chain((a) => opt(fc.constantFrom<SqlValue>("x", "xy", "", null, " a", "\u00e9", 1, "ab")).map((b) => [...a, ...b]))],
  ["ltrim", fc.tuple(v).chain((a) => opt(fc.constantFrom<SqlValue>("x", "xy", "", null, " a", "1")).map((b) => [...a, ...b]))],
  ["rtrim", fc.tuple(v).chain((a) => opt(fc.constantFrom<SqlValue>("x", "xy", "", null, " d", "5")).map((b) => [...a, ...b]))],
  ["round", fc.tuple(v).chain((a) => opt(n).map((b) => [...a, ...b]))],
  ["coalesce", fc.tuple(v, v, v)],
  ["ifnull", fc.tuple(v, v)],
  ["nullif", fc.tuple(v, v)],
  ["iif", fc.tuple(v, v, v)],
  ["typeof", fc.tuple(v)],
  ["hex", fc.tuple(v)],
  ["quote", fc.tuple(v)],
  ["unicode", fc.tuple(v)],
  ["char", fc.array(fc.constantFrom<SqlValue>(65, 0x1f600, 233, -1, 0x110000, null, 0, "66", 97.9), { maxLength: 4 })],
  ["zeroblob", fc.tuple(fc.constantFrom<SqlValue>(-1, 0, 1, 5, null, "3", 2.7))],
  ["min", fc.tuple(v, v, v)],
  ["max", fc.tuple(v, v)],
  ["sign", fc.tuple(v)],
  ["concat", fc.array(v, { minLength: 1, maxLength: 3 })],
  ["concat_ws", fc.tuple(fc.constantFrom<SqlValue>(",", null, "--", 1), v, v)],
  ["unhex", fc.oneof(fc.tuple(fc.constantFrom<SqlValue>("414243", "4a4B", "0", "zz", "41 42", "", null, 1234)), fc.tuple(fc.constantFrom<SqlValue>("41 42", "41-42", "4 1", "-41-"), fc.constantFrom<SqlValue>(" ", "-", "", null)))],
  ["unistr", fc.tuple(fc.constantFrom<SqlValue>("a\\0041b", "\\u00e9", "\\+01F600", "\\U0001F600", "x\\\\y", "plain", null, 42))],
  ["likely", fc.tuple(v)],
  ["unlikely", fc.tuple(v)],
  ["ceil", fc.tuple(v)],
  ["floor", fc.tuple(v)],
  ["trunc", fc.tuple(v)],
  ["sqrt", fc.tuple(v), true],
  ["ln", fc.tuple(v), true],
  ["log", fc.oneof(fc.tuple(v), fc.tuple(v, v)), true],
  ["log2", fc.tuple(v), true],
  ["log10", fc.tuple(v), true],
  ["exp", fc.tuple(v), true],
  ["pow", fc.tuple(v, n), true],
  ["power", fc.tuple(n, v), true],
  ["mod", fc.tuple(v, n)],
  ["sin", fc.tuple(v), true],
  ["atan2", fc.tuple(v, v), true],
  ["degrees", fc.tuple(v), true],
  ["radians", fc.tuple(v), true],
  ["pi", fc.constant([])],
];

describe("scalar functions vs SQLite", () => {
  for (const [name, args, approx] of CASES) {
    it(name, () => {
      fc.assert(
        fc.property(args, (a) => expectSameAsSqlite(name, a, approx)),
        { numRuns: 250 },
      );
    });
  }

  it("hand-picked cases", () => {
    expect(call("length", ["a\0b"])).toBe(1);
    expect(call("length", [new Real(1)])).toBe(3);
    expect(call("substr", ["hello", -3, 2])).toBe("ll");
    expect(call("substr", ["hello", 0, 2])).toBe("h");
    expect(call("substr", ["hello", 2, -1])).toBe("h");
    expect(call("substr", ["abcdefg", MIN_INT64])).toBe("abcdef");
    expect(call("substr", [new Uint8Array([1, 2, 3]), 2])).toEqual(new Uint8Array([2, 3]));
    expect(call("substr", [new Uint8Array([]), 1])).toBeNull();
    expect(call("instr", ["h\u00e9llo", "l"])).toBe(3);
    expect(call("round", [2.5])).toEqual(new Real(3));
    expect(call("round", [-2.5])).toEqual(new Real(-3));
    expect(call("round", [1.005, 2])).toEqual(new Real(1));
    expect(call("round", ["x"])).toEqual(new Real(0));
    expect(call("upper", ["\u00e9a"])).toBe("\u00e9A");
    expect(call("quote", ["it's"])).toBe("'it''s'");
    expect(call("quote", [new Uint8Array([0xab, 0x01])])).toBe("X'AB01'");
    expect(call("quote", [Infinity])).toBe("9.0e+999");
    expect(call("hex", [null])).toBe("");
    expect(call("typeof", [new Real(1)])).toBe("real");
    expect(call("min", [1, new Real(1)])).toEqual(new Real(1)); // ties: min takes the later
    expect(call("max", [1, new Real(1)])).toBe(1); // max keeps the earlier
    expect(call("min", ["B", "a"], { collation: "NOCASE" })).toBe("a");
    expect(call("nullif", ["a", "A"], { collation: "NOCASE" })).toBeNull();
    expect(call("iif", [0, 1])).toBeNull();
    expect(call("iif", [0, 1, 1, 2, 3])).toBe(2);
    expect(call("sqlite_version", [])).toBe("3.45.0");
    expect(call("char", [72, 105])).toBe("Hi");
  });

  it("raise SQLite's errors", () => {
    const expectErr = (f: () => unknown, code: string, msg: RegExp): void => {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DbError);
      expect((err as DbError).code).toBe(code);
      expect((err as DbError).message).toMatch(msg);
    };
    expectErr(() => call("abs", [MIN_INT64]), "DB_ERROR", /integer overflow/);
    expectErr(() => call("like", ["a", "a", "xy"]), "DB_ERROR", /ESCAPE expression must be a single character/);
    expectErr(() => call("like", ["a", "a", ""]), "DB_ERROR", /single character/);
    expectErr(() => call("like", ["%".repeat(50001), "a"]), "DB_ERROR", /too complex/);
    expectErr(() => call("unistr", ["\\x"]), "DB_ERROR", /invalid Unicode escape/);
    expectErr(() => call("zeroblob", [2000000000]), "DB_TOOBIG", /too big/);
    expectErr(() => call("randomblob", [MAX_INT64]), "DB_TOOBIG", /too big/);
    expect(sqlite("abs(-9223372036854775808)")[1]).toMatch(/integer overflow/);
  });

  it("random() and randomblob() use the context's randomness", () => {
    const zeros = (k: number): Uint8Array => new Uint8Array(k);
    const ones = (k: number): Uint8Array => new Uint8Array(k).fill(0xff);
    expect(call("random", [], { randomBytes: zeros })).toBe(0);
    expect(call("random", [], { randomBytes: ones })).toBe(-9223372036854775807n); // -(r & LARGEST_INT64)
    expect(call("randomblob", [0], { randomBytes: zeros })).toEqual(new Uint8Array(1));
    const r = call("random", []);
    expect(storageClass(r)).toBe("integer");
    expect(r).not.toBe(MIN_INT64);
    expect((call("randomblob", [16]) as Uint8Array).length).toBe(16);
    expect(scalarFunctions.get("random")?.deterministic).toBe(false);
  });

  it("registry entries are consistent", () => {
    for (const [name, f] of scalarFunctions) {
      expect(name).toBe(name.toLowerCase());
      expect(f.minArgs).toBeLessThanOrEqual(f.maxArgs);
      expect(f.nArgs === -1 ? f.minArgs !== f.maxArgs : f.nArgs === f.minArgs && f.nArgs === f.maxArgs).toBe(true);
    }
    expect(scalarFunctions.get("substr")).toMatchObject({ nArgs: -1, minArgs: 2, maxArgs: 3 });
    expect(scalarFunctions.get("abs")).toMatchObject({ nArgs: 1, deterministic: true });
    expect(scalarFunctions.get("min")?.minArgs).toBe(2);
  });
});

describe("printf", () => {
  const flags = ["", "-", "+", " ", "#", "0", ",", "!", "-0", "+0", "#0", "+ "];
  const convs = ["d", "i", "u", "x", "X", "o", "f", "e", "E", "g", "G", "s", "q", "Q", "w", "c", "%", "z", "p", "r", "n", "j", "J", "y"];
  const argPool: SqlValue[] = [0, 1, -1, 42, -42, 255, 123456789, MIN_INT64, MAX_INT64, 3.14159, -2.5, 0.000123, new Real(1e20), 1e-10, 123.456, 0.5, 1.5, 2.5, Infinity, -Infinity, "hello", "it's", "h\u00e9llo w\u00f6rld", "", null, "12", 'x"y', new Uint8Array([0x41, 0x42]), "a\\b", "tab\tx", "\u{1F600}"];

  it("matches SQLite on random formats", () => {
    const spec = fc.tuple(fc.constantFrom(...flags), fc.option(fc.integer({ min: 0, max: 14 })), fc.option(fc.integer({ min: 0, max: 24 })), fc.constantFrom(...convs), fc.constantFrom(...argPool));
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 3 }), fc.boolean(), (specs, star) => {
        let fmt = "";
        const args: SqlValue[] = [];
        for (const [fl, w, p, c, a] of specs) {
          // %n and %% take no argument; keep the arguments aligned so that a '*' never
          // reads a large value as a width (slow to format, and pointless).
          const takesArg = !"n%y".includes(c);
          if (star && w !== null && takesArg) {
            fmt += `<%${fl}*${p === null ? "" : "." + p}${c}>`;
            args.push(w, a);
          } else {
            fmt += `<%${fl}${w ?? ""}${p === null ? "" : "." + p}${c}>`;
            if (takesArg) args.push(a);
          }
        }
        expectSameAsSqlite("printf", [fmt, ...args]);
      }),
      { numRuns: 4000 },
    );
  });

  it("hand-picked cases", () => {
    const p = (...a: SqlValue[]): SqlValue => call("printf", a);
    expect(p("%d|%5d|%-5d|%05d|%+d|%,d", 42, 42, 42, 42, 42, 1234567)).toBe("42|   42|42   |00042|+42|1,234,567");
    expect(p("%.2f|%10.3e|%g|%G", 3.14159, 12345.678, 0.0001, 1e-10)).toBe("3.14| 1.235e+04|0.0001|1E-10");
    expect(p("%x|%X|%#x|%o", 255, 255, 255, 8)).toBe("ff|FF|0xff|10");
    expect(p("%s|%.2s|%5s|%-5s|", "hello", "hello", "ab", "ab")).toBe("hello|he|   ab|ab   |");
    expect(p("%q|%Q|%Q|%w", "it's", "it's", null, 'a"b')).toBe("it''s|'it''s'|NULL|a\"\"b");
    expect(p("%c%c", "hi", "\u00e9")).toBe("h\u00e9");
    expect(p("100%%")).toBe("100%");
    expect(p("%d")).toBe("0");
    expect(p(null)).toBeNull();
    expect(p("%.3f", new Real(2))).toBe("2.000");
    expect(p("%!.20f", 0.1)).toBe("0.1000000000000000056");
    expect(p("%.2Q|%.0w", null, null)).toBe("NU|");
    expect(call("format", ["%s-%s", 1, 2.5])).toBe("1-2.5");
  });
});

describe("LIKE and GLOB", () => {
  const alphabet = ["a", "b", "A", "B", "%", "_", "*", "?", "[", "]", "^", "-", "\u00e9", "\\", "x", "\u{1F600}"];
  const str = (max: number, al: string[]): fc.Arbitrary<string> => fc.array(fc.constantFrom(...al), { maxLength: max }).map((a) => a.join(""));

  it("match SQLite on random patterns", () => {
    fc.assert(
      fc.property(str(7, alphabet), str(8, ["a", "b", "A", "B", "%", "_", "\u00e9", "x", "[", "]", "-", "\\", "\u{1F600}"]), fc.constantFrom("\\", "x", "%", "_", "a", "\u00e9"), (p, t, esc) => {
        expectSameAsSqlite("like", [p, t]);
        expectSameAsSqlite("glob", [p, t]);
        expectSameAsSqlite("like", [p, t, esc]);
      }),
      { numRuns: 4000 },
    );
  });

  it("hand-picked cases", () => {
    expect(likeMatch("a%c", "ABC")).toBe(true);
    expect(likeMatch("\u00e9", "\u00c9")).toBe(false); // ASCII-only case folding
    expect(likeMatch("_", "\u{1F600}")).toBe(true); // characters, not code units or bytes
    expect(likeMatch("a\\%", "a%", "\\")).toBe(true);
    expect(likeMatch("a\\%", "ab", "\\")).toBe(false);
    expect(likeMatch("a\\", "a", "\\")).toBe(false);
    expect(likeMatch("a", "a\0zzz")).toBe(true); // strings end at NUL, as in SQLite
    expect(globMatch("[a-c]*", "banana")).toBe(true);
    expect(globMatch("[^a-c]*", "banana")).toBe(false);
    expect(globMatch("[]]", "]")).toBe(true);
    expect(globMatch("[a-]", "-")).toBe(true);
    expect(globMatch("a*", "A")).toBe(false);
    expect(globMatch("[abc", "a")).toBe(false);
    expect(call("like", [null, "a"])).toBeNull();
    expect(call("glob", ["*", 12])).toBe(1);
  });

  it("does not blow up on pathological patterns", () => {
    const text = "a".repeat(5000);
    const pattern = "%a".repeat(40) + "b";
    const t0 = performance.now();
    expect(likeMatch(pattern, text)).toBe(false);
    expect(globMatch("*a".repeat(40) + "b", text)).toBe(false);
    expect(likeMatch("%a%a%a%a%", text)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe("date and time functions", () => {
  const pad = (k: number, w = 2): string => String(k).padStart(w, "0");
  const time = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.option(fc.tuple(fc.constantFrom(" ", "T"), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 60 }), fc.option(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.option(fc.integer({ min: 0, max: 9999 }))))))
      , fc.constantFrom("", "", "", "Z", "+05:30", "-11:00", " +14:00", "+15:00"))
      .map(([y, m, d, t, tz]): SqlValue => {
        let s = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
        if (t) {
          const [sep, h, mi, sec] = t;
          s += `${sep}${pad(h)}:${pad(mi)}`;
          if (sec) s += `:${pad(sec[0])}${sec[1] === null ? "" : "." + sec[1]}`;
        }
        return s + tz;
      }),
    fc.integer({ min: -1e10, max: 1e10 }),
    fc.double({ min: 0, max: 5.4e6, noNaN: true }).map(makeReal),
    fc.constantFrom<SqlValue>("24:00:00", "12:34", "12:34:56.789", "2460000.5", "bogus", "", null, "-0044-03-15", "2024-02-29", "2023-02-29"),
  );
  const modifier = fc.oneof(
    fc.tuple(fc.constantFrom("+", "-", ""), fc.double({ min: 0, max: 500, noNaN: true }), fc.integer({ min: 0, max: 3 }), fc.constantFrom("day", "days", "hour", "minutes", "seconds", "month", "months", "year", "YEARS")).map(([s, x, k, u]) => `${s}${x.toFixed(k)} ${u}`),
    fc.tuple(fc.constantFrom("+", "-"), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 31 })).map(([s, y, m, d]) => `${s}${pad(y, 4)}-${pad(m)}-${pad(d)}`),
    fc.tuple(fc.constantFrom("+", "-"), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 59 })).map(([s, h, m]) => `${s}${pad(h)}:${pad(m)}`),
    fc.constantFrom("start of month", "start of year", "start of day", "weekday 0", "weekday 3", "weekday 7", "unixepoch", "julianday", "auto", "subsec", "floor", "ceiling", "bogus", "+1 fortnight", "START OF MONTH"),
  );
  const FMT = "%Y-%m-%dT%H:%M:%f %d %e %F %H %I %j %J %k %l %m %M %p %P %R %s %S %T %u %w %U %V %W %G %g %%";

  it("match SQLite on random times and modifiers", () => {
    fc.assert(
      fc.property(time, fc.array(modifier, { maxLength: 3 }), time, (t, mods, t2) => {
        const args = [t, ...mods];
        for (const f of ["date", "time", "datetime", "julianday", "unixepoch"]) expectSameAsSqlite(f, args);
        expectSameAsSqlite("strftime", [FMT, ...args]);
        expectSameAsSqlite("strftime", ["%q", ...args]);
        expectSameAsSqlite("timediff", [t, t2]);
      }),
      { numRuns: 1500 },
    );
  });

  it("hand-picked cases", () => {
    expect(call("date", ["2024-01-31", "+1 month"])).toBe("2024-03-02");
    expect(call("date", ["2024-01-31", "+1 month", "floor"])).toBe("2024-02-29");
    expect(call("datetime", [1700000000, "unixepoch"])).toBe("2023-11-14 22:13:20");
    expect(call("julianday", ["2000-01-01 12:00:00"])).toEqual(new Real(2451545));
    expect(call("unixepoch", ["1970-01-02"])).toBe(86400);
    expect(call("strftime", ["%Y week %W", "2024-06-15"])).toBe("2024 week 24");
    expect(call("time", ["24:00:00"])).toBe("00:00:00");
    expect(call("datetime", ["2024-01-15 10:00:00+02:00"])).toBe("2024-01-15 08:00:00");
    expect(call("date", ["not a date"])).toBeNull();
    expect(call("timediff", ["2024-03-01", "2024-01-15"])).toBe("+0000-01-15 00:00:00.000");
  });

  it("'now' is the context's clock, and is refused in pure contexts", () => {
    const ctx: FunctionContext = { now: () => Date.UTC(2024, 4, 17, 13, 14, 15, 678) };
    expect(call("datetime", ["now"], ctx)).toBe("2024-05-17 13:14:15");
    expect(call("datetime", [], ctx)).toBe("2024-05-17 13:14:15");
    expect(call("current_date", [], ctx)).toBe("2024-05-17");
    expect(call("current_time", [], ctx)).toBe("13:14:15");
    expect(call("current_timestamp", [], ctx)).toBe("2024-05-17 13:14:15");
    expect(call("unixepoch", ["now", "subsec"], ctx)).toEqual(1715951655.678);
    expect(call("strftime", ["%s"], ctx)).toBe("1715951655");
    const real = call("unixepoch", ["now"]) as number;
    expect(Math.abs(real - Date.now() / 1000)).toBeLessThan(5);
    expect(() => call("date", ["now"], { pure: "an index" })).toThrow("non-deterministic use of date() in an index");
    expect(call("date", ["2024-01-01"], { pure: "an index" })).toBe("2024-01-01");
  });
});

describe("aggregates", () => {
  const pool: SqlValue[] = [null, 0, 1, -1, 5, MAX_INT64, MIN_INT64, 4611686018427387904n, 0.5, -2.25, 1e-10, new Real(1e16), new Real(3), Infinity, -Infinity, "7", "2.5", "abc", "", "x", new Uint8Array([0x31]), new Real(1e308), 0.1, 0.2, 0.3];
  const rowArb = fc.array(fc.constantFrom(...pool), { maxLength: 7 });

  function runAgg(name: string, rows: SqlValue[][]): string[] {
    try {
      const f = aggregateFunctions.get(name);
      if (!f) throw new Error(name);
      const st = f.init();
      for (const a of rows) f.step(st, a);
      const r = f.final(st);
      return [storageClass(r), quoteValue(r)];
    } catch (e) {
      return ["ERR", (e as Error).message];
    }
  }

  it("match SQLite over random columns", () => {
    fc.assert(
      fc.property(rowArb, fc.constantFrom<SqlValue>(",", "-", null, ""), (rows, sep) => {
        db.exec("DROP TABLE IF EXISTS a; CREATE TABLE a(x)");
        for (const r of rows) db.exec(`INSERT INTO a VALUES (${lit(r)})`);
        const cases: [string, string, SqlValue[][]][] = [
          ["count", "count(x)", rows.map((r) => [r])],
          ["count", "count(*)", rows.map(() => [])],
          ["sum", "sum(x)", rows.map((r) => [r])],
          ["total", "total(x)", rows.map((r) => [r])],
          ["avg", "avg(x)", rows.map((r) => [r])],
          ["min", "min(x)", rows.map((r) => [r])],
          ["max", "max(x)", rows.map((r) => [r])],
          ["group_concat", "group_concat(x)", rows.map((r) => [r])],
          ["group_concat", `group_concat(x, ${lit(sep)})`, rows.map((r) => [r, sep])],
          ["string_agg", `string_agg(x, ${lit(sep)})`, rows.map((r) => [r, sep])],
        ];
        for (const [name, expr, argRows] of cases) {
          let expected: string[];
          try {
            expected = db.exec(`SELECT typeof(${expr}), quote(${expr}) FROM a`)[0].values[0].map(String);
          } catch (e) {
            expected = ["ERR", (e as Error).message];
          }
          expect(runAgg(name, argRows), `${expr} over ${rows.map(lit).join(",")}`).toEqual(expected);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("hand-picked cases", () => {
    expect(runAgg("sum", [])).toEqual(["null", "NULL"]);
    expect(runAgg("sum", [[null]])).toEqual(["null", "NULL"]);
    expect(runAgg("total", [])).toEqual(["real", "0.0"]);
    expect(runAgg("avg", [[1], [2]])).toEqual(["real", "1.5"]);
    expect(runAgg("sum", [[1], [2]])).toEqual(["integer", "3"]);
    expect(runAgg("sum", [[1], [2.5]])).toEqual(["real", "3.5"]);
    expect(runAgg("sum", [[MAX_INT64], [1]])).toEqual(["ERR", "integer overflow"]);
    expect(runAgg("sum", [[MAX_INT64], [1], [-1]])).toEqual(["ERR", "integer overflow"]);
    expect(runAgg("total", [[MAX_INT64], [1]])).toEqual(["real", "9.2233720368547758e+18"]);
    expect(runAgg("sum", [[0.1], [0.2], [0.3]])).toEqual(["real", "0.6"]); // Kahan-Babuska-Neumaier
    expect(runAgg("count", [[null], [1], ["a"]])).toEqual(["integer", "2"]);
    expect(runAgg("max", [[1], ["a"], [null], [new Uint8Array([0])]])).toEqual(["blob", "X'00'"]);
    expect(runAgg("min", [[null], [3], [new Real(2)]])).toEqual(["real", "2.0"]);
    expect(runAgg("group_concat", [["a"], [null], ["b"]])).toEqual(["text", "'a,b'"]);
    expect(runAgg("group_concat", [[""]])).toEqual(["text", "''"]);
    expect(runAgg("group_concat", [[null]])).toEqual(["null", "NULL"]);
    const f = aggregateFunctions.get("max");
    if (!f) throw new Error("max");
    const st = f.init();
    f.step(st, ["b"], { collation: "NOCASE" });
    f.step(st, ["A"], { collation: "NOCASE" });
    expect(f.final(st)).toBe("b");
    expect(aggregateFunctions.get("count")).toMatchObject({ minArgs: 0, maxArgs: 1 });
    expect(normalizeBigInt(5n)).toBe(5);
  });
});
