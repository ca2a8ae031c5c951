import { describe, expect, it } from "vitest";
import { BTree, MemoryVfs, Pager, Wal } from "../src/index.js";
import { bytes, ikey, read, same, write } from "./helpers.js";

describe("pager read-ahead (sequential scans)", () => {
  it("reads pages in runs, from the db file and the WAL alike, with the same results", () => {
    const vfs = new MemoryVfs();
    let pager = Pager.open(Wal.open(vfs, "r.db", { create: true, autocheckpointFrames: 0 }), { pageSize: 4096, cacheSize: 40 });
    const root = write(pager, () => BTree.create(pager));
    let tree = new BTree(pager, root);
    write(pager, () => tree.load(Array.from({ length: 20_000 }, (_, i) => [ikey(i), bytes(100, i)] as const)));
    pager.wal.checkpoint("truncate");
    // Some pages of the run now have newer versions in the WAL.
    write(pager, () => {
      for (let i = 0; i < 20_000; i += 997) tree.put(ikey(i), bytes(90, i + 1));
    });
    pager.close();
    pager = Pager.open(Wal.open(vfs, "r.db", { autocheckpointFrames: 0 }), { cacheSize: 40 });
    tree = new BTree(pager, root);
    let runs = 0;
    const wal = pager.wal;
    const readDbPages = wal.readDbPages.bind(wal);
    wal.readDbPages = (pgno: number, count: number, buf: Uint8Array) => {
      runs++;
      return readDbPages(pgno, count, buf);
    };
    const expectRows = (): void => {
      read(pager, () => {
        const c = tree.cursor();
        let n = 0;
        for (let ok = c.first(); ok; ok = c.next(), n++) {
          expect(same(c.key(), ikey(n))).toBe(true);
          expect(same(c.value(), n % 997 === 0 ? bytes(90, n + 1) : bytes(100, n))).toBe(true);
        }
        c.close();
        expect(n).toBe(20_000);
      });
    };
    expectRows();
    const leaves = pager.cacheStats().misses;
    expect(leaves).toBeGreaterThan(500); // misses count pages read, ahead or not
    expect(runs).toBeGreaterThan(10);
    expect(runs).toBeLessThan(leaves / 8);
    expectRows();
    expect(pager.cacheStats().pages).toBeLessThanOrEqual(40 + 32);
    pager.close();
  });
});
