/**
 * The ten known durability bugs of the reliability regimen (../shared/guide/TESTING.md), each
 * reproduced against the whole stack on a SimVfs. Each test names the original bug.
 */
import { describe, expect, it } from "vitest";
import { Database, DbError } from "../../src/index.js";
import { MUTATING_OPS, SimCrash, SimVfs } from "@db/vfs/testing";
import { DB, dump, integrity } from "./harness.js";

function open(vfs: SimVfs, pageSize = 1024): Database {
  return new Database(DB, { vfs, pageSize });
}

function rows(db: Database, table = "t"): unknown[][] {
  return db.prepare(`SELECT * FROM ${table} ORDER BY 1`).raw().all() as unknown[][];
}

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (!(e instanceof DbError)) throw e;
    return e.code;
  }
}

/** A database with table t(k, v) and `n` acknowledged single-row commits. */
function withCommits(n: number, vfs = new SimVfs()): { vfs: SimVfs; db: Database } {
  const db = open(vfs);
  db.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)");
  const ins = db.prepare("INSERT INTO t VALUES (?, ?)");
  for (let i = 1; i <= n; i++) ins.run(i, `value-${i}-${"x".repeat(50)}`);
  return { vfs, db };
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => [i + 1, `value-${i + 1}-${"x".repeat(50)}`]);

describe("known bugs as regression tests", () => {
  it("1. a torn or zero-filled log tail never returns a corrupt value (LevelDB #251)", () => {
    for (const mode of ["zero", "garbage", "mixed"] as const) {
      for (let seed = 0; seed < 40; seed++) {
        const { vfs, db } = withCommits(6);
        db.pragma("synchronous = OFF"); // the seventh commit stays in the cache: the tail
        db.prepare("INSERT INTO t VALUES (7, ?)").run("y".repeat(3000));
        const image = vfs.crash("prefix", seed, { torn: { sectorSize: 512, mode }, growGarbage: true });
        const again = open(image);
        const got = rows(again);
        expect(got.slice(0, 6)).toEqual(expected(6));
        if (got.length === 7) expect(got[6]).toEqual([7, "y".repeat(3000)]);
        expect(got.length).toBeLessThanOrEqual(7);
        expect(integrity(again)).toBe("ok");
      }
    }
  });

  it("2. a later commit never survives while an earlier one is lost, across a WAL reset (LevelDB #193)", () => {
    for (let seed = 0; seed < 60; seed++) {
      const { vfs, db } = withCommits(3);
      db.pragma("synchronous = NORMAL");
      db.prepare("INSERT INTO t VALUES (4, 'before the checkpoint')").run();
      db.pragma("wal_checkpoint(RESTART)"); // a new WAL generation
      db.prepare("INSERT INTO t VALUES (5, 'after the reset')").run();
      const again = open(vfs.crash("random-subset", seed, { torn: { sectorSize: 512, mode: "mixed" }, growGarbage: true }));
      const keys = rows(again).map((r) => r[0]);
      if (keys.includes(5)) expect(keys).toContain(4);
      expect(keys.slice(0, 4)).toEqual([1, 2, 3, 4]); // the checkpoint made 4 durable
      expect(integrity(again)).toBe("ok");
    }
  });

  it("3. a new database does not vanish: the directory is synced after creating it and its WAL (LevelDB #196)", () => {
    const { vfs } = withCommits(1);
    const image = vfs.crash("lose-all");
    expect(image.exists(DB)).toBe(true);
    expect(image.exists(`${DB}-wal`)).toBe(true);
    expect(rows(open(image))).toEqual(expected(1));
  });

  it("4. a torn header page in the db file does not leave a database that only opens read-only (LMDB)", () => {
    // Cut the power after a checkpoint wrote the db file (header page included) but before it
    // synced it: the header sector is torn; the WAL, not yet reset, still has every page.
    const base = withCommits(5).vfs.crash("keep-all");
    for (let seed = 0; seed < 8; seed++) {
      const vfs = base.crash("keep-all");
      vfs.setOnOp((op) => {
        if (op.op === "sync" && op.path === DB) throw new SimCrash();
      });
      try {
        open(vfs).pragma("wal_checkpoint(TRUNCATE)");
      } catch (e) {
        if (!(e instanceof SimCrash)) throw e;
      }
      const image = vfs.crash("keep-all", seed, { torn: { sectorSize: 512, mode: seed % 2 ? "garbage" : "zero", fraction: 1 } });
      expect(image.snapshot(DB)?.slice(0, 16).every((b, k) => b === "@db format 1".charCodeAt(k) || k >= 12)).toBe(false);
      const again = open(image);
      expect(rows(again)).toEqual(expected(5));
      again.prepare("INSERT INTO t VALUES (6, 'writable')").run();
      again.close();
      expect(rows(open(image.crash("lose-all")))).toHaveLength(6);
    }
  });

  it("5. no commit point is a file deletion: the WAL removed at close may come back (SQLite rollback mode, ALICE)", () => {
    const { vfs, db } = withCommits(4);
    db.close(); // checkpoint, then the WAL file is deleted without a directory sync
    for (const policy of ["lose-all", "keep-all", "prefix", "random-subset"] as const) {
      for (let seed = 0; seed < 8; seed++) {
        const image = vfs.crash(policy, seed);
        const again = open(image);
        expect(rows(again)).toEqual(expected(4));
        expect(integrity(again)).toBe("ok");
      }
    }
  });

  it("6. the database file is never unlinked or replaced by a rename (HSQLDB, ALICE)", () => {
    const { vfs, db } = withCommits(8);
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.exec("DELETE FROM t WHERE k > 4");
    db.close();
    const deletes = vfs.trace().entries.filter((e) => e.op === "delete");
    expect(deletes.map((e) => e.path)).toEqual([`${DB}-wal`]);
    // ... and the WAL is deleted only after the db file it was checkpointed into was synced.
    const entries = vfs.trace().entries;
    const del = entries.findIndex((e) => e.op === "delete");
    const lastDbWrite = entries.findLastIndex((e, i) => i < del && e.op === "write" && e.path === DB);
    const dbSync = entries.findIndex((e, i) => i > lastDbWrite && e.op === "sync" && e.path === DB);
    expect(dbSync).toBeGreaterThan(lastDbWrite);
    expect(dbSync).toBeLessThan(del);
    expect(rows(open(vfs.crash("lose-all")))).toEqual(expected(4));
  });

  it("7. an fsync that failed is never retried and trusted (PostgreSQL fsyncgate)", () => {
    for (const fsyncMode of ["error-drop", "error-keep"] as const) {
      const { vfs, db } = withCommits(3);
      vfs.fail({ op: "sync", nth: 1, fsyncMode });
      expect(codeOf(() => db.prepare("INSERT INTO t VALUES (4, 'lost')").run())).toBe("DB_IOERR");
      // The sync would succeed now, but the connection must not trust what it wrote before.
      const syncs = vfs.opCount("sync");
      expect(codeOf(() => db.prepare("INSERT INTO t VALUES (5, 'refused')").run())).toBe("DB_IOERR");
      expect(codeOf(() => db.pragma("wal_checkpoint"))).toBe("DB_IOERR");
      db.close();
      expect(vfs.opCount("sync")).toBe(syncs);
      // Reopening recovers from what is on the disk: the failed commit was never acknowledged.
      const again = open(vfs.crash("lose-all"));
      expect(rows(again)).toEqual(expected(3));
      again.prepare("INSERT INTO t VALUES (4, 'retried after reopen')").run();
    }
  });

  it("8. after an ignored-looking fsync error, data never stored is not served (Redis #8111)", () => {
    const { vfs, db } = withCommits(2);
    db.pragma("synchronous = NORMAL");
    db.prepare("INSERT INTO t VALUES (3, 'committed, not yet synced')").run();
    expect(rows(db)).toHaveLength(3);
    vfs.fail({ op: "sync", nth: 1, fsyncMode: "error-drop" }); // the checkpoint's WAL sync: the kernel drops commit 3
    expect(codeOf(() => db.pragma("wal_checkpoint(FULL)"))).toBe("DB_IOERR");
    expect(codeOf(() => rows(db))).toBe("DB_IOERR"); // not the dropped row
    db.close();
    const again = open(vfs.crash("keep-all"));
    expect(rows(again)).toEqual(expected(2));
    expect(integrity(again)).toBe("ok");
  });

  it("9. a checkpoint during a long read and a WAL restart keep every snapshot and the index right (SQLite WAL-reset bug)", () => {
    const { vfs, db } = withCommits(30);
    db.pragma("wal_autocheckpoint = 0");
    const reader = db.prepare("SELECT k, v FROM t ORDER BY k").raw().iterate() as IterableIterator<unknown[]>;
    const seen: unknown[][] = [];
    for (let i = 0; i < 10; i++) seen.push(reader.next().value as unknown[]);
    // While the read is open: a checkpoint that resets the WAL (the reader's snapshot is the latest).
    expect(db.pragma("wal_checkpoint(RESTART)")).toEqual([{ busy: 0, log: expect.any(Number), checkpointed: expect.any(Number) }]);
    for (const row of reader) seen.push(row);
    expect(seen).toEqual(expected(30));
    // The restarted WAL takes new commits; recovery after a power cut indexes them correctly.
    db.prepare("INSERT INTO t VALUES (31, ?)").run(`value-31-${"x".repeat(50)}`);
    db.exec("UPDATE t SET v = 'updated' WHERE k = 2");
    const again = open(vfs.crash("lose-all"));
    const got = rows(again);
    expect(got).toHaveLength(31);
    expect(got[1]).toEqual([2, "updated"]);
    expect(integrity(again)).toBe("ok");
  });

  it("10. an I/O error in the middle of a commit resets the page cache; nothing half-written is used later (SQLite howtocorrupt)", () => {
    const vfs = new SimVfs();
    const db = new Database(DB, { vfs, pageSize: 1024, cacheSizePages: 6 });
    db.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)");
    const ins = db.prepare("INSERT INTO t VALUES (?, ?)");
    db.transaction(() => {
      for (let i = 1; i <= 40; i++) ins.run(i, "a".repeat(200));
    })();
    const before = dump(db);
    // Fail the n-th WAL write of a big transaction (pages spill to the WAL before the commit).
    let fired = 0;
    for (let n = 1; ; n++) {
      const fault = vfs.fail({ op: "write", nth: n, path: "-wal", persistent: true }); // a failed spill alone is absorbed
      const code = codeOf(() =>
        db.transaction(() => {
          db.exec("UPDATE t SET v = 'b' || v");
          for (let i = 41; i <= 80; i++) ins.run(i, "c".repeat(200));
        })(),
      );
      fault.remove();
      if (fault.fired === 0) {
        db.exec("DELETE FROM t WHERE k > 40; UPDATE t SET v = substr(v, 2)"); // undo the run that went through
        break;
      }
      fired++;
      expect(code).toBe("DB_IOERR");
      expect(dump(db)).toBe(before);
      expect(integrity(db)).toBe("ok");
    }
    expect(fired).toBeGreaterThan(1);
    expect(dump(db)).toBe(before);
    // The same connection goes on: a commit after the error, then a power cut and a reopen.
    ins.run(100, "after the error");
    const again = open(vfs.crash("lose-all"));
    expect(rows(again)).toHaveLength(41);
    expect(integrity(again)).toBe("ok");
  });
});

describe("crash at every operation of a checkpoint, then of the recovery that follows", () => {
  it("recovery is idempotent even when it crashes itself", () => {
    const { vfs } = withCommits(12);
    const base = vfs.crash("keep-all");
    const dry = base.crash("keep-all");
    open(dry).close();
    const points = dry.opCount(MUTATING_OPS);
    for (let at = 1; at <= points; at++) {
      const first = base.crash("keep-all");
      first.setCrashAt(at, MUTATING_OPS);
      try {
        open(first).close();
      } catch (e) {
        if (!(e instanceof SimCrash)) throw e;
      }
      for (let seed = 0; seed < 4; seed++) {
        const second = first.crash("random-subset", seed, { torn: { sectorSize: 512, mode: "mixed" } });
        second.setCrashAt(1 + (seed % 3), MUTATING_OPS);
        try {
          open(second).close();
        } catch (e) {
          if (!(e instanceof SimCrash)) throw e;
        }
        const third = open(second.crash("prefix", seed));
        expect(rows(third)).toEqual(expected(12));
        expect(integrity(third)).toBe("ok");
      }
    }
  });
});
