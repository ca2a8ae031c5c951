/**
 * Corruption detection: damaged pages must produce DB_CORRUPT naming the page (never a hang,
 * a raw TypeError or garbage), and checkIntegrity must report a problem naming the page.
 * Pages are damaged inside a write transaction and committed, so the pager's checksums are
 * valid and only the b-tree's own checks can notice.
 */
import { describe, expect, it } from "vitest";
import { BTree, type Page, type Pager } from "../src/index.js";
import { put16, put32 } from "../src/bytes.js";
import { cellPtr, childAt, nCells } from "../src/node.js";
import { b, bytes, dbErrorOf, ikey, newTree, openReal, read, write } from "./helpers.js";

/** A committed tree of depth 2 (root interior over leaves) with a few overflow values. */
function setup(): { pager: Pager; tree: BTree } {
  const { pager } = openReal(4096);
  const tree = newTree(pager);
  write(pager, () => {
    for (let i = 0; i < 1000; i++) tree.put(ikey(i), bytes(i % 100 === 0 ? 10_000 : 40, i));
  });
  return { pager, tree };
}

/** Modifies page `pgno` in a committed write transaction. */
function damage(pager: Pager, pgno: number, fn: (d: Uint8Array) => void): void {
  write(pager, () => {
    const page: Page = pager.get(pgno);
    pager.markDirty(page);
    fn(page.data);
    pager.release(page);
  });
}

function rootChildren(pager: Pager, root: number): number[] {
  return read(pager, () => {
    const page = pager.get(root);
    const n = nCells(page.data);
    const out = Array.from({ length: n + 1 }, (_, i) => childAt(page.data, i, n));
    pager.release(page);
    return out;
  });
}

function expectCorrupt(fn: () => unknown, pgno: number): void {
  const e = dbErrorOf(fn);
  expect(e.code).toBe("DB_CORRUPT");
  expect(e.pgno).toBe(pgno);
  expect(e.message).toContain(`page ${pgno}`);
}

function expectProblem(pager: Pager, tree: BTree, pgno: number, pattern: RegExp): void {
  const problems = read(pager, () => tree.checkIntegrity());
  expect(problems.length).toBeGreaterThan(0);
  for (const p of problems) expect(p).toMatch(/^page \d+: /);
  expect(problems.some((p) => p.startsWith(`page ${pgno}: `) && pattern.test(p))).toBe(true);
}

describe("corrupt page detection", () => {
  it("rejects a page with a bad kind byte", () => {
    const { pager, tree } = setup();
    const leaf = rootChildren(pager, tree.root)[0];
    damage(pager, leaf, (d) => (d[0] = 0x77));
    expectCorrupt(() => read(pager, () => tree.get(ikey(0))), leaf);
    expectCorrupt(() => read(pager, () => tree.cursor().first()), leaf);
    expectCorrupt(() => read(pager, () => tree.count()), leaf);
    expectProblem(pager, tree, leaf, /kind/);
    expectCorrupt(() => write(pager, () => tree.put(ikey(1), b("x"))), leaf);
  });

  it("rejects an impossible cell count", () => {
    const { pager, tree } = setup();
    const leaf = rootChildren(pager, tree.root)[1];
    damage(pager, leaf, (d) => put16(d, 2, 3000));
    expectCorrupt(() => read(pager, () => {
      const c = tree.cursor();
      for (let ok = c.first(); ok; ok = c.next()) c.value();
    }), leaf);
    expectCorrupt(() => read(pager, () => tree.count()), leaf);
    expectProblem(pager, tree, leaf, /cell count/);
  });

  it("rejects cell pointers outside the content area", () => {
    const { pager, tree } = setup();
    const leaf = rootChildren(pager, tree.root)[0];
    damage(pager, leaf, (d) => put16(d, 12 + 2 * 3, 4090));
    expectCorrupt(() => read(pager, () => tree.get(ikey(3))), leaf);
    expectProblem(pager, tree, leaf, /pointer/);
  });

  it("reports overlapping cells and keys out of order", () => {
    const { pager, tree } = setup();
    const [l0, l1] = rootChildren(pager, tree.root);
    damage(pager, l0, (d) => put16(d, 12 + 2, cellPtr(d, 0))); // cell 1 := cell 0
    expectProblem(pager, tree, l0, /share offset|overlap|out of order/);
    damage(pager, l1, (d) => {
      const a = cellPtr(d, 2);
      put16(d, 12 + 4, cellPtr(d, 3));
      put16(d, 12 + 6, a);
    });
    expectProblem(pager, tree, l1, /out of order/);
  });

  it("detects cycles instead of looping forever", () => {
    const { pager, tree } = setup();
    damage(pager, tree.root, (d) => put32(d, cellPtr(d, 0), tree.root)); // child 0 := root
    expectCorrupt(() => read(pager, () => tree.get(ikey(0))), tree.root);
    expectCorrupt(() => read(pager, () => tree.cursor().first()), tree.root);
    expectCorrupt(() => read(pager, () => tree.count()), tree.root);
    expectProblem(pager, tree, tree.root, /reached twice/);
    expectCorrupt(() => write(pager, () => tree.clear()), tree.root);
    expect(read(pager, () => tree.get(ikey(999)))).not.toBeNull(); // other subtrees still readable
  });

  it("detects a page shared by two parents, before freeing anything", () => {
    const { pager, tree } = setup();
    const kids = rootChildren(pager, tree.root);
    damage(pager, tree.root, (d) => put32(d, cellPtr(d, 1), kids[0]));
    expectProblem(pager, tree, kids[0], /reached twice/);
    const free = pager.freelistCount();
    expect(dbErrorOf(() => write(pager, () => tree.drop())).code).toBe("DB_CORRUPT");
    expect(pager.freelistCount()).toBe(free);
  });

  it("rejects child pointers out of range", () => {
    const { pager, tree } = setup();
    damage(pager, tree.root, (d) => put32(d, 8, 99_999)); // right child
    expectCorrupt(() => read(pager, () => tree.cursor().last()), tree.root);
    expectProblem(pager, tree, tree.root, /out of range|bad right child/);
  });

  it("detects broken overflow chains", () => {
    const { pager, tree } = setup();
    // ikey(0)'s 10 KB value spans 3 overflow pages; the first leaf holds it.
    const leaf = rootChildren(pager, tree.root)[0];
    const first = read(pager, () => {
      const page = pager.get(leaf);
      const off = cellPtr(page.data, 0);
      // leaf cell: keyLen 8 (1 byte), valueLen 10000 (2 bytes), local payload, u32 overflow
      const local = 8 + 501 - 8; // localSize = max(keyLen, minLocal) = minLocal (501 for 4088)
      const d = page.data;
      const pg = ((d[off + 3 + local] << 24) | (d[off + 4 + local] << 16) | (d[off + 5 + local] << 8) | d[off + 6 + local]) >>> 0;
      pager.release(page);
      return pg;
    });
    damage(pager, first, (d) => put32(d, 0, 0)); // chain ends after one page
    expectCorrupt(() => read(pager, () => tree.get(ikey(0))), leaf);
    expectProblem(pager, tree, leaf, /overflow chain ends early/);
  });

  it("rejects trees deeper than 20 levels", () => {
    const { pager } = openReal(512);
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 400; i++) tree.put(ikey(i), bytes(100, i));
    });
    // Build a chain of 25 interior pages each with only a right child, ending at the old root copy.
    write(pager, () => {
      const rootPage = pager.get(tree.root);
      let below = pager.allocate();
      below.data.set(rootPage.data.subarray(0, pager.usableSize));
      for (let i = 0; i < 25; i++) {
        const up = pager.allocate();
        up.data[0] = 0x05;
        put16(up.data, 4, pager.usableSize);
        put32(up.data, 8, below.pgno);
        pager.release(below);
        below = up;
      }
      pager.markDirty(rootPage);
      rootPage.data.set(below.data.subarray(0, pager.usableSize));
      pager.release(below);
      pager.release(rootPage);
    });
    expectCorrupt(() => read(pager, () => tree.get(ikey(1))), tree.root);
    expectCorrupt(() => read(pager, () => tree.cursor().first()), tree.root);
    const problems = read(pager, () => tree.checkIntegrity());
    expect(problems.some((p) => /deeper than 20/.test(p))).toBe(true);
  });
});
