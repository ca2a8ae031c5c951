/** Running cases: a generated schema and data, then checks; failures minimized and reported. */
import { renderSetup, type SetupItem } from "./ast.js";
import { checkSql, compareState, evalCheck, runSetup, type Outcome, type Pair } from "./checks.js";
import { soloFactory, type EngineFactory } from "./engines.js";
import { genCase, type Check } from "./gen.js";
import { minimize, replay, type MinimizeEnv, type Repro } from "./minimize.js";
import { caseSeed } from "./rng.js";

export interface RunOptions {
  seed: number;
  /** Checks per case. */
  checks: number;
  minimize: boolean;
  /** Minimizer budget per failure, in ms. */
  minimizeMs: number;
  /** Count REAL last-digit differences as failures. */
  strictReal: boolean;
  /** Generator features turned off (gen.ts FEATURES). */
  disable: string[];
  /** No SQLite: only the oracles (TLP, NoREC), crashes and integrity checks on @db alone. */
  solo?: boolean;
}

export interface Failure {
  seed: number;
  caseIndex: number;
  checkIndex: number;
  category: string;
  /** The failing check as generated (statements and answers). */
  original: string[];
  /** The minimized repro: statements, then the failing statements with both answers. */
  repro: string[];
  minimized: boolean;
  attempts: number;
  /** Literals blanked out: failures with the same shape are likely the same bug. */
  shape: string;
}

export interface CaseResult {
  passed: number;
  failed: number;
  approx: number;
  skipped: number;
  failures: Failure[];
  approxExamples: string[][];
}

/** The statements a case runs up to check `checkIndex` (for reporting a hang or a crash). */
export function statementsUpTo(o: RunOptions, caseIndex: number, checkIndex: number): string[] {
  const c = genCase(caseSeed(o.seed, caseIndex), { checks: o.checks, disable: o.disable });
  const out = c.setup.map((it) => renderSetup(it) + ";");
  for (let j = 0; j < checkIndex && j < c.checks.length; j++) {
    const ch = c.checks[j]!;
    if (ch.k === "stmt") out.push(renderSetup(ch.item) + ";");
  }
  if (checkIndex >= 0 && checkIndex < c.checks.length) out.push(...checkSql(c.checks[checkIndex]!).map((s) => s + ";"));
  return out;
}

/** The history before check `checkIndex` of a case, and that check. */
export function caseUpTo(o: RunOptions, caseIndex: number, checkIndex: number): { history: SetupItem[]; check: Check } | null {
  const c = genCase(caseSeed(o.seed, caseIndex), { checks: o.checks, disable: o.disable });
  if (checkIndex < 0 || checkIndex >= c.checks.length) return null;
  const history = [...c.setup];
  for (let j = 0; j < checkIndex; j++) {
    const ch = c.checks[j]!;
    if (ch.k === "stmt") history.push(ch.item);
  }
  return { history, check: c.checks[checkIndex]! };
}

export interface Hooks {
  /** Checked before each check: true ends the case early (a --time deadline). */
  stop?: () => boolean;
  /** A failure was found and is about to be minimized. */
  onFailureStart?: (caseIndex: number, checkIndex: number, category: string, lines: string[]) => void;
  onCheck?: (caseIndex: number, checkIndex: number, sql: string) => void;
  onMinimizeProgress?: (caseIndex: number, checkIndex: number, r: Repro) => void;
  onFailure?: (f: Failure) => void;
}

export function shapeOf(lines: string[]): string {
  return lines
    .filter((l) => !l.trimStart().startsWith("--"))
    .join(" ")
    .replace(/X'[0-9A-F]*'/gi, "?")
    .replace(/'(?:[^']|'')*'/g, "?")
    .replace(/\b\d+(?:\.\d*)?(?:e[+-]?\d+)?\b/gi, "?")
    .replace(/\b[tvai]\d+\b/g, "t")
    .replace(/\s+/g, " ");
}

function closePair(p: Pair): void {
  p.ours.close();
  p.theirs.close();
}

/** The final report of a repro: statements, then the check with both engines' answers. */
export function describeRepro(env: MinimizeEnv, r: Repro): string[] {
  const out = r.history.map((it) => renderSetup(it) + ";");
  const pair = replay(env, r.history);
  if (!pair) return [...out, "-- (the statements above already differ between the engines)", ...checkSql(r.check).map((s) => s + ";")];
  try {
    const o = evalCheck(r.check, pair, env.tables);
    return [...out, ...o.lines];
  } finally {
    closePair(pair);
  }
}

export function runCase(ours: EngineFactory, sqlite: EngineFactory, caseIndex: number, o: RunOptions, hooks: Hooks = {}): CaseResult {
  const theirs = o.solo ? soloFactory : sqlite;
  const res: CaseResult = { passed: 0, failed: 0, approx: 0, skipped: 0, failures: [], approxExamples: [] };
  const c = genCase(caseSeed(o.seed, caseIndex), { checks: o.checks, disable: o.disable });
  const tables = c.setup.flatMap((it) => (it.k === "create" ? [it.t.name] : []));
  const env: MinimizeEnv = { ours, theirs, tables };

  const fail = (checkIndex: number, history: SetupItem[], check: Check, out: Outcome): void => {
    res.failed++;
    hooks.onFailureStart?.(caseIndex, checkIndex, out.category ?? "?", out.lines);
    const focus = out.focus ?? check;
    const category = out.category ?? "?";
    let repro: Repro = { history, check: focus, category };
    let attempts = 0;
    let minimized = false;
    if (o.minimize) {
      const m = minimize(repro, env, { budgetMs: o.minimizeMs, onProgress: (r) => hooks.onMinimizeProgress?.(caseIndex, checkIndex, r) });
      repro = m.repro;
      attempts = m.attempts;
      minimized = true;
    }
    const lines = describeRepro(env, repro);
    const f: Failure = {
      seed: o.seed,
      caseIndex,
      checkIndex,
      category,
      original: out.lines,
      repro: lines,
      minimized,
      attempts,
      shape: category + ": " + shapeOf(lines.slice(repro.history.length)),
    };
    res.failures.push(f);
    hooks.onFailure?.(f);
  };

  const pair: Pair = { ours: ours.create(), theirs: theirs.create() };
  try {
    hooks.onCheck?.(caseIndex, -1, "(setup)");
    const bad = runSetup(pair, c.setup);
    if (bad) {
      fail(-1, c.setup.slice(0, bad.index), bad.outcome.focus!, bad.outcome);
      return res;
    }
    const st = compareState(pair, tables, []);
    if (st && !st.ok) {
      // Find the first statement after which the tables differ.
      for (let i = 0; i < c.setup.length; i++) {
        const p = replay(env, c.setup.slice(0, i + 1));
        if (p) {
          closePair(p);
          continue;
        }
        const check: Check = { k: "stmt", item: c.setup[i]! };
        const p2 = replay(env, c.setup.slice(0, i));
        const out = p2 ? evalCheck(check, p2, tables) : st;
        if (p2) closePair(p2);
        fail(-1, c.setup.slice(0, i), check, out.ok ? st : out);
        return res;
      }
      fail(-1, c.setup, { k: "stmt", item: c.setup[c.setup.length - 1]! }, st);
      return res;
    }
    res.passed++;
    const history = [...c.setup];
    for (let j = 0; j < c.checks.length; j++) {
      if (hooks.stop?.()) break;
      const check = c.checks[j]!;
      hooks.onCheck?.(caseIndex, j, checkSql(check)[0] ?? "");
      let out: Outcome;
      try {
        out = evalCheck(check, pair, tables);
      } catch (e) {
        out = { ok: false, category: "tool-error", lines: [...checkSql(check), `-- ${(e as Error).stack}`] };
      }
      if (out.ok && out.approx && o.strictReal) out = { ...out, ok: false, category: "real-digits" };
      if (out.ok) {
        res.passed++;
        if (out.approx) {
          res.approx++;
          if (res.approxExamples.length < 3) res.approxExamples.push(out.lines);
        }
        if (out.skipped) res.skipped++;
      } else {
        fail(j, [...history], check, out);
        if (check.k === "stmt") break; // the databases differ from here on
      }
      if (check.k === "stmt") history.push(check.item);
    }
  } finally {
    closePair(pair);
  }
  return res;
}

export interface Totals {
  cases: number;
  passed: number;
  failed: number;
  approx: number;
  skipped: number;
  failures: Failure[];
  approxExamples: string[][];
}

export function emptyTotals(): Totals {
  return { cases: 0, passed: 0, failed: 0, approx: 0, skipped: 0, failures: [], approxExamples: [] };
}

export function addCase(t: Totals, r: CaseResult): void {
  t.cases++;
  t.passed += r.passed;
  t.failed += r.failed;
  t.approx += r.approx;
  t.skipped += r.skipped;
  t.failures.push(...r.failures);
  for (const e of r.approxExamples) if (t.approxExamples.length < 5) t.approxExamples.push(e);
}

/** Runs cases 0..count-1 of a seed in this process (the vitest test uses this). */
export function runCases(ours: EngineFactory, theirs: EngineFactory, o: RunOptions, count: number, hooks: Hooks = {}): Totals {
  const t = emptyTotals();
  for (let k = 0; k < count; k++) addCase(t, runCase(ours, theirs, k, o, hooks));
  return t;
}
