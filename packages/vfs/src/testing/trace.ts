import type { ErrorCode } from "../errors.js";

/** Every call a `SimVfs` counts and traces (`open`… on the VFS, `read`… on its files). */
export type SimOpKind =
  | "open"
  | "close"
  | "read"
  | "write"
  | "sync"
  | "truncate"
  | "size"
  | "exists"
  | "delete"
  | "syncDir";

/** Every kind, in a fixed order. */
export const SIM_OP_KINDS: readonly SimOpKind[] = [
  "open",
  "close",
  "read",
  "write",
  "sync",
  "truncate",
  "size",
  "exists",
  "delete",
  "syncDir",
];

/** The kinds that can change what a crash leaves: the useful crash points. */
export const MUTATING_OPS: readonly SimOpKind[] = ["open", "write", "sync", "truncate", "delete", "syncDir"];

/**
 * How a call ended: "ok"; "short" (a short read); "lie" (a sync that stored nothing);
 * "late" (a sync that lost its data and will report it on the next sync); "crash" (stopped by
 * `crashAt` or a hook throwing `SimCrash`); "error" (a hook threw something else); or the
 * `DbError` code it threw.
 */
export type SimResult = "ok" | "short" | "lie" | "late" | "crash" | "error" | ErrorCode;

/** A call about to run, as passed to the `onOp` hook. */
export interface SimOpInfo {
  /** 1-based position among every call of this `SimVfs`. */
  readonly seq: number;
  readonly op: SimOpKind;
  readonly path: string;
  /** Byte offset, for read and write. */
  readonly offset?: number;
  /** Buffer length in bytes for read and write; the new size in bytes for truncate. */
  readonly length?: number;
}

/** One traced call. */
export interface SimTraceEntry extends SimOpInfo {
  result: SimResult;
  /** Bytes actually read or written (less than `length` for a short read or write). */
  bytes?: number;
  /** True when a fault rule (or a pending "late" fsync error) decided the outcome. */
  fault?: boolean;
}

/** The seed and calls of one `SimVfs`: enough to replay a failing run and see where it broke. */
export interface SimTrace {
  readonly seed: number;
  readonly entries: readonly SimTraceEntry[];
}

/** One line per call, e.g. `#12 write /db-wal @4096+4096 -> ok`, for failure messages. */
export function formatTrace(trace: SimTrace, last = Infinity): string {
  const entries = trace.entries.slice(Math.max(0, trace.entries.length - last));
  const lines = entries.map((e) => {
    const at = e.offset !== undefined ? ` @${e.offset}+${e.length}` : e.length !== undefined ? ` ${e.length}` : "";
    const bytes = e.bytes !== undefined && e.bytes !== e.length ? ` (${e.bytes} bytes)` : "";
    return `#${e.seq} ${e.op} ${e.path}${at} -> ${e.result}${bytes}${e.fault ? " [fault]" : ""}`;
  });
  return [`seed ${trace.seed}`, ...lines].join("\n");
}
