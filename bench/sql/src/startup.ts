/**
 * h. Process start to first query result on an existing file: a fresh `node` runs this (bundled)
 * script, which imports the engine, opens the file and fetches one row by primary key.
 * performance.now() counts from the process's time origin, so the figure includes node's own
 * start-up; the engine "node" (no import, no query) measures that baseline.
 * argv: engine, module path, directory. Prints one JSON line (StartupOutput).
 */
import type { EngineId, StartupOutput } from "./types.js";

const scriptStartMs = performance.now();
const engine = process.argv[2] as EngineId | "node";
let importMs = 0;
let openMs = 0;
let queryMs = 0;
let ok = true;
let firstResultMs = scriptStartMs;
let cpuAtFirst = process.cpuUsage();
if (engine !== "node") {
  const { importEngine, openConn } = await import("./engines.js");
  const t0 = performance.now();
  const lib = await importEngine(engine, process.argv[3]!);
  const t1 = performance.now();
  const conn = openConn(engine, lib, process.argv[4]!, true);
  const t2 = performance.now();
  const row = conn.prepare("SELECT id, name, score, payload FROM t WHERE id = ?").get(42) as { id: number } | undefined;
  const t3 = performance.now();
  importMs = t1 - t0;
  openMs = t2 - t1;
  queryMs = t3 - t2;
  firstResultMs = t3;
  cpuAtFirst = process.cpuUsage();
  ok = row?.id === 42;
  conn.close();
}
const cpuMs = (cpuAtFirst.user + cpuAtFirst.system) / 1000;
const result: StartupOutput = { engine, firstResultMs, importMs, openMs, queryMs, scriptStartMs, cpuMs, ok };
process.stdout.write(`${JSON.stringify(result)}\n`);
