/**
 * Test doubles: an in-memory ShellConnection answering canned queries, a capturing ShellIO,
 * and a stand-in for `isComplete` of @db/sql while that package is being written.
 */
import { Readable } from "node:stream";
import { vi } from "vitest";
import type { ShellConnection, ShellResult } from "../src/connection.js";
import type { ShellIO } from "../src/shell.js";

/**
 * `isComplete` as sqlite3_complete, enough for the tests: the text ends in ";" outside
 * quotes and comments (triggers' BEGIN ... END are not handled).
 */
export function fallbackIsComplete(sql: string): boolean {
  let complete = false;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === ";") complete = true;
    else if (c === "'" || c === '"' || c === "`" || c === "[") {
      const end = sql.indexOf(c === "[" ? "]" : c, i + 1);
      if (end < 0) return false;
      i = end;
      complete = false;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      if (end < 0) break;
      i = end;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      if (end < 0) return false;
      i = end + 1;
    } else if (!/\s/.test(c)) complete = false;
  }
  return complete;
}

/** Counts calls of isComplete, whichever implementation answers them. */
export const isCompleteCalls = { count: 0 };

/** The module the tests put in place of @db/sql: the real one once it exports isComplete. */
export async function sqlModule(importOriginal: () => Promise<unknown>): Promise<Record<string, unknown>> {
  let real: Record<string, unknown> = {};
  try {
    real = (await importOriginal()) as Record<string, unknown>;
  } catch {
    // @db/sql has no index yet
  }
  const impl = typeof real.isComplete === "function" ? (real.isComplete as (sql: string) => boolean) : fallbackIsComplete;
  return {
    ...real,
    isComplete: (sql: string) => {
      isCompleteCalls.count++;
      return impl(sql);
    },
  };
}

const hello: ShellResult = { columns: ["a", "b"], rows: [[1, "hello"], [22, null]] };

/** Canned answers, keyed by the statement lower-cased with blanks collapsed and no ";". */
export const CANNED: Record<string, ShellResult> = {
  "select 1": { columns: ["1"], rows: [[1]] },
  "select 2": { columns: ["2"], rows: [[2]] },
  "select * from t": hello,
  "select * from t where 0": { columns: ["a", "b"], rows: [] },
  "select * from vals": {
    columns: ["n", "i", "r", "big", "s", "q", "blob"],
    rows: [
      [null, 42, 2.5, 12345678901234567890n, "x,y", 'say "hi"', new Uint8Array([0x41, 0xff])],
      [null, -1, 1e100, -9007199254740993n, "", "it's", new Uint8Array([])],
    ],
  },
  "select 'a;b' as x": { columns: ["x"], rows: [["a;b"]] },
  "select 'é' as wide, '日本' as cjk": { columns: ["wide", "cjk"], rows: [["é", "日本"]] },
};

export class FakeConnection implements ShellConnection {
  /** Statements run, as the engine received them (one exec call each). */
  readonly executed: string[] = [];
  closed = false;

  constructor(readonly path: string) {}

  exec(sql: string, onResult: (result: ShellResult) => void): void {
    this.executed.push(sql);
    for (const stmt of splitStatements(sql)) {
      const key = stmt.toLowerCase().replace(/\s+/g, " ").trim();
      if (key === "") continue;
      if (CANNED[key]) onResult(CANNED[key]);
      else if (key === "throw string") throw "boom";
      else if (key === "throw object") throw { code: "DB_ERROR", message: "a plain object" };
      else if (!/^(create|insert|begin|commit)\b/.test(key)) {
        throw Object.assign(new Error(`no such table: ${key.split(" ").pop()}`), { code: "DB_ERROR" });
      }
    }
  }

  tables(): string[] {
    return ["alpha", "beta", "t", "vals"];
  }

  schema(table?: string): string[] {
    if (this.path === "locked.db") throw Object.assign(new Error("database is locked"), { code: "DB_BUSY" });
    const all = ["CREATE TABLE t(a INTEGER, b TEXT)", "CREATE INDEX t_a ON t(a);", "CREATE TABLE vals(n)"];
    return table === undefined ? all : all.filter((sql) => sql.includes(` ${table}(`) || sql.includes(`ON ${table}(`));
  }

  close(): void {
    this.closed = true;
  }
}

function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    if (quote) {
      if (sql[i] === quote) quote = null;
    } else if (sql[i] === "'" || sql[i] === '"') {
      quote = sql[i];
    } else if (sql[i] === ";") {
      out.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  out.push(sql.slice(start));
  return out.map((s) => s.replace(/--[^\n]*|\/\*[^]*?\*\//g, "")).filter((s) => s.trim() !== "");
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Every connection opened, in order. */
  conns: FakeConnection[];
  /** The SQL the (first) connection received. */
  executed: string[];
}

/**
 * Runs the shell with a fake database. `stdin` is given as text (read as a stream, in small
 * chunks that split lines) or as an array of lines; `tty` makes the session interactive.
 */
export async function run(argv: string[], stdin: string | string[] = [], tty = false): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const conns: FakeConnection[] = [];
  const open = vi.fn((path: string) => {
    const conn = new FakeConnection(path);
    conns.push(conn);
    return conn;
  });
  const io: ShellIO = {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    isTTY: tty,
    stdin: typeof stdin === "string" ? Readable.from(chunks(Buffer.from(stdin), 7)) : toAsync(stdin),
  };
  const { runShell } = await import("../src/index.js");
  const code = await runShell(argv, open, io);
  return { code, stdout: out.join(""), stderr: err.join(""), conns, executed: conns[0]?.executed ?? [] };
}

function* chunks(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function* toAsync(lines: string[]): AsyncGenerator<string> {
  yield* lines;
}
