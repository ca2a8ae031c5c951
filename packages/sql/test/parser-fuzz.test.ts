import { createRequire } from "node:module";
import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import type { Database, SqlJsStatic } from "sql.js";
import { DbError } from "@db/vm";
import { parse } from "../src/parser.js";
import { KEYWORDS, tokenize } from "../src/tokenizer.js";
import { isComplete } from "../src/complete.js";

/** Valid statements: seeds for mutation, and checked to parse. */
const CORPUS: readonly string[] = [
  "SELECT 1",
  "SELECT a, b AS c, t.* FROM t WHERE a > 1 AND b IS NOT NULL ORDER BY a DESC, b LIMIT 10 OFFSET 5",
  "SELECT DISTINCT a FROM t GROUP BY a HAVING count(*) > 1",
  "SELECT * FROM a LEFT OUTER JOIN b ON a.id = b.id JOIN c USING (id) CROSS JOIN d, e NATURAL JOIN f",
  "SELECT * FROM (SELECT 1 AS x) AS s WHERE x IN (SELECT 1) AND NOT EXISTS (SELECT 2)",
  "SELECT CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END, CAST(x AS NUMERIC(10, 2)), coalesce(a, b, 'z') FROM t",
  "SELECT a BETWEEN 1 AND 2, a NOT BETWEEN 3 AND 4, b LIKE 'x%' ESCAPE '\\', c NOT IN (1, 2), d IN () FROM t",
  "SELECT -a, +b, ~c, NOT d, a || b, a -> '$.x', a ->> '$.y', a COLLATE NOCASE FROM t",
  "SELECT count(DISTINCT a), sum(b) FILTER (WHERE b > 0), group_concat(c, ',') FROM t",
  "SELECT ?, ?2, :name, @x, $y, x'0A', 1e10, 0x1F, 'it''s', NULL, TRUE, CURRENT_TIMESTAMP",
  "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 10) SELECT n FROM c",
  "SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 EXCEPT SELECT 4 ORDER BY 1 LIMIT 1, 2",
  "VALUES (1, 2), (3, 4)",
  "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')",
  "INSERT OR REPLACE INTO main.t SELECT * FROM u WHERE 1",
  "REPLACE INTO t DEFAULT VALUES",
  "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE b > 0 RETURNING *",
  "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
  "UPDATE OR IGNORE t SET a = 1, (b, c) = (2, 3) FROM u WHERE t.id = u.id RETURNING a",
  "DELETE FROM t WHERE a IN (SELECT a FROM u) RETURNING *",
  "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL DEFAULT '' COLLATE NOCASE, " +
    "price NUMERIC(10, 2) CHECK (price >= 0), pid INT REFERENCES p (id) ON DELETE CASCADE, UNIQUE (name, pid))",
  "CREATE TABLE [Album] ([AlbumId] INTEGER NOT NULL, [Title] NVARCHAR(160) NOT NULL, CONSTRAINT [PK_Album] PRIMARY KEY ([AlbumId]), " +
    "FOREIGN KEY ([ArtistId]) REFERENCES [Artist] ([ArtistId]) ON DELETE NO ACTION ON UPDATE NO ACTION)",
  "CREATE TEMP TABLE t (a, b) WITHOUT ROWID",
  "CREATE TABLE t2 AS SELECT * FROM t",
  "CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a DESC, b COLLATE NOCASE) WHERE a IS NOT NULL",
  "CREATE VIEW v (x) AS SELECT a FROM t",
  "CREATE TRIGGER tr AFTER UPDATE OF a ON t FOR EACH ROW WHEN new.a > 0 BEGIN INSERT INTO log VALUES (new.a); " +
    "DELETE FROM u WHERE id = old.id; END",
  "DROP TABLE IF EXISTS t",
  "DROP INDEX i",
  "BEGIN IMMEDIATE TRANSACTION",
  "COMMIT",
  "ROLLBACK TO SAVEPOINT sp",
  "SAVEPOINT sp",
  "RELEASE sp",
  "PRAGMA main.cache_size = -2000",
  "PRAGMA table_info(t)",
  "EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1",
  "VACUUM",
  "ANALYZE t",
  "REINDEX",
  "ALTER TABLE t RENAME COLUMN a TO b",
  "ALTER TABLE t ADD COLUMN c TEXT DEFAULT 'x'",
  "SELECT a FROM t WHERE b IN t2 AND c NOT IN (SELECT x FROM u) ORDER BY a COLLATE NOCASE DESC NULLS FIRST",
  "SELECT t.a AS 'x', u.* FROM t INDEXED BY i, u NOT INDEXED WHERE t.a = u.a",
  "SELECT * FROM (t JOIN u ON t.a = u.a) AS j",
  "CREATE TABLE t (a INTEGER PRIMARY KEY ASC ON CONFLICT ROLLBACK, b TEXT UNIQUE ON CONFLICT REPLACE, " +
    "c GENERATED ALWAYS AS (a + 1) STORED, d AS (a) VIRTUAL, e DEFAULT -1, f DEFAULT (1 + 2), CHECK (a > 0)) STRICT",
  "CREATE TRIGGER IF NOT EXISTS tr INSTEAD OF DELETE ON v BEGIN SELECT RAISE(ABORT, 'x'); UPDATE t SET a = 1 WHERE b = old.b; END",
  "SELECT EXISTS (SELECT 1), (SELECT max(a) FROM t), CASE a WHEN 1 THEN 'one' END FROM t",
  "SELECT a FROM t WHERE a LIKE ? ESCAPE '!' AND b GLOB 'x*' AND c REGEXP 'y' AND d NOT MATCH 'z'",
  "UPDATE t SET a = CASE WHEN b THEN 1 ELSE 2 END WHERE rowid = 5",
  "INSERT INTO t (a, b) SELECT a, b FROM u UNION ALL SELECT 1, 2 ORDER BY 1 LIMIT 3",
  "WITH x AS (SELECT 1), y(a) AS (VALUES (2)) SELECT * FROM x, y",
  "PRAGMA journal_mode = 'wal'",
  "DROP TRIGGER IF EXISTS main.tr",
  "BEGIN EXCLUSIVE",
  "END TRANSACTION",
  "ALTER TABLE main.t RENAME TO u",
  "ALTER TABLE t DROP COLUMN b",
  "SELECT x'', 'a' || 'b' COLLATE NOCASE, +1, - -2, NOT NOT 1, 1 IS NOT DISTINCT FROM 2, 2 IS DISTINCT FROM 3",
  "SELECT 1 WHERE 1 NOTNULL AND 2 ISNULL AND 3 NOT NULL AND 4 IS NOT NULL",
  "SELECT count() FILTER (WHERE a), sum(DISTINCT b) FROM t",
  "CREATE INDEX i ON t (lower(a), b + 1 DESC)",
  "SELECT * FROM t LEFT JOIN u USING (a) RIGHT JOIN p ON 1 FULL JOIN e ON 2",
  "SELECT CAST('1' AS INTEGER), CAST(1 AS 'text'), CAST(x AS UNSIGNED BIG INT) FROM t",
  "DELETE FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.a = t.a)",
  "SELECT a FROM t WHERE a BETWEEN (SELECT 1) AND 5 OR a IN ()",
  "INSERT INTO t AS x VALUES (1, 2) ON CONFLICT (a, b) WHERE a > 1 DO UPDATE SET (a, b) = (excluded.a, 2)",
  "VACUUM main INTO 'f.db'",
  "EXPLAIN SELECT 1",
  "SELECT \"a\"\"b\", [c d], `e` FROM t",
  "SELECT key, action, no, temp, replace, if, rowid, text, date, left FROM t AS right",
];

const SEEDS = CORPUS.map((s) => tokenize(s).map((t) => t.text));
const VOCAB = [...new Set([...SEEDS.flat(), ...KEYWORDS, "'unterminated", '"x', "[y", "#", "!", "0x", "1e", "?0", "$"])];

/** Parses; returns "ok" or the DbError message. Any other exception fails the test. */
function ours(sql: string): string {
  try {
    parse(sql);
    return "ok";
  } catch (e) {
    if (!(e instanceof DbError)) throw e;
    expect(e.code).toBe("DB_SYNTAX");
    const lines = sql.split("\n");
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.line).toBeLessThanOrEqual(lines.length);
    expect(e.column).toBeGreaterThanOrEqual(1);
    expect(e.column).toBeLessThanOrEqual(lines[(e.line ?? 1) - 1].length + 1);
    expect(e.message).toMatch(/ at line \d+, column \d+$/);
    return e.message;
  }
}

/** A mutation of a corpus statement: deletions, insertions, duplications and swaps of tokens. */
const mutated = fc
  .tuple(fc.nat(SEEDS.length - 1), fc.array(fc.tuple(fc.nat(3), fc.nat(1 << 16), fc.nat(1 << 16)), { minLength: 1, maxLength: 3 }))
  .map(([i, muts]) => {
    const t = [...SEEDS[i]];
    for (const [kind, a, b] of muts) {
      const k = a % (t.length || 1);
      if (kind === 0) t.splice(k, 1);
      else if (kind === 1) t.splice(k, 0, VOCAB[b % VOCAB.length]);
      else if (kind === 2) t.splice(k, 0, t[b % t.length] ?? "x");
      else [t[k], t[b % t.length]] = [t[b % t.length], t[k]];
    }
    return t.join(" ");
  });

/** Random token soup starting with a statement keyword. */
const STARTS = ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "WITH", "PRAGMA", "ALTER", "DROP", "BEGIN", "VALUES", "EXPLAIN"];
const soup = fc
  .tuple(fc.constantFrom(...STARTS), fc.array(fc.constantFrom(...VOCAB), { maxLength: 10 }))
  .map(([s, rest]) => [s, ...rest].join(" "));

describe("fuzz: a parse tree or a positioned DB_SYNTAX error, nothing else", () => {
  test("random token soup", () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...VOCAB, ";", "(", ")", "\n"), { maxLength: 40 }), (toks) => {
      ours(toks.join(" "));
    }), { numRuns: 5000, seed: 42 });
  });

  test("random characters", () => {
    const chars = fc.constantFrom(..."abcSELECTFROMWHEREselect 0123456789.,;()[]`'\"?:@$#!-+*/%<>=|&~^\n\t\r xX_é\u0000\ud800");
    fc.assert(fc.property(fc.array(chars, { maxLength: 60 }), (cs) => {
      ours(cs.join(""));
    }), { numRuns: 5000, seed: 43 });
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 60 }), (s) => {
      ours(s);
    }), { numRuns: 3000, seed: 44 });
  });

  test("mutations of valid statements", () => {
    fc.assert(fc.property(mutated, (sql) => {
      ours(sql);
    }), { numRuns: 10000, seed: 45 });
  });

  test("truncations of valid statements are incomplete input or a syntax error", () => {
    for (const stmt of CORPUS) {
      for (let n = 1; n < stmt.length; n += 3) ours(stmt.slice(0, n));
    }
  });

  test("the corpus itself parses", () => {
    for (const stmt of CORPUS) expect(ours(stmt), stmt).toBe("ok");
  });

  test("every corpus statement is complete (isComplete) once terminated, and not before", () => {
    for (const s of CORPUS) {
      expect(isComplete(s), s).toBe(false);
      expect(isComplete(`${s};`), s).toBe(true);
      expect(isComplete(`${s};\n-- done\n`), s).toBe(true);
    }
  });
});

// ---------- differential: accept exactly what SQLite's parser accepts ----------

let db: Database;
beforeAll(async () => {
  const SQL = await (createRequire(import.meta.url)("sql.js") as () => Promise<SqlJsStatic>)();
  db = new SQL.Database();
  db.exec("CREATE TABLE t(a,b,c,d,id,x,name,price,pid); CREATE TABLE u(a,b,id); CREATE TABLE p(id);");
});

/** SQLite's verdict: "ok", "syntax" (parser error) or "other" (a semantic error: no such table ...). */
function theirs(sql: string): { verdict: "ok" | "syntax" | "other"; near?: string } {
  try {
    db.prepare(sql).free();
    return { verdict: "ok" };
  } catch (e) {
    const m = (e as Error).message;
    if (!/syntax error|incomplete input|unrecognized token/.test(m)) return { verdict: "other" };
    return { verdict: "syntax", near: /^(near "[^"]*"|incomplete input)/.exec(m)?.[1]?.toLowerCase() };
  }
}

/** Things this parser deliberately does not support (no AST for them). */
const UNSUPPORTED = /\b(ATTACH|DETACH|VACUUM|VIRTUAL|WINDOW|OVER)\b|;/;

function compare(sql: string, stats: { same: number; differentNear: number }): void {
  if (UNSUPPORTED.test(sql)) return;
  const mine = ours(sql);
  const their = theirs(sql);
  if (mine === "ok") expect(their.verdict, `we accept, SQLite rejects: ${sql}`).not.toBe("syntax");
  else expect(their.verdict, `we reject (${mine}), SQLite accepts: ${sql}`).not.toBe("ok");
  if (mine !== "ok" && their.verdict === "syntax") {
    const near = /^(near "[^"]*"|incomplete input)/.exec(mine)?.[1]?.toLowerCase();
    if (near === their.near) stats.same++;
    else stats.differentNear++;
  }
}

describe("differential against SQLite (sql.js)", () => {
  test("token soups: same verdict, and (nearly always) the same error token", () => {
    const stats = { same: 0, differentNear: 0 };
    fc.assert(fc.property(soup, (sql) => compare(sql, stats)), { numRuns: 20000, seed: 7 });
    expect(stats.same).toBeGreaterThan(10000);
    expect(stats.differentNear).toBeLessThan(stats.same / 500);
  });

  test("mutated statements: same verdict", () => {
    const stats = { same: 0, differentNear: 0 };
    fc.assert(fc.property(mutated, (sql) => compare(sql, stats)), { numRuns: 20000, seed: 8 });
    expect(stats.differentNear).toBeLessThan(stats.same / 20);
  });
});
