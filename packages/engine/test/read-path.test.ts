/**
 * The fast read path: length() of a column read from the record bytes, prepared statements that
 * reuse their execution state, row objects built by generated code, rowid range scans.
 */
import { describe, expect, it } from "vitest";
import { Database } from "../src/index.js";

describe("length(column) from the record bytes", () => {
  it("matches length() of the value for every storage class", () => {
    const d = new Database(":memory:");
    d.exec("CREATE TABLE t(a, b TEXT, c BLOB)");
    const ins = d.prepare("INSERT INTO t VALUES (?, ?, ?)");
    const rows: unknown[][] = [
      [null, null, null],
      [0, "", Buffer.alloc(0)],
      [-12345, "héllo wörld", Buffer.from([0, 1, 2])],
      [1.5, "日本語😀", Buffer.alloc(3000, 7)],
      [2 ** 53 - 1, "a\u0000bc", null],
      [9007199254740993n, "x".repeat(20000), null], // overflow pages
    ];
    for (const r of rows) ins.run(...r);
    const fast = d.prepare("SELECT length(a), length(b), length(c) FROM t ORDER BY rowid").raw().all();
    // `+x` is not a plain column, so it goes through the length() function on the value.
    const slow = d.prepare("SELECT length(+a), length(+b), length(+c) FROM t ORDER BY rowid").raw().all();
    expect(fast).toEqual(slow);
    expect(fast[4]).toEqual([16, 1, null]);
    expect(fast[5]).toEqual([16, 20000, null]);
  });

  it("reads the column default for rows written before ALTER TABLE ADD COLUMN", () => {
    const d = new Database(":memory:");
    d.exec("CREATE TABLE t(a); INSERT INTO t VALUES (1)");
    d.exec("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'abcd'");
    d.exec("ALTER TABLE t ADD COLUMN c");
    d.exec("INSERT INTO t VALUES (2, 'xy', 'z')");
    expect(d.prepare("SELECT a, length(b), length(c) FROM t ORDER BY a").raw().all()).toEqual([
      [1, 4, null],
      [2, 2, 1],
    ]);
  });

  it("uses a user function that overrides length()", () => {
    const d = new Database(":memory:");
    d.exec("CREATE TABLE t(a); INSERT INTO t VALUES ('abc')");
    d.function("length", (x: unknown) => `len of ${String(x)}`);
    expect(d.prepare("SELECT length(a) FROM t").pluck().get()).toBe("len of abc");
  });

  it("is compiled into the Column instruction", () => {
    const d = new Database(":memory:");
    d.exec("CREATE TABLE t(a, b)");
    const ops = d.prepare("EXPLAIN SELECT length(b) FROM t").all() as { opcode: string }[];
    expect(ops.some((o) => o.opcode === "Function")).toBe(false);
  });

  it("counts characters of LEFT JOIN columns with no match as NULL", () => {
    const d = new Database(":memory:");
    d.exec("CREATE TABLE a(x); CREATE TABLE b(y, z); INSERT INTO a VALUES (1), (2); INSERT INTO b VALUES (1, 'four')");
    expect(d.prepare("SELECT x, length(z) FROM a LEFT JOIN b ON y = x ORDER BY x").raw().all()).toEqual([
      [1, 4],
      [2, null],
    ]);
  });
});

describe("prepared statements reuse their execution", () => {
  function db(): Database {
    const d = new Database(":memory:");
    d.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score INTEGER)");
    const ins = d.prepare("INSERT INTO t(name, score) VALUES (?, ?)");
    for (let i = 1; i <= 50; i++) ins.run(`n${i}`, i % 7);
    d.exec("CREATE INDEX t_score ON t(score)");
    return d;
  }

  it("gives the right rows run after run, across writes", () => {
    const d = db();
    const get = d.prepare("SELECT id, name FROM t WHERE id = ?");
    const range = d.prepare("SELECT id FROM t WHERE id BETWEEN ? AND ?").pluck();
    const idx = d.prepare("SELECT id FROM t WHERE score = ? ORDER BY id").pluck();
    for (let i = 1; i <= 50; i++) {
      expect(get.get(i)).toEqual({ id: i, name: `n${i}` });
      expect(range.all(i, i + 2)).toEqual([i, i + 1, i + 2].filter((x) => x <= 50));
    }
    expect(get.get(51)).toBeUndefined();
    d.prepare("UPDATE t SET name = 'changed' WHERE id = 3").run();
    expect(get.get(3)).toEqual({ id: 3, name: "changed" });
    expect(idx.all(3)).toEqual([3, 10, 17, 24, 31, 38, 45]);
    d.prepare("DELETE FROM t WHERE id = 10").run();
    expect(idx.all(3)).toEqual([3, 17, 24, 31, 38, 45]);
  });

  it("recompiles after a schema change", () => {
    const d = db();
    const s = d.prepare("SELECT * FROM t WHERE id = ?");
    expect(s.get(1)).toEqual({ id: 1, name: "n1", score: 1 });
    d.exec("ALTER TABLE t ADD COLUMN extra DEFAULT 9");
    expect(s.get(1)).toEqual({ id: 1, name: "n1", score: 1, extra: 9 });
  });

  it("runs the same statement again from a user function while it runs", () => {
    const d = db();
    d.function("lookup", (id: unknown) => f(Number(id) + 1));
    const s = d.prepare("SELECT name || ':' || (CASE WHEN ? < 3 THEN lookup(?) ELSE 'end' END) AS v FROM t WHERE id = ?");
    // Parameters are bound per run: the nested run must not disturb the outer one.
    const f = (id: number): string => (s.get(id, id, id) as { v: string }).v;
    expect(f(1)).toBe("n1:n2:n3:end");
    expect(f(1)).toBe("n1:n2:n3:end");
  });

  it("iterate keeps its run while other statements run, and refuses a second run meanwhile", () => {
    const d = db();
    const s = d.prepare("SELECT id FROM t WHERE id <= ? ORDER BY id").pluck();
    const other = d.prepare("SELECT count(*) FROM t").pluck();
    const seen: unknown[] = [];
    for (const id of s.iterate(3)) {
      seen.push(id, other.get());
      expect(() => s.all(1)).toThrow(/busy/);
    }
    expect(seen).toEqual([1, 50, 2, 50, 3, 50]);
    expect(s.all(2)).toEqual([1, 2]);
  });

  it("stops an iterate early and runs again", () => {
    const d = db();
    const s = d.prepare("SELECT id FROM t ORDER BY id").pluck();
    for (const id of s.iterate()) if (id === 2) break;
    expect(s.all().length).toBe(50);
  });

  it("recovers after an error in a run", () => {
    const d = db();
    const s = d.prepare("SELECT CASE WHEN id = ? THEN abs(-9223372036854775807 - 1) ELSE id END FROM t WHERE id <= 3 ORDER BY id").pluck();
    expect(() => s.all(2)).toThrow(/integer overflow/);
    expect(s.all(0)).toEqual([1, 2, 3]);
  });

  it("honours raw, pluck and safeIntegers set between runs", () => {
    const d = db();
    const s = d.prepare("SELECT id, score FROM t WHERE id = ?");
    expect(s.get(8)).toEqual({ id: 8, score: 1 });
    expect(s.raw().get(8)).toEqual([8, 1]);
    expect(s.pluck().get(8)).toBe(8);
    expect(s.safeIntegers().get(8)).toBe(8n);
    expect(s.raw(false).pluck(false).get(8)).toEqual({ id: 8n, score: 1n });
  });

  it("builds row objects with any column names", () => {
    const d = new Database(":memory:");
    const row = d.prepare(`SELECT 1 AS a, 2 AS a, 3 AS "x""y", 4 AS "\\", 5 AS "a b", 6 AS constructor, 7 AS "1"`).get();
    expect(row).toEqual({ a: 2, 'x"y': 3, "\\": 4, "a b": 5, constructor: 6, "1": 7 });
    const proto = d.prepare(`SELECT 1 AS "__proto__", 2 AS b`).get() as Record<string, unknown>;
    expect(proto.b).toBe(2);
  });

  it("binds parameters positionally, by array and by name", () => {
    const d = db();
    expect(d.prepare("SELECT ? + ?").pluck().get(1, 2)).toBe(3);
    expect(d.prepare("SELECT ? + ?").pluck().get([1, 2])).toBe(3);
    expect(d.prepare("SELECT :a + ?").pluck().get({ a: 1 }, 2)).toBe(3);
    expect(d.prepare("SELECT ?").pluck().get(Buffer.from([1]))).toEqual(Buffer.from([1]));
    expect(() => d.prepare("SELECT ? + ?").get(1)).toThrow(/Too few/);
  });
});

describe("rowid range scans", () => {
  it("stop at the upper bound, including at the ends of the rowid space", () => {
    const d = new Database(":memory:");
    d.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v)");
    const ins = d.prepare("INSERT INTO t VALUES (?, ?)");
    for (const id of [-9223372036854775808n, -5n, 0n, 1n, 2n, 9007199254740993n, 9223372036854775807n]) ins.run(id, 1);
    const s = d.prepare("SELECT id FROM t WHERE id BETWEEN ? AND ?").pluck().safeIntegers();
    expect(s.all(-10, 1)).toEqual([-5n, 0n, 1n]);
    expect(s.all(2, 9007199254740993n)).toEqual([2n, 9007199254740993n]);
    expect(s.all(9007199254740992n, 9223372036854775807n)).toEqual([9007199254740993n, 9223372036854775807n]);
    expect(s.all(-9223372036854775808n, -5)).toEqual([-9223372036854775808n, -5n]);
    expect(d.prepare("SELECT id FROM t WHERE id > 0 AND id < 2").pluck().all()).toEqual([1]);
    expect(d.prepare("SELECT id FROM t WHERE id >= 1 AND id <= 2 ORDER BY id DESC").pluck().all()).toEqual([2, 1]);
  });
});
