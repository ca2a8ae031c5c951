/**
 * The CI slice of SQLite's sqllogictest corpus (issue 5): select1–select5, all of evidence/, and a
 * few index and random files, run through the real runner (each file in its own process).
 * Skipped with a message when ../shared/sqllogictest is absent. The whole corpus: `pnpm test:slt`.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const corpus = resolve(root, "../shared/sqllogictest/test");
const present = existsSync(corpus);
if (!present) console.warn(`skipping the sqllogictest slice: ${corpus} not found`);

const SLICE = [
  "select1.test",
  "select2.test",
  "select3.test",
  "select4.test",
  "select5.test",
  "evidence",
  "index/between/10",
  "index/in/10",
  "index/delete/100",
  "index/view/10",
  "random/expr/slt_good_5.test",
  "random/aggregates/slt_good_1.test",
  "random/groupby/slt_good_0.test",
  "random/select/slt_good_100.test",
].map((p) => resolve(corpus, p));

describe.skipIf(!present)("sqllogictest CI slice", () => {
  it("passes every record", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "--conditions=@db/source", resolve(root, "tools/slt/src/main.ts"), ...SLICE.filter(existsSync), "--timeout", "300", "--quiet"], {
      cwd: root,
      encoding: "utf8",
      timeout: 900_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    const m = /(\d+) passed, (\d+) failed/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![2]), out).toBe(0);
    expect(Number(m![1])).toBeGreaterThan(40_000);
    expect(r.status, out).toBe(0);
  }, 900_000);
});
