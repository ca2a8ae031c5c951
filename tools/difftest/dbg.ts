import { loadSqlite, ourFactory } from "./src/engines.js";
import { runCase } from "./src/run.js";
const theirs = await loadSqlite();
const [seed, k] = process.argv.slice(2).map(Number);
runCase(ourFactory, theirs, k!, { seed: seed!, checks: 40, minimize: false, minimizeMs: 0, strictReal: false, disable: (process.argv[4] ?? "").split(",").filter(Boolean) }, {
  onCheck: (ck, j, sql) => console.log(`[${new Date().toISOString().slice(11, 19)}] check ${j}: ${sql.slice(0, 3000)}`),
});
