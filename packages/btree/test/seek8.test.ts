/**
 * Seeks with 8-byte keys (the SQL layer's rowids) take a shortcut in the leaf search: cell 0,
 * then the cell where a dense key would be. Keys dense, sparse, clustered and spread over the
 * high word must all be found exactly as a binary search finds them, in every seek mode.
 */
import { describe, expect, it } from "vitest";
import { FakePager, newTree, read, same, write } from "./helpers.js";

/** 8-byte big-endian key of a non-negative integer below 2^53. */
function k8(n: number): Uint8Array {
  const out = new Uint8Array(8);
  let x = n;
  for (let i = 7; i >= 0; i--) {
    out[i] = x % 256;
    x = Math.floor(x / 256);
  }
  return out;
}

const SETS: Record<string, number[]> = {
  dense: Array.from({ length: 3000 }, (_, i) => i + 1),
  sparse: Array.from({ length: 3000 }, (_, i) => i * 7 + 3),
  clustered: Array.from({ length: 3000 }, (_, i) => (i % 100) + Math.floor(i / 100) * 1000),
  "high word": Array.from({ length: 2000 }, (_, i) => i * 4294967296 + (i % 5)),
  "dense with holes": Array.from({ length: 3000 }, (_, i) => i + 1).filter((i) => i % 11 !== 0 && i % 13 !== 0),
};

describe("seek with 8-byte keys", () => {
  for (const [name, keys] of Object.entries(SETS)) {
    it(`finds every key and the neighbours of every gap: ${name}`, () => {
      const pager = new FakePager(512);
      const tree = newTree(pager);
      write(pager, () => {
        for (const k of keys) tree.put(k8(k), new Uint8Array([k % 251]));
      });
      const sorted = [...keys].sort((a, b) => a - b);
      const probes = new Set<number>();
      for (const k of sorted) for (const d of [-1, 0, 1]) if (k + d >= 0) probes.add(k + d);
      probes.add(sorted[sorted.length - 1]! + 1000);
      read(pager, () => {
        const c = tree.cursor();
        for (const p of probes) {
          // expected: first key >= p, last key <= p
          let lo = 0;
          let hi = sorted.length;
          while (lo < hi) {
            const m = (lo + hi) >>> 1;
            if (sorted[m]! < p) lo = m + 1;
            else hi = m;
          }
          const has = sorted[lo] === p;
          expect(c.seek(k8(p), "eq"), `eq ${p}`).toBe(has);
          if (has) expect(same(c.key(), k8(p))).toBe(true);
          const ge = c.seek(k8(p), "ge");
          expect(ge, `ge ${p}`).toBe(lo < sorted.length);
          if (ge) expect(same(c.key(), k8(sorted[lo]!)), `ge ${p}`).toBe(true);
          const le = c.seek(k8(p), "le");
          const li = has ? lo : lo - 1;
          expect(le, `le ${p}`).toBe(li >= 0);
          if (le) expect(same(c.key(), k8(sorted[li]!)), `le ${p}`).toBe(true);
        }
        c.close();
      });
    });
  }
});
