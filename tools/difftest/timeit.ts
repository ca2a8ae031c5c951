import { readFileSync } from "node:fs";
import { loadSqlite, ourFactory } from "./src/engines.js";
const lines = readFileSync(process.argv[2]!, "utf8").split("\n").filter((l) => l.trim());
const which = process.argv[3] ?? "both";
const f = which === "ours" ? ourFactory : await loadSqlite();
const e = f.create();
for (const l of lines) {
  const t0 = Date.now();
  const r = e.exec(l.replace(/;$/, ""));
  const ms = Date.now() - t0;
  if (ms > 100 || l.startsWith("SELECT count")) console.log(ms, "ms", l.slice(0, 100), r.ok ? JSON.stringify(r.rows, (k, v) => typeof v === "bigint" ? String(v) : v) : r.error);
}
console.log("done");
