import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { Database as SqlJsDatabase } from "sql.js";
import { type Database, DbError } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../../..");
export const cliPath = join(repoRoot, "packages/engine/src/cli.ts");
export const chinookScript = resolve(repoRoot, "../shared/data/chinook/Chinook_Sqlite.sql");
export const hasChinook = existsSync(chinookScript);

/** Node arguments that run a TypeScript entry point from source in a child process. */
export const tsNode = ["--import", "tsx", "--conditions=@db/source"];

export function tempDir(prefix = "db-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the `db` shell in a new process. */
export function runCli(args: string[], input?: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...tsNode, cliPath, ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    input: input ?? "",
    timeout: 120_000,
  });
}

export function spawnTs(file: string, args: string[]) {
  return spawn(process.execPath, [...tsNode, file, ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
}

/** Runs `fn`, which must throw a DbError (the test fails otherwise), and returns that error. */
export function caught(fn: () => unknown): DbError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    return e as DbError;
  }
  throw new Error("expected an error");
}

/** A seeded PRNG (mulberry32): uniform floats in [0, 1), the same sequence for the same seed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A statement's rows from @db and from SQLite (sql.js) ([] for a write), or `error: <message>` from either. */
export function bothRows(ours: Database, theirs: SqlJsDatabase, sql: string): { got: unknown[][] | string; want: unknown[][] | string } {
  const got = (() => {
    try {
      const st = ours.prepare(sql);
      if (!st.reader) {
        st.run();
        return [];
      }
      return st.raw().all() as unknown[][];
    } catch (e) {
      return `error: ${(e as Error).message}`;
    }
  })();
  const want = (() => {
    try {
      const res = theirs.exec(sql);
      return res.length ? res[0]!.values : [];
    } catch (e) {
      return `error: ${(e as Error).message}`;
    }
  })();
  return { got, want };
}

/**
 * Expects each statement to give the same rows (or the same error) in @db and SQLite;
 * `errors`: each must fail in SQLite (the cases are SQLite's refusals).
 */
export function expectSame(ours: Database, theirs: SqlJsDatabase, sqls: readonly string[], errors = false): void {
  for (const sql of sqls) {
    const { got, want } = bothRows(ours, theirs, sql);
    if (errors) expect(typeof want, sql).toBe("string");
    expect(got, sql).toEqual(want);
  }
}

/**
 * A seeded differential session: @db and SQLite (sql.js) in memory, `run` for both, and a PRNG
 * with `pick`. The seed comes from `envVar` (else `seed`) and belongs in every failure message.
 */
export async function seededPair(envVar: string, seed: number) {
  const { default: initSqlJs } = await import("sql.js");
  const SQL = await initSqlJs();
  const { Database: Db } = await import("../src/index.js");
  const s = Number(process.env[envVar] ?? seed);
  const rnd = prng(s);
  const ours = new Db(":memory:");
  const theirs = new SQL.Database();
  return {
    seed: s,
    rnd,
    pick: <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!,
    ours,
    theirs,
    run(sql: string): void {
      ours.exec(sql);
      theirs.exec(sql);
    },
  };
}
