import { existsSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { DbError } from "@db/vm";
import type { CreateTable, Insert, Statement } from "../src/ast.js";
import { MAX_DEPTH, parse, parseOne } from "../src/parser.js";

function syntaxError(sql: string): DbError {
  try {
    parse(sql);
  } catch (e) {
    if (!(e instanceof DbError)) throw e;
    expect(e.code).toBe("DB_SYNTAX");
    return e;
  }
  throw new Error(`expected a syntax error: ${sql.slice(0, 80)}`);
}

describe("syntax errors", () => {
  test.each([
    ["SELECT * FORM t", 'near "FORM": syntax error at line 1, column 10'],
    ["SELECT * FROM WHERE x", 'near "WHERE": syntax error at line 1, column 15'],
    ["SELECT 1;\n  SELECT * FROM t WHERE", "incomplete input at line 2, column 24"],
    ["SELECT (1", "incomplete input at line 1, column 10"],
    ["SELECT 1 +", "incomplete input at line 1, column 11"],
    ["CREATE TABLE t (a INT,)", 'near ")": syntax error at line 1, column 23'],
    ["INSERT INTO t VALUES (1,", "incomplete input at line 1, column 25"],
    ["SELECT a FROM t\nWHERE a = = 1", 'near "=": syntax error at line 2, column 11'],
    ["\n\n   SELECT 'abc", 'unrecognized token: "\'abc" at line 3, column 11'],
    ["SELECT 1 2", 'near "2": syntax error at line 1, column 10'],
    ["SELECT * FROM t ORDER BY a UNION SELECT 1", "ORDER BY clause should come after UNION not before at line 1, column 28"],
    ["SELECT * FROM t LIMIT 1 EXCEPT SELECT 1", "LIMIT clause should come after EXCEPT not before at line 1, column 25"],
    ["SELECT cast FROM t", 'near "FROM": syntax error at line 1, column 13'],
    ["DELETE t", 'near "t": syntax error at line 1, column 8'],
    ["SELECT * FROM order", 'near "order": syntax error at line 1, column 15'],
    [`SELECT 1 '${"y".repeat(300)}' 2`, `near "2": syntax error at line 1, column 313`],
    [`SELECT 1 AS a '${"y".repeat(300)}'`, `near "'${"y".repeat(199)}...": syntax error at line 1, column 15`],
  ])("%j", (sql, message) => {
    const e = syntaxError(sql);
    expect(e.message).toBe(message);
    const m = /at line (\d+), column (\d+)$/.exec(message)!;
    expect([e.line, e.column]).toEqual([Number(m[1]), Number(m[2])]);
  });

  test("statements before a later syntax error are still parsed lazily", async () => {
    const { parseStatements } = await import("../src/parser.js");
    const it = parseStatements("SELECT 1; SELECT 2; SELEC 3; SELECT 'unterminated");
    expect(it.next().value?.text).toBe("SELECT 1");
    expect(it.next().value?.text).toBe("SELECT 2");
    expect(() => it.next()).toThrow('near "SELEC"');
  });
});

describe("nesting limit", () => {
  const tooDeep = (sql: string) => {
    const e = syntaxError(sql);
    expect(e.message).toMatch(/^expression nested too deeply/);
    expect(e.line).toBe(1);
  };

  test(`MAX_DEPTH is ${MAX_DEPTH}`, () => {
    expect(MAX_DEPTH).toBe(1000);
  });

  test("100,000 nested parentheses: a typed error, not a stack overflow", () => {
    tooDeep(`SELECT ${"(".repeat(100_000)}1${")".repeat(100_000)}`);
    tooDeep(`SELECT ${"(".repeat(100_000)}`);
  });

  test("deep prefix operators, subqueries, function calls, CASE, IN lists, FROM subqueries", () => {
    const n = 50_000;
    tooDeep(`SELECT ${"- ".repeat(n)}1`);
    tooDeep(`SELECT ${"NOT ".repeat(n)}1`);
    tooDeep(`SELECT ${"(SELECT ".repeat(n)}1${")".repeat(n)}`);
    tooDeep(`SELECT ${"f(".repeat(n)}1${")".repeat(n)}`);
    tooDeep(`SELECT ${"CASE WHEN ".repeat(n)}1${" THEN 1 END".repeat(n)}`);
    tooDeep(`SELECT 1 IN ${"(1 IN ".repeat(n)}(1)${")".repeat(n)}`);
    tooDeep(`SELECT * FROM ${"(SELECT * FROM ".repeat(n)}t${")".repeat(n)}`);
    tooDeep(`SELECT * FROM ${"(".repeat(n)}t${")".repeat(n)}`);
    tooDeep(`SELECT EXISTS ${"(SELECT EXISTS ".repeat(n)}(SELECT 1)${")".repeat(n)}`);
  });

  test("long join chains (a left-deep tree) are limited too", () => {
    tooDeep(`SELECT * FROM ${Array(5000).fill("t").join(", ")}`);
    expect(parseOne(`SELECT * FROM ${Array(500).fill("t").join(" JOIN ")}`).statement.kind).toBe("select");
  });

  test("long operator chains make tall trees and are limited too", () => {
    tooDeep(`SELECT ${Array(5000).fill("1").join(" + ")}`);
    tooDeep(`SELECT 1 WHERE ${Array(5000).fill("a = 1").join(" OR ")}`);
    tooDeep(`SELECT ${Array(5000).fill("'x'").join(" || ")}`);
  });

  test("nesting up to the limit is fine", () => {
    const ok = (sql: string) => expect(parseOne(sql).statement.kind).toBe("select");
    // the statement's SELECT and its result expression take two levels
    ok(`SELECT ${"(".repeat(MAX_DEPTH - 2)}1${")".repeat(MAX_DEPTH - 2)}`);
    tooDeep(`SELECT ${"(".repeat(MAX_DEPTH - 1)}1${")".repeat(MAX_DEPTH - 1)}`);
    ok(`SELECT ${Array(MAX_DEPTH - 10).fill("1").join(" + ")}`);
    ok(`SELECT ${"(SELECT ".repeat(300)}1${")".repeat(300)}`);
    ok(`SELECT ${"- ".repeat(MAX_DEPTH - 10)}1`);
    // wide is not deep
    ok(`SELECT f(${Array(50_000).fill("1").join(", ")}), 1 IN (${Array(50_000).fill("2").join(",")})`);
    ok(`SELECT CASE ${Array(20_000).fill("WHEN 1 THEN 2").join(" ")} END`);
    ok(Array(20_000).fill("SELECT 1").join(" UNION ALL "));
  });
});

describe("linear time", () => {
  test("a 1 MB INSERT with 20,000 rows", () => {
    const row = (i: number) => `(${i}, 'name ''${i}'' with some padding text', ${i}.25, NULL, x'0A0B', -${i})`;
    const parts: string[] = [];
    for (let i = 0; i < 20_000; i++) parts.push(row(i));
    const sql = `INSERT INTO big (a, b, c, d, e, f) VALUES\n${parts.join(",\n")};`;
    expect(sql.length).toBeGreaterThan(1_000_000);
    const [stmt] = parse(sql);
    const ins = stmt.statement as Insert;
    expect(ins.source.kind === "values" && ins.source.rows.length).toBe(20_000);
    expect(stmt.text.length).toBe(sql.length - 1);
  });

  test("1 MB string literals, comments and identifier lists", () => {
    const big = "x".repeat(1_000_000);
    const s = parseOne(`SELECT '${big}', /* ${big} */ "${big}"`).statement;
    expect(s.kind).toBe("select");
    const cols = Array.from({ length: 50_000 }, (_, i) => `c${i} TEXT`).join(", ");
    expect((parseOne(`CREATE TABLE t (${cols})`).statement as CreateTable).columns.length).toBe(50_000);
    expect(parse(`${"SELECT 1;".repeat(50_000)}`).length).toBe(50_000);
  });
});

const CHINOOK = "/work/shared/data/chinook/Chinook_Sqlite.sql";

describe("Chinook", () => {
  test.skipIf(!existsSync(CHINOOK))("parses the whole Chinook script", () => {
    const statements = parse(readFileSync(CHINOOK, "utf8"));
    const count = (pred: (s: Statement) => boolean) => statements.filter((p) => pred(p.statement)).length;
    expect(count((s) => s.kind === "drop" && s.object === "table" && s.ifExists)).toBe(11);
    expect(count((s) => s.kind === "create-table")).toBe(11);
    expect(count((s) => s.kind === "create-index")).toBe(11);
    expect(count((s) => s.kind === "insert")).toBe(24);
    expect(statements.length).toBe(57);

    const album = statements.find((p) => p.statement.kind === "create-table" && p.statement.name === "Album")!.statement as CreateTable;
    expect(album.columns.map((c) => [c.name, c.type])).toEqual([
      ["AlbumId", "INTEGER"],
      ["Title", "NVARCHAR(160)"],
      ["ArtistId", "INTEGER"],
    ]);
    expect(album.constraints).toMatchObject([
      { kind: "primary-key", name: "PK_Album", columns: [{ name: "AlbumId" }] },
      { kind: "foreign-key", columns: ["ArtistId"], fk: { table: "Artist", columns: ["ArtistId"], actions: ["ON DELETE NO ACTION", "ON UPDATE NO ACTION"] } },
    ]);

    // rows per table, as in the published Chinook database
    const rows = new Map<string, number>();
    for (const p of statements) {
      const s = p.statement;
      if (s.kind === "insert" && s.source.kind === "values") rows.set(s.table, (rows.get(s.table) ?? 0) + s.source.rows.length);
    }
    expect(Object.fromEntries(rows)).toEqual({
      Genre: 25, MediaType: 5, Artist: 275, Album: 347, Track: 3503, Employee: 8, Customer: 59,
      Invoice: 412, InvoiceLine: 2240, Playlist: 18, PlaylistTrack: 8715,
    });
  });
});
