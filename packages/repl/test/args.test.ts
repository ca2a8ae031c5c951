import { describe, expect, test, vi } from "vitest";
import { parseCommandLine } from "../src/args.js";
import { runShell } from "../src/index.js";
import { run } from "./fake.js";

vi.mock("@db/sql", async (importOriginal) => (await import("./fake.js")).sqlModule(importOriginal));

describe("command line", () => {
  test("FILE defaults to :memory:; further arguments run in order, then exit", async () => {
    const r = await run([], "select 1;\n");
    expect(r.conns[0].path).toBe(":memory:");
    const r2 = await run(["test.db", "select 1", ".mode csv", "select 2"], "select * from nope;\n");
    expect(r2.conns[0].path).toBe("test.db");
    expect(r2.stdout).toBe("1\n2\r\n");
    expect(r2.executed).toEqual(["select 1", "select 2"]); // stdin is not read
    expect(r2.conns[0].closed).toBe(true);
  });

  test("-json, -csv, -header, -box, -line, -table, -list, -separator, -nullvalue", async () => {
    expect((await run(["-json", ":memory:", "select 1"])).stdout).toBe('[{"1":1}]\n');
    expect((await run(["-csv", "-header", ":memory:", "select * from t"])).stdout).toBe("a,b\n1,hello\n22,\n");
    expect((await run(["--csv", "--headers", ":memory:", "select * from t"])).stdout).toBe("a,b\n1,hello\n22,\n");
    expect((await run(["-box", "-noheader", ":memory:", "select 1"])).stdout).toBe("┌───┐\n│ 1 │\n├───┤\n│ 1 │\n└───┘\n");
    expect((await run(["-table", ":memory:", "select 1"])).stdout).toBe("+---+\n| 1 |\n+---+\n| 1 |\n+---+\n");
    expect((await run(["-line", ":memory:", "select 1"])).stdout).toBe("    1 = 1\n");
    expect((await run(["-separator", ";", "-nullvalue", "-", ":memory:", "select * from t"])).stdout).toBe("1;hello\n22;-\n");
    expect((await run(["-csv", "-list", ":memory:", "select * from t"])).stdout).toBe("1,hello\n22,\n");
  });

  test("options apply in order", () => {
    expect(parseCommandLine(["-csv", "-separator", ";"]).settings.colSep).toBe(";");
    expect(parseCommandLine(["-separator", ";", "-csv"]).settings.colSep).toBe(",");
    expect(parseCommandLine(["-header", "-noheader"]).settings.headers).toBe(false);
  });

  test("-cmd runs before the SQL; -bail is accepted", async () => {
    const r = await run(["-bail", "-cmd", ".mode csv", "-cmd", ".headers on", "x.db", "select * from t"]);
    expect(r.stdout).toBe("a,b\r\n1,hello\r\n22,\r\n");
  });

  test("-version and -help", async () => {
    const v = await run(["-version"]);
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(v.conns).toEqual([]);
    const h = await run(["--help"]);
    expect(h.stdout).toMatch(/^Usage: db \[OPTIONS\]/);
    expect(h.stdout).toContain("-separator SEP");
    expect(h.code).toBe(0);
  });

  test("a bad option is an error with status 1", async () => {
    const r = await run(["-frobnicate", "x.db"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: unknown option: -frobnicate\nUse -help for a list of options.\n");
    expect(r.conns).toEqual([]);
    const m = await run(["x.db", "-separator"]);
    expect(m.stderr).toMatch(/^Error: missing argument to -separator\n/);
    expect((await run(["-json=1"])).code).toBe(1);
  });

  test("a database that cannot be opened", async () => {
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (s: string) => err.push(s), isTTY: false, stdin: [] as unknown as AsyncIterable<string> };
    const open = () => {
      throw Object.assign(new Error("unable to open database file"), { code: "DB_CANTOPEN" });
    };
    expect(await runShell(["/nope/x.db"], open, io)).toBe(1);
    expect(err.join("")).toBe('Error: unable to open database "/nope/x.db": unable to open database file\n');
  });
});
