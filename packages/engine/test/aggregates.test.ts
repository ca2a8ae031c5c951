/**
 * Aggregates, above all without GROUP BY (compiled to accumulator steps with no group table):
 * every query's rows and errors must agree with real SQLite (sql.js).
 */
import initSqlJs, { type Database as SqlJsDatabase } from "sql.js";
import { beforeAll, describe, expect, it } from "vitest";
import { Database } from "../src/index.js";

let SQL: Awaited<ReturnType<typeof initSqlJs>>;
beforeAll(async () => {
  SQL = await initSqlJs();
});

function norm(v: unknown): unknown {
  return v instanceof Uint8Array ? [...v] : v;
}

function runOurs(db: Database, sql: string): unknown {
  try {
    const st = db.prepare(sql);
    if (st.reader) return st.raw().all().map((r) => (r as unknown[]).map(norm));
    st.run();
    return "ok";
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

function runTheirs(db: SqlJsDatabase, sql: string): unknown {
  try {
    const res = db.exec(sql);
    if (/^\s*(SELECT|VALUES|WITH)/i.test(sql)) return res.length ? res[0]!.values.map((r) => r.map(norm)) : [];
    return "ok";
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

const SETUP = [
  "CREATE TABLE e(x INTEGER, y TEXT)",
  "CREATE TABLE a(id INTEGER PRIMARY KEY, x INTEGER, y REAL, z TEXT, b BLOB, m)",
  "INSERT INTO a(x, y, z, b, m) VALUES (1, 1.5, 'p', x'01', 3), (2, NULL, 'q', NULL, 'text'), (NULL, 2.5, NULL, x'', 2.5), (2, 3.0, 'Q', x'0203', NULL), (-7, -0.5, 'r', x'ff', '12')",
  "CREATE TABLE big(v INTEGER)",
  "INSERT INTO big VALUES (9223372036854775807), (1)",
  "CREATE TABLE big2(v INTEGER)",
  "INSERT INTO big2 VALUES (9223372036854775807), (1), (-5)",
  "CREATE TABLE neg(v INTEGER)",
  "INSERT INTO neg VALUES (-9223372036854775808), (-1)",
  "CREATE TABLE dup(v)",
  "INSERT INTO dup VALUES (5), (5), (NULL), (3), (NULL), (9), (9), (1)",
  "CREATE TABLE mixed(v)",
  "INSERT INTO mixed VALUES (1), ('2'), (2.5), ('abc'), (x'31'), (NULL), ('  4  '), (9007199254740993)",
];

const QUERIES = [
  // empty table: count 0, sum/avg/min/max NULL, total 0.0
  "SELECT count(*), count(x), sum(x), total(x), avg(x), min(x), max(x), group_concat(y) FROM e",
  "SELECT count(*) FROM e",
  "SELECT sum(x) IS NULL, typeof(total(x)), typeof(avg(x)) FROM e",
  "SELECT count(*), sum(x) FROM a WHERE 0",
  "SELECT count(*), y FROM e",
  // NULLs and types
  "SELECT count(*), count(x), sum(x), total(x), avg(x), min(x), max(x) FROM a",
  "SELECT count(y), sum(y), total(y), avg(y), min(y), max(y), typeof(sum(y)), typeof(avg(x)), typeof(total(x)) FROM a",
  "SELECT count(z), min(z), max(z), group_concat(z), group_concat(z, '-') FROM a",
  "SELECT count(b), min(b), max(b), length(group_concat(b)) FROM a",
  "SELECT count(m), sum(m), total(m), avg(m), min(m), max(m) FROM a",
  "SELECT sum(v), total(v), avg(v), min(v), max(v), count(v) FROM mixed",
  "SELECT sum(length(z)), avg(length(z)), max(length(b)), min(length(m)) FROM a",
  "SELECT min(z COLLATE NOCASE), max(z COLLATE NOCASE), max(z) FROM a",
  // overflow
  "SELECT sum(v) FROM big",
  "SELECT total(v), avg(v) FROM big",
  "SELECT sum(v) FROM big2",
  "SELECT sum(v) FROM neg",
  "SELECT sum(v), count(*) FROM big WHERE v > 1",
  "SELECT sum(v + 0.0) FROM big",
  // DISTINCT
  "SELECT count(DISTINCT x), sum(DISTINCT x), avg(DISTINCT x), total(DISTINCT x), min(DISTINCT x), max(DISTINCT x) FROM a",
  "SELECT count(DISTINCT z), group_concat(DISTINCT z) FROM a",
  "SELECT count(DISTINCT x), count(x), count(*) FROM a",
  "SELECT count(DISTINCT v) FROM mixed",
  "SELECT count(DISTINCT x, y) FROM a",
  // FILTER
  "SELECT count(*) FILTER (WHERE x > 1), sum(x) FILTER (WHERE y IS NOT NULL), count(*) FROM a",
  "SELECT max(z) FILTER (WHERE x < 2), min(x) FILTER (WHERE 0) FROM a",
  // expressions over aggregates, HAVING / ORDER BY without GROUP BY
  "SELECT count(*) + 1, sum(x) * 2, avg(x) > 0, -max(x), coalesce(min(x), 'none') FROM a",
  "SELECT count(*) FROM a HAVING count(*) > 2",
  "SELECT count(*) FROM a HAVING count(*) > 20",
  "SELECT count(*) FROM a HAVING sum(x) > 0 ORDER BY max(y)",
  "SELECT sum(x) FROM a ORDER BY count(*) DESC",
  "SELECT count(*) FROM e HAVING count(*) = 0",
  "SELECT count(*) FROM a LIMIT 0",
  "SELECT count(*) FROM a LIMIT 1 OFFSET 1",
  "SELECT DISTINCT count(*) FROM a",
  "SELECT count(*) AS n FROM a ORDER BY n",
  // bare columns: last row, or the row of the single min()/max()
  "SELECT max(x), id FROM a",
  "SELECT min(x), id, z FROM a",
  "SELECT max(y), z FROM a",
  "SELECT min(z), id FROM a",
  "SELECT max(x), id FROM a WHERE x = 2",
  "SELECT max(x), min(x), id FROM a WHERE id < 3",
  "SELECT count(*), id, z FROM a",
  "SELECT id, count(*) FROM e",
  "SELECT max(x), id FROM e",
  "SELECT max(x) FILTER (WHERE id > 1), id FROM a",
  "SELECT max(DISTINCT x), id FROM a",
  "SELECT max(DISTINCT v), rowid FROM dup",
  "SELECT min(DISTINCT v), max(v), rowid FROM dup",
  "SELECT max(v) FILTER (WHERE rowid > 1), min(v), rowid FROM dup",
  "SELECT max(v) FILTER (WHERE rowid < 3), count(*), rowid FROM dup",
  "SELECT min(x) FILTER (WHERE id > 2), id, max(y) FILTER (WHERE id < 5) FROM a",
  "SELECT max(m), id FROM a",
  "SELECT count(x, y) FROM a",
  "SELECT sum() FROM a",
  "SELECT max(x) FROM a HAVING id > 1",
  // with GROUP BY: specialised steps on each group's accumulators
  "SELECT x, count(*), count(z), sum(y), total(y), avg(id), min(z), max(z COLLATE NOCASE) FROM a GROUP BY x ORDER BY x",
  "SELECT typeof(v), count(*), sum(v), min(v), max(v) FROM mixed GROUP BY typeof(v) ORDER BY 1",
  "SELECT z, count(*) FROM a GROUP BY z ORDER BY z",
  "SELECT v % 2, sum(v) FROM big2 GROUP BY v % 2 ORDER BY 1",
  "SELECT z, sum(x) FILTER (WHERE x > 0), count(DISTINCT x) FROM a GROUP BY z ORDER BY 1",
  // subqueries and correlated aggregates
  "SELECT (SELECT count(*) FROM a), (SELECT sum(x) FROM a WHERE x > 0)",
  "SELECT id, (SELECT count(*) FROM a AS a2 WHERE a2.x = a.x) FROM a ORDER BY id",
  "SELECT id FROM a WHERE x = (SELECT max(x) FROM a) ORDER BY id",
  "SELECT (SELECT sum(a.x + a2.x) FROM a AS a2) FROM a ORDER BY id",
  "SELECT sum(x) FROM (SELECT x FROM a UNION ALL SELECT x FROM a)",
  "SELECT count(*) FROM a JOIN a AS a2 ON a2.x = a.x",
  "SELECT count(*), sum(a2.id) FROM a LEFT JOIN a AS a2 ON a2.x = a.x + 100",
  // aggregate subqueries inside aggregate queries: each has accumulators of its own
  "SELECT count(*) WHERE (NULL IN (SELECT count()))",
  "SELECT count(*) WHERE (SELECT sum(NULL))",
  "SELECT sum((SELECT count(*) FROM a AS a2 WHERE a2.x = a.x)), count(*), max((SELECT max(id) FROM a AS a3 WHERE a3.id < a.id)) FROM a",
  "SELECT count(*), (SELECT count(*) FROM e), (SELECT sum(x) FROM a) FROM a WHERE x > (SELECT min(x) FROM a)",
  "SELECT total(NULL) WHERE EXISTS (SELECT count(*) WHERE 0)",
  // constant WHERE false still yields a row
  "SELECT count(*), max(x) FROM a WHERE 1 = 2",
  "SELECT count(*) WHERE 0",
  "SELECT count(*), sum(5), avg(2)",
  // misuse
  "SELECT count(*) FROM a WHERE count(*) > 1",
  "SELECT sum(count(*)) FROM a",
  "SELECT x FROM a HAVING x > 1",
];

/** Runs `setup` on both engines, then each query; the queries whose answers differ, described. */
function mismatches(ours: Database, setup: string[], queries: string[]): string {
  const theirs = new SQL.Database();
  for (const sql of setup) {
    ours.exec(sql);
    theirs.run(sql);
  }
  const out: string[] = [];
  for (const sql of queries) {
    const o = runOurs(ours, sql);
    const t = runTheirs(theirs, sql);
    try {
      expect(o).toEqual(t);
    } catch {
      out.push(`${sql}\n  ours:   ${JSON.stringify(o, (_, v) => (typeof v === "bigint" ? `${v}n` : v))}\n  sqlite: ${JSON.stringify(t)}`);
    }
  }
  return out.join("\n");
}

describe("aggregates against SQLite", () => {
  it("agree on every query", () => {
    expect(mismatches(new Database(":memory:"), SETUP, QUERIES)).toBe("");
  });
});

describe("aggregates without GROUP BY", () => {
  const opcodes = (db: Database, sql: string) => (db.prepare(`EXPLAIN ${sql}`).all() as { opcode: string }[]).map((r) => r.opcode);

  it("compile to accumulator steps and one final, with no group table", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, score INTEGER, payload TEXT)");
    const ops = opcodes(db, "SELECT count(*), sum(score), avg(length(payload)), min(score), group_concat(payload) FROM t");
    expect(ops).toContain("AggReset");
    expect(ops).toContain("AggCount");
    expect(ops.filter((o) => o === "AggSum")).toHaveLength(2);
    expect(ops).toContain("AggMinMax");
    expect(ops).toContain("AggStep");
    expect(ops.filter((o) => o === "AggFinal")).toHaveLength(5);
    for (const o of ["OpenPseudo", "GroupStep", "GroupRewind", "GroupAggFinal"]) expect(ops).not.toContain(o);
    // The loop body: count, Column, sum, Column (length), avg, Column, min, Column, group_concat, Next.
    const loop = ops.slice(ops.indexOf("Rewind") + 1, ops.indexOf("Next"));
    expect(loop.filter((o) => o.startsWith("Agg"))).toEqual(["AggCount", "AggSum", "AggSum", "AggMinMax", "AggStep"]);
  });

  it("GROUP BY steps the current group's accumulators through the same ops", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, tag TEXT, score INTEGER)");
    const ops = opcodes(db, "SELECT tag, count(*), sum(score), max(score) FROM t GROUP BY tag");
    expect(ops).toContain("GroupStep");
    expect(ops).toEqual(expect.arrayContaining(["AggCount", "AggSum", "AggMinMax", "GroupAggFinal"]));
    expect(ops).not.toContain("AggReset");
  });

  it("start from empty accumulators on every run of a statement and of a correlated subquery", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t(g INTEGER, v INTEGER)");
    db.exec("INSERT INTO t VALUES (1, 10), (1, 20), (2, 5), (3, NULL)");
    const st = db.prepare("SELECT count(*), sum(v), max(v), g FROM t WHERE g >= ?");
    expect(st.raw().get(1)).toEqual([4, 35, 20, 1]);
    expect(st.raw().get(2)).toEqual([2, 5, 5, 2]);
    expect(st.raw().get(9)).toEqual([0, null, null, null]);
    const rows = db.prepare("SELECT g, (SELECT sum(v) FROM t AS t2 WHERE t2.g = t.g), (SELECT count(*) FROM t AS t2 WHERE t2.g <= t.g) FROM t ORDER BY g, v").raw().all();
    expect(rows).toEqual([[1, 30, 2], [1, 30, 2], [2, 5, 3], [3, null, 4]]);
  });

  it("sum() of integers past 2^53 stays exact and fails with integer overflow past int64", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t(v INTEGER)");
    db.exec("INSERT INTO t VALUES (9007199254740991), (9007199254740991), (3)");
    expect(db.prepare("SELECT sum(v) || '', typeof(sum(v)), typeof(avg(v)), typeof(total(v)) FROM t").raw().get()).toEqual(["18014398509481985", "integer", "real", "real"]);
    db.exec("INSERT INTO t VALUES (9223372036854775000)");
    expect(() => db.prepare("SELECT sum(v) FROM t").get()).toThrow("integer overflow");
    expect(db.prepare("SELECT total(v) > 9.2e18 FROM t").raw().get()).toEqual([1]);
  });
});

// Bare columns with GROUP BY: SQLite takes them from a group's first row, or, with min()/max(),
// from the row where the last min()/max() stepped took a new best (updateAccumulator's regHit);
// the GROUP BY column itself is such a bare value (1 and 1.0, 'a' and 'A' under NOCASE share a
// group). Run in memory and with a budget small enough that the groups spill to disk.
const GROUP_SETUP = [
  "CREATE TABLE z(x, y)",
  "INSERT INTO z VALUES (1, 'a'), (1.0, 'b'), (2.0, 'c'), (2, 'd'), (1, 'e'), (NULL, 'f'), (NULL, 'g')",
  "CREATE TABLE w(x, y, n TEXT COLLATE NOCASE)",
  "INSERT INTO w VALUES ('a', 1, 'p'), ('A', 2, 'P'), ('b', 3, 'q'), ('a', 4, 'p'), ('B', 5, 'Q'), ('b ', 6, 'q ')",
  "CREATE TABLE v(a, b)",
  // 0.0, not -0.0: see docs/sql-differences.md, "Known open differences" (REAL negative zero)
  "INSERT INTO v VALUES (0, 1), (0.0, 2), (1, 2), (3, 1)",
  // DISTINCT duplicates interleaved with other groups' rows
  "CREATE TABLE d(k, y, tag)",
  "INSERT INTO d VALUES (1, 5, 'a'), (2, 9, 'b'), (1, 5, 'c'), (1, 3, 'd'), (2, 9, 'e'), (1, 3, 'f'), (2, 1, 'g'), (2, 1, 'h')",
  // many groups (spill), keys alternating INTEGER / REAL and letter case, values out of order
  "CREATE TABLE g(k, s, y, tag)",
  "CREATE TABLE dg(i)",
  "INSERT INTO dg VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)",
  `INSERT INTO g SELECT CASE WHEN i % 2 THEN (i % 700) * 1.0 ELSE i % 700 END,
          CASE WHEN i % 3 THEN 'k' || (i % 500) ELSE 'K' || (i % 500) END,
          (i * 7919) % 101, 't' || i
   FROM (SELECT a.i * 1000 + b.i * 100 + c.i * 10 + d.i AS i FROM dg a, dg b, dg c, dg d) WHERE i < 3000 ORDER BY i`,
];

const GROUP_QUERIES = [
  "SELECT x, typeof(x), y FROM z GROUP BY x",
  "SELECT x, typeof(x), y, count(*) FROM z GROUP BY x",
  "SELECT x, typeof(x), y, max(y) FROM z GROUP BY x",
  "SELECT x, typeof(x), y, min(y) FROM z GROUP BY x",
  "SELECT x, typeof(x), y, min(y), max(y) FROM z GROUP BY x",
  "SELECT x, typeof(x), y, max(y), min(y) FROM z GROUP BY x",
  "SELECT y, max(x) FROM z GROUP BY x",
  "SELECT y, typeof(x), min(x), count(*) FROM z GROUP BY x",
  "SELECT y FROM z GROUP BY x HAVING max(y) > ''",
  "SELECT x, y FROM z GROUP BY x ORDER BY y",
  "SELECT x + 0, typeof(x + 0), y FROM z GROUP BY x + 0",
  "SELECT y, max(y) FILTER (WHERE y < 'd') FROM z GROUP BY x",
  "SELECT y, max(y) FILTER (WHERE y > 'a') FROM z GROUP BY x",
  "SELECT y, min(y) FILTER (WHERE y > 'a'), count(*) FROM z GROUP BY x",
  "SELECT y, min(y) FILTER (WHERE y > 'a'), max(y) FILTER (WHERE y < 'c') FROM z GROUP BY x",
  "SELECT y, max(y), min(y) FILTER (WHERE y > 'x') FROM z GROUP BY x",
  "SELECT y, max(DISTINCT y) FROM z GROUP BY x",
  "SELECT k, tag, max(DISTINCT y) FROM d GROUP BY k",
  "SELECT k, tag, min(DISTINCT y) FROM d GROUP BY k",
  "SELECT k, tag, min(DISTINCT y), count(*) FILTER (WHERE y > 4) FROM d GROUP BY k",
  "SELECT k, tag, max(DISTINCT y) FILTER (WHERE tag > 'b') FROM d GROUP BY k",
  "SELECT x, y FROM w GROUP BY x COLLATE NOCASE",
  "SELECT x COLLATE NOCASE, y FROM w GROUP BY x COLLATE NOCASE",
  "SELECT x, y, max(y) FROM w GROUP BY x COLLATE NOCASE",
  "SELECT x, count(*) FROM w GROUP BY x COLLATE NOCASE ORDER BY 2",
  "SELECT x, count(*) FROM w GROUP BY x COLLATE RTRIM",
  "SELECT n, y, count(*) FROM w GROUP BY n",
  "SELECT n, x, min(y) FROM w GROUP BY n, x COLLATE NOCASE",
  "SELECT typeof(a / b), a / b FROM v GROUP BY a / b",
  "SELECT typeof(a / b), a / b, max(b) FROM v GROUP BY a / b",
  "SELECT a / b, b FROM v GROUP BY a / b",
  "SELECT a, b FROM v GROUP BY a",
  "SELECT k, typeof(k), tag, count(*) FROM g GROUP BY k",
  "SELECT k, typeof(k), tag, max(y) FROM g GROUP BY k",
  "SELECT k, tag, min(y), max(y) FILTER (WHERE y > 50) FROM g GROUP BY k",
  "SELECT k, tag, max(DISTINCT y % 7) FROM g GROUP BY k",
  "SELECT s, tag, count(*) FROM g GROUP BY s COLLATE NOCASE",
  "SELECT s, tag, min(y) FROM g GROUP BY s COLLATE NOCASE",
  "SELECT s, k, tag FROM g GROUP BY s, k HAVING count(*) > 1",
];

describe("bare columns with GROUP BY against SQLite", () => {
  for (const [label, options] of [
    ["in memory", {}],
    ["spilled", { sortMemoryBytes: 8 * 1024 }],
  ] as const) {
    it(`come from SQLite's row (${label})`, () => {
      const ours = new Database(":memory:", options);
      let spills = 0;
      const store = ours.conn.tempStore;
      const create = store.create.bind(store);
      store.create = () => (spills++, create());
      expect(mismatches(ours, GROUP_SETUP, GROUP_QUERIES)).toBe("");
      if (label === "spilled") expect(spills).toBeGreaterThan(0);
    });
  }
});
