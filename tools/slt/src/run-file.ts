/**
 * Runs one sqllogictest file and reports on stdout as JSON lines (see protocol.ts).
 * Usage: node --import tsx --conditions=@db/source run-file.ts FILE [--max-failures N]
 */
import { readFileSync } from "node:fs";
import { FileRunner } from "./execute.js";
import { isTest, parseScript } from "./parse.js";
import type { Counts, Message, Slow } from "./protocol.js";

const PROGRESS_MS = 500;
/** A record slower than this makes the next one report its line before it starts. */
const SLOW_MS = 50;
const KEEP_SLOWEST = 5;

function send(m: Message): void {
  process.stdout.write(JSON.stringify(m) + "\n"); // synchronous for pipes and files
}

function main(argv: string[]): void {
  const file = argv[0];
  if (!file) throw new Error("usage: run-file.ts FILE [--max-failures N]");
  const mf = argv.indexOf("--max-failures");
  const maxFailures = mf >= 0 ? Number(argv[mf + 1]) : 20;
  const started = Date.now();
  const records = parseScript(readFileSync(file, "utf8"));
  const tests = records.filter(isTest);
  const skipped = tests.filter((r) => r.skip).length;
  send({ type: "start", runnable: tests.length - skipped, skipped });

  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  const runner = new FileRunner(file);
  let lastProgress = Date.now();
  let slow = false;
  const slowest: Slow[] = [];
  for (const rec of records) {
    const t0 = Date.now();
    if (slow || t0 - lastProgress >= PROGRESS_MS) {
      send({ type: "progress", line: rec.line, ...counts });
      lastProgress = t0;
    }
    const outcome = runner.run(rec);
    const ms = Date.now() - t0;
    slow = ms >= SLOW_MS;
    if (slow && (slowest.length < KEEP_SLOWEST || ms > slowest[KEEP_SLOWEST - 1]!.ms)) {
      slowest.push({ line: rec.line, ms });
      slowest.sort((a, b) => b.ms - a.ms).splice(KEEP_SLOWEST);
    }
    if (outcome === "pass") counts.passed++;
    else if (outcome === "skip") counts.skipped++;
    else if (outcome === "fail") {
      if (counts.failed++ < maxFailures) send({ type: "failure", failure: runner.lastFailure! });
    }
  }
  runner.close();
  send({ type: "done", ms: Date.now() - started, slowest, ...counts });
}

main(process.argv.slice(2));
