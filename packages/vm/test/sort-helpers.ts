/**
 * Test doubles for the sorter: an in-memory TempStore that records which files are open, can fail
 * writes, and a seeded generator of rows of every value type.
 */
import { DbError } from "@db/btree";
import type { TempFile, TempStore } from "../src/tempstore.js";
import { Real, type SqlValue } from "../src/value.js";

export class MemTempStore implements TempStore {
  readonly files = new Map<number, { data: Uint8Array; size: number }>();
  created = 0;
  bytesWritten = 0;
  /** Fail the write after this many successful writes (null: never). */
  failAfterWrites: number | null = null;
  private writes = 0;

  create(): TempFile {
    const id = ++this.created;
    const node = { data: new Uint8Array(1024), size: 0 };
    this.files.set(id, node);
    const open = () => {
      if (!this.files.has(id)) throw new DbError("DB_MISUSE", "temp file closed");
      return node;
    };
    return {
      write: (data, offset) => {
        const n = open();
        if (this.failAfterWrites !== null && this.writes++ >= this.failAfterWrites) {
          throw new DbError("DB_IOERR", "disk I/O error: write (injected)", { subcode: "DB_IOERR_WRITE" });
        }
        const end = offset + data.length;
        if (end > n.data.length) {
          const bigger = new Uint8Array(Math.max(end, n.data.length * 2));
          bigger.set(n.data.subarray(0, n.size));
          n.data = bigger;
        }
        n.data.set(data, offset);
        n.size = Math.max(n.size, end);
        this.bytesWritten += data.length;
      },
      read: (buf, offset) => {
        const n = open();
        if (offset >= n.size) return 0;
        const k = Math.min(buf.length, n.size - offset);
        buf.set(n.data.subarray(offset, offset + k));
        return k;
      },
      close: () => {
        this.files.delete(id);
      },
    };
  }

  get openCount(): number {
    return this.files.size;
  }
}

/** mulberry32: a small seeded PRNG, so a failing seed can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ["a", "A", "b", "B", "abc", "ABC", "abc ", "abc  ", "Abc", "x", "X ", "zz", "", " ", "é", "É", "ß"];

/** A random value of any type, with many duplicates and near-duplicates (case, trailing spaces). */
export function randomValue(rand: () => number): SqlValue {
  const r = rand();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  if (r < 0.12) return null;
  if (r < 0.3) return Math.floor(rand() * 50) - 25;
  if (r < 0.36) return pick([9007199254740993n, -9223372036854775808n, 9223372036854775807n, 12345678901234567n]);
  if (r < 0.44) return pick([0.5, -1.25, 3.14159, 1e-300, -Infinity, Infinity, 24.999999999999996]);
  if (r < 0.5) return new Real(pick([0, -0, 2, -3, 1e300]));
  if (r < 0.75) return pick(WORDS);
  if (r < 0.8) return pick(WORDS) + "-".repeat(Math.floor(rand() * 3)) + String(Math.floor(rand() * 10));
  if (r < 0.81) return "L".repeat(2000 + Math.floor(rand() * 3000)) + pick(WORDS);
  const n = Math.floor(rand() * (rand() < 0.1 ? 5000 : 6));
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 4);
  return b;
}
