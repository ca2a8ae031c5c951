/**
 * Regimen D, bad input: mutated database and WAL files (see corrupt.ts for the mutations and the
 * oracle). Every mutant must end with correct data (or an older committed state, for WAL damage)
 * or a typed DB_CORRUPT / DB_NOTADB error, within the time and I/O budget, without a stack
 * overflow or any other exception.
 *
 * Environment: CORRUPT_MUTANTS (mutants per variant, default 1000), CORRUPT_SEED (default 1).
 */
import { afterAll, describe, expect, it } from "vitest";
import { Database } from "../../src/index.js";
import { Prng, SimVfs } from "@db/vfs/testing";
import { DB, digest, dump } from "./harness.js";
import { diskOf, mutate, PAGE, probe, READ_BUDGET, reseal, TIME_BUDGET_MS, untypedForged, type Outcome } from "./corrupt.js";
import { DbError } from "../../src/index.js";
import { text } from "./workloads.js";

const seed = Number(process.env.CORRUPT_SEED ?? 1);
const perVariant = Number(process.env.CORRUPT_MUTANTS ?? 1000);

/** A database with a table, an index, overflow values and free pages; `states`: digests from the base on. */
function build(withWal: boolean): { files: Map<string, Uint8Array>; states: string[] } {
  const vfs = new SimVfs({ seed: 5 });
  const db = new Database(DB, { vfs, pageSize: PAGE });
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, w BLOB); CREATE INDEX tv ON t(v)");
  const ins = db.prepare("INSERT INTO t(v, w) VALUES (?, ?)");
  db.transaction(() => {
    for (let i = 0; i < 120; i++) ins.run(text(i, 20 + (i % 50)), i % 17 === 0 ? Buffer.alloc(2500, i) : null);
  })();
  db.exec("DELETE FROM t WHERE id % 5 = 0");
  db.exec("CREATE TABLE u(a TEXT PRIMARY KEY, b)");
  db.exec("INSERT INTO u VALUES ('k1', 1), ('k2', 2)");
  if (!withWal) {
    db.close();
    const again = new Database(DB, { vfs, pageSize: PAGE });
    const states = [digest(dump(again))];
    again.close();
    return { files: new Map([[DB, vfs.snapshot(DB) as Uint8Array]]), states };
  }
  db.pragma("wal_autocheckpoint = 0");
  db.pragma("wal_checkpoint(TRUNCATE)");
  const states = [digest(dump(db))];
  for (let k = 0; k < 6; k++) {
    db.transaction(() => {
      for (let i = 0; i < 8; i++) ins.run(text(1000 + k * 10 + i, 40), k === 3 ? Buffer.alloc(3000, k) : null);
      db.exec(`DELETE FROM t WHERE id % 7 = ${k}`);
    })();
    states.push(digest(dump(db)));
  }
  const files = new Map([
    [DB, vfs.snapshot(DB) as Uint8Array],
    [`${DB}-wal`, vfs.snapshot(`${DB}-wal`) as Uint8Array],
  ]);
  return { files, states };
}

const counts = new Map<string, number>();
let slowest = 0;
let total = 0;

function record(o: Outcome): void {
  counts.set(o.result, (counts.get(o.result) ?? 0) + 1);
  slowest = Math.max(slowest, o.ms);
  total++;
}

describe(`corrupt files (seed ${seed}, ${perVariant} mutants per variant)`, () => {
  for (const withWal of [false, true]) {
    it(`${withWal ? "a database file and its WAL" : "a checkpointed database file"}: mutants end in correct data or a typed error`, () => {
      const { files, states } = build(withWal);
      // The unmutated files give the last state.
      expect(probe({ name: "original", target: "db", forged: false, files }, states, "original").result).toBe("ok");
      const rng = new Prng(seed * 2 + (withWal ? 1 : 0));
      for (let i = 0; i < perVariant; i++) {
        const m = mutate(files, rng);
        record(probe(m, states, `mutant ${i} (${m.name}; replay: CORRUPT_SEED=${seed}, variant ${withWal ? "wal" : "db"}, index ${i})`));
      }
    });
  }

  // A stored schema row whose SQL does not parse is corruption ("malformed database schema"), as in SQLite.
  it("a schema row whose SQL does not parse is reported as DB_CORRUPT", () => {
    const { files } = build(false);
    const db = files.get(DB) as Uint8Array;
    const sql = new TextEncoder().encode("CREATE TABLE u(");
    let at = -1;
    for (let i = 0; i + sql.length <= db.length && at < 0; i++) if (sql.every((b, k) => db[i + k] === b)) at = i;
    expect(at).toBeGreaterThan(0);
    db[at + sql.length - 1] = "\\".charCodeAt(0);
    reseal(db, Math.floor(at / PAGE) + 1);
    let error: unknown;
    try {
      new Database(DB, { vfs: diskOf(files) }).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DbError);
    expect((error as DbError).code).toBe("DB_CORRUPT");
  });

  // A schema root page number that cannot be a b-tree root (1, or past the end) is corruption.
  it("an impossible schema root page in the header is reported as DB_CORRUPT", () => {
    const { files } = build(false);
    const db = files.get(DB) as Uint8Array;
    new DataView(db.buffer, db.byteOffset).setUint32(40, 1); // meta slot 0: the schema root
    reseal(db, 1);
    let error: unknown;
    try {
      new Database(DB, { vfs: diskOf(files) }).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DbError);
    expect((error as DbError).code).toBe("DB_CORRUPT");
  });

  afterAll(() => {
    const outcomes = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
    console.log(
      `corrupt files, seed ${seed}: ${total} mutants (${outcomes}); slowest ${slowest.toFixed(0)} ms ` +
        `(budget ${TIME_BUDGET_MS} ms, ${READ_BUDGET} reads); failures: 0` +
        (untypedForged.size ? `\n  errors other than DB_CORRUPT/DB_NOTADB on forged mutants:\n${[...untypedForged].map(([k, v]) => `    ${k}  (e.g. ${v})`).join("\n")}` : ""),
    );
  });
});
