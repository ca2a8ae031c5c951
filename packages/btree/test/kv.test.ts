import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DbError, KvStore, MemoryVfs, type RangeOptions } from "../src/index.js";
import { b, cmp, dbErrorOf, ikey, s } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmpFile(name = "kv.db"): string {
  const d = mkdtempSync(join(tmpdir(), "db-kv-"));
  dirs.push(d);
  return join(d, name);
}

function keysOf(it: Iterable<[Uint8Array, Uint8Array]>): string[] {
  return [...it].map(([k]) => s(k));
}

describe("KvStore", () => {
  it("puts, gets, deletes with autocommit and persists across reopen (NodeVfs)", () => {
    const path = tmpFile();
    let store = KvStore.open(path);
    store.put("apple", "red");
    store.put(b("banana"), b("yellow"));
    store.put("cherry", new Uint8Array([1, 2, 3]));
    expect(s(store.get("apple")!)).toBe("red");
    expect(store.get("durian")).toBeNull();
    expect(store.has("banana")).toBe(true);
    expect(store.delete("banana")).toBe(true);
    expect(store.delete("banana")).toBe(false);
    store.close();
    expect(statSync(path).size).toBeGreaterThan(0);
    store = KvStore.open(path);
    expect(s(store.get("apple")!)).toBe("red");
    expect([...store.get("cherry")!]).toEqual([1, 2, 3]);
    expect(store.get("banana")).toBeNull();
    expect(store.count()).toBe(2);
    expect(store.checkIntegrity()).toEqual([]);
    store.close();
    expect(dbErrorOf(() => store.get("apple")).code).toBe("DB_MISUSE");
  });

  it("opens on a supplied Vfs and read-only", () => {
    const vfs = new MemoryVfs();
    const w = KvStore.open("a.db", { vfs, pageSize: 1024 });
    w.put("k", "v");
    w.close();
    const r = KvStore.open("a.db", { vfs, readonly: true });
    expect(s(r.get("k")!)).toBe("v");
    expect(r.stats().pageSize).toBe(1024);
    expect(dbErrorOf(() => r.put("k", "w")).code).toBe("DB_READONLY");
    r.close();
    expect(dbErrorOf(() => KvStore.open("missing.db", { vfs, create: false })).code).toBe("DB_CANTOPEN");
  });

  describe("range", () => {
    const store = KvStore.open(":memory:");
    const all = Array.from({ length: 500 }, (_, i) => `k${String(i).padStart(3, "0")}`);
    store.write((tx) => {
      for (const k of all) tx.put(k, `v${k}`);
    });
    const cases: [string, RangeOptions, (k: string) => boolean][] = [
      ["all", {}, () => true],
      ["gte", { gte: "k100" }, (k) => k >= "k100"],
      ["gt", { gt: "k100" }, (k) => k > "k100"],
      ["lt", { lt: "k100" }, (k) => k < "k100"],
      ["lte", { lte: "k100" }, (k) => k <= "k100"],
      ["gt+lt", { gt: "k250", lt: "k260" }, (k) => k > "k250" && k < "k260"],
      ["gte+lte, absent bounds", { gte: "k2500", lte: "k26" }, (k) => k >= "k2500" && k <= "k26"],
      ["empty", { gt: "k300", lt: "k300" }, () => false],
      ["prefix", { prefix: "k12" }, (k) => k.startsWith("k12")],
      ["prefix + gt", { prefix: "k12", gt: "k125" }, (k) => k.startsWith("k12") && k > "k125"],
    ];
    for (const [name, opts, pred] of cases) {
      it(`${name}, both directions, with limits`, () => {
        const want = all.filter(pred);
        expect(keysOf(store.range(opts))).toEqual(want);
        expect(keysOf(store.range({ ...opts, reverse: true }))).toEqual([...want].reverse());
        expect(keysOf(store.range({ ...opts, limit: 7 }))).toEqual(want.slice(0, 7));
        expect(keysOf(store.range({ ...opts, reverse: true, limit: 7 }))).toEqual([...want].reverse().slice(0, 7));
        expect(store.count(opts)).toBe(want.length);
      });
    }

    it("yields values, or skips them", () => {
      const [[k, v]] = [...store.range({ gte: "k042", limit: 1 })];
      expect([s(k), s(v)]).toEqual(["k042", "vk042"]);
      const [[, none]] = [...store.range({ gte: "k042", limit: 1, values: false })];
      expect(none.length).toBe(0);
    });

    it("streams: breaking out early releases the read transaction", () => {
      let n = 0;
      for (const [k] of store.range()) {
        if (++n === 3) {
          expect(s(k)).toBe("k002");
          break;
        }
      }
      // No read transaction left open: a write still works and sees a fresh state.
      store.put("zzz", "1");
      expect(store.delete("zzz")).toBe(true);
    });
  });

  it("iterators continue correctly across writes made while iterating", () => {
    const store = KvStore.open(":memory:");
    store.write((tx) => {
      for (let i = 0; i < 2000; i++) tx.put(ikey(i), ikey(i));
    });
    const seen: number[] = [];
    for (const [k] of store.range()) {
      const i = Number(new DataView(k.buffer, k.byteOffset).getBigUint64(0));
      seen.push(i);
      // Delete the next key and everything in a window ahead; insert some keys behind.
      store.delete(ikey(i + 1));
      if (i % 100 === 0) store.deleteRange({ gte: ikey(i + 2), lt: ikey(i + 10) });
      if (i % 7 === 0 && i > 0) store.put(ikey(i - 1), b("behind"));
    }
    expect(seen.every((v, j) => j === 0 || v > seen[j - 1])).toBe(true);
    expect(seen.slice(0, 5)).toEqual([0, 10, 12, 14, 16]);
    expect(store.checkIntegrity()).toEqual([]);
    store.close();
  });

  it("write transactions commit together or roll back entirely", () => {
    const store = KvStore.open(":memory:");
    store.write((tx) => {
      tx.put("a", "1");
      tx.put("b", "2");
      expect(s(tx.get("a")!)).toBe("1");
    });
    expect(() =>
      store.write((tx) => {
        tx.put("a", "changed");
        tx.delete("b");
        tx.put("c", "3");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(keysOf(store.range())).toEqual(["a", "b"]);
    expect(s(store.get("a")!)).toBe("1");
    // Nested writes are savepoints.
    store.write((tx) => {
      tx.put("x", "1");
      expect(() =>
        store.write((inner) => {
          inner.put("y", "1");
          throw new Error("inner");
        }),
      ).toThrow("inner");
      store.put("z", "1"); // store-level calls join the open transaction
    });
    expect(keysOf(store.range())).toEqual(["a", "b", "x", "z"]);
    // Async callbacks are refused (and rolled back).
    expect(dbErrorOf(() => store.write(async (tx) => tx.put("p", "1"))).code).toBe("DB_MISUSE");
    expect(store.get("p")).toBeNull();
    store.close();
  });

  it("read transactions: consistent view, no writes, objects unusable afterwards", () => {
    const store = KvStore.open(":memory:");
    store.load([["a", "1"], ["b", "2"], ["c", "3"]]);
    let saved: ReturnType<typeof store.range> | null = null;
    const got = store.read((tx) => {
      expect(dbErrorOf(() => store.put("d", "4")).code).toBe("DB_MISUSE");
      expect(dbErrorOf(() => (tx as unknown as { put(k: string, v: string): void }).put("d", "4")).code).toBe("DB_MISUSE");
      saved = tx.range();
      const c = tx.cursor();
      expect(c.last()).toBe(true);
      const last = s(c.key());
      c.close();
      return [tx.count(), last];
    });
    expect(got).toEqual([3, "c"]);
    expect(dbErrorOf(() => saved!.next()).code).toBe("DB_MISUSE");
    store.close();
  });

  it("bulk loads sorted input and rejects unsorted input", () => {
    const store = KvStore.open(":memory:");
    const n = store.load((function* () {
      for (let i = 0; i < 20_000; i++) yield [ikey(i), ikey(i * 3)] as const;
    })());
    expect(n).toBe(20_000);
    expect(store.count()).toBe(20_000);
    expect(cmp(store.get(ikey(777))!, ikey(2331))).toBe(0);
    expect(store.checkIntegrity()).toEqual([]);
    // Into a non-empty store: put one by one (still checked for order).
    store.load([[ikey(30_000), b("x")], [ikey(30_001), b("y")]]);
    expect(store.count()).toBe(20_002);
    const e = dbErrorOf(() => store.load([[ikey(40_002), b("x")], [ikey(40_001), b("y")]]));
    expect(e).toBeInstanceOf(DbError);
    expect(e.code).toBe("DB_MISUSE");
    expect(store.get(ikey(40_002))).toBeNull(); // rolled back
    store.close();
  });

  it("deleteRange and clear", () => {
    const store = KvStore.open(":memory:");
    store.write((tx) => {
      for (let i = 0; i < 5000; i++) tx.put(ikey(i), b("v"));
    });
    expect(store.deleteRange({ gte: ikey(100), lt: ikey(4000) })).toBe(3900);
    expect(store.deleteRange({ gte: ikey(0), limit: 50 })).toBe(50);
    expect(store.count()).toBe(1050);
    store.clear();
    expect(store.count()).toBe(0);
    expect(store.checkIntegrity()).toEqual([]);
    store.close();
  });

  it("compact() shrinks the file after deleting most entries", () => {
    const path = tmpFile();
    const store = KvStore.open(path);
    store.write((tx) => {
      for (let i = 0; i < 30_000; i++) tx.put(ikey(i), new Uint8Array(100).fill(i & 0xff));
    });
    store.checkpoint();
    const full = statSync(path).size;
    store.deleteRange({ gte: ikey(1000) });
    store.checkpoint();
    expect(statSync(path).size).toBe(full); // freed pages stay in the file
    store.compact();
    const small = statSync(path).size;
    expect(small).toBeLessThan(full / 10);
    expect(store.count()).toBe(1000);
    expect(store.checkIntegrity()).toEqual([]);
    store.close();
    const again = KvStore.open(path);
    expect(again.count()).toBe(1000);
    expect(again.get(ikey(999))![0]).toBe(999 & 0xff);
    // After deleting everything, compact() brings the file back to its header and root pages.
    again.clear();
    again.compact();
    expect(again.stats().pageCount).toBe(2);
    expect(statSync(path).size).toBe(2 * 4096);
    again.put("still", "works");
    expect(again.checkIntegrity()).toEqual([]);
    again.close();
  });
});

describe("KvStore after a failed fsync", () => {
  it("refuses reads once a WAL fsync failed (the read kept between gets does not hide it)", async () => {
    const { FaultVfs } = await import("../src/index.js");
    const mem = new MemoryVfs();
    const vfs = new FaultVfs(mem);
    // synchronous "normal": commits are not fsynced, so a failed WAL fsync at the checkpoint may
    // lose committed data, and the WAL refuses reads from then on.
    const store = KvStore.open("f.db", { vfs, synchronous: "normal", autocheckpointFrames: 0 });
    store.put("a", "1");
    expect(s(store.get("a")!)).toBe("1"); // a read transaction is now kept between gets
    vfs.inject({ op: "sync", path: "-wal" });
    expect(() => store.checkpoint()).toThrow(DbError);
    const e = dbErrorOf(() => store.get("a")); // "a" is cached, yet the read is refused
    expect(e.code).toBe("DB_IOERR");
  });
});
