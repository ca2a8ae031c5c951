/** Storage through SQL: VACUUM, space reuse, and the storage pragmas (issue 3). */
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Database, MemoryVfs } from "../src/index.js";
import { tempDir } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function dbPath(): string {
  const d = tempDir("db-storage-");
  dirs.push(d);
  return join(d, "s.db");
}

function fill(db: Database, from: number, to: number): void {
  const ins = db.prepare("INSERT INTO t(id, name, v) VALUES (?, ?, ?)");
  db.exec("BEGIN");
  for (let i = from; i < to; i++) ins.run(i, `name ${i}`, "x".repeat(40 + (i % 30)));
  db.exec("COMMIT");
}

describe("storage pragmas", () => {
  it("page_size, page_count, freelist_count, cache_size", () => {
    const db = new Database(":memory:", { vfs: new MemoryVfs(), pageSize: 8192 } as never);
    expect(db.pragma("page_size", { simple: true })).toBe(8192);
    expect(db.pragma("page_count", { simple: true })).toBe(2); // header + schema table
    expect(db.pragma("freelist_count", { simple: true })).toBe(0);
    expect(db.pragma("cache_size", { simple: true })).toBeGreaterThan(0); // the connection's default, in pages
    db.pragma("cache_size = -1024");
    expect(db.pragma("cache_size", { simple: true })).toBe(-1024);
    db.pragma("cache_size = 50");
    expect(db.pragma("cache_size", { simple: true })).toBe(50);
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v TEXT)");
    fill(db, 0, 3000); // works through a 50-page cache
    expect(db.prepare("SELECT count(*) FROM t").pluck().get()).toBe(3000);
    const pages = db.pragma("page_count", { simple: true }) as number;
    db.exec("DELETE FROM t WHERE id < 2000");
    expect(db.pragma("freelist_count", { simple: true })).toBeGreaterThan(0);
    expect(db.pragma("page_count", { simple: true })).toBe(pages);
    db.close();
  });
});

describe("VACUUM", () => {
  it("after deleting everything brings the file back to a few pages; data and indexes survive", () => {
    const path = dbPath();
    let db = new Database(path);
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v TEXT)");
    db.exec("CREATE INDEX t_name ON t(name)");
    db.exec("CREATE TABLE keep(k TEXT PRIMARY KEY, n INT)");
    db.exec("INSERT INTO keep VALUES ('a', 1), ('b', 2)");
    fill(db, 0, 20_000);
    db.close();
    const full = statSync(path).size;
    db = new Database(path);
    db.exec("DELETE FROM t");
    db.exec("VACUUM");
    const pages = db.pragma("page_count", { simple: true }) as number;
    expect(pages).toBeLessThanOrEqual(8); // header, schema, t, t_name, keep + its index
    expect(db.pragma("freelist_count", { simple: true })).toBe(0);
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(db.prepare("SELECT n FROM keep WHERE k = 'b'").pluck().get()).toBe(2);
    db.close();
    const small = statSync(path).size;
    expect(small).toBe(pages * 4096);
    expect(small).toBeLessThan(full / 50);
    // The schema (with moved root pages) is read back correctly; tables and indexes work.
    db = new Database(path);
    fill(db, 0, 100);
    expect(db.prepare("SELECT id FROM t WHERE name = 'name 42'").pluck().get()).toBe(42);
    expect(db.prepare("SELECT count(*) FROM keep").pluck().get()).toBe(2);
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
  });

  it("compacts a fragmented database, keeping every row, and shrinks it", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT)");
    db.exec("CREATE TABLE b(id INTEGER PRIMARY KEY, v TEXT)");
    db.exec("CREATE INDEX b_v ON b(v)");
    const ia = db.prepare("INSERT INTO a VALUES (?, ?)");
    const ib = db.prepare("INSERT INTO b VALUES (?, ?)");
    db.exec("BEGIN");
    for (let i = 0; i < 6000; i++) {
      ia.run(i, `a${i}`.repeat(10));
      ib.run(i, `b${(i * 7919) % 6000}`.padEnd(300, "."));
    }
    db.exec("COMMIT");
    db.exec("DELETE FROM a WHERE id % 3 <> 0");
    db.exec("DELETE FROM b WHERE id % 2 = 0");
    db.exec("DROP TABLE IF EXISTS zzz");
    const before = db.pragma("page_count", { simple: true }) as number;
    const sumA = db.prepare("SELECT sum(length(v)), count(*) FROM a").raw().get();
    const sumB = db.prepare("SELECT group_concat(v, ',') FROM (SELECT v FROM b ORDER BY v)").pluck().get();
    db.exec("VACUUM");
    const after = db.pragma("page_count", { simple: true }) as number;
    expect(after).toBeLessThan(before * 0.6);
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(db.prepare("SELECT sum(length(v)), count(*) FROM a").raw().get()).toEqual(sumA);
    expect(db.prepare("SELECT group_concat(v, ',') FROM (SELECT v FROM b ORDER BY v)").pluck().get()).toBe(sumB);
    expect(db.prepare("SELECT id FROM b WHERE v = ?").pluck().get(`b${(1 * 7919) % 6000}`.padEnd(300, "."))).toBe(1);
    // A second VACUUM has nothing to gain.
    db.exec("VACUUM");
    expect(db.pragma("page_count", { simple: true })).toBe(after);
    db.close();
  });

  it("is refused inside a transaction", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t(x)");
    db.exec("BEGIN");
    expect(() => db.exec("VACUUM")).toThrow(/within a transaction/);
    db.exec("ROLLBACK");
    db.exec("VACUUM");
    db.close();
  });
});

describe("space reuse", () => {
  it("insert 200,000 rows, delete the first 100,000, insert 100,000 new: the file grows < 10%", () => {
    const path = dbPath();
    const db = new Database(path);
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v TEXT)");
    fill(db, 0, 200_000);
    const pages1 = db.pragma("page_count", { simple: true }) as number;
    db.exec("DELETE FROM t WHERE id < 100000");
    fill(db, 200_000, 300_000);
    const pages2 = db.pragma("page_count", { simple: true }) as number;
    expect(db.prepare("SELECT count(*) FROM t").pluck().get()).toBe(200_000);
    db.close();
    console.log(`space reuse: ${pages1} pages -> ${pages2} pages (+${(((pages2 - pages1) / pages1) * 100).toFixed(1)}%)`);
    expect(pages2 / pages1).toBeLessThan(1.1);
    expect(statSync(path).size).toBe(pages2 * 4096);
  });
});
