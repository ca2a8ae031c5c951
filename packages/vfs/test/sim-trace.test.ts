// The trace, operation counts, crash points and the onOp hook; crash-at-every-operation loops.
import { describe, expect, it } from "vitest";
import { DbError, type Vfs } from "../src/index.js";
import {
  type CrashPolicy,
  formatTrace,
  MUTATING_OPS,
  Prng,
  SIM_OP_KINDS,
  SimCrash,
  type SimOpInfo,
  SimVfs,
} from "@db/vfs/testing";

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

function smallWorkload(vfs: Vfs): void {
  const f = vfs.open("/db", { create: true });
  f.write(text("hello"), 0);
  f.read(new Uint8Array(3), 1);
  f.sync();
  vfs.syncDir("/db");
  f.truncate(2);
  f.size();
  vfs.exists("/db");
  f.close();
  vfs.delete("/db");
}

describe("trace and counts", () => {
  it("records every call with its seed, path, offset, length and result", () => {
    const vfs = new SimVfs({ seed: 42 });
    smallWorkload(vfs);
    const trace = vfs.trace();
    expect(trace.seed).toBe(42);
    expect(trace.entries).toEqual([
      { seq: 1, op: "open", path: "/db", result: "ok" },
      { seq: 2, op: "write", path: "/db", offset: 0, length: 5, bytes: 5, result: "ok" },
      { seq: 3, op: "read", path: "/db", offset: 1, length: 3, bytes: 3, result: "ok" },
      { seq: 4, op: "sync", path: "/db", result: "ok" },
      { seq: 5, op: "syncDir", path: "/db", result: "ok" },
      { seq: 6, op: "truncate", path: "/db", length: 2, result: "ok" },
      { seq: 7, op: "size", path: "/db", result: "ok" },
      { seq: 8, op: "exists", path: "/db", result: "ok" },
      { seq: 9, op: "close", path: "/db", result: "ok" },
      { seq: 10, op: "delete", path: "/db", result: "ok" },
    ]);
  });

  it("records errors and faults, and formats for failure messages", () => {
    const vfs = new SimVfs({ seed: 7 });
    vfs.fail({ op: "write", nth: 2, kind: "full" });
    const f = vfs.open("/a", { create: true });
    f.write(text("ab"), 0);
    expect(() => f.write(text("cd"), 2)).toThrow(DbError);
    expect(() => vfs.open("/missing")).toThrow(DbError);
    expect(formatTrace(vfs.trace())).toBe(
      [
        "seed 7",
        "#1 open /a -> ok",
        "#2 write /a @0+2 -> ok",
        "#3 write /a @2+2 -> DB_FULL [fault]",
        "#4 open /missing -> DB_CANTOPEN",
      ].join("\n"),
    );
    expect(formatTrace(vfs.trace(), 1)).toBe("seed 7\n#4 open /missing -> DB_CANTOPEN");
  });

  it("opCount counts by kind, by kinds, or all; trace: false keeps only counts", () => {
    const vfs = new SimVfs({ trace: false });
    smallWorkload(vfs);
    expect(vfs.trace().entries).toEqual([]);
    expect(vfs.opCount()).toBe(10);
    expect(vfs.opCount("write")).toBe(1);
    expect(vfs.opCount(["sync", "syncDir", "read"])).toBe(3);
    expect(vfs.opCount(MUTATING_OPS)).toBe(6);
    expect(SIM_OP_KINDS.reduce((n, k) => n + vfs.opCount(k), 0)).toBe(10);
  });

  it("the same run gives the same trace", () => {
    const a = new SimVfs({ seed: 3 });
    const b = new SimVfs({ seed: 3 });
    smallWorkload(a);
    smallWorkload(b);
    expect(a.trace()).toEqual(b.trace());
  });
});

describe("crash points", () => {
  it("crashAt: the n-th call does nothing and throws SimCrash, and so does every later call", () => {
    const vfs = new SimVfs({ crashAt: 4 });
    const f = vfs.open("/a", { create: true });
    vfs.syncDir("/a");
    f.write(text("one"), 0);
    expect(vfs.crashed).toBe(false);
    let crash: unknown;
    try {
      f.sync(); // call 4
    } catch (e) {
      crash = e;
    }
    expect(crash).toBeInstanceOf(SimCrash);
    expect(crash).not.toBeInstanceOf(DbError);
    expect((crash as SimCrash).seq).toBe(4);
    expect(vfs.crashed).toBe(true);
    expect(() => f.write(text("x"), 0)).toThrow(SimCrash);
    expect(() => vfs.exists("/a")).toThrow(SimCrash);
    expect(vfs.opCount()).toBe(4);
    expect(vfs.trace().entries.at(-1)).toMatchObject({ seq: 4, op: "sync", result: "crash" });
    // The sync never happened.
    expect(str(vfs.crash("lose-all").snapshot("/a"))).toBe("");
    expect(str(vfs.crash("keep-all").snapshot("/a"))).toBe("one");
  });

  it("crashOn restricts which kinds crashAt counts", () => {
    const vfs = new SimVfs({ crashAt: 2, crashOn: ["sync"] });
    const f = vfs.open("/a", { create: true });
    f.write(text("a"), 0);
    f.sync();
    f.write(text("b"), 1);
    f.read(new Uint8Array(1), 0);
    expect(() => f.sync()).toThrow(SimCrash);
    expect(vfs.opCount()).toBe(6);
  });

  it("setCrashAt counts from the call, and can be removed", () => {
    const vfs = new SimVfs();
    const f = vfs.open("/a", { create: true });
    vfs.setCrashAt(2);
    f.size();
    vfs.setCrashAt(null);
    f.size();
    f.size();
    vfs.setCrashAt(1, ["write"]);
    f.size();
    expect(() => f.write(text("x"), 0)).toThrow(SimCrash);
    expect(() => new SimVfs().setCrashAt(0)).toThrow(DbError);
  });

  it("onOp sees each call before it runs; throwing SimCrash cuts the power there", () => {
    const seen: SimOpInfo[] = [];
    const vfs = new SimVfs({
      onOp: (op) => {
        seen.push(op);
        if (op.op === "write" && op.offset === 100) throw new SimCrash();
      },
    });
    const f = vfs.open("/a", { create: true });
    f.write(text("a"), 0);
    expect(() => f.write(text("b"), 100)).toThrow(SimCrash);
    expect(seen.map((s) => `${s.seq}:${s.op}`)).toEqual(["1:open", "2:write", "3:write"]);
    expect(vfs.crashed).toBe(true);
    expect(vfs.crash("keep-all").snapshot("/a")!.length).toBe(1);
  });

  it("onOp throwing another error fails that call only", () => {
    const vfs = new SimVfs();
    const f = vfs.open("/a", { create: true });
    vfs.setOnOp(() => {
      throw new Error("boom");
    });
    expect(() => f.write(text("a"), 0)).toThrow("boom");
    vfs.setOnOp(null);
    expect(f.size()).toBe(0);
    expect(vfs.crashed).toBe(false);
    expect(vfs.trace().entries.at(-2)?.result).toBe("error");
  });

  it("a crash during recovery: images can have crash points of their own", () => {
    const vfs = new SimVfs();
    const f = vfs.open("/a", { create: true });
    vfs.syncDir("/a");
    f.write(text("data"), 0);
    const image = vfs.crash("keep-all", 1);
    image.setCrashAt(2);
    const g = image.open("/a");
    expect(() => g.write(text("DATA"), 0)).toThrow(SimCrash);
    expect(str(image.crash("keep-all", 2).snapshot("/a"))).toBe("data");
  });
});

describe("crash at every operation", () => {
  /**
   * Appends records to a log, one per 512-byte sector (so a torn write of one cannot damage an
   * earlier one), syncing each; `acked` holds the records whose sync returned.
   */
  function logWorkload(vfs: Vfs, acked: string[], syncDirectory: boolean): void {
    const log = vfs.open("/db/log", { create: true });
    for (const [i, rec] of ["r1;", "r2;", "r3;"].entries()) {
      log.write(text(rec), i * 512);
      log.sync();
      if (syncDirectory && rec === "r1;") vfs.syncDir("/db/log");
      acked.push(rec);
    }
    log.close();
  }

  /** Crashes the workload at every mutating call, checks every acked record survives every image. */
  function violations(syncDirectory: boolean): string[] {
    const dry = new SimVfs();
    logWorkload(dry, [], syncDirectory);
    const points = dry.opCount(MUTATING_OPS);
    const found: string[] = [];
    for (let at = 1; at <= points + 1; at++) {
      const vfs = new SimVfs({ seed: at, crashAt: at, crashOn: MUTATING_OPS });
      const acked: string[] = [];
      try {
        logWorkload(vfs, acked, syncDirectory);
      } catch (e) {
        if (!(e instanceof SimCrash)) throw e;
      }
      for (const policy of ["lose-all", "prefix", "random-subset"] as CrashPolicy[]) {
        for (let seed = 0; seed < 5; seed++) {
          const image = vfs.crash(policy, seed, { torn: { sectorSize: 512, mode: "mixed" }, growGarbage: true });
          const log = str(image.snapshot("/db/log")) ?? "";
          for (const rec of acked) {
            if (!log.includes(rec)) found.push(`crash at ${at}, ${policy} seed ${seed}: lost ${rec}`);
          }
        }
      }
    }
    return found;
  }

  it("a correct protocol keeps every acknowledged record at every crash point", () => {
    expect(violations(true)).toEqual([]);
  });

  it("finds the missing directory sync (LevelDB #196)", () => {
    const found = violations(false);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatch(/lost r1;/);
  });
});

describe("Prng", () => {
  it("is deterministic per seed", () => {
    const a = new Prng(123);
    const b = new Prng(123);
    const c = new Prng(124);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    for (let i = 0; i < 1000; i++) {
      const v = a.int(10);
      expect(Number.isInteger(v) && v >= 0 && v < 10).toBe(true);
    }
  });
});
