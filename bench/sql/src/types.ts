/** Shapes shared by the harness (main.ts) and the child processes (worker.ts, startup.ts). */

export type EngineId = "db" | "better-sqlite3" | "sql.js";

/** Workloads run inside one worker process, in this order (b last: it adds rows to t). */
export type WorkloadId = "a" | "i_size" | "i_rss" | "c" | "d" | "e" | "f" | "g" | "b_full" | "b_normal";

export interface WorkerConfig {
  engine: EngineId;
  /** Absolute path of the module to import: the @db bundle, better-sqlite3's or sql.js's entry. */
  modulePath: string;
  /** Directory for this engine's files (created by the harness, emptied after the run). */
  dir: string;
  n: number;
  /** Measuring window of the rate workloads c, d, e (after `warmMs` of warm-up). */
  boxMs: number;
  warmMs: number;
  /** Window of each commit workload (b). */
  commitBoxMs: number;
  /** Minimum timed repetitions of f and g (after one untimed warm-up execution; more until warmMs). */
  reps: number;
  /** Workloads to run; the load (a) always runs unless `reuse` is set. */
  only?: string[];
  /**
   * After g, run the commit workloads (b) as bursts on commands read from stdin, so that the
   * harness can alternate them with another engine's (src/duel.ts); b is then not in RESULT.
   */
  duel?: boolean;
  /** Open the existing file in `dir` instead of creating and loading it (profiling read workloads). */
  reuse?: boolean;
}

export interface WorkloadResult {
  /** Measured value in the unit of the workload (rate per second, ms, bytes). */
  value?: number;
  /** The same measured against process CPU time (user + system) instead of wall time: a+c-g only. */
  cpuValue?: number;
  /** Extra numbers (counts, elapsed ms) kept in the history file. */
  detail?: Record<string, number | string>;
  /** Why there is no value ("n/a: ..." or an error message). */
  skipped?: string;
  error?: string;
  /** A digest of the workload's answers, compared across engines. */
  check?: string;
}

export interface WorkerOutput {
  engine: EngineId;
  results: Partial<Record<WorkloadId, WorkloadResult>>;
  notes: string[];
  /** Extra metrics: file sizes, RSS before and after GC. */
  extra: Record<string, number>;
}

export interface StartupOutput {
  engine: EngineId | "node";
  /** performance.now() at the first result: ms since the process started (timeOrigin). */
  firstResultMs: number;
  importMs: number;
  openMs: number;
  queryMs: number;
  /** performance.now() when the script's first line ran: node's own bootstrap. */
  scriptStartMs: number;
  /** Process CPU time (user + system, all threads) at the first result, ms. */
  cpuMs: number;
  ok: boolean;
}
