import { DbError } from "../errors.js";

/** The `SimVfs` calls a fault rule can fail. */
export type SimFaultOp = "read" | "write" | "sync" | "truncate" | "open" | "delete" | "syncDir";

/**
 * What a failing `sync` does to the file's unsynced operations:
 * - "error-drop": throws; the pending operations are discarded (never durable, reads see the
 *   durable bytes again), like Linux marking the dirty pages clean after a write-back error;
 *   a retried sync then succeeds with nothing to write (PostgreSQL "fsyncgate").
 * - "error-keep": throws; the pending operations stay pending, so a retry can still store them.
 * - "late": returns normally, but its pending operations are discarded as in "error-drop" and the
 *   file's next `sync` throws (after storing its own pending operations): the error is reported late.
 * - "lie": returns normally and stores nothing; the operations stay pending and a crash can lose them.
 */
export type FsyncMode = "error-drop" | "error-keep" | "late" | "lie";

/**
 * How a failing call fails:
 * - "io" (default): throws DbError DB_IOERR (EIO).
 * - "full": throws DbError DB_FULL (ENOSPC).
 * - "short": a read returns only the first half of the bytes it would have returned, without an
 *   error; a write stores only the first half of its buffer, then throws DB_IOERR. Other calls: as "io".
 * A failing `open` always throws DB_CANTOPEN (as `NodeVfs` does), with the EIO or ENOSPC as `cause`.
 */
export type SimFaultKind = "io" | "full" | "short";

/** One injected failure; see `SimVfs.fail`. */
export interface SimFaultRule {
  /** The kind of call to fail. */
  op: SimFaultOp;
  /** Fail the n-th matching call, 1-based, counted from when the rule is added. */
  nth: number;
  /** Also fail every matching call after the n-th (default false: only the n-th). */
  persistent?: boolean;
  /** Only calls on paths containing this substring, or matching this RegExp (default: every path). */
  path?: string | RegExp;
  /** How the call fails (default "io"). */
  kind?: SimFaultKind;
  /** For `op: "sync"` only: what happens to the unsynced data (default "error-drop"). */
  fsyncMode?: FsyncMode;
}

/** A rule added with `SimVfs.fail`, with counters a test can read. */
export class SimFault {
  /** Matching calls seen since the rule was added. */
  calls = 0;
  /** How many of them this rule failed (when several rules want the same call, the first added wins). */
  fired = 0;
  private removed = false;

  constructor(
    readonly rule: Readonly<SimFaultRule>,
    private readonly owner: Set<SimFault>,
  ) {}

  /** True while the rule can still fail a call (not removed, and persistent or its n-th call not yet seen). */
  get armed(): boolean {
    return !this.removed && (this.rule.persistent === true || this.calls < this.rule.nth);
  }

  /** Stops the rule; later calls are neither counted nor failed. */
  remove(): void {
    this.removed = true;
    this.owner.delete(this);
  }

  /** Counts one call; true if this rule wants to fail it. */
  hit(op: SimFaultOp, path: string): boolean {
    const { rule } = this;
    if (this.removed || rule.op !== op || !pathMatches(rule.path, path)) return false;
    this.calls++;
    return this.calls === rule.nth || (rule.persistent === true && this.calls > rule.nth);
  }
}

function pathMatches(filter: string | RegExp | undefined, path: string): boolean {
  if (filter === undefined) return true;
  if (typeof filter === "string") return path.includes(filter);
  filter.lastIndex = 0;
  return filter.test(path);
}

/** The rules of one `SimVfs`, checked in the order added. */
export class FaultRules {
  private readonly rules = new Set<SimFault>();

  /** Adds a rule; DB_MISUSE if it is malformed. */
  add(rule: SimFaultRule): SimFault {
    if (!Number.isInteger(rule.nth) || rule.nth < 1) {
      throw new DbError("DB_MISUSE", `fault rule: nth must be an integer >= 1, got ${rule.nth}`);
    }
    if (rule.fsyncMode !== undefined && rule.op !== "sync") {
      throw new DbError("DB_MISUSE", `fault rule: fsyncMode applies only to op "sync", not "${rule.op}"`);
    }
    const fault = new SimFault({ ...rule }, this.rules);
    this.rules.add(fault);
    return fault;
  }

  clear(): void {
    for (const fault of [...this.rules]) fault.remove();
  }

  /** Counts the call in every matching rule; returns the first rule that fails it, if any. */
  check(op: SimFaultOp, path: string): SimFault | null {
    let failing: SimFault | null = null;
    for (const fault of this.rules) {
      if (fault.hit(op, path) && failing === null) failing = fault;
    }
    if (failing) failing.fired++;
    return failing;
  }
}
