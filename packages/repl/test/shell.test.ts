import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test, vi } from "vitest";
import { isCompleteCalls, run } from "./fake.js";

vi.mock("@db/sql", async (importOriginal) => (await import("./fake.js")).sqlModule(importOriginal));

const dir = mkdtempSync(join(tmpdir(), "db-repl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("scripts on stdin", () => {
  test("statements span lines until complete; dot-commands stand alone", async () => {
    const r = await run([], "select\n  *\nfrom t\n;\n.mode csv\nselect 1; select 2;\n\n-- a comment\n");
    expect(r.executed).toEqual(["select\n  *\nfrom t\n;", "select 1; select 2;"]);
    expect(r.stdout).toBe("1|hello\n22|\n1\r\n2\r\n");
    expect(r.code).toBe(0);
  });

  test("a ';' inside a string does not end the statement; CRLF and split UTF-8 are fine", async () => {
    const r = await run([], "select 'é' as wide,\r\n'日本' as cjk;\r\nselect 'a;\r\nb' as x;\r\n");
    expect(r.executed).toEqual(["select 'é' as wide,\n'日本' as cjk;", "select 'a;\nb' as x;"]);
    expect(r.stdout).toBe("é|日本\n");
    expect(r.stderr).toBe("Error: no such table: x\n");
  });

  test("a line starting with '.' inside a pending statement is SQL", async () => {
    const r = await run([], ["select", ".mode csv", ";"]);
    expect(r.executed).toEqual(["select\n.mode csv\n;"]);
  });

  test("the text left at the end runs without its ';'", async () => {
    const r = await run([], ["select * from t", "/* trailing */"]);
    expect(r.executed).toEqual(["select * from t\n/* trailing */"]);
    expect(r.stdout).toBe("1|hello\n22|\n");
  });

  test("stops at the first error with status 1", async () => {
    const r = await run([], "select 1;\nselect * from nope;\nselect 2;\n");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("1\n");
    expect(r.stderr).toBe("Error: no such table: nope\n");
    expect(r.executed).toEqual(["select 1;", "select * from nope;"]);
  });

  test("a failing dot-command stops it too", async () => {
    const r = await run([], [".frob", "select 1;"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: unknown command or invalid arguments:  "frob". Enter ".help" for help\n');
    expect(r.executed).toEqual([]);
  });

  test("command-line SQL stops at its first error", async () => {
    const r = await run([":memory:", "select 1", "select * from nope", "select 2"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("1\n");
    expect(r.executed).toEqual(["select 1", "select * from nope"]);
  });

  test("results before the failing statement of a line are printed", async () => {
    const r = await run([], ["select 1; select * from nope; select 2;"]);
    expect(r.stdout).toBe("1\n");
    expect(r.stderr).toBe("Error: no such table: nope\n");
    expect(r.code).toBe(1);
  });

  test("errors that are not Error objects are reported too", async () => {
    const r = await run([], ["throw object;"], true);
    expect(r.stderr).toBe("Error: a plain object\n");
    const s = await run([], ["throw string;"]);
    expect(s.stderr).toBe("Error: boom\n");
    expect(s.code).toBe(1);
  });
});

describe(".read", () => {
  test("runs a file through the same line handling", async () => {
    const path = file("ok.sql", ".headers on\nselect *\n  from t;\nselect 1;");
    const r = await run([":memory:", `.read ${path}`, "select 2"]);
    expect(r.executed).toEqual(["select *\n  from t;", "select 1;", "select 2"]);
    expect(r.stdout).toBe("a|b\n1|hello\n22|\n1\n1\n2\n2\n");
    expect(r.code).toBe(0);
  });

  test("stops at the first error; non-interactive runs then fail", async () => {
    const path = file("bad.sql", "select 1;\nselect * from nope;\nselect 2;\n");
    const r = await run([], [`.read ${path}`, "select 2;"]);
    expect(r.executed).toEqual(["select 1;", "select * from nope;"]);
    expect(r.stderr).toBe("Error: no such table: nope\n");
    expect(r.code).toBe(1);
  });

  test("interactively, the session goes on after a failed .read", async () => {
    const path = file("bad2.sql", "select * from nope;\nselect 1;\n");
    const r = await run([], [`.read "${path}"`, "select 2;"], true);
    expect(r.executed).toEqual(["select * from nope;", "select 2;"]);
    expect(r.code).toBe(0);
  });

  test("a missing file, and a file reading itself", async () => {
    const r = await run([":memory:", ".read /no/such/file.sql"]);
    expect(r.stderr).toBe('Error: cannot open "/no/such/file.sql"\n');
    expect(r.code).toBe(1);
    const self = join(dir, "self.sql");
    writeFileSync(self, `.read ${self}\n`);
    const s = await run([":memory:", `.read ${self}`]);
    expect(s.stderr).toMatch(/^Error: \.read nested more than \d+ deep\n$/);
    expect(s.code).toBe(1);
  });

  test("a 600 KB script of large INSERTs is read in linear time", async () => {
    const lines: string[] = [];
    for (let s = 0; s < 24; s++) {
      lines.push(`INSERT INTO t VALUES`);
      for (let i = 0; i < 2500; i++) lines.push(`  (${i}, 'row ${i}; x'),`);
      lines.push(`  (-1, 'last');`);
    }
    const path = file("big.sql", lines.join("\n") + "\n");
    const calls = isCompleteCalls.count;
    const start = performance.now();
    const r = await run([":memory:", `.read ${path}`]);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(r.code).toBe(0);
    expect(r.executed).toHaveLength(24);
    expect(isCompleteCalls.count - calls).toBe(24);
  });
});

describe("interactive sessions", () => {
  test("prompts, continuation prompts, errors do not end the session", async () => {
    const r = await run([], ["select", "* from t;", "select * from nope;", "select 1;", ".quit", "select 2;"], true);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Enter ".help" for usage hints.\n');
    const session = r.stdout.slice(r.stdout.indexOf("db> "));
    expect(session).toBe("db>    ...> 1|hello\n22|\ndb> db> 1\ndb> ");
    expect(r.stderr).toBe("Error: no such table: nope\n");
  });

  test("end of input leaves with status 0", async () => {
    const r = await run([], ["select 1;"], true);
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith("db> 1\ndb> \n")).toBe(true);
  });

  test("unknown dot-commands are reported and the session goes on", async () => {
    const r = await run([], [".frob", "select 1;"], true);
    expect(r.stderr).toContain('unknown command or invalid arguments:  "frob"');
    expect(r.executed).toEqual(["select 1;"]);
  });

  test(".bail on ends the session at an error with status 1", async () => {
    const r = await run([], [".bail on", "select * from nope;", "select 1;"], true);
    expect(r.code).toBe(1);
    expect(r.executed).toEqual(["select * from nope;"]);
  });

  test("a failing -cmd does not prevent the session", async () => {
    const r = await run(["-cmd", ".frob"], ["select 1;"], true);
    expect(r.code).toBe(0);
    expect(r.executed).toEqual(["select 1;"]);
  });
});
