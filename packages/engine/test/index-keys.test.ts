/**
 * Index entries in the compact key format (packages/vm/FORMAT.md, ADR 0006): seeks, ranges, IN
 * lists and covering reads over integers, reals, integers beyond 2^53, -0.0 and NOCASE text give
 * exactly SQLite's rows (sql.js), key-only entries read back their exact values and types, and
 * an INTEGER index is small.
 */
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { describe, expect, it } from "vitest";
import { Database } from "../src/index.js";
import { caught, tempDir } from "./helpers.js";

/** Literals whose encodings differ in length, class or exactness. */
const NUMBERS = [
  "0", "-0.0", "0.0", "1", "-1", "2", "2.0", "2.5", "-2.5", "0.5", "-0.5", "127", "128", "-128", "255", "256",
  "1000000", "-1000000", "3.14159", "-1e-300", "1e-300", "4503599627370495.5",
  "9007199254740991", "9007199254740992", "9007199254740993", "9007199254740992.0", "9007199254740994.0",
  "9223372036854775807", "-9223372036854775808", "-9223372036854775807", "9223372036854775808.0", "-9223372036854775808.0",
  "1e300", "-1e300", "9e999", "-9e999",
];
const OTHERS = ["NULL", "'abc'", "'ABC'", "'Abc '", "'abc'", "x'00ff'", "x''", "''"];

describe("index keys match SQLite", () => {
  it("seeks, ranges, IN lists and ORDER BY over mixed numbers, text and blobs", async () => {
    const SQL = await initSqlJs();
    const schemas: [string, string[]][] = [
      ["c", ["CREATE TABLE t(id INTEGER PRIMARY KEY, c)", "CREATE INDEX tc ON t(c)"]],
      ["c", ["CREATE TABLE t(id INTEGER PRIMARY KEY, c REAL)", "CREATE INDEX tc ON t(c DESC)"]],
      ["c", ["CREATE TABLE t(id INTEGER PRIMARY KEY, c INTEGER, d TEXT COLLATE NOCASE)", "CREATE INDEX tc ON t(c, d)"]],
      ["c", ["CREATE TABLE t(id INTEGER PRIMARY KEY, c NUMERIC)", "CREATE UNIQUE INDEX tc ON t(c, id)"]],
    ];
    for (const [col, schema] of schemas) {
      const ours = new Database(":memory:");
      const theirs = new SQL.Database();
      for (const s of schema) {
        ours.exec(s);
        theirs.exec(s);
      }
      const values = [...NUMBERS, ...OTHERS];
      const hasD = schema[0]!.includes(" d ");
      values.forEach((v, i) => {
        const sql = hasD ? `INSERT INTO t(id, c, d) VALUES (${i + 1}, ${v}, ${OTHERS[i % OTHERS.length]})` : `INSERT INTO t(id, c) VALUES (${i + 1}, ${v})`;
        ours.exec(sql);
        theirs.exec(sql);
      });
      const out = `id, quote(${col}), typeof(${col})${hasD ? ", quote(d)" : ""}`;
      const queries: string[] = [`SELECT ${out} FROM t ORDER BY ${col}, id`, `SELECT ${out} FROM t ORDER BY ${col} DESC, id DESC`];
      for (const v of values) {
        queries.push(`SELECT ${out} FROM t WHERE ${col} = ${v} ORDER BY id`);
        queries.push(`SELECT ${out} FROM t WHERE ${col} > ${v} ORDER BY ${col}, id`);
        queries.push(`SELECT ${out} FROM t WHERE ${col} <= ${v} ORDER BY ${col} DESC, id`);
        queries.push(`SELECT quote(${col}), typeof(${col}) FROM t WHERE ${col} >= ${v} AND ${col} < 300 ORDER BY ${col}`);
      }
      queries.push(`SELECT ${out} FROM t WHERE ${col} IN (2, 9007199254740993, -9223372036854775807, -0.0, 2.5, 'abc') ORDER BY id`);
      queries.push(`SELECT ${out} FROM t WHERE ${col} BETWEEN 9007199254740992 AND 9007199254740993 ORDER BY id`);
      if (hasD) {
        queries.push(`SELECT ${out} FROM t WHERE c = 2 AND d = 'ABC' ORDER BY id`);
        queries.push(`SELECT ${out} FROM t WHERE c >= 0 AND c < 3 AND d IS NOT NULL ORDER BY c, d, id`);
      }
      for (const q of queries) {
        const mine = ours.prepare(q).raw().all();
        const want = theirs.exec(q)[0]?.values ?? [];
        expect(mine, `${schema.join("; ")}: ${q}`).toEqual(want);
      }
      // The queries above were answered from the index.
      const plan = ours.prepare(`EXPLAIN QUERY PLAN SELECT id FROM t WHERE ${col} = 2`).raw().all().map((r) => (r as unknown[])[3]);
      expect(plan.join(" ")).toMatch(/USING (COVERING )?INDEX tc/);
      ours.close();
      theirs.close();
    }
  });

  it("reads back exact values and types from key-only and recorded entries (covering index)", () => {
    const db = new Database(":memory:");
    // Integers come back as bigints, so that 2^53 + 1 is exact.
    const q = (sql: string) => db.prepare(sql).safeIntegers();
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, c, n TEXT COLLATE NOCASE, r TEXT COLLATE RTRIM)");
    db.exec("CREATE INDEX tc ON t(c)");
    db.exec("CREATE INDEX tn ON t(n DESC, r)");
    const rows: [unknown, string, string][] = [
      [2n, "Abc", "x  "],
      [2.5, "abc", "x"],
      [-0.0, "ß", "y"],
      [9007199254740993n, "", ""],
      [-9223372036854775808n, "\0a", " "],
      [1e300, "\uFEFFbom", "z"],
      [Buffer.from([0, 1, 255]), "A\0B", "q"],
    ];
    const ins = db.prepare("INSERT INTO t(c, n, r) VALUES (?, ?, ?)");
    for (const r of rows) ins.run(...r);
    db.exec("INSERT INTO t(c, n, r) VALUES (2.0, 'a', 'b'), (-0.0, 'c', 'd'), (NULL, NULL, NULL)");
    const viaIndex = q("SELECT id, c, typeof(c) FROM t INDEXED BY tc WHERE c IS NOT NULL OR c IS NULL ORDER BY c, id").raw().all();
    const viaTable = q("SELECT id, c, typeof(c) FROM t NOT INDEXED ORDER BY c, id").raw().all();
    expect(viaIndex).toEqual(viaTable);
    const textIndex = q("SELECT id, n, r, length(n) FROM t INDEXED BY tn ORDER BY n DESC, r, id").raw().all();
    const textTable = q("SELECT id, n, r, length(n) FROM t NOT INDEXED ORDER BY n DESC, r, id").raw().all();
    expect(textIndex).toEqual(textTable);
    expect(q("SELECT n FROM t WHERE n = 'ABC' ORDER BY id").pluck().all()).toEqual(["Abc", "abc"]);
    expect(q("SELECT id FROM t WHERE r = 'x' ORDER BY id").pluck().all()).toEqual([1n, 2n]);
    expect(q("SELECT count(*) FROM t WHERE c = 2").pluck().get()).toBe(2n); // 2 and 2.0
    expect(q("SELECT c FROM t WHERE c = 9007199254740993").pluck().all()).toEqual([9007199254740993n]);
    expect(q("SELECT c FROM t WHERE c = 9007199254740992.0").pluck().all()).toEqual([]);
    expect(q("SELECT c FROM t WHERE c > 9007199254740992.0 AND c < 1e19").pluck().all()).toEqual([9007199254740993n]);
    expect(q("SELECT typeof(c) FROM t WHERE c = 0 ORDER BY id").pluck().all()).toEqual(["real", "real"]);
    expect(q("PRAGMA integrity_check").pluck().get()).toBe("ok");
    db.exec("ANALYZE");
    expect(q("SELECT stat FROM sqlite_stat1 WHERE idx = 'tc'").pluck().get()).toBe("10 2");
    // Deleting and updating find the entries by key, recorded or key-only.
    db.exec("UPDATE t SET c = c + 1 WHERE typeof(c) <> 'blob'");
    db.exec("DELETE FROM t WHERE c > 2");
    expect(q("SELECT id, c FROM t INDEXED BY tc WHERE c IS NOT NULL ORDER BY c, id").raw().all()).toEqual(
      q("SELECT id, c FROM t NOT INDEXED WHERE c IS NOT NULL ORDER BY c, id").raw().all(),
    );
    db.close();
  });

  it("a REAL column holding -2^63 is not found by the integer -9223372036854775807 (was a known difference)", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t2(c0 REAL UNIQUE)");
    db.exec("INSERT INTO t2(c0) VALUES (-9223372036854775807)");
    expect(db.prepare("SELECT NULL FROM t2 AS a1 WHERE (a1.c0 IN (-9223372036854775807))").all()).toEqual([]);
    expect(db.prepare("SELECT count(*) FROM t2 WHERE c0 = -9223372036854775807").pluck().get()).toBe(0);
    expect(db.prepare("SELECT count(*) FROM t2 WHERE c0 = -9223372036854775808").pluck().get()).toBe(1);
    expect(db.prepare("SELECT count(*) FROM t2 WHERE c0 IN (-9223372036854775808)").pluck().get()).toBe(1);
    db.close();
  });

  it("an index on an INTEGER column takes about 10 bytes an entry", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, score INTEGER)");
    const ins = db.prepare("INSERT INTO t(id, score) VALUES (?, ?)");
    const n = 50_000;
    db.transaction(() => {
      for (let i = 1; i <= n; i++) ins.run(i, (i * 7919) % 5000);
    })();
    const before = db.prepare("PRAGMA page_count").pluck().get() as number;
    db.exec("CREATE INDEX ts ON t(score)");
    const pages = (db.prepare("PRAGMA page_count").pluck().get() as number) - before;
    const pageSize = db.prepare("PRAGMA page_size").pluck().get() as number;
    // Key 3 + 4 bytes (score, rowid), empty value, cell overhead: 50,000 entries fit in ~150
    // pages of 4 KiB; with a record in every entry (format version 1) they took ~420.
    expect((pages * pageSize) / n).toBeLessThan(14);
    db.close();
  });

  it("a file of format version 1 (the previous index format) is refused with DB_NOTADB", () => {
    const dir = tempDir();
    const path = join(dir, "old.db");
    const db = new Database(path);
    db.exec("CREATE TABLE t(x); CREATE INDEX tx ON t(x); INSERT INTO t VALUES (1)");
    db.close();
    const bytes = readFileSync(path);
    expect(bytes.readUInt32BE(16)).toBe(2);
    bytes.writeUInt32BE(1, 16);
    writeFileSync(path, bytes);
    const err = caught(() => new Database(path).prepare("SELECT * FROM t").all());
    expect(err.code).toBe("DB_NOTADB");
    expect(err.message).toMatch(/unsupported database format version 1/);
  });
});
