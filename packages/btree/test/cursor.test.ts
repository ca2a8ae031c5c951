import { describe, expect, it } from "vitest";
import { b, bytes, dbErrorOf, FakePager, ikey, newTree, read, s, same, write } from "./helpers.js";

describe("Cursor", () => {
  it("handles an empty tree", () => {
    const pager = new FakePager(512);
    const tree = newTree(pager);
    read(pager, () => {
      const c = tree.cursor();
      expect(c.valid).toBe(false);
      expect(c.first()).toBe(false);
      expect(c.last()).toBe(false);
      expect(c.seek(b("x"), "ge")).toBe(false);
      expect(c.seek(b("x"), "le")).toBe(false);
      expect(c.seek(b("x"), "eq")).toBe(false);
      expect(c.next()).toBe(false);
      expect(c.prev()).toBe(false);
      expect(dbErrorOf(() => c.key()).code).toBe("DB_MISUSE");
      expect(dbErrorOf(() => c.value()).code).toBe("DB_MISUSE");
    });
  });

  it("cursors opened one after another reuse a position stack, and never share a live one", () => {
    const pager = new FakePager(512);
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 600; i++) tree.put(ikey(i, 4), bytes(10, i));
    });
    read(pager, () => {
      const a = tree.cursor();
      const b2 = tree.cursor();
      expect(a.seek(ikey(100, 4), "eq")).toBe(true);
      expect(b2.seek(ikey(500, 4), "eq")).toBe(true);
      a.close(); // its stack is kept for the next cursor
      expect(dbErrorOf(() => a.first()).code).toBe("DB_MISUSE");
      const c = tree.cursor();
      expect(c.last()).toBe(true);
      expect(same(c.key(), ikey(599, 4))).toBe(true);
      // b2 is untouched by c moving on a recycled stack
      expect(same(b2.key(), ikey(500, 4))).toBe(true);
      expect(b2.next()).toBe(true);
      expect(same(b2.key(), ikey(501, 4))).toBe(true);
      a.close(); // closing twice gives nothing back twice
      const d = tree.cursor();
      expect(d.first()).toBe(true);
      expect(same(c.key(), ikey(599, 4))).toBe(true);
      expect(c.prev()).toBe(true);
      expect(same(c.key(), ikey(598, 4))).toBe(true);
      for (const x of [b2, c, d]) x.close();
    });
  });

  it("seeks ge/le/eq across leaf boundaries and walks both ways", () => {
    const pager = new FakePager(512);
    const tree = newTree(pager);
    // Even keys 0, 2, ..., 1998: many small leaves at 512-byte pages.
    write(pager, () => {
      for (let i = 0; i < 2000; i += 2) tree.put(ikey(i, 4), bytes(10, i));
    });
    read(pager, () => {
      const c = tree.cursor();
      for (let i = -1; i <= 2000; i++) {
        const k = i < 0 ? new Uint8Array(0) : ikey(i, 4);
        const ge = i < 0 ? 0 : i % 2 === 0 ? i : i + 1;
        expect(c.seek(k, "ge")).toBe(ge < 2000);
        if (ge < 2000) expect(same(c.key(), ikey(ge, 4))).toBe(true);
        const le = Math.min(i % 2 === 0 ? i : i - 1, 1998);
        expect(c.seek(k, "le")).toBe(le >= 0);
        if (le >= 0) {
          expect(same(c.key(), ikey(le, 4))).toBe(true);
          expect(same(c.value(), bytes(10, le))).toBe(true);
        }
        expect(c.seek(k, "eq")).toBe(i >= 0 && i % 2 === 0 && i < 2000);
      }
      expect(c.seek(ikey(1000, 4), "eq")).toBe(true);
      expect(c.prev()).toBe(true);
      expect(same(c.key(), ikey(998, 4))).toBe(true);
      expect(c.next()).toBe(true);
      expect(c.next()).toBe(true);
      expect(same(c.key(), ikey(1002, 4))).toBe(true);
      expect(c.last()).toBe(true);
      expect(same(c.key(), ikey(1998, 4))).toBe(true);
      expect(c.next()).toBe(false);
      expect(c.valid).toBe(false);
      expect(c.first()).toBe(true);
      expect(c.prev()).toBe(false);
      expect(c.first()).toBe(true);
      c.close();
      expect(dbErrorOf(() => c.first()).code).toBe("DB_MISUSE");
    });
    expect(pager.pinned()).toBe(0);
  });

  it("deletes under the cursor and lands on the next entry", () => {
    const pager = new FakePager(512);
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 3000; i++) tree.put(ikey(i, 4), bytes(i % 3 === 0 ? 300 : 12, i));
    });
    write(pager, () => {
      const c = tree.cursor();
      // Delete every key not divisible by 5 in one forward pass.
      let ok = c.first();
      let i = 0;
      while (ok) {
        expect(same(c.key(), ikey(i, 4))).toBe(true);
        if (i % 5 !== 0) {
          c.delete();
          ok = c.valid;
        } else {
          ok = c.next();
        }
        i++;
      }
      expect(i).toBe(3000);
      expect(dbErrorOf(() => c.delete()).code).toBe("DB_MISUSE");
    });
    read(pager, () => {
      expect(tree.count()).toBe(600);
      expect(tree.checkIntegrity()).toEqual([]);
    });
    write(pager, () => {
      const c = tree.cursor();
      while (c.first()) c.delete();
    });
    read(pager, () => expect(tree.count()).toBe(0));
    expect(pager.pageCount() - pager.freelistCount()).toBe(2);
  });

  it("cursor delete needs a write transaction", () => {
    const pager = new FakePager(512);
    const tree = newTree(pager);
    write(pager, () => tree.put(b("a"), b("1")));
    read(pager, () => {
      const c = tree.cursor();
      expect(c.first()).toBe(true);
      expect(s(c.value())).toBe("1");
      expect(dbErrorOf(() => c.delete()).code).toBe("DB_MISUSE");
      c.close();
    });
  });

  it("pins only its current leaf, released at the end and on close", () => {
    const pager = new FakePager(512);
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 500; i++) tree.put(ikey(i, 4), bytes(20, i));
    });
    read(pager, () => {
      const c = tree.cursor();
      expect(c.seek(ikey(100, 4), "eq")).toBe(true);
      expect(pager.pinned()).toBe(1);
      let n = 0;
      while (c.next()) n++;
      expect(n).toBe(399);
      expect(pager.pinned()).toBe(0);
      expect(c.last()).toBe(true);
      expect(pager.pinned()).toBe(1);
      c.close();
      c.close();
      expect(pager.pinned()).toBe(0);
    });
  });

  it("re-seeks correctly after the tree was changed through another path", () => {
    const pager = new FakePager(512);
    const tree = newTree(pager);
    write(pager, () => {
      for (let i = 0; i < 1000; i++) tree.put(ikey(i, 4), bytes(20, i));
    });
    write(pager, () => {
      const c = tree.cursor();
      expect(c.seek(ikey(500, 4), "eq")).toBe(true);
      // Empty most of the tree (freeing the leaf the cursor pins) and grow it again.
      for (let i = 0; i < 1000; i++) if (i !== 700) tree.delete(ikey(i, 4));
      for (let i = 2000; i < 2600; i++) tree.put(ikey(i, 4), bytes(20, i));
      expect(c.seek(ikey(500, 4), "ge")).toBe(true);
      expect(same(c.key(), ikey(700, 4))).toBe(true);
      expect(c.next()).toBe(true);
      expect(same(c.key(), ikey(2000, 4))).toBe(true);
      c.close();
      expect(pager.pinned()).toBe(0);
      expect(tree.checkIntegrity()).toEqual([]);
    });
  });
});
