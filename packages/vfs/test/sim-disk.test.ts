// SimVfs as a plain Vfs, and its durable / pending model of files and directory entries.
import { describe, expect, it } from "vitest";
import { DbError, type VfsFile } from "../src/index.js";
import { SimVfs } from "@db/vfs/testing";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    return (e as DbError).code;
  }
  return undefined;
}

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

/** A file whose creation is durable (created, then its directory synced). */
function durableFile(vfs: SimVfs, path: string): VfsFile {
  const f = vfs.open(path, { create: true });
  vfs.syncDir(path);
  return f;
}

describe("SimVfs as a Vfs", () => {
  it("refuses to open a missing file without create", () => {
    const vfs = new SimVfs();
    expect(vfs.exists("/a")).toBe(false);
    expect(codeOf(() => vfs.open("/a"))).toBe("DB_CANTOPEN");
    expect(codeOf(() => vfs.open("/a", { create: true, readonly: true }))).toBe("DB_CANTOPEN");
    expect(vfs.exists("/a")).toBe(false);
  });

  it("writes, reads, grows with zero fill, truncates, like MemoryVfs", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/a");
    expect(f.size()).toBe(0);
    f.write(bytes(1, 2, 3), 0);
    f.write(bytes(9), 10);
    expect(f.size()).toBe(11);
    const buf = new Uint8Array(16).fill(0xee);
    expect(f.read(buf, 0)).toBe(11);
    expect([...buf.subarray(0, 11)]).toEqual([1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 9]);
    expect(buf[11]).toBe(0xee);
    expect(f.read(buf, 100)).toBe(0);
    f.truncate(2);
    f.truncate(5);
    expect(f.read(buf, 0)).toBe(5);
    expect([...buf.subarray(0, 5)]).toEqual([1, 2, 0, 0, 0]);
    f.sync();
    f.close();
    expect(codeOf(() => f.size())).toBe("DB_MISUSE");
    expect(codeOf(() => f.read(buf, 0))).toBe("DB_MISUSE");
    expect(codeOf(() => f.close())).toBe("DB_MISUSE");
  });

  it("keeps content across close and reopen; the caller's buffer is copied", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/a");
    const data = text("hello");
    f.write(data, 0);
    data.fill(0);
    f.close();
    expect(str(vfs.snapshot("/a"))).toBe("hello");
    const g = vfs.open("/a");
    const buf = new Uint8Array(5);
    g.read(buf, 0);
    expect(str(buf)).toBe("hello");
  });

  it("refuses writes on a read-only handle, and bad offsets", () => {
    const vfs = new SimVfs();
    durableFile(vfs, "/a").write(bytes(1), 0);
    const r = vfs.open("/a", { readonly: true });
    expect(codeOf(() => r.write(bytes(2), 0))).toBe("DB_READONLY");
    expect(codeOf(() => r.truncate(0))).toBe("DB_READONLY");
    const w = vfs.open("/a");
    expect(codeOf(() => w.write(bytes(2), -1))).toBe("DB_MISUSE");
    expect(codeOf(() => w.read(new Uint8Array(1), 1.5))).toBe("DB_MISUSE");
    expect(codeOf(() => w.truncate(-3))).toBe("DB_MISUSE");
  });

  it("delete detaches open handles, like POSIX unlink", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/a");
    f.write(text("abc"), 0);
    vfs.delete("/a");
    vfs.delete("/a"); // no error when missing
    expect(vfs.exists("/a")).toBe(false);
    f.write(text("d"), 3);
    expect(f.size()).toBe(4);
    expect(codeOf(() => vfs.open("/a"))).toBe("DB_CANTOPEN");
    expect(vfs.open("/a", { create: true }).size()).toBe(0);
  });
});

describe("durable and pending state", () => {
  it("reads see pending writes; lose-all keeps only synced bytes, keep-all keeps everything", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/db");
    f.write(text("synced"), 0);
    f.sync();
    f.write(text("SYN"), 0);
    f.write(text("+more"), 6);
    expect(str(vfs.snapshot("/db"))).toBe("SYNced+more");
    expect(str(vfs.crash("lose-all").snapshot("/db"))).toBe("synced");
    expect(str(vfs.crash("keep-all").snapshot("/db"))).toBe("SYNced+more");
    // The original is untouched by crash(): still pending, still readable.
    expect(str(vfs.snapshot("/db"))).toBe("SYNced+more");
  });

  it("sync makes only its own file durable", () => {
    const vfs = new SimVfs();
    const a = durableFile(vfs, "/a");
    const b = durableFile(vfs, "/b");
    a.write(text("A"), 0);
    b.write(text("B"), 0);
    a.sync();
    const img = vfs.crash("lose-all");
    expect(str(img.snapshot("/a"))).toBe("A");
    expect(str(img.snapshot("/b"))).toBe("");
  });

  it("a pending truncate is lost on crash, a synced one is not", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/a");
    f.write(text("0123456789"), 0);
    f.sync();
    f.truncate(4);
    expect(str(vfs.crash("lose-all").snapshot("/a"))).toBe("0123456789");
    expect(str(vfs.crash("keep-all").snapshot("/a"))).toBe("0123");
    f.sync();
    expect(str(vfs.crash("lose-all").snapshot("/a"))).toBe("0123");
  });

  it("a crash image has only durable state: no pending ops, no open handles", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/a");
    f.write(text("x"), 0);
    const img = vfs.crash("keep-all", 5);
    expect(img.seed).toBe(5);
    expect(img.list()).toEqual(["/a"]);
    // Everything in an image is durable: a second crash loses nothing.
    expect(str(img.crash("lose-all").snapshot("/a"))).toBe("x");
    expect(img.opCount()).toBe(0);
  });
});

describe("directory entries", () => {
  it("a synced file whose entry was never synced vanishes (LevelDB #196)", () => {
    const vfs = new SimVfs();
    const f = vfs.open("/db/000005.log", { create: true });
    f.write(text("committed"), 0);
    f.sync();
    expect(vfs.exists("/db/000005.log")).toBe(true);
    const img = vfs.crash("lose-all");
    expect(img.exists("/db/000005.log")).toBe(false);
    expect(img.list()).toEqual([]);

    vfs.syncDir("/db/000005.log");
    expect(str(vfs.crash("lose-all").snapshot("/db/000005.log"))).toBe("committed");
  });

  it("syncDir syncs the parent directory of its path, and only that one", () => {
    const vfs = new SimVfs();
    vfs.open("/d1/a", { create: true });
    vfs.open("/d1/b", { create: true });
    vfs.open("/d2/c", { create: true });
    vfs.open("top", { create: true });
    vfs.syncDir("/d1/anything");
    expect(vfs.crash("lose-all").list()).toEqual(["/d1/a", "/d1/b"]);
    vfs.syncDir("other-relative");
    expect(vfs.crash("lose-all").list().sort()).toEqual(["/d1/a", "/d1/b", "top"]);
  });

  it("a deletion not followed by syncDir is undone by a crash (SQLite rollback mode, ALICE)", () => {
    const vfs = new SimVfs();
    const j = durableFile(vfs, "/db-journal");
    j.write(text("undo"), 0);
    j.sync();
    vfs.delete("/db-journal"); // the "commit point"
    expect(vfs.exists("/db-journal")).toBe(false);
    expect(str(vfs.crash("lose-all").snapshot("/db-journal"))).toBe("undo");
    expect(vfs.crash("keep-all").exists("/db-journal")).toBe(false);
    vfs.syncDir("/db-journal");
    expect(vfs.crash("lose-all").exists("/db-journal")).toBe(false);
  });

  it("delete then re-create: a crash brings back the old file", () => {
    const vfs = new SimVfs();
    const old = durableFile(vfs, "/f");
    old.write(text("old"), 0);
    old.sync();
    vfs.delete("/f");
    const neu = vfs.open("/f", { create: true });
    neu.write(text("new"), 0);
    neu.sync();
    expect(str(vfs.snapshot("/f"))).toBe("new");
    expect(str(vfs.crash("lose-all").snapshot("/f"))).toBe("old");
    expect(str(vfs.crash("keep-all").snapshot("/f"))).toBe("new");
    vfs.syncDir("/f");
    expect(str(vfs.crash("lose-all").snapshot("/f"))).toBe("new");
  });

  it("prefix keeps a prefix of each directory's pending changes", () => {
    const vfs = new SimVfs();
    const names = ["/d/a", "/d/b", "/d/c", "/d/e"];
    for (const n of names) vfs.open(n, { create: true });
    const seen = new Set<number>();
    for (let seed = 0; seed < 100; seed++) {
      const kept = vfs.crash("prefix", seed).list();
      expect(kept).toEqual(names.slice(0, kept.length));
      seen.add(kept.length);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
