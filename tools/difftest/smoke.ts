import { loadSqlite, ourFactory } from "/work/main/tools/difftest/src/engines.ts";
import { runCase } from "/work/main/tools/difftest/src/run.ts";
const theirs = await loadSqlite();
const seed = Number(process.argv[2] ?? 1);
const n = Number(process.argv[3] ?? 5);
let P = 0, F = 0, A = 0;
const t0 = Date.now();
for (let k = 0; k < n; k++) {
  const r = runCase(ourFactory, theirs, k, { seed, checks: 40, minimize: process.argv[4] !== "nomin", minimizeMs: 20000, strictReal: false }, {
    onFailure: (f) => { console.log(`--- FAIL case ${f.caseIndex} check ${f.checkIndex} [${f.category}] attempts ${f.attempts}`); console.log(f.repro.join("\n")); },
  });
  P += r.passed; F += r.failed; A += r.approx;
  for (const ex of r.approxExamples) console.log("APPROX:", ex.join("\n"));
}
console.log(`${P} passed, ${F} failed, ${A} approx, ${(Date.now()-t0)/1000}s`);
