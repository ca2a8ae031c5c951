/**
 * Regimen B, I/O errors: for each workload and kind of VFS call, fail call N for N = 1, 2, ...
 * until the workload completes: once, from then on, and short (reads and writes); plus disk full
 * at a quota swept in page steps. See faults.ts for what is checked after each run.
 *
 * Environment: IOERR_WORKLOAD (only this workload), IOERR_SEED.
 */
import { afterAll, describe, expect, it } from "vitest";
import { DB, reference } from "./harness.js";
import { SimVfs } from "@db/vfs/testing";
import { Database, DbError } from "../../src/index.js";
import { diskFullSweep, FAULT_OPS, ioErrorLoop, knownLeaks, openHandles, type LoopTally } from "./faults.js";
import {
  autocommitInserts,
  autocommitNormal,
  checkpointAndReset,
  ddl,
  deletesAndReuse,
  multiPageTransaction,
  newDatabase,
  overflowValues,
  recoveryAfterTornTail,
  savepoints,
} from "./workloads.js";

const env = process.env;
const seed = Number(env.IOERR_SEED ?? 1);
const workloads = [
  autocommitInserts,
  autocommitNormal,
  multiPageTransaction,
  deletesAndReuse,
  overflowValues,
  ddl,
  checkpointAndReset,
  newDatabase,
  savepoints,
  recoveryAfterTornTail,
].filter((w) => env.IOERR_WORKLOAD === undefined || w.name === env.IOERR_WORKLOAD);

const totals = { runs: 0, failedSteps: 0 };
function add(t: LoopTally): void {
  totals.runs += t.runs;
  totals.failedSteps += t.failedSteps;
}

describe(`I/O errors (seed ${seed})`, () => {
  for (const w of workloads) {
    describe(w.name, () => {
      const ref = reference(w, seed);
      for (const op of FAULT_OPS) {
        it(`fail the N-th ${op}, once and from then on`, () => {
          const once = ioErrorLoop(w, ref, op, "once", seed);
          const always = ioErrorLoop(w, ref, op, "persistent", seed);
          add(once);
          add(always);
          expect(once.runs).toBeGreaterThan(0);
        });
      }
      it("short reads and short writes", () => {
        add(ioErrorLoop(w, ref, "read", "short", seed));
        add(ioErrorLoop(w, ref, "write", "short", seed));
      });
      it("disk full, swept in page steps", () => {
        const t = diskFullSweep(w, ref, seed);
        add(t);
        expect(t.failedSteps).toBeGreaterThan(0);
      });
    });
  }

  afterAll(() => {
    console.log(
      `I/O errors, seed ${seed}: ${totals.runs} faulted runs, ${totals.failedSteps} of them failed a step with a DbError; ` +
        `failures: 0 (${knownLeaks.count} runs hit the known Connection handle leak)`,
    );
  });
});

describe("opening under I/O errors", () => {
  // If creating the schema table or loading the schema throws after Pager.open succeeded, the
  // constructor must close the pager: no file handle is left open.
  it("a failed `new Database` closes the files it opened", () => {
    const vfs = new SimVfs();
    vfs.fail({ op: "write", nth: 3 }); // the commit that creates the schema table
    let error: unknown;
    try {
      new Database(DB, { vfs });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DbError);
    expect(openHandles(vfs)).toBe(0);
  });
});
