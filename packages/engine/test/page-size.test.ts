/** PRAGMA page_size = N: a new database takes it before its first table, as SQLite (issue 3). */
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MUTATING_OPS, SimCrash, SimVfs, type CrashPolicy } from "@db/vfs/testing";
import { Database } from "../src/index.js";
import { tempDir } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function dbPath(): string {
  const d = tempDir("db-pagesize-");
  dirs.push(d);
  return join(d, "p.db");
}
const size = (db: Database) => db.pragma("page_size", { simple: true });

describe("PRAGMA page_size", () => {
  it("sets every power of two 512..65536 before the first table; data and integrity hold across reopen", () => {
    for (let n = 512; n <= 65536; n *= 2) {
      const f = dbPath();
      let db = new Database(f);
      expect(size(db)).toBe(4096);
      db.pragma(`page_size = ${n}`);
      expect(size(db)).toBe(n);
      db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB, k INTEGER); CREATE INDEX tk ON t(k)");
      const ins = db.prepare("INSERT INTO t(v, k) VALUES (zeroblob(?1), ?1 % 7)");
      db.transaction(() => {
        for (let i = 0; i < 200; i++) ins.run((i * 97) % 3000);
      })();
      db.close();
      db = new Database(f);
      expect(size(db)).toBe(n);
      expect(db.prepare("SELECT count(*) AS c, sum(length(v)) AS s FROM t").get()).toEqual({ c: 200, s: Array.from({ length: 200 }, (_, i) => (i * 97) % 3000).reduce((a, b) => a + b, 0) });
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      db.close();
      expect(statSync(f).size % n).toBe(0);
    }
  });

  it("is ignored once the database has a table, inside BEGIN, after user_version, and for invalid sizes", () => {
    const db = new Database(":memory:");
    for (const bad of [0, 100, 1000, 131072, -4096]) {
      db.pragma(`page_size = ${bad}`);
      expect(size(db)).toBe(4096);
    }
    db.exec("BEGIN");
    db.pragma("page_size = 1024");
    db.exec("COMMIT");
    expect(size(db)).toBe(4096);
    db.exec("CREATE TABLE t(a)");
    db.pragma("page_size = 1024");
    expect(size(db)).toBe(4096);
    db.exec("DROP TABLE t");
    const u = new Database(":memory:");
    u.pragma("user_version = 7");
    u.pragma("page_size = 2048");
    expect(size(u)).toBe(4096);
    expect(u.pragma("user_version", { simple: true })).toBe(7);
  });

  it("can be set again while the database is still empty, and the schema works after it", () => {
    const db = new Database(":memory:");
    db.pragma("page_size = 1024");
    db.pragma("page_size = 16384");
    expect(size(db)).toBe(16384);
    db.exec("CREATE TABLE t(a TEXT); INSERT INTO t VALUES ('x')");
    expect(db.prepare("SELECT a FROM t").pluck().get()).toBe("x");
    expect(db.prepare("SELECT count(*) FROM sqlite_schema").pluck().get()).toBe(1);
    expect(db.pragma("page_count", { simple: true })).toBe(3);
  });
});

describe("PRAGMA page_size under power loss", () => {
  it("a crash at any write or sync of the change leaves a database that opens, at one size or the other", () => {
    const F = "/d/p.db";
    const fresh = () => {
      const vfs = new SimVfs({ seed: 3 });
      new Database(F, { vfs }).close();
      return vfs;
    };
    const change = (vfs: SimVfs) => {
      const db = new Database(F, { vfs });
      db.pragma("page_size = 1024");
      db.exec("BEGIN; CREATE TABLE t(a); INSERT INTO t VALUES (1); COMMIT");
      db.close();
    };
    const probe = fresh();
    const start = probe.opCount(MUTATING_OPS);
    change(probe);
    const points = probe.opCount(MUTATING_OPS) - start;
    expect(points).toBeGreaterThan(4);
    let images = 0;
    for (let at = 1; at <= points; at++) {
      const vfs = fresh();
      vfs.setCrashAt(at, MUTATING_OPS);
      expect(() => change(vfs)).toThrow(SimCrash);
      for (const policy of ["lose-all", "keep-all", "prefix", "random-subset"] as CrashPolicy[]) {
        for (let seed = 1; seed <= 4; seed++) {
          const db = new Database(F, { vfs: vfs.crash(policy, seed, { torn: { sectorSize: 512, mode: "mixed", fraction: 0.5 } }) });
          expect([1024, 4096], `crash at ${at}, ${policy} seed ${seed}`).toContain(size(db));
          expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
          const n = db.prepare("SELECT count(*) FROM sqlite_schema").pluck().get() as number;
          if (n > 0) expect(db.prepare("SELECT a FROM t").pluck().all()).toEqual([1]);
          db.exec("CREATE TABLE IF NOT EXISTS u(b)");
          db.close();
          images++;
        }
      }
    }
    expect(images).toBe(points * 16);
  });
});
