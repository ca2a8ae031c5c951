/** The better-sqlite3 surface: code written for it should port with an import change. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import DefaultDatabase, { Database, DbError } from "../src/index.js";
import { tempDir } from "./helpers.js";

function db(): Database {
  const d = new Database(":memory:");
  d.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)");
  return d;
}

describe("Database and Statement", () => {
  it("is exported as default and named", () => {
    expect(DefaultDatabase).toBe(Database);
    expect(new DefaultDatabase().memory).toBe(true);
  });

  it("run returns changes and lastInsertRowid", () => {
    const d = db();
    const r = d.prepare("INSERT INTO t(name) VALUES (?)").run("a");
    expect(r).toEqual({ changes: 1, lastInsertRowid: 1 });
    d.prepare("INSERT INTO t(name) VALUES (?), (?)").run("b", "c");
    expect(d.prepare("UPDATE t SET score = 1").run().changes).toBe(3);
    expect(d.prepare("DELETE FROM t WHERE id > 1").run().changes).toBe(2);
    expect(d.prepare("DELETE FROM t").run().changes).toBe(1);
  });

  it("get, all, iterate, raw, pluck, columns, reader", () => {
    const d = db();
    const ins = d.prepare("INSERT INTO t(id, name, score) VALUES (?, ?, ?)");
    for (let i = 1; i <= 5; i++) ins.run(i, `n${i}`, i / 2);
    const sel = d.prepare("SELECT id, name, score FROM t WHERE id >= ? ORDER BY id");
    expect(sel.reader).toBe(true);
    expect(ins.reader).toBe(false);
    expect(sel.get(4)).toEqual({ id: 4, name: "n4", score: 2 });
    expect(sel.get(9)).toBeUndefined();
    expect(sel.all(4)).toEqual([{ id: 4, name: "n4", score: 2 }, { id: 5, name: "n5", score: 2.5 }]);
    expect([...sel.iterate(3)].map((r) => (r as { id: number }).id)).toEqual([3, 4, 5]);
    expect(sel.raw().all(5)).toEqual([[5, "n5", 2.5]]);
    expect(sel.pluck().all(4)).toEqual([4, 5]);
    expect(sel.columns().map((c) => [c.name, c.table, c.type])).toEqual([["id", "t", "INTEGER"], ["name", "t", "TEXT"], ["score", "t", "REAL"]]);
  });

  it("iterate produces rows lazily and can stop early", () => {
    const d = db();
    d.exec("INSERT INTO t(name) VALUES ('a'), ('b'), ('c')");
    const it1 = d.prepare("SELECT name FROM t ORDER BY id").pluck().iterate();
    expect(it1.next().value).toBe("a");
    it1.return?.(undefined);
    expect(d.prepare("SELECT count(*) FROM t").pluck().get()).toBe(3);
  });

  it("RETURNING: a reader whose changes are all made before its first row", () => {
    const d = new Database(":memory:");
    d.exec("CREATE TABLE u(id INTEGER PRIMARY KEY, x)");
    const ins = d.prepare("INSERT INTO u(x) VALUES (?), (?) RETURNING id, x * 2 AS twice");
    expect(ins.reader).toBe(true);
    expect(ins.columns().map((c) => c.name)).toEqual(["id", "twice"]);
    // get() reads one row and stops: both rows stay inserted, as with SQLite.
    expect(ins.get(5, 6)).toEqual({ id: 1, twice: 10 });
    expect(d.prepare("SELECT count(*) FROM u").pluck().get()).toBe(2);
    expect(ins.run(7, 8)).toEqual({ changes: 2, lastInsertRowid: 4 });
    // An iterate() broken off after the first row keeps every deletion.
    for (const row of d.prepare("DELETE FROM u WHERE id > 1 RETURNING id").iterate()) {
      expect(row).toEqual({ id: 2 });
      break;
    }
    expect(d.prepare("SELECT id FROM u").pluck().all()).toEqual([1]);
    expect(d.prepare("UPDATE u SET x = x + 1 RETURNING x").pluck().all()).toEqual([6]);
    expect(() => d.exec("CREATE TRIGGER tr AFTER UPDATE ON u BEGIN DELETE FROM u RETURNING id; END; UPDATE u SET x = 0")).toThrow(/RETURNING in a trigger/);
  });

  it("changes and lastInsertRowid are the statement's own, not its triggers' (sqlite3_changes)", () => {
    const d = new Database(":memory:");
    d.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v); CREATE TABLE log(id INTEGER PRIMARY KEY, v)");
    d.exec("INSERT INTO log(id) VALUES (100)");
    d.exec("CREATE TRIGGER ti AFTER INSERT ON t BEGIN INSERT INTO log(v) VALUES (NEW.v); INSERT INTO log(v) VALUES (NEW.v); END");
    expect(d.prepare("INSERT INTO t(v) VALUES (1), (2)").run()).toEqual({ changes: 2, lastInsertRowid: 2 });
    expect(d.prepare("SELECT changes(), total_changes(), last_insert_rowid()").raw().get()).toEqual([2, 7, 2]);
    expect(d.prepare("SELECT count(*) FROM log").pluck().get()).toBe(5);
    // An upsert's update counts as a change, and sets no rowid (it updates row 1; the last insert was row 2).
    d.exec("CREATE UNIQUE INDEX tv ON t(v)");
    expect(d.prepare("INSERT INTO t(v) VALUES (1) ON CONFLICT(v) DO UPDATE SET v = 10").run()).toEqual({ changes: 1, lastInsertRowid: 2 });
    expect(d.prepare("SELECT v FROM t ORDER BY id").pluck().all()).toEqual([10, 2]);
  });

  it("parameters are numbered as the parser meets them, whatever the compiler does with the code", () => {
    const d = new Database(":memory:");
    d.exec("CREATE TABLE f(id INTEGER PRIMARY KEY, v); INSERT INTO f VALUES (1, 0), (100, 0); CREATE TABLE u(a UNIQUE, b)");
    // WHERE is compiled before SET: the parameters must still bind in text order.
    d.prepare("UPDATE f SET v = ? WHERE id = ?").run(1, 100);
    expect(d.prepare("SELECT v FROM f ORDER BY id").pluck().all()).toEqual([0, 1]);
    // Compiled twice (an alias), dropped (EXISTS columns), compiled per row (RETURNING).
    expect(d.prepare("SELECT ? AS x WHERE x = 5").pluck().get(5)).toBe(5);
    expect(d.prepare("SELECT EXISTS (SELECT ?), ?").raw().get(7, 8)).toEqual([1, 8]);
    expect(d.prepare("INSERT INTO u VALUES (30, 1), (40, 2) RETURNING b + ?").pluck().all(100)).toEqual([101, 102]);
    expect(d.prepare("INSERT INTO u VALUES (?, ?) ON CONFLICT(a) DO UPDATE SET b = ? RETURNING ?, b").raw().all(30, 5, 6, 9)).toEqual([[9, 6]]);
  });

  it("an error in RETURNING undoes only its statement inside BEGIN", () => {
    const d = new Database(":memory:");
    d.exec("CREATE TABLE r(a); BEGIN; INSERT INTO r VALUES (1)");
    expect(() => d.prepare("INSERT INTO r VALUES (2) RETURNING abs(-9223372036854775808)").all()).toThrow(/integer overflow/);
    expect(d.inTransaction).toBe(true);
    d.exec("COMMIT");
    expect(d.prepare("SELECT a FROM r").pluck().all()).toEqual([1]);
  });

  it("binds positional and named parameters (:name @name $name)", () => {
    const d = db();
    d.prepare("INSERT INTO t(id, name, score) VALUES (:id, @name, $score)").run({ id: 7, name: "seven", score: 7.5 });
    expect(d.prepare("SELECT name FROM t WHERE id = ? AND score > ?").pluck().get(7, 1)).toBe("seven");
    expect(d.prepare("SELECT ?1 + ?1").pluck().get(21)).toBe(42);
    expect(() => d.prepare("SELECT ?").get()).toThrow(DbError);
    expect(() => d.prepare("SELECT ?").get(1, 2)).toThrow(/Too many/);
  });

  it("binds an integral number beyond the 64-bit range as a REAL, never a wrapped integer", () => {
    const d = db();
    d.exec("CREATE TABLE w(c); CREATE INDEX wc ON w(c)");
    const ins = d.prepare("INSERT INTO w(c) VALUES (?)");
    for (const v of [1e300, 1e19, 2 ** 63, -(2 ** 63), -(2 ** 64), 2 ** 53 + 2]) ins.run(v);
    const rows = d.prepare("SELECT c, typeof(c) FROM w NOT INDEXED ORDER BY rowid").raw().all();
    expect(rows).toEqual([
      [1e300, "real"],
      [1e19, "real"],
      [2 ** 63, "real"],
      [-(2 ** 63), "integer"],
      [-(2 ** 64), "real"],
      [2 ** 53 + 2, "integer"],
    ]);
    expect(d.prepare("SELECT count(*) FROM w WHERE c > 9e18").pluck().get()).toBe(3);
  });

  it("round-trips value types: integer, real, text, blob, null, bigint", () => {
    const d = db();
    d.prepare("INSERT INTO t VALUES (?, ?, ?, ?)").run(1, "é ✓ 日本", 2.0, Buffer.from([0, 1, 255]));
    const row = d.prepare("SELECT id, name, score, data, typeof(score), typeof(data), NULL AS n FROM t").raw().get() as unknown[];
    expect(row[0]).toBe(1);
    expect(row[1]).toBe("é ✓ 日本");
    expect(row[2]).toBe(2);
    expect(Buffer.isBuffer(row[3])).toBe(true);
    expect([...(row[3] as Buffer)]).toEqual([0, 1, 255]);
    expect(row[4]).toBe("real");
    expect(row[5]).toBe("blob");
    expect(row[6]).toBeNull();
    expect(d.prepare("SELECT 9007199254740993").safeIntegers().pluck().get()).toBe(9007199254740993n);
  });

  it("defaultSafeIntegers sets safeIntegers for statements prepared afterwards", () => {
    const d = new Database();
    const before = d.prepare("SELECT 9007199254740993").pluck();
    expect(d.defaultSafeIntegers()).toBe(d);
    const after = d.prepare("SELECT 9007199254740993").pluck();
    expect(after.get()).toBe(9007199254740993n);
    expect(before.get()).toBe(9007199254740992);
    expect(after.safeIntegers(false).get()).toBe(9007199254740992);
    d.defaultSafeIntegers(false);
    expect(d.prepare("SELECT 2").pluck().get()).toBe(2);
  });

  it("exec runs several statements", () => {
    const d = new Database();
    d.exec("CREATE TABLE a(x); INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);");
    expect(d.prepare("SELECT sum(x) FROM a").pluck().get()).toBe(3);
  });

  it("transaction commits, and rolls back on an exception", () => {
    const d = db();
    const ins = d.prepare("INSERT INTO t(name) VALUES (?)");
    const many = d.transaction((names: string[]) => {
      for (const n of names) ins.run(n);
      return names.length;
    });
    expect(many(["a", "b"])).toBe(2);
    expect(d.inTransaction).toBe(false);
    expect(() =>
      d.transaction(() => {
        ins.run("c");
        throw new Error("boom");
      })(),
    ).toThrow("boom");
    expect(d.prepare("SELECT group_concat(name) FROM t").pluck().get()).toBe("a,b");
  });

  it("nested transactions use savepoints: an inner failure undoes only the inner part", () => {
    const d = db();
    const ins = d.prepare("INSERT INTO t(name) VALUES (?)");
    const inner = d.transaction((n: string) => {
      ins.run(n);
      if (n === "bad") throw new Error("inner");
    });
    d.transaction(() => {
      ins.run("outer");
      inner("good");
      expect(() => inner("bad")).toThrow("inner");
    })();
    expect(d.prepare("SELECT name FROM t ORDER BY id").pluck().all()).toEqual(["outer", "good"]);
  });

  it("pragma, simple and full", () => {
    const d = db();
    expect(d.pragma("page_size", { simple: true })).toBe(4096);
    expect((d.pragma("table_info(t)") as { name: string }[]).map((c) => c.name)).toEqual(["id", "name", "score", "data"]);
    d.pragma("user_version = 5");
    expect(d.pragma("user_version", { simple: true })).toBe(5);
  });

  it("user functions", () => {
    const d = db();
    d.function("twice", (x: number) => x * 2);
    d.function("joinall", { varargs: true }, (...xs: unknown[]) => xs.join("-"));
    expect(d.prepare("SELECT twice(21), joinall(1, 'a', 2)").raw().get()).toEqual([42, "1-a-2"]);
  });

  it("EXPLAIN lists the program", () => {
    const d = db();
    const rows = d.prepare("EXPLAIN SELECT name FROM t WHERE id = 1").all() as { opcode: string }[];
    const ops = rows.map((r) => r.opcode);
    expect(ops).toContain("SeekRowid");
    expect(ops).toContain("ResultRow");
    expect(ops[ops.length - 1]).toBe("Halt");
    const plan = d.prepare("EXPLAIN QUERY PLAN SELECT name FROM t WHERE id = 1").all() as { detail: string }[];
    expect(plan.map((p) => p.detail)).toEqual(["SEARCH t USING INTEGER PRIMARY KEY (rowid=?)"]);
  });

  it("close, then use, is a misuse error", () => {
    const d = db();
    d.close();
    expect(d.open).toBe(false);
    expect(() => d.prepare("SELECT 1")).toThrow(/not open/);
  });

  it("prepared statements survive schema changes", () => {
    const d = db();
    const count = d.prepare("SELECT count(*) FROM t").pluck();
    expect(count.get()).toBe(0);
    d.exec("CREATE INDEX t_name ON t(name); INSERT INTO t(name) VALUES ('x')");
    expect(count.get()).toBe(1);
  });

  it("data persists across close and reopen, with DDL and indexes", () => {
    const file = join(tempDir(), "p.db");
    let d = new Database(file);
    d.exec("CREATE TABLE k(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX k_v ON k(v);");
    const ins = d.prepare("INSERT INTO k(v) VALUES (?)");
    d.transaction(() => {
      for (let i = 0; i < 5000; i++) ins.run(`value-${i % 100}`);
    })();
    d.close();
    d = new Database(file);
    expect(d.prepare("SELECT count(*) FROM k WHERE v = 'value-7'").pluck().get()).toBe(50);
    expect((d.prepare("EXPLAIN QUERY PLAN SELECT * FROM k WHERE v = 'value-7'").all() as { detail: string }[])[0]!.detail).toBe("SEARCH k USING COVERING INDEX k_v (v=?)");
    d.exec("DROP TABLE k");
    expect(() => d.prepare("SELECT * FROM k")).toThrow(/no such table/);
    expect(d.pragma("integrity_check", { simple: true })).toBe("ok");
    d.close();
  });
});

describe("binding errors name the parameter", () => {
  it("positional parameters by number, named ones by name", () => {
    const d = new Database(":memory:");
    const s = d.prepare("SELECT ?, ?");
    expect(() => s.get(1, Symbol("x"))).toThrow(/^parameter 2: SQLite can only bind numbers/);
    expect(() => s.get(2n ** 64n, 1)).toThrow(/^parameter 1: BigInt value is too large to bind/);
    expect(() => s.get([1, () => 0])).toThrow(/^parameter 2: SQLite can only bind/);
    expect(d.prepare("SELECT :a").get({ a: 1 })).toEqual({ ":a": 1 });
    expect(() => d.prepare("SELECT :a").get({ a: Symbol("y") })).toThrow(/^parameter :a: SQLite can only bind/);
    expect(s.raw().get("x", 3)).toEqual(["x", 3]);
    d.close();
  });
});
