// Fault rules, the byte quota and the four fsync failure modes.
import { describe, expect, it } from "vitest";
import { DbError, type VfsFile } from "../src/index.js";
import { SimVfs } from "@db/vfs/testing";

function errorOf(fn: () => unknown): DbError | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    return e as DbError;
  }
  return undefined;
}
const codeOf = (fn: () => unknown) => errorOf(fn)?.code;

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

function durableFile(vfs: SimVfs, path: string): VfsFile {
  const f = vfs.open(path, { create: true });
  vfs.syncDir(path);
  return f;
}

describe("fault rules", () => {
  it("fail the n-th matching call once", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/a");
    const fault = vfs.fail({ op: "write", nth: 3 });
    const results = [1, 2, 3, 4, 5].map((i) => codeOf(() => f.write(text(`${i}`), i)));
    expect(results).toEqual([undefined, undefined, "DB_IOERR", undefined, undefined]);
    expect(fault.calls).toBe(5);
    expect(fault.fired).toBe(1);
    expect(fault.armed).toBe(false);
    // The failed write changed nothing.
    expect(str(vfs.snapshot("/a"))).toBe("\0" + "12\0" + "45");
  });

  it("fail the n-th matching call and every later one when persistent", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/a");
    const fault = vfs.fail({ op: "read", nth: 2, persistent: true });
    const buf = new Uint8Array(1);
    const results = [1, 2, 3, 4].map(() => codeOf(() => f.read(buf, 0)));
    expect(results).toEqual([undefined, "DB_IOERR", "DB_IOERR", "DB_IOERR"]);
    expect(fault.fired).toBe(3);
    expect(fault.armed).toBe(true);
    fault.remove();
    expect(codeOf(() => f.read(buf, 0))).toBeUndefined();
    expect(fault.armed).toBe(false);
  });

  it("counts only calls of its op, from when it is added", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/a");
    f.write(text("x"), 0);
    f.write(text("x"), 0);
    const fault = vfs.fail({ op: "truncate", nth: 1 });
    f.write(text("x"), 0);
    f.sync();
    expect(fault.calls).toBe(0);
    expect(codeOf(() => f.truncate(0))).toBe("DB_IOERR");
    expect(f.size()).toBe(1);
  });

  it("filters by path substring or RegExp", () => {
    const vfs = new SimVfs();
    const db = durableFile(vfs, "/data/db");
    const wal = durableFile(vfs, "/data/db-wal");
    const bySubstring = vfs.fail({ op: "sync", nth: 1, path: "-wal" });
    expect(codeOf(() => db.sync())).toBeUndefined();
    expect(codeOf(() => wal.sync())).toBe("DB_IOERR");
    expect(bySubstring.calls).toBe(1);
    const byRegExp = vfs.fail({ op: "write", nth: 2, persistent: true, path: /\/db$/g });
    const out = [db, wal, db, wal, db].map((f) => codeOf(() => f.write(text("z"), 0)));
    expect(out).toEqual([undefined, undefined, "DB_IOERR", undefined, "DB_IOERR"]);
    expect(byRegExp.calls).toBe(3);
  });

  it('kind "full" throws DB_FULL; errors look like NodeVfs ones', () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/a");
    vfs.fail({ op: "write", nth: 1, kind: "full" });
    vfs.fail({ op: "sync", nth: 1, fsyncMode: "error-keep" });
    expect(codeOf(() => f.write(text("x"), 0))).toBe("DB_FULL");
    const e = errorOf(() => f.sync())!;
    expect(e.code).toBe("DB_IOERR");
    expect(e.subcode).toBe("DB_IOERR_FSYNC");
  });

  it("open, delete and syncDir faults", () => {
    const vfs = new SimVfs();
    durableFile(vfs, "/d/a").close();
    vfs.fail({ op: "open", nth: 1 });
    vfs.fail({ op: "delete", nth: 1 });
    vfs.fail({ op: "syncDir", nth: 1, kind: "full" });
    const open = errorOf(() => vfs.open("/d/a"))!;
    expect(open.code).toBe("DB_CANTOPEN");
    expect((open.cause as { code: string }).code).toBe("EIO");
    expect(codeOf(() => vfs.delete("/d/a"))).toBe("DB_IOERR");
    expect(vfs.exists("/d/a")).toBe(true);
    vfs.open("/d/b", { create: true });
    expect(codeOf(() => vfs.syncDir("/d/b"))).toBe("DB_FULL");
    expect(vfs.crash("lose-all").exists("/d/b")).toBe(false); // still pending
    vfs.syncDir("/d/b");
    expect(vfs.crash("lose-all").exists("/d/b")).toBe(true);
  });

  it('kind "short": a read returns half the bytes without error', () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/a");
    f.write(text("0123456789"), 0);
    vfs.fail({ op: "read", nth: 1, kind: "short" });
    const buf = new Uint8Array(10);
    expect(f.read(buf, 2)).toBe(4); // 8 available, half of them
    expect(str(buf.subarray(0, 4))).toBe("2345");
    expect(buf[4]).toBe(0);
    expect(f.read(buf, 0)).toBe(10);
  });

  it('kind "short": a write stores the first half, then throws DB_IOERR', () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/a");
    vfs.fail({ op: "write", nth: 1, kind: "short" });
    expect(codeOf(() => f.write(text("abcdefgh"), 0))).toBe("DB_IOERR");
    expect(str(vfs.snapshot("/a"))).toBe("abcd");
    const last = vfs.trace().entries.at(-1)!;
    expect(last).toMatchObject({ op: "write", length: 8, bytes: 4, result: "DB_IOERR", fault: true });
  });

  it("when two rules want the same call, the first added fails it", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/a");
    const first = vfs.fail({ op: "write", nth: 1, kind: "full" });
    const second = vfs.fail({ op: "write", nth: 1 });
    expect(codeOf(() => f.write(text("x"), 0))).toBe("DB_FULL");
    expect([first.fired, second.fired]).toEqual([1, 0]);
    vfs.clearFaults();
    expect(codeOf(() => f.write(text("x"), 0))).toBeUndefined();
  });

  it("malformed rules are refused with DB_MISUSE", () => {
    const vfs = new SimVfs();
    expect(codeOf(() => vfs.fail({ op: "write", nth: 0 }))).toBe("DB_MISUSE");
    expect(codeOf(() => vfs.fail({ op: "write", nth: 1.5 }))).toBe("DB_MISUSE");
    expect(codeOf(() => vfs.fail({ op: "write", nth: 1, fsyncMode: "lie" }))).toBe("DB_MISUSE");
  });

  it("the I/O-error loop: fail call N for N = 1, 2, ... until the operation completes", () => {
    const workload = (vfs: SimVfs) => {
      const f = vfs.open("/db", { create: true });
      for (let i = 0; i < 5; i++) f.write(new Uint8Array(100).fill(i), i * 100);
      f.sync();
      vfs.syncDir("/db");
      f.close();
    };
    for (const op of ["open", "write", "sync", "syncDir"] as const) {
      let n = 1;
      for (; ; n++) {
        const vfs = new SimVfs();
        const fault = vfs.fail({ op, nth: n });
        const code = codeOf(() => workload(vfs));
        if (fault.fired === 0) {
          expect(code).toBeUndefined();
          break;
        }
        expect(["DB_IOERR", "DB_CANTOPEN"]).toContain(code);
      }
      expect(n).toBe({ open: 2, write: 6, sync: 2, syncDir: 2 }[op]);
    }
  });
});

describe("quota", () => {
  it("writes that grow the total past the quota fail with DB_FULL and change nothing", () => {
    const vfs = new SimVfs({ quota: 1000 });
    const a = durableFile(vfs, "/a");
    const b = durableFile(vfs, "/b");
    a.write(new Uint8Array(600), 0);
    expect(codeOf(() => b.write(new Uint8Array(401), 0))).toBe("DB_FULL");
    expect(b.size()).toBe(0);
    b.write(new Uint8Array(400), 0);
    expect(vfs.usedBytes()).toBe(1000);
    a.write(new Uint8Array(600).fill(1), 0); // overwrite: no growth
    expect(codeOf(() => a.write(new Uint8Array(1), 600))).toBe("DB_FULL");
    expect(codeOf(() => a.truncate(601))).toBe("DB_FULL");
    a.truncate(100); // shrinking always works
    a.write(new Uint8Array(500), 100);
    vfs.delete("/b"); // frees space
    a.write(new Uint8Array(400), 600);
    vfs.setQuota(null);
    a.write(new Uint8Array(5000), 1000);
    expect(a.size()).toBe(6000);
  });

  it("a quota swept in steps: every step ends in success or DB_FULL", () => {
    const workload = (vfs: SimVfs) => {
      const f = vfs.open("/db", { create: true });
      for (let i = 0; i < 8; i++) f.write(new Uint8Array(512).fill(i), i * 512);
      f.sync();
    };
    for (let quota = 0; quota <= 4096; quota += 512) {
      const vfs = new SimVfs({ quota });
      const code = codeOf(() => workload(vfs));
      expect(code).toBe(quota < 4096 ? "DB_FULL" : undefined);
      expect(vfs.usedBytes()).toBe(quota);
    }
    expect(codeOf(() => new SimVfs().setQuota(-1))).toBe("DB_MISUSE");
  });
});

describe("fsync failure modes", () => {
  /** A durable file holding "old", overwritten (pending) with "new", with sync #1 failing in `mode`. */
  function setup(fsyncMode?: "error-drop" | "error-keep" | "late" | "lie") {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/db");
    f.write(text("old"), 0);
    f.sync();
    vfs.fail({ op: "sync", nth: 1, ...(fsyncMode ? { fsyncMode } : {}) });
    f.write(text("new"), 0);
    return { vfs, f };
  }
  const durable = (vfs: SimVfs) => str(vfs.crash("lose-all").snapshot("/db"));

  it('"error-drop" (the default): throws, and the pending bytes are lost for good (fsyncgate)', () => {
    for (const mode of ["error-drop", undefined] as const) {
      const { vfs, f } = setup(mode);
      expect(codeOf(() => f.sync())).toBe("DB_IOERR");
      expect(str(vfs.snapshot("/db"))).toBe("old"); // dropped from the cache
      expect(str(vfs.crash("keep-all").snapshot("/db"))).toBe("old"); // nothing left pending
      f.sync(); // the retry "succeeds"...
      expect(durable(vfs)).toBe("old"); // ...but the data was never stored
    }
  });

  it('"error-keep": throws, the bytes stay pending, and a retry can store them', () => {
    const { vfs, f } = setup("error-keep");
    expect(codeOf(() => f.sync())).toBe("DB_IOERR");
    expect(str(vfs.snapshot("/db"))).toBe("new");
    expect(durable(vfs)).toBe("old");
    expect(str(vfs.crash("keep-all").snapshot("/db"))).toBe("new");
    f.sync();
    expect(durable(vfs)).toBe("new");
  });

  it('"late": reports success but loses the data; the next sync throws', () => {
    const { vfs, f } = setup("late");
    f.sync(); // no error...
    expect(durable(vfs)).toBe("old"); // ...yet nothing stored
    expect(str(vfs.snapshot("/db"))).toBe("old");
    f.write(text("newer"), 0);
    const e = errorOf(() => f.sync())!;
    expect(e.code).toBe("DB_IOERR");
    expect(durable(vfs)).toBe("newer"); // this sync's own data did reach the disk
    f.sync(); // the error is reported once
    expect(vfs.trace().entries.filter((x) => x.op === "sync").map((x) => x.result)).toEqual([
      "ok",
      "late",
      "DB_IOERR",
      "ok",
    ]);
  });

  it('"lie": reports success and stores nothing; the bytes stay pending', () => {
    const { vfs, f } = setup("lie");
    f.sync();
    expect(str(vfs.snapshot("/db"))).toBe("new");
    expect(durable(vfs)).toBe("old");
    expect(str(vfs.crash("keep-all").snapshot("/db"))).toBe("new");
    f.sync(); // an honest sync
    expect(durable(vfs)).toBe("new");
  });

  it("the sync-failure loop: fail sync s for every s, in each mode", () => {
    for (const fsyncMode of ["error-drop", "error-keep", "late", "lie"] as const) {
      for (let s = 1; s <= 3; s++) {
        const vfs = new SimVfs();
        const f = durableFile(vfs, "/log");
        vfs.fail({ op: "sync", nth: s, fsyncMode });
        const acked: string[] = [];
        let broken = false; // an acknowledged record missing from the disk
        try {
          for (const rec of ["a", "b", "c"]) {
            f.write(text(rec), f.size());
            f.sync();
            acked.push(rec);
            const onDisk = str(vfs.crash("lose-all").snapshot("/log"))!;
            if (!acked.every((r) => onDisk.includes(r))) broken = true;
          }
        } catch (e) {
          expect((e as DbError).code).toBe("DB_IOERR");
        }
        // The modes that report success without storing are exactly the ones that break the promise.
        expect(broken).toBe(fsyncMode === "late" || fsyncMode === "lie");
      }
    }
  });
});
