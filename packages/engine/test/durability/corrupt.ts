/**
 * Corrupt-file fuzzing (regimen D): mutations of database and WAL files, and the oracle that
 * opens and queries a mutant.
 *
 * Mutations come in two kinds:
 * - raw: bit flips, zeroed or 0xFF runs, truncation and extension (at page boundaries or not).
 *   Checksums are left as they are, so the damage must be detected: the outcome is the original
 *   data (the damage missed every live byte), an older committed state (WAL damage cuts the frame
 *   chain, as a torn tail would), or a typed DB_CORRUPT / DB_NOTADB error.
 * - forged: the same damage, bad header fields, and page cycles (a b-tree child pointing back up
 *   the tree, a free-list trunk pointing to itself), with every checksum recomputed, as a bug or
 *   an attacker would leave them. No checksum can tell such a file from a good one, so the oracle
 *   is: only typed errors, no hang (I/O and time budget), no stack overflow, and the integrity
 *   check must flag a cycle.
 */
import { Database, DbError } from "../../src/index.js";
import { checksum, checksumUpdate } from "@db/wal";
import { Prng, SimVfs } from "@db/vfs/testing";
import { DB, digest, dump, integrity } from "./harness.js";

export const PAGE = 1024;
const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/**
 * Recomputes the trailer checksum of page `pgno` in `file` (and the header checksum of page 1):
 * the WAL checksum of bytes [0, pageSize - 8) seeded with (pgno, 0), s1 then s0 (pager FORMAT.md).
 */
export function reseal(file: Uint8Array, pgno: number, pageSize = PAGE): void {
  const off = (pgno - 1) * pageSize;
  if (off + pageSize > file.length) return;
  const page = file.subarray(off, off + pageSize);
  const v = new DataView(page.buffer, page.byteOffset, pageSize);
  if (pgno === 1) v.setUint32(72, checksum(page, 0, 72).s1);
  const state = { s0: pgno >>> 0, s1: 0 };
  checksumUpdate(state, page, 0, pageSize - 8);
  v.setUint32(pageSize - 8, state.s1);
  v.setUint32(pageSize - 4, state.s0);
}

/** Recomputes the WAL's header checksum and the whole frame chain (salts taken from the header). */
export function rechain(wal: Uint8Array, pageSize = PAGE): void {
  if (wal.length < WAL_HEADER) return;
  const v = new DataView(wal.buffer, wal.byteOffset, wal.length);
  const h = checksum(wal, 0, 24);
  v.setUint32(24, h.s0);
  v.setUint32(28, h.s1);
  const running = { ...h };
  const frame = FRAME_HEADER + pageSize;
  for (let off = WAL_HEADER; off + frame <= wal.length; off += frame) {
    v.setUint32(off + 8, v.getUint32(16));
    v.setUint32(off + 12, v.getUint32(20));
    checksumUpdate(running, wal, off, 8);
    checksumUpdate(running, wal, off + FRAME_HEADER, pageSize);
    v.setUint32(off + 16, running.s0);
    v.setUint32(off + 20, running.s1);
  }
}

export type Target = "db" | "wal";

export interface Mutant {
  name: string;
  target: Target;
  forged: boolean;
  files: Map<string, Uint8Array>;
}

function pagesOf(file: Uint8Array): number {
  return Math.floor(file.length / PAGE);
}

/** Interior b-tree pages of a database file (kind byte 0x05 and a plausible right child). */
function interiorPages(file: Uint8Array): number[] {
  const out: number[] = [];
  for (let p = 2; p <= pagesOf(file); p++) {
    const off = (p - 1) * PAGE;
    if (file[off] === 0x05 && file[off + 1] === 0) out.push(p);
  }
  return out;
}

/** One random mutant of `files` (the db file and maybe its WAL). */
export function mutate(original: Map<string, Uint8Array>, rng: Prng): Mutant {
  const files = new Map<string, Uint8Array>([...original].map(([k, v]) => [k, v.slice()]));
  const hasWal = (files.get(`${DB}-wal`)?.length ?? 0) > WAL_HEADER;
  const target: Target = hasWal && rng.chance(0.5) ? "wal" : "db";
  const path = target === "db" ? DB : `${DB}-wal`;
  let file: Uint8Array = files.get(path) as Uint8Array;
  let forged = rng.chance(0.4);
  let name: string;
  const kind = rng.int(8);
  const at = (limit = file.length) => rng.int(Math.max(1, limit));
  switch (kind) {
    case 0:
    case 1: {
      const n = 1 + rng.int(kind === 0 ? 1 : 8);
      for (let i = 0; i < n; i++) file[at()] ^= 1 << rng.int(8);
      name = `${n} bit flip(s)`;
      break;
    }
    case 2: {
      const off = at();
      const len = 1 + rng.int(2 * PAGE);
      const value = rng.chance() ? 0 : 0xff;
      file.fill(value, off, off + len);
      name = `${len} bytes of 0x${value.toString(16)} at ${off}`;
      break;
    }
    case 3: {
      const size = rng.chance() ? Math.floor(at() / PAGE) * PAGE : at();
      file = file.slice(0, size);
      name = `truncated to ${size}`;
      forged = false;
      break;
    }
    case 4: {
      const extra = rng.chance() ? PAGE * (1 + rng.int(3)) : 1 + rng.int(PAGE);
      const grown = new Uint8Array(file.length + extra);
      grown.set(file);
      if (rng.chance()) rng.fill(grown.subarray(file.length));
      file = grown;
      name = `extended by ${extra}`;
      break;
    }
    case 5: {
      // A header field: db page 1 (page size, page count, free list, schema root) or the WAL header.
      const fields = target === "db" ? [20, 24, 28, 32, 40, 44] : [4, 8, 12, 16];
      const off = rng.pick(fields);
      const values = [0, 1, 2, 3, 511, 1023, PAGE, pagesOf(file), pagesOf(file) + 1, 0x7fffffff, 0xffffffff, rng.next()];
      new DataView(file.buffer, file.byteOffset).setUint32(off, rng.pick(values));
      name = `${target} header field @${off}`;
      forged = rng.chance(0.8);
      break;
    }
    case 6: {
      // A page cycle: an interior page whose child is itself, the root, page 1, or past the end.
      const interiors = target === "db" ? interiorPages(file) : [];
      if (interiors.length === 0) {
        file[at()] ^= 0x10;
        name = "bit flip (no interior page)";
        break;
      }
      const p = rng.pick(interiors);
      const off = (p - 1) * PAGE;
      const child = rng.pick([p, interiors[0], 1, pagesOf(file) + 5]);
      const v = new DataView(file.buffer, file.byteOffset);
      if (rng.chance()) v.setUint32(off + 8, child);
      else {
        // the child pointer of cell 0 (the first 4 bytes of the cell)
        const cell = v.getUint16(off + 12);
        if (cell + 4 <= PAGE - 8) v.setUint32(off + cell, child);
      }
      name = `page cycle: page ${p} -> ${child}`;
      forged = true;
      break;
    }
    default: {
      // A free-list trunk pointing to itself, or a page overwritten by a copy of another page.
      const v = new DataView(file.buffer, file.byteOffset);
      const trunk = target === "db" && file.length >= 100 ? v.getUint32(28) : 0;
      if (trunk > 1 && trunk <= pagesOf(file)) {
        v.setUint32((trunk - 1) * PAGE, trunk);
        name = `free-list trunk ${trunk} -> itself`;
        forged = true;
      } else {
        const a = 1 + rng.int(Math.max(1, pagesOf(file)));
        const b = 1 + rng.int(Math.max(1, pagesOf(file)));
        if (target === "db" && a * PAGE <= file.length && b * PAGE <= file.length) {
          file.copyWithin((a - 1) * PAGE, (b - 1) * PAGE, b * PAGE);
        }
        name = `page ${b} copied over page ${a}`;
      }
    }
  }
  if (forged) {
    if (target === "db") for (let p = 1; p <= pagesOf(file); p++) reseal(file, p);
    else rechain(file);
  }
  files.set(path, file);
  return { name: `${forged ? "forged " : ""}${target}: ${name}`, target, forged, files };
}

/** A disk holding exactly `files`. */
export function diskOf(files: Map<string, Uint8Array>): SimVfs {
  const vfs = new SimVfs();
  for (const [path, bytes] of files) {
    const f = vfs.open(path, { create: true });
    if (bytes.length > 0) f.write(bytes, 0);
    f.close();
  }
  vfs.syncDir(DB);
  return vfs.crash("keep-all");
}

export interface Outcome {
  /**
   * "ok" (original data), "older" (an earlier committed state), "empty" (the files were emptied:
   * a new database), "other" (forged checksums only), or the error code.
   */
  result: string;
  ms: number;
  /** The integrity check's verdict, when it ran. */
  integrity?: string;
}

/** Reads allowed per mutant before it counts as a hang. */
export const READ_BUDGET = 200_000;
export const TIME_BUDGET_MS = 10_000;

const TYPED = new Set(["DB_CORRUPT", "DB_NOTADB"]);

/** Errors other than DB_CORRUPT / DB_NOTADB seen on forged mutants (message pattern -> a mutant), for the report. */
export const untypedForged = new Map<string, string>();

/**
 * Errors a forged (checksum-valid) mutant may legitimately cause besides DB_CORRUPT/DB_NOTADB:
 * SQL errors about content that changed (a schema without table t, a duplicate key on the
 * insert). A stored schema whose SQL does not parse and an impossible root page number are
 * DB_CORRUPT (corrupt.test.ts), so DB_SYNTAX and DB_MISUSE are failures here.
 */
function forgedAnswer(e: DbError): boolean {
  return ["DB_ERROR", "DB_CONSTRAINT", "DB_MISMATCH", "DB_TOOBIG"].includes(e.code);
}

/** A violation of the oracle (not to be taken for an error of the engine under test). */
class OracleError extends Error {}

/**
 * Opens the mutant and runs: a dump of every table, the integrity check, an indexed query, an
 * insert, and close. Returns the outcome; throws (failing the test) on a violation.
 */
export function probe(m: Mutant, states: string[], label: string): Outcome {
  const vfs = diskOf(m.files);
  let reads = 0;
  vfs.setOnOp((op) => {
    if (op.op === "read" && ++reads > READ_BUDGET) throw new Error(`read budget of ${READ_BUDGET} exceeded (a loop?)`);
  });
  const t0 = performance.now();
  let result = "ok";
  let verdict: string | undefined;
  let db: Database | null = null;
  try {
    db = new Database(DB, { vfs, cacheSizePages: 16 });
    const state = digest(dump(db));
    const k = states.lastIndexOf(state);
    if (k < 0) {
      const emptied = (m.files.get(DB)?.length ?? 0) === 0 && (m.files.get(`${DB}-wal`)?.length ?? 0) <= WAL_HEADER;
      if (emptied) result = "empty"; // a zero-length file is a valid, empty database
      else if (!m.forged) throw new OracleError(`${label}: wrong data from a mutant whose checksums were not forged`);
      else result = "other";
    } else if (k < states.length - 1) {
      if (m.target !== "wal" && !m.forged) throw new OracleError(`${label}: an older state from damage to the database file`);
      result = "older";
    }
    verdict = integrity(db);
    if (m.name.includes("page cycle") && result !== "older" && verdict === "ok" && !m.name.includes("(no interior")) {
      // The cycle may sit in a part of the file the WAL supersedes; only flag it if the db file alone is read.
      if (!m.files.has(`${DB}-wal`) || (m.files.get(`${DB}-wal`)?.length ?? 0) <= WAL_HEADER) {
        throw new OracleError(`${label}: the integrity check missed a page cycle`);
      }
    }
    if (result !== "empty") {
      db.prepare("SELECT count(*), max(v) FROM t WHERE v >= 'm'").raw().get();
      db.prepare("INSERT INTO t(v, w) VALUES ('after', randomblob(10))").run();
    }
  } catch (e) {
    if (e instanceof OracleError) throw e;
    if (!(e instanceof DbError)) throw new Error(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    // A forged mutant can hold different but well-formed content (a schema row without its
    // table, say): the SQL errors of `forgedAnswer` are accepted there, and counted. Damage
    // that checksums can see must be reported as corruption.
    if (!TYPED.has(e.code) && !(m.forged && forgedAnswer(e))) {
      throw new Error(`${label}: untyped error for corruption: ${e.code}: ${e.message}`, { cause: e });
    }
    result = e.code;
    if (!TYPED.has(e.code)) {
      const kind = `${e.code}: ${e.message.split(/["\d:]/)[0].trim()}`;
      if (!untypedForged.has(kind)) untypedForged.set(kind, label);
    }
  }
  try {
    db?.close();
  } catch (e) {
    if (!(e instanceof DbError)) throw new Error(`${label}: close threw ${String(e)}`, { cause: e });
  }
  const ms = performance.now() - t0;
  if (ms > TIME_BUDGET_MS) throw new Error(`${label}: took ${ms.toFixed(0)} ms`);
  return { result, ms, integrity: verdict };
}
