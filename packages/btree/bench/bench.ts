/**
 * Insert/get/scan/delete throughput for N 8-byte keys with 32-byte values, over the real
 * pager on a MemoryVfs (or the test FakePager with --fake, to separate b-tree from pager cost).
 * tsx wraps module bindings in getters, which distorts timings; bundle first:
 *   esbuild packages/btree/bench/bench.ts --bundle --platform=node --format=esm \
 *     --conditions=@db/source --outfile=/tmp/bench.mjs && node /tmp/bench.mjs [N] [--fake]
 */
import { BTree, MemoryVfs, Pager, Wal } from "../src/index.js";
import { FakePager } from "../test/fake-pager.js";

const N = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100_000);
const useFake = process.argv.includes("--fake");

function openPager(): Pager {
  if (!useFake) return Pager.open(Wal.open(new MemoryVfs(), "b.db", { create: true }), { cacheSizePages: 100_000 });
  const fake = new FakePager(4096);
  fake.strict = false;
  return fake.asPager();
}

function key(i: number): Uint8Array {
  const k = new Uint8Array(8);
  new DataView(k.buffer).setUint32(4, i);
  return k;
}

function rate(label: string, n: number, ms: number): void {
  console.log(`${label.padEnd(34)} ${(n / (ms / 1000)).toFixed(0).padStart(10)} ops/s  (${ms.toFixed(0)} ms)`);
}

function run(label: string, order: number[]): void {
  const pager = openPager();
  pager.beginWrite();
  const tree = new BTree(pager, BTree.create(pager));
  pager.commit();
  const keys = order.map(key);
  const value = new Uint8Array(32).fill(7);
  let t0 = performance.now();
  pager.beginWrite();
  for (const k of keys) tree.put(k, value);
  pager.commit();
  rate(`insert ${label} (1 txn)`, N, performance.now() - t0);
  t0 = performance.now();
  pager.beginRead();
  let found = 0;
  for (const k of keys) if (tree.get(k) !== null) found++;
  pager.endRead();
  rate(`get ${label}`, N, performance.now() - t0);
  if (found !== N) throw new Error("missing keys");
  t0 = performance.now();
  pager.beginRead();
  const c = tree.cursor();
  let n = 0;
  for (let ok = c.first(); ok; ok = c.next()) {
    c.key();
    c.value();
    n++;
  }
  pager.endRead();
  rate(`scan ${label} (key+value)`, n, performance.now() - t0);
  t0 = performance.now();
  pager.beginWrite();
  for (const k of keys) tree.delete(k);
  pager.commit();
  rate(`delete ${label}`, N, performance.now() - t0);
}

const seq = Array.from({ length: N }, (_, i) => i);
const rnd = [...seq];
let x = 12345;
for (let i = rnd.length - 1; i > 0; i--) {
  x = (x * 1103515245 + 12345) >>> 0;
  const j = x % (i + 1);
  [rnd[i], rnd[j]] = [rnd[j], rnd[i]];
}
for (let rep = 0; rep < 2; rep++) {
  console.log(`-- round ${rep + 1}, N=${N}, ${useFake ? "fake" : "real"} pager`);
  run("sequential", seq);
  run("random", rnd);
}
