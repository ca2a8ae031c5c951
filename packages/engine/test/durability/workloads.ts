/**
 * The workloads of the reliability regimen (docs/RELIABILITY.md, ../shared/guide/TESTING.md),
 * each a list of steps; a step is one transaction (or checkpoint) that is acknowledged when it
 * returns. Data is derived from fixed seeds, so every run issues exactly the same VFS calls.
 */
import type { Database } from "../../src/index.js";
import { MUTATING_OPS, Prng, SimCrash, SimVfs, type SimTraceEntry } from "@db/vfs/testing";
import { DB, openDb, runWorkload, type Workload } from "./harness.js";

export function text(seed: number, length: number): string {
  const rng = new Prng(seed);
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let s = "";
  for (let i = 0; i < length; i++) s += alphabet[rng.int(alphabet.length)];
  return s;
}

function insertRows(db: Database, table: string, from: number, count: number, size: number): void {
  const ins = db.prepare(`INSERT INTO ${table}(id, v) VALUES (?, ?)`);
  for (let i = from; i < from + count; i++) ins.run(i, text(i, size));
}

function tx(db: Database, fn: () => void): void {
  db.exec("BEGIN");
  try {
    fn();
    db.exec("COMMIT");
  } catch (e) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw e;
  }
}

/** Memoizes a base disk: built once (its WAL salts are random), then copied for every run. */
function memo(build: () => SimVfs): () => SimVfs {
  let disk: SimVfs | null = null;
  return () => (disk ??= build());
}

/** A disk holding a closed database built by `steps`. */
function builtDisk(pageSize: number, steps: ((db: Database) => void)[]): () => SimVfs {
  return memo(() => {
    const vfs = new SimVfs({ seed: 7 });
    const db = openDb(vfs, { pageSize });
    for (const step of steps) step(db);
    db.close();
    return vfs.crash("keep-all", 7);
  });
}

const createT = (db: Database) => db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");

export const autocommitInserts: Workload = {
  name: "autocommit inserts",
  steps: [createT, ...Array.from({ length: 10 }, (_, i) => (db: Database) => insertRows(db, "t", i + 1, 1, 40))],
};

export const autocommitNormal: Workload = {
  name: "autocommit inserts, synchronous=NORMAL",
  synchronous: "normal",
  autocheckpoint: 8,
  steps: [createT, ...Array.from({ length: 12 }, (_, i) => (db: Database) => insertRows(db, "t", i + 1, 1, 60))],
};

export const processCrashOff: Workload = {
  name: "autocommit inserts, synchronous=OFF",
  synchronous: "off",
  autocheckpoint: 6,
  steps: [createT, ...Array.from({ length: 8 }, (_, i) => (db: Database) => insertRows(db, "t", i + 1, 1, 60))],
};

export const multiPageTransaction: Workload = {
  name: "multi-page transaction (with spills)",
  cacheSizePages: 6,
  steps: [
    createT,
    (db) => tx(db, () => insertRows(db, "t", 1, 40, 300)),
    (db) => db.exec("UPDATE t SET v = v || 'x' WHERE id % 2 = 0"),
    (db) => tx(db, () => {
      insertRows(db, "t", 100, 10, 500);
      db.exec("DELETE FROM t WHERE id < 20");
    }),
  ],
};

/** Keys of 150 bytes under a UNIQUE index: interior pages hold a few keys, so the index tree grows to 3 levels. */
const splitKeys = (() => {
  const rng = new Prng(42);
  return Array.from({ length: 150 }, (_, i) => `${String(rng.int(1e6)).padStart(6, "0")}-${i}-${text(i, 140)}`);
})();

export const rootSplits: Workload = {
  name: "splits up to the root",
  steps: [
    (db) => db.exec("CREATE TABLE s(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT)"),
    ...[0, 30, 60, 100].map((from, i, all) => (db: Database) =>
      tx(db, () => {
        const ins = db.prepare("INSERT INTO s(k, v) VALUES (?, ?)");
        for (const k of splitKeys.slice(from, all[i + 1] ?? splitKeys.length)) ins.run(k, text(k.length, 30));
      }),
    ),
  ],
};

export const deletesAndReuse: Workload = {
  name: "deletes with merges and free-list reuse",
  base: builtDisk(1024, [createT, (db) => tx(db, () => insertRows(db, "t", 1, 160, 120))]),
  steps: [
    (db) => db.exec("DELETE FROM t WHERE id % 3 = 0"),
    (db) => db.exec("DELETE FROM t WHERE id BETWEEN 40 AND 130"),
    (db) => tx(db, () => insertRows(db, "t", 1000, 40, 200)),
    (db) => db.exec("DELETE FROM t WHERE id > 1020"),
  ],
};

export const overflowValues: Workload = {
  name: "overflow values",
  steps: [
    (db) => db.exec("CREATE TABLE o(id INTEGER PRIMARY KEY, v TEXT, b BLOB)"),
    (db) => db.prepare("INSERT INTO o VALUES (1, ?, NULL)").run(text(1, 3000)),
    (db) => db.prepare("INSERT INTO o VALUES (2, ?, ?)").run(text(2, 9000), Buffer.alloc(2500, 7)),
    (db) => db.prepare("UPDATE o SET v = ? WHERE id = 1").run(text(3, 12000)),
    (db) => db.prepare("UPDATE o SET v = ? WHERE id = 2").run(text(4, 20)),
    (db) => db.exec("DELETE FROM o WHERE id = 1"),
  ],
};

export const overflowValues4k: Workload = {
  name: "overflow values, 4 KiB pages",
  pageSize: 4096,
  steps: [
    (db) => db.exec("CREATE TABLE o(id INTEGER PRIMARY KEY, v TEXT)"),
    (db) => db.prepare("INSERT INTO o VALUES (1, ?)").run(text(1, 15000)),
    (db) => db.prepare("UPDATE o SET v = ? WHERE id = 1").run(text(2, 5000)),
    (db) => db.prepare("INSERT INTO o VALUES (2, ?)").run(text(3, 30000)),
  ],
};

export const ddl: Workload = {
  name: "DDL",
  steps: [
    createT,
    (db) => db.exec("CREATE INDEX tv ON t(v)"),
    (db) => tx(db, () => insertRows(db, "t", 1, 12, 50)),
    (db) => db.exec("CREATE VIEW w AS SELECT id FROM t WHERE id > 3"),
    (db) => db.exec("CREATE TABLE u(a TEXT PRIMARY KEY, b INTEGER NOT NULL)"),
    (db) => db.exec("DROP INDEX tv"),
    (db) => db.exec("CREATE UNIQUE INDEX tv2 ON t(v, id)"),
    (db) => db.exec("DROP TABLE t"),
    (db) => db.exec("INSERT INTO u VALUES ('x', 1), ('y', 2)"),
  ],
};

export const checkpointAndReset: Workload = {
  name: "checkpoint and WAL reset",
  autocheckpoint: 5,
  steps: [
    createT,
    ...[1, 2, 3].map((i) => (db: Database) => insertRows(db, "t", i, 1, 100)),
    (db) => void db.pragma("wal_checkpoint(PASSIVE)"),
    (db) => tx(db, () => insertRows(db, "t", 10, 3, 100)),
    (db) => void db.pragma("wal_checkpoint(RESTART)"),
    (db) => insertRows(db, "t", 20, 1, 100),
    (db) => void db.pragma("wal_checkpoint(TRUNCATE)"),
    (db) => db.exec("UPDATE t SET v = 'changed' WHERE id = 2"),
    (db) => insertRows(db, "t", 30, 1, 100),
  ],
};

export const newDatabase: Workload = {
  name: "creating a new database (4 KiB pages)",
  pageSize: 4096,
  steps: [createT, (db) => insertRows(db, "t", 1, 1, 100), (db) => tx(db, () => insertRows(db, "t", 2, 3, 100))],
};

/** A failing statement inside BEGIN rolls back to its pager savepoint; the transaction goes on. */
export const savepoints: Workload = {
  name: "savepoints (statement rollback inside a transaction)",
  cacheSizePages: 5,
  steps: [
    (db) => db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE)"),
    (db) =>
      tx(db, () => {
        insertRows(db, "t", 1, 20, 150);
        const bad = () => db.prepare("INSERT INTO t(id, v) SELECT id + 100, CASE WHEN id = 15 THEN (SELECT v FROM t WHERE id = 1) ELSE v || 'z' END FROM t");
        try {
          bad().run(); // fails on the 15th row: the 14 rows before it are undone
        } catch (e) {
          if ((e as { code?: string }).code !== "DB_CONSTRAINT") throw e;
        }
        insertRows(db, "t", 50, 10, 150);
        try {
          db.prepare("INSERT INTO t(id, v) VALUES (?, ?)").run(51, "dup id");
        } catch (e) {
          if ((e as { code?: string }).code !== "DB_CONSTRAINT") throw e;
        }
        db.exec("DELETE FROM t WHERE id < 5");
      }),
    (db) => {
      db.exec("BEGIN");
      insertRows(db, "t", 200, 15, 150);
      db.exec("ROLLBACK");
    },
    (db) => tx(db, () => insertRows(db, "t", 300, 2, 40)),
  ],
};

/**
 * Crash during recovery: the base is a disk left by a power cut in the middle of a workload
 * (a WAL with commits and a torn tail, or a checkpoint cut short); the workload opens it
 * (recovery), commits, checkpoints and closes, and is itself crashed at every operation.
 */
function crashedDisk(w: Workload, at: (ops: SimTraceEntry[]) => number, policy: "prefix" | "random-subset", seed: number): () => SimVfs {
  return memo(() => {
    const dry = new SimVfs({ seed });
    runWorkload(dry, w);
    const ops = dry.trace().entries.filter((e) => MUTATING_OPS.includes(e.op));
    const run = new SimVfs({ seed });
    run.setCrashAt(at(ops), MUTATING_OPS);
    try {
      runWorkload(run, w);
    } catch (e) {
      if (!(e instanceof SimCrash)) throw e;
    }
    return run.crash(policy, seed, { torn: { sectorSize: 512, mode: "mixed" }, growGarbage: true });
  });
}

const recoverySteps = [
  (db: Database) => tx(db, () => insertRows(db, "t", 500, 2, 80)),
  (db: Database) => void db.pragma("wal_checkpoint(TRUNCATE)"),
  (db: Database) => insertRows(db, "t", 600, 1, 80),
];

export const recoveryAfterTornTail: Workload = {
  name: "crash during recovery (WAL with a torn tail)",
  // The last commit's WAL sync never happens.
  base: crashedDisk({ ...autocommitInserts, close: false }, (ops) => ops.length, "prefix", 11),
  steps: recoverySteps,
};

export const recoveryAfterCutCheckpoint: Workload = {
  name: "crash during recovery (checkpoint cut short)",
  // Cut the power in the checkpoint of the final close, at the fsync of the database file: its
  // writes are partly on disk (random subset, torn sectors), the WAL not yet reset.
  base: crashedDisk({ ...multiPageTransaction, name: "base" }, (ops) => 1 + ops.findLastIndex((e) => e.op === "sync" && !e.path.endsWith("-wal")), "random-subset", 12),
  steps: recoverySteps.map((s) => (db: Database) => {
    db.exec("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT)");
    s(db);
  }),
};

export const ALL_WORKLOADS: Workload[] = [
  autocommitInserts,
  autocommitNormal,
  multiPageTransaction,
  rootSplits,
  deletesAndReuse,
  overflowValues,
  overflowValues4k,
  ddl,
  checkpointAndReset,
  newDatabase,
  savepoints,
  recoveryAfterTornTail,
  recoveryAfterCutCheckpoint,
];

export { DB };
