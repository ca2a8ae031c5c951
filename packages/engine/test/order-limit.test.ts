/**
 * ORDER BY ... LIMIT keeps only LIMIT + OFFSET rows in the sorter (a top-N heap). Results must be
 * those of the full sort: against SQLite (sql.js) with unique sort keys, and against our own full
 * sort (no LIMIT, sliced) with ties, which keep insertion order.
 */
import initSqlJs from "sql.js";
import { beforeAll, describe, expect, it } from "vitest";
import { Database } from "../src/index.js";

let SQL: Awaited<ReturnType<typeof initSqlJs>>;
beforeAll(async () => {
  SQL = await initSqlJs();
});

const N = 3000;
const setup = (exec: (sql: string) => void) => {
  exec("CREATE TABLE t(id INTEGER PRIMARY KEY, g INTEGER, s TEXT, r REAL)");
  const rows: string[] = [];
  for (let i = 1; i <= N; i++) {
    const g = (i * 7919) % 97;
    const s = i % 13 === 0 ? "NULL" : `'k${(i * 31) % 211}'`;
    rows.push(`(${i}, ${g}, ${s}, ${((i * 17) % 101) / 4})`);
  }
  exec(`INSERT INTO t VALUES ${rows.join(", ")}`);
};

describe("ORDER BY with LIMIT (top-N)", () => {
  it("agrees with SQLite on unique orderings", () => {
    const ours = new Database(":memory:");
    const theirs = new SQL.Database();
    setup((s) => ours.exec(s));
    setup((s) => theirs.run(s));
    const queries = [
      "SELECT id, g FROM t ORDER BY g, id LIMIT 10",
      "SELECT id, g FROM t ORDER BY g DESC, id DESC LIMIT 25 OFFSET 40",
      "SELECT id, s FROM t ORDER BY s NULLS LAST, id LIMIT 30",
      "SELECT id, s FROM t ORDER BY s DESC, id LIMIT 30 OFFSET 2990",
      "SELECT id FROM t ORDER BY r * 2 - g, id LIMIT 1",
      "SELECT id FROM t ORDER BY g, id LIMIT 0",
      "SELECT id FROM t ORDER BY g, id LIMIT -1 OFFSET 2995",
      "SELECT id FROM t ORDER BY g, id LIMIT 5 OFFSET 5000",
      "SELECT id FROM t ORDER BY g, id LIMIT 20000",
      "SELECT g, count(*) AS n, sum(id) AS total FROM t GROUP BY g ORDER BY total DESC, g LIMIT 10",
      "SELECT DISTINCT g FROM t ORDER BY g DESC LIMIT 7",
      "SELECT id, (SELECT group_concat(id) FROM (SELECT id FROM t AS t2 WHERE t2.g = t.g ORDER BY r, id LIMIT 3)) FROM t WHERE id <= 5 ORDER BY id",
    ];
    for (const sql of queries) {
      const res = theirs.exec(sql);
      const expected = res.length ? res[0]!.values : [];
      expect(ours.prepare(sql).raw().all(), sql).toEqual(expected);
    }
  });

  it("keeps ties in insertion order, as the full sort does", () => {
    const db = new Database(":memory:");
    setup((s) => db.exec(s));
    const full = db.prepare("SELECT id, g, s FROM t ORDER BY g").raw().all();
    const fullS = db.prepare("SELECT id, s FROM t ORDER BY s DESC").raw().all();
    for (const [limit, offset] of [[1, 0], [10, 0], [31, 0], [100, 17], [1000, 1500], [2999, 0], [3000, 1]]) {
      expect(db.prepare("SELECT id, g, s FROM t ORDER BY g LIMIT ? OFFSET ?").raw().all(limit, offset)).toEqual(full.slice(offset, offset + limit));
      expect(db.prepare("SELECT id, s FROM t ORDER BY s DESC LIMIT ? OFFSET ?").raw().all(limit, offset)).toEqual(fullS.slice(offset, offset + limit));
    }
    // The same prepared statement with another limit, and a limit from an expression.
    const st = db.prepare("SELECT id FROM t ORDER BY r LIMIT ?");
    const fullR = db.prepare("SELECT id FROM t ORDER BY r").raw().all();
    expect(st.raw().all(3)).toEqual(fullR.slice(0, 3));
    expect(st.raw().all(50)).toEqual(fullR.slice(0, 50));
    expect(db.prepare("SELECT id FROM t ORDER BY r LIMIT (SELECT 2 + 2)").raw().all()).toEqual(fullR.slice(0, 4));
  });
});
