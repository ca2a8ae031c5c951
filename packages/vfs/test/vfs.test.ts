import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DbError, FaultVfs, MemoryVfs, NodeVfs, type Vfs } from "../src/index.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "db-vfs-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
const cases: [string, () => Vfs, () => string][] = [
  ["MemoryVfs", () => new MemoryVfs(), () => `/mem/file${counter++}`],
  ["NodeVfs", () => new NodeVfs(), () => path.join(tmp, `file${counter++}`)],
];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    return (e as DbError).code;
  }
  return undefined;
}

describe.each(cases)("%s", (_name, makeVfs, freshPath) => {
  it("refuses to open a missing file without create", () => {
    const vfs = makeVfs();
    const p = freshPath();
    expect(vfs.exists(p)).toBe(false);
    expect(codeOf(() => vfs.open(p))).toBe("DB_CANTOPEN");
    expect(codeOf(() => vfs.open(p, { readonly: true }))).toBe("DB_CANTOPEN");
  });

  it("writes, reads, grows with zero fill, truncates", () => {
    const vfs = makeVfs();
    const p = freshPath();
    const f = vfs.open(p, { create: true });
    vfs.syncDir(p);
    expect(f.size()).toBe(0);
    f.write(new Uint8Array([1, 2, 3]), 0);
    f.write(new Uint8Array([9]), 10);
    expect(f.size()).toBe(11);
    const buf = new Uint8Array(16).fill(0xee);
    expect(f.read(buf, 0)).toBe(11);
    expect([...buf.subarray(0, 11)]).toEqual([1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 9]);
    expect(buf[11]).toBe(0xee); // tail untouched
    expect(f.read(buf, 100)).toBe(0);
    f.truncate(2);
    expect(f.size()).toBe(2);
    f.truncate(5);
    expect(f.read(buf, 0)).toBe(5);
    expect([...buf.subarray(0, 5)]).toEqual([1, 2, 0, 0, 0]);
    f.sync();
    f.close();
    expect(codeOf(() => f.size())).toBe("DB_MISUSE");
    expect(codeOf(() => f.close())).toBe("DB_MISUSE");
  });

  it("keeps data across close and reopen, large writes included", () => {
    const vfs = makeVfs();
    const p = freshPath();
    const big = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
    let f = vfs.open(p, { create: true });
    for (let off = 0; off < big.length; off += 4096) f.write(big.subarray(off, off + 4096), off);
    f.close();
    f = vfs.open(p, { readonly: true });
    const back = new Uint8Array(big.length);
    expect(f.read(back, 0)).toBe(big.length);
    expect(Buffer.compare(back, big)).toBe(0);
    f.close();
    expect(vfs.exists(p)).toBe(true);
    vfs.delete(p);
    vfs.delete(p); // no error when missing
    expect(vfs.exists(p)).toBe(false);
  });

  it("rejects writes to a read-only handle", () => {
    const vfs = makeVfs();
    const p = freshPath();
    vfs.open(p, { create: true }).close();
    const f = vfs.open(p, { readonly: true });
    const code = codeOf(() => f.write(new Uint8Array([1]), 0));
    expect(["DB_READONLY", "DB_IOERR"]).toContain(code);
    f.close();
  });
});

describe("NodeVfs writes", () => {
  it("issues a long write as one write call per 4 KiB page of the file (page-cache folios stay small; ADR 0008), all bytes landing", () => {
    const vfs = new NodeVfs();
    const p = path.join(tmp, `chunks${counter++}`);
    const f = vfs.open(p, { create: true });
    const data = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    // The module object NodeVfs calls (the ESM namespace of "node:fs" cannot be spied on).
    const spy = vi.spyOn(process.getBuiltinModule("node:fs"), "writeSync");
    try {
      f.write(data, 123);
      const calls = spy.mock.calls.map((c) => [Number((c as unknown[])[3]), Number((c as unknown[])[4])]);
      // 123 .. 100123: the first call ends at 4096, then whole pages, then the tail.
      expect(calls.length).toBe(Math.ceil(100_123 / 4096));
      expect(calls[0]).toEqual([4096 - 123, 123]);
      for (const [len, at] of calls.slice(1)) {
        expect(at % 4096).toBe(0);
        expect(len).toBeLessThanOrEqual(4096);
      }
    } finally {
      spy.mockRestore();
    }
    const back = new Uint8Array(100_000);
    expect(f.read(back, 123)).toBe(100_000);
    expect(back).toEqual(data);
    f.close();
  });
});

describe("NodeVfs errors", () => {
  it("wraps OS errors of a bad directory as DbError", () => {
    const vfs = new NodeVfs();
    expect(codeOf(() => vfs.open(path.join(tmp, "no", "such", "dir", "x"), { create: true }))).toBe("DB_CANTOPEN");
    expect(codeOf(() => vfs.syncDir(path.join(tmp, "no-such-dir", "x")))).toBe("DB_IOERR");
  });
});

describe("FaultVfs", () => {
  it("fails chosen operations after skipping some, with DB_IOERR or DB_FULL", () => {
    const vfs = new FaultVfs(new MemoryVfs());
    const f = vfs.open("/a", { create: true });
    vfs.inject({ op: "write", skip: 1, times: 1, kind: "full", torn: true });
    vfs.inject({ op: "sync", path: "/a" });
    f.write(new Uint8Array([1, 2]), 0);
    expect(codeOf(() => f.write(new Uint8Array([3, 4, 5, 6]), 2))).toBe("DB_FULL");
    expect(f.size()).toBe(4); // torn: half of the failed write landed
    f.write(new Uint8Array([7]), 4);
    expect(codeOf(() => f.sync())).toBe("DB_IOERR");
    vfs.clear();
    f.sync();
  });
});
