/**
 * `pnpm fuzz:sql [--seed N] [--count N] [--time SEC] ...`: differential testing of @db against
 * SQLite (sql.js) with random schemas, data and queries, plus the TLP and NoREC oracles. Cases run
 * in worker processes (so a hang is caught and reported); every failure is minimized and printed;
 * the last line is `N passed, N failed` (checks).
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, type Options } from "./args.js";
import { loadSqlite, ourFactory, sqliteVersion } from "./engines.js";
import type { Message, WorkerConfig } from "./protocol.js";
import { renderSetup } from "./ast.js";
import { checkSql } from "./checks.js";
import type { EngineFactory } from "./engines.js";
import { minimizeHang } from "./hang.js";
import { addCase, caseUpTo, emptyTotals, runCase, statementsUpTo, type Failure, type RunOptions, type Totals } from "./run.js";

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

class Reporter {
  readonly totals: Totals = emptyTotals();
  private readonly shapes = new Map<string, { n: number; first: number }>();
  private lastProgress = Date.now();
  readonly started = Date.now();
  /** Timeouts that did not reproduce in isolation (a loaded machine). */
  private timeouts = 0;
  /** Hang minimizations under way (finish() waits for them). */
  private readonly pending: Array<Promise<void>> = [];

  constructor(
    private readonly o: Options,
    private readonly theirs: EngineFactory,
  ) {}

  replay(k: number): string {
    const extra = [this.o.solo ? "--solo" : "", this.o.checks !== 40 ? `--checks ${this.o.checks}` : "", this.o.disable.length ? `--disable ${this.o.disable.join(",")}` : ""].filter(Boolean).join(" ");
    return `pnpm fuzz:sql --seed ${this.o.seed} --case ${k}${extra ? " " + extra : ""}`;
  }

  failure(f: Failure): void {
    this.totals.failures.push(f);
    const n = this.totals.failures.length;
    const seen = this.shapes.get(f.shape);
    const where = f.checkIndex < 0 ? "setup" : `check ${f.checkIndex}`;
    if (seen) {
      seen.n++;
      console.log(`FAIL #${n}  case ${f.caseIndex} ${where}  [${f.category}]  same shape as #${seen.first}  (${this.replay(f.caseIndex)})`);
      return;
    }
    this.shapes.set(f.shape, { n: 1, first: n });
    console.log(`\nFAIL #${n}  case ${f.caseIndex} ${where}  [${f.category}]  replay: ${this.replay(f.caseIndex)}`);
    if (this.o.verbose || !f.minimized) {
      console.log("  as generated:");
      for (const l of f.original) console.log("    " + l);
    }
    if (f.minimized) console.log(`  minimized (${f.attempts} attempts):`);
    for (const l of f.repro) console.log("    " + l);
    console.log("");
  }

  caseDone(r: { passed: number; failed: number; approx: number; skipped: number; approxExamples: string[][] }): void {
    addCase(this.totals, { ...r, failures: [] });
    if (Date.now() - this.lastProgress > 10_000) {
      this.lastProgress = Date.now();
      const t = this.totals;
      const s = ((Date.now() - this.started) / 1000).toFixed(0);
      console.log(`[${s}s] ${t.cases} cases, ${t.passed + t.failed} checks: ${t.passed} passed, ${t.failures.length} failed (${this.shapes.size} distinct), ${t.approx} REAL last-digit, ${t.skipped} oracle-skipped`);
    }
  }

  /** A failure the worker could not report itself (hang or crash); hangs are minimized here. */
  lost(category: string, k: number, j: number, lines: string[]): void {
    this.totals.failed++;
    const base = { seed: this.o.seed, caseIndex: k, checkIndex: j, category, original: lines, minimized: false, attempts: 0 };
    const at = category === "hang" && this.o.minimize ? caseUpTo(runOptions(this.o), k, j) : null;
    if (!at) {
      this.failure({ ...base, repro: statementsUpTo(runOptions(this.o), k, j), shape: `${category}: ${k}/${j}` });
      return;
    }
    console.log(`(case ${k} check ${j}: no answer in ${this.o.timeoutSec}s; minimizing the hang in the background)`);
    this.pending.push(
      minimizeHang(this.theirs, at.history, at.check, 8000, this.o.minimizeSec * 9000).then((m) => {
        if (!m.reproduced) {
          // Slow under load, not a hang: @db answered within max(8 s, 30 x SQLite's time) alone.
          this.totals.failed--;
          this.timeouts++;
          console.log(`(case ${k} check ${j}: the timeout did not reproduce in isolation; not counted)`);
          return;
        }
        const repro = [...m.history.map((it) => renderSetup(it) + ";"), ...checkSql(m.check).map((s) => s + ";"), "  -- @db: no answer within max(8 s, 30 x SQLite's time)"];
        const shape = `hang: ${checkSql(m.check).join(" ").replace(/'(?:[^']|'')*'|\b\d+(?:\.\d*)?\b/g, "?")}`;
        this.failure({ ...base, repro, minimized: true, attempts: m.attempts, shape });
      }),
    );
  }

  async settle(): Promise<void> {
    await Promise.all(this.pending);
  }

  finish(): number {
    const t = this.totals;
    const secs = (Date.now() - this.started) / 1000;
    console.log(`\nseed ${this.o.seed}: ${t.cases} cases, ${t.passed + t.failed} checks in ${secs.toFixed(1)}s`);
    if (t.approx) {
      console.log(`${t.approx} checks agreed only to 10 significant digits of REAL (see docs/sql-differences.md); e.g.:`);
      for (const l of t.approxExamples[0] ?? []) console.log("    " + l);
    }
    if (this.timeouts) console.log(`${this.timeouts} check timeouts did not reproduce in isolation (slow under load; not counted; their cases' remaining checks did not run)`);
    if (t.skipped) console.log(`${t.skipped} oracle checks skipped (SQLite itself does not satisfy them: not a finding)`);
    if (this.shapes.size) {
      console.log(`${this.shapes.size} distinct failure shapes:`);
      for (const [shape, s] of [...this.shapes].sort((a, b) => b[1].n - a[1].n)) console.log(`  ${String(s.n).padStart(4)} x  #${s.first}  ${shape.slice(0, 160)}`);
    }
    if (this.o.json) {
      writeFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), this.o.json), JSON.stringify({ seed: this.o.seed, cases: t.cases, passed: t.passed, failed: t.failed, approx: t.approx, seconds: secs, failures: t.failures }, null, 1) + "\n");
    }
    console.log(`${t.passed} passed, ${t.failed} failed`);
    return t.failed ? 1 : 0;
  }
}

function runOptions(o: Options): RunOptions {
  return { seed: o.seed, checks: o.checks, minimize: o.minimize, minimizeMs: o.minimizeSec * 1000, strictReal: o.strictReal, disable: o.disable, solo: o.solo };
}

/** One worker process over cases start, start + step, ...; restarted after a hang or crash. */
function supervise(o: Options, rep: Reporter, cfg: WorkerConfig): Promise<void> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@db/source", WORKER, JSON.stringify(cfg)], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let k = cfg.start;
    let j = -1;
    let ended = false;
    let minimizing = false;
    let failStart: string[] = [];
    let stderr = "";
    let pending = "";
    let timer: NodeJS.Timeout | null = null;
    let hung = false;
    const arm = (): void => {
      if (timer) clearTimeout(timer);
      const ms = (minimizing ? o.minimizeSec + o.timeoutSec * 2 : o.timeoutSec) * 1000;
      timer = setTimeout(() => {
        hung = true;
        child.kill("SIGKILL");
      }, ms);
    };
    arm();
    const onMessage = (m: Message): void => {
      switch (m.t) {
        case "case-start":
          k = m.k;
          j = -1;
          minimizing = false;
          break;
        case "check":
          j = m.j;
          minimizing = false;
          break;
        case "fail-start":
          minimizing = o.minimize;
          failStart = m.lines;
          break;
        case "fail":
          minimizing = false;
          rep.failure(m.f);
          break;
        case "case":
          rep.caseDone(m);
          break;
        case "end":
          ended = true;
          break;
        default:
          break;
      }
      arm();
    };
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith('{"t":')) onMessage(JSON.parse(line) as Message);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr = (stderr + c).slice(-3000);
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (ended) return done();
      if (hung) {
        const what = minimizing ? "hang (while minimizing this failure; a shrunk variant ran too long)" : `hang (no answer in ${o.timeoutSec}s)`;
        rep.lost(minimizing ? "hang-minimizing" : "hang", k, j, [`-- ${what}`, ...failStart]);
      } else rep.lost("worker-crash", k, j, [`-- worker exited (code ${code}, signal ${signal})`, ...stderr.split("\n").slice(-15).map((l) => "-- " + l)]);
      const next = k + cfg.step;
      const over = (cfg.end !== null && next >= cfg.end) || (cfg.deadline !== null && Date.now() >= cfg.deadline);
      if (over) return done();
      void supervise(o, rep, { ...cfg, start: next }).then(done);
    });
  });
}

async function main(o: Options): Promise<number> {
  const theirs = await loadSqlite();
  console.log((o.solo ? `difftest: @db alone (TLP and NoREC oracles), seed ${o.seed}` : `difftest: @db against SQLite ${sqliteVersion(theirs)} (sql.js), seed ${o.seed}`) + (o.disable.length ? `, features off: ${o.disable.join(",")}` : ""));
  const what = o.caseIndex !== null ? `case ${o.caseIndex}` : o.count !== null ? `${o.count} cases` : `cases for ${o.timeSec}s`;
  console.log(`${what}, ${o.checks} checks each, ${o.inProcess ? "in process" : o.caseIndex !== null ? "1 worker" : `${o.jobs} workers`}${o.minimize ? `, minimizing (${o.minimizeSec}s each)` : ""}`);
  const rep = new Reporter(o, theirs);
  const ro = runOptions(o);
  if (o.inProcess) {
    const deadline = o.timeSec !== null ? Date.now() + o.timeSec * 1000 : null;
    const first = o.caseIndex ?? 0;
    const end = o.caseIndex !== null ? o.caseIndex + 1 : o.count;
    for (let k = first; end === null || k < end; k++) {
      if (deadline !== null && Date.now() >= deadline) break;
      const r = runCase(ourFactory, theirs, k, ro, { onFailure: (f) => rep.failure(f), stop: () => deadline !== null && Date.now() >= deadline });
      rep.caseDone(r);
    }
    return rep.finish();
  }
  const deadline = o.timeSec !== null ? Date.now() + o.timeSec * 1000 : null;
  if (o.caseIndex !== null) {
    await supervise(o, rep, { run: ro, start: o.caseIndex, step: 1, end: o.caseIndex + 1, deadline: null });
    await rep.settle();
    return rep.finish();
  }
  const jobs = o.count !== null ? Math.min(o.jobs, Math.max(1, o.count)) : o.jobs;
  await Promise.all(Array.from({ length: jobs }, (_, i) => supervise(o, rep, { run: ro, start: i, step: jobs, end: o.count, deadline })));
  await rep.settle();
  return rep.finish();
}

try {
  process.exitCode = await main(parseArgs(process.argv.slice(2)));
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
}
