#!/usr/bin/env node
/**
 * `pnpm bench [compare|interleaved|cache|btree] [--n=1000000] [--only=btree,lmdb] [--repeat=1] [...]`
 * `pnpm bench sql [--n 1000000 --runs 3 ...]`: the SQL benchmark against better-sqlite3 and
 *   sql.js (issues 4 and 6; the same as `pnpm bench:sql`, see bench/sql/README.md).
 *
 * Bundles the TypeScript benchmark with esbuild (tsx adds a getter per module binding, which
 * distorts timings) into node_modules/.cache/db-bench, then runs it:
 *  - compare (default): @db/btree vs lmdb, classic-level and sorted-btree, each store in its own
 *    process (so resident memory is its own), and prints one table with the ratio to lmdb.
 *    `--repeat=K` runs the stores K times round-robin and keeps each store's best rates (and
 *    lowest memory), which evens out a machine whose load changes during the run;
 *  - interleaved: @db/btree and lmdb gets and scans in one process, alternating rounds (the
 *    fair read ratio on a machine whose load varies);
 *  - cache: page cache replacement policies (LRU, CLOCK, 2Q) on b-tree workloads;
 *  - btree: b-tree insert/get/scan/delete rates over the in-memory VFS.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const outdir = join(root, "node_modules", ".cache", "db-bench");
mkdirSync(outdir, { recursive: true });

const argv = process.argv.slice(2).filter((a) => a !== "--");
const mode = argv[0] && !argv[0].startsWith("--") ? argv.shift() : "compare";
if (mode === "sql") {
  const main = join(root, "bench", "sql", "src", "main.ts");
  const r = spawnSync(process.execPath, ["--import", "tsx", main, ...argv], { stdio: "inherit", cwd: root });
  process.exit(r.status ?? 1);
}
const entries = { compare: "kv-compare.ts", interleaved: "interleaved.ts", cache: "cache.ts", btree: "bench.ts" };
if (!(mode in entries)) {
  console.error(`unknown benchmark "${mode}"; one of: ${[...Object.keys(entries), "sql"].join(", ")}`);
  process.exit(2);
}

const outfile = join(outdir, `${mode}.mjs`);
await build({
  entryPoints: [join(here, entries[mode])],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  conditions: ["@db/source"],
  external: ["lmdb", "classic-level", "sorted-btree"],
  outfile,
  logLevel: "warning",
});

if (mode !== "compare") {
  const r = spawnSync(process.execPath, ["--expose-gc", outfile, ...argv], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const only = argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const repeat = Math.max(1, Number(argv.find((a) => a.startsWith("--repeat="))?.slice(9) ?? 1));
const passed = argv.filter((a) => !a.startsWith("--only=") && !a.startsWith("--repeat="));
const stores = ["btree", "lmdb", "level", "sorted-btree"].filter((s) => !only || only.includes(s));
const names = { btree: "@db/btree", lmdb: "lmdb", level: "classic-level", "sorted-btree": "sorted-btree (memory)" };
const n = Number(passed.find((a) => a.startsWith("--n="))?.slice(4) ?? 1_000_000);

console.log(`# @db/btree vs lmdb, classic-level, sorted-btree: N = ${n.toLocaleString("en-US")} keys (8-byte big-endian ints), 120-byte values`);
const load0 = loadavg()[0];
console.log(`# ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? "?"} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, best of ${repeat} round-robin pass(es)`);

const lowerIsBetter = new Set(["rssAfterLoad", "rssEnd", "diskBytes", "checksumNsPerPage"]);
const results = {};
for (let pass = 0; pass < repeat; pass++) {
  for (const s of [...stores, "checksum"]) {
    process.stderr.write(`pass ${pass + 1}/${repeat}: ${s}...\n`);
    const r = spawnSync(process.execPath, ["--expose-gc", outfile, `--store=${s}`, ...passed], { encoding: "utf8", maxBuffer: 1 << 26 });
    const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (r.status !== 0 || !line) {
      console.error(`${s} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
      continue;
    }
    const got = JSON.parse(line.slice(7));
    const prev = results[s];
    if (!prev) results[s] = got;
    else {
      for (const [k, v] of Object.entries(got)) {
        if (typeof v !== "number" || typeof prev[k] !== "number") continue;
        prev[k] = lowerIsBetter.has(k) ? Math.min(prev[k], v) : Math.max(prev[k], v);
      }
    }
  }
}
console.log(`# load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end (2 cores: above 2, other work shares the CPUs)`);

const fmtRate = (v) => (v == null ? "—" : v >= 1e6 ? `${(v / 1e6).toFixed(2)} M/s` : `${(v / 1e3).toFixed(1)} k/s`);
const fmtMB = (v) => (v == null ? "—" : `${Math.round(v / 2 ** 20)} MB`);
const rows = [
  ["bulk put, 1 txn (ascending)", "bulkPut", fmtRate],
  ["bulk load (sorted path)", "bulkLoad", fmtRate],
  ["random put, 1 txn", "randomPut", fmtRate],
  ["random point gets", "gets", fmtRate],
  ["100-key range scans", "scans", fmtRate],
  ["durable single puts", "durablePut", fmtRate],
  ["RSS after load", "rssAfterLoad", fmtMB],
  ["size on disk", "diskBytes", fmtMB],
];
const shown = stores.filter((s) => results[s]);
const header = ["", ...shown.map((s) => names[s])];
const table = [header];
for (const [label, field, fmt] of rows) {
  if (shown.every((s) => results[s][field] === undefined)) continue;
  const base = results.lmdb?.[field];
  table.push([
    label,
    ...shown.map((s) => {
      const v = results[s][field];
      if (v === undefined) return "";
      const ratio = base && v != null && s !== "lmdb" ? ` (${(v / base).toFixed(2)}x)` : "";
      return fmt(v) + ratio;
    }),
  ]);
}
const widths = header.map((_, j) => Math.max(...table.map((r) => r[j].length)));
const line = (r) => `| ${r.map((c, j) => c.padEnd(widths[j])).join(" | ")} |`;
console.log(line(table[0]));
console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
for (const r of table.slice(1)) console.log(line(r));
const b = results.btree;
if (b) {
  console.log(`\n@db/btree page cache budget ${fmtMB(b.cacheBudget)}; RSS at the end ${fmtMB(b.rssEnd)}; cold gets (1,000-page cache, reads from the file) ${fmtRate(b.coldGets)}.`);
}
const c = results.checksum;
if (c) {
  const perGet = b?.coldGets ? ` (~${((c.checksumNsPerPage / (1e9 / b.coldGets)) * 100).toFixed(0)}% of a cold get)` : "";
  console.log(`Page checksum: ${(c.checksumNsPerPage / 1000).toFixed(2)} µs per 4 KiB page (${c.checksumMBps} MB/s), paid on every page read from the file or WAL${perGet}.`);
}
console.log("Ratios are to lmdb (higher is better for rates). classic-level gets/scans run on fewer operations (async API).");
