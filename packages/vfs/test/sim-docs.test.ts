// The examples of packages/vfs/TESTING.md, run as written.
import { describe, expect, it } from "vitest";
import type { Vfs } from "../src/index.js";
import { type CrashPolicy, MUTATING_OPS, SimCrash, SimVfs, formatTrace } from "@db/vfs/testing";

describe("TESTING.md examples", () => {
  it("quick start", () => {
    const vfs = new SimVfs();
    const f = vfs.open("/data/log", { create: true });
    f.write(new TextEncoder().encode("hello"), 0);
    f.sync();
    expect(vfs.crash("keep-all").exists("/data/log")).toBe(true);
    expect(vfs.crash("lose-all").exists("/data/log")).toBe(false);
    vfs.syncDir("/data/log");
    expect(new TextDecoder().decode(vfs.crash("lose-all").snapshot("/data/log")!)).toBe("hello");
  });

  it("crash at every operation", () => {
    /** Appends records to a log, syncing after each; `acked` gets the records whose append returned. */
    function workload(vfs: Vfs, acked: string[]): void {
      const log = vfs.open("/db/log", { create: true });
      vfs.syncDir("/db/log");
      for (const [i, rec] of ["r1", "r2", "r3"].entries()) {
        log.write(new TextEncoder().encode(rec), i * 512); // one sector each
        log.sync();
        acked.push(rec);
      }
      log.close();
    }

    const dry = new SimVfs();
    workload(dry, []);
    const points = dry.opCount(MUTATING_OPS);
    expect(points).toBe(8);
    let images = 0;

    for (let at = 1; at <= points + 1; at++) {
      const vfs = new SimVfs({ seed: at, crashAt: at, crashOn: MUTATING_OPS });
      const acked: string[] = [];
      try {
        workload(vfs, acked);
      } catch (e) {
        if (!(e instanceof SimCrash)) throw e;
      }
      for (const policy of ["lose-all", "prefix", "random-subset"] satisfies CrashPolicy[]) {
        for (let seed = 0; seed < 4; seed++) {
          const image = vfs.crash(policy, seed, { torn: { sectorSize: 512, mode: "mixed" }, growGarbage: true });
          const log = new TextDecoder().decode(image.snapshot("/db/log") ?? new Uint8Array());
          images++;
          for (const rec of acked) {
            if (!log.includes(rec)) {
              throw new Error(`lost ${rec}: crash at ${at}, ${policy}, seed ${seed}\n${formatTrace(vfs.trace(), 20)}`);
            }
          }
        }
      }
    }
    expect(images).toBe(9 * 12);
  });
});
