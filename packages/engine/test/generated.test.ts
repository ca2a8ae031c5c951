/**
 * Generated columns (SQLite gencol.html) give SQLite's values and errors (sql.js): VIRTUAL and
 * STORED columns, columns reading other generated columns, affinity and collation, indexes and
 * UNIQUE on generated columns, triggers, upserts, RETURNING, joins and ALTER TABLE ADD COLUMN.
 * The random part is seeded (GENCOL_SEED, printed on failure).
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "../src/index.js";
import { bothRows, expectSame, seededPair } from "./helpers.js";

describe("generated columns match SQLite", () => {
  it("refuses what SQLite refuses, with its messages", async () => {
    const { ours, theirs, run } = await seededPair("GENCOL_SEED", 1);
    run("CREATE TABLE g(a INTEGER, b AS (a * 2), c TEXT AS (upper(a || 'x')) STORED)");
    run("INSERT INTO g(a) VALUES (1)");
    const cases = [
      "CREATE TABLE x(a, b AS (c), c AS (b))",
      "CREATE TABLE x(a, b AS (c + 1), c AS (d + 1), d AS (b + a))",
      "CREATE TABLE x(a, b AS (b))",
      "CREATE TABLE x(a, b AS (random()))",
      "CREATE TABLE x(a, b AS ((SELECT 1)))",
      "CREATE TABLE x(a, b AS (a IN (SELECT 1)))",
      "CREATE TABLE x(a, b AS (count(a)))",
      "CREATE TABLE x(a, b AS (row_number() OVER ()))",
      "CREATE TABLE x(a, b AS (?))",
      "CREATE TABLE x(a, b AS (x.a))",
      "CREATE TABLE x(a, b AS (rowid))",
      "CREATE TABLE x(a, b AS (nosuch))",
      "CREATE TABLE x(a, b AS (nosuchfn(a)))",
      "CREATE TABLE x(a, b AS (a) DEFAULT 5)",
      "CREATE TABLE x(a, b INTEGER PRIMARY KEY AS (a))",
      "CREATE TABLE x(a, b AS (a), PRIMARY KEY (a, b))",
      "CREATE TABLE x(b AS (1))",
      "INSERT INTO g VALUES (1, 2)",
      "INSERT INTO g(a, b) VALUES (1, 2)",
      "UPDATE g SET c = 1",
      "ALTER TABLE g ADD COLUMN d AS (a) STORED",
    ];
    expectSame(ours, theirs, cases, true);
  });

  it("keep SQLite's values over random writes, indexes and queries", async () => {
    const { seed, rnd, pick, ours, theirs, run } = await seededPair("GENCOL_SEED", 2611225);
    run(
      "CREATE TABLE g(k INTEGER PRIMARY KEY, a, b TEXT, v1 AS (a * 2), s1 INT AS (b || a) STORED, " +
        "v2 AS (coalesce(v1, 0) + length(s1)) VIRTUAL, v3 TEXT AS (lower(b)) COLLATE NOCASE, " +
        "s2 REAL GENERATED ALWAYS AS (v2 / 2) STORED CHECK (s2 IS NULL OR s2 < 1000))",
    );
    run("CREATE INDEX gv1 ON g(v1)");
    run("CREATE INDEX gv3 ON g(v3, a)");
    run("CREATE TABLE o(x, y AS (x % 3))");
    run("CREATE TABLE log(what, k, val)");
    run("CREATE TRIGGER gu AFTER UPDATE ON g BEGIN INSERT INTO log VALUES ('u', old.v2, new.v2); END");
    run("CREATE TRIGGER gd BEFORE DELETE ON g BEGIN INSERT INTO log VALUES ('d', old.k, old.s2); END");
    const num = () => pick(["NULL", "0", "1", "2", "5", "'3'", "'x'", "1.5", "400", "-2"]);
    const txt = () => pick(["NULL", "'A'", "'a'", "'Bc'", "'bC'", "'7'", "''", "'zz'"]);
    const gcol = () => pick(["v1", "s1", "v2", "v3", "s2"]);
    const queries = [
      () => "SELECT * FROM g ORDER BY k",
      () => `SELECT k, ${gcol()}, typeof(${gcol()}) FROM g WHERE ${gcol()} ${pick(["=", ">", "<", "IS"])} ${num()} ORDER BY k`,
      () => `SELECT v1, count(*) FROM g WHERE v1 > ${num()} GROUP BY v1 ORDER BY v1`,
      () => `SELECT k FROM g WHERE v3 = ${txt()} ORDER BY k`,
      () => "SELECT v3, count(*), sum(v2) FROM g GROUP BY v3 ORDER BY v3, 2",
      () => "SELECT g.k, o.x, o.y FROM g JOIN o ON o.y = g.v1 % 3 ORDER BY 1, 2",
      () => "SELECT g.k, o.y FROM o LEFT JOIN g ON g.v1 = o.x ORDER BY 1, 2",
      // Rows an UPDATE or DELETE visits come in plan order: compared as a set.
      () => "SELECT * FROM log ORDER BY 1, 2, 3",
    ];
    const writes = [
      () => `INSERT INTO g(a, b) VALUES (${num()}, ${txt()})`,
      () => `INSERT INTO g(k, a, b) VALUES (${1 + Math.floor(rnd() * 12)}, ${num()}, ${txt()})`,
      () => `INSERT OR REPLACE INTO g(k, a, b) VALUES (${1 + Math.floor(rnd() * 12)}, ${num()}, ${txt()})`,
      () => `INSERT INTO g(k, a, b) VALUES (${1 + Math.floor(rnd() * 12)}, ${num()}, ${txt()}) ON CONFLICT(k) DO UPDATE SET a = excluded.v1, b = excluded.v3`,
      () => `UPDATE g SET a = ${pick(["a + 1", num(), "v1", "s2"])} WHERE ${gcol()} > ${num()}`,
      () => `UPDATE g SET b = ${pick(["upper(b)", txt(), "s1"])} WHERE k % 2 = ${Math.floor(rnd() * 2)} RETURNING k, v2, s1`,
      () => `DELETE FROM g WHERE ${gcol()} = ${num()}`,
      () => `INSERT INTO o(x) VALUES (${num()})`,
    ];
    for (let step = 0; step < 300; step++) {
      if (step === 150) run("ALTER TABLE g ADD COLUMN v4 AS (k * 10 + length(v3))");
      const sql = rnd() < 0.5 ? pick(writes)() : pick(queries)();
      const { got, want } = bothRows(ours, theirs, sql);
      expect(got, `seed ${seed}, step ${step}: ${sql}`).toEqual(want);
    }
    const { got, want } = bothRows(ours, theirs, "SELECT * FROM g ORDER BY k");
    expect(got, `seed ${seed}`).toEqual(want);
    expect(ours.prepare("PRAGMA integrity_check").pluck().get()).toBe("ok");
  });

  it("computes VIRTUAL columns on read and keeps STORED ones in the file across reopen", () => {
    const dir = mkdtempSync(join(tmpdir(), "db-gencol-"));
    try {
      const file = join(dir, "g.db");
      let db = new Database(file);
      db.exec("CREATE TABLE t(a, b)");
      db.exec("INSERT INTO t VALUES (1, 'x'), (2, 'y')");
      // Rows written before the column existed: a VIRTUAL column is computed from them.
      db.exec("ALTER TABLE t ADD COLUMN v AS ((a * 100) || b)");
      db.exec("CREATE TABLE s(a, st AS (a + 1) STORED, vt AS (st * 2))");
      db.exec("INSERT INTO s(a) VALUES (1), (5)");
      db.close();
      db = new Database(file);
      expect(db.prepare("SELECT v FROM t ORDER BY a").raw().all()).toEqual([["100x"], ["200y"]]);
      expect(db.prepare("SELECT a, st, vt FROM s ORDER BY a").raw().all()).toEqual([
        [1, 2, 4],
        [5, 6, 12],
      ]);
      const xinfo = db.prepare("PRAGMA table_xinfo(s)").raw().all() as unknown[][];
      expect(xinfo.map((r) => [r[0], r[1], r[6]])).toEqual([
        [0, "a", 0],
        [1, "st", 3],
        [2, "vt", 2],
      ]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
