import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { DbError } from "../src/index.js";

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
