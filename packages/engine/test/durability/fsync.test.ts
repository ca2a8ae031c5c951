/**
 * Regimen C, fsync failure: fail the s-th sync, for every s, in each of SimVfs's four modes.
 * - The connection that saw a failed fsync refuses every later write (DB_IOERR) until reopened;
 *   it never retries the sync and trusts it.
 * - "error-drop" / "error-keep" (the error is reported): no commit whose sync failed is
 *   acknowledged, so after a power cut the state is the acknowledged one, or that plus the
 *   in-flight commit (I1/I2); integrity holds (I3); reopening recovers.
 * - "late" / "lie" (the disk acknowledged what it did not store): no engine can keep I1, so only
 *   consistency is checked: the state is some prefix of the steps, and the integrity check passes.
 *   One case is beyond any engine that trusts fsync: a lie about the database file's fsync in a
 *   checkpoint, after which the WAL is reset; the power cut then leaves torn or stale pages with
 *   no WAL to redo them. There, reopening may end in a typed DB_CORRUPT or DB_NOTADB (never a
 *   crash, a hang or a wrong answer to the integrity check);
 *   the cases are counted and reported.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Database, DbError } from "../../src/index.js";
import { formatTrace, type FsyncMode } from "@db/vfs/testing";
import { digest, dump, integrity, openDb, reference, startDisk, type Workload } from "./harness.js";
import { autocommitInserts, autocommitNormal, checkpointAndReset, multiPageTransaction, newDatabase, overflowValues } from "./workloads.js";

const MODES: FsyncMode[] = ["error-drop", "error-keep", "late", "lie"];
const seed = Number(process.env.FSYNC_SEED ?? 1);
let runs = 0;
let images = 0;
/** Images left unreadable by a lie about the database file's fsync (beyond any engine; see above). */
let unsurvivable = 0;

function fsyncFailure(w: Workload, mode: FsyncMode, s: number, ref: ReturnType<typeof reference>): boolean {
  const label = `${w.name}: sync #${s} fails (${mode})`;
  const vfs = startDisk(w, seed);
  const fault = vfs.fail({ op: "sync", nth: s, fsyncMode: mode });
  const why = (what: string) => new Error(`${label}: ${what}\n${formatTrace(vfs.trace(), 12)}`);
  let acked = 0;
  let error: unknown = null;
  let db: Database | null = null;
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
  if (error !== null && !(error instanceof DbError)) throw why(`a non-DbError reached the caller: ${String(error)}`);
  const reported = vfs.trace().entries.some((e) => e.op === "sync" && e.result === "DB_IOERR");
  if (reported && db !== null) {
    // Never retry and trust: once an fsync error was reported, the connection refuses writes
    // (DB_IOERR; or, after a "late" error, reading what the kernel dropped may fail first with
    // DB_CORRUPT) and nothing more reaches the disk.
    const before = vfs.opCount(["write", "sync", "truncate"]);
    let refused: unknown = null;
    try {
      db.pragma("user_version = 7");
    } catch (e) {
      refused = e;
    }
    if (!(refused instanceof DbError) || (refused.code !== "DB_IOERR" && !(mode === "late" && refused.code === "DB_CORRUPT"))) {
      throw why(`a write after the failed fsync was not refused (${String(refused)})`);
    }
    if (vfs.opCount(["write", "sync", "truncate"]) !== before) throw why("the refused write reached the disk");
  }
  try {
    db?.close();
  } catch (e) {
    if (!(e instanceof DbError)) throw why(`close threw ${String(e)}`);
  }
  const honest = mode === "error-drop" || mode === "error-keep";
  // Which file the s-th sync (the one that failed or lied) was on.
  const lyingSync = vfs.trace().entries.filter((e) => e.op === "sync")[s - 1];
  const dbLie = !honest && lyingSync !== undefined && !lyingSync.path.endsWith("-wal");
  const strict = (w.synchronous ?? "full") === "full" && honest;
  const allowed = strict ? ref.states.slice(acked, acked + 2) : ref.states.slice(0, acked + 2);
  for (const [how, disk] of [
    ["power cut", vfs.crash("lose-all", s)],
    ["power cut, torn", vfs.crash("random-subset", s, { torn: { sectorSize: 512, mode: "mixed" }, growGarbage: true })],
    ["reopen", vfs.crash("keep-all", s)],
  ] as const) {
    images++;
    let again: Database;
    let state: string;
    try {
      again = openDb(disk, w);
      state = digest(dump(again));
    } catch (e) {
      if (dbLie && e instanceof DbError && (e.code === "DB_CORRUPT" || e.code === "DB_NOTADB")) {
        unsurvivable++;
        continue;
      }
      throw why(`${how}: reopening failed: ${String(e)}`);
    }
    if (!allowed.includes(state)) throw why(`${how}: state is not an allowed one (${acked} acknowledged, strict ${strict})`);
    const ok = integrity(again);
    if (ok !== "ok" && dbLie) {
      unsurvivable++;
      again.close();
      continue;
    }
    if (ok !== "ok") throw why(`${how}: integrity_check: ${ok}`);
    again.prepare("CREATE TABLE IF NOT EXISTS probe(k)").run();
    again.close();
  }
  runs++;
  return fault.calls >= s;
}

describe(`fsync failures (seed ${seed})`, () => {
  for (const w of [autocommitInserts, autocommitNormal, checkpointAndReset, multiPageTransaction, newDatabase, overflowValues]) {
    const ref = reference(w, seed);
    for (const mode of MODES) {
      it(`${w.name}: every sync fails in turn (${mode})`, () => {
        let s = 1;
        while (fsyncFailure(w, mode, s, ref)) s++;
        expect(s).toBeGreaterThan(3);
      });
    }
  }

  afterAll(() => {
    console.log(`fsync failures, seed ${seed}: ${runs} runs, ${images} images checked; failures: 0 (${unsurvivable} images after a lying database-file fsync ended in a typed DB_CORRUPT)`);
  });
});
