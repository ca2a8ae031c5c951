/** Turns a FROM clause into sources: B+tree tables, and views/subqueries materialized once. */
import { DbError, Op } from "@db/vm";
import type { Expr, FromItem, Select, SubqueryRef, TableFunctionRef, TableRef } from "../ast.js";
import { tableFunctionSource } from "./table-function.js";
import { Builder } from "./builder.js";
import { tableSource, withCteScope, type Ctx, type Scope, type Source, type SourceColumn } from "./context.js";
import { isRecursiveCte, materializeRecursive } from "./recursive.js";
import { compileSelect } from "./select.js";
import type { WindowPass } from "./window.js";
import { pushTarget, type PushDowns, type PushItem, type PushTerm } from "./pushdown.js";

export interface FromResult {
  sources: Source[];
  /** ON/USING terms of inner joins, to be treated as WHERE terms. */
  innerTerms: Expr[];
  /** For each of `innerTerms`: the index in `sources` of the table its join added. */
  joinAt: Map<Expr, number>;
  /** The FROM clause has a RIGHT or FULL JOIN (SQLite's JT_LTORJ). */
  anyRight: boolean;
  /** A subquery in FROM reads a column of an enclosing query: the query is correlated too. */
  correlated: boolean;
}

/** `pushes`: WHERE terms to copy into compound sources (pushdown.ts), by FROM item. */
export function buildSources(ctx: Ctx, from: FromItem | undefined, outer: Scope | null, pushes?: PushDowns): FromResult {
  const out: FromResult = { sources: [], innerTerms: [], joinAt: new Map(), correlated: false, anyRight: from !== undefined && hasRightJoin(from) };
  if (from) addItem(ctx, from, out, outer, pushes);
  const seen = new Set<string>();
  for (const s of out.sources) {
    // (Two calls of one table-valued function are only ambiguous where a column is.)
    if (s.tvf) continue;
    const k = s.name.toLowerCase();
    if (seen.has(k)) throw new DbError("DB_ERROR", `ambiguous table name: ${s.name}`);
    seen.add(k);
  }
  return out;
}

function hasRightJoin(item: FromItem): boolean {
  return item.kind === "join" && (item.op === "RIGHT" || item.op === "FULL" || hasRightJoin(item.left));
}

function addItem(ctx: Ctx, item: FromItem, out: FromResult, outer: Scope | null, pushes: PushDowns | undefined): void {
  if (item.kind !== "join") {
    out.sources.push(makeSource(ctx, item, outer, out, pushes));
    return;
  }
  addItem(ctx, item.left, out, outer, pushes);
  const leftSources = [...out.sources];
  const right = makeSource(ctx, item.right, outer, out, pushes);
  // RIGHT and FULL JOIN (SQLite 3.39): `right` keeps its ON terms; the rows of `right` no left row
  // matched are added after the join loops, with every source to the left as NULL (select.ts).
  const outerRight = item.op === "RIGHT" || item.op === "FULL";
  if (outerRight) right.rightJoin = true;
  right.join = item.op === "LEFT" || item.op === "FULL" ? "left" : "inner";
  const terms: Expr[] = [];
  if (item.on) terms.push(item.on);
  let using = item.using;
  if (item.natural) {
    using = right.columns
      .filter((c) => leftSources.some((s) => s.columns.some((lc, i) => !s.hidden.has(i) && lc.name.toLowerCase() === c.name.toLowerCase())))
      .map((c) => c.name);
  }
  for (const name of using ?? []) {
    const lname = name.toLowerCase();
    const ri = right.columns.findIndex((c) => c.name.toLowerCase() === lname);
    const having = leftSources.filter((s) => s.columns.some((c, i) => !s.hidden.has(i) && c.name.toLowerCase() === lname));
    const ls = having[0];
    if (ri < 0 || !ls) throw new DbError("DB_ERROR", `cannot join using column ${name} - column not present in both tables`);
    // The left side's value: a column, or what an earlier RIGHT/FULL JOIN USING made of it.
    const earlier = ls.usingCoalesce?.get(lname);
    if (having.length > 1 && out.anyRight) throw new DbError("DB_ERROR", `ambiguous reference to ${name} in USING()`);
    right.hidden.add(ri);
    const l: Expr = earlier ?? { kind: "column", table: ls.name, name };
    const r: Expr = { kind: "column", table: right.name, name };
    terms.push({ kind: "binary", op: "=", left: l, right: r });
    // The shared column is then the right side's in a RIGHT JOIN, whichever is not NULL in a
    // FULL JOIN (SQLite's lookupName and selectExpander).
    if (outerRight) (ls.usingCoalesce ??= new Map()).set(lname, item.op === "RIGHT" ? r : { kind: "function", name: "coalesce", args: [l, r] });
  }
  if (right.join === "left" || outerRight) {
    right.on = terms.reduce<Expr | null>((acc, t) => (acc ? { kind: "binary", op: "AND", left: acc, right: t } : t), null);
  } else {
    out.innerTerms.push(...terms);
    for (const t of terms) out.joinAt.set(t, out.sources.length);
  }
  out.sources.push(right);
}

/** SQLite's name for a FROM subquery without alias; the same each time the FROM is compiled. */
const subqueryNames = new WeakMap<SubqueryRef, string>();
function subqueryName(ctx: Ctx, item: SubqueryRef): string {
  let name = subqueryNames.get(item);
  if (name === undefined) subqueryNames.set(item, (name = `(subquery-${ctx.b.addr})`));
  return name;
}

function makeSource(ctx: Ctx, item: TableRef | SubqueryRef | TableFunctionRef, outer: Scope | null, out: FromResult, pushes: PushDowns | undefined): Source {
  if (item.kind === "function") return tableFunctionSource(ctx, item);
  const push = { item, terms: pushes?.get(item) };
  // A subquery in FROM may read columns of the queries around this one (not of its FROM
  // siblings): it then runs again each time the enclosing query does.
  if (item.kind === "subquery") {
    const src = materialize(ctx, item.select, item.alias ?? subqueryName(ctx, item), undefined, outer, out, pushTarget(item.select, undefined) ? push : undefined, item.window);
    if (item.nestedJoin && item.select.core.kind === "core" && item.select.core.from) src.columnTables = joinQualifiers(ctx, item.select.core.from);
    return src;
  }
  const lname = item.name.toLowerCase();
  const limitHint = ctx.cteLimitHint;
  ctx.cteLimitHint = undefined;
  const rec = item.schema ? undefined : ctx.recursiveRefs?.get(lname);
  if (rec) {
    // the current row of the recursive CTE being compiled (recursive.ts)
    return { name: item.alias ?? item.name, table: null, columns: rec.columns, cursor: rec.cursor, hidden: new Set(), join: "inner", on: null };
  }
  for (let i = item.schema ? -1 : ctx.ctes.length - 1; i >= 0; i--) {
    const cte = ctx.ctes[i]!.get(lname);
    if (!cte) continue;
    const stack = (ctx.cteStack ??= new Set());
    if (stack.has(cte)) throw new DbError("DB_ERROR", `circular reference: ${cte.name}`);
    stack.add(cte);
    try {
      if (isRecursiveCte(cte)) return materializeRecursive(ctx, cte, item.alias ?? item.name, limitHint);
      return materialize(ctx, cte.select, item.alias ?? item.name, cte.columns, null, undefined, pushTarget(cte.select, cte) ? push : undefined);
    } finally {
      stack.delete(cte);
    }
  }
  const t = ctx.schema.getTable(item.name);
  // A table-valued function named without arguments: `SELECT * FROM pragma_user_version`.
  if (!t && (lname.startsWith("pragma_") || lname === "json_each" || lname === "json_tree")) return tableFunctionSource(ctx, { kind: "function", name: item.name, args: [], ...(item.alias ? { alias: item.alias } : {}) });
  if (!t) throw new DbError("DB_ERROR", `no such table: ${item.schema ? `${item.schema}.` : ""}${item.name}`);
  // A view's body names the schema's tables, not the CTEs of the statement that reads it.
  if (t.kind === "view") return withCteScope(ctx, [], () => materialize(ctx, t.select, item.alias ?? t.name, t.columns, null, undefined, pushTarget(t.select, undefined) ? push : undefined));
  const cursor = ctx.b.cursor();
  return { ...tableSource(t, item.alias ?? t.name, cursor), ...(item.notIndexed ? { notIndexed: true } : {}) };
}

/**
 * The columns of view `name` as a read of it names and types them (compiled into a scratch
 * program, never run): INSTEAD OF triggers' NEW/OLD, PRAGMA table_info of a view.
 */
export function viewColumns(ctx: Ctx, name: string): SourceColumn[] {
  return buildSources({ ...ctx, b: new Builder(), ctes: [] }, { kind: "table", schema: "main", name }, null).sources[0]!.columns;
}

/** The table (alias) each column of `SELECT * FROM join` comes from, in `*` order. */
function joinQualifiers(ctx: Ctx, join: FromItem): string[] {
  const scratch: Ctx = { ...ctx, b: new Builder() };
  const names: string[] = [];
  for (const s of buildSources(scratch, join, null).sources) {
    s.columns.forEach((_, i) => {
      if (!s.hidden.has(i)) names.push(s.columnTables?.[i] ?? s.name);
    });
  }
  return names;
}

/**
 * Runs `select` once into an ephemeral table and returns it as a source. `push`: the FROM item of
 * a compound that WHERE terms may be pushed into, and the terms to push (pushdown.ts).
 */
function materialize(ctx: Ctx, select: Select, name: string, names: string[] | undefined, outer: Scope | null = null, out?: FromResult, push?: { item: PushItem; terms: PushTerm[] | undefined }, window?: WindowPass): Source {
  const b = ctx.b;
  const cursor = b.cursor();
  // A window pass (window.ts): the rows go into `input`, then Op.Window copies them into
  // `cursor` with the window functions' values appended.
  const input = window ? b.cursor() : cursor;
  const skip = b.label();
  const once = b.emit(Op.Once, 0, skip);
  b.emit(Op.OpenEphemeral, input, 0);
  b.planDepth++;
  b.note(window ? "CO-ROUTINE (window)" : `MATERIALIZE ${name}`);
  const info = compileSelect(ctx, select, { kind: "eph", cursor: input }, outer, push?.terms);
  b.planDepth--;
  if (window) {
    b.emit(Op.OpenEphemeral, cursor, 0);
    b.emit(Op.Window, input, cursor, 0, window.spec);
    b.emit(Op.Close, input);
  }
  b.place(skip);
  if (info.correlated) {
    b.instrs[once]!.op = Op.Noop;
    if (out) out.correlated = true;
  }
  const columns: SourceColumn[] = (window?.names ?? info.columns.map((c) => c.name)).map((n, i) => ({
    name: names?.[i] ?? n,
    affinity: info.affinities[i] ?? null,
    collation: window?.collations[i] ?? "BINARY",
    type: info.columns[i]?.type ?? "",
    index: i,
  }));
  const src: Source = { name, table: null, columns, cursor, hidden: new Set(), join: "inner", on: null };
  if (push && info.binary) src.push = push.item;
  return src;
}

