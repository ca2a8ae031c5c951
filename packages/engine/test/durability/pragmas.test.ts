/**
 * The WAL pragmas, through SQL: synchronous (what each level syncs), wal_autocheckpoint and
 * wal_checkpoint (modes, result row), as SQLite defines them.
 */
import { describe, expect, it } from "vitest";
import { Database, DbError } from "../../src/index.js";
import { SimVfs } from "@db/vfs/testing";
import { DB } from "./harness.js";

function setup(): { vfs: SimVfs; db: Database } {
  const vfs = new SimVfs();
  const db = new Database(DB, { vfs, pageSize: 1024 });
  db.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)");
  return { vfs, db };
}

function syncsOf(vfs: SimVfs, fn: () => void): string[] {
  const from = vfs.opCount();
  fn();
  return vfs
    .trace()
    .entries.filter((e) => e.seq > from && e.op === "sync")
    .map((e) => (e.path.endsWith("-wal") ? "wal" : "db"));
}

describe("PRAGMA synchronous", () => {
  it("reads 2 / 1 / 0 and accepts names and numbers", () => {
    const { db } = setup();
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    for (const [value, level] of [["NORMAL", 1], ["off", 0], ["FULL", 2], ["1", 1], ["0", 0], ["2", 2], ["EXTRA", 2], ["3", 2]] as const) {
      db.pragma(`synchronous = ${value}`);
      expect(db.pragma("synchronous", { simple: true })).toBe(level);
    }
    expect(() => db.pragma("synchronous = sometimes")).toThrow(DbError);
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
  });

  it("FULL syncs the WAL once per commit; NORMAL and OFF do not sync commits", () => {
    const { vfs, db } = setup();
    const ins = db.prepare("INSERT INTO t(v) VALUES (?)");
    expect(syncsOf(vfs, () => ins.run("a"))).toEqual(["wal"]);
    db.pragma("synchronous = NORMAL");
    expect(syncsOf(vfs, () => ins.run("b"))).toEqual([]);
    // NORMAL syncs at a checkpoint: the WAL, the database file, then the reset WAL.
    expect(syncsOf(vfs, () => db.pragma("wal_checkpoint"))).toEqual(["wal", "db", "wal"]);
    db.pragma("synchronous = OFF");
    expect(syncsOf(vfs, () => ins.run("c"))).toEqual([]);
    expect(syncsOf(vfs, () => db.pragma("wal_checkpoint"))).toEqual([]);
  });
});

describe("PRAGMA wal_autocheckpoint", () => {
  it("reads and sets the frame threshold; 0 disables automatic checkpoints", () => {
    const { vfs, db } = setup();
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    expect(db.pragma("wal_autocheckpoint = 4")).toEqual([{ wal_autocheckpoint: 4 }]);
    const ins = db.prepare("INSERT INTO t(v) VALUES (?)");
    ins.run("x");
    ins.run("y");
    expect((vfs.snapshot(DB) as Uint8Array).length).toBeGreaterThan(0); // checkpointed
    expect(db.pragma("wal_autocheckpoint = -5", { simple: true })).toBe(0);
    const walBefore = (vfs.snapshot(`${DB}-wal`) as Uint8Array).length;
    for (let i = 0; i < 20; i++) ins.run(`z${i}`);
    expect((vfs.snapshot(`${DB}-wal`) as Uint8Array).length).toBeGreaterThan(walBefore);
  });
});

describe("PRAGMA wal_checkpoint", () => {
  it("returns (busy, log, checkpointed) for each mode", () => {
    const { vfs, db } = setup();
    db.pragma("wal_autocheckpoint = 0");
    const ins = db.prepare("INSERT INTO t(v) VALUES (?)");
    ins.run("a");
    const [passive] = db.pragma("wal_checkpoint") as { busy: number; log: number; checkpointed: number }[];
    expect(passive.busy).toBe(0);
    expect(passive.log).toBeGreaterThan(0);
    expect(passive.checkpointed).toBe(passive.log);
    expect(db.pragma("wal_checkpoint(PASSIVE)")).toEqual([{ busy: 0, log: 0, checkpointed: 0 }]); // nothing left
    ins.run("b");
    expect((db.pragma("wal_checkpoint(FULL)") as { busy: number }[])[0].busy).toBe(0);
    ins.run("c");
    expect((db.pragma("wal_checkpoint(RESTART)") as { busy: number }[])[0].busy).toBe(0);
    expect((vfs.snapshot(`${DB}-wal`) as Uint8Array).length).toBe(32);
    ins.run("d");
    expect(db.pragma("wal_checkpoint(TRUNCATE)")).toEqual([{ busy: 0, log: 0, checkpointed: 0 }]);
    expect((vfs.snapshot(`${DB}-wal`) as Uint8Array).length).toBe(0);
    expect((db.pragma("wal_checkpoint(whatever)") as { busy: number }[])[0].busy).toBe(0); // as PASSIVE
    ins.run("e");
    const again = new Database(DB, { vfs: vfs.crash("lose-all") });
    expect(again.prepare("SELECT group_concat(v, '') FROM t").pluck().get()).toBe("abcde");
  });

  it("inside a write transaction copies nothing and reports busy", () => {
    const { db } = setup();
    db.pragma("wal_autocheckpoint = 0");
    db.exec("BEGIN; INSERT INTO t(v) VALUES ('x')");
    const [r] = db.pragma("wal_checkpoint(FULL)") as { busy: number; log: number; checkpointed: number }[];
    expect(r.busy).toBe(1);
    expect(r.checkpointed).toBe(0);
    db.exec("COMMIT");
    expect((db.pragma("wal_checkpoint(FULL)") as { busy: number }[])[0].busy).toBe(0);
  });

  it("runs while a read statement is iterating, which then goes on unharmed", () => {
    const { db } = setup();
    db.transaction(() => {
      for (let i = 0; i < 50; i++) db.prepare("INSERT INTO t(v) VALUES (?)").run(`v${i}`);
    })();
    const it = db.prepare("SELECT v FROM t ORDER BY k").pluck().iterate() as IterableIterator<string>;
    const got = [it.next().value];
    expect((db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[])[0].busy).toBe(0);
    for (const v of it) got.push(v);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `v${i}`));
  });
});
