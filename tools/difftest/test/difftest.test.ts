/**
 * The differential tester: the comparison rules, the minimizer against an engine with a planted
 * bug, and a fixed-seed run of @db against SQLite (about 10-15 s) that must find nothing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { renderQuery } from "../src/ast.js";
import { compareResults, orderedEqual, type CompareMode } from "../src/compare.js";
import { loadSqlite, ourFactory, type EngineFactory, type ExecResult, type Value } from "../src/engines.js";
import { genCase, hasAggregate, walkQuery } from "../src/gen.js";
import { caseSeed } from "../src/rng.js";
import { runCases, type RunOptions } from "../src/run.js";
import { totalOrder, validCheck } from "../src/validate.js";

let sqlite: EngineFactory;
beforeAll(async () => {
  sqlite = await loadSqlite();
});

const ok = (rows: Value[][]): ExecResult => ({ ok: true, rows, changes: 0 });
const MULTI: CompareMode = { order: "multiset", limited: false, reprAmbiguous: false };

describe("comparison", () => {
  it("compares rows as multisets, with types", () => {
    expect(compareResults(ok([[1n], [2n]]), ok([[2n], [1n]]), MULTI).same).toBe(true);
    expect(compareResults(ok([[1n]]), ok([[1]]), MULTI).same).toBe(false); // INTEGER 1 is not REAL 1.0
    expect(compareResults(ok([[1n]]), ok([[1]]), { ...MULTI, reprAmbiguous: true }).same).toBe(true); // a GROUP BY representative
    expect(compareResults(ok([["1"]]), ok([[1n]]), { ...MULTI, reprAmbiguous: true }).same).toBe(false);
    expect(compareResults({ ok: false, error: "x" }, { ok: false, error: "y" }, MULTI).same).toBe(true);
    expect(compareResults({ ok: false, error: "x" }, ok([]), MULTI)).toEqual({ same: false, category: "ours-error: x" });
  });

  it("classifies last-digit REAL differences apart", () => {
    const v = compareResults(ok([[0.30000000000000004]]), ok([[0.3]]), MULTI);
    expect(v).toEqual({ same: true, level: "float" });
    // ... also when the REAL was turned into text (17 significant digits show the last bit).
    expect(compareResults(ok([["7150.94646746829490"]]), ok([["7150.9464674682940"]]), MULTI)).toEqual({ same: true, level: "float" });
    expect(compareResults(ok([["0.1"]]), ok([["0.2"]]), MULTI).same).toBe(false);
    expect(compareResults(ok([[1n]]), ok([[1.0000000000001]]), MULTI).same).toBe(false);
  });

  it("compares ordered rows, allowing ties (1 = 1.0) in any order and cut by LIMIT", () => {
    expect(orderedEqual([[1n], [2n]], [[2n], [1n]], false)).toBe(false);
    expect(orderedEqual([[1n], [1], [2n]], [[1], [1n], [2n]], false)).toBe(true);
    expect(orderedEqual([[0n], [1n]], [[0n], [1]], true)).toBe(true);
    expect(orderedEqual([[0n], [1n]], [[0n], [1]], false)).toBe(false);
    expect(orderedEqual([[null], ["a"]], [["a"], [null]], false)).toBe(false);
    // A last-digit REAL difference does not excuse a different order.
    const ord: CompareMode = { order: "ordered", limited: false, reprAmbiguous: false };
    expect(compareResults(ok([[null, 0.1], ["a", 1]]), ok([["a", 1], [null, 0.1]]), ord).same).toBe(false);
    expect(compareResults(ok([[null, 0.30000000000000004], ["a", 1]]), ok([[null, 0.3], ["a", 1]]), ord)).toEqual({ same: true, level: "float" });
  });
});

describe("generator", () => {
  it("replays from a seed and obeys its own determinism rules", () => {
    for (let k = 0; k < 30; k++) {
      const a = genCase(caseSeed(7, k), { checks: 30 });
      const b = genCase(caseSeed(7, k), { checks: 30 });
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      for (const c of a.checks) expect(validCheck(c, a.setup), JSON.stringify(c)).toBe(true);
      for (const c of a.checks) {
        if (c.k !== "query") continue;
        walkQuery(c.q, (e) => {
          if (e.k === "sub") expect(e.q.arms.length).toBe(1);
        });
        if (c.q.limit) expect(totalOrder(c.q), renderQuery(c.q)).toBe(true);
      }
    }
    expect(hasAggregate({ k: "fn", name: "sum", args: [], agg: true })).toBe(true);
  });
});

describe("finding and minimizing a planted bug", () => {
  /** SQLite, except that a query using BETWEEN loses its last row. */
  function planted(base: EngineFactory, bad = (sql: string) => /BETWEEN/.test(sql)): EngineFactory {
    return {
      name: "planted",
      create() {
        const e = base.create();
        return {
          name: "planted",
          exec(sql: string): ExecResult {
            const r = e.exec(sql);
            if (r.ok && r.rows.length > 1 && bad(sql) && /^SELECT/.test(sql)) return { ...r, rows: r.rows.slice(0, -1) };
            return r;
          },
          close: () => e.close(),
        };
      },
    };
  }

  it("reports it and shrinks it to a few statements", () => {
    const o: RunOptions = { seed: 11, checks: 40, minimize: true, minimizeMs: 10_000, strictReal: false, disable: [] };
    const t = runCases(planted(sqlite), sqlite, o, 4);
    expect(t.failures.length).toBeGreaterThan(0);
    const f = t.failures[0]!;
    expect(f.repro.join("\n")).toMatch(/BETWEEN/);
    // The repro: a few statements, then the failing query with both answers.
    const statements = f.repro.filter((l) => !l.trimStart().startsWith("--"));
    expect(statements.length).toBeLessThanOrEqual(6);
    // SQLite against itself finds nothing.
    expect(runCases(sqlite, sqlite, o, 3).failures).toEqual([]);
  });

  it("finds it without SQLite too (--solo), through TLP and NoREC", () => {
    const o: RunOptions = { seed: 12, checks: 40, minimize: false, minimizeMs: 0, strictReal: false, disable: [], solo: true };
    const notBug = planted(sqlite, (sql) => /WHERE \(NOT /.test(sql));
    const t = runCases(notBug, sqlite, o, 4);
    expect(t.failures.map((f) => f.category)).toContain("tlp");
    expect(runCases(sqlite, sqlite, o, 4).failures).toEqual([]);
  });
});

describe("@db against SQLite, fixed seed", () => {
  it("finds no difference in 20 cases of seed 20261121", { timeout: 120_000 }, () => {
    const o: RunOptions = { seed: 20261121, checks: 40, minimize: true, minimizeMs: 3_000, strictReal: false, disable: [] };
    const t = runCases(ourFactory, sqlite, o, 20);
    const report = t.failures
      .slice(0, 5)
      .map((f) => `case ${f.caseIndex} check ${f.checkIndex} [${f.category}] (pnpm fuzz:sql --seed ${f.seed} --case ${f.caseIndex}):\n${f.repro.join("\n")}`)
      .join("\n\n");
    expect(t.passed).toBeGreaterThan(400);
    expect(t.failures.length, `${t.failures.length} differences; the first ones, minimized:\n\n${report}`).toBe(0);
  });
});
