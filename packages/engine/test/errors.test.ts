/** Bad input gets a clear, typed error and loses nothing. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Database } from "../src/index.js";
import { caught, runCli, tempDir } from "./helpers.js";

function seeded(): Database {
  const db = new Database(":memory:");
  db.exec(`
    CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, code TEXT UNIQUE);
    CREATE TABLE pair(a INTEGER, b INTEGER, v TEXT, PRIMARY KEY (a, b));
    INSERT INTO t VALUES (1, 'one', 'A'), (2, 'two', 'B');
    INSERT INTO pair VALUES (1, 1, 'x');
  `);
  return db;
}

const snapshot = (db: Database) => JSON.stringify([db.prepare("SELECT * FROM t ORDER BY id").raw().all(), db.prepare("SELECT * FROM pair ORDER BY a, b").raw().all()]);

describe("malformed SQL", () => {
  it("names the line, column and token", () => {
    const db = new Database(":memory:");
    const e = caught(() => db.prepare("SELECT *\n  FROM t WHERE x = = 1"));
    expect(e.code).toBe("DB_SYNTAX");
    expect(e.line).toBe(2);
    expect(e.column).toBe(20);
    expect(e.message).toContain('near "="');
    expect(e.message).toMatch(/line 2, column 20/);
  });

  it("reports incomplete input", () => {
    const db = new Database(":memory:");
    const e = caught(() => db.prepare("SELECT (1 + "));
    expect(e.code).toBe("DB_SYNTAX");
    expect(e.message).toMatch(/incomplete input/);
  });
});

describe("unknown names", () => {
  it("names the unknown table", () => {
    const e = caught(() => seeded().prepare("SELECT * FROM nope"));
    expect(e.code).toBe("DB_ERROR");
    expect(e.message).toBe("no such table: nope");
  });
  it("names the unknown column", () => {
    const e = caught(() => seeded().prepare("SELECT t.missing FROM t"));
    expect(e.message).toBe("no such column: t.missing");
  });
  it("names the unknown function", () => {
    expect(caught(() => seeded().prepare("SELECT frobnicate(1)")).message).toBe("no such function: frobnicate");
  });
});

describe("constraint violations leave the database as it was", () => {
  const cases: [string, string, string][] = [
    ["NOT NULL", "INSERT INTO t VALUES (3, NULL, 'C')", "DB_CONSTRAINT_NOTNULL"],
    ["INTEGER PRIMARY KEY", "INSERT INTO t VALUES (3, 'three', 'C'), (1, 'dup', 'D')", "DB_CONSTRAINT_PRIMARYKEY"],
    ["composite PRIMARY KEY", "INSERT INTO pair VALUES (2, 2, 'y'), (1, 1, 'dup')", "DB_CONSTRAINT_PRIMARYKEY"],
    ["UNIQUE", "INSERT INTO t VALUES (3, 'three', 'C'), (4, 'four', 'A')", "DB_CONSTRAINT_UNIQUE"],
    ["UNIQUE by UPDATE", "UPDATE t SET code = 'B' WHERE id = 1", "DB_CONSTRAINT_UNIQUE"],
    ["NOT NULL by UPDATE", "UPDATE t SET name = NULL", "DB_CONSTRAINT_NOTNULL"],
    ["PRIMARY KEY by UPDATE", "UPDATE t SET id = 2 WHERE id = 1", "DB_CONSTRAINT_PRIMARYKEY"],
  ];
  for (const [what, sql, subcode] of cases) {
    it(`${what} (autocommit)`, () => {
      const db = seeded();
      const before = snapshot(db);
      const e = caught(() => db.prepare(sql).run());
      expect(e.code).toBe("DB_CONSTRAINT");
      expect(e.subcode).toBe(subcode);
      expect(e.message).toMatch(/constraint failed: /);
      expect(snapshot(db)).toBe(before);
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    });
    it(`${what} (inside a transaction: only the statement is undone)`, () => {
      const db = seeded();
      db.exec("BEGIN");
      db.exec("INSERT INTO t VALUES (10, 'ten', 'X')");
      const before = snapshot(db);
      expect(caught(() => db.prepare(sql).run()).code).toBe("DB_CONSTRAINT");
      expect(snapshot(db)).toBe(before);
      db.exec("COMMIT");
      expect(db.prepare("SELECT name FROM t WHERE id = 10").pluck().get()).toBe("ten");
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    });
  }

  it("names the constraint as SQLite does", () => {
    const db = seeded();
    expect(caught(() => db.prepare("INSERT INTO t VALUES (3, NULL, 'C')").run()).message).toBe("NOT NULL constraint failed: t.name");
    expect(caught(() => db.prepare("INSERT INTO t VALUES (1, 'x', 'Z')").run()).message).toBe("UNIQUE constraint failed: t.id");
    expect(caught(() => db.prepare("INSERT INTO pair VALUES (1, 1, 'z')").run()).message).toBe("UNIQUE constraint failed: pair.a, pair.b");
  });

  it("CHECK constraints: false fails, NULL passes, OR IGNORE skips", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE c(x INTEGER CHECK (x > 0), y TEXT, CONSTRAINT ylen CHECK (length(y) < 5))");
    db.exec("INSERT INTO c VALUES (1, 'ab'), (NULL, 'cd'); INSERT OR IGNORE INTO c VALUES (-1, 'ef')");
    const e = caught(() => db.prepare("INSERT INTO c VALUES (2, 'abcdef')").run());
    expect(e.subcode).toBe("DB_CONSTRAINT_CHECK");
    expect(e.message).toBe("CHECK constraint failed: ylen");
    expect(caught(() => db.prepare("UPDATE c SET x = 0").run()).code).toBe("DB_CONSTRAINT");
    expect(db.prepare("SELECT count(*) FROM c").pluck().get()).toBe(2);
  });

  it("datatype mismatch for a non-integer rowid", () => {
    const e = caught(() => seeded().prepare("INSERT INTO t VALUES ('abc', 'x', 'Q')").run());
    expect(e.code).toBe("DB_MISMATCH");
  });

  it("survives in a file across reopen", () => {
    const file = join(tempDir(), "c.db");
    let db = new Database(file);
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE); INSERT INTO t VALUES (1, 'a');");
    expect(() => db.exec("INSERT INTO t VALUES (2, 'b'), (3, 'a')")).toThrow(/UNIQUE/);
    db.close();
    db = new Database(file);
    expect(db.prepare("SELECT * FROM t").raw().all()).toEqual([[1, "a"]]);
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
  });
});

describe("files that are not databases", () => {
  it("says so with DB_NOTADB", () => {
    const file = join(tempDir(), "text.db");
    writeFileSync(file, "this is a plain text file, certainly not a database\n".repeat(200));
    const e = caught(() => new Database(file));
    expect(e.code).toBe("DB_NOTADB");
    expect(e.message).toMatch(/not a database/);
  });
});

describe("the shell on bad input", () => {
  it("a script stops at its first error with a non-zero status and keeps earlier work", () => {
    const dir = tempDir();
    const file = join(dir, "s.db");
    const script = join(dir, "script.sql");
    writeFileSync(script, "CREATE TABLE t(x);\nINSERT INTO t VALUES (1);\nSELEC oops;\nINSERT INTO t VALUES (2);\n");
    const r = runCli([file, `.read ${script}`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Error: .*near "SELEC": syntax error/);
    const check = runCli([file, "SELECT count(*) FROM t"]);
    expect(check.stdout.trim()).toBe("1");
  });

  it("SQL piped on stdin runs as a script: output, then the first error stops it", () => {
    const r = runCli([":memory:"], "SELECT 40 + 2;\nSELECT * FROM missing;\nSELECT 7;\n");
    expect(r.stdout).toBe("42\n");
    expect(r.stderr).toMatch(/no such table: missing/);
    expect(r.status).toBe(1);
  });

  it("opening a non-database file reports it without a crash", () => {
    const file = join(tempDir(), "x.db");
    writeFileSync(file, "garbage".repeat(1000));
    const r = runCli([file, "SELECT 1"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not a database/);
  });
});
