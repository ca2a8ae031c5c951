/**
 * One engine, one fresh process: load t (workload a), measure file size and RSS (i), then the
 * read workloads c-g on the loaded file, then the commit workloads (b, which add rows to t), or,
 * with `cfg.duel`, commit bursts on the harness's command (src/duel.ts).
 * Prints `RESULT <json>` (a WorkerOutput) as its last line. Bundled by the harness and run with
 * plain `node --expose-gc`; never run through tsx.
 */
import fs from "node:fs";
import { dbFile, importEngine, openConn, type Conn } from "./engines.js";
import type { WorkerConfig, WorkerOutput, WorkloadResult } from "./types.js";

const cfg = JSON.parse(process.argv[2]!) as WorkerConfig;
const out: WorkerOutput = { engine: cfg.engine, results: {}, notes: [], extra: {} };
const now = () => performance.now();
const wants = (w: string) => !cfg.only || cfg.only.includes(w);

/** Deterministic pseudo-random numbers (mulberry32), the same sequence for every engine. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const N = cfg.n;
/** Distinct score values: every value is held by exactly 10 rows (for N a multiple of 10). */
const M = Math.max(1, Math.floor(N / 10));
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
let K = 7919;
while (gcd(K, M) !== 1) K += 2;
const score = (i: number) => (i * K) % M;
const POOL = (() => {
  const r = rng(42);
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
  let s = "";
  for (let i = 0; i < 8192 + 100; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
})();
/** ~100-byte ASCII payload, varying per row. */
const payload = (i: number) => POOL.substr((i * 97) % 8192, 100);
const ROW_COLS = "id, name, score, payload";

/**
 * CPU time of the main thread in ms (Linux: /proc/thread-self/schedstat, ns resolution; it leaves
 * out V8's background GC threads, which an idle machine runs on spare cores). Elsewhere: process
 * CPU time (user + system, all threads).
 */
const SCHEDSTAT = "/proc/thread-self/schedstat";
const threadCpu = fs.existsSync(SCHEDSTAT);
const cpuNow = threadCpu
  ? () => Number(fs.readFileSync(SCHEDSTAT, "latin1").split(" ", 1)[0]) / 1e6
  : () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };

/**
 * Runs fn in batches: `warmMs` of warm-up, then until `boxMs` elapsed. Returns ops per second of
 * wall time (the headline) and of process CPU time (steadier on a loaded machine).
 */
function timeBox(boxMs: number, warmMs: number, batch: number, fn: (i: number) => void): { rate: number; cpuRate: number; ops: number; ms: number; cpuMs: number } {
  let i = 0;
  const w0 = now();
  while (now() - w0 < warmMs) for (let k = 0; k < batch; k++) fn(i++);
  let ops = 0;
  let ms = 0;
  const c0 = cpuNow();
  const t0 = now();
  do {
    for (let k = 0; k < batch; k++) fn(i++);
    ops += batch;
    ms = now() - t0;
  } while (ms < boxMs);
  const cpuMs = cpuNow() - c0;
  return { rate: ops / (ms / 1000), cpuRate: ops / (Math.max(cpuMs, 0.001) / 1000), ops, ms, cpuMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Rounds floats so that digests compare across engines. */
function digest(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "number" && !Number.isInteger(x) ? Number(x.toPrecision(10)) : typeof x === "bigint" ? Number(x) : x));
}

function attempt(id: keyof WorkerOutput["results"], fn: () => WorkloadResult): void {
  if (!wants(id)) return;
  try {
    out.results[id] = fn();
  } catch (e) {
    out.results[id] = { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

function rss(): { rss: number; rssNoGc: number; heapUsed: number } {
  const rssNoGc = process.memoryUsage().rss;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, rssNoGc, heapUsed: m.heapUsed };
}

const lib = await importEngine(cfg.engine, cfg.modulePath);
out.extra.threadCpu = threadCpu ? 1 : 0;
out.extra.rssAfterImport = process.memoryUsage().rss;
let conn: Conn;

if (!cfg.reuse) {
  conn = openConn(cfg.engine, lib, cfg.dir);
  if (cfg.engine !== "sql.js") {
    try {
      conn.pragma("synchronous = FULL");
    } catch (e) {
      out.notes.push(`PRAGMA synchronous unsupported: ${(e as Error).message}`);
    }
  }
  conn.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score INTEGER, payload TEXT)");
  conn.exec("CREATE INDEX t_score ON t(score)");
  conn.exec("CREATE TABLE u(id INTEGER PRIMARY KEY, t_id INTEGER, tag TEXT)");

  // a. bulk insert of N rows in one transaction with a prepared statement
  const ins = conn.prepare(`INSERT INTO t(${ROW_COLS}) VALUES (?, ?, ?, ?)`);
  const c0 = cpuNow();
  const t0 = now();
  conn.transaction(() => {
    for (let i = 1; i <= N; i++) ins.run(i, `name-${i}`, score(i), payload(i));
  })();
  const loadMs = now() - t0;
  const loadCpuMs = cpuNow() - c0;
  out.results.a = { value: N / (loadMs / 1000), cpuValue: N / (loadCpuMs / 1000), detail: { ms: loadMs, cpuMs: loadCpuMs, rows: N } };

  // i. size after (a) (checkpointed: main file + WAL; sql.js: exported image), RSS after the load
  const m = rss();
  out.results.i_rss = { value: m.rss, detail: { rssNoGc: m.rssNoGc, heapUsed: m.heapUsed } };
  out.extra.walBytesAfterLoad = conn.walBytes(); // before the checkpoint: what the load wrote to the WAL
  attempt("i_size", () => ({ value: conn.sizeOnDisk() }));

  // u: the join's second table, N/10 rows (untimed)
  const r = rng(7);
  const insU = conn.prepare("INSERT INTO u(id, t_id, tag) VALUES (?, ?, ?)");
  const u0 = now();
  conn.transaction(() => {
    for (let j = 1; j <= M; j++) insU.run(j, 1 + Math.floor(r() * N), `tag-${j % 50}`);
  })();
  out.extra.loadUMs = now() - u0;
  if (cfg.engine === "sql.js") conn.sizeOnDisk(); // the start-up image holds u too
} else {
  conn = openConn(cfg.engine, lib, cfg.dir, true);
  out.notes.push(`reused ${dbFile(cfg.engine, cfg.dir)}`);
}

const KEYS = 1 << 16;
const MASK = KEYS - 1;
const r = rng(1234);
const ids = Int32Array.from({ length: KEYS }, () => 1 + Math.floor(r() * N));
const starts = Int32Array.from({ length: KEYS }, () => 1 + Math.floor(r() * Math.max(1, N - 99)));
const scores = Int32Array.from({ length: KEYS }, () => Math.floor(r() * M));
type Row = { id: number; score: number };

// c. random point select by primary key
attempt("c", () => {
  const s = conn.prepare(`SELECT ${ROW_COLS} FROM t WHERE id = ?`);
  let sum = 0;
  for (let i = 0; i < 1000; i++) sum += (s.get(ids[i]) as Row).score;
  const t = timeBox(cfg.boxMs, cfg.warmMs, 256, (i) => {
    s.get(ids[i & MASK]);
  });
  return { value: t.rate, cpuValue: t.cpuRate, detail: { ops: t.ops, ms: t.ms, cpuMs: t.cpuMs }, check: `sum(score) of 1000 = ${sum}` };
});

// d. 100-row primary-key range scans
attempt("d", () => {
  const s = conn.prepare(`SELECT ${ROW_COLS} FROM t WHERE id BETWEEN ? AND ? + 99`);
  let rows = 0;
  let sum = 0;
  for (let i = 0; i < 100; i++) for (const row of s.all(starts[i], starts[i]) as Row[]) {
      rows++;
      sum += row.id;
    }
  const t = timeBox(cfg.boxMs, cfg.warmMs, 16, (i) => {
    s.all(starts[i & MASK], starts[i & MASK]);
  });
  return { value: t.rate, cpuValue: t.cpuRate, detail: { ops: t.ops, ms: t.ms, cpuMs: t.cpuMs, rowsPerScan: rows / 100 }, check: `rows ${rows}, sum(id) ${sum}` };
});

// e. secondary-index equality lookups, exactly 10 rows each
attempt("e", () => {
  const s = conn.prepare(`SELECT ${ROW_COLS} FROM t WHERE score = ?`);
  let rows = 0;
  let sum = 0;
  for (let i = 0; i < 100; i++) for (const row of s.all(scores[i]) as Row[]) {
      rows++;
      sum += row.id;
    }
  const t = timeBox(cfg.boxMs, cfg.warmMs, 64, (i) => {
    s.all(scores[i & MASK]);
  });
  return { value: t.rate, cpuValue: t.cpuRate, detail: { ops: t.ops, ms: t.ms, cpuMs: t.cpuMs, rowsPerLookup: rows / 100 }, check: `rows ${rows}, sum(id) ${sum}` };
});

/**
 * One warm-up execution, then timed ones: at least `reps`, and for at least `warmMs` in all (so
 * that short queries get enough CPU time to measure). Wall: median ms; CPU: mean ms.
 */
function repeated(run: () => unknown): WorkloadResult {
  const answer = run();
  const times: number[] = [];
  const c0 = cpuNow();
  const w0 = now();
  while (times.length < cfg.reps || (now() - w0 < cfg.warmMs && times.length < 1000)) {
    const t0 = now();
    run();
    times.push(now() - t0);
  }
  const cpuMs = (cpuNow() - c0) / times.length;
  return { value: median(times), cpuValue: cpuMs, detail: { reps: times.length, min: Math.min(...times), max: Math.max(...times) }, check: digest(answer) };
}

// f. full-scan aggregate
attempt("f", () => {
  const s = conn.prepare("SELECT count(*) AS n, sum(score) AS total, avg(length(payload)) AS avglen FROM t");
  return repeated(() => s.get());
});

// g. join + GROUP BY + ORDER BY + LIMIT
attempt("g", () => {
  const s = conn.prepare(
    "SELECT u.tag AS tag, count(*) AS n, sum(t.score) AS total, max(length(t.name)) AS maxname " +
      "FROM u JOIN t ON t.id = u.t_id GROUP BY u.tag ORDER BY total DESC, tag LIMIT 10",
  );
  return repeated(() => s.all());
});

// b. single-row autocommit inserts, synchronous FULL then NORMAL: time-boxed here, or in bursts
// that the harness alternates with another engine's worker (`cfg.duel`, see duel.ts)
const commitSql = "INSERT INTO t(name, score, payload) VALUES (?, ?, ?)";
if (cfg.duel) {
  duel();
} else {
  for (const [id, level] of [["b_full", "FULL"], ["b_normal", "NORMAL"]] as const) {
    attempt(id, () => {
      if (cfg.engine === "sql.js") return { skipped: "n/a: in memory (no durable commit)" };
      try {
        conn.pragma(`synchronous = ${level}`);
      } catch (e) {
        return { skipped: `n/a: PRAGMA synchronous = ${level} unsupported (${(e as Error).message})` };
      }
      const s = conn.prepare(commitSql);
      const t = timeBox(cfg.commitBoxMs, Math.min(200, cfg.warmMs), 1, (i) => {
        s.run(`commit-${i}`, score(i), payload(i));
      });
      return { value: t.rate, detail: { commits: t.ops, ms: t.ms, cpuMs: t.cpuMs } };
    });
  }
}

/** One line from stdin (blocking: the worker has nothing else to do while the other engine runs). */
function readCommand(): string {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    if (fs.readSync(0, one, 0, 1, null) === 0) return "end";
    if (one[0] === 10) return Buffer.from(bytes).toString("utf8");
    bytes.push(one[0]!);
  }
}

/**
 * Commit bursts on command. Replies, one line each: `level FULL` -> `OK` or `SKIP <why>`;
 * `burst <ms>` -> `BURST <commits> <ms> <cpuMs>`; `end` -> (closes; the RESULT line follows).
 */
function duel(): void {
  const reply = (line: string) => fs.writeSync(1, `${line}\n`);
  reply("DUEL READY");
  const s = conn.prepare(commitSql);
  let i = 0;
  for (let cmd = readCommand(); cmd !== "end"; cmd = readCommand()) {
    const [verb, arg] = cmd.split(" ");
    if (verb === "level") {
      try {
        conn.pragma(`synchronous = ${arg}`);
        reply("OK");
      } catch (e) {
        reply(`SKIP n/a: PRAGMA synchronous = ${arg} unsupported (${(e as Error).message})`);
      }
    } else if (verb === "burst") {
      const ms = Number(arg);
      const c0 = cpuNow();
      const t0 = now();
      let n = 0;
      let dt = 0;
      do {
        s.run(`commit-${i}`, score(i), payload(i));
        i++;
        n++;
        dt = now() - t0;
      } while (dt < ms);
      reply(`BURST ${n} ${dt} ${cpuNow() - c0}`);
    } else {
      throw new Error(`unknown duel command ${cmd}`);
    }
  }
}

conn.close();
out.extra.rssEnd = process.memoryUsage().rss;
process.stdout.write(`\nRESULT ${JSON.stringify(out)}\n`);
