/**
 * One store's run of the comparison benchmark (spawned by run.mjs, one process per store so
 * that resident memory is its own). Prints `RESULT {json}`.
 *
 * Shapes (N keys: 8-byte big-endian integers 0..N-1, 120-byte values):
 *  - bulk put: all N keys in ascending order in one transaction (durable commit included);
 *  - bulk load (@db/btree only): the same through the sorted bulk-load path;
 *  - random put (smaller count, into the loaded store, one transaction);
 *  - random point gets (uniform over the N keys), best of 3 rounds;
 *  - 100-key range scans from random start keys, best of 3 rounds;
 *  - durable single puts: new keys, each its own transaction, fsynced before returning;
 *  - resident memory (RSS) after the load; database size on disk.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KvStore, pageChecksum } from "../src/index.js";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const store = args.get("store") ?? "btree";
const N = Number(args.get("n") ?? 1_000_000);
const GETS = Number(args.get("gets") ?? 500_000);
const SCANS = Number(args.get("scans") ?? 20_000);
const DURABLE = Number(args.get("durable") ?? 1_000);
const RANDOM_PUTS = Number(args.get("random-puts") ?? 100_000);
const CACHE = Number(args.get("cache") ?? -262_144); // @db/btree page cache: 256 MiB
const VLEN = 120;

/** The 8-byte big-endian key of integer i (< 2^32): created per operation, for every store alike. */
function key(i: number): Uint8Array {
  const k = new Uint8Array(8);
  k[4] = i >>> 24;
  k[5] = i >>> 16;
  k[6] = i >>> 8;
  k[7] = i;
  return k;
}

function value(i: number): Uint8Array {
  const v = new Uint8Array(VLEN);
  let x = (i * 2654435761) >>> 0 || 1;
  for (let j = 0; j < VLEN; j++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    v[j] = x & 0xff;
  }
  return v;
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function dirSize(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    total += f.isDirectory() ? dirSize(p) : statSync(p).size;
  }
  return total;
}

const r = rng(42);
// Key numbers only (4 bytes each), so that the harness itself holds little memory; keys are
// made per operation inside the timed loops, the same for every store.
const getIds = Uint32Array.from({ length: GETS }, () => r() % N);
const scanIds = Uint32Array.from({ length: SCANS }, () => r() % N);
const randomPutIds = Uint32Array.from({ length: RANDOM_PUTS }, () => N + (r() % (N * 4)));
const values = Array.from({ length: 1024 }, (_, i) => value(i));
const val = (i: number) => values[i & 1023];

const result: Record<string, number | string | null> = { store };
const time = async (fn: () => unknown): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};
/** Best of `rounds` runs of `fn` (ms). */
const best = async (rounds: number, fn: () => unknown): Promise<number> => {
  let min = Infinity;
  for (let i = 0; i < rounds; i++) min = Math.min(min, await time(fn));
  return min;
};
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
/** Collects garbage and lets freed ArrayBuffers' memory be returned (it is released after a delay). */
const gc = async () => {
  const f = (globalThis as { gc?: () => void }).gc;
  f?.();
  await new Promise((r) => setTimeout(r, 300));
  f?.();
};

const dir = mkdtempSync(join(tmpdir(), `db-bench-${store}-`));
try {
  if (store === "btree") await runBtree();
  else if (store === "lmdb") await runLmdb();
  else if (store === "level") await runLevel();
  else if (store === "sorted-btree") await runSorted();
  else if (store === "checksum") runChecksum();
  else throw new Error(`unknown store ${store}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`RESULT ${JSON.stringify(result)}`);

async function runBtree(): Promise<void> {
  const path = join(dir, "kv.db");
  const s = KvStore.open(path, { cacheSize: CACHE });
  result.bulkPut = rate(N, await time(() => s.write((tx) => {
    for (let i = 0; i < N; i++) tx.put(key(i), val(i));
  })));
  await gc();
  result.rssAfterLoad = process.memoryUsage().rss;
  result.cacheBudget = s.stats().cacheSizePages * s.stats().pageSize;
  result.gets = rate(GETS, await best(3, () => {
    for (let j = 0; j < GETS; j++) if (s.get(key(getIds[j])) === null) throw new Error("missing");
  }));
  result.scans = rate(SCANS, await best(3, () => {
    for (let j = 0; j < SCANS; j++) {
      const k = key(scanIds[j]);
      let n = 0;
      for (const [, v] of s.range({ gte: k, limit: 100 })) n += v.length > 0 ? 1 : 0;
      if (n === 0) throw new Error("empty scan");
    }
  }));
  result.randomPut = rate(RANDOM_PUTS, await time(() => s.write((tx) => {
    for (let i = 0; i < RANDOM_PUTS; i++) tx.put(key(randomPutIds[i]), val(i));
  })));
  result.durablePut = rate(DURABLE, await time(() => {
    for (let i = 0; i < DURABLE; i++) s.put(key(N * 10 + i), val(i));
  }));
  result.rssEnd = process.memoryUsage().rss;
  s.close();
  result.diskBytes = dirSize(dir);
  // The bulk-load path, in its own file (last, so that it does not count in the RSS figures).
  {
    const s = KvStore.open(join(dir, "load.db"), { cacheSize: CACHE });
    const ms = await time(() =>
      s.load((function* () {
        for (let i = 0; i < N; i++) yield [key(i), val(i)] as const;
      })()),
    );
    result.bulkLoad = rate(N, ms);
    s.close();
    rmSync(join(dir, "load.db"));
  }
  await gc();
  // Cold reads: a 1,000-page cache, so nearly every get reads and verifies a leaf from the file.
  const cold = KvStore.open(path, { cacheSize: 1000 });
  const coldKeys = [...getIds.subarray(0, 100_000)].map(key);
  result.coldGets = rate(coldKeys.length, await best(2, () => {
    for (const k of coldKeys) cold.get(k);
  }));
  cold.close();
}

async function runLmdb(): Promise<void> {
  const { open } = await import("lmdb");
  const db = open({ path: join(dir, "lmdb"), keyEncoding: "binary", encoding: "binary", compression: false });
  result.bulkPut = rate(N, await time(() => db.transactionSync(() => {
    for (let i = 0; i < N; i++) db.put(key(i), val(i));
  })));
  await gc();
  result.rssAfterLoad = process.memoryUsage().rss;
  result.gets = rate(GETS, await best(3, () => {
    for (let j = 0; j < GETS; j++) if (db.getBinary(key(getIds[j])) === undefined) throw new Error("missing");
  }));
  result.scans = rate(SCANS, await best(3, () => {
    for (let j = 0; j < SCANS; j++) {
      const k = key(scanIds[j]);
      let n = 0;
      for (const { value: v } of db.getRange({ start: k, limit: 100 })) n += (v as Uint8Array).length > 0 ? 1 : 0;
      if (n === 0) throw new Error("empty scan");
    }
  }));
  result.randomPut = rate(RANDOM_PUTS, await time(() => db.transactionSync(() => {
    for (let i = 0; i < RANDOM_PUTS; i++) db.put(key(randomPutIds[i]), val(i));
  })));
  result.durablePut = rate(DURABLE, await time(() => {
    for (let i = 0; i < DURABLE; i++) db.putSync(key(N * 10 + i), val(i));
  }));
  result.rssEnd = process.memoryUsage().rss;
  await db.close();
  result.diskBytes = dirSize(dir);
}

async function runLevel(): Promise<void> {
  const { ClassicLevel } = await import("classic-level");
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "level"), { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  result.bulkPut = rate(N, await time(async () => {
    const batch = db.batch();
    for (let i = 0; i < N; i++) batch.put(key(i), val(i));
    await batch.write({ sync: true });
  }));
  await gc();
  result.rssAfterLoad = process.memoryUsage().rss;
  const gets = [...getIds.subarray(0, Math.min(GETS, 200_000))].map(key);
  result.gets = rate(gets.length, await best(3, async () => {
    for (const k of gets) if ((await db.get(k)) === undefined) throw new Error("missing");
  }));
  const scans = [...scanIds.subarray(0, Math.min(SCANS, 5_000))].map(key);
  result.scans = rate(scans.length, await best(3, async () => {
    for (const k of scans) {
      const entries = await db.iterator({ gte: k, limit: 100 }).all();
      if (entries.length === 0) throw new Error("empty scan");
    }
  }));
  result.randomPut = rate(RANDOM_PUTS, await time(async () => {
    const batch = db.batch();
    for (let i = 0; i < RANDOM_PUTS; i++) batch.put(key(randomPutIds[i]), val(i));
    await batch.write({ sync: true });
  }));
  result.durablePut = rate(DURABLE, await time(async () => {
    for (let i = 0; i < DURABLE; i++) await db.put(key(N * 10 + i), val(i), { sync: true });
  }));
  result.rssEnd = process.memoryUsage().rss;
  await db.close();
  result.diskBytes = dirSize(dir);
}

async function runSorted(): Promise<void> {
  const mod = (await import("sorted-btree")) as unknown as { default: { default?: unknown } };
  const BTree = (mod.default.default ?? mod.default) as typeof import("sorted-btree").default;
  const cmp = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);
  const t = new BTree<Uint8Array, Uint8Array>(undefined, cmp);
  result.bulkPut = rate(N, await time(() => {
    for (let i = 0; i < N; i++) t.set(key(i), val(i).slice());
  }));
  await gc();
  result.rssAfterLoad = process.memoryUsage().rss;
  result.gets = rate(GETS, await best(3, () => {
    for (let j = 0; j < GETS; j++) if (t.get(key(getIds[j])) === undefined) throw new Error("missing");
  }));
  result.scans = rate(SCANS, await best(3, () => {
    for (let j = 0; j < SCANS; j++) {
      const k = key(scanIds[j]);
      let n = 0;
      const it = t.entries(k);
      for (let e = it.next(); !e.done && n < 100; e = it.next()) n += e.value[1].length > 0 ? 1 : 0;
      if (n === 0) throw new Error("empty scan");
    }
  }));
  result.randomPut = rate(RANDOM_PUTS, await time(() => {
    for (let i = 0; i < RANDOM_PUTS; i++) t.set(key(randomPutIds[i]), val(i).slice());
  }));
  result.durablePut = null; // in memory only
  result.rssEnd = process.memoryUsage().rss;
  result.diskBytes = null;
}

function runChecksum(): void {
  // The page checksum verified on every read from the file (FORMAT.md): cost per 4 KiB page.
  const page = value(1);
  const buf = new Uint8Array(4096);
  for (let i = 0; i < 4096; i += VLEN) buf.set(page.subarray(0, Math.min(VLEN, 4096 - i)), i);
  let x = 0;
  const n = 200_000;
  const ms = Math.min(
    ...[0, 1, 2].map(() => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) x ^= pageChecksum(buf, i)[0];
      return performance.now() - t0;
    }),
  );
  result.checksumNsPerPage = Math.round((ms * 1e6) / n);
  result.checksumMBps = Math.round((4088 * n) / (ms / 1000) / 1e6);
  if (x === 0.5) console.log(x);
}
