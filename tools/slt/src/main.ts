/**
 * `pnpm test:slt [files or folders...]`: runs sqllogictest files, each in its own child process,
 * up to --jobs at a time, and prints one line per file, totals, and `N passed, N failed`.
 */
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { parseArgs, type Options } from "./args.js";
import { groupCauses, type Cause } from "./causes.js";
import { REPO_ROOT, runFileInChild, type FileResult } from "./child.js";

const DEFAULT_PATH = "../shared/sqllogictest/test";

/** Every *.test file under the given files and folders, named relative to their common folder. */
function collect(paths: string[], base: string): Array<{ file: string; name: string }> {
  const files: string[] = [];
  const roots: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = resolve(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".test")) files.push(p);
    }
  };
  for (const p of paths) {
    const abs = resolve(base, p);
    if (statSync(abs).isDirectory()) {
      roots.push(abs);
      walk(abs);
    } else {
      roots.push(dirname(abs));
      files.push(abs);
    }
  }
  let common = roots[0] ?? base;
  while (!roots.every((r) => r === common || r.startsWith(common.endsWith(sep) ? common : common + sep))) common = dirname(common);
  return files.map((file) => ({ file, name: relative(common, file) }));
}

/** Runs `tasks` with at most `jobs` at once; `onDone` is called as each finishes. */
async function pool<T, R>(tasks: T[], jobs: number, run: (t: T) => Promise<R>, onDone: (r: R) => void): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) onDone(await run(tasks[next++]!));
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
}

function fileLine(r: FileResult, name: string): string {
  const unrun = r.unrun ? ` (${r.unrun} unrun)` : "";
  return `${r.status.padEnd(7)} ${name}  passed ${r.passed}, failed ${r.failed}${unrun}, skipped ${r.skipped}  ${r.seconds.toFixed(1)}s`;
}

function printCauses(causes: Cause[], reported: number, perFile: number): void {
  console.log(`\nTop failure causes (of ${reported} reported failures, at most ${perFile} per file):`);
  for (const c of causes.slice(0, 15)) {
    const sql = c.example.sql.replace(/\s+/g, " ").slice(0, 100);
    console.log(`${String(c.count).padStart(7)}  ${c.cause}\n         e.g. ${c.example.file}:${c.example.line}  ${sql}`);
  }
}

async function main(o: Options): Promise<number> {
  // pnpm runs scripts from the repository root; relative paths are the caller's (INIT_CWD).
  const base = o.paths.length ? (process.env.INIT_CWD ?? process.cwd()) : REPO_ROOT;
  const files = collect(o.paths.length ? o.paths : [DEFAULT_PATH], base);
  if (!files.length) throw new Error("no .test files found");
  const names = new Map(files.map((f) => [f.file, f.name]));
  // Largest files first, so that one big file does not finish alone at the end.
  const queue = [...files].sort((a, b) => statSync(b.file).size - statSync(a.file).size);
  const started = Date.now();
  const results: FileResult[] = [];
  await pool(queue, o.jobs, (f) => runFileInChild(f.file, o.timeoutSec, o.maxFailuresPerFile), (r) => {
    results.push(r);
    if (!o.quiet || r.status !== "PASS") console.log(fileLine(r, names.get(r.file)!));
  });

  results.sort((a, b) => (names.get(a.file)! < names.get(b.file)! ? -1 : 1));
  const sum = (k: "passed" | "failed" | "skipped" | "unrun") => results.reduce((n, r) => n + r[k], 0);
  const byStatus = (s: string) => results.filter((r) => r.status === s).length;
  const timedOut = byStatus("TIMEOUT");
  const crashed = byStatus("CRASH");
  const seconds = (Date.now() - started) / 1000;
  const failures = results.flatMap((r) => r.failures.map((f) => ({ ...f, file: names.get(r.file)! })));
  const causes = groupCauses(failures);
  if (causes.length) printCauses(causes, failures.length, o.maxFailuresPerFile);
  console.log(
    `\n${results.length} files in ${seconds.toFixed(1)}s: ${byStatus("PASS")} PASS, ${byStatus("FAIL")} FAIL, ` +
      `${timedOut} TIMEOUT${crashed ? `, ${crashed} CRASH` : ""}`,
  );
  console.log(`${sum("skipped")} skipped, ${timedOut} timed out (${sum("unrun")} records unrun, counted as failed)`);
  console.log(`${sum("passed")} passed, ${sum("failed")} failed`);

  if (o.json) {
    const report = {
      summary: { files: results.length, passed: sum("passed"), failed: sum("failed"), skipped: sum("skipped"), unrun: sum("unrun"), timedOut, crashed, seconds },
      files: results.map(({ failures: _f, file, ...r }) => ({ file: names.get(file), ...r })),
      causes: causes.map(({ cause, count, example: e }) => ({ cause, count, example: { file: e.file, line: e.line, sql: e.sql } })),
      failures,
    };
    writeFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), o.json), JSON.stringify(report, null, 1) + "\n");
  }
  return results.every((r) => r.status === "PASS") ? 0 : 1;
}

try {
  process.exitCode = await main(parseArgs(process.argv.slice(2)));
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
}
