import { Database } from "@db/engine";
import initSqlJs from "sql.js";
const SQL = await initSqlJs({ useOldExtensionFunctions: false } as never);
const lite = new SQL.Database();
const db = new Database(":memory:");
const qs = process.argv.slice(2);
for (const q of qs) {
  let a: unknown, b: unknown;
  try { const st = db.prepare(q); a = st.reader ? st.raw().safeIntegers(true).all() : st.run(); } catch (e) { a = "ERR " + (e as Error).message; }
  try { b = lite.exec(q).map((r) => r.values); } catch (e) { b = "ERR " + (e as Error).message; }
  console.log(q, "\n  db:  ", JSON.stringify(a, (k, v) => typeof v === "bigint" ? v.toString() + "n" : v), "\n  lite:", JSON.stringify(b, (k, v) => typeof v === "bigint" ? v.toString() + "n" : v));
}
