/** A worker process: runs the cases given in its config, reporting over stdout (protocol.ts). */
import { loadSqlite, ourFactory } from "./engines.js";
import type { Message, WorkerConfig } from "./protocol.js";
import { runCase } from "./run.js";

const cfg = JSON.parse(process.argv[2] ?? "{}") as WorkerConfig;
const send = (m: Message): void => {
  process.stdout.write(JSON.stringify(m) + "\n");
};

const theirs = await loadSqlite();
let lastMin = 0;
for (let k = cfg.start; cfg.end === null || k < cfg.end; k += cfg.step) {
  if (cfg.deadline !== null && Date.now() >= cfg.deadline) break;
  send({ t: "case-start", k });
  const r = runCase(ourFactory, theirs, k, cfg.run, {
    stop: () => cfg.deadline !== null && Date.now() >= cfg.deadline,
    onCheck: (ck, j) => send({ t: "check", k: ck, j }),
    onFailureStart: (ck, j, category, lines) => send({ t: "fail-start", k: ck, j, category, lines }),
    onMinimizeProgress: (ck, j) => {
      if (Date.now() - lastMin > 1000) {
        lastMin = Date.now();
        send({ t: "min", k: ck, j });
      }
    },
    onFailure: (f) => send({ t: "fail", f }),
  });
  send({ t: "case", k, passed: r.passed, failed: r.failed, approx: r.approx, skipped: r.skipped, approxExamples: r.approxExamples });
}
send({ t: "end" });
