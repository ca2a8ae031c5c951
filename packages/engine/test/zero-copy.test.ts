/**
 * Records read in place in the pinned B+tree leaf (no copy) outside write transactions: columns
 * of the current row stay right while other cursors seek over the same tree under a tiny cache,
 * across joins, and inside write transactions (where records are copied).
 */
import { describe, expect, it } from "vitest";
import { Database } from "../src/index.js";

function payload(i: number): string {
  return `p${i}-`.padEnd(60 + (i % 40), String.fromCharCode(97 + (i % 26)));
}

function filled(n: number): Database {
  const d = new Database(":memory:");
  d.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score INTEGER, payload TEXT, b BLOB)");
  d.exec("CREATE INDEX t_score ON t(score)");
  const ins = d.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)");
  d.transaction(() => {
    for (let i = 1; i <= n; i++) ins.run(i, `name-${i}`, i % 97, payload(i), i % 5 === 0 ? Buffer.alloc(i % 3000, i & 0xff) : null);
  })();
  d.pragma("cache_size = 3");
  return d;
}

describe("zero-copy record reads", () => {
  it("read every column right in scans, seeks and index lookups under a 3-page cache", () => {
    const n = 3000;
    const d = filled(n);
    let count = 0;
    for (const r of d.prepare("SELECT id, name, score, payload, length(b) AS lb FROM t").iterate() as Iterable<Record<string, unknown>>) {
      const i = r.id as number;
      expect(r).toEqual({ id: i, name: `name-${i}`, score: i % 97, payload: payload(i), lb: i % 5 === 0 ? i % 3000 : null });
      count++;
    }
    expect(count).toBe(n);
    const get = d.prepare("SELECT name, payload FROM t WHERE id = ?").raw();
    for (let i = 1; i <= n; i += 37) expect(get.get(i)).toEqual([`name-${i}`, payload(i)]);
    const byScore = d.prepare("SELECT id, name FROM t WHERE score = ? ORDER BY id").raw();
    for (let s = 0; s < 97; s += 11) {
      const rows = byScore.all(s) as [number, string][];
      expect(rows.length).toBe(rows.length > 0 ? Math.floor((n - s) / 97) + (s === 0 ? 0 : 1) : 0);
      for (const [i, name] of rows) expect(name).toBe(`name-${i}`);
    }
    const big = d.prepare("SELECT b FROM t WHERE id = 2995").pluck().get() as Buffer;
    expect(big.length).toBe(2995 % 3000);
    expect(big.every((x) => x === (2995 & 0xff))).toBe(true);
  });

  it("keep the current row while a user function seeks other rows of the same table", () => {
    const d = filled(2000);
    const other = d.prepare("SELECT payload FROM t WHERE id = ?").pluck();
    d.function("peek", (id: number) => (other.get(((id * 7919) % 2000) + 1) as string).length);
    const rows = d.prepare("SELECT id, name, peek(id) AS k, payload, score FROM t WHERE id % 3 = 0").all() as Record<string, number | string>[];
    expect(rows.length).toBe(666);
    for (const r of rows) {
      const i = r.id as number;
      expect(r).toEqual({ id: i, name: `name-${i}`, k: payload(((i * 7919) % 2000) + 1).length, payload: payload(i), score: i % 97 });
    }
  });

  it("joins: the outer row stays right while the inner cursor probes the same tree", () => {
    const d = filled(2000);
    d.exec("CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER, tag TEXT)");
    const ins = d.prepare("INSERT INTO u VALUES (?, ?, ?)");
    d.transaction(() => {
      for (let i = 1; i <= 500; i++) ins.run(i, ((i * 613) % 2000) + 1, `tag${i % 7}`);
    })();
    const rows = d.prepare("SELECT a.id, a.name, b.id AS bid, b.payload, a.payload AS ap FROM t a JOIN t b ON b.id = 2001 - a.id WHERE a.id % 4 = 1").all() as Record<string, unknown>[];
    expect(rows.length).toBe(500);
    for (const r of rows) {
      const i = r.id as number;
      expect(r).toEqual({ id: i, name: `name-${i}`, bid: 2001 - i, payload: payload(2001 - i), ap: payload(i) });
    }
    const g = d.prepare("SELECT u.tag, count(*) AS n, sum(t.score) AS s FROM u JOIN t ON t.id = u.t_id GROUP BY u.tag ORDER BY u.tag").raw().all();
    const expected = new Map<string, [number, number]>();
    for (let i = 1; i <= 500; i++) {
      const tag = `tag${i % 7}`;
      const e = expected.get(tag) ?? [0, 0];
      e[0]++;
      e[1] += (((i * 613) % 2000) + 1) % 97;
      expected.set(tag, e);
    }
    expect(g).toEqual([...expected.entries()].sort().map(([tag, [n, s]]) => [tag, n, s]));
  });

  it("read rows right inside write transactions, across savepoint rollbacks", () => {
    const d = filled(1000);
    d.exec("BEGIN");
    d.exec("UPDATE t SET name = 'x' || name WHERE id % 2 = 0");
    d.exec("SAVEPOINT s");
    d.exec("DELETE FROM t WHERE id > 500");
    expect(d.prepare("SELECT count(*) FROM t").pluck().get()).toBe(500);
    d.exec("ROLLBACK TO s");
    const rows = d.prepare("SELECT id, name, payload FROM t").raw().all() as [number, string, string][];
    expect(rows.length).toBe(1000);
    for (const [i, name, p] of rows) {
      expect(name).toBe(i % 2 === 0 ? `xname-${i}` : `name-${i}`);
      expect(p).toBe(payload(i));
    }
    d.exec("ROLLBACK");
    const after = d.prepare("SELECT id, name FROM t WHERE id <= 10").raw().all();
    expect(after).toEqual(Array.from({ length: 10 }, (_, k) => [k + 1, `name-${k + 1}`]));
  });

  it("reads the row again, not stale page bytes, when a write transaction began while it was read", () => {
    const d = filled(200);
    const it2 = d.prepare("SELECT id, name, payload FROM t").raw().iterate() as Iterator<[number, string, string]>;
    const first = it2.next().value as [number, string, string];
    expect(first).toEqual([1, "name-1", payload(1)]);
    // Another statement may not write while this one reads (as before this change).
    expect(() => d.exec("INSERT INTO t(name) VALUES ('new')")).toThrow();
    let k = 1;
    for (let r = it2.next(); !r.done; r = it2.next()) {
      k++;
      expect(r.value).toEqual([k, `name-${k}`, payload(k)]);
    }
    expect(k).toBe(200);
  });
});
