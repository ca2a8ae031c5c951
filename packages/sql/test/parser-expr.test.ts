import { createRequire } from "node:module";
import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import type { Database, SqlJsStatic } from "sql.js";
import { DbError } from "@db/vm";
import type { Expr, Select, SelectSimple } from "../src/ast.js";
import { parse, parseOne } from "../src/parser.js";

/** The expression of `SELECT <sql>`. */
function expr(sql: string): Expr {
  const s = parseOne(`SELECT ${sql}`).statement as Select;
  const c = (s.core as SelectSimple).columns[0];
  if (c.kind !== "expr") throw new Error("not an expression");
  return c.expr;
}

/** Fully parenthesized SQL for an expression tree (test oracle). */
function show(e: Expr): string {
  switch (e.kind) {
    case "literal":
      switch (e.type) {
        case "string":
          return `'${e.value.replaceAll("'", "''")}'`;
        case "blob":
          return `X'${e.value}'`;
        case "null":
          return "NULL";
        case "true":
        case "false":
          return e.type.toUpperCase();
        case "integer":
        case "real":
          return e.value;
        default:
          return e.type.toUpperCase();
      }
    case "column":
      return [e.schema, e.table, e.name].filter((x) => x !== undefined).map((x) => `"${x}"`).join(".");
    case "param":
      return e.name ?? (e.index === undefined ? "?" : `?${e.index}`);
    case "unary":
      return `(${e.op} (${show(e.operand)}))`;
    case "binary":
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case "function":
      return `${e.name}(${e.star ? "*" : (e.distinct ? "DISTINCT " : "") + e.args.map(show).join(", ")})${
        e.filter ? ` FILTER (WHERE ${show(e.filter)})` : ""
      }`;
    case "cast":
      return `CAST(${show(e.expr)} AS ${e.type})`;
    case "case":
      return `(CASE ${e.base ? show(e.base) + " " : ""}${e.whens.map((w) => `WHEN ${show(w.when)} THEN ${show(w.then)} `).join("")}${
        e.else ? `ELSE ${show(e.else)} ` : ""
      }END)`;
    case "between":
      return `(${show(e.expr)} ${e.not ? "NOT " : ""}BETWEEN ${show(e.low)} AND ${show(e.high)})`;
    case "in-list":
      return `(${show(e.expr)} ${e.not ? "NOT " : ""}IN (${e.list.map(show).join(", ")}))`;
    case "isnull":
      return `(${show(e.expr)} ${e.not ? "NOTNULL" : "ISNULL"})`;
    case "like":
      return `(${show(e.expr)} ${e.not ? "NOT " : ""}${e.op} ${show(e.pattern)}${e.escape ? ` ESCAPE ${show(e.escape)}` : ""})`;
    case "collate":
      return `(${show(e.expr)} COLLATE ${e.collation})`;
    default:
      throw new Error(`cannot show ${e.kind}`);
  }
}

const p = (sql: string) => show(expr(sql));

describe("expression precedence", () => {
  test.each([
    ["1 + 2 * 3", "(1 + (2 * 3))"],
    ["1 * 2 + 3", "((1 * 2) + 3)"],
    ["1 - 2 - 3", "((1 - 2) - 3)"],
    ["a OR b AND c", '("a" OR ("b" AND "c"))'],
    ["NOT a = b", '(NOT (("a" = "b")))'],
    ["NOT a AND b", '((NOT ("a")) AND "b")'],
    ["NOT NOT x", '(NOT ((NOT ("x"))))'],
    ["- - 1", "(- ((- (1))))"],
    ["+-+1", "(+ ((- ((+ (1))))))"],
    ["-a || b", '((- ("a")) || "b")'],
    ["a || b * c", '(("a" || "b") * "c")'],
    ["a -> b ->> c", '(("a" -> "b") ->> "c")'],
    ["a < b = c < d", '(("a" < "b") = ("c" < "d"))'],
    ["a & b + c", '("a" & ("b" + "c"))'],
    ["a << 1 < 2", '(("a" << 1) < 2)'],
    ["a = b IS c", '(("a" = "b") IS "c")'],
    ["a IS NOT b", '("a" IS NOT "b")'],
    ["a IS DISTINCT FROM b", '("a" IS NOT "b")'],
    ["a IS NOT DISTINCT FROM b", '("a" IS "b")'],
    ["a IS NULL", '("a" ISNULL)'],
    ["a IS NOT NULL", '("a" NOTNULL)'],
    ["a NOT NULL", '("a" NOTNULL)'],
    ["a ISNULL OR b NOTNULL", '(("a" ISNULL) OR ("b" NOTNULL))'],
    ["a BETWEEN 1 AND 2 AND b", '(("a" BETWEEN 1 AND 2) AND "b")'],
    ["a NOT BETWEEN 1 + 1 AND 2 * 3", '("a" NOT BETWEEN (1 + 1) AND (2 * 3))'],
    ["a BETWEEN b = c AND d", '("a" BETWEEN ("b" = "c") AND "d")'],
    ["x NOT IN (1, 2) = 0", '(("x" NOT IN (1, 2)) = 0)'],
    ["x IN ()", '("x" IN ())'],
    ["a LIKE b ESCAPE c", '("a" LIKE "b" ESCAPE "c")'],
    ["a NOT GLOB b OR c REGEXP d", '(("a" NOT GLOB "b") OR ("c" REGEXP "d"))'],
    ["a MATCH b", '("a" MATCH "b")'],
    // unary prefix operators bind tighter than COLLATE (lang_expr.html; parse.y's BITNOT > COLLATE)
    ["-a COLLATE nocase", '((- ("a")) COLLATE nocase)'],
    ["a || b COLLATE nocase", '("a" || ("b" COLLATE nocase))'],
    ["~a + 1", '((~ ("a")) + 1)'],
    ["a = NOT b", '("a" = (NOT ("b")))'],
    ["TRUE AND false", "(TRUE AND FALSE)"],
    ["CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"],
  ])("%s", (sql, expected) => {
    expect(p(sql)).toBe(expected);
  });

  test("operand node kinds", () => {
    expect(expr("x IN (SELECT 1)")).toMatchObject({ kind: "in-select", not: false });
    expect(expr("x NOT IN main.t")).toEqual({ kind: "in-table", expr: { kind: "column", name: "x" }, table: "t", schema: "main", not: true });
    expect(expr("EXISTS (SELECT 1)")).toMatchObject({ kind: "exists", not: false });
    expect(expr("NOT EXISTS (SELECT 1)")).toMatchObject({ kind: "exists", not: true });
    expect(expr("NOT EXISTS (SELECT 1) AND 1")).toMatchObject({ kind: "binary", op: "AND", left: { kind: "exists", not: true } });
    expect(expr("(SELECT 1)")).toMatchObject({ kind: "subquery" });
    expect(expr("CAST(x AS NUMERIC(10, 2))")).toEqual({ kind: "cast", expr: { kind: "column", name: "x" }, type: "NUMERIC(10, 2)" });
    expect(expr("CAST(x AS UNSIGNED BIG INT)")).toMatchObject({ type: "UNSIGNED BIG INT" });
    expect(expr("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END")).toMatchObject({ kind: "case", whens: [{}, {}], else: { value: "3" } });
    expect(expr("CASE x WHEN 1 THEN 'a' END")).toMatchObject({ kind: "case", base: { kind: "column" }, whens: [{}] });
    expect(expr("count(*)")).toEqual({ kind: "function", name: "count", args: [], star: true });
    expect(expr("count(DISTINCT x)")).toEqual({ kind: "function", name: "count", args: [{ kind: "column", name: "x" }], distinct: true });
    expect(expr("sum(x) FILTER (WHERE x > 0)")).toMatchObject({ kind: "function", filter: { kind: "binary" } });
    expect(expr("random()")).toEqual({ kind: "function", name: "random", args: [] });
    expect(expr("s.t.c")).toEqual({ kind: "column", schema: "s", table: "t", name: "c" });
    expect(expr('"true"')).toEqual({ kind: "column", name: "true" });
    expect(expr("x'CAFE'")).toEqual({ kind: "literal", type: "blob", value: "CAFE" });
    expect(expr("0x7FFFFFFFFFFFFFFFFF")).toEqual({ kind: "literal", type: "integer", value: "0x7FFFFFFFFFFFFFFFFF" });
    expect(expr("1e3")).toEqual({ kind: "literal", type: "real", value: "1e3" });
  });

  test("parameters are numbered as SQLite numbers them", () => {
    const p = parseOne("SELECT ?, ?7, :a, @b, $c, ?, :a");
    expect(((p.statement as Select).core as SelectSimple).columns.map((c) => c.kind === "expr" && c.expr)).toEqual([
      { kind: "param", index: 1 },
      { kind: "param", index: 7 },
      { kind: "param", index: 8, name: ":a" },
      { kind: "param", index: 9, name: "@b" },
      { kind: "param", index: 10, name: "$c" },
      { kind: "param", index: 11 },
      { kind: "param", index: 8, name: ":a" },
    ]);
    expect(p.params?.count).toBe(11);
    expect(p.params?.names[9]).toBe("@b");
    // Each statement starts from 1.
    expect(parse("SELECT ?; SELECT ?").map((q) => q.params?.count)).toEqual([1, 1]);
    expect(() => expr("?0")).toThrow(/variable number/);
  });

  test("window calls: OVER name, OVER (base PARTITION BY ... ORDER BY ... frame), WINDOW clause", () => {
    expect(expr("sum(x) OVER w")).toMatchObject({ kind: "function", over: { base: "w", bare: true } });
    const call = expr("sum(x) FILTER (WHERE x > 1) OVER (w PARTITION BY a, b ORDER BY c DESC NULLS LAST GROUPS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE TIES)");
    expect(call).toMatchObject({
      filter: { kind: "binary" },
      over: {
        base: "w",
        partitionBy: [{ name: "a" }, { name: "b" }],
        orderBy: [{ desc: true, nulls: "LAST" }],
        frame: { unit: "GROUPS", start: { kind: "PRECEDING", offset: { value: "2" } }, end: { kind: "CURRENT ROW" }, exclude: "TIES" },
      },
    });
    // A single bound ends at CURRENT ROW; UNBOUNDED FOLLOWING cannot start a frame.
    expect(expr("count(*) OVER (ROWS UNBOUNDED PRECEDING)")).toMatchObject({ over: { frame: { unit: "ROWS", start: { kind: "UNBOUNDED PRECEDING" }, end: { kind: "CURRENT ROW" }, exclude: "NO OTHERS" } } });
    expect(() => expr("count(*) OVER (ROWS UNBOUNDED FOLLOWING)")).toThrow(/syntax error/);
    expect(() => expr("count(*) OVER (ROWS BETWEEN CURRENT ROW AND 1 PRECEDING)")).toThrow(/unsupported frame specification/);
    const core = (parseOne("SELECT rank() OVER w FROM t WINDOW w AS (ORDER BY a), v AS (w ROWS 1 PRECEDING)").statement as Select).core as SelectSimple;
    expect(core.windows?.map((w) => w.name)).toEqual(["w", "v"]);
    expect(core.from).toMatchObject({ kind: "table", name: "t" });
    expect(core.from).not.toHaveProperty("alias");
  });

  test("unsupported forms fail with DB_SYNTAX", () => {
    expect(() => expr("(1, 2)")).toThrow(/row value misused/);
  });

  test("a table-valued function in FROM parses with its arguments and alias", () => {
    const st = parseOne("SELECT * FROM json_each('[]', '$.a') AS j").statement;
    expect(st).toMatchObject({ core: { from: { kind: "function", name: "json_each", args: [{ kind: "literal" }, { kind: "literal" }], alias: "j" } } });
  });
});

// ---------- differential check against SQLite (sql.js) ----------

let SQL: SqlJsStatic;
let db: Database;
beforeAll(async () => {
  const init = createRequire(import.meta.url)("sql.js") as (cfg?: object) => Promise<SqlJsStatic>;
  SQL = await init();
  db = new SQL.Database();
});

type Outcome = { ok: true; value: unknown } | { ok: false; syntax: boolean; message: string };
function run(sql: string): Outcome {
  try {
    const r = db.exec(`SELECT ${sql}`);
    return { ok: true, value: r[0]?.values[0]?.[0] };
  } catch (e) {
    const message = (e as Error).message;
    return { ok: false, syntax: /syntax error|incomplete input|unrecognized token/.test(message), message };
  }
}

const atom = fc.constantFrom("0", "1", "2", "3", "2.5", "'a'", "'A'", "'b'", "'%a'", "NULL", "TRUE", "x'01'", "'1'");
const prefix = fc.constantFrom("-", "+", "~", "NOT");
const postfix = fc.constantFrom(
  "ISNULL", "NOTNULL", "NOT NULL", "IS NULL", "IS NOT NULL", "COLLATE NOCASE", "COLLATE BINARY",
  "IN (1, 'a', NULL)", "NOT IN (2, 3)", "IN ()",
);
const binop = fc.constantFrom(
  "OR", "AND", "=", "==", "!=", "<>", "IS", "IS NOT", "IS DISTINCT FROM", "IS NOT DISTINCT FROM", "<", "<=", ">", ">=",
  "&", "|", "<<", ">>", "+", "-", "*", "/", "%", "||", "LIKE", "NOT LIKE", "GLOB", "NOT GLOB", "BETWEEN",
  "NOT BETWEEN", "ESCAPE", "AND", "AND",
);
const term = (inner: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.array(prefix, { maxLength: 2 }), fc.oneof({ weight: 5, arbitrary: atom }, { weight: 1, arbitrary: inner.map((s) => `(${s})`) }), fc.option(postfix, { freq: 4 }))
    .map(([pre, a, post]) => [...pre, a, ...(post === null ? [] : [post])].join(" "));
const flat = (inner: fc.Arbitrary<string>) =>
  fc.tuple(term(inner), fc.array(fc.tuple(binop, term(inner)), { maxLength: 6 })).map(([first, rest]) => [first, ...rest.flat()].join(" "));
const exprArb = flat(flat(flat(atom)));

describe("precedence agrees with SQLite", () => {
  test("random operator soups parse like SQLite parses them", () => {
    let compared = 0;
    fc.assert(
      fc.property(exprArb, (sql) => {
        const theirs = run(sql);
        let ours: Expr | undefined;
        try {
          ours = expr(sql);
        } catch (e) {
          if (!(e instanceof DbError)) throw e;
          // we reject only what SQLite rejects as a syntax error
          expect(theirs.ok === false && theirs.syntax, `${sql}: ours ${e.message}, theirs ${JSON.stringify(theirs)}`).toBe(true);
          return;
        }
        expect(theirs.ok === false && theirs.syntax, `${sql}: SQLite rejects it: ${JSON.stringify(theirs)}`).toBe(false);
        const again = run(show(ours));
        expect(again, `${sql} vs ${show(ours)}`).toEqual(theirs);
        compared++;
      }),
      { numRuns: 3000, seed: 20240611 },
    );
    expect(compared).toBeGreaterThan(1000);
  });
});
