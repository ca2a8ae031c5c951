/**
 * Power-loss harness: runs a workload of acknowledged commits on a `SimVfs` through the whole
 * stack (`Database` → SQL → vm → btree → pager → WAL → VFS), cuts the power at every mutating VFS
 * operation (`crashAt`), takes several crash images per point (policies × torn sectors × grown
 * garbage), and checks each image against a model of the acknowledged commits:
 *
 * - I1/I2: with synchronous=FULL the recovered state is the state after the last acknowledged
 *   commit, or after the in-flight one (whole); with NORMAL, the state after some prefix of them.
 * - I3: PRAGMA integrity_check says ok.
 * - I4: opening (recovery) takes less than `OPEN_BUDGET_MS`.
 * - I5/I6: a later commit is acknowledged, survives a second power cut, recovery runs again with
 *   the same result, and a clean close and reopen see it too.
 *
 * Every failure message names the workload, crash point, image spec and seed, and ends with the
 * tail of the VFS trace; `replayHint` prints the environment variables that rerun just that case.
 */
import { createHash } from "node:crypto";
import { Database, DbError } from "../../src/index.js";
import { formatTrace, MUTATING_OPS, SimVfs, type CrashOptions, type CrashPolicy } from "@db/vfs/testing";

export const DB = "/db/main.db";
/** Recovery (open) of a small test database must finish well within this. */
export const OPEN_BUDGET_MS = 5_000;

export type SyncMode = "full" | "normal" | "off";

export interface Workload {
  name: string;
  /** Page size of the database (default 1024). Torn sectors are never larger than a page. */
  pageSize?: number;
  /** Page cache budget in pages (small values force spills of uncommitted frames). */
  cacheSizePages?: number;
  synchronous?: SyncMode;
  /** PRAGMA wal_autocheckpoint for the workload's connection (default: the engine's). */
  autocheckpoint?: number;
  /** Builds the disk the workload starts from (default: an empty directory). Must be deterministic in content. */
  base?: () => SimVfs;
  /** Each step is one transaction (or a checkpoint); it is acknowledged when the step returns. */
  steps: ((db: Database) => void)[];
  /** Close the database at the end (checkpoint and WAL removal are crash points too). Default true. */
  close?: boolean;
}

export interface ImageSpec {
  policy: CrashPolicy;
  options?: CrashOptions;
}

const POLICIES: CrashPolicy[] = ["lose-all", "keep-all", "prefix", "random-subset"];

/**
 * The crash images taken at every crash point: every policy, alone and with torn sectors of each
 * kind (512-byte sectors, and sectors as large as a page up to 4 KiB) and grown garbage.
 */
export function imageSpecs(pageSize: number): ImageSpec[] {
  const big = pageSize >= 4096 ? 4096 : 512;
  const damage: (CrashOptions | undefined)[] = [
    undefined,
    { torn: { sectorSize: 512, mode: "mixed" }, growGarbage: true },
    { torn: { sectorSize: big, mode: "garbage", fraction: 1 } },
    { torn: { sectorSize: 512, mode: "zero", fraction: 0.3 }, growGarbage: true },
    { torn: { sectorSize: big, mode: "mixed", fraction: 0.8 } },
  ];
  return POLICIES.flatMap((policy) => damage.map((options) => (options ? { policy, options } : { policy })));
}

export function specName(s: ImageSpec): string {
  const o = s.options ?? {};
  const torn = o.torn ? ` torn=${o.torn.sectorSize}/${o.torn.mode}${o.torn.fraction !== undefined ? `/${o.torn.fraction}` : ""}` : "";
  return `${s.policy}${torn}${o.growGarbage ? " grow" : ""}`;
}

export interface Tally {
  workload: string;
  /** Crash points (mutating VFS operations, plus the completed run). */
  points: number;
  /** Crash images generated. */
  images: number;
  /** Distinct (image, acknowledged count) pairs opened and checked. */
  checked: number;
  /** Of those, the ones also put through I5/I6 (later commit, second crash, reopen). */
  deep: number;
  ms: number;
}

export function openDb(vfs: SimVfs, w: Pick<Workload, "pageSize" | "cacheSizePages">): Database {
  return new Database(DB, { vfs, pageSize: w.pageSize ?? 1024, ...(w.cacheSizePages ? { cacheSizePages: w.cacheSizePages } : {}) });
}

/** A canonical text of everything a user can see: the schema and every table's rows in rowid order. */
export function dump(db: Database): string {
  const schema = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name").raw().all() as [string, string, string, string | null][];
  const parts = [JSON.stringify(schema)];
  for (const [type, name] of schema) {
    if (type !== "table") continue;
    const rows = db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).raw().all();
    parts.push(`${name}:${JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))}`);
  }
  return parts.join("\n");
}

export function digest(text: string): string {
  return createHash("sha1").update(text).digest("hex").slice(0, 16);
}

/** A hash of every file of a disk, to skip checking an image identical to one already checked. */
export function diskHash(vfs: SimVfs): string {
  const h = createHash("sha1");
  for (const path of vfs.list().sort()) {
    h.update(path);
    h.update("\0");
    h.update(vfs.snapshot(path) ?? new Uint8Array());
    h.update("\0");
  }
  return h.digest("hex");
}

export function integrity(db: Database): string {
  const rows = db.prepare("PRAGMA integrity_check").raw().all() as [string][];
  return rows.map((r) => r[0]).join("; ");
}

/** A fresh copy of `base` (all durable), or an empty disk. */
export function startDisk(w: Workload, seed: number): SimVfs {
  return w.base ? w.base().crash("keep-all", seed) : new SimVfs({ seed });
}

export interface RunResult {
  acked: number;
  crashed: boolean;
}

/**
 * Runs the workload on `vfs`, counting acknowledged steps; a power cut (the VFS is crashed) ends
 * it quietly, any other error is rethrown. `onAck` runs after each acknowledged step.
 */
export function runWorkload(vfs: SimVfs, w: Workload, onAck?: (db: Database, acked: number) => void): RunResult {
  let acked = 0;
  try {
    const db = openDb(vfs, w);
    if (w.synchronous && w.synchronous !== "full") db.pragma(`synchronous = ${w.synchronous}`);
    if (w.autocheckpoint !== undefined) db.pragma(`wal_autocheckpoint = ${w.autocheckpoint}`);
    for (const step of w.steps) {
      step(db);
      acked++;
      onAck?.(db, acked);
    }
    if (w.close ?? true) db.close();
    return { acked, crashed: false };
  } catch (e) {
    if (vfs.crashed) return { acked, crashed: true };
    throw e;
  }
}

export interface Reference {
  /** states[k]: digest of the visible state after k acknowledged steps (states[0]: before the first). */
  states: string[];
  /** Text of each state, for failure messages. */
  texts: string[];
  /** Mutating VFS operations of a complete run. */
  points: number;
}

/** Runs the workload once without a crash: the model states, and the number of crash points. */
export function reference(w: Workload, seed: number): Reference {
  const texts: string[] = [];
  const before = startDisk(w, seed);
  const db0 = openDb(before, w);
  texts.push(dump(db0));
  const vfs = startDisk(w, seed);
  const r = runWorkload(vfs, w, (db) => texts.push(dump(db)));
  if (r.crashed || r.acked !== w.steps.length) throw new Error(`${w.name}: the reference run did not complete`);
  // Count crash points on a run without the dumps (reads do not change the sequence of writes,
  // but count on exactly what the crash runs do).
  const counting = startDisk(w, seed);
  runWorkload(counting, w);
  return { states: texts.map(digest), texts, points: counting.opCount(MUTATING_OPS) };
}

export interface CheckOptions {
  w: Workload;
  ref: Reference;
  acked: number;
  /** Put the image through I5/I6 as well. */
  deep: boolean;
  /** For messages. */
  where: string;
  /** The crashed run, for the trace in failure messages. */
  run: SimVfs;
}

function fail(o: CheckOptions, what: string): never {
  throw new Error(`${o.w.name}: ${what}\n  at ${o.where}\n  acknowledged steps: ${o.acked}\n  last operations:\n${formatTrace(o.run.trace(), 12)}`);
}

/** Checks one crash image against the model (I1-I4, and I5/I6 if `deep`). */
export function checkImage(image: SimVfs, o: CheckOptions): void {
  const sync = o.w.synchronous ?? "full";
  const { states, texts } = o.ref;
  const t0 = performance.now();
  let db: Database;
  try {
    db = openDb(image, o.w);
  } catch (e) {
    fail(o, `open (recovery) failed: ${String(e)}`);
  }
  const ms = performance.now() - t0;
  if (ms > OPEN_BUDGET_MS) fail(o, `I4: open took ${ms.toFixed(0)} ms`);
  const text = dump(db);
  const got = digest(text);
  const allowed = sync === "full" ? states.slice(o.acked, o.acked + 2) : states.slice(0, o.acked + 2);
  if (!allowed.includes(got)) {
    const nearest = texts[o.acked] ?? "";
    fail(o, `I1/I2: recovered state is none of the allowed ones (${sync}).\n  expected (after ${o.acked} steps): ${nearest.slice(0, 600)}\n  got: ${text.slice(0, 600)}`);
  }
  const ok = integrity(db);
  if (ok !== "ok") fail(o, `I3: integrity_check: ${ok}`);
  if (!o.deep) return;

  // I6: a later commit is acknowledged ...
  db.exec("CREATE TABLE IF NOT EXISTS probe(k INTEGER PRIMARY KEY, v TEXT)");
  db.prepare("INSERT INTO probe(v) VALUES (?)").run(`after ${o.where}`);
  const withProbe = digest(dump(db));
  // ... and survives a power cut right after it; recovery runs again (I5) ...
  const second = image.crash("lose-all", 1);
  let db2: Database;
  try {
    db2 = openDb(second, o.w);
  } catch (e) {
    fail(o, `I5: second recovery failed: ${String(e)}`);
  }
  if (digest(dump(db2)) !== withProbe) fail(o, "I5/I6: the commit made after recovery did not survive a second power cut");
  const ok2 = integrity(db2);
  if (ok2 !== "ok") fail(o, `I5: integrity_check after the second recovery: ${ok2}`);
  // ... and a clean close (checkpoint) and reopen keep it.
  db2.close();
  const third = second.crash("lose-all", 2);
  const db3 = openDb(third, o.w);
  if (digest(dump(db3)) !== withProbe) fail(o, "I6: state changed across close and reopen");
  db3.close();
}

/** Seed of one image: mixes the run seed, crash point, spec and round. */
export function imageSeed(seed: number, at: number, spec: number, round: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [at, spec, round]) {
    h = Math.imul(h ^ v, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}

export interface PowerLossOptions {
  seed: number;
  /** Images per crash point and spec. */
  rounds: number;
  /** Check I5/I6 on the first distinct image of every crash point, and on 1 in `deepEvery` others. */
  deepEvery?: number;
  /** Only this crash point (replay). */
  onlyAt?: number;
  /** Only this spec index (replay). */
  onlySpec?: number;
}

export function replayHint(w: Workload, seed: number, at: number, spec: number): string {
  return `CRASH_WORKLOAD='${w.name}' CRASH_SEED=${seed} CRASH_AT=${at} CRASH_SPEC=${spec}`;
}

/** Crashes `w` at every mutating VFS operation and checks every image. */
export function powerLoss(w: Workload, o: PowerLossOptions): Tally {
  const started = performance.now();
  const ref = reference(w, o.seed);
  const specs = imageSpecs(w.pageSize ?? 1024);
  const tally: Tally = { workload: w.name, points: 0, images: 0, checked: 0, deep: 0, ms: 0 };
  const seen = new Set<string>();
  const deepEvery = o.deepEvery ?? 8;
  for (let at = 1; at <= ref.points + 1; at++) {
    if (o.onlyAt !== undefined && at !== o.onlyAt) continue;
    tally.points++;
    const run = startDisk(w, o.seed);
    run.setCrashAt(at, MUTATING_OPS);
    const { acked } = runWorkload(run, w);
    let deepDone = false;
    for (let s = 0; s < specs.length; s++) {
      if (o.onlySpec !== undefined && s !== o.onlySpec) continue;
      for (let round = 0; round < o.rounds; round++) {
        const seed = imageSeed(o.seed, at, s, round);
        const image = run.crash(specs[s].policy, seed, specs[s].options);
        tally.images++;
        const key = `${diskHash(image)}|${acked}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const deep = !deepDone || tally.checked % deepEvery === 0;
        deepDone = true;
        const where = `crash point ${at}/${ref.points + 1}, image ${specName(specs[s])} seed ${seed} (replay: ${replayHint(w, o.seed, at, s)})`;
        checkImage(image, { w, ref, acked, deep, where, run });
        tally.checked++;
        if (deep) tally.deep++;
      }
    }
  }
  tally.ms = performance.now() - started;
  return tally;
}

/** Expect `fn` to throw a DbError (returned), never anything else. */
export function dbErrorOf(fn: () => unknown): DbError | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof DbError) return e;
    throw e;
  }
}
