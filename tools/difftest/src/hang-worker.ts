/**
 * A child process that runs repro candidates on @db only, for minimizing hangs: one JSON job per
 * stdin line ({ id, history, check }), one answer per stdout line ({ id, ms }). The parent kills
 * it when a job runs too long.
 */
import { createInterface } from "node:readline";
import { renderSetup, type SetupItem } from "./ast.js";
import { checkSql } from "./checks.js";
import { ourFactory } from "./engines.js";
import type { Check } from "./gen.js";

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const job = JSON.parse(line) as { id: number; history: SetupItem[]; check: Check };
  const e = ourFactory.create();
  for (const it of job.history) e.exec(renderSetup(it));
  process.stdout.write(JSON.stringify({ id: job.id, built: true }) + "\n");
  const t0 = Date.now();
  for (const sql of checkSql(job.check)) e.exec(sql);
  const ms = Date.now() - t0;
  e.close();
  process.stdout.write(JSON.stringify({ id: job.id, ms }) + "\n");
});
