/**
 * Window functions, by rewriting the SELECT as SQLite's sqlite3WindowRewrite does (window.c): the
 * FROM, WHERE, GROUP BY and HAVING run in an inner query whose result columns are what the window
 * functions and the outer expressions need (the maximal sub-expressions without a window call),
 * sorted by PARTITION BY then ORDER BY. Its rows go into an ephemeral table, `Op.Window` appends
 * one column per window function (vm window.ts), and the outer query computes the result columns,
 * DISTINCT, ORDER BY and LIMIT from that table.
 *
 * Windows with different PARTITION BY / ORDER BY are computed in nested passes, each sorting the
 * previous pass's rows again; the window named first is computed last, so without ORDER BY the
 * rows come out in its order, as in SQLite.
 */
import { DbError, WINDOW_FUNCTIONS, aggregateFunctions, type AggDef, type FrameSpec, type WindowFuncSpec, type WindowPassSpec } from "@db/vm";
import type { Expr, FrameBound, FunctionCall, OrderingTerm, Select, SelectSimple, SubqueryRef, WindowDef } from "../ast.js";
import type { Ctx, Scope } from "./context.js";
import { exprCollation, isAggregateCall, resolveColumnQuiet, walkDeep, walkExpr } from "./expr.js";
import { resultAliases, withAliases } from "./alias.js";
import { termInteger, type OutCol } from "./select.js";

/** What `Op.Window` computes over a subquery in FROM (from.ts materialize), and how the result's columns are named. */
export interface WindowPass {
  spec: WindowPassSpec;
  /** Names of the input columns, then of the window functions' values. */
  names: string[];
  /** Collation of each input column. */
  collations: string[];
}

/** Whether `e` calls a window function (subqueries not included: they are compiled on their own). */
export function hasWindow(e: Expr): boolean {
  let found = false;
  walkExpr(e, (n) => {
    if (n.kind === "function" && n.over) found = true;
    return !found;
  });
  return found;
}

/** Whether this SELECT core's result columns or ORDER BY call a window function. */
export function usesWindows(core: SelectSimple, orderBy: OrderingTerm[]): boolean {
  return core.columns.some((c) => c.kind === "expr" && hasWindow(c.expr)) || orderBy.some((o) => hasWindow(o.expr));
}

interface Group {
  key: string;
  partition: Expr[];
  order: OrderingTerm[];
  funcs: { call: FunctionCall; frame: NonNullable<WindowDef["frame"]>; out: number }[];
}

/**
 * A window definition with its base window (WINDOW clause) applied, as sqlite3WindowChain does.
 * `named` holds the WINDOW clause as written: a window may name one defined after it.
 */
function resolveDef(def: WindowDef, named: Map<string, WindowDef>, seen = new Set<string>()): WindowDef {
  if (def.base === undefined) return def;
  const key = def.base.toLowerCase();
  const raw = named.get(key);
  if (raw === undefined || seen.has(key)) throw new DbError("DB_ERROR", `no such window: ${def.base}`);
  const base = resolveDef(raw, named, new Set([...seen, key]));
  if (def.bare) return base;
  if (def.partitionBy.length > 0) throw new DbError("DB_ERROR", `cannot override PARTITION clause of window: ${def.base}`);
  if (base.orderBy.length > 0 && def.orderBy.length > 0) throw new DbError("DB_ERROR", `cannot override ORDER BY clause of window: ${def.base}`);
  if (base.frame) throw new DbError("DB_ERROR", `cannot override frame specification of window: ${def.base}`);
  const out: WindowDef = { partitionBy: base.partitionBy, orderBy: def.orderBy.length > 0 ? def.orderBy : base.orderBy };
  if (def.frame) out.frame = def.frame;
  return out;
}

/** Leaf key for sharing one inner column among equal expressions (only ones without calls or subqueries). */
function leafKey(e: Expr): string | null {
  let plain = true;
  walkExpr(e, (n) => {
    if (n.kind === "function" || n.kind === "subquery" || n.kind === "exists" || n.kind === "in-select") plain = false;
    return plain;
  });
  return plain ? JSON.stringify(e) : null;
}

const col = (name: string): Expr => ({ kind: "column", name });

/** Throws "misuse of window function f()" for the first window call in `e`. */
function misuseInside(e: Expr): void {
  walkExpr(e, (n) => {
    if (n.kind === "function" && n.over) throw new DbError("DB_ERROR", `misuse of window function ${n.name}()`);
    return true;
  });
}
const position = (i: number): Expr => ({ kind: "literal", type: "integer", value: String(i + 1) });

/**
 * The SELECT that computes `core` (with `cols`, its expanded result columns, and the ORDER BY,
 * LIMIT and OFFSET around it) through window passes. `scope`: the core's FROM, for collations.
 * Throws DB_ERROR as SQLite for a misused window function, window name or frame.
 */
export function rewriteWindows(ctx: Ctx, core: SelectSimple, cols: OutCol[], scope: Scope, orderBy: OrderingTerm[], limit: Expr | undefined, offset: Expr | undefined): Select {
  const named = new Map<string, WindowDef>();
  for (const w of core.windows ?? []) named.set(w.name.toLowerCase(), w.def);
  const leaves: Expr[] = [];
  const leafAt = new Map<string, number>();
  const leaf = (e: Expr): number => {
    const k = leafKey(e);
    const at = k === null ? undefined : leafAt.get(k);
    if (at !== undefined) return at;
    leaves.push(e);
    if (k !== null) leafAt.set(k, leaves.length - 1);
    return leaves.length - 1;
  };
  const groups: Group[] = [];
  let nFuncs = 0;
  const windowCall = (call: FunctionCall): Expr => {
    const def = resolveDef(call.over!, named);
    checkCall(ctx, call);
    // A window call inside another's arguments, FILTER or window is a misuse (SQLite's resolver).
    for (const e of [...call.args, ...(call.filter ? [call.filter] : []), ...def.partitionBy, ...def.orderBy.map((o) => o.expr)]) misuseInside(e);
    const frame = def.frame ?? { unit: "RANGE", start: { kind: "UNBOUNDED PRECEDING" }, end: { kind: "CURRENT ROW" }, exclude: "NO OTHERS" };
    const hasOffset = (b: FrameBound) => b.kind === "PRECEDING" || b.kind === "FOLLOWING";
    if (frame.unit === "RANGE" && (hasOffset(frame.start) || hasOffset(frame.end)) && def.orderBy.length !== 1) {
      throw new DbError("DB_ERROR", "RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY expression");
    }
    const key = JSON.stringify([def.partitionBy, def.orderBy]);
    let g = groups.find((x) => x.key === key);
    if (g === undefined) groups.push((g = { key, partition: def.partitionBy, order: def.orderBy, funcs: [] }));
    const out = nFuncs++;
    g.funcs.push({ call, frame, out });
    return col(`__w${out}`);
  };
  // An expression of the outer query: window calls become their pass's columns, the maximal
  // parts without one become inner columns.
  const outerExpr = (e: Expr): Expr => (hasWindow(e) ? mapChildren(e) : col(`__c${leaf(e)}`));
  const mapChildren = (e: Expr): Expr => {
    if (e.kind === "function" && e.over) return windowCall(e);
    // An aggregate of window results would aggregate the outer query: SQLite refuses it.
    if (e.kind === "function" && isAggregateCall(ctx, e)) e.args.forEach(misuseInside);
    return mapExprs(e, outerExpr);
  };

  const aliasMap = resultAliases(core.columns);
  const outCols = cols.map((c) => ({ kind: "expr" as const, expr: outerExpr(c.expr), alias: c.name, text: c.name }));
  const outOrder = orderBy.map((o) => {
    // A position or an alias names a result column of the outer query, which has them all.
    if (termInteger(o.expr) !== null) return o;
    if (o.expr.kind === "column" && o.expr.table === undefined && aliasMap.has(o.expr.name.toLowerCase())) return o;
    return { ...o, expr: outerExpr(withAliases(scope, o.expr, aliasMap)) };
  });
  // WHERE, GROUP BY and HAVING run in the inner query, whose columns have other names: aliases
  // (and GROUP BY positions) are replaced by the expressions they stand for here.
  const innerTerm = (e: Expr): Expr => {
    const x = withAliases(scope, e, aliasMap);
    if (x !== e && hasWindow(x)) {
      const alias = [...aliasMap].find(([, v]) => hasWindow(v) && JSON.stringify(x).includes(JSON.stringify(v)))?.[0] ?? "";
      throw new DbError("DB_ERROR", `misuse of aliased window function ${alias}`);
    }
    return x;
  };
  const groupBy = core.groupBy.map((g): Expr => {
    const k = termInteger(g);
    if (k !== null && k >= 1 && k <= cols.length) return g.kind === "collate" ? { kind: "collate", expr: cols[k - 1]!.expr, collation: g.collation } : cols[k - 1]!.expr;
    if (g.kind === "column" && g.table === undefined && aliasMap.has(g.name.toLowerCase()) && resolveColumnQuiet(scope, undefined, g.name) === null) return innerTerm(aliasMap.get(g.name.toLowerCase())!);
    return innerTerm(g);
  });
  // Arguments, FILTER, keys and frame offsets are inner columns too.
  const plans = groups.map((g) => ({
    partition: g.partition.map((e) => leaf(e)),
    order: g.order.map((o) => ({ at: leaf(o.expr), term: o })),
    funcs: g.funcs.map(({ call, frame, out }): [WindowFuncSpec, number] => {
      const name = call.name.toLowerCase();
      const f: WindowFuncSpec = { name, args: call.args.map((a) => leaf(a)), filter: call.filter ? leaf(call.filter) : -1, frame: frameSpec(frame, leaf) };
      if (!WINDOW_FUNCTIONS.has(name)) f.agg = aggDef(scope, call);
      return [f, out];
    }),
  }));
  if (leaves.length === 0) leaf({ kind: "literal", type: "null", value: "NULL" });
  const collations = leaves.map((e) => (exprCollation(scope, e) ?? "BINARY").toUpperCase());

  // Innermost pass first: the inner query, sorted for the last group.
  const inner: SelectSimple = { kind: "core", distinct: false, columns: leaves.map((e, i) => ({ kind: "expr", expr: e, alias: `__c${i}`, text: `__c${i}` })), groupBy };
  if (core.from) inner.from = core.from;
  if (core.where) inner.where = innerTerm(core.where);
  if (core.having) inner.having = innerTerm(core.having);
  let names = leaves.map((_, i) => `__c${i}`);
  let colls = collations;
  let select: Select | null = null;
  let source: SubqueryRef | null = null;
  for (let gi = plans.length - 1; gi >= 0; gi--) {
    const p = plans[gi]!;
    const sortBy: OrderingTerm[] = [
      ...p.partition.map((at) => ({ expr: position(at), desc: false, collation: collations[at]! })),
      ...p.order.map(({ at, term }) => ({ ...term, expr: position(at), collation: (term.collation ?? collations[at]!).toUpperCase() })),
    ];
    const columns = names.map((n) => ({ kind: "expr" as const, expr: col(n), alias: n, text: n }));
    select = source === null ? { kind: "select", core: inner, compound: [], orderBy: sortBy } : { kind: "select", core: { kind: "core", distinct: false, columns, from: source, groupBy: [] }, compound: [], orderBy: sortBy };
    const spec: WindowPassSpec = {
      partition: p.partition.map((at) => ({ col: at, collation: collations[at]! })),
      order: p.order.map(({ at, term }) => ({ col: at, collation: (term.collation ?? collations[at]!).toUpperCase(), desc: term.desc, ...(term.nulls ? { nulls: term.nulls } : {}) })),
      funcs: p.funcs.map(([f]) => f),
    };
    const added = p.funcs.map(([, out]) => `__w${out}`);
    names = [...names, ...added];
    colls = [...colls, ...added.map(() => "BINARY")];
    source = { kind: "subquery", select, alias: "__window", window: { spec, names, collations: colls } };
  }
  const outer: Select = { kind: "select", core: { kind: "core", distinct: core.distinct, columns: outCols, from: source!, groupBy: [] }, compound: [], orderBy: outOrder };
  if (limit) outer.limit = limit;
  if (offset) outer.offset = offset;
  return outer;
}

/** `e` with each direct sub-expression replaced by `fn` of it (subqueries left as they are). */
function mapExprs(e: Expr, fn: (x: Expr) => Expr): Expr {
  const o = e as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...o };
  for (const [k, v] of Object.entries(o)) {
    if (k === "select" || k === "over" || v === null || typeof v !== "object") continue;
    if (Array.isArray(v)) {
      out[k] = v.map((x) => (isExpr(x) ? fn(x) : x && typeof x === "object" && "when" in x ? { when: fn(x.when), then: fn(x.then) } : x));
    } else if (isExpr(v)) {
      out[k] = fn(v);
    }
  }
  return out as unknown as Expr;
}

function isExpr(v: unknown): v is Expr {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array) && typeof (v as { kind?: unknown }).kind === "string" && (v as { kind: string }).kind !== "select";
}

/** Checks a window call's function, arguments, DISTINCT and FILTER, as SQLite's resolver does. */
function checkCall(ctx: Ctx, call: FunctionCall): void {
  const name = call.name.toLowerCase();
  const builtin = WINDOW_FUNCTIONS.get(name);
  const argc = call.star ? 0 : call.args.length;
  if (builtin) {
    if (argc < builtin.min || argc > builtin.max) throw new DbError("DB_ERROR", `wrong number of arguments to function ${call.name}()`);
    if (call.filter) throw new DbError("DB_ERROR", "FILTER clause may only be used with aggregate window functions");
  } else {
    const agg = aggregateFunctions.get(name);
    if ((name === "min" || name === "max") && argc !== 1) throw new DbError("DB_ERROR", `${call.name}() may not be used as a window function`);
    if (!agg && name !== "count") {
      if (ctx.functions.has(name)) throw new DbError("DB_ERROR", `${call.name}() may not be used as a window function`);
      throw new DbError("DB_ERROR", `no such function: ${call.name}`);
    }
    if (agg && (argc < agg.minArgs || argc > agg.maxArgs)) throw new DbError("DB_ERROR", `wrong number of arguments to function ${call.name}()`);
  }
  if (call.distinct) throw new DbError("DB_ERROR", "DISTINCT is not supported for window functions");
}

function aggDef(scope: Scope, call: FunctionCall): AggDef {
  const name = call.name.toLowerCase();
  const coll = call.args.length === 1 ? exprCollation(scope, call.args[0]!) : null;
  return { name, distinct: false, star: !!call.star || (name === "count" && call.args.length === 0), ...(coll ? { collation: coll } : {}), ...(call.filter ? { filter: true } : {}) };
}

function frameSpec(frame: NonNullable<WindowDef["frame"]>, leaf: (e: Expr) => number): FrameSpec {
  const bound = (b: FrameBound, which: string) => {
    if (!("offset" in b)) return { kind: b.kind, offset: -1 };
    // The offset is evaluated once (windowCheckValue): SQLite takes literals and parameters only.
    let constant = true;
    walkDeep(b.offset, (o) => {
      if (o.kind === "column" || o.kind === "select" || o.kind === "function") constant = false;
    });
    if (!constant) throw new DbError("DB_ERROR", `frame ${which} offset must be a non-negative ${frame.unit === "RANGE" ? "number" : "integer"}`);
    return { kind: b.kind, offset: leaf(b.offset) };
  };
  return { unit: frame.unit, start: bound(frame.start, "starting"), end: bound(frame.end, "ending"), exclude: frame.exclude };
}
