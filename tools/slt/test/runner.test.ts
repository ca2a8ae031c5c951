import { describe, expect, it } from "vitest";
import { groupCauses } from "../src/causes.js";
import { check, hashValues, sortValues } from "../src/check.js";
import { FileRunner } from "../src/execute.js";
import { isTest, parseScript, type SltRecord } from "../src/parse.js";
import { formatFixed3, realToText, renderValue } from "../src/render.js";

describe("parseScript", () => {
  const script = [
    "# a comment",
    "hash-threshold 3",
    "",
    "statement ok\r",
    "CREATE TABLE t(a INTEGER,",
    "# comments inside a record are dropped",
    "  b TEXT)",
    "",
    "skipif mysql # a reason",
    "query IT rowsort label-x",
    "SELECT a, b",
    "FROM t",
    "----",
    "1",
    "x",
    "",
    "onlyif mssql",
    "statement error",
    "SELECT nothing",
    "",
    "skipif sqlite",
    "halt",
    "",
    "query I",
    "SELECT 1 WHERE 0",
    "",
    "onlyif sqlite",
    "halt",
    "",
    "statement ok",
    "SELECT 'after halt'",
  ].join("\n");
  const records = parseScript(script);

  it("reads every kind of record, with line numbers", () => {
    expect(records.map((r) => [r.kind, r.line, r.skip])).toEqual([
      ["hash-threshold", 2, false],
      ["statement", 4, false],
      ["query", 10, false],
      ["statement", 18, true],
      ["halt", 22, true],
      ["query", 24, false],
      ["halt", 28, false],
    ]);
  });

  it("strips \\r, drops comment lines, and splits SQL from expected values", () => {
    const [ht, st, q] = records as [SltRecord & { n: number }, SltRecord & { sql: string }, Extract<SltRecord, { kind: "query" }>];
    expect(ht.n).toBe(3);
    expect(st.sql).toBe("CREATE TABLE t(a INTEGER,\n  b TEXT)");
    expect(q).toMatchObject({ types: "IT", sort: "rowsort", label: "label-x", sql: "SELECT a, b\nFROM t", expected: ["1", "x"] });
    expect(records[5]).toMatchObject({ sort: "nosort", label: "", expected: [] });
  });

  it("counts only statements and queries as tests", () => {
    expect(records.filter(isTest).length).toBe(4);
  });
});

describe("renderValue", () => {
  it("renders NULL the same in every column type", () => {
    expect(["I", "R", "T"].map((t) => renderValue(null, t))).toEqual(["NULL", "NULL", "NULL"]);
  });

  it("I: low 32 bits of integers, truncated reals, atoi of text", () => {
    expect(renderValue(42n, "I")).toBe("42");
    expect(renderValue(4294967297n, "I")).toBe("1");
    expect(renderValue(9223372036854775807n, "I")).toBe("-1");
    expect(renderValue(-2.9, "I")).toBe("-2");
    expect(renderValue(1e300, "I")).toBe("-1"); // clamped to the largest int64 first
    expect(renderValue("  -12abc", "I")).toBe("-12");
    expect(renderValue("1.9e3", "I")).toBe("1");
    expect(renderValue("abc", "I")).toBe("0");
  });

  it("R: %.3f as sqlite3_snprintf prints it", () => {
    expect(renderValue(1n, "R")).toBe("1.000");
    expect(renderValue(-0.0005, "R")).toBe("-0.001"); // half away from zero
    expect(renderValue("3.25xyz", "R")).toBe("3.250");
    expect(formatFixed3(-0.0001)).toBe("-0.000");
    expect(formatFixed3(12345678901234568)).toBe("12345678901234570.000"); // 16 significant digits
    expect(formatFixed3(1e21)).toBe("1000000000000000000000.000");
    expect(formatFixed3(Infinity)).toBe("Inf");
  });

  it("T: (empty), @ for bytes outside 0x20..0x7e, reals as %!.15g", () => {
    expect(renderValue("", "T")).toBe("(empty)");
    expect(renderValue("a\tb", "T")).toBe("a@b");
    expect(renderValue("é", "T")).toBe("@@"); // two UTF-8 bytes
    expect(renderValue(new Uint8Array([0x41, 0xff]), "T")).toBe("A@");
    expect(renderValue(-7n, "T")).toBe("-7");
    expect(renderValue(2, "T")).toBe("2.0");
    expect(realToText(0.1 + 0.2)).toBe("0.3");
    expect(realToText(1e20)).toBe("1.0e+20");
    expect(realToText(1.5e-7)).toBe("1.5e-07");
    expect(realToText(0.00012)).toBe("0.00012");
    expect(realToText(123456789012345.6)).toBe("123456789012346.0");
    expect(realToText(1234567890123456)).toBe("1.23456789012346e+15");
  });
});

describe("sorting and hashing", () => {
  it("sorts rows or values with strcmp", () => {
    const v = ["2", "b", "10", "a", "2", "a"];
    expect(sortValues(v, 2, "nosort")).toEqual(v);
    expect(sortValues(v, 2, "rowsort")).toEqual(["10", "a", "2", "a", "2", "b"]);
    expect(sortValues(v, 2, "valuesort")).toEqual(["10", "2", "2", "a", "a", "b"]);
  });

  it("hashes every value followed by a newline", () => {
    expect(hashValues(["1"])).toBe("1 values hashing to b026324c6904b2a9cb4b88d6d61c81d1");
  });

  it("compares hashes above the threshold, values at or below it, and labels always", () => {
    const labels = new Map<string, string>();
    const base = { nColumns: 1, sort: "nosort" as const, label: "", labels };
    expect(check({ ...base, values: ["1"], expected: ["1"], hashThreshold: 1 }).ok).toBe(true);
    expect(check({ ...base, values: ["1", "2"], expected: ["1", "2"], hashThreshold: 1 }).reason).toBe("wrong result hash");
    expect(check({ ...base, values: ["1", "2"], expected: ["1", "2"], hashThreshold: 0 }).ok).toBe(true);
    expect(check({ ...base, values: ["1"], expected: ["1", "2"], hashThreshold: 0 }).reason).toBe("wrong result");
    const labeled = { ...base, label: "L", hashThreshold: 8 };
    expect(check({ ...labeled, values: ["1"], expected: ["1"] }).ok).toBe(true);
    expect(check({ ...labeled, values: ["2"], expected: ["2"] }).reason).toMatch(/does not agree/);
  });
});

describe("groupCauses", () => {
  it("groups by error message with numbers blurred, and wrong results by shape", () => {
    const f = (reason: string, expected: string[], got: string[], error?: string) => ({ file: "f", line: 1, sql: "", reason, expected, got, error });
    const causes = groupCauses([
      f("statement error", [], [], "no such table: t1"),
      f("statement error", [], [], "no such table: t2"),
      f("wrong result", ["0"], []),
      f("wrong result hash", ["9 values hashing to x"], ["8 values hashing to y"]),
      f("wrong result", ["1"], ["2"], "integer overflow"),
    ]);
    expect(causes.map((c) => [c.cause, c.count])).toEqual([
      ["statement error: no such table: tN", 2],
      ["wrong result (no rows)", 1],
      ["wrong result hash (fewer values)", 1],
      ["wrong result (different values) [error while stepping: integer overflow]", 1],
    ]);
  });
});

describe("FileRunner", () => {
  it("runs a script against the engine, keeping rows produced before a stepping error", () => {
    const script = `
statement ok
CREATE TABLE t(x INTEGER)

statement ok
INSERT INTO t VALUES(9223372036854775807), (1)

statement error
SELECT * FROM nowhere

query I nosort
SELECT sum(x) FROM t
----

query I rowsort
SELECT x FROM t
----
-1
1

query T nosort
SELECT 'wrong'
----
right

query II nosort
SELECT 1
----
1
`;
    const runner = new FileRunner("inline");
    const outcomes = parseScript(script).map((r) => [runner.run(r), runner.lastFailure?.reason]);
    runner.close();
    expect(outcomes).toEqual([
      ["pass", undefined],
      ["pass", undefined],
      ["pass", undefined],
      ["pass", undefined],
      ["pass", undefined],
      ["fail", "wrong result"],
      ["fail", "wrong number of result columns: expected 2 but got 1"],
    ]);
  });
});
