import { Database } from "@db/engine";
import initSqlJs from "sql.js";
const SQL = await initSqlJs(); const ref = new SQL.Database();
const d = new Database(":memory:");
const setup = `CREATE TABLE kv(k TEXT PRIMARY KEY, v INT, n INT DEFAULT 0);
CREATE TABLE u(id INTEGER PRIMARY KEY, a UNIQUE, b UNIQUE, c);
CREATE TABLE ulog(what, old, new);
CREATE TRIGGER tu AFTER UPDATE ON kv BEGIN INSERT INTO ulog VALUES ('upd', OLD.v, NEW.v); END;
CREATE TRIGGER ti AFTER INSERT ON kv BEGIN INSERT INTO ulog VALUES ('ins', NULL, NEW.v); END;
INSERT INTO kv VALUES ('a', 1, 0), ('b', 2, 0);
INSERT INTO u VALUES (1, 'x', 'p', 0), (2, 'y', 'q', 0);`;
d.exec(setup); ref.exec(setup);
const run = (f: () => unknown) => { try { return JSON.stringify(f()); } catch (e) { return "error: " + (e as Error).message; } };
const qs = [
  "INSERT INTO kv VALUES ('a', 10, 0) ON CONFLICT(k) DO UPDATE SET v = v + excluded.v, n = n + 1",
  "INSERT INTO kv VALUES ('c', 3, 0) ON CONFLICT(k) DO UPDATE SET v = v + excluded.v, n = n + 1",
  "INSERT INTO kv VALUES ('b', 5, 0) ON CONFLICT(k) DO NOTHING",
  "INSERT INTO kv VALUES ('b', 5, 0) ON CONFLICT DO NOTHING",
  "INSERT INTO kv VALUES ('b', 7, 0) ON CONFLICT(k) DO UPDATE SET v = excluded.v WHERE excluded.v > v",
  "INSERT INTO kv VALUES ('b', 1, 0) ON CONFLICT(k) DO UPDATE SET v = excluded.v WHERE excluded.v > v",
  "SELECT * FROM kv ORDER BY k", "SELECT * FROM ulog",
  "INSERT INTO kv VALUES ('a', 1, 0) ON CONFLICT(v) DO NOTHING",
  "INSERT INTO kv(k, v) VALUES ('a', 100), ('d', 4), ('a', 1000) ON CONFLICT(k) DO UPDATE SET v = excluded.v RETURNING k, v",
  "SELECT * FROM kv ORDER BY k",
  "INSERT INTO u VALUES (3, 'x', 'q', 1) ON CONFLICT(b) DO UPDATE SET c = c + 10",
  "INSERT INTO u VALUES (3, 'x', 'q', 1) ON CONFLICT(a) DO UPDATE SET c = c + 100",
  "INSERT INTO u VALUES (3, 'x', 'r', 1) ON CONFLICT(b) DO UPDATE SET c = c + 10",
  "INSERT INTO u VALUES (1, 'z', 'z', 1) ON CONFLICT(id) DO UPDATE SET c = -1",
  "INSERT INTO u VALUES (1, 'z', 'z', 1) ON CONFLICT(rowid) DO UPDATE SET c = -2",
  "INSERT INTO u VALUES (5, 'y', 'z', 1) ON CONFLICT(a) DO UPDATE SET b = 'p'",
  "INSERT INTO u VALUES (6, 'x', 'q', 1) ON CONFLICT(a) DO NOTHING ON CONFLICT(b) DO UPDATE SET c = 77",
  "INSERT INTO u VALUES (6, 'w', 'q', 1) ON CONFLICT(a) DO NOTHING ON CONFLICT DO UPDATE SET c = 88",
  "INSERT INTO u AS t VALUES (2, 'y', 'q', 1) ON CONFLICT(id) DO UPDATE SET c = t.c + excluded.c",
  "INSERT INTO u VALUES (2, 'y', 'q', 1) ON CONFLICT(id) DO UPDATE SET c = c + excluded.c RETURNING *",
  "SELECT * FROM u ORDER BY id",
  "SELECT changes()",
];
for (const q of qs) {
  const a = run(() => { const st = d.prepare(q); return st.reader ? st.raw().all() : st.run().changes; }); const b = run(() => { const r = ref.exec(q); return r[0]?.values ?? ref.getRowsModified(); });
  console.log(a === b ? "same" : "DIFF", q, a, a === b ? "" : b);
}
