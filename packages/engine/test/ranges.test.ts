/**
 * Range access paths (rowid and index ranges, BETWEEN, mixed types, NULLs) give exactly the rows
 * real SQLite gives. Seeded; the seed is printed on failure.
 */
import initSqlJs from "sql.js";
import { describe, expect, it } from "vitest";
import { Database } from "../src/index.js";
import { prng } from "./helpers.js";

describe("range scans match SQLite", () => {
  it("over rowid, numeric, text and mixed indexed columns", async () => {
    const SQL = await initSqlJs();
    const seed = Number(process.env.RANGE_SEED ?? 1234);
    const rnd = prng(seed);
    const pick = <T,>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const schema = [
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c, d REAL)",
      "CREATE INDEX ta ON t(a)",
      "CREATE INDEX tb ON t(b)",
      "CREATE INDEX tc ON t(c)",
      "CREATE INDEX tad ON t(a, d)",
    ];
    const ours = new Database(":memory:");
    const theirs = new SQL.Database();
    for (const s of schema) {
      ours.exec(s);
      theirs.exec(s);
    }
    const lit = () =>
      pick([
        () => String(Math.floor(rnd() * 40) - 10),
        () => (rnd() * 40 - 10).toFixed(2),
        () => `'${String.fromCharCode(97 + Math.floor(rnd() * 6))}${Math.floor(rnd() * 10)}'`,
        () => `'${Math.floor(rnd() * 30)}'`,
        () => "NULL",
      ])();
    for (let i = 1; i <= 300; i++) {
      const sql = `INSERT INTO t VALUES (${i * 2}, ${pick([lit(), String(Math.floor(rnd() * 30))])}, ${lit()}, ${lit()}, ${lit()})`;
      ours.exec(sql);
      theirs.exec(sql);
    }
    const cols = ["id", "a", "b", "c", "d", "rowid"];
    const ops = ["<", "<=", ">", ">="];
    for (let q = 0; q < 400; q++) {
      const col = pick(cols);
      let where: string;
      const r = rnd();
      if (r < 0.3) where = `${col} ${pick(ops)} ${lit()}`;
      else if (r < 0.5) where = `${lit()} ${pick(ops)} ${col}`;
      else if (r < 0.7) where = `${col} ${pick([">", ">="])} ${lit()} AND ${col} ${pick(["<", "<="])} ${lit()}`;
      else if (r < 0.85) where = `${col} BETWEEN ${lit()} AND ${lit()}`;
      else where = `a = ${Math.floor(rnd() * 30)} AND d ${pick(ops)} ${lit()}`;
      const sql = `SELECT id FROM t WHERE ${where} ORDER BY id`;
      const got = ours.prepare(sql).pluck().all();
      const res = theirs.exec(sql);
      const want = res.length ? res[0]!.values.map((v) => v[0]) : [];
      expect(got, `seed ${seed}: ${sql}`).toEqual(want);
    }
    // Covering reads (index record only) under LEFT JOIN and aggregates.
    for (let q = 0; q < 100; q++) {
      const v = lit();
      const sqls = [
        `SELECT x.id, y.b FROM t x LEFT JOIN t y ON y.b = x.b AND y.b > ${v} ORDER BY x.id, y.id`,
        `SELECT a, count(*), min(d), max(id) FROM t WHERE a > ${v} GROUP BY a ORDER BY a`,
        `SELECT DISTINCT c FROM t WHERE c >= ${v} ORDER BY c`,
      ];
      for (const sql of sqls) {
        const got = ours.prepare(sql).raw().all();
        const res = theirs.exec(sql);
        const want = res.length ? res[0]!.values : [];
        expect(got, `seed ${seed}: ${sql}`).toEqual(want);
      }
    }
    // min/max read one end of an index.
    for (const sql of ["SELECT min(a) FROM t", "SELECT max(a) FROM t", "SELECT min(b) FROM t", "SELECT max(c) FROM t", "SELECT max(id) FROM t", "SELECT min(rowid) FROM t", "SELECT max(d) FROM t", "SELECT max(a) AS m FROM t ORDER BY 1"]) {
      const got = ours.prepare(sql).raw().all();
      const res = theirs.exec(sql);
      expect(got, sql).toEqual(res[0]!.values);
    }
    // IN lists drive seeks on the rowid and on indexes.
    for (let q = 0; q < 200; q++) {
      const col = pick(["id", "a", "b", "c", "rowid"]);
      const list = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => (rnd() < 0.5 ? lit() : String(Math.floor(rnd() * 600)))).join(", ");
      const extra = rnd() < 0.3 ? ` AND d ${pick(ops)} ${lit()}` : "";
      const sql = `SELECT id FROM t WHERE ${col} IN (${list})${extra} ORDER BY id`;
      const got = ours.prepare(sql).pluck().all();
      const res = theirs.exec(sql);
      const want = res.length ? res[0]!.values.map((v) => v[0]) : [];
      expect(got, `seed ${seed}: ${sql}`).toEqual(want);
    }
    // ORDER BY served by scan order (rowid or index), with LIMIT stopping early.
    for (let q = 0; q < 300; q++) {
      const col = pick(["id", "a", "b", "c", "rowid"]);
      const dir = pick(["", " DESC", " ASC"]);
      const where = rnd() < 0.5 ? "" : pick([` WHERE a = ${Math.floor(rnd() * 30)}`, ` WHERE ${col} > ${lit()}`, ` WHERE id < ${Math.floor(rnd() * 600)}`]);
      const limit = rnd() < 0.5 ? "" : ` LIMIT ${Math.floor(rnd() * 20)}${rnd() < 0.3 ? ` OFFSET ${Math.floor(rnd() * 5)}` : ""}`;
      const sql = `SELECT ${col} FROM t${where} ORDER BY ${col}${dir}${limit}`;
      const got = ours.prepare(sql).pluck().all();
      const res = theirs.exec(sql);
      const want = res.length ? res[0]!.values.map((v) => v[0]) : [];
      expect(got, `seed ${seed}: ${sql}`).toEqual(want);
    }
    const plan = (sql: string) => (ours.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((p) => p.detail);
    expect(plan("SELECT * FROM t WHERE id > 10 AND id <= 20")).toEqual(["SEARCH t USING INTEGER PRIMARY KEY (rowid>? AND rowid<=?)"]);
    expect(plan("SELECT * FROM t WHERE a BETWEEN 3 AND 5")[0]).toMatch(/^SEARCH t USING INDEX (ta|tad) \(a>=\? AND a<=\?\)$/);
    expect(plan("SELECT * FROM t WHERE a = 3 AND d > 1")).toEqual(["SEARCH t USING INDEX tad (a=? AND d>?)"]);
    expect(plan("SELECT * FROM t ORDER BY id DESC LIMIT 3")).toEqual(["SCAN t"]);
    expect(plan("SELECT * FROM t ORDER BY b LIMIT 3")).toEqual(["SCAN t USING INDEX tb"]);
    expect(plan("SELECT * FROM t WHERE a = 4 ORDER BY d DESC")).toEqual(["SEARCH t USING INDEX tad (a=?)"]);
    expect(plan("SELECT * FROM t WHERE id IN (1, 2, 3)")).toEqual(["SEARCH t USING INTEGER PRIMARY KEY (rowid IN (...))"]);
    expect(plan("SELECT b, id FROM t WHERE b > 'c'")).toEqual(["SEARCH t USING COVERING INDEX tb (b>?)"]);
    expect(plan("SELECT count(*) FROM t WHERE a = 3 AND d < 2")).toEqual(["SEARCH t USING COVERING INDEX tad (a=? AND d<?)"]);
    expect(plan("SELECT * FROM t WHERE b IN ('a1', 'b2')")).toEqual(["SEARCH t USING INDEX tb (b IN (...))"]);
    expect(plan("SELECT max(b) FROM t")).toEqual(["SCAN t USING COVERING INDEX tb"]);
    expect(plan("SELECT * FROM t ORDER BY length(b)")).toEqual(["SCAN t", "USE TEMP B-TREE FOR ORDER BY"]);
    theirs.close();
  });
});
