/**
 * ANALYZE writes sqlite_stat1 exactly as SQLite does (compared with sql.js), the table is an
 * ordinary table, and the statistics are loaded with the schema.
 */
import initSqlJs from "sql.js";
import { describe, expect, it } from "vitest";
import { Database } from "../../engine/src/index.js";

type Row = Record<string, unknown>;

async function both(setup: string[]): Promise<{ ours: Database; theirs: { all(sql: string): Row[]; exec(sql: string): void } }> {
  const SQL = await initSqlJs();
  const s = new SQL.Database();
  const ours = new Database(":memory:");
  for (const q of setup) {
    ours.exec(q);
    s.exec(q);
  }
  const theirs = {
    exec: (sql: string) => void s.exec(sql),
    all: (sql: string) => {
      const r = s.exec(sql)[0];
      if (!r) return [];
      return r.values.map((v) => Object.fromEntries(r.columns.map((c, i) => [c, v[i]])));
    },
  };
  return { ours, theirs };
}

const STAT = "SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx";

describe("ANALYZE", () => {
  it("fills sqlite_stat1 as SQLite does", async () => {
    const setup = [
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c, d UNIQUE)",
      "CREATE INDEX ta ON t(a)",
      "CREATE INDEX tbc ON t(b COLLATE NOCASE, c)",
      "CREATE INDEX tab ON t(a, b, c)",
      "CREATE TABLE u(x, y)",
      "CREATE TABLE empty(z)",
      "CREATE TABLE e2(z PRIMARY KEY)",
      "CREATE TABLE nulls(n)",
      "CREATE INDEX nn ON nulls(n)",
      "INSERT INTO nulls VALUES (NULL),(NULL),(NULL),(1)",
      "INSERT INTO u VALUES (1, 2), (3, 4), (5, 6)",
    ];
    for (let i = 0; i < 300; i++) {
      const b = i % 5 === 0 ? "'A'" : i % 5 === 1 ? "'a'" : i % 5 === 2 ? "NULL" : `'s${i % 11}'`;
      setup.push(`INSERT INTO t(a, b, c, d) VALUES (${i % 13}, ${b}, ${i % 4 === 0 ? "1.0" : i % 2}, ${i % 7 === 0 ? "NULL" : i})`);
    }
    const { ours, theirs } = await both(setup);
    for (const q of ["ANALYZE", "ANALYZE ta", "ANALYZE t", "ANALYZE main", "ANALYZE main.u", "ANALYZE"]) {
      ours.exec(q);
      theirs.exec(q);
      expect(ours.prepare(STAT).all(), q).toEqual(theirs.all(STAT));
    }
    expect(ours.prepare("SELECT sql FROM sqlite_schema WHERE name = 'sqlite_stat1'").all()).toEqual(theirs.all("SELECT sql FROM sqlite_schema WHERE name = 'sqlite_stat1'"));
  });

  it("ANALYZE idx replaces only that index's row; DROP removes an object's rows", async () => {
    const { ours, theirs } = await both(["CREATE TABLE t(a, b)", "CREATE INDEX i1 ON t(a)", "CREATE INDEX i2 ON t(b)", "INSERT INTO t VALUES (1,1),(1,2),(2,3)", "ANALYZE"]);
    for (const q of ["UPDATE sqlite_stat1 SET stat = 'x'", "ANALYZE i1", "DROP INDEX i2", "ANALYZE", "DROP TABLE t"]) {
      ours.exec(q);
      theirs.exec(q);
      expect(ours.prepare(STAT).all(), q).toEqual(theirs.all(STAT));
    }
  });

  it("reports unknown names", () => {
    const d = new Database(":memory:");
    expect(() => d.exec("ANALYZE nosuch")).toThrow(/no such table: nosuch/);
    expect(() => d.exec("CREATE TABLE sqlite_stat1(a)")).toThrow(/reserved/);
    // The temp schema holds nothing to analyze (and gets no statistics table of its own here).
    d.exec("ANALYZE temp");
    expect(d.prepare("SELECT count(*) AS n FROM sqlite_schema").get()).toEqual({ n: 0 });
  });

  it("is an ordinary table that survives reopening, and the stats are loaded", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "db-analyze-"));
    const file = path.join(dir, "a.db");
    try {
      let d = new Database(file);
      d.exec("CREATE TABLE t(a, b); CREATE INDEX ta ON t(a); CREATE INDEX tb ON t(b)");
      d.exec("INSERT INTO t VALUES (1, 1), (2, 1), (3, 1), (4, 2)");
      d.exec("ANALYZE");
      d.close();
      d = new Database(file);
      expect(d.prepare(STAT).all()).toEqual([
        { tbl: "t", idx: "ta", stat: "4 1" },
        { tbl: "t", idx: "tb", stat: "4 2" },
      ]);
      // Hand-edited statistics take effect once the catalog is reloaded (ANALYZE sqlite_master, as SQLite's tests do).
      d.exec("UPDATE sqlite_stat1 SET stat = '1000000 900000' WHERE idx = 'ta'; UPDATE sqlite_stat1 SET stat = '1000000 2' WHERE idx = 'tb'; ANALYZE sqlite_master");
      expect((d.prepare("SELECT * FROM t WHERE a = 1 AND b = 1").all())).toEqual([{ a: 1, b: 1 }]);
      d.exec("DELETE FROM sqlite_stat1");
      expect(d.prepare(STAT).all()).toEqual([]);
      d.exec("DROP TABLE sqlite_stat1");
      d.exec("ANALYZE t");
      expect(d.prepare("SELECT count(*) AS n FROM sqlite_stat1").get()).toEqual({ n: 2 });
      expect(d.pragma("integrity_check", { simple: true })).toBe("ok");
      d.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
