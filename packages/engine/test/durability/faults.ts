/**
 * I/O-error harness (regimen B): runs a workload with one fault rule (or a byte quota) on a
 * `SimVfs`, stops at the first failing step, and checks that
 * - only a DbError reached the caller;
 * - the failed transaction is invisible on the connection that saw the error (if it can still read);
 * - no file handle is left open once the database is closed;
 * - after the faults are removed, reopening shows exactly the state before or after the failed
 *   step, the integrity check passes, and the database takes a further commit; the same holds
 *   for the image a power cut at that moment would leave.
 */
import { Database, DbError } from "../../src/index.js";
import { formatTrace, type SimFaultRule, type SimVfs } from "@db/vfs/testing";
import { digest, dump, integrity, openDb, startDisk, type Reference, type Workload } from "./harness.js";

/** Open handles of a SimVfs, from its trace (opens that succeeded minus closes that succeeded). */
export function openHandles(vfs: SimVfs): number {
  let n = 0;
  for (const e of vfs.trace().entries) {
    if (e.result !== "ok") continue;
    if (e.op === "open") n++;
    else if (e.op === "close") n--;
  }
  return n;
}

/** Runs in which a failed `new Database` left its files open (the known Connection bug). */
export const knownLeaks = { count: 0 };

export interface FaultRun {
  /** Steps acknowledged before the failure (all of them if none failed). */
  acked: number;
  error: DbError | null;
}

function describeRun(w: Workload, what: string, vfs: SimVfs): string {
  return `${w.name}: ${what}\n  last operations:\n${formatTrace(vfs.trace(), 12)}`;
}

/**
 * Runs `w` on `vfs` (whose faults are already set) until its first error, then checks the
 * connection and closes it. Throws (failing the test) on any violation.
 */
export function runWithFault(vfs: SimVfs, w: Workload, ref: Reference, label: string): FaultRun {
  let acked = 0;
  let db: Database | null = null;
  let error: unknown = null;
  try {
    db = openDb(vfs, w);
    if (w.synchronous && w.synchronous !== "full") db.pragma(`synchronous = ${w.synchronous}`);
    if (w.autocheckpoint !== undefined) db.pragma(`wal_autocheckpoint = ${w.autocheckpoint}`);
    for (const step of w.steps) {
      step(db);
      acked++;
    }
  } catch (e) {
    error = e;
  }
  if (error !== null && !(error instanceof DbError)) {
    throw new Error(describeRun(w, `${label}: a non-DbError reached the caller: ${String(error)}`, vfs));
  }
  if (db !== null && error !== null) {
    // Nothing half-visible: the connection shows the state before the failed step (if it can read).
    let seen: string | null = null;
    try {
      if (!db.inTransaction) seen = digest(dump(db));
    } catch (e) {
      if (!(e instanceof DbError)) throw new Error(describeRun(w, `${label}: reading after the error threw ${String(e)}`, vfs));
    }
    if (seen !== null && seen !== ref.states[acked]) {
      throw new Error(describeRun(w, `${label}: after the error the connection shows a state other than the one before the failed step (${acked} acknowledged)`, vfs));
    }
  }
  if (db !== null) {
    try {
      db.close();
    } catch (e) {
      if (!(e instanceof DbError)) throw new Error(describeRun(w, `${label}: close threw ${String(e)}`, vfs));
    }
  }
  const leaked = openHandles(vfs);
  if (leaked !== 0) {
    // Known bug (reported, outside this suite's files): when `new Database` fails after the pager
    // is open (creating the schema table or loading the schema), Connection's constructor does
    // not close the pager, so both files stay open. See "known engine bugs" in io-errors.test.ts.
    if (db === null) knownLeaks.count++;
    else throw new Error(describeRun(w, `${label}: ${leaked} file handle(s) left open`, vfs));
  }
  return { acked, error: error as DbError | null };
}

/** After the faults are gone: reopen (and a power-cut image) shows the state before or after the failed step. */
export function checkAfterFault(vfs: SimVfs, w: Workload, ref: Reference, run: FaultRun, label: string): void {
  vfs.clearFaults();
  vfs.setQuota(null);
  const strict = run.error === null ? [ref.states[run.acked]] : ref.states.slice(run.acked, run.acked + 2);
  // synchronous=NORMAL acknowledges before the fsync: a failed or never-run fsync (error-drop, or a
  // power cut) may take the last acknowledged commits with it, but only a suffix of them.
  const allowed = (w.synchronous ?? "full") === "full" ? strict : ref.states.slice(0, run.acked + 2);
  // A power cut now: with synchronous=FULL every acknowledged step is on disk.
  const images: [string, SimVfs][] = [["power cut", vfs.crash("lose-all", 3)], ["reopen", vfs]];
  for (const [how, disk] of images) {
    let db: Database;
    try {
      db = openDb(disk, w);
    } catch (e) {
      throw new Error(describeRun(w, `${label}: ${how}: open failed after the faults were removed: ${String(e)}`, vfs));
    }
    const state = digest(dump(db));
    if (!allowed.includes(state)) {
      throw new Error(describeRun(w, `${label}: ${how}: the state is neither before nor after the failed step (${run.acked} acknowledged, error ${run.error?.code})`, vfs));
    }
    const ok = integrity(db);
    if (ok !== "ok") throw new Error(describeRun(w, `${label}: ${how}: integrity_check: ${ok}`, vfs));
    db.exec("CREATE TABLE IF NOT EXISTS probe(k INTEGER PRIMARY KEY)");
    db.exec("INSERT INTO probe DEFAULT VALUES");
    db.close();
  }
}

export const FAULT_OPS: SimFaultRule["op"][] = ["read", "write", "sync", "truncate", "open", "delete", "syncDir"];

export interface LoopTally {
  runs: number;
  failedSteps: number;
}

/**
 * SQLite's I/O-error loop: for N = 1, 2, ... fail the N-th call of `op` (once, from then on, or
 * short), until a run completes without reaching call N.
 */
export function ioErrorLoop(w: Workload, ref: Reference, op: SimFaultRule["op"], mode: "once" | "persistent" | "short", seed: number): LoopTally {
  const tally: LoopTally = { runs: 0, failedSteps: 0 };
  for (let n = 1; ; n++) {
    const vfs = startDisk(w, seed);
    const fault = vfs.fail({ op, nth: n, persistent: mode === "persistent", ...(mode === "short" ? { kind: "short" as const } : {}) });
    const label = `fail ${op} #${n} ${mode} (replay: IOERR_WORKLOAD='${w.name}' IOERR_OP=${op} IOERR_N=${n} IOERR_MODE=${mode})`;
    const run = runWithFault(vfs, w, ref, label);
    checkAfterFault(vfs, w, ref, run, label);
    tally.runs++;
    if (run.error !== null) tally.failedSteps++;
    if (fault.fired === 0) return tally;
    if (n > 100_000) throw new Error("the I/O-error loop does not terminate");
  }
}

/** Disk full: a byte quota swept in page steps from what the base disk holds until the workload completes. */
export function diskFullSweep(w: Workload, ref: Reference, seed: number): LoopTally {
  const tally: LoopTally = { runs: 0, failedSteps: 0 };
  const page = w.pageSize ?? 1024;
  const start = startDisk(w, seed).usedBytes();
  for (let quota = start; ; quota += page) {
    const vfs = startDisk(w, seed);
    vfs.setQuota(quota);
    const label = `disk full at ${quota} bytes (replay: IOERR_WORKLOAD='${w.name}' IOERR_QUOTA=${quota})`;
    const run = runWithFault(vfs, w, ref, label);
    if (run.error !== null && run.error.code !== "DB_FULL" && run.error.code !== "DB_CANTOPEN") {
      throw new Error(describeRun(w, `${label}: expected DB_FULL, got ${run.error.code}: ${run.error.message}`, vfs));
    }
    checkAfterFault(vfs, w, ref, run, label);
    tally.runs++;
    if (run.error === null) return tally;
    tally.failedSteps++;
    if (quota > start + 4096 * page) throw new Error("the disk-full sweep does not terminate");
  }
}
