/**
 * RIGHT and FULL JOIN (and the LEFT/inner joins around them) give exactly SQLite's rows (sql.js):
 * random FROM clauses of three or four tables with ON or USING, WHERE terms on either side, and
 * indexes that tempt the planner into seeking. Seeded (JOIN_SEED); the seed and query are printed
 * on failure. Rows are compared sorted: the order of unmatched rows is a plan detail.
 */
import { describe, expect, it } from "vitest";
import { Database } from "../src/index.js";
import { bothRows, seededPair } from "./helpers.js";

const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();

describe("outer joins match SQLite", () => {
  it("over random RIGHT, FULL, LEFT and inner join trees", async () => {
    const { seed, rnd, pick, ours, theirs, run } = await seededPair("JOIN_SEED", 2611221);
    const tables = ["t1", "t2", "t3", "t4"];
    const sources = [...tables, "v5"];
    run("CREATE TABLE t1(k INTEGER PRIMARY KEY, x, y)");
    run("CREATE TABLE t2(k, x, z)");
    run("CREATE TABLE t3(k, x, y)");
    run("CREATE TABLE t4(k INTEGER PRIMARY KEY, z, w)");
    run("CREATE INDEX t2x ON t2(x)");
    run("CREATE INDEX t3k ON t3(k, y)");
    // A compound view: WHERE terms must not be pushed into it next to a RIGHT/FULL JOIN.
    run("CREATE VIEW v5 AS SELECT k, x, y FROM t1 UNION ALL SELECT k, x, 7 FROM t3 WHERE x > 2");
    const v = () => (rnd() < 0.15 ? "NULL" : String(Math.floor(rnd() * 6)));
    for (const t of tables) {
      const n = 3 + Math.floor(rnd() * 6);
      for (let i = 1; i <= n; i++) run(`INSERT INTO ${t} VALUES (${t === "t1" || t === "t4" ? i : v()}, ${v()}, ${v()})`);
    }
    const cols: Record<string, string[]> = { t1: ["k", "x", "y"], t2: ["k", "x", "z"], t3: ["k", "x", "y"], t4: ["k", "z", "w"], v5: ["k", "x", "y"] };
    for (let q = 0; q < 250; q++) {
      const n = 2 + Math.floor(rnd() * 3);
      const used = [...sources].sort(() => rnd() - 0.5).slice(0, n);
      let from = used[0]!;
      for (let i = 1; i < n; i++) {
        const t = used[i]!;
        const op = pick(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "RIGHT JOIN", "FULL JOIN", "CROSS JOIN"]);
        const prev = used[Math.floor(rnd() * i)]!;
        // USING mostly on a column no other table has; else SQLite may call it ambiguous.
        const shared = cols[t]!.filter((c) => (rnd() < 0.3 || used.every((u) => u === prev || u === t || !cols[u]!.includes(c))) && cols[prev]!.includes(c));
        if (op === "CROSS JOIN") from += ` CROSS JOIN ${t}`;
        else if (shared.length && rnd() < 0.3) from += ` ${op} ${t} USING (${pick(shared)})`;
        else if (rnd() < 0.1) from += ` ${op} ${t} ON ${prev}.${pick(cols[prev]!)} ${pick(["> 2", "IS NULL"])}`;
        else from += ` ${op} ${t} ON ${t}.${pick(cols[t]!)} ${pick(["=", "=", "<", "IS"])} ${prev}.${pick(cols[prev]!)}${rnd() < 0.2 ? ` AND ${t}.${pick(cols[t]!)} > 1` : ""}`;
      }
      const c = () => {
        const t = pick(used);
        return `${t}.${pick(cols[t]!)}`;
      };
      const where = pick(["", "", ` WHERE ${c()} IS NULL`, ` WHERE ${c()} > 2`, ` WHERE ${c()} = ${c()} OR ${c()} IS NULL`, ` WHERE coalesce(${c()}, -1) < 3`]);
      const sel = pick(["*", used.map((t) => `${t}.k`).join(", "), `count(*), sum(${c()})`, `count(*), max(${c()}), min(${c()})`]);
      const sql = `SELECT ${sel} FROM ${from}${where}`;
      const both = bothRows(ours, theirs, sql);
      const got = typeof both.got === "string" ? both.got : sorted(both.got);
      const want = typeof both.want === "string" ? both.want : sorted(both.want);
      expect(got, `seed ${seed}: ${sql}`).toEqual(want);
    }
  });

  it("names a USING column once: the left side's, or coalesce of both in a RIGHT/FULL JOIN", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE a(x, y); CREATE TABLE b(x, z); INSERT INTO a VALUES (1, 'a1'), (2, 'a2'); INSERT INTO b VALUES (2, 'b2'), (3, 'b3')");
    expect(db.prepare("SELECT x FROM a JOIN b USING (x)").pluck().all()).toEqual([2]);
    expect(db.prepare("SELECT x FROM a LEFT JOIN b USING (x) ORDER BY 1").pluck().all()).toEqual([1, 2]);
    expect(db.prepare("SELECT x FROM a RIGHT JOIN b USING (x) ORDER BY 1").pluck().all()).toEqual([2, 3]);
    expect(db.prepare("SELECT * FROM a FULL JOIN b USING (x) ORDER BY 1").raw().all()).toEqual([
      [1, "a1", null],
      [2, "a2", "b2"],
      [3, null, "b3"],
    ]);
    expect(db.prepare("SELECT a.x, b.x FROM a FULL JOIN b USING (x) ORDER BY coalesce(a.x, b.x)").raw().all()).toEqual([
      [1, null],
      [2, 2],
      [null, 3],
    ]);
  });
});
