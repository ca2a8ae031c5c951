/**
 * ORDER BY and GROUP BY beyond the sort budget, through the SQL API: a small budget spills to
 * temporary files and returns exactly the rows of a big one; the files are gone after the
 * statement, after an early stop, after an error and after close; an I/O error writing a run is
 * a DbError with code DB_IOERR.
 */
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Database, DbError, MemoryVfs, NodeVfs } from "../src/index.js";
import { FaultVfs } from "@db/vfs";
import { tempDir } from "./helpers.js";

const dirs: string[] = [];
function freshDir(): string {
  const d = tempDir("db-sort-test-");
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const sortFiles = (dir: string) => readdirSync(dir).filter((f) => f.includes("-sort-"));
/** Temporary files the connection holds open (on the Node VFS they are unlinked as soon as opened). */
const live = (db: Database) => db.conn.tempStore.openFiles.length;

/** Fills t with n rows of mixed types: integers, reals, texts of every case, long texts, blobs, NULLs. */
function fill(db: Database, n: number): void {
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, a, b TEXT, c, d BLOB)");
  const ins = db.prepare("INSERT INTO t(a, b, c, d) VALUES (?, ?, ?, ?)");
  const words = ["apple", "Apple", "APPLE ", "banana", "Banana  ", "cherry", "", " x"];
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const k = (i * 7919) % 1009;
      const a = k % 11 === 0 ? null : k % 5 === 0 ? k + 0.5 : k % 7 === 0 ? String(k) : k;
      const b = i % 97 === 0 ? null : i % 501 === 0 ? "L".repeat(3000) + words[i % 8] : words[k % 8]! + (k % 13);
      const c = i % 3 === 0 ? BigInt(k) * 10_000_000_000_000n : i % 3 === 1 ? -k / 3 : null;
      const d = i % 4 === 0 ? Buffer.from([k & 255, (k >> 8) & 255, i & 1]) : null;
      ins.run(a, b, c, d);
    }
  })();
}

const QUERIES = [
  "SELECT * FROM t ORDER BY a, id",
  "SELECT id, b FROM t ORDER BY b COLLATE NOCASE DESC, id",
  "SELECT id, b, c FROM t ORDER BY b COLLATE RTRIM, c DESC",
  "SELECT d, a, id FROM t ORDER BY d DESC, a",
  "SELECT b, count(*), sum(a), min(c), max(d), group_concat(id) FROM t GROUP BY b",
  "SELECT a, c, count(*), total(id) FROM t GROUP BY a, c ORDER BY count(*) DESC, a, c",
  // Few distinct values: the sort stays in memory (DISTINCT's set is an in-memory ephemeral table).
  "SELECT DISTINCT b FROM t ORDER BY b",
];
const SPILLS = (q: string) => !q.includes("DISTINCT");

describe("sorting and grouping beyond the budget", () => {
  it("a file database with a 64 KB budget returns the rows of a 16 MB one, and leaves no temp file", () => {
    const dir = freshDir();
    const path = join(dir, "big.db");
    const big = new Database(path);
    fill(big, 8_000);
    big.close();
    const small = new Database(path, { sortMemoryBytes: 64 * 1024, tempDir: dir });
    const ref = new Database(path, { tempDir: dir });
    for (const q of QUERIES) {
      const want = ref.prepare(q).raw().all();
      // While the first rows come out, the runs are in an open temporary file, already unlinked.
      const it = small.prepare(q).raw().iterate();
      const first = it.next();
      expect(first.done).toBe(false);
      if (SPILLS(q)) expect(live(small), q).toBeGreaterThan(0);
      expect(sortFiles(dir), q).toEqual([]);
      const got = [first.value, ...it];
      expect(got, q).toEqual(want);
      expect(live(small), q).toBe(0);
    }
    ref.close();
    small.close();
    expect(sortFiles(dir)).toEqual([]);
  });

  it("stopping early, closing mid-iteration, and a failing function all delete the temp files", () => {
    const dir = freshDir();
    const db = new Database(join(dir, "stop.db"), { sortMemoryBytes: 32 * 1024, tempDir: dir });
    fill(db, 10_000);
    for (const row of db.prepare("SELECT * FROM t ORDER BY b, id").iterate()) {
      expect(row).toBeDefined();
      expect(live(db)).toBeGreaterThan(0);
      break;
    }
    expect(sortFiles(dir)).toEqual([]);

    let n = 0;
    db.function("boom", (x: unknown) => {
      if (++n === 8_000) throw new Error("boom");
      return x;
    });
    expect(() => db.prepare("SELECT boom(id) FROM t ORDER BY b").all()).toThrow("boom");
    expect(live(db)).toBe(0);
    n = 0;
    expect(() => db.prepare("SELECT b, count(boom(id)) FROM t GROUP BY b, id").all()).toThrow("boom");
    expect(live(db)).toBe(0);

    const it = db.prepare("SELECT * FROM t ORDER BY c, id").iterate();
    it.next();
    expect(live(db)).toBeGreaterThan(0);
    const store = db.conn.tempStore;
    db.close();
    expect(store.openFiles).toEqual([]);
    expect(sortFiles(dir)).toEqual([]);
  });

  it("an I/O error writing a run is DB_IOERR, cleans up, and the next sort works", () => {
    const dir = freshDir();
    const vfs = new FaultVfs(new NodeVfs());
    const db = new Database(join(dir, "fault.db"), { vfs, sortMemoryBytes: 32 * 1024, tempDir: dir });
    fill(db, 5_000);
    const plain = new Database(join(dir, "fault.db"), { tempDir: dir });
    const want = plain.prepare("SELECT * FROM t ORDER BY b, id").raw().all();
    plain.close();
    // Behind a FaultVfs the files are not unlinked on open: visible while the sort runs, gone after.
    const it = db.prepare("SELECT * FROM t ORDER BY b, id").iterate();
    it.next();
    expect(sortFiles(dir).length).toBeGreaterThan(0);
    it.return?.();
    expect(sortFiles(dir)).toEqual([]);
    for (const skip of [0, 3]) {
      vfs.inject({ op: "write", path: "-sort-", skip, times: 1 });
      let err: unknown;
      try {
        db.prepare("SELECT * FROM t ORDER BY b, id").all();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DbError);
      expect((err as DbError).code).toBe("DB_IOERR");
      expect(sortFiles(dir)).toEqual([]);
      expect(db.conn.tempStore.openFiles).toEqual([]);
      expect(db.prepare("SELECT * FROM t ORDER BY b, id").raw().all()).toEqual(want);
    }
    vfs.inject({ op: "read", path: "-sort-", skip: 2, times: 1 });
    expect(() => db.prepare("SELECT b, count(*) FROM t GROUP BY b, id").all()).toThrow(expect.objectContaining({ code: "DB_IOERR" }));
    expect(sortFiles(dir)).toEqual([]);
    db.close();
  });

  it("every sorting and grouping query shape gives the same rows when every row spills (1-byte budget)", () => {
    const tiny = new Database(":memory:", { sortMemoryBytes: 1 });
    const ref = new Database(":memory:");
    for (const d of [tiny, ref]) {
      fill(d, 800);
      d.exec("CREATE TABLE u(x, y); INSERT INTO u SELECT a, b FROM t WHERE id % 3 = 0;");
    }
    const shapes = [
      "SELECT * FROM t ORDER BY a NULLS LAST, b DESC NULLS FIRST, id",
      "SELECT id, a FROM t ORDER BY c DESC, id LIMIT 17 OFFSET 40",
      "SELECT a, b FROM t UNION SELECT x, y FROM u ORDER BY 2, 1",
      "SELECT a FROM t UNION ALL SELECT x FROM u ORDER BY 1 DESC",
      "SELECT id, (SELECT x FROM u WHERE y = t.b ORDER BY x DESC, rowid LIMIT 1 OFFSET 1) FROM t WHERE id < 60 ORDER BY id",
      "SELECT b, a, count(*) FROM t GROUP BY b HAVING count(*) > 3 ORDER BY 3 DESC, 1",
      "SELECT b, id, max(id) FROM t GROUP BY b",
      "SELECT a, count(DISTINCT b), group_concat(id, '/'), avg(c), total(a) FROM t GROUP BY a",
      "SELECT b COLLATE NOCASE, count(*) FROM t GROUP BY 1 ORDER BY 1",
      "SELECT count(*), sum(a) FROM t",
      "SELECT (SELECT count(*) FROM u GROUP BY y HAVING y = t.b), b FROM t WHERE id < 40 ORDER BY id",
      "SELECT t.b, u.x, count(*) FROM t JOIN u ON u.y = t.b GROUP BY t.b, u.x ORDER BY 3 DESC, 1, 2 LIMIT 50",
    ];
    for (const q of shapes) {
      expect(tiny.prepare(q).raw().all(), q).toEqual(ref.prepare(q).raw().all());
      expect(tiny.conn.tempStore.openFiles, q).toEqual([]);
    }
    tiny.close();
    ref.close();
  });

  it("in memory, the runs stay in the memory VFS and are gone after the statement", () => {
    const vfs = new MemoryVfs();
    const db = new Database(":memory:", { sortMemoryBytes: 16 * 1024 });
    const ref = new Database(":memory:", { vfs });
    for (const d of [db, ref]) fill(d, 5_000);
    for (const q of QUERIES) {
      expect(db.prepare(q).raw().all(), q).toEqual(ref.prepare(q).raw().all());
      expect(db.conn.tempStore.openFiles).toEqual([]);
    }
    // The budget can be changed on an open connection.
    db.conn.vm.sort.budgetBytes = 1 << 30;
    const it = db.prepare("SELECT * FROM t ORDER BY b").iterate();
    it.next();
    expect(db.conn.tempStore.openFiles).toEqual([]);
    it.return?.();
    db.close();
    ref.close();
  });
});
