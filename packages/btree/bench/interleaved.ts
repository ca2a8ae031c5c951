/**
 * Random point gets and 100-key range scans of @db/btree and lmdb measured in one process,
 * alternating rounds, so that both see the same machine load (`pnpm bench interleaved [--n=N]`).
 * The separate-process comparison (`pnpm bench`) is needed for memory figures, but on a shared
 * machine whose load changes, alternating rounds give the fairer read ratio.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "lmdb";
import { KvStore } from "../src/index.js";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const N = Number(args.get("n") ?? 1_000_000);
const ROUNDS = Number(args.get("rounds") ?? 5);
const GETS = 300_000;
const SCANS = 5_000;

function key(i: number): Uint8Array {
  const k = new Uint8Array(8);
  k[4] = i >>> 24;
  k[5] = i >>> 16;
  k[6] = i >>> 8;
  k[7] = i;
  return k;
}
const v = new Uint8Array(120).fill(3);
const dir = mkdtempSync(join(tmpdir(), "db-bench-ab-"));
try {
  const s = KvStore.open(join(dir, "k.db"), { cacheSize: -262_144 });
  s.load((function* () {
    for (let i = 0; i < N; i++) yield [key(i), v] as const;
  })());
  const db = open({ path: join(dir, "lmdb"), keyEncoding: "binary", encoding: "binary", compression: false });
  db.transactionSync(() => {
    for (let i = 0; i < N; i++) db.put(key(i), v);
  });
  const ids = new Uint32Array(GETS);
  let x = 1;
  for (let i = 0; i < ids.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    ids[i] = x % N;
  }
  const res: Record<string, number[]> = { "btree gets": [], "lmdb gets": [], "btree scans": [], "lmdb scans": [] };
  const timed = (name: string, n: number, fn: () => void) => {
    const t0 = performance.now();
    fn();
    res[name].push((n / (performance.now() - t0)) * 1000);
  };
  for (let r = 0; r < ROUNDS; r++) {
    timed("btree gets", GETS, () => {
      for (let j = 0; j < GETS; j++) s.get(key(ids[j]));
    });
    timed("lmdb gets", GETS, () => {
      for (let j = 0; j < GETS; j++) db.getBinary(key(ids[j]));
    });
    timed("btree scans", SCANS, () => {
      for (let j = 0; j < SCANS; j++) for (const e of s.range({ gte: key(ids[j]), limit: 100 })) if (e[1].length === 0) throw new Error();
    });
    timed("lmdb scans", SCANS, () => {
      for (let j = 0; j < SCANS; j++) {
        for (const e of db.getRange({ start: key(ids[j]), limit: 100 })) if ((e.value as Uint8Array).length === 0) throw new Error();
      }
    });
  }
  const fmt = (a: number[]) => a.map((r) => `${Math.round(r / 1000)}k`).join(" ");
  for (const [name, a] of Object.entries(res)) console.log(`${name.padEnd(12)} per round/s: ${fmt(a)}`);
  const ratio = (a: number[], b: number[]) => a.map((r, i) => (r / b[i]).toFixed(2)).join(" ");
  console.log(`gets  btree/lmdb per round: ${ratio(res["btree gets"], res["lmdb gets"])}`);
  console.log(`scans btree/lmdb per round: ${ratio(res["btree scans"], res["lmdb scans"])}`);
  s.close();
  await db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
