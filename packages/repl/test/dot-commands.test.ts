import { describe, expect, test, vi } from "vitest";
import { splitArgs } from "../src/dot-commands.js";
import { run } from "./fake.js";

vi.mock("@db/sql", async (importOriginal) => (await import("./fake.js")).sqlModule(importOriginal));

describe("dot-commands", () => {
  test(".tables lists names in columns; a LIKE pattern filters them", async () => {
    expect((await run([":memory:", ".tables"])).stdout).toBe("alpha  beta   t      vals \n");
    expect((await run([":memory:", ".tables %A"])).stdout).toBe("alpha  beta \n");
    expect((await run([":memory:", ".tables _"])).stdout).toBe("t\n");
    expect((await run([":memory:", ".tables nothing"])).stdout).toBe("");
  });

  test(".schema prints the CREATE statements, each ended by ';'", async () => {
    expect((await run([":memory:", ".schema"])).stdout).toBe(
      "CREATE TABLE t(a INTEGER, b TEXT);\nCREATE INDEX t_a ON t(a);\nCREATE TABLE vals(n);\n",
    );
    expect((await run([":memory:", ".schema t"])).stdout).toBe("CREATE TABLE t(a INTEGER, b TEXT);\nCREATE INDEX t_a ON t(a);\n");
  });

  test(".timer prints the run time after each statement", async () => {
    const r = await run([], [".timer on", "select 1;", "select * from nope;", ".timer off", "select 2;"], true);
    expect(r.stdout).toMatch(/db> 1\nRun Time: real \d+\.\d{3}\ndb> Run Time: real \d+\.\d{3}\ndb> db> 2\n/);
  });

  test(".exit CODE and .quit leave at once, also from inside .read", async () => {
    expect((await run([], [".exit 3", "select 1;"])).code).toBe(3);
    expect((await run([], [".exit", "select 1;"])).executed).toEqual([]);
    expect((await run([], ["select 1;", ".quit"], true)).code).toBe(0);
  });

  test(".open closes the database and opens another", async () => {
    const r = await run([], [".open other.db", "select 1;", ".open"]);
    expect(r.conns.map((c) => c.path)).toEqual([":memory:", "other.db", ":memory:"]);
    expect(r.conns.map((c) => c.closed)).toEqual([true, true, true]);
    expect(r.conns[1].executed).toEqual(["select 1;"]);
  });

  test(".headers, .separator and .nullvalue check their arguments", async () => {
    const r = await run([], [".headers maybe"], true);
    expect(r.stderr).toBe('Error: not a boolean value: "maybe"\n');
    const s = await run([], [".separator"], true);
    expect(s.stderr).toBe("Usage: .separator COL ?ROW?\n");
    const n = await run([], [".nullvalue 'a b'", ".headers yes", "select * from t;"]);
    expect(n.stdout).toBe("a|b\n1|hello\n22|a b\n");
  });

  test("commands may be abbreviated while unambiguous", async () => {
    const r = await run([":memory:", ".mo csv", ".head 1", "select 1"]);
    expect(r.stdout).toBe("1\r\n1\r\n");
    const h = await run([":memory:", ".h"]);
    expect(h.stderr).toContain('unknown command or invalid arguments:  "h"');
  });

  test(".help lists the commands", async () => {
    const r = await run([":memory:", ".help"]);
    for (const name of ["bail", "exit", "headers", "help", "mode", "nullvalue", "open", "quit", "read", "schema", "separator", "tables", "timer"]) {
      expect(r.stdout).toMatch(new RegExp(`^\\.${name}\\b`, "m"));
    }
    expect((await run([":memory:", ".help mo"])).stdout).toMatch(/^\.mode MODE +Set output mode/);
  });

  test("engine errors inside a command are reported", async () => {
    const r = await run(["locked.db"], [".schema", "select 1;"], true);
    expect(r.stderr).toBe("Error: database is locked\n");
    expect(r.executed).toEqual(["select 1;"]);
    expect((await run(["locked.db", ".schema", "select 1"])).code).toBe(1);
  });

  test("arguments: quotes and escapes", () => {
    expect(splitArgs(`mode  csv`)).toEqual(["mode", "csv"]);
    expect(splitArgs(`read "my file.sql"`)).toEqual(["read", "my file.sql"]);
    expect(splitArgs(`separator "\\t" '\\n'`)).toEqual(["separator", "\t", "\\n"]);
    expect(splitArgs(`nullvalue "unterminated`)).toEqual(["nullvalue", "unterminated"]);
    expect(splitArgs("")).toEqual([]);
  });
});
