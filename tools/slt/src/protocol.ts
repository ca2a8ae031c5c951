/** Messages a run-file child prints on stdout, one JSON object per line. */
import type { Failure } from "./execute.js";

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export type Message =
  /** First message: the number of test records (runnable and skipped) before any halt. */
  | { type: "start"; runnable: number; skipped: number }
  /** A failure detail (at most --max-failures of them; later failures are only counted). */
  | { type: "failure"; failure: Failure }
  /**
   * Sent before a record at least every half second, and before every record after a slow one, so that
   * a killed child has reported its progress and (in a slow file) the line of the record it hung on.
   */
  | ({ type: "progress"; line: number } & Counts)
  /** Last message. `slowest`: the slowest records, by line, slowest first. */
  | ({ type: "done"; ms: number; slowest: Slow[] } & Counts);

export interface Slow {
  line: number;
  ms: number;
}
