import { describe, expect, it } from "vitest";
import { PageTable } from "../src/page-table.js";

describe("PageTable", () => {
  it("behaves as a Map from page number, across chunks, including the largest page numbers", () => {
    const t = new PageTable<string>();
    const model = new Map<number, string>();
    let x = 99;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    const pgnos = [1, 2, 4095, 4096, 4097, 8191, 0xffffffff, 0xfffff000];
    for (let i = 0; i < 3000; i++) pgnos.push(1 + (next() % 20000));
    for (let round = 0; round < 3; round++) {
      for (const p of pgnos) {
        if (next() % 3 === 0) {
          t.delete(p);
          model.delete(p);
        } else if (!model.has(p)) {
          t.set(p, `v${p}`);
          model.set(p, `v${p}`);
        }
      }
      expect(t.size).toBe(model.size);
      for (const p of pgnos) expect(t.get(p)).toBe(model.get(p));
      expect(t.values()).toEqual([...model.keys()].sort((a, b) => a - b).map((p) => `v${p}`));
    }
    for (const p of [...model.keys()]) t.delete(p);
    expect(t.size).toBe(0);
    expect(t.values()).toEqual([]);
    expect(t.get(4096)).toBe(undefined);
    t.set(5, "five");
    t.clear();
    expect([t.size, t.get(5)]).toEqual([0, undefined]);
  });
});
