/**
 * Partial indexes (partialindex.html) and indexes on expressions (expridx.html) give exactly
 * SQLite's rows, errors and plans (sql.js): the planner seeks them only where the query's terms
 * imply a partial index's WHERE or name an indexed expression, and every write keeps them exact
 * (the queries read through them). Seeded (IDXEXPR_SEED).
 */
import { describe, expect, it } from "vitest";
import { bothRows, expectSame, seededPair } from "./helpers.js";

const sorted = (rows: unknown[][] | string) => (typeof rows === "string" ? rows : rows.map((r) => JSON.stringify(r)).sort());

describe("partial and expression indexes match SQLite", () => {
  it("refuse what SQLite refuses and name expression indexes in UNIQUE errors", async () => {
    const { ours, theirs, run } = await seededPair("IDXEXPR_SEED", 1);
    run("CREATE TABLE t(a, b TEXT COLLATE NOCASE, c)");
    run("CREATE UNIQUE INDEX u1 ON t(lower(b))");
    run("CREATE UNIQUE INDEX u2 ON t(a) WHERE c > 0");
    run("INSERT INTO t VALUES (1, 'X', 1), (1, 'y', 0), (3, 'Z', NULL)");
    const cases = [
      "CREATE INDEX x ON t(rowid + 1)",
      "CREATE INDEX x ON t(t.a)",
      "CREATE INDEX x ON t(random())",
      "CREATE INDEX x ON t((SELECT 1))",
      "CREATE INDEX x ON t(?)",
      "CREATE INDEX x ON t(count(a))",
      "CREATE INDEX x ON t(nosuch + 1)",
      "CREATE INDEX x ON t(a) WHERE random() > 0",
      "CREATE INDEX x ON t(a) WHERE (SELECT 1)",
      "CREATE INDEX x ON t(a) WHERE ?",
      "CREATE INDEX x ON t(a) WHERE nosuch",
      "CREATE TABLE x(a, b, UNIQUE (a + b))",
      "INSERT INTO t VALUES (2, 'x', 0)",
      "INSERT INTO t VALUES (1, 'w', 5)",
      "UPDATE t SET c = 2 WHERE b = 'y'",
      "CREATE UNIQUE INDEX u3 ON t(c IS NULL)",
    ];
    expectSame(ours, theirs, cases, true);
    expectSame(ours, theirs, ["PRAGMA index_list(t)", "PRAGMA index_info(u1)", "PRAGMA index_xinfo(u2)", "SELECT * FROM t ORDER BY rowid"]);
  });

  it("seek them where SQLite does", async () => {
    const { ours, theirs, run } = await seededPair("IDXEXPR_SEED", 1);
    run("CREATE TABLE t(a, b TEXT COLLATE NOCASE, c)");
    run("CREATE INDEX e1 ON t(lower(b))");
    run("CREATE INDEX e2 ON t(a + 1, b)");
    run("CREATE INDEX p1 ON t(a) WHERE c IS NOT NULL");
    const plans = [
      "SELECT * FROM t WHERE lower(b) = 'a1'",
      "SELECT * FROM t WHERE a + 1 = 5 AND b = 'q4'",
      "SELECT * FROM t WHERE a + 1 > 5",
      "SELECT * FROM t WHERE a = 3 AND c IS NOT NULL",
      "SELECT * FROM t WHERE a = 3 AND c = 4",
      "SELECT * FROM t WHERE a = 3 AND c + 1 > 2",
      "SELECT * FROM t WHERE a = 3",
      "SELECT * FROM t WHERE a = 3 AND c IS NULL",
      "SELECT * FROM t WHERE upper(b) = 'A1'",
      // A seek that consumes its term needs no column it read: the index covers the rowid.
      "SELECT rowid FROM t WHERE lower(b) = 'a1'",
      "SELECT rowid, a FROM t WHERE a + 1 = 5",
    ];
    for (const sql of plans) {
      const { got, want } = bothRows(ours, theirs, `EXPLAIN QUERY PLAN ${sql}`);
      const detail = (rows: unknown[][] | string) => (typeof rows === "string" ? rows : rows.map((r) => r[3]));
      expect(detail(got), sql).toEqual(detail(want));
    }
  });

  it("keep SQLite's rows over random writes and queries", async () => {
    const { seed, rnd, pick, ours, theirs, run } = await seededPair("IDXEXPR_SEED", 2611226);
    run("CREATE TABLE t(k INTEGER PRIMARY KEY, a, b TEXT COLLATE NOCASE, c REAL)");
    run("CREATE INDEX e1 ON t(lower(b), a)");
    run("CREATE INDEX e2 ON t(a * 2 + 1 DESC)");
    run("CREATE INDEX e3 ON t(abs(c), length(b))");
    run("CREATE INDEX p1 ON t(a) WHERE c IS NOT NULL");
    run("CREATE INDEX p2 ON t(b, c) WHERE a > 2 AND b IS NOT NULL");
    run("CREATE UNIQUE INDEX u1 ON t(a, b) WHERE c > 100");
    run("CREATE INDEX p3 ON t(c) WHERE a = 1 OR a = 2");
    const num = () => pick(["NULL", "0", "1", "2", "3", "4", "'3'", "-1.5", "150", "200.5"]);
    const txt = () => pick(["NULL", "'a'", "'A'", "'Bc'", "'bc'", "'xyz'", "''", "'7'"]);
    const writes = [
      () => `INSERT INTO t(a, b, c) VALUES (${num()}, ${txt()}, ${num()})`,
      () => `INSERT OR REPLACE INTO t(k, a, b, c) VALUES (${1 + Math.floor(rnd() * 15)}, ${num()}, ${txt()}, ${num()})`,
      () => `INSERT OR IGNORE INTO t(a, b, c) VALUES (${num()}, ${txt()}, ${pick(["150", "200.5", num()])})`,
      () => `UPDATE t SET ${pick(["a", "c"])} = ${num()} WHERE ${pick(["lower(b) = 'bc'", "a * 2 + 1 > 3", "k % 3 = 0", "a = 1 AND c IS NOT NULL"])}`,
      () => `UPDATE OR IGNORE t SET b = ${txt()} WHERE k = ${1 + Math.floor(rnd() * 15)}`,
      () => `DELETE FROM t WHERE ${pick(["abs(c) = 1.5", "a = 2 AND c IS NOT NULL", "lower(b) = 'a'", "k = " + (1 + Math.floor(rnd() * 15))])}`,
    ];
    const queries = [
      () => `SELECT k FROM t WHERE lower(b) = ${txt()}`,
      () => `SELECT k, a FROM t WHERE lower(b) = ${txt()} AND a ${pick(["=", ">", "<="])} ${num()}`,
      () => `SELECT k FROM t WHERE a * 2 + 1 ${pick(["=", ">", "<", ">=", "<="])} ${num()}`,
      () => `SELECT k FROM t WHERE a * 2 + 1 BETWEEN ${num()} AND ${num()}`,
      () => `SELECT k FROM t WHERE abs(c) = ${num()} AND length(b) ${pick(["=", ">"])} 1`,
      () => `SELECT k FROM t WHERE a = ${num()} AND c ${pick(["IS NOT NULL", "> 0", "= 150", "+ 1 > 2", "IS NULL"])}`,
      () => `SELECT k FROM t WHERE b = ${txt()} AND a > 2 AND b IS NOT NULL`,
      () => `SELECT k FROM t WHERE b ${pick(["=", ">"])} ${txt()} AND c > 1 AND a > 2 AND b IS NOT NULL`,
      () => `SELECT k FROM t WHERE c ${pick(["=", ">", "<"])} ${num()} AND (a = 1 OR a = 2)`,
      () => `SELECT a, count(*) FROM t WHERE c IS NOT NULL GROUP BY a`,
      () => `SELECT x.k, y.k FROM t x JOIN t y ON lower(y.b) = lower(x.b) AND y.a * 2 + 1 = x.a`,
      // Terms that do not imply a partial index's WHERE: it must not be read.
      () => `SELECT k FROM t WHERE a = ${num()}`,
      () => `SELECT k FROM t WHERE b = ${txt()}`,
      () => `SELECT k FROM t WHERE c = ${num()}`,
      () => `SELECT k FROM t WHERE c > ${num()} AND a = ${num()}`,
      () => `SELECT k FROM t WHERE a = ${num()} AND b = ${txt()}`,
    ];
    for (let i = 0; i < 60; i++) {
      const sql = writes[0]!();
      const { got, want } = bothRows(ours, theirs, sql);
      expect(got, `seed ${seed}, row ${i}: ${sql}`).toEqual(want);
    }
    for (let step = 0; step < 400; step++) {
      const sql = rnd() < 0.45 ? pick(writes)() : pick(queries)();
      const { got, want } = bothRows(ours, theirs, sql);
      expect(sorted(got), `seed ${seed}, step ${step}: ${sql}`).toEqual(sorted(want));
    }
    expect(ours.prepare("PRAGMA integrity_check").pluck().get()).toBe("ok");
  });
});
