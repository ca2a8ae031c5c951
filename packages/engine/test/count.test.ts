/**
 * `SELECT count(*) FROM t` counted from the B+tree's leaf cell counts (vm Op.Count, as SQLite's
 * OP_Count): the plan SQLite chooses (the narrowest index when it is narrower than the table) and
 * the same count as a scan, through splits, merges, overflow rows and open transactions.
 */
import initSqlJs from "sql.js";
import { describe, expect, it } from "vitest";
import { Database } from "../src/index.js";

const SCHEMA = `
  CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score INTEGER, payload TEXT);
  CREATE INDEX t_score ON t(score);
  CREATE INDEX t_name_payload ON t(name, payload);
  CREATE TABLE a(x); CREATE INDEX a_x ON a(x);
  CREATE TABLE b(x, y); CREATE INDEX b_x ON b(x);
  CREATE TABLE e(x);`;

function eqp(d: Database, sql: string): string[] {
  return (d.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail);
}

function ops(d: Database, sql: string): string[] {
  return (d.prepare(`EXPLAIN ${sql}`).all() as { opcode: string }[]).map((r) => r.opcode);
}

describe("SELECT count(*) FROM t", () => {
  it("reads the narrowest index, or the table, as SQLite's plan does", async () => {
    const SQL = await initSqlJs();
    const lite = new SQL.Database();
    lite.exec(SCHEMA);
    const d = new Database();
    d.exec(SCHEMA);
    for (const q of [
      "SELECT count(*) FROM t",
      "SELECT count() FROM t",
      "SELECT count(*) FROM a",
      "SELECT count(*) FROM b",
      "SELECT count(*) FROM e",
      "SELECT count(*) FROM t NOT INDEXED",
    ]) {
      const expected = lite.exec(`EXPLAIN QUERY PLAN ${q}`)[0]!.values.map((v) => v[3]);
      expect(eqp(d, q), q).toEqual(expected);
      expect(ops(d, q), q).toContain("Count");
    }
    // Anything more than a bare count(*) of one table takes the ordinary aggregate path.
    for (const q of ["SELECT count(*) FROM t WHERE score > 1", "SELECT count(x) FROM a", "SELECT count(DISTINCT x) FROM a", "SELECT count(*) FROM t LIMIT 1", "SELECT count(*), 1 FROM t", "SELECT count(*) FROM t GROUP BY score", "SELECT count(*) FROM (SELECT * FROM t)"]) {
      expect(ops(d, q), q).not.toContain("Count");
    }
  });

  it("gives the same count as a scan through splits, merges, overflow rows and an open transaction", () => {
    const d = new Database();
    d.exec(SCHEMA);
    const scan = () => d.prepare("SELECT count(*) FROM t WHERE id IS NOT NULL").pluck().get();
    const count = () => d.prepare("SELECT count(*) FROM t").pluck().get();
    const countTable = () => d.prepare("SELECT count(*) FROM t NOT INDEXED").pluck().get();
    expect(count()).toBe(0);
    const ins = d.prepare("INSERT INTO t(name, score, payload) VALUES (?, ?, ?)");
    d.transaction(() => {
      for (let i = 0; i < 5000; i++) ins.run(`n${i}`, (i * 7919) % 1000, i % 100 === 0 ? "x".repeat(9000) : `p${i}`);
    })();
    expect([count(), countTable(), scan()]).toEqual([5000, 5000, 5000]);
    d.exec("DELETE FROM t WHERE id % 3 = 0");
    expect([count(), countTable(), scan()]).toEqual([3334, 3334, 3334]);
    d.exec("BEGIN");
    d.exec("DELETE FROM t WHERE id < 1000");
    ins.run("late", 1, "p");
    expect([count(), countTable(), scan()]).toEqual([2669, 2669, 2669]);
    d.exec("ROLLBACK");
    expect(count()).toBe(3334);
  });

  it("delivers to every destination: a scalar subquery, INSERT ... SELECT, a named column", () => {
    const d = new Database();
    d.exec(SCHEMA);
    d.exec("INSERT INTO t(name, score) VALUES ('a', 1), ('b', 2), ('c', 3)");
    expect(d.prepare("SELECT (SELECT count(*) FROM t) + 1").pluck().get()).toBe(4);
    d.exec("INSERT INTO a SELECT count(*) FROM t");
    expect(d.prepare("SELECT x FROM a").pluck().all()).toEqual([3]);
    expect(d.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 3 });
    expect(d.prepare("SELECT count(*) FROM t").get()).toEqual({ "count(*)": 3 });
  });
});
