import { describe, expect, it } from "vitest";
import { bytes, dbErrorOf, FakePager, ikey, newTree, openReal, read, same, write } from "./helpers.js";
import type { Cursor } from "../src/index.js";

function refKey(c: Cursor): Uint8Array | null {
  return c.keyRef() ? c.refBuf.slice(c.refOff, c.refOff + c.refLen) : null;
}
function refValue(c: Cursor): Uint8Array | null {
  return c.valueRef() ? c.refBuf.slice(c.refOff, c.refOff + c.refLen) : null;
}

describe("Cursor keyRef/valueRef (zero-copy reads)", () => {
  it("expose the same bytes as key()/value() on every entry, forwards and backwards", () => {
    const pager = new FakePager(512);
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 700; i++) tree.put(ikey(i, 8), bytes(i % 37, i));
    });
    read(pager, () => {
      const c = tree.cursor();
      let n = 0;
      for (let ok = c.first(); ok; ok = c.next(), n++) {
        expect(same(refKey(c)!, c.key())).toBe(true);
        expect(same(refValue(c)!, c.value())).toBe(true);
        expect(c.refBuf.length).toBeGreaterThanOrEqual(512 - 8); // the page itself, not a copy
      }
      expect(n).toBe(700);
      for (let ok = c.last(); ok; ok = c.prev()) expect(same(refValue(c)!, c.value())).toBe(true);
      c.close();
    });
  });

  it("return false for bytes on overflow pages (value() still works) and throw when not positioned", () => {
    const pager = new FakePager(512);
    const tree = newTree(pager);
    const big = bytes(3000, 7);
    const bigKey = bytes(400, 9);
    write(pager, () => {
      tree.put(ikey(1, 8), big);
      tree.put(ikey(2, 8), bytes(10, 2));
      tree.put(bigKey, bytes(5, 3));
    });
    read(pager, () => {
      const c = tree.cursor();
      expect(c.seek(ikey(1, 8), "eq")).toBe(true);
      expect(c.keyRef()).toBe(true);
      expect(c.valueRef()).toBe(false);
      expect(same(c.value(), big)).toBe(true);
      expect(c.seek(ikey(2, 8), "eq")).toBe(true);
      expect(same(refValue(c)!, bytes(10, 2))).toBe(true);
      expect(c.seek(bigKey, "eq")).toBe(true);
      expect(c.keyRef()).toBe(false);
      expect(same(c.key(), bigKey)).toBe(true);
      expect(c.valueRef()).toBe(false); // the value follows a key that spills
      expect(same(c.value(), bytes(5, 3))).toBe(true);
      c.next();
      expect(c.valid).toBe(false);
      expect(dbErrorOf(() => c.valueRef()).code).toBe("DB_MISUSE");
      c.close();
      expect(dbErrorOf(() => c.keyRef()).code).toBe("DB_MISUSE");
    });
  });

  it("stay valid while positioned, though other cursors seek all over a tiny cache", () => {
    const { pager } = openReal(512, undefined, 4);
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 3000; i++) tree.put(ikey(i, 8), bytes(20 + (i % 13), i));
    });
    read(pager, () => {
      const a = tree.cursor();
      expect(a.seek(ikey(1234, 8), "eq")).toBe(true);
      expect(a.valueRef()).toBe(true);
      const { refBuf, refOff, refLen } = a;
      const b2 = tree.cursor();
      for (let i = 0; i < 3000; i += 7) expect(b2.seek(ikey((i * 811) % 3000, 8), "eq")).toBe(true);
      for (let ok = b2.first(); ok; ok = b2.next()) { /* evicts every unpinned page */ }
      expect(pager.cacheStats().misses).toBeGreaterThan(100);
      expect(same(refBuf.subarray(refOff, refOff + refLen), bytes(20 + (1234 % 13), 1234))).toBe(true);
      expect(same(refValue(a)!, bytes(20 + (1234 % 13), 1234))).toBe(true);
      a.close();
      b2.close();
    });
  });
});
