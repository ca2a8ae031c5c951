/**
 * Running one check against both engines: a query (differential), TLP, TLP on aggregates, NoREC,
 * or a statement (DML/DDL) followed by a comparison of every table's contents.
 */
import { lit, renderDml, renderQuery, renderSetup, single, type Expr, type FromItem, type Query, type ResultCol, type SetupItem } from "./ast.js";
import { compareResults, compareValues, distinctRows, isFloatLevel, multisetEqual, showResult, type CompareMode, type Level } from "./compare.js";
import { SOLO, type Engine, type ExecResult, type Value } from "./engines.js";
import type { Check } from "./gen.js";
import { queryMode } from "./validate.js";

export interface Outcome {
  ok: boolean;
  /** Passed only when REALs are compared to 10 significant digits. */
  approx?: boolean;
  /** The oracle does not hold in SQLite either (not a finding). */
  skipped?: boolean;
  category?: string;
  /** A narrower check that shows the same failure (the one query of an oracle that differs). */
  focus?: Check;
  /** Human-readable: the statements run and both engines' answers. */
  lines: string[];
}

export interface Pair {
  ours: Engine;
  theirs: Engine;
}

const MULTISET: CompareMode = { order: "multiset", limited: false, reprAmbiguous: false };

function both(p: Pair, sql: string): [ExecResult, ExecResult] {
  const a = p.ours.exec(sql);
  // Solo: @db stands in for SQLite (a crash is still a crash: see compareResults).
  if (p.theirs.name === SOLO) return [a, a.ok ? a : { ok: false, error: a.error }];
  return [a, p.theirs.exec(sql)];
}

function describe(sql: string, a: ExecResult, b: ExecResult): string[] {
  return [`${sql};`, `  -- @db:   ${showResult(a)}`, `  -- SQLite: ${showResult(b)}`];
}

const paren = (e: Expr): Expr => ({ k: "paren", e });

function selectQ(from: FromItem[], cols: ResultCol[] | "*", distinct: boolean, where: Expr | null): Query {
  return single({ distinct, cols, from, where, group: [], having: null });
}

/** The TLP partitions of a predicate: p, NOT p, p IS NULL. */
export function partitions(p: Expr): Expr[] {
  return [paren(p), { k: "un", op: "NOT", e: paren(p) }, { k: "isnull", e: paren(p), not: false }];
}

/** The queries a check runs (for reports and hang diagnosis). */
export function checkSql(c: Check): string[] {
  switch (c.k) {
    case "query":
      return [renderQuery(c.q)];
    case "stmt":
      return [renderSetup(c.item)];
    case "tlp":
      return [selectQ(c.from, c.cols, c.distinct, null), ...partitions(c.p).map((w) => selectQ(c.from, c.cols, c.distinct, w))].map(renderQuery);
    case "tlpagg":
      return [aggQ(c, null), ...partitions(c.p).map((w) => aggQ(c, w))].map(renderQuery);
    case "norec":
      return norecQueries(c).map(renderQuery);
  }
}

function aggQ(c: Extract<Check, { k: "tlpagg" }>, where: Expr | null): Query {
  const e: Expr = c.arg ? { k: "fn", name: c.fn, args: [c.arg], agg: true } : { k: "fn", name: "count", args: [], star: true, agg: true };
  return selectQ(c.from, [{ e }], false, where);
}

function norecQueries(c: Extract<Check, { k: "norec" }>): Query[] {
  const count = selectQ(c.from, [{ e: { k: "fn", name: "count", args: [], star: true, agg: true } }], false, c.p);
  const e: Expr =
    c.form === "case"
      ? { k: "case", base: null, whens: [{ w: c.p, t: lit("1") }], els: lit("0") }
      : { k: "is", e: paren(c.p), not: false, v: "TRUE" };
  return [count, selectQ(c.from, [{ e }], false, null)];
}

/** Runs queries on both engines; the first cross-engine difference becomes the failure. */
function crossCheck(p: Pair, qs: Query[], modes: CompareMode[], lines: string[]): { res: Array<[ExecResult, ExecResult]>; fail?: Outcome } {
  const res: Array<[ExecResult, ExecResult]> = [];
  let approx: Query | null = null;
  for (let i = 0; i < qs.length; i++) {
    const sql = renderQuery(qs[i]!);
    const [a, b] = both(p, sql);
    res.push([a, b]);
    lines.push(...describe(sql, a, b));
    const v = compareResults(a, b, modes[i] ?? queryMode(qs[i]!, sql));
    if (!v.same) return { res, fail: { ok: false, category: v.category, focus: { k: "query", q: qs[i]! }, lines } };
    if (isFloatLevel(v.level)) approx ??= qs[i]!;
  }
  return { res, fail: approx ? { ok: true, approx: true, lines, focus: { k: "query", q: approx } } : undefined };
}

function rowsOf(r: ExecResult): Value[][] | null {
  return r.ok ? r.rows : null;
}

function levelsFor(ambiguous: boolean): Level[] {
  return ambiguous ? ["exact", "repr", "float", "reprfloat"] : ["exact", "float"];
}

/** TLP: base rows equal the union of the three partitions (per engine). */
function tlpHolds(base: Value[][], parts: Value[][][], distinct: boolean, ambiguous: boolean): Level | null {
  let union = parts.flat();
  if (distinct) union = distinctRows(union, "repr");
  for (const level of levelsFor(ambiguous || distinct)) if (multisetEqual(base, union, level)) return level;
  return null;
}

/** TLP on aggregates: combine the partitions' values as the aggregate would. */
function combineAgg(fn: string, vals: Value[]): Value {
  const nn = vals.filter((v) => v !== null);
  switch (fn) {
    case "count":
      return nn.reduce<bigint>((s, v) => s + (typeof v === "bigint" ? v : BigInt(Number(v))), 0n);
    case "max":
    case "min": {
      let best: Value = null;
      for (const v of nn) if (best === null || (fn === "max" ? compareValues(v, best) > 0 : compareValues(v, best) < 0)) best = v;
      return best;
    }
    case "total":
      return vals.reduce<number>((s, v) => s + (v === null ? 0 : Number(v)), 0);
    default: {
      if (!nn.length) return null;
      if (nn.every((v) => typeof v === "bigint")) return nn.reduce<bigint>((s, v) => s + (v as bigint), 0n);
      return nn.reduce<number>((s, v) => s + Number(v), 0);
    }
  }
}

function aggHolds(fn: string, base: Value, parts: Value[]): Level | null {
  const combined = combineAgg(fn, parts);
  for (const level of levelsFor(fn === "max" || fn === "min")) if (multisetEqual([[base]], [[combined]], level)) return level;
  return null;
}

function oracleResult(oursLevel: Level | null, theirsLevel: Level | null, category: string, lines: string[], cross: Outcome | undefined, solo = false): Outcome {
  if (oursLevel !== null) return { ok: true, approx: !!cross?.approx || isFloatLevel(oursLevel), lines, focus: cross?.focus };
  if (theirsLevel === null && !solo) return { ok: true, skipped: true, lines };
  return { ok: false, category, lines };
}

/**
 * Every table's rows (with rowid), and @db's integrity check: null if all agree, else a failure
 * (or a pass marked approx when stored REALs differ only in their last digits).
 */
export function compareState(p: Pair, tables: string[], lines: string[]): Outcome | null {
  const ic = p.ours.exec("PRAGMA integrity_check");
  if (!ic.ok || ic.rows.length !== 1 || ic.rows[0]![0] !== "ok") {
    lines.push("PRAGMA integrity_check;", `  -- @db:   ${showResult(ic, 5)}`);
    return { ok: false, category: ic.ok || !ic.internal ? "integrity" : "crash", lines };
  }
  let approx = false;
  for (const t of tables) {
    const sql = `SELECT rowid, * FROM ${t}`;
    const [a, b] = both(p, sql);
    const v = compareResults(a, b, MULTISET);
    if (!v.same) {
      lines.push(...describe(sql, a, b));
      return { ok: false, category: v.category === "rows" ? "state" : v.category, lines };
    }
    if (isFloatLevel(v.level)) {
      lines.push(...describe(sql, a, b));
      approx = true;
    }
  }
  return approx ? { ok: true, approx: true, lines } : null;
}

export function evalCheck(c: Check, p: Pair, tables: string[]): Outcome {
  const lines: string[] = [];
  switch (c.k) {
    case "query": {
      const sql = renderQuery(c.q);
      const [a, b] = both(p, sql);
      lines.push(...describe(sql, a, b));
      const v = compareResults(a, b, queryMode(c.q, sql));
      if (!v.same) return { ok: false, category: v.category, lines };
      return { ok: true, approx: isFloatLevel(v.level), lines };
    }
    case "tlp": {
      const qs = [selectQ(c.from, c.cols, c.distinct, null), ...partitions(c.p).map((w) => selectQ(c.from, c.cols, c.distinct, w))];
      const sqls = qs.map(renderQuery);
      const ambiguous = sqls.some((s) => /\b(v\d+|min|max|DISTINCT|UNION|INTERSECT|EXCEPT|GROUP BY|LIMIT)\b/i.test(s));
      const { res, fail } = crossCheck(p, qs, qs.map(() => ({ ...MULTISET, reprAmbiguous: ambiguous || c.distinct })), lines);
      if (fail && !fail.ok) return fail;
      const ours = res.map((r) => rowsOf(r[0]));
      const theirs = res.map((r) => rowsOf(r[1]));
      if (ours.some((r) => r === null) || theirs.some((r) => r === null)) return { ok: true, lines };
      lines.push("-- TLP: the first query's rows must equal the union of the other three");
      return oracleResult(
        tlpHolds(ours[0]!, ours.slice(1) as Value[][][], c.distinct, ambiguous),
        tlpHolds(theirs[0]!, theirs.slice(1) as Value[][][], c.distinct, ambiguous),
        "tlp",
        lines,
        fail,
        p.theirs.name === SOLO,
      );
    }
    case "tlpagg": {
      const qs = [aggQ(c, null), ...partitions(c.p).map((w) => aggQ(c, w))];
      const { res, fail } = crossCheck(p, qs, qs.map(() => ({ ...MULTISET, reprAmbiguous: true })), lines);
      if (fail && !fail.ok) return fail;
      const val = (r: ExecResult): Value | undefined => (r.ok && r.rows.length === 1 ? r.rows[0]![0] : undefined);
      const ours = res.map((r) => val(r[0]));
      const theirs = res.map((r) => val(r[1]));
      if (ours.some((v) => v === undefined) || theirs.some((v) => v === undefined)) return { ok: true, lines };
      lines.push(`-- TLP (${c.fn}): the first value must equal the ${c.fn} of the other three`);
      return oracleResult(aggHolds(c.fn, ours[0]!, ours.slice(1) as Value[]), aggHolds(c.fn, theirs[0]!, theirs.slice(1) as Value[]), "tlp-agg", lines, fail, p.theirs.name === SOLO);
    }
    case "norec": {
      const qs = norecQueries(c);
      const { res, fail } = crossCheck(p, qs, [MULTISET, MULTISET], lines);
      if (fail && !fail.ok) return fail;
      // count(*) WHERE p must equal the number of rows whose CASE WHEN p (or p IS TRUE) is 1.
      const holds = (count: ExecResult, flags: ExecResult): boolean | null => {
        if (!count.ok || !flags.ok) return null;
        return count.rows.length === 1 && count.rows[0]![0] === BigInt(flags.rows.filter((x) => x[0] === 1n).length);
      };
      const ourHolds = holds(res[0]![0], res[1]![0]);
      const theirHolds = holds(res[0]![1], res[1]![1]);
      if (ourHolds === null || theirHolds === null) return { ok: true, lines };
      lines.push("-- NoREC: the count must equal the number of rows where the second query gives 1");
      return oracleResult(ourHolds ? "exact" : null, theirHolds ? "exact" : null, "norec", lines, fail, p.theirs.name === SOLO);
    }
    case "stmt": {
      const sql = renderSetup(c.item);
      const [a, b] = both(p, sql);
      lines.push(`${sql};`, `  -- @db:   ${a.ok ? `ok, ${a.changes} changes` : `error: ${a.error.split("\n")[0]}`}`, `  -- SQLite: ${b.ok ? `ok, ${b.changes} changes` : `error: ${b.error}`}`);
      const v = compareResults(a, b, MULTISET, c.item.k === "dml");
      if (!v.same) return { ok: false, category: v.category, lines };
      return compareState(p, tables, lines) ?? { ok: true, lines };
    }
  }
}

/** Runs setup statements on both engines; returns the index of the first whose status differs. */
export function runSetup(p: Pair, items: SetupItem[]): { index: number; outcome: Outcome } | null {
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const sql = renderSetup(it);
    const [a, b] = both(p, sql);
    const v = compareResults(a, b, MULTISET, it.k === "dml");
    if (!v.same) {
      const lines = [`${sql};`, `  -- @db:   ${a.ok ? `ok, ${a.changes} changes` : `error: ${a.error.split("\n")[0]}`}`, `  -- SQLite: ${b.ok ? `ok, ${b.changes} changes` : `error: ${b.error}`}`];
      return { index: i, outcome: { ok: false, category: v.category, lines, focus: { k: "stmt", item: it } } };
    }
  }
  return null;
}

export { renderDml };
