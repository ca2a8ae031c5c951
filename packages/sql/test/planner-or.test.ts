/**
 * OR terms: `c = 1 OR c = 3` seeks like `c IN (1, 3)`, and `a = ? OR b = ?` unions the rowids of
 * one seek per disjunct (MULTI-INDEX OR). Plans as SQLite's; rows (and their order) as SQLite's.
 */
import initSqlJs from "sql.js";
import { describe, expect, it } from "vitest";
import { Database } from "../../engine/src/index.js";

function eqp(d: Database, sql: string): string[] {
  return (d.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail);
}

const SCHEMA = "CREATE TABLE t(a INTEGER, b TEXT, c, d TEXT COLLATE NOCASE); CREATE INDEX ta ON t(a); CREATE INDEX tb ON t(b); CREATE INDEX td ON t(d)";

describe("OR terms", () => {
  it("plan as SQLite's", () => {
    const d = new Database(":memory:");
    d.exec(SCHEMA);
    expect(eqp(d, "SELECT * FROM t WHERE a = 1 OR b = 'x'")).toEqual(["MULTI-INDEX OR", "INDEX 1", "SEARCH t USING INDEX ta (a=?)", "INDEX 2", "SEARCH t USING INDEX tb (b=?)"]);
    expect(eqp(d, "SELECT * FROM t WHERE rowid = 1 OR (b > 'x' AND c = 2)")).toEqual(["MULTI-INDEX OR", "INDEX 1", "SEARCH t USING INTEGER PRIMARY KEY (rowid=?)", "INDEX 2", "SEARCH t USING INDEX tb (b>?)"]);
    expect(eqp(d, "SELECT * FROM t WHERE (a = 1 OR b = 'x') AND c = 5 ORDER BY c")).toEqual([
      "MULTI-INDEX OR",
      "INDEX 1",
      "SEARCH t USING INDEX ta (a=?)",
      "INDEX 2",
      "SEARCH t USING INDEX tb (b=?)",
      "USE TEMP B-TREE FOR ORDER BY",
    ]);
    // A disjunct no index serves: the scan stays.
    expect(eqp(d, "SELECT * FROM t WHERE a = 1 OR c = 3")).toEqual(["SCAN t"]);
    // One column: an IN list.
    expect(eqp(d, "SELECT * FROM t WHERE a = 1 OR a = 3 OR 5 = a")).toEqual(["SEARCH t USING INDEX ta (a IN (...))"]);
    expect(eqp(d, "SELECT * FROM t WHERE rowid = 1 OR rowid = 5")).toEqual(["SEARCH t USING INTEGER PRIMARY KEY (rowid IN (...))"]);
    // Joined: the disjuncts' values come from the outer table.
    expect(eqp(d, "SELECT * FROM t AS u, t WHERE u.c = 3 AND (t.a = u.a OR t.b = u.b)")).toEqual([
      "SCAN t AS u",
      "MULTI-INDEX OR",
      "INDEX 1",
      "SEARCH t USING INDEX ta (a=?)",
      "INDEX 2",
      "SEARCH t USING INDEX tb (b=?)",
    ]);
  });

  it("give SQLite's rows in SQLite's order", async () => {
    const SQL = await initSqlJs();
    const theirs = new SQL.Database();
    const ours = new Database(":memory:");
    const setup = [SCHEMA];
    const vals = ["NULL", "1", "'1'", "2.0", "'2'", "3", "'x'", "'X'", "'y'", "4", "'abc'"];
    for (let i = 0; i < 120; i++) {
      const v = (j: number) => vals[(i * (j + 3) + j) % vals.length];
      setup.push(`INSERT INTO t VALUES (${v(0)}, ${v(1)}, ${v(2)}, ${v(3)})`);
    }
    for (const s of setup) {
      ours.exec(s);
      theirs.exec(s);
    }
    const queries: string[] = [];
    const terms = ["a = 1", "a = '2'", "a = 3", "b = 'x'", "b = 1", "b = '1'", "b > 'x'", "a < 2", "d = 'x'", "d = 'Y'", "rowid = 7", "rowid > 100", "c = 3", "a IN (1, 4)", "a IS NULL", "b = a"];
    for (const x of terms) for (const y of terms) if (x !== y) queries.push(`SELECT rowid, * FROM t WHERE ${x} OR ${y}`);
    queries.push("SELECT rowid, * FROM t WHERE a = 1 OR a = '3' OR a = 4.0", "SELECT rowid, * FROM t WHERE d = 'x' OR d = 'y'", "SELECT rowid, * FROM t WHERE (a = 1 OR b = 'x') AND (d = 'y' OR c = 4)");
    queries.push("SELECT t.rowid, u.rowid FROM t AS u, t WHERE u.c = 3 AND (t.a = u.a OR t.b = u.b)");
    let multi = 0;
    for (const sql of queries) {
      if (eqp(ours, sql)[0] === "MULTI-INDEX OR") multi++;
      const got = ours.prepare(sql).raw().all();
      const want = theirs.exec(sql)[0]?.values ?? [];
      const plan = eqp(ours, sql).join(" | ");
      const theirPlan = theirs.exec(`EXPLAIN QUERY PLAN ${sql}`)[0]!.values.map((v) => String(v[3])).filter((l) => !l.startsWith("BLOOM")).join(" | ");
      // Same plan, same order; otherwise the same rows.
      if (plan.replace(/ IN \(\.\.\.\)/g, "=?") === theirPlan) expect(JSON.stringify(got), sql).toBe(JSON.stringify(want));
      else expect(got.map((r) => JSON.stringify(r)).sort(), sql).toEqual(want.map((r) => JSON.stringify(r)).sort());
    }
    expect(multi).toBeGreaterThan(50);
  });
});
