/** Messages from a worker process to the runner, one JSON object per stdout line. */
import type { Failure, RunOptions } from "./run.js";

export interface WorkerConfig {
  run: RunOptions;
  /** Cases start, start + step, ... below end (null: no end) until the deadline (epoch ms). */
  start: number;
  step: number;
  end: number | null;
  deadline: number | null;
}

export type Message =
  | { t: "case-start"; k: number }
  | { t: "check"; k: number; j: number }
  | { t: "fail-start"; k: number; j: number; category: string; lines: string[] }
  | { t: "min"; k: number; j: number }
  | { t: "fail"; f: Failure }
  | { t: "case"; k: number; passed: number; failed: number; approx: number; skipped: number; approxExamples: string[][] }
  | { t: "end" };
