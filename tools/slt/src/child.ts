/** Runs one file in a child process (run-file.ts) with a timeout, and collects its report. */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Failure } from "./execute.js";
import { isTest, parseScript } from "./parse.js";
import type { Counts, Message, Slow } from "./protocol.js";

const RUN_FILE = fileURLToPath(new URL("./run-file.ts", import.meta.url));
/** The repository root: `--import tsx` resolves from here. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export type Status = "PASS" | "FAIL" | "TIMEOUT" | "CRASH";

export interface FileResult extends Counts {
  file: string;
  status: Status;
  /** Records that never ran because the child was killed or died (counted in `failed`). */
  unrun: number;
  seconds: number;
  failures: Failure[];
  slowest: Slow[];
}

export function runFileInChild(file: string, timeoutSec: number, maxFailures: number): Promise<FileResult> {
  const started = Date.now();
  const args = ["--import", "tsx", "--conditions=@db/source", RUN_FILE, file, "--max-failures", String(maxFailures)];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let runnable = -1; // from the child's first message
  let skipped = 0; // known from the start: conditions do not depend on results
  let counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  let line = 0; // the record the child was about to run at its last progress message
  let done = false;
  let slowest: Slow[] = [];
  const failures: Failure[] = [];
  let stderr = "";
  let pending = "";

  const onMessage = (m: Message): void => {
    if (m.type === "start") {
      runnable = m.runnable;
      skipped = m.skipped;
    } else if (m.type === "failure") failures.push(m.failure);
    else if (m.type === "progress") {
      line = m.line;
      counts = { passed: m.passed, failed: m.failed, skipped: m.skipped };
    } else if (m.type === "done") {
      done = true;
      slowest = m.slowest;
      counts = { passed: m.passed, failed: m.failed, skipped: m.skipped };
    }
  };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const text = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (text.startsWith("{")) onMessage(JSON.parse(text) as Message);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutSec * 1000);

  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      let status: Status = counts.failed ? "FAIL" : "PASS";
      let unrun = 0;
      if (!done) {
        // Killed or died: every record that did not run counts as failed.
        status = timedOut ? "TIMEOUT" : "CRASH";
        if (runnable < 0) ({ runnable, skipped } = countTests(file)); // died before its first message
        unrun = Math.max(0, runnable - counts.passed - counts.failed);
        const why = timedOut ? `timeout after ${timeoutSec}s` : `crashed (${signal ?? `exit code ${code}`})`;
        failures.push(stuckRecord(file, line, why, stderr));
        counts = { passed: counts.passed, failed: counts.failed + unrun, skipped };
      }
      resolve({ file, status, ...counts, unrun, seconds, failures, slowest });
    });
  });
}

/** The runnable and skipped test records of a file, as run-file.ts counts them. */
function countTests(file: string): { runnable: number; skipped: number } {
  try {
    const tests = parseScript(readFileSync(file, "utf8")).filter(isTest);
    const skipped = tests.filter((r) => r.skip).length;
    return { runnable: tests.length - skipped, skipped };
  } catch {
    return { runnable: 0, skipped: 0 };
  }
}

/** A report entry for the record a killed child was running (as far as its progress tells). */
function stuckRecord(file: string, line: number, reason: string, stderr: string): Failure {
  let sql = "";
  try {
    const rec = parseScript(readFileSync(file, "utf8")).find((r) => r.line === line);
    if (rec && "sql" in rec) sql = rec.sql;
  } catch {
    /* the file is unreadable: the reason says enough */
  }
  const f: Failure = { file, line, sql, reason: `${reason}; running at or after line ${line}`, expected: [], got: [] };
  if (stderr.trim()) f.error = stderr.trim();
  return f;
}
