/**
 * Scripts run by @db and by real SQLite (sql.js); every query's rows and every error must agree.
 * Each script is a list of statements; a statement whose text starts with SELECT is compared.
 */
import initSqlJs, { type Database as SqlJsDatabase } from "sql.js";
import { beforeAll, describe, expect, it } from "vitest";
import { Database } from "../src/index.js";

let SQL: Awaited<ReturnType<typeof initSqlJs>>;
beforeAll(async () => {
  SQL = await initSqlJs();
});

function runOurs(db: Database, sql: string): unknown {
  try {
    const st = db.prepare(sql);
    if (st.reader) return st.raw().all().map((r) => (r as unknown[]).map((v) => (Buffer.isBuffer(v) ? [...v] : v)));
    st.run();
    return "ok";
  } catch {
    return "error";
  }
}

function runTheirs(db: SqlJsDatabase, sql: string): unknown {
  try {
    const res = db.exec(sql);
    if (/^\s*(SELECT|VALUES|WITH|PRAGMA)/i.test(sql)) return res.length ? res[0]!.values.map((r) => r.map((v) => (v instanceof Uint8Array ? [...v] : v))) : [];
    return "ok";
  } catch {
    return "error";
  }
}

const SCRIPTS: Record<string, string[]> = {
  triggers: [
    "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
    "CREATE TABLE log(id INTEGER PRIMARY KEY, what TEXT, old TEXT, new TEXT)",
    "CREATE TRIGGER ti AFTER INSERT ON t BEGIN INSERT INTO log(what, new) VALUES ('ins', NEW.v); END",
    "CREATE TRIGGER tu AFTER UPDATE OF v ON t WHEN OLD.v <> NEW.v BEGIN INSERT INTO log(what, old, new) VALUES ('upd', OLD.v, NEW.v); END",
    "CREATE TRIGGER td BEFORE DELETE ON t BEGIN INSERT INTO log(what, old) VALUES ('del', OLD.v); END",
    "CREATE TRIGGER tb BEFORE INSERT ON t WHEN NEW.v = 'bad' BEGIN SELECT RAISE(ABORT, 'no bad values'); END",
    "CREATE TRIGGER tig BEFORE INSERT ON t WHEN NEW.v = 'skip' BEGIN SELECT RAISE(IGNORE); END",
    "CREATE TRIGGER tself AFTER INSERT ON t WHEN NEW.v = 'dup' BEGIN INSERT INTO t(v) VALUES ('dup2'); END",
    "INSERT INTO t(v) VALUES ('a'), ('b'), ('dup'), ('skip')",
    "UPDATE t SET v = 'B' WHERE v = 'b'",
    "UPDATE t SET v = 'a' WHERE v = 'a'",
    "DELETE FROM t WHERE v = 'a'",
    "SELECT * FROM t ORDER BY id",
    "SELECT * FROM log ORDER BY id",
    "INSERT INTO t(v) VALUES ('bad')",
    "SELECT count(*) FROM t",
    "CREATE TRIGGER ti AFTER INSERT ON t BEGIN SELECT 1; END",
    "DROP TRIGGER ti",
    "DROP TRIGGER ti",
    "DROP TRIGGER IF EXISTS ti",
    "INSERT INTO t(v) VALUES ('z')",
    "SELECT count(*) FROM log",
    "DROP TABLE t",
    "SELECT name FROM sqlite_master WHERE type = 'trigger'",
  ],
  savepoints: [
    "CREATE TABLE s(x INTEGER PRIMARY KEY, y TEXT UNIQUE)",
    "SAVEPOINT a",
    "INSERT INTO s VALUES (1, 'one')",
    "SAVEPOINT b",
    "INSERT INTO s VALUES (2, 'two')",
    "ROLLBACK TO b",
    "SELECT * FROM s ORDER BY x",
    "INSERT INTO s VALUES (3, 'three')",
    "RELEASE b",
    "RELEASE nosuch",
    "SAVEPOINT c",
    "CREATE TABLE s2(z)",
    "INSERT INTO s2 VALUES (9)",
    "ROLLBACK TO c",
    "SELECT name FROM sqlite_master WHERE name = 's2'",
    "RELEASE a",
    "SELECT * FROM s ORDER BY x",
    "BEGIN",
    "SAVEPOINT d",
    "INSERT INTO s VALUES (4, 'four')",
    "ROLLBACK",
    "SELECT count(*) FROM s",
    "ROLLBACK TO d",
  ],
  "alter table": [
    "CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT)",
    "CREATE INDEX p_name ON p(name)",
    "CREATE TABLE pl(id INTEGER PRIMARY KEY, what TEXT)",
    "CREATE TRIGGER p_ins AFTER INSERT ON p BEGIN INSERT INTO pl(what) VALUES (NEW.name); END",
    "INSERT INTO p(name) VALUES ('a'), ('b')",
    "ALTER TABLE p ADD COLUMN score INTEGER DEFAULT 7",
    "ALTER TABLE p ADD COLUMN neg REAL DEFAULT -1.5",
    "ALTER TABLE p ADD COLUMN nn TEXT NOT NULL",
    "ALTER TABLE p ADD COLUMN nn TEXT NOT NULL DEFAULT 'x'",
    "ALTER TABLE p ADD COLUMN name TEXT",
    "SELECT * FROM p ORDER BY id",
    "INSERT INTO p(name, score) VALUES ('c', 1)",
    "SELECT id, name, score, neg, nn FROM p WHERE score > 5 ORDER BY id",
    "ALTER TABLE p RENAME TO people",
    "SELECT * FROM p",
    "SELECT count(*) FROM people WHERE name = 'b'",
    "INSERT INTO people(name) VALUES ('d')",
    "SELECT what FROM pl ORDER BY id",
    "SELECT type, name, tbl_name FROM sqlite_master ORDER BY name",
    "CREATE TABLE q(a INTEGER, b TEXT)",
    "CREATE UNIQUE INDEX q_ab ON q(a, b)",
    "INSERT INTO q VALUES (1, 'x')",
    "DROP TRIGGER p_ins",
    "ALTER TABLE q RENAME COLUMN b TO bee",
    "SELECT a, bee FROM q",
    "SELECT b FROM q",
    "INSERT INTO q VALUES (1, 'x')",
    "ALTER TABLE nosuch ADD COLUMN x",
    "CREATE TABLE summary AS SELECT name, count(*) AS n, avg(score) AS s, name || 'x', 1.5 * score FROM people GROUP BY name",
    "SELECT * FROM summary ORDER BY name",
    "SELECT sql FROM sqlite_master WHERE name = 'summary'",
    "SELECT typeof(n), typeof(s) FROM summary LIMIT 1",
  ],
  "aggregates and nulls": [
    "CREATE TABLE a(x INTEGER, y REAL, z TEXT)",
    "INSERT INTO a VALUES (1, 1.5, 'p'), (2, NULL, 'q'), (NULL, 2.5, NULL), (2, 3.0, 'q')",
    "SELECT count(*), count(x), sum(x), total(x), avg(y), min(z), max(z), group_concat(z) FROM a",
    "SELECT x, count(*), sum(y) FROM a GROUP BY x ORDER BY x",
    "SELECT sum(x) FROM a WHERE 0",
    "SELECT count(*) FROM a WHERE NULL",
    "SELECT avg(x) FROM a WHERE x > 100",
    "SELECT x FROM a WHERE x IN (SELECT x FROM a WHERE z = 'q') ORDER BY 1",
    "SELECT 1 WHERE 1 IN (SELECT 1, 2)",
    "SELECT group_concat(DISTINCT z, ':') FROM a",
    "SELECT count(DISTINCT z) FROM a",
    "SELECT 9223372036854775807 + 1, -9223372036854775808 - 1, 5 / 0, 5 % 0, 7 / 2.0",
    "SELECT 2 IS TRUE, 0 IS FALSE, NULL IS TRUE, NULL IS NOT FALSE, 0.5 IS TRUE, 'a' IS FALSE, 2147483648 IS TRUE, 1 IS NOT TRUE",
    "SELECT x FROM a WHERE y IS TRUE ORDER BY x",
    "SELECT 1 ORDER BY -1",
    "SELECT 1 GROUP BY -3",
    "SELECT NULL ORDER BY -9223372036854775807",
    "SELECT x FROM a ORDER BY 3",
  ],
  "nulls first and last": [
    "CREATE TABLE n(id INTEGER PRIMARY KEY, v INTEGER, w TEXT)",
    "CREATE INDEX n_v ON n(v)",
    "INSERT INTO n VALUES (1, NULL, 'b'), (2, 0, NULL), (3, 5, 'a'), (4, NULL, NULL), (5, -1, 'c')",
    "SELECT id, v FROM n ORDER BY v NULLS LAST, id",
    "SELECT id, v FROM n ORDER BY v DESC NULLS FIRST, id",
    "SELECT id, v FROM n ORDER BY v ASC NULLS FIRST, id",
    "SELECT id, v FROM n ORDER BY v DESC NULLS LAST, id",
    "SELECT v FROM n ORDER BY v NULLS LAST LIMIT 3",
    "SELECT v FROM n ORDER BY v DESC NULLS FIRST LIMIT 3",
    "SELECT id, w FROM n ORDER BY w DESC NULLS FIRST, id DESC NULLS LAST",
    "SELECT v FROM n UNION ALL SELECT NULL ORDER BY 1 NULLS LAST",
    "SELECT v, count(*) FROM n GROUP BY v ORDER BY v NULLS LAST",
    "SELECT id FROM n ORDER BY v DESC, id",
    "SELECT id FROM n WHERE v IS NULL ORDER BY v, id DESC",
  ],
  "compound column affinity": [
    "CREATE VIEW v0(x0, x1) AS SELECT NULL, 0 EXCEPT SELECT NULL, CAST(NULL AS FLOAT)",
    "SELECT x1, typeof(x1), x1 LIKE 0 FROM v0",
    "SELECT x1, typeof(x1) FROM (SELECT 0 AS x1 UNION SELECT CAST(5 AS REAL))",
    "SELECT x1, typeof(x1) FROM (SELECT 0 AS x1 UNION ALL SELECT CAST(5 AS REAL))",
    "SELECT x1, typeof(x1) FROM (SELECT '7' AS x1 UNION SELECT CAST(5 AS REAL))",
    "SELECT x1, typeof(x1) FROM (SELECT 7 AS x1 UNION SELECT CAST(5 AS TEXT)) WHERE x1 = '7'",
    "SELECT 0 UNION SELECT CAST(5 AS REAL)",
    "CREATE TABLE r(a REAL, b BLOB, c TEXT)",
    "INSERT INTO r VALUES (1, 1, 0)",
    "SELECT a, typeof(a) FROM (SELECT a FROM r UNION SELECT 2)",
    "SELECT a, typeof(a) FROM (SELECT 3 AS a UNION ALL SELECT a FROM r)",
    "SELECT c >= b, c BETWEEN b AND 0, b <= c, c = b FROM r",
    "SELECT count(*) FROM r WHERE c BETWEEN b AND 0",
  ],
  "IN affinity": [
    "CREATE TABLE i1 (c0 TEXT, c1 INTEGER, c2 BLOB, c3 BOOLEAN, c4 NUMERIC)",
    "INSERT INTO i1 VALUES (0, '1', 2, 0, 7)",
    "CREATE INDEX i1c0 ON i1(c0)",
    "SELECT 0 IN (c0), c0 IN (0, 1), c1 IN ('1'), c2 IN ('2'), '0' IN (c3), c3 IN ('0', 'x') FROM i1",
    "SELECT 0 IN (CAST(0 AS TEXT)), (0 || 0) IN (CAST(0 AS FLOAT)), concat_ws(0, 0) IN (CAST(0 AS NUMERIC))",
    "SELECT CAST(c4 AS VARCHAR(5)) IN (CAST(7 AS REAL)), c4 IN ('7', 8) FROM i1",
    "SELECT 0 IN (SELECT c0 FROM i1), 0 IN i1, c3 IN (SELECT substr(0, 0)) FROM i1",
    "SELECT c1 IN (SELECT c0 FROM i1), c0 IN (SELECT c1 - 1 FROM i1), c2 IN (SELECT '2') FROM i1",
    "SELECT 0 IN (SELECT c0 FROM i1 UNION SELECT 5), 0 IN (SELECT 5 UNION SELECT c0 FROM i1)",
    "SELECT count(*) FROM i1 WHERE c0 IN (0, 5)",
    "SELECT count(*) FROM i1 WHERE c0 IN (SELECT 0)",
    "SELECT count(*) FROM i1 WHERE c1 IN (SELECT '1')",
    "SELECT c0 NOT IN (SELECT 0), 5 NOT IN (SELECT c1 FROM i1) FROM i1",
    "SELECT ((SELECT a.c0) >= 1), (SELECT a.c1) = '1', (SELECT a.c0) = 0, (SELECT 1 UNION SELECT a.c0) = 0 FROM i1 AS a",
    "SELECT (SELECT CAST(1 AS TEXT)) = 1, (SELECT c1 FROM i1 UNION ALL SELECT 1) = '1'",
  ],
  "conflict resolution": [
    "CREATE TABLE r0 (c2 NOT NULL DEFAULT 0.0)",
    "INSERT OR REPLACE INTO r0(c2) VALUES (NULL)",
    "SELECT rowid, c2, typeof(c2) FROM r0",
    "CREATE TABLE r1 (a INTEGER NOT NULL DEFAULT '5', b TEXT NOT NULL)",
    "INSERT OR REPLACE INTO r1 VALUES (NULL, 'x')",
    "INSERT OR REPLACE INTO r1 VALUES (1, NULL)",
    "UPDATE OR REPLACE r1 SET a = NULL",
    "SELECT a, typeof(a), b FROM r1",
    "CREATE TABLE r2 (c4 DOUBLE UNIQUE)",
    "INSERT OR IGNORE INTO r2(c4) VALUES ('aBc'), ('aBc'), (NULL)",
    "INSERT OR IGNORE INTO r2(c4) VALUES ('aBc'), (7), ('aBc'), (8)",
    "SELECT rowid, * FROM r2",
  ],
  autoincrement: [
    "CREATE TABLE t5(a INTEGER PRIMARY KEY AUTOINCREMENT, b UNIQUE)",
    "SELECT name, sql FROM sqlite_schema",
    "INSERT OR IGNORE INTO t5(b) VALUES (1), (1), (2)",
    "SELECT * FROM t5",
    "SELECT * FROM sqlite_sequence",
    "DELETE FROM t5 WHERE a = 3",
    "INSERT INTO t5(b) VALUES (9)",
    "SELECT * FROM t5",
    "INSERT INTO t5(a, b) VALUES (100, 'x')",
    "INSERT INTO t5(b) VALUES ('y')",
    "SELECT * FROM t5",
    "SELECT * FROM sqlite_sequence",
    "DELETE FROM t5",
    "INSERT INTO t5(b) VALUES ('z')",
    "SELECT * FROM t5",
    "CREATE TABLE t6(x INTEGER, y, PRIMARY KEY(x AUTOINCREMENT))",
    "INSERT INTO t6(y) SELECT b FROM t5",
    "INSERT INTO t6(x, y) VALUES (50, 1)",
    "INSERT INTO t6(x, y) VALUES (20, 1)",
    "SELECT * FROM sqlite_sequence ORDER BY name",
    "UPDATE sqlite_sequence SET seq = 1000 WHERE name = 't6'",
    "INSERT INTO t6(y) VALUES (2)",
    "SELECT * FROM t6",
    "CREATE TABLE bad(a TEXT PRIMARY KEY AUTOINCREMENT)",
    "CREATE TABLE bad2(a INT PRIMARY KEY AUTOINCREMENT)",
    "DROP TABLE t6",
    "SELECT * FROM sqlite_sequence ORDER BY name",
    "DROP TABLE sqlite_sequence",
    "SELECT count(*) FROM sqlite_schema",
  ],
  "comparison collation": [
    "CREATE TABLE rr (i TEXT, c TEXT COLLATE NOCASE, rt TEXT COLLATE RTRIM)",
    "CREATE TABLE l (i TEXT, c TEXT COLLATE NOCASE)",
    "INSERT INTO rr VALUES ('a', 'A', 'a  '), ('B', 'b', 'B')",
    "INSERT INTO l VALUES ('A', 'a'), ('b ', 'B')",
    "SELECT rr.rowid, l.rowid FROM rr, l WHERE rr.rt = l.i COLLATE NOCASE ORDER BY 1, 2",
    "SELECT rr.rowid, l.rowid FROM rr, l WHERE rr.i = l.c ORDER BY 1, 2",
    "SELECT rr.rowid, l.rowid FROM rr, l WHERE l.c = rr.i ORDER BY 1, 2",
    "SELECT rr.rowid, l.rowid FROM rr, l WHERE +rr.i = l.c ORDER BY 1, 2",
    "SELECT rr.rowid, l.rowid FROM rr, l WHERE CAST(rr.i AS TEXT) = l.c ORDER BY 1, 2",
    "SELECT rr.rowid, l.rowid FROM rr, l WHERE rr.i || '' = l.c ORDER BY 1, 2",
    "SELECT rr.rowid, l.rowid FROM rr, l WHERE rr.i IN (l.c) ORDER BY 1, 2",
    "SELECT rr.rowid, l.rowid FROM rr, l WHERE l.c IN (rr.i, 'zz') ORDER BY 1, 2",
    "SELECT rr.rowid, l.rowid FROM rr, l WHERE rr.i BETWEEN l.c AND l.c ORDER BY 1, 2",
    "SELECT rr.rowid, l.rowid FROM rr, l WHERE rr.rt = l.i ORDER BY 1, 2",
    "SELECT 'a' = 'A' COLLATE NOCASE, 'a' COLLATE BINARY = 'A' COLLATE NOCASE, rr.c = 'a' COLLATE BINARY FROM rr",
    "SELECT CASE rr.i WHEN l.c THEN 1 ELSE 0 END FROM rr, l ORDER BY rr.rowid, l.rowid",
  ],
  "correlated subqueries in FROM": [
    "CREATE TABLE t(a, b)",
    "CREATE TABLE u(a, y)",
    "INSERT INTO t VALUES (1, 2), (2, 3)",
    "INSERT INTO u VALUES (1, 10), (1, 11), (2, 20)",
    "SELECT a, (SELECT max(y) FROM (SELECT y FROM u WHERE u.a = t.a)) FROM t",
    "SELECT a, (SELECT count(*) FROM (SELECT t.b AS z)) FROM t",
    "SELECT a FROM t WHERE EXISTS (SELECT 1 FROM (SELECT y FROM u WHERE u.a = t.a) WHERE y > 15)",
    "SELECT * FROM t, (SELECT y FROM u WHERE u.a = t.a)",
    "SELECT a, (SELECT group_concat(y) FROM (SELECT y FROM u WHERE u.a = t.a ORDER BY y DESC)) FROM t",
    "SELECT a, (SELECT s FROM (SELECT sum(y) AS s FROM u WHERE u.a <= t.a)) FROM t ORDER BY a",
    "SELECT (SELECT count(*) FROM (SELECT 1 FROM u WHERE u.y > t.b * 5) JOIN (SELECT 2)) FROM t",
    "SELECT a FROM t WHERE a IN (SELECT x FROM (SELECT u.a AS x FROM u WHERE u.y = t.b * 10))",
    "SELECT (SELECT (SELECT max(y) FROM (SELECT y FROM u WHERE u.a = t.a AND u.y < t2.b * 10)) FROM t AS t2 WHERE t2.a = 2) FROM t",
  ],
  "scalar subquery affinity with FROM": [
    "CREATE TABLE t1 (c0 TEXT, n INTEGER, r REAL)",
    "INSERT INTO t1(c0, n, r) VALUES (0, '5', 2)",
    "SELECT (1 <= (SELECT a3.c0 FROM t1 AS a3 ORDER BY 1 LIMIT 1))",
    "SELECT (SELECT c0 FROM t1) = 0, (SELECT n FROM t1) = '5', (SELECT r FROM t1) = '2', (SELECT c0 FROM t1 UNION SELECT 7) = 0",
    "SELECT (SELECT 7 UNION SELECT c0 FROM t1 ORDER BY 1 LIMIT 1) = 0",
    "SELECT count(*) FROM t1 WHERE c0 = (SELECT n - 5 FROM t1)",
    "SELECT count(*) FROM t1 WHERE n = (SELECT c0 || '5' FROM t1)",
  ],
};

describe("differential against SQLite", () => {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    it(name, () => {
      const ours = new Database(":memory:");
      const theirs = new SQL.Database();
      for (const sql of script) expect(runOurs(ours, sql), sql).toEqual(runTheirs(theirs, sql));
      theirs.close();
      ours.close();
    });
  }
});
