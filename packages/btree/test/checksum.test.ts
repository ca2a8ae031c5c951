/**
 * A flipped byte anywhere in any page of the file (content, header or checksum trailer) is
 * reported as corruption of that page by the page checksum, and never returned as data.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checksumUpdate, DbError, KvStore, MemoryVfs } from "../src/index.js";
import { bytes, ikey, same } from "./helpers.js";

const PAGE = 1024;

/** A store whose file (checkpointed, no WAL) holds leaves, interior pages, overflow and free pages. */
function build(): { vfs: MemoryVfs; pages: number; data: Map<number, Uint8Array> } {
  const vfs = new MemoryVfs();
  const store = KvStore.open("c.db", { vfs, pageSize: PAGE });
  const data = new Map<number, Uint8Array>();
  store.write((tx) => {
    for (let i = 0; i < 600; i++) {
      const v = bytes(i % 50 === 0 ? 3000 : 30, i);
      tx.put(ikey(i), v);
      data.set(i, v);
    }
  });
  store.write((tx) => {
    for (let i = 100; i < 160; i++) {
      tx.delete(ikey(i));
      data.delete(i);
    }
  });
  const pages = store.stats().pageCount;
  expect(store.stats().freePages).toBeGreaterThan(0);
  store.close();
  return { vfs, pages, data };
}

function flip(vfs: MemoryVfs, pgno: number, offset: number, bit: number): void {
  const f = vfs.open("c.db");
  const b = new Uint8Array(1);
  const at = (pgno - 1) * PAGE + offset;
  f.read(b, at);
  b[0] ^= 1 << bit;
  f.write(b, at);
  f.close();
}

/**
 * Opens the damaged file and reads everything. Returns how the damage showed: an error from
 * open or from a read, or the integrity problems. Throws if wrong data is ever returned.
 */
function readAll(vfs: MemoryVfs, data: Map<number, Uint8Array>): { error: unknown; problems: string[] } {
  let store: KvStore;
  try {
    store = KvStore.open("c.db", { vfs, readonly: true });
  } catch (e) {
    return { error: e, problems: [] };
  }
  try {
    const problems = store.checkIntegrity();
    let error: unknown = null;
    try {
      for (const [k, v] of store.range()) {
        const i = Number(new DataView(k.buffer, k.byteOffset).getBigUint64(0));
        if (!same(v, data.get(i) ?? null)) throw new Error(`wrong data returned for key ${i}`);
      }
      for (const [i, v] of data) if (!same(store.get(ikey(i)), v)) throw new Error(`wrong data returned for key ${i}`);
    } catch (e) {
      if (!(e instanceof DbError)) throw e;
      error = e;
    }
    return { error, problems };
  } finally {
    store.close();
  }
}

/** The damage to page `pgno` was reported as corruption of that page (and only of it). */
function expectReported(r: { error: unknown; problems: string[] }, pgno: number): void {
  const { error, problems } = r;
  if (error !== null) {
    expect(error).toBeInstanceOf(DbError);
    const e = error as DbError;
    if (pgno === 1 && e.code === "DB_NOTADB") return; // the magic string itself was hit
    expect(e.code, e.message).toBe("DB_CORRUPT");
    expect(e.pgno, e.message).toBe(pgno);
  }
  if (problems.length > 0 || pgno !== 1) {
    expect(problems.length, `page ${pgno}`).toBeGreaterThan(0);
    for (const p of problems) expect(p.startsWith(`page ${pgno}: `), p).toBe(true);
    expect(problems.some((p) => /checksum/.test(p))).toBe(true);
  } else {
    expect(error).not.toBeNull();
  }
}

describe("page checksums", () => {
  const { vfs: pristine, pages, data } = build();
  const image = (() => {
    const f = pristine.open("c.db");
    const buf = new Uint8Array(pages * PAGE);
    f.read(buf, 0);
    f.close();
    return buf;
  })();
  const fresh = (): MemoryVfs => {
    const vfs = new MemoryVfs();
    const f = vfs.open("c.db", { create: true });
    f.write(image, 0);
    f.close();
    return vfs;
  };

  it("the pristine file reads back completely", () => {
    expect(readAll(fresh(), data)).toEqual({ error: null, problems: [] });
  });

  it("a flipped bit in every page is reported as corruption of that page", () => {
    // Including bits the old 32-bit checksum missed: bit 7 of byte 20, bit 4 of byte 8 (1 KiB page).
    for (let pgno = 1; pgno <= pages; pgno++) {
      const vfs = fresh();
      flip(vfs, pgno, (pgno * 37) % PAGE, pgno % 8);
      expectReported(readAll(vfs, data), pgno);
    }
  });

  it("catches the flips a 32-bit s1-only checksum misses", () => {
    let tried = 0;
    for (let pgno = 1; pgno <= pages && tried < 12; pgno++) {
      const page = image.slice((pgno - 1) * PAGE, pgno * PAGE);
      const s1 = (d: Uint8Array) => {
        const st = { s0: pgno, s1: 0 };
        checksumUpdate(st, d, 0, PAGE - 8);
        return st.s1;
      };
      const base = s1(page);
      for (let off = 100; off < PAGE - 8 && tried < 12; off += 4) {
        page[off] ^= 0x80;
        const missed = s1(page) === base;
        page[off] ^= 0x80;
        if (!missed) continue;
        tried++;
        const vfs = fresh();
        flip(vfs, pgno, off, 7);
        expectReported(readAll(vfs, data), pgno);
        break;
      }
    }
    expect(tried).toBeGreaterThan(3);
  });

  it("random single-byte damage anywhere (fast-check): reported for that page, never wrong data", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: pages }),
        fc.integer({ min: 0, max: PAGE - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (pgno, offset, mask) => {
          const vfs = fresh();
          const f = vfs.open("c.db");
          const b = new Uint8Array(1);
          f.read(b, (pgno - 1) * PAGE + offset);
          b[0] ^= mask;
          f.write(b, (pgno - 1) * PAGE + offset);
          f.close();
          expectReported(readAll(vfs, data), pgno);
        },
      ),
      { numRuns: Number(process.env.BTREE_MODEL_RUNS ?? 60) * 3 },
    );
  });
});
