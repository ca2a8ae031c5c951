/**
 * The INSERT write path: the rowid uniqueness check done by the Insert itself (no unique index,
 * ABORT/FAIL/ROLLBACK), ascending (append) inserts mixed with others, new rowids after DELETE,
 * ROLLBACK, savepoints and triggers inserting into the same table, and integrity afterwards.
 */
import { describe, expect, it } from "vitest";
import { Database } from "../src/index.js";
import { caught } from "./helpers.js";

const rows = (db: Database, sql: string) => db.prepare(sql).raw().all() as unknown[][];
const ok = (db: Database) => expect(db.prepare("PRAGMA integrity_check").pluck().all()).toEqual(["ok"]);

describe("INSERT rowid checks", () => {
  it("a taken rowid fails with the primary-key error and changes nothing, in and out of transactions", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v)");
    const ins = db.prepare("INSERT INTO t(id, v) VALUES (?, ?)");
    for (let i = 1; i <= 500; i++) ins.run(i * 2, `v${i}`);
    let e = caught(() => ins.run(10, "dup"));
    expect(e.code).toBe("DB_CONSTRAINT");
    expect(e.message).toBe("UNIQUE constraint failed: t.id");
    expect(rows(db, "SELECT count(*) FROM t WHERE v = 'dup'")).toEqual([[0]]);
    // The last rowid (the append path's case) and rowid 0 / negatives.
    expect(caught(() => ins.run(1000, "dup")).message).toBe("UNIQUE constraint failed: t.id");
    ins.run(-5, "neg");
    expect(caught(() => ins.run(-5, "dup")).message).toBe("UNIQUE constraint failed: t.id");
    // A multi-row statement fails as a whole; the transaction keeps its earlier statements.
    db.exec("BEGIN");
    ins.run(1001, "in-txn");
    e = caught(() => db.exec("INSERT INTO t(id, v) VALUES (2001, 'a'), (2002, 'b'), (2001, 'c')"));
    expect(e.message).toBe("UNIQUE constraint failed: t.id");
    expect(db.inTransaction).toBe(true);
    db.exec("COMMIT");
    expect(rows(db, "SELECT id FROM t WHERE id > 1000 ORDER BY id")).toEqual([[1001]]);
    expect(rows(db, "SELECT count(*) FROM t WHERE v IN ('a', 'b', 'c', 'dup')")).toEqual([[0]]);
    // OR IGNORE / OR REPLACE keep their own paths.
    db.exec("INSERT OR IGNORE INTO t(id, v) VALUES (4, 'ignored'), (1002, 'new')");
    db.exec("INSERT OR REPLACE INTO t(id, v) VALUES (6, 'replaced')");
    expect(rows(db, "SELECT id, v FROM t WHERE id IN (4, 6, 1002) ORDER BY id")).toEqual([[4, "v2"], [6, "replaced"], [1002, "new"]]);
    expect(rows(db, "SELECT count(*) FROM t WHERE v = 'v3'")).toEqual([[0]]);
    ok(db);
  });

  it("with a unique index too, the primary key is still reported first", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, code TEXT UNIQUE); INSERT INTO t VALUES (1, 'A'), (2, 'B')");
    expect(caught(() => db.exec("INSERT INTO t VALUES (1, 'B')")).message).toBe("UNIQUE constraint failed: t.id");
    expect(caught(() => db.exec("INSERT INTO t VALUES (3, 'B')")).message).toBe("UNIQUE constraint failed: t.code");
  });

  it("an out-of-order insert among ascending ones, at scale, keeps table and index consistent", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score INTEGER, payload TEXT); CREATE INDEX t_score ON t(score)");
    const ins = db.prepare("INSERT INTO t(id, name, score, payload) VALUES (?, ?, ?, ?)");
    const payload = (i: number) => `p${i}-`.repeat(20).slice(0, 100);
    const ids: number[] = [];
    db.transaction(() => {
      for (let i = 1; i <= 6000; i++) {
        const id = i % 97 === 0 ? 1_000_000 - i : i * 3; // some far past the end, then back
        ids.push(id);
        ins.run(id, `name-${id}`, (id * 7919) % 600, payload(id));
      }
    })();
    ids.sort((a, b) => a - b);
    expect(rows(db, "SELECT id FROM t ORDER BY id").map((r) => r[0])).toEqual(ids);
    expect(rows(db, "SELECT count(*), sum(score) FROM t")).toEqual(rows(db, "SELECT count(*), sum(score) FROM t NOT INDEXED"));
    expect(rows(db, "SELECT count(*) FROM t WHERE score = 5")).toEqual([[ids.filter((id) => (id * 7919) % 600 === 5).length]]);
    ok(db);
  });

  it("new rowids follow DELETE, ROLLBACK, savepoints and triggers that insert into the same table", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE log(n INTEGER)");
    const add = db.prepare("INSERT INTO t(v) VALUES (?)");
    const last = () => Number(add.run("x").lastInsertRowid);
    expect(last()).toBe(1);
    expect(last()).toBe(2);
    db.exec("DELETE FROM t WHERE id = 2");
    expect(last()).toBe(2);
    db.exec("BEGIN");
    expect(last()).toBe(3);
    expect(last()).toBe(4);
    db.exec("ROLLBACK");
    expect(last()).toBe(3);
    db.exec("BEGIN");
    expect(last()).toBe(4);
    db.exec("SAVEPOINT s");
    expect(last()).toBe(5);
    expect(last()).toBe(6);
    db.exec("ROLLBACK TO s");
    expect(last()).toBe(5);
    db.exec("DELETE FROM t WHERE id >= 4");
    expect(last()).toBe(4);
    db.exec("COMMIT");
    // A trigger inserting into the same table in the same statement.
    db.exec("CREATE TRIGGER tr AFTER INSERT ON t WHEN new.v = 'twice' BEGIN INSERT INTO t(v) VALUES ('echo'); END");
    add.run("twice");
    expect(rows(db, "SELECT id, v FROM t WHERE id > 4 ORDER BY id")).toEqual([[5, "twice"], [6, "echo"]]);
    expect(last()).toBe(7);
    db.exec("INSERT INTO t(id, v) VALUES (100, 'explicit')");
    expect(last()).toBe(101);
    expect(caught(() => db.exec("INSERT INTO t(id, v) VALUES (101, 'dup')")).message).toBe("UNIQUE constraint failed: t.id");
    ok(db);
  });
});
