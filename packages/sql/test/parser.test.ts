import { describe, expect, test } from "vitest";
import type { Expr, Select, SelectSimple, Statement } from "../src/ast.js";
import { parse, parseOne } from "../src/parser.js";

const one = (sql: string): Statement => parseOne(sql).statement;
const sel = (sql: string): Select => one(sql) as Select;
const core = (sql: string): SelectSimple => sel(sql).core as SelectSimple;
const lit = (value: string, type = "integer"): Expr => ({ kind: "literal", type, value }) as Expr;
const col = (name: string, table?: string): Expr => (table ? { kind: "column", table, name } : { kind: "column", name });

describe("parse / parseOne", () => {
  test("parse returns every statement with text and position, skipping empty ones", () => {
    const r = parse(";; SELECT 1;\n\n  SELECT 2 ;;\nPRAGMA x ; ");
    expect(r.map((s) => [s.text, s.pos])).toEqual([
      ["SELECT 1", { line: 1, column: 4, offset: 3 }],
      ["SELECT 2", { line: 3, column: 3, offset: 16 }],
      ["PRAGMA x", { line: 4, column: 1, offset: 28 }],
    ]);
    expect(parse("")).toEqual([]);
    expect(parse(" -- nothing\n ; /* */ ;")).toEqual([]);
  });

  test("parseOne returns the single statement and rejects zero or several", () => {
    expect(parseOne("SELECT 1;").statement.kind).toBe("select");
    expect(parseOne("  DELETE FROM t  ").text).toBe("DELETE FROM t");
    expect(() => parseOne("")).toThrow(/incomplete input/);
    expect(() => parseOne("SELECT 1; SELECT 2")).toThrow('near "SELECT": syntax error at line 1, column 11');
  });
});

describe("SELECT", () => {
  test("result columns: star, table star, expressions with source text and aliases", () => {
    const c = core("SELECT *, t.*, a+b AS s, (x)  y, 'lit' 'alias', count( * ), \"q\" FROM t");
    expect(c.columns).toEqual([
      { kind: "star" },
      { kind: "table-star", table: "t" },
      { kind: "expr", expr: { kind: "binary", op: "+", left: col("a"), right: col("b") }, alias: "s", text: "a+b" },
      { kind: "expr", expr: col("x"), alias: "y", text: "(x)" },
      { kind: "expr", expr: lit("lit", "string"), alias: "alias", text: "'lit'" },
      { kind: "expr", expr: { kind: "function", name: "count", args: [], star: true }, text: "count( * )" },
      { kind: "expr", expr: col("q"), text: '"q"' },
    ]);
  });

  test("column text is the exact source slice, comments and line breaks included", () => {
    const c = core("SELECT a /* c */ +\n 1, CAST(x AS INT) FROM t");
    expect(c.columns.map((r) => (r.kind === "expr" ? r.text : ""))).toEqual(["a /* c */ +\n 1", "CAST(x AS INT)"]);
  });

  test("DISTINCT / ALL, WHERE, GROUP BY, HAVING", () => {
    const c = core("SELECT DISTINCT a FROM t WHERE b > 1 GROUP BY a, c HAVING count(*) > 2");
    expect(c.distinct).toBe(true);
    expect(c.where).toEqual({ kind: "binary", op: ">", left: col("b"), right: lit("1") });
    expect(c.groupBy).toEqual([col("a"), col("c")]);
    expect(c.having?.kind).toBe("binary");
    expect(core("SELECT ALL a FROM t").distinct).toBe(false);
  });

  test("ORDER BY with direction, NULLS and COLLATE; LIMIT forms", () => {
    const s = sel("SELECT a FROM t ORDER BY a DESC, b COLLATE NOCASE ASC NULLS LAST, 2 NULLS FIRST LIMIT 10 OFFSET 5");
    expect(s.orderBy).toEqual([
      { expr: col("a"), desc: true },
      { expr: col("b"), desc: false, collation: "NOCASE", nulls: "LAST" },
      { expr: lit("2"), desc: false, nulls: "FIRST" },
    ]);
    expect([s.limit, s.offset]).toEqual([lit("10"), lit("5")]);
    const s2 = sel("SELECT a FROM t LIMIT 5, 10");
    expect([s2.limit, s2.offset]).toEqual([lit("10"), lit("5")]);
    const s3 = sel("SELECT a FROM t LIMIT 3");
    expect([s3.limit, s3.offset]).toEqual([lit("3"), undefined]);
  });

  test("compound selects, VALUES cores", () => {
    const s = sel("SELECT 1 UNION SELECT 2 UNION ALL VALUES (3) INTERSECT SELECT 4 EXCEPT SELECT 5 ORDER BY 1 LIMIT 2");
    expect(s.compound.map((c) => c.op)).toEqual(["UNION", "UNION ALL", "INTERSECT", "EXCEPT"]);
    expect(s.compound[1].core).toEqual({ kind: "values", rows: [[lit("3")]] });
    expect(s.orderBy.length).toBe(1);
    expect(sel("VALUES (1, 'a'), (2, 'b')").core).toEqual({
      kind: "values",
      rows: [
        [lit("1"), lit("a", "string")],
        [lit("2"), lit("b", "string")],
      ],
    });
    expect(() => one("VALUES (1, 2), (3)")).toThrow(/same number of terms/);
  });

  test("WITH [RECURSIVE] common table expressions", () => {
    const s = sel(
      "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 5), d AS MATERIALIZED (SELECT 2), " +
        "e AS NOT MATERIALIZED (SELECT 3) SELECT n FROM c",
    );
    expect(s.with?.recursive).toBe(true);
    expect(s.with?.ctes.map((c) => [c.name, c.columns])).toEqual([
      ["c", ["n"]],
      ["d", undefined],
      ["e", undefined],
    ]);
    expect(s.with?.ctes[0].select.compound[0].op).toBe("UNION ALL");
  });

  test("joins: comma, INNER, CROSS, LEFT [OUTER], RIGHT, FULL, NATURAL, ON, USING", () => {
    const from = core(
      "SELECT * FROM a, b JOIN c ON b.x = c.x INNER JOIN d USING (x, y) CROSS JOIN e " +
        "LEFT OUTER JOIN f ON 1 LEFT JOIN g RIGHT JOIN h FULL OUTER JOIN i NATURAL JOIN j NATURAL LEFT JOIN k",
    ).from;
    const ops: unknown[] = [];
    let f = from;
    while (f?.kind === "join") {
      ops.unshift([f.op, f.natural, f.right.kind === "table" ? f.right.name : "?", f.on !== undefined, f.using]);
      f = f.left;
    }
    expect(f).toEqual({ kind: "table", name: "a" });
    expect(ops).toEqual([
      [",", false, "b", false, undefined],
      ["INNER", false, "c", true, undefined],
      ["INNER", false, "d", false, ["x", "y"]],
      ["CROSS", false, "e", false, undefined],
      ["LEFT", false, "f", true, undefined],
      ["LEFT", false, "g", false, undefined],
      ["RIGHT", false, "h", false, undefined],
      ["FULL", false, "i", false, undefined],
      ["INNER", true, "j", false, undefined],
      ["LEFT", true, "k", false, undefined],
    ]);
    expect(() => one("SELECT * FROM a INNER OUTER JOIN b")).toThrow(/unknown join type: INNER OUTER/);
  });

  test("table references: schema, aliases, INDEXED BY, NOT INDEXED, subqueries, parenthesized joins", () => {
    expect(core("SELECT * FROM main.t AS x INDEXED BY i").from).toEqual({
      kind: "table",
      schema: "main",
      name: "t",
      alias: "x",
      indexedBy: "i",
    });
    expect(core("SELECT * FROM t y NOT INDEXED").from).toEqual({ kind: "table", name: "t", alias: "y", notIndexed: true });
    const sub = core("SELECT * FROM (SELECT 1 AS one) AS s").from;
    expect(sub?.kind === "subquery" && sub.alias).toBe("s");
    const nested = core("SELECT * FROM (a JOIN b) JOIN (c JOIN d) AS cd").from;
    expect(nested?.kind).toBe("join");
    if (nested?.kind === "join") {
      expect(nested.left.kind).toBe("join");
      expect(nested.right.kind).toBe("subquery");
      expect(nested.right.alias).toBe("cd");
    }
    expect(core("SELECT * FROM (t) AS z").from).toEqual({ kind: "table", name: "t", alias: "z" });
  });

  test("keywords that SQLite lets fall back to identifiers", () => {
    const c = core("SELECT key, action, no, temp, replace, if, rowid, text, date, left, right FROM t AS left");
    expect(c.columns.map((r) => (r.kind === "expr" && r.expr.kind === "column" ? r.expr.name : "?"))).toEqual(
      "key action no temp replace if rowid text date left right".split(" "),
    );
    expect(core("SELECT a desc FROM t offset").columns[0]).toMatchObject({ alias: "desc" });
    expect(core("SELECT a desc FROM t offset").from).toEqual({ kind: "table", name: "t", alias: "offset" });
    expect(core("SELECT replace(a, 'x', 'y'), like('a%', b) FROM t").columns.map((r) => r.kind === "expr" && r.expr.kind)).toEqual([
      "function",
      "function",
    ]);
    // JOIN keywords are names, but never implicit aliases
    expect(core("SELECT * FROM t left JOIN u").from?.kind).toBe("join");
  });
});

describe("INSERT", () => {
  test("columns, multi-row VALUES, OR action, REPLACE, schema and alias", () => {
    expect(one("INSERT OR IGNORE INTO main.t AS x (a, [b]) VALUES (1, 2), (3, 4)")).toEqual({
      kind: "insert",
      orAction: "IGNORE",
      schema: "main",
      table: "t",
      alias: "x",
      columns: ["a", "b"],
      source: {
        kind: "values",
        rows: [
          [lit("1"), lit("2")],
          [lit("3"), lit("4")],
        ],
      },
    });
    expect(one("REPLACE INTO t VALUES (1)")).toMatchObject({ orAction: "REPLACE", table: "t" });
    for (const a of ["ROLLBACK", "ABORT", "FAIL", "REPLACE"]) {
      expect(one(`INSERT OR ${a} INTO t VALUES (1)`)).toMatchObject({ orAction: a });
    }
  });

  test("SELECT and DEFAULT VALUES sources; WITH", () => {
    const i = one("WITH s AS (SELECT 1) INSERT INTO t SELECT * FROM s");
    expect(i).toMatchObject({ kind: "insert", with: { recursive: false }, source: { kind: "select" } });
    expect(one("INSERT INTO t DEFAULT VALUES")).toMatchObject({ source: { kind: "default" } });
    // VALUES followed by a compound is a SELECT source
    expect(one("INSERT INTO t VALUES (1) UNION SELECT 2")).toMatchObject({ source: { kind: "select" } });
  });

  test("upsert and RETURNING", () => {
    const i = one(
      "INSERT INTO t (a, b) VALUES (1, 2) ON CONFLICT (a) WHERE a > 0 DO UPDATE SET b = excluded.b, (c, d) = (1, 2) WHERE b <> 0 " +
        "ON CONFLICT DO NOTHING RETURNING a, b * 2 AS bb",
    );
    expect(i).toMatchObject({
      upsert: [
        {
          target: ["a"],
          targetWhere: { kind: "binary", op: ">" },
          action: {
            set: [
              { columns: ["b"], value: col("b", "excluded") },
              { columns: ["c"], value: lit("1") },
              { columns: ["d"], value: lit("2") },
            ],
            where: { kind: "binary", op: "<>" },
          },
        },
        { action: "NOTHING" },
      ],
      returning: [{ kind: "expr", text: "a" }, { kind: "expr", alias: "bb", text: "b * 2" }],
    });
    expect(one("INSERT INTO t SELECT * FROM u WHERE true ON CONFLICT(lower(a) COLLATE nocase) DO NOTHING")).toMatchObject({
      upsert: [{ target: ["lower(a) COLLATE nocase"], action: "NOTHING" }],
    });
    expect(one("INSERT INTO t DEFAULT VALUES RETURNING *")).toMatchObject({ returning: [{ kind: "star" }] });
  });
});

describe("UPDATE and DELETE", () => {
  test("UPDATE with OR action, row-value SET, FROM, WHERE, RETURNING", () => {
    expect(one("UPDATE OR REPLACE main.t AS x SET a = 1, (b, c) = (2, 3), (d, e) = (SELECT 4, 5) FROM u WHERE x.id = u.id RETURNING *")).toEqual({
      kind: "update",
      orAction: "REPLACE",
      schema: "main",
      table: "t",
      alias: "x",
      set: [
        { columns: ["a"], value: lit("1") },
        { columns: ["b"], value: lit("2") },
        { columns: ["c"], value: lit("3") },
        { columns: ["d", "e"], value: expect.objectContaining({ kind: "subquery" }) },
      ],
      from: { kind: "table", name: "u" },
      where: { kind: "binary", op: "=", left: col("id", "x"), right: col("id", "u") },
      returning: [{ kind: "star" }],
    });
    expect(() => one("UPDATE t SET (a, b) = (1, 2, 3)")).toThrow(/2 columns assigned 3 values/);
    expect(one("UPDATE t SET (a) = (1) + 1")).toMatchObject({ set: [{ columns: ["a"], value: { kind: "binary" } }] });
  });

  test("DELETE", () => {
    expect(one("DELETE FROM t")).toEqual({ kind: "delete", table: "t" });
    expect(one("WITH x AS (SELECT 1) DELETE FROM s.t AS a WHERE a.id IN x RETURNING id")).toMatchObject({
      kind: "delete",
      schema: "s",
      table: "t",
      alias: "a",
      with: { ctes: [{ name: "x" }] },
      where: { kind: "in-table", table: "x" },
      returning: [{ kind: "expr", text: "id" }],
    });
  });
});

describe("CREATE TABLE", () => {
  test("column types as written, column constraints", () => {
    const ct = one(
      "CREATE TEMP TABLE IF NOT EXISTS s.t (" +
        "id INTEGER PRIMARY KEY DESC ON CONFLICT FAIL AUTOINCREMENT, " +
        "name NVARCHAR(160) NOT NULL ON CONFLICT IGNORE COLLATE NOCASE, " +
        "price NUMERIC(10, 2) DEFAULT -1.5 CHECK (price > 0), " +
        "big UNSIGNED BIG INT UNIQUE DEFAULT 0x10, " +
        "q \"my type\" NULL DEFAULT (1 + 2), " +
        "k DEFAULT CURRENT_TIMESTAMP CONSTRAINT fk REFERENCES other(id) ON DELETE CASCADE, " +
        "g AS (price * 2) STORED, h INT GENERATED ALWAYS AS (1) VIRTUAL, n DEFAULT abc, b DEFAULT TRUE, " +
        "untyped)",
    );
    expect(ct).toMatchObject({ kind: "create-table", temporary: true, ifNotExists: true, schema: "s", name: "t" });
    if (ct.kind !== "create-table") throw new Error();
    expect(ct.columns.map((c) => [c.name, c.type])).toEqual([
      ["id", "INTEGER"],
      ["name", "NVARCHAR(160)"],
      ["price", "NUMERIC(10, 2)"],
      ["big", "UNSIGNED BIG INT"],
      ["q", "my type"],
      ["k", ""],
      ["g", ""],
      ["h", "INT"],
      ["n", ""],
      ["b", ""],
      ["untyped", ""],
    ]);
    const cons = ct.columns.map((c) => c.constraints);
    expect(cons[0]).toEqual([{ kind: "primary-key", desc: true, autoincrement: true, onConflict: "FAIL" }]);
    expect(cons[1]).toEqual([{ kind: "not-null", onConflict: "IGNORE" }, { kind: "collate", collation: "NOCASE" }]);
    expect(cons[2]).toEqual([
      { kind: "default", expr: { kind: "unary", op: "-", operand: lit("1.5", "real") } },
      { kind: "check", expr: { kind: "binary", op: ">", left: col("price"), right: lit("0") }, text: "price > 0" },
    ]);
    expect(cons[3]).toEqual([{ kind: "unique" }, { kind: "default", expr: lit("0x10") }]);
    expect(cons[4]).toEqual([{ kind: "null" }, { kind: "default", expr: expect.objectContaining({ kind: "binary" }) }]);
    expect(cons[5]).toEqual([
      { kind: "default", expr: lit("CURRENT_TIMESTAMP", "current_timestamp") },
      { kind: "references", name: "fk", fk: { table: "other", columns: ["id"], actions: ["ON DELETE CASCADE"] } },
    ]);
    expect(cons[6]).toEqual([{ kind: "generated", expr: expect.objectContaining({ op: "*" }), stored: true }]);
    expect(cons[7]).toEqual([{ kind: "generated", expr: lit("1"), stored: false }]);
    expect(cons[8]).toEqual([{ kind: "default", expr: lit("abc", "string") }]);
    expect(cons[9]).toEqual([{ kind: "default", expr: lit("true", "true") }]);
  });

  test("table constraints, WITHOUT ROWID, STRICT", () => {
    const ct = one(
      "CREATE TABLE t (a, b, c, CONSTRAINT pk PRIMARY KEY (a DESC, b COLLATE NOCASE) ON CONFLICT ROLLBACK, " +
        "UNIQUE (c) CHECK (a <> b), FOREIGN KEY (b, c) REFERENCES p (x, y) ON UPDATE SET NULL ON DELETE SET DEFAULT " +
        "MATCH SIMPLE NOT DEFERRABLE INITIALLY DEFERRED, CONSTRAINT f2 FOREIGN KEY (a) REFERENCES q DEFERRABLE INITIALLY IMMEDIATE" +
        ") WITHOUT ROWID, STRICT",
    );
    if (ct.kind !== "create-table") throw new Error();
    expect(ct.withoutRowid).toBe(true);
    expect(ct.strict).toBe(true);
    expect(ct.constraints).toEqual([
      {
        kind: "primary-key",
        name: "pk",
        columns: [
          { expr: col("a"), name: "a", desc: true },
          { expr: col("b"), name: "b", desc: false, collation: "NOCASE" },
        ],
        onConflict: "ROLLBACK",
      },
      { kind: "unique", columns: [{ expr: col("c"), name: "c", desc: false }] },
      { kind: "check", expr: expect.objectContaining({ op: "<>" }), text: "a <> b" },
      {
        kind: "foreign-key",
        columns: ["b", "c"],
        fk: {
          table: "p",
          columns: ["x", "y"],
          actions: ["ON UPDATE SET NULL", "ON DELETE SET DEFAULT", "MATCH SIMPLE", "NOT DEFERRABLE INITIALLY DEFERRED"],
        },
      },
      { kind: "foreign-key", name: "f2", columns: ["a"], fk: { table: "q", columns: [], actions: ["DEFERRABLE INITIALLY IMMEDIATE"] } },
    ]);
    expect(one("CREATE TABLE t (a INTEGER, PRIMARY KEY (a AUTOINCREMENT))")).toMatchObject({
      constraints: [{ kind: "primary-key", autoincrement: true }],
    });
    expect(() => one("CREATE TABLE t (a) WITHOUT x")).toThrow('near "x"');
    expect(() => one("CREATE TABLE t (a) bogus")).toThrow(/unknown table option: bogus/);
  });

  test("CREATE TABLE AS SELECT, keyword column names, quoted names", () => {
    expect(one("CREATE TABLE t AS SELECT 1 AS x")).toMatchObject({ name: "t", columns: [], asSelect: { kind: "select" } });
    const ct = one('CREATE TABLE "my table" ([key] TEXT, "select" INT, `x y` BLOB, key TEXT, action, replace)');
    expect(ct).toMatchObject({ name: "my table" });
    if (ct.kind === "create-table") {
      expect(ct.columns.map((c) => c.name)).toEqual(["key", "select", "x y", "key", "action", "replace"]);
    }
  });
});

describe("other DDL", () => {
  test("CREATE INDEX", () => {
    expect(one("CREATE UNIQUE INDEX IF NOT EXISTS s.i ON t (a DESC, b COLLATE NOCASE, lower(c)) WHERE a IS NOT NULL")).toEqual({
      kind: "create-index",
      unique: true,
      ifNotExists: true,
      schema: "s",
      name: "i",
      table: "t",
      columns: [
        { expr: col("a"), name: "a", desc: true },
        { expr: col("b"), name: "b", desc: false, collation: "NOCASE" },
        { expr: { kind: "function", name: "lower", args: [col("c")] }, desc: false },
      ],
      where: { kind: "isnull", expr: col("a"), not: true },
    });
  });

  test("CREATE VIEW", () => {
    expect(one("CREATE TEMPORARY VIEW IF NOT EXISTS v (x, y) AS SELECT 1, 2")).toMatchObject({
      kind: "create-view",
      temporary: true,
      ifNotExists: true,
      name: "v",
      columns: ["x", "y"],
      select: { kind: "select" },
    });
  });

  test("CREATE TRIGGER", () => {
    const tr = one(
      "CREATE TRIGGER IF NOT EXISTS s.tr BEFORE UPDATE OF a, b ON t FOR EACH ROW WHEN new.a > old.a BEGIN " +
        "INSERT INTO log VALUES (new.a); UPDATE u SET x = 1 WHERE id = old.id; DELETE FROM v; " +
        "SELECT RAISE(ABORT, 'stop'), RAISE(IGNORE); END",
    );
    expect(tr).toMatchObject({
      kind: "create-trigger",
      ifNotExists: true,
      schema: "s",
      name: "tr",
      timing: "BEFORE",
      event: "UPDATE",
      updateOf: ["a", "b"],
      table: "t",
      forEachRow: true,
      when: { kind: "binary", op: ">" },
    });
    if (tr.kind !== "create-trigger") throw new Error();
    expect(tr.body.map((s) => s.kind)).toEqual(["insert", "update", "delete", "select"]);
    expect((tr.body[3] as Select).core).toMatchObject({
      columns: [
        { expr: { kind: "raise", action: "ABORT", message: { kind: "literal", type: "string", value: "stop" } } },
        { expr: { kind: "raise", action: "IGNORE" } },
      ],
    });
    expect(one("CREATE TEMP TRIGGER x INSTEAD OF DELETE ON v BEGIN SELECT 1; END")).toMatchObject({
      temporary: true,
      timing: "INSTEAD OF",
      event: "DELETE",
      forEachRow: false,
    });
    expect(one("CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; END;")).toMatchObject({ timing: "AFTER" });
    expect(one("CREATE TRIGGER x DELETE ON t BEGIN SELECT 1; END")).toMatchObject({ timing: "BEFORE" });
    expect(() => one("CREATE TRIGGER x DELETE ON t BEGIN END")).toThrow('near "END"');
  });

  test("DROP", () => {
    expect(one("DROP TABLE IF EXISTS [Album]")).toEqual({ kind: "drop", object: "table", ifExists: true, name: "Album" });
    expect(one("DROP INDEX s.i")).toEqual({ kind: "drop", object: "index", ifExists: false, schema: "s", name: "i" });
    expect(one("DROP VIEW v")).toMatchObject({ object: "view" });
    expect(one("DROP TRIGGER tr")).toMatchObject({ object: "trigger" });
  });

  test("ALTER TABLE", () => {
    expect(one("ALTER TABLE t RENAME TO u")).toEqual({ kind: "alter-table", action: "rename-table", table: "t", newName: "u" });
    expect(one("ALTER TABLE s.t RENAME COLUMN a TO b")).toEqual({
      kind: "alter-table",
      action: "rename-column",
      schema: "s",
      table: "t",
      column: "a",
      newName: "b",
    });
    expect(one("ALTER TABLE t RENAME a TO b")).toMatchObject({ action: "rename-column", column: "a" });
    expect(one("ALTER TABLE t ADD COLUMN c TEXT NOT NULL DEFAULT ''")).toMatchObject({
      action: "add-column",
      column: { name: "c", type: "TEXT", constraints: [{ kind: "not-null" }, { kind: "default" }] },
    });
    expect(one("ALTER TABLE t ADD d")).toMatchObject({ action: "add-column", column: { name: "d", type: "" } });
    expect(one("ALTER TABLE t DROP COLUMN c")).toEqual({ kind: "alter-table", action: "drop-column", table: "t", column: "c" });
  });
});

describe("transactions and utility statements", () => {
  test.each<[string, Statement]>([
    ["BEGIN", { kind: "begin" }],
    ["BEGIN TRANSACTION", { kind: "begin" }],
    ["BEGIN DEFERRED", { kind: "begin", mode: "DEFERRED" }],
    ["BEGIN IMMEDIATE TRANSACTION", { kind: "begin", mode: "IMMEDIATE" }],
    ["begin exclusive", { kind: "begin", mode: "EXCLUSIVE" }],
    ["COMMIT", { kind: "commit" }],
    ["COMMIT TRANSACTION", { kind: "commit" }],
    ["END", { kind: "commit" }],
    ["END TRANSACTION", { kind: "commit" }],
    ["ROLLBACK", { kind: "rollback" }],
    ["ROLLBACK TRANSACTION", { kind: "rollback" }],
    ["ROLLBACK TO sp", { kind: "rollback", savepoint: "sp" }],
    ["ROLLBACK TRANSACTION TO SAVEPOINT sp", { kind: "rollback", savepoint: "sp" }],
    ["ROLLBACK TRANSACTION tx TO sp", { kind: "rollback", savepoint: "sp" }],
    ["BEGIN TRANSACTION tx", { kind: "begin" }],
    ["SAVEPOINT sp", { kind: "savepoint", name: "sp" }],
    ["RELEASE sp", { kind: "release", name: "sp" }],
    ["RELEASE SAVEPOINT sp", { kind: "release", name: "sp" }],
    ["PRAGMA table_info", { kind: "pragma", name: "table_info" }],
    ["PRAGMA main.table_info(t)", { kind: "pragma", schema: "main", name: "table_info", value: "t", form: "call" }],
    ["PRAGMA cache_size = -2000", { kind: "pragma", name: "cache_size", value: "-2000", form: "assign" }],
    ["PRAGMA journal_mode = WAL", { kind: "pragma", name: "journal_mode", value: "WAL", form: "assign" }],
    ["PRAGMA foreign_keys = ON", { kind: "pragma", name: "foreign_keys", value: "ON", form: "assign" }],
    ["PRAGMA synchronous = 'full'", { kind: "pragma", name: "synchronous", value: "full", form: "assign" }],
    ["PRAGMA user_version = +7", { kind: "pragma", name: "user_version", value: "7", form: "assign" }],
    ["VACUUM", { kind: "vacuum" }],
    ["VACUUM main", { kind: "vacuum", schema: "main" }],
    ["VACUUM INTO 'backup.db'", { kind: "vacuum", into: "backup.db" }],
    ["ANALYZE", { kind: "analyze" }],
    ["ANALYZE main.t", { kind: "analyze", target: "main.t" }],
    ["REINDEX", { kind: "reindex" }],
    ["REINDEX nocase", { kind: "reindex", target: "nocase" }],
  ])("%s", (sql, expected) => {
    expect(one(sql)).toEqual(expected);
  });

  test("EXPLAIN [QUERY PLAN]", () => {
    expect(one("EXPLAIN SELECT 1")).toMatchObject({ kind: "explain", queryPlan: false, statement: { kind: "select" } });
    expect(one("EXPLAIN QUERY PLAN DELETE FROM t")).toMatchObject({ kind: "explain", queryPlan: true, statement: { kind: "delete" } });
    expect(() => one("EXPLAIN EXPLAIN SELECT 1")).toThrow('near "EXPLAIN"');
  });
});
