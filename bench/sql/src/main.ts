/**
 * The SQL benchmark of issue 6: @db against better-sqlite3 (WAL) and sql.js (in memory).
 *
 *   pnpm bench:sql [--n 100000] [--runs 5] [--quick] [--engines db,better-sqlite3,sql.js]
 *                  [--markdown] [--no-history] [--keep] [--no-duel] [--profile auto | a,c,...]
 *
 * This harness (run through tsx) only orchestrates: it bundles @db/engine, the worker and the
 * start-up script with esbuild into a temp dir, then runs every engine in fresh `node` processes
 * (no tsx in the measured processes). Each round runs every engine once, in rotated order; the
 * table shows the median over rounds and ratios to better-sqlite3 (> 1: @db is better). Results
 * go to bench/sql/history/<ISO date>.json.
 *
 * --profile auto: after the benchmark, CPU-profile (node --cpu-prof) @db on every workload where
 * it is slower than better-sqlite3 and print the top self-time functions.
 * --profile a,c,...: profile only those workloads (no benchmark run).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { DuelWorker, duel } from "./duel.js";
import { formatSummary, summarize } from "./profile.js";
import type { EngineId, StartupOutput, WorkerConfig, WorkerOutput, WorkloadId, WorkloadResult } from "./types.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const pkgDir = path.resolve(here, "..");
const repoDir = path.resolve(pkgDir, "../..");
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- arguments

function parseArgs(argv: string[]) {
  const a = { n: 100_000, runs: 0, quick: false, engines: ["db", "better-sqlite3", "sql.js"] as EngineId[], markdown: false, history: true, keep: false, profile: "", duel: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? "";
    switch (flag) {
      case "--":
        break;
      case "--n":
        a.n = Number(value().replace(/_/g, ""));
        break;
      case "--runs":
        a.runs = Number(value());
        break;
      case "--quick":
        a.quick = true;
        break;
      case "--engines":
        a.engines = value().split(",") as EngineId[];
        break;
      case "--markdown":
        a.markdown = true;
        break;
      case "--no-history":
        a.history = false;
        break;
      case "--keep":
        a.keep = true;
        break;
      case "--no-duel":
        a.duel = false;
        break;
      case "--profile":
        a.profile = inline ?? (argv[i + 1] && !argv[i + 1]!.startsWith("--") ? argv[++i]! : "auto");
        break;
      case "--help":
      case "-h":
        console.log(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("*/")[0]);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${arg} (try --help)`);
    }
  }
  if (!Number.isInteger(a.n) || a.n < 1000) throw new Error("--n must be an integer >= 1000");
  if (a.runs === 0) a.runs = a.quick ? 3 : 5;
  for (const e of a.engines) if (!["db", "better-sqlite3", "sql.js"].includes(e)) throw new Error(`unknown engine ${e}`);
  return a;
}

const args = parseArgs(process.argv.slice(2));
const timing = args.quick
  ? { boxMs: 300, warmMs: 100, commitBoxMs: 500, commitBursts: 4, reps: 1, startups: 1 }
  : { boxMs: 1000, warmMs: 200, commitBoxMs: 2000, commitBursts: 8, reps: 3, startups: 3 };

// ---------------------------------------------------------------- metrics

type Kind = "rate" | "time" | "size";
interface Metric {
  id: WorkloadId | "h";
  label: string;
  unit: string;
  kind: Kind;
  /** Minimum ratio (convention: > 1 means @db better) that the issue asks for. */
  target?: number;
  /** Or an absolute ceiling for @db's value. */
  maxValue?: number;
  targetText: string;
}

const METRICS: Metric[] = [
  { id: "a", label: "a. bulk insert, 1 txn", unit: "rows/s", kind: "rate", target: 1, targetText: ">= 1.0x" },
  { id: "b_full", label: "b. autocommit insert, sync FULL", unit: "commits/s", kind: "rate", target: 1, targetText: ">= 1.0x" },
  { id: "b_normal", label: "b. autocommit insert, sync NORMAL", unit: "commits/s", kind: "rate", target: 1, targetText: ">= 1.0x" },
  { id: "c", label: "c. point select by id", unit: "ops/s", kind: "rate", target: 1.5, targetText: ">= 1.5x" },
  { id: "d", label: "d. 100-row id range scan", unit: "scans/s", kind: "rate", target: 1, targetText: ">= 1.0x" },
  { id: "e", label: "e. index equality, 10 rows", unit: "lookups/s", kind: "rate", target: 1, targetText: ">= 1.0x" },
  { id: "f", label: "f. full scan count/sum/avg", unit: "ms", kind: "time", target: 1, targetText: ">= 1.0x" },
  { id: "g", label: "g. join + group/order/limit", unit: "ms", kind: "time", target: 1, targetText: ">= 1.0x" },
  { id: "h", label: "h. start to first result", unit: "ms", kind: "time", maxValue: 50, targetText: "< 50 ms" },
  { id: "i_size", label: "i. file size after a", unit: "MB", kind: "size", target: 1 / 1.2, targetText: "<= 1.2x size" },
  { id: "i_rss", label: "i. RSS after load", unit: "MB", kind: "size", target: 1 / 1.5, targetText: "<= 1.5x RSS" },
];

const ENGINE_LABEL: Record<EngineId, string> = { db: "@db", "better-sqlite3": "better-sqlite3", "sql.js": "sql.js (mem)" };

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** > 1 means `a` (the engine under test) is better than `b`. */
function ratio(kind: Kind, a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || a <= 0 || b <= 0) return undefined;
  return kind === "rate" ? a / b : b / a;
}

function fmtValue(v: number | undefined, unit: string): string {
  if (v === undefined) return "—";
  if (unit === "MB") return (v / 1e6).toFixed(1);
  if (unit === "ms") return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  if (v >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  return v.toFixed(0);
}

const fmtRatio = (r: number | undefined) => (r === undefined ? "—" : r >= 10 ? `${r.toFixed(1)}x` : `${r.toFixed(2)}x`);

// ---------------------------------------------------------------- build

const stamp = new Date().toISOString();
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "db-bench-sql-"));
const buildDir = path.join(tmpRoot, "build");
const enginePath = path.join(buildDir, "db-engine.mjs");
const workerPath = path.join(buildDir, "worker.mjs");
const startupPath = path.join(buildDir, "startup.mjs");

async function buildAll(): Promise<number> {
  const t0 = performance.now();
  const common = { bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning", absWorkingDir: pkgDir } as const;
  // @db/engine from its TypeScript source (the @db/source condition), one self-contained file.
  await build({
    ...common,
    stdin: { contents: 'export * from "@db/engine";\nexport { default } from "@db/engine";\n', resolveDir: pkgDir, loader: "ts" },
    conditions: ["@db/source"],
    outfile: enginePath,
  });
  await build({ ...common, entryPoints: [path.join(here, "worker.ts")], outfile: workerPath });
  await build({ ...common, entryPoints: [path.join(here, "startup.ts")], outfile: startupPath });
  return performance.now() - t0;
}

const modulePaths: Record<EngineId, string> = {
  db: enginePath,
  "better-sqlite3": require.resolve("better-sqlite3"),
  "sql.js": require.resolve("sql.js"),
};

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

function spawnNode(nodeArgs: string[], script: string, scriptArgs: string[]): { stdout: string; stderr: string; status: number | null; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...nodeArgs, script, ...scriptArgs], { encoding: "utf8", env: childEnv(), maxBuffer: 64 << 20, timeout: 45 * 60_000 });
  return { stdout: r.stdout ?? "", stderr: r.stderr ?? "", status: r.status, ms: performance.now() - t0 };
}

function workerConfig(engine: EngineId, dir: string, extra: Partial<WorkerConfig> = {}): WorkerConfig {
  return { engine, modulePath: modulePaths[engine], dir, n: args.n, boxMs: timing.boxMs, warmMs: timing.warmMs, commitBoxMs: timing.commitBoxMs, reps: timing.reps, ...extra };
}

function runWorker(cfg: WorkerConfig, nodeArgs: string[] = []): WorkerOutput {
  const r = spawnNode(["--expose-gc", ...nodeArgs], workerPath, [JSON.stringify(cfg)]);
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`${cfg.engine} worker failed (exit ${r.status}):\n${(r.stderr || r.stdout).split("\n").slice(-15).join("\n")}`);
  return JSON.parse(line.slice(7)) as WorkerOutput;
}

function startDuelWorker(cfg: WorkerConfig): DuelWorker {
  return new DuelWorker(cfg.engine, process.execPath, ["--expose-gc", workerPath, JSON.stringify(cfg)], childEnv());
}

function runStartup(engine: EngineId | "node", dir: string, nodeArgs: string[] = []): StartupOutput & { wallMs: number } {
  const r = spawnNode(nodeArgs, startupPath, [engine, engine === "node" ? "" : modulePaths[engine], dir]);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith("{")) throw new Error(`${engine} start-up failed (exit ${r.status}):\n${r.stderr.split("\n").slice(-10).join("\n")}`);
  return { ...(JSON.parse(line) as StartupOutput), wallMs: r.ms };
}

// ---------------------------------------------------------------- machine

function sh(cmd: string, cmdArgs: string[]): string {
  const r = spawnSync(cmd, cmdArgs, { cwd: repoDir, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "";
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus[0]?.model.trim() ?? "?"} x${cpus.length}`,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadavgStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    tmpdir: os.tmpdir(),
  };
}

function versions() {
  const v = (name: string) => (JSON.parse(fs.readFileSync(path.join(pkgDir, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  let sqlite = "?";
  try {
    const Better = require("better-sqlite3") as new (f: string) => { prepare(s: string): { pluck(): { get(): unknown } }; close(): void };
    const d = new Better(":memory:");
    sqlite = String(d.prepare("select sqlite_version()").pluck().get());
    d.close();
  } catch {
    /* reported as ? */
  }
  return { "better-sqlite3": v("better-sqlite3"), sqlite, "sql.js": v("sql.js"), esbuild: v("esbuild") };
}

// ---------------------------------------------------------------- benchmark

type Samples = Record<string, Partial<Record<EngineId, number[]>>>;

async function benchmark() {
  const samples: Samples = {};
  const errors: string[] = [];
  const notes = new Set<string>();
  const checks: Record<string, Partial<Record<EngineId, string>>> = {};
  type StartupSamples = { import: number[]; open: number[]; query: number[]; wall: number[]; first: number[]; cpu: number[] };
  const startupDetail: Partial<Record<EngineId | "node", StartupSamples>> = {};
  const extra: Partial<Record<EngineId, Record<string, number[]>>> = {};
  const push = (metric: string, engine: EngineId, v: number) => (((samples[metric] ??= {})[engine] ??= []).push(v));
  const skipped: Record<string, Partial<Record<EngineId, string>>> = {};
  const t0 = performance.now();

  /** Records one engine's worker output for a round, measures h on its file, removes the file. */
  const finishEngine = (round: number, engine: EngineId, out: WorkerOutput | undefined, dir: string, w0: number) => {
    if (out) {
      for (const n of out.notes) notes.add(`${ENGINE_LABEL[engine]}: ${n}`);
      for (const [id, r] of Object.entries(out.results)) {
        if (r.value !== undefined) push(id, engine, r.value);
        if (r.cpuValue !== undefined) push(`cpu:${id}`, engine, r.cpuValue);
        if (r.error) errors.push(`round ${round + 1} ${ENGINE_LABEL[engine]} ${id}: ${r.error}`);
        if (r.skipped) (skipped[id] ??= {})[engine] = r.skipped;
        if (r.check !== undefined && round === 0) (checks[id] ??= {})[engine] = r.check;
      }
      for (const [k, v] of Object.entries(out.extra)) ((extra[engine] ??= {})[k] ??= []).push(v);
    }
    // h. start-up on the file this round left behind
    for (let s = 0; s < timing.startups && out; s++) {
      try {
        const st = runStartup(engine, dir);
        if (!st.ok) errors.push(`${ENGINE_LABEL[engine]} start-up query returned a wrong row`);
        push("h", engine, st.firstResultMs);
        push("cpu:h", engine, st.cpuMs);
        const d = (startupDetail[engine] ??= { import: [], open: [], query: [], wall: [], first: [], cpu: [] });
        d.cpu.push(st.cpuMs);
        d.import.push(st.importMs);
        d.open.push(st.openMs);
        d.query.push(st.queryMs);
        d.wall.push(st.wallMs);
        d.first.push(st.firstResultMs);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    if (!args.keep) fs.rmSync(dir, { recursive: true, force: true });
    const brief = out
      ? ["a", "c", "f", "g", "b_full"].map((id) => `${id} ${fmtValue(out.results[id as WorkloadId]?.value, METRICS.find((m) => m.id === id)!.unit)}`).join("  ")
      : "failed";
    process.stderr.write(`round ${round + 1}/${args.runs} ${ENGINE_LABEL[engine].padEnd(14)} ${((performance.now() - w0) / 1000).toFixed(1).padStart(6)} s   ${brief}\n`);
  };

  for (let round = 0; round < args.runs; round++) {
    const order = args.engines.map((_, k) => args.engines[(k + round) % args.engines.length]!);
    // durable engines wait after g for the commit duel (duel.ts); sql.js has no commits to duel
    const duelists: { w: DuelWorker; dir: string; w0: number }[] = [];
    for (const engine of order) {
      const dir = path.join(tmpRoot, `r${round + 1}-${engine}`);
      fs.mkdirSync(dir, { recursive: true });
      const w0 = performance.now();
      if (args.duel && engine !== "sql.js") {
        const w = startDuelWorker(workerConfig(engine, dir, { duel: true }));
        try {
          await w.expect("DUEL READY");
          duelists.push({ w, dir, w0 });
        } catch (e) {
          w.kill();
          errors.push(`round ${round + 1}: ${(e as Error).message}`);
          finishEngine(round, engine, undefined, dir, w0);
        }
        continue;
      }
      let out: WorkerOutput | undefined;
      try {
        out = runWorker(workerConfig(engine, dir));
      } catch (e) {
        errors.push(`round ${round + 1}: ${(e as Error).message}`);
      }
      finishEngine(round, engine, out, dir, w0);
    }
    if (duelists.length > 0) {
      let b = new Map<EngineId, Partial<Record<WorkloadId, WorkloadResult>>>();
      try {
        b = await duel(
          duelists.map((d) => d.w),
          { warmMs: Math.min(200, timing.warmMs), totalMs: timing.commitBoxMs, bursts: timing.commitBursts },
        );
      } catch (e) {
        errors.push(`round ${round + 1} commit duel: ${(e as Error).message}`);
      }
      for (const { w, dir, w0 } of duelists) {
        let out: WorkerOutput | undefined;
        try {
          out = await w.finish();
          Object.assign(out.results, b.get(w.engine) ?? {});
        } catch (e) {
          w.kill();
          errors.push(`round ${round + 1}: ${(e as Error).message}`);
        }
        finishEngine(round, w.engine, out, dir, w0);
      }
    }
    // baseline: node itself, no engine
    for (let s = 0; s < timing.startups; s++) {
      const st = runStartup("node", tmpRoot);
      const d = (startupDetail.node ??= { import: [], open: [], query: [], wall: [], first: [], cpu: [] });
      d.first.push(st.firstResultMs);
      d.wall.push(st.wallMs);
      d.cpu.push(st.cpuMs);
    }
  }

  // cross-engine answer checks
  const mismatches: string[] = [];
  for (const [id, byEngine] of Object.entries(checks)) {
    const ref = byEngine["better-sqlite3"] ?? Object.values(byEngine)[0];
    for (const [engine, c] of Object.entries(byEngine)) if (c !== ref) mismatches.push(`${id}: ${ENGINE_LABEL[engine as EngineId]} answered ${c}, better-sqlite3 ${ref}`);
  }

  const med = (metric: string, e: EngineId) => median(samples[metric]?.[e] ?? []);
  const rows = METRICS.map((m) => {
    const values = Object.fromEntries(args.engines.map((e) => [e, med(m.id, e)])) as Partial<Record<EngineId, number>>;
    const vsBetter = ratio(m.kind, values.db, values["better-sqlite3"]);
    const vsSqlJs = ratio(m.kind, values.db, values["sql.js"]);
    const cpuVsBetter = ratio(m.kind, med(`cpu:${m.id}`, "db"), med(`cpu:${m.id}`, "better-sqlite3"));
    let met: boolean | undefined;
    if (m.maxValue !== undefined && values.db !== undefined) met = values.db < m.maxValue;
    else if (m.target !== undefined && vsBetter !== undefined) met = vsBetter >= m.target;
    const cpu = Object.fromEntries(args.engines.map((e) => [e, med(`cpu:${m.id}`, e)]).filter(([, v]) => v !== undefined)) as Partial<Record<EngineId, number>>;
    return { ...m, values, samples: samples[m.id] ?? {}, cpu, cpuSamples: samples[`cpu:${m.id}`] ?? {}, skipped: skipped[m.id] ?? {}, vsBetter, cpuVsBetter, vsSqlJs, met };
  });
  const startupMedians = Object.fromEntries(
    Object.entries(startupDetail).map(([e, d]) => [e, Object.fromEntries(Object.entries(d).filter(([, xs]) => xs.length).map(([k, xs]) => [k, median(xs)]))]),
  );
  const extraMedians = Object.fromEntries(Object.entries(extra).map(([e, d]) => [e, Object.fromEntries(Object.entries(d).map(([k, xs]) => [k, median(xs)]))]));
  return { rows, errors, notes: [...notes], mismatches, startupMedians, extraMedians, totalS: (performance.now() - t0) / 1000 };
}

type Result = Awaited<ReturnType<typeof benchmark>>;

function table(res: Result, markdown: boolean): string {
  const engines = args.engines;
  const head = ["workload", "unit", ...engines.map((e) => ENGINE_LABEL[e]), "@db vs better-sqlite3", markdown ? "same, by CPU time" : "(CPU time)", "@db vs sql.js", "target", "met"];
  const body = res.rows.map((r) => {
    const cell = (e: EngineId) => {
      const v = r.values[e];
      if (v !== undefined) return fmtValue(v, r.unit);
      const why = r.skipped[e];
      return why?.startsWith("n/a") ? "n/a" : "—";
    };
    const met = r.met === undefined ? "—" : r.met ? "yes" : "NO";
    return [r.label, r.unit, ...engines.map(cell), fmtRatio(r.vsBetter), fmtRatio(r.cpuVsBetter), fmtRatio(r.vsSqlJs), r.targetText, met];
  });
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
    return [line(head), line(head.map((_, i) => (i >= 2 ? "---:" : "---"))), ...body.map(line)].join("\n");
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [fmt(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(fmt)].join("\n");
}

function conventionText(): string[] {
  return [
    "Ratios: > 1 means @db is better — a higher rate (rows/s, ops/s...), or less time, bytes or memory.",
    "  rate ratio = @db / other; time, size and RSS ratio = other / @db. Medians over rounds; 'met' judges the wall-clock ratio.",
    "  (CPU time): the same ratio from the main thread's CPU time (Linux schedstat) instead of wall time — steadier on a",
    "  loaded machine; it leaves out I/O waits (fsync) and V8's background GC threads (free on an idle multi-core machine).",
    `Targets are the issue's (defined at N = 1,000,000)${args.n === 1_000_000 ? "" : `; at N = ${args.n.toLocaleString("en-US")} they are indicative`}.`,
  ];
}

function footnotes(res: Result): string[] {
  const st = res.startupMedians as Record<string, Record<string, number>>;
  const f = (x: number | undefined) => (x === undefined ? "?" : x.toFixed(1));
  const lines = [
    "better-sqlite3: WAL, synchronous FULL except the NORMAL row. @db: its WAL, synchronous FULL (default) except the NORMAL row.",
    "sql.js runs in memory: b is n/a; i. size is its exported image; h reads that image from a file and opens it.",
    `h = performance.now() at the first row in a fresh node process: from process start, so it includes node's own start-up`,
    `  (an empty script: ${f(st.node?.first)} ms, ${f(st.node?.cpu)} ms CPU; spawn-to-exit ${f(st.node?.wall)} ms). (CPU time) for h: process CPU time at the first row.`,
  ];
  for (const e of args.engines)
    if (st[e]) lines.push(`  ${ENGINE_LABEL[e]}: import ${f(st[e].import)} ms, open ${f(st[e].open)} ms, first query ${f(st[e].query)} ms; ${f(st[e].cpu)} ms CPU; spawn-to-exit ${f(st[e].wall)} ms`);
  lines.push("i. size: main file + WAL after a TRUNCATE checkpoint; RSS: process RSS right after (a), after a forced GC (raw RSS before the GC in the history file).");
  return lines;
}

// ---------------------------------------------------------------- profiling

const PROFILE_WORKLOADS = ["a", "b_full", "b_normal", "c", "d", "e", "f", "g", "h"];

function profile(workloads: string[]): string[] {
  const out: string[] = [];
  const profDir = path.join(tmpRoot, "profiles");
  const dir = path.join(tmpRoot, "profile-db");
  fs.mkdirSync(dir, { recursive: true });
  const cpuArgs = (name: string) => ["--cpu-prof", `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}.cpuprofile`, "--cpu-prof-interval=250"];
  // one loaded file for the read and commit workloads (not profiled)
  if (workloads.some((w) => w !== "a")) runWorker(workerConfig("db", dir, { only: [] }));
  for (const w of workloads) {
    process.stderr.write(`profiling @db: ${w}\n`);
    if (w === "a" || w === "i_size" || w === "i_rss") {
      const d = path.join(tmpRoot, "profile-load");
      fs.mkdirSync(d, { recursive: true });
      runWorker(workerConfig("db", d, { only: [] }), cpuArgs(w));
    } else if (w === "h") {
      for (let k = 0; k < 3; k++) runStartup("db", dir, cpuArgs(k === 2 ? w : `${w}-warm${k}`));
    } else {
      runWorker(workerConfig("db", dir, { reuse: true, only: [w], boxMs: 3000, reps: 5, commitBoxMs: 3000 }), cpuArgs(w));
    }
    const file = path.join(profDir, `${w}.cpuprofile`);
    const label = METRICS.find((m) => m.id === w)?.label ?? w;
    out.push(formatSummary(`@db profile, ${label} (N = ${args.n.toLocaleString("en-US")}) — ${file}`, summarize(file, enginePath)));
  }
  // keep the profiles and the bundle they point into; drop the database files
  if (!args.keep) for (const d of [dir, path.join(tmpRoot, "profile-load")]) fs.rmSync(d, { recursive: true, force: true });
  return out;
}

// ---------------------------------------------------------------- main

// the commit the bundle is built from (recorded before building: others may commit during a run)
const commit = sh("git", ["rev-parse", "--short", "HEAD"]);
const dirty = sh("git", ["status", "--porcelain", "--untracked-files=no"]).length > 0;
const buildMs = await buildAll();
const mach = machine();
const vers = versions();
process.stderr.write(`built @db bundle (${(fs.statSync(enginePath).size / 1024).toFixed(0)} KiB) in ${buildMs.toFixed(0)} ms; temp dir ${tmpRoot}\n`);

if (args.profile && args.profile !== "auto") {
  const list = args.profile.split(",");
  for (const w of list) if (!PROFILE_WORKLOADS.includes(w)) throw new Error(`cannot profile ${w}; one of ${PROFILE_WORKLOADS.join(",")}`);
  console.log(profile(list).join("\n\n"));
  console.log(`\nprofiles kept in ${path.join(tmpRoot, "profiles")} (open in Chrome DevTools or speedscope)`);
  process.exit(0);
}

process.stderr.write(`N = ${args.n.toLocaleString("en-US")}, ${args.runs} rounds${args.quick ? " (quick)" : ""}, engines ${args.engines.join(", ")}\n`);
const res = await benchmark();
const title = `@db SQL benchmark — ${stamp} — N = ${args.n.toLocaleString("en-US")}, ${args.runs} rounds${args.quick ? " (quick)" : ""} — ${mach.cpu}, ${mach.memGiB} GiB, ${mach.os}, Node ${mach.node} — git ${commit}${dirty ? "+dirty" : ""}`;
const lines = [title, "", table(res, false), "", ...conventionText(), ...footnotes(res)];
if (res.mismatches.length) lines.push("", "ANSWER MISMATCHES (an engine returned different results):", ...res.mismatches.map((m) => `  ${m}`));
if (res.errors.length) lines.push("", "ERRORS:", ...res.errors.map((m) => `  ${m}`));
if (res.notes.length) lines.push("", "notes:", ...res.notes.map((m) => `  ${m}`));
lines.push("", `total ${res.totalS.toFixed(0)} s; load average ${mach.loadavgStart.join(" ")} at start, ${os.loadavg().map((x) => x.toFixed(2)).join(" ")} at end`);
console.log(lines.join("\n"));
if (args.markdown) console.log(`\n${table(res, true)}`);

/** The latest earlier history record with the same N and mode, for the regression view. */
function previousRun(): { file: string; record: HistoryRecord } | undefined {
  const dir = path.join(pkgDir, "history");
  if (!fs.existsSync(dir)) return undefined;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort().reverse();
  for (const f of files) {
    try {
      const record = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as HistoryRecord;
      if (record.config.n === args.n && record.config.quick === args.quick && record.date < stamp) return { file: f, record };
    } catch {
      /* not a history record */
    }
  }
  return undefined;
}

interface HistoryRecord {
  date: string;
  git: { commit: string; dirty: boolean };
  config: { n: number; quick: boolean };
  metrics: Record<string, { median: Partial<Record<EngineId, number>>; ratioVsBetterSqlite3?: number }>;
}

function regressionView(prev: { file: string; record: HistoryRecord }): string {
  const head = ["workload", "@db before", "@db now", "change", "ratio before", "ratio now"];
  const body = res.rows.map((r) => {
    const old = prev.record.metrics[r.id];
    const before = old?.median.db;
    const now = r.values.db;
    const change = ratio(r.kind, now, before);
    return [
      r.label,
      fmtValue(before, r.unit),
      fmtValue(now, r.unit),
      change === undefined ? "—" : `${change >= 1 ? "+" : ""}${((change - 1) * 100).toFixed(0)}%`,
      fmtRatio(old?.ratioVsBetterSqlite3),
      fmtRatio(r.vsBetter),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [
    `@db against the previous run with N = ${args.n.toLocaleString("en-US")} (${prev.file}, git ${prev.record.git.commit}${prev.record.git.dirty ? "+dirty" : ""}); change: + means @db got better`,
    fmt(head),
    ...body.map(fmt),
  ].join("\n");
}

const prev = previousRun();
if (prev) console.log(`\n${regressionView(prev)}`);

if (args.history) {
  const file = path.join(pkgDir, "history", `${stamp.replace(/:/g, "-").replace(/\.\d+Z$/, "Z")}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const record = {
    date: stamp,
    machine: { ...mach, loadavgEnd: os.loadavg().map((x) => Number(x.toFixed(2))) },
    git: { commit, dirty },
    config: { n: args.n, runs: args.runs, quick: args.quick, engines: args.engines, ...timing },
    versions: vers,
    convention: conventionText().join(" "),
    metrics: Object.fromEntries(
      res.rows.map((r) => [
        r.id,
        {
          label: r.label,
          unit: r.unit,
          kind: r.kind,
          median: r.values,
          samples: r.samples,
          cpuMedian: r.cpu,
          cpuSamples: r.cpuSamples,
          skipped: r.skipped,
          ratioVsBetterSqlite3: r.vsBetter,
          cpuRatioVsBetterSqlite3: r.cpuVsBetter,
          ratioVsSqlJs: r.vsSqlJs,
          target: r.targetText,
          met: r.met,
        },
      ]),
    ),
    startup: res.startupMedians,
    extra: res.extraMedians,
    mismatches: res.mismatches,
    errors: res.errors,
    notes: res.notes,
    totalSeconds: Math.round(res.totalS),
  };
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`history: ${path.relative(repoDir, file)}`);
}

if (args.profile === "auto") {
  const slower = res.rows.filter((r) => r.id !== "i_size" && r.id !== "i_rss" && (r.id === "h" ? r.met === false : r.vsBetter !== undefined && r.vsBetter < 1)).map((r) => r.id);
  if (slower.length) console.log(`\n${profile(slower).join("\n\n")}\n\nprofiles kept in ${path.join(tmpRoot, "profiles")}`);
}
if (!args.keep && args.profile === "") fs.rmSync(tmpRoot, { recursive: true, force: true });
