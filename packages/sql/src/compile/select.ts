/** SELECT: join loops, aggregation, DISTINCT, ORDER BY, LIMIT/OFFSET and compound queries. */
import { DbError, Op, accumulatorKind, aggregateFunctions, type AggDef, type Affinity, type ColumnMeta, type SortKeySpec } from "@db/vm";
import type { Expr, FunctionCall, OrderingTerm, ResultColumn, Select, SelectCore, SelectSimple } from "../ast.js";
import { Scope, type Ctx, type Source } from "./context.js";
import type { Builder } from "./builder.js";
import { ROWID_NAMES, compileCondition, compileExpr, conjuncts, emitColumn, isSubquery, plainBinary, exprAffinity, exprCollation, exprDataType, isAggregateCall, jsonArgument, jsonMarks, resolveColumn, walkExpr } from "./expr.js";
import { buildSources } from "./from.js";
import { plan, probeAffinity, seekAffinity, type Access, type Bound, type Level } from "./planner.js";
import { satisfyOrder } from "./order.js";
import type { Index, Table } from "../schema.js";
import { autoIndexNote, emitAutoIndex } from "./autoindex.js";
import { emitOrRowids } from "./multior.js";
import { resultAliases, termWithAliases, withAliases, withUsing } from "./alias.js";
import { havingToWhere } from "./having.js";
import { andAll, countCteUses, planPushDown, type PushTerm } from "./pushdown.js";
import { rewriteWindows, usesWindows } from "./window.js";
import { isVirtual, virtualInputs } from "./generated.js";
import { keyAffinity } from "./row-match.js";
import { emitTableFunction } from "./table-function.js";

export type Dest =
  | { kind: "output" }
  | { kind: "discard" }
  | { kind: "eph"; cursor: number }
  /** A recursive CTE's queue; with `set`, a row already in the set is not queued again (UNION). */
  | { kind: "queue"; cursor: number; set: number | null }
  | { kind: "scalar"; reg: number; done: number }
  | { kind: "exists"; reg: number; done: number };

export interface SelectInfo {
  columns: ColumnMeta[];
  affinities: (Affinity | null)[];
  /** Per column, the kinds of value it may hold (exprDataType) and whether it is a CAST. */
  dataTypes?: number[];
  casts?: boolean[];
  /** A compound's rightmost arm's affinities, which `x IN (SELECT ...)` uses (as SQLite does). */
  lastAffinities?: (Affinity | null)[];
  correlated: boolean;
  /** Every result column compares under BINARY with no COLLATE (every arm's, for a compound). */
  binary: boolean;
}

/** Compiles `sel` so that each result row goes to `dest`; `push`: WHERE terms pushed into a compound's arms. */
export function compileSelect(ctx: Ctx, sel: Select, dest: Dest, outer: Scope | null, push?: PushTerm[]): SelectInfo {
  if (sel.with) {
    const m = new Map<string, import("../ast.js").CommonTableExpr>();
    for (const c of sel.with.ctes) m.set(c.name.toLowerCase(), c);
    ctx.ctes.push(m);
    countCteUses(sel, sel.with.ctes);
  }
  try {
    if (sel.compound.length === 0) return compileCore(ctx, sel.core, sel.orderBy, sel.limit, sel.offset, dest, outer);
    return compileCompound(ctx, sel, dest, outer, false, push);
  } finally {
    if (sel.with) ctx.ctes.pop();
  }
}

export interface Limits {
  limit: number; // register or 0
  offset: number;
  end: number; // label: stop producing rows
}

export function emitLimits(ctx: Ctx, scope: Scope | null, limit: Expr | undefined, offset: Expr | undefined, end: number): Limits {
  const b = ctx.b;
  const l: Limits = { limit: 0, offset: 0, end };
  if (limit) {
    l.limit = compileExpr(ctx, scope, limit);
    b.emit(Op.OffsetLimit, l.limit, 0, 0);
    b.emit(Op.IfNot, l.limit, end, 0);
  }
  if (offset) {
    l.offset = compileExpr(ctx, scope, offset);
    b.emit(Op.OffsetLimit, l.offset, 0, 1);
  }
  return l;
}

/** Emits the final delivery of a row in registers first..first+n-1, honouring OFFSET and LIMIT. */
export function emitDeliver(ctx: Ctx, dest: Dest, first: number, n: number, lim: Limits | null): void {
  const b = ctx.b;
  const skip = b.label();
  if (lim?.offset) b.emit(Op.IfPos, lim.offset, skip, 1);
  switch (dest.kind) {
    case "output":
      b.emit(Op.ResultRow, first, n);
      break;
    case "discard":
      break;
    case "eph":
      b.emit(Op.EphInsert, dest.cursor, first, n);
      break;
    case "queue":
      if (dest.set !== null) b.emit(Op.EphInsert, dest.set, first, n, skip);
      b.emit(Op.EphInsert, dest.cursor, first, n);
      break;
    case "scalar":
      b.emit(Op.Copy, first, dest.reg, 0);
      b.emit(Op.Goto, 0, dest.done);
      break;
    case "exists":
      b.emit(Op.Integer, 1, dest.reg);
      b.emit(Op.Goto, 0, dest.done);
      break;
  }
  if (lim?.limit) b.emit(Op.DecrJumpZero, lim.limit, lim.end);
  b.place(skip);
}

export interface OutCol {
  expr: Expr;
  name: string;
  meta: ColumnMeta;
}

function expandColumns(scope: Scope, cols: ResultColumn[]): OutCol[] {
  const out: OutCol[] = [];
  const lastRight = scope.sources.findLastIndex((s) => s.rightJoin);
  for (const rc of cols) {
    if (rc.kind === "expr") {
      let meta: ColumnMeta = { name: rc.alias ?? rc.text };
      if (rc.expr.kind === "column") {
        try {
          const saved = scope.correlated;
          const r = resolveColumn(scope, rc.expr.table, rc.expr.name);
          scope.correlated = saved;
          const c = r.col >= 0 ? r.source.columns[r.col]! : null;
          const colName = c ? c.name : rc.expr.name;
          meta = { name: rc.alias ?? colName, column: colName, type: c?.type ?? "INTEGER" };
          if (r.source.table) meta.table = r.source.table.name;
        } catch {
          /* reported at compile */
        }
      }
      out.push({ expr: rc.expr, name: meta.name, meta });
      continue;
    }
    const wanted = rc.kind === "table-star" ? rc.table.toLowerCase() : null;
    let any = false;
    for (const src of scope.sources) {
      const inner = wanted !== null && src.columnTables?.some((n) => n.toLowerCase() === wanted);
      if (wanted !== null && src.name.toLowerCase() !== wanted && !inner) continue;
      any = true;
      src.columns.forEach((c, i) => {
        if (wanted === null && src.hidden.has(i)) return;
        // `b.*` of a parenthesized join: b's columns of it.
        if (inner && src.columnTables![i]!.toLowerCase() !== wanted) return;
        const meta: ColumnMeta = { name: c.name, column: c.name, type: c.type };
        if (src.table) meta.table = src.table.name;
        // A USING column of a table left of a RIGHT/FULL JOIN is named unqualified, as SQLite's
        // selectExpander does (JT_LTORJ): it reads as the join made it, and is ambiguous if
        // another source has it.
        const lname = c.name.toLowerCase();
        const using = wanted === null && scope.sources.indexOf(src) < lastRight && scope.sources.some((o) => o !== src && [...o.hidden].some((h) => o.columns[h]!.name.toLowerCase() === lname));
        // By position: a subquery or parenthesized join may hold a name twice (b.x and c.x).
        out.push({ expr: using ? { kind: "column", name: c.name } : { kind: "column", table: src.name, name: c.name, at: i }, name: c.name, meta: using ? { name: c.name } : meta });
      });
    }
    if (wanted !== null && !any) throw new DbError("DB_ERROR", `no such table: ${rc.kind === "table-star" ? rc.table : ""}`);
    if (wanted === null && scope.sources.length === 0) throw new DbError("DB_ERROR", "no tables specified");
  }
  return out;
}

/** Collects aggregate calls (not descending into their arguments) of this query level. */
function collectAggs(ctx: Ctx, exprs: Expr[], out: FunctionCall[]): void {
  for (const e of exprs) {
    walkExpr(e, (n) => {
      if (n.kind === "function" && isAggregateCall(ctx, n)) {
        if (!out.includes(n)) out.push(n);
        return false;
      }
      return true;
    });
  }
}

/** Whether the result columns of `core` call an aggregate. */
function hasAggregates(ctx: Ctx, core: SelectSimple): boolean {
  const aggs: FunctionCall[] = [];
  collectAggs(ctx, core.columns.flatMap((c) => (c.kind === "expr" ? [c.expr] : [])), aggs);
  return aggs.length > 0;
}

function collectBare(scope: Scope, exprs: Expr[], bare: Map<string, number>, list: { source: Source; col: number }[], ctx: Ctx): void {
  for (const e of exprs) {
    walkExpr(e, (n) => {
      if (n.kind === "function" && isAggregateCall(ctx, n)) return false;
      if (n.kind === "column") {
        try {
          const saved = scope.correlated;
          const r = resolveColumn(scope, n.table, n.name);
          scope.correlated = saved;
          if (r.scope !== scope) return true;
          const key = `${r.source.cursor}:${r.col}`;
          if (!bare.has(key)) {
            bare.set(key, list.length);
            list.push({ source: r.source, col: r.col });
          }
        } catch {
          /* reported at compile */
        }
      }
      return true;
    });
  }
}

function nth(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th";
  return `${n}${s}`;
}

/** Resolves an ORDER BY / GROUP BY term that names a result column by position or alias. */
/**
 * The integer an ORDER BY / GROUP BY term is (sqlite3ExprIsInteger): an integer literal under any
 * unary + and -, inside one COLLATE around the whole term (sqlite3ExprSkipCollateAndLikely), that
 * fits 32 bits. Null for anything else (a larger integer is a constant).
 */
export function termInteger(term: Expr): number | null {
  let lit: Expr = term.kind === "collate" ? term.expr : term;
  let sign = 1;
  while (lit.kind === "unary" && (lit.op === "+" || lit.op === "-")) {
    if (lit.op === "-") sign = -sign;
    lit = lit.operand;
  }
  if (lit.kind !== "literal" || lit.type !== "integer") return null;
  const k = sign * Number(lit.value);
  return Number.isInteger(k) && k <= 2147483647 && k >= -2147483648 ? k : null;
}

function resultRef(term: Expr, cols: OutCol[], scope: Scope | null, what: string, ordinal = 1): number {
  const k = termInteger(term);
  if (k !== null) {
    if (k < 1 || k > cols.length) throw new DbError("DB_ERROR", `${nth(ordinal)} ${what} term out of range - should be between 1 and ${cols.length}`);
    return k - 1;
  }
  if (term.kind === "column" && !term.table) {
    const i = cols.findIndex((c) => c.name.toLowerCase() === term.name.toLowerCase() && c.expr !== term);
    if (i >= 0) {
      // A real column of that name takes precedence in GROUP BY; an alias does in ORDER BY.
      if (what === "GROUP BY" && scope) {
        try {
          const saved = scope.correlated;
          resolveColumn(scope, undefined, term.name);
          scope.correlated = saved;
          return -1;
        } catch {
          return i;
        }
      }
      return i;
    }
  }
  return -1;
}

export function compileCore(ctx: Ctx, core: SelectCore, orderBy: OrderingTerm[], limitE: Expr | undefined, offsetE: Expr | undefined, dest: Dest, outer: Scope | null, push?: PushTerm[]): SelectInfo {
  const b = ctx.b;
  if (core.kind === "values") {
    // VALUES: each row is delivered in turn (ORDER BY/LIMIT go through the compound path).
    if (orderBy.length || limitE) {
      return compileCompound(ctx, { kind: "select", core, compound: [], orderBy, ...(limitE ? { limit: limitE } : {}), ...(offsetE ? { offset: offsetE } : {}) }, dest, outer, true);
    }
    const n = core.rows[0]?.length ?? 0;
    const first = b.reg(n);
    for (const row of core.rows) {
      if (row.length !== n) throw new DbError("DB_ERROR", "all VALUES must have the same number of terms");
      // Terms pushed into a VALUES arm filter each row, as SQLite's one-row SELECT per row.
      const skip = b.label();
      for (const f of push ?? []) compileCondition(ctx, outer, f(row), skip, false, true);
      row.forEach((e, i) => compileExpr(ctx, outer, e, first + i));
      emitDeliver(ctx, dest, first, n, null);
      b.place(skip);
    }
    const columns = Array.from({ length: n }, (_, i) => ({ name: `column${i + 1}` }));
    const binary = core.rows.every((r) => r.every((e) => plainBinary(outer, e)));
    return { columns, affinities: columns.map(() => null), correlated: false, binary };
  }
  return compileSimple(ctx, core, orderBy, limitE, offsetE, dest, outer, push);
}

/**
 * `SELECT min(c) FROM t` / `max(c)` with an index (or the rowid) on c: read one end of the index
 * instead of scanning, as `SELECT c FROM t WHERE c IS NOT NULL ORDER BY c [DESC] LIMIT 1`.
 */
function minMaxShortcut(ctx: Ctx, core: SelectSimple, dest: Dest, outer: Scope | null): SelectInfo | null {
  const rc = core.columns[0];
  if (core.columns.length !== 1 || rc?.kind !== "expr" || core.where || core.groupBy.length || core.having || core.distinct) return null;
  const f = rc.expr;
  if (f.kind !== "function" || f.args.length !== 1 || f.distinct || f.filter || !["min", "max"].includes(f.name.toLowerCase())) return null;
  const arg = f.args[0]!;
  const from = core.from;
  if (arg.kind !== "column" || !from || from.kind !== "table") return null;
  const t = ctx.schema.getTable(from.name);
  if (!t || t.kind !== "table" || ctx.ctes.some((m) => m.has(from.name.toLowerCase()))) return null;
  const name = arg.name.toLowerCase();
  const ci = t.columns.findIndex((c) => c.name.toLowerCase() === name);
  const isRowid = ci === t.rowidAlias && ci >= 0 ? true : ci < 0 && ROWID_NAMES.has(name);
  const indexed = isRowid || t.indexes.some((i) => !i.where && i.columns[0] === ci && i.collations[0] === t.columns[ci]!.collation);
  if (!indexed) return null;
  const b = ctx.b;
  const reg = b.reg();
  const done = b.label();
  b.emit(Op.Null, 0, reg);
  const inner: Select = {
    kind: "select",
    core: { kind: "core", distinct: false, columns: [{ kind: "expr", expr: arg, text: rc.text }], from, where: { kind: "isnull", expr: arg, not: true }, groupBy: [] },
    compound: [],
    orderBy: [{ expr: arg, desc: f.name.toLowerCase() === "max" }],
    limit: { kind: "literal", type: "integer", value: "1" },
  };
  const info = compileSelect(ctx, inner, { kind: "scalar", reg, done }, outer);
  b.place(done);
  emitDeliver(ctx, dest, reg, 1, null);
  // min()/max() is a function: its result has no affinity, whatever its column's.
  return { columns: [{ name: rc.alias ?? rc.text }], affinities: [null], correlated: info.correlated, binary: true };
}

/**
 * `SELECT count(*) FROM t` (nothing else: no WHERE, GROUP BY, DISTINCT, ORDER BY or LIMIT): the
 * number of entries of t's B+tree, or of its narrowest index if that has fewer columns than
 * t's rows (one entry per row, fewer pages), counted from the leaves' cell counts without
 * reading a row, as SQLite's isSimpleCount / OP_Count. `NOT INDEXED` keeps to the table.
 */
function countShortcut(ctx: Ctx, core: SelectSimple, dest: Dest): SelectInfo | null {
  const rc = core.columns[0];
  if (core.columns.length !== 1 || rc?.kind !== "expr" || core.where || core.groupBy.length || core.having || core.distinct) return null;
  const f = rc.expr;
  if (f.kind !== "function" || f.name.toLowerCase() !== "count" || f.distinct || f.filter || f.args.length !== 0) return null;
  if (!isAggregateCall(ctx, f)) return null;
  const from = core.from;
  if (!from || from.kind !== "table") return null;
  const t = ctx.schema.getTable(from.name);
  if (!t || t.kind !== "table" || ctx.ctes.some((m) => m.has(from.name.toLowerCase()))) return null;
  const idx = from.notIndexed ? null : narrowestIndex(t, new Set());
  const b = ctx.b;
  const cur = b.cursor();
  const reg = b.reg();
  if (idx) {
    b.note(`SCAN ${t.name} USING COVERING INDEX ${idx.name}`);
    b.emit(Op.OpenRead, cur, idx.rootpage, 0, { index: { desc: idx.desc, collations: idx.collations } }, 0, idx.name);
  } else {
    b.note(`SCAN ${t.name}`);
    b.emit(Op.OpenRead, cur, t.rootpage, 0, undefined, 0, t.name);
  }
  b.emit(Op.Count, cur, reg);
  emitDeliver(ctx, dest, reg, 1, null);
  return { columns: [{ name: rc.alias ?? rc.text }], affinities: [null], correlated: false, binary: true };
}

function compileSimple(ctx: Ctx, core: SelectSimple, orderBy: OrderingTerm[], limitE: Expr | undefined, offsetE: Expr | undefined, dest: Dest, outer: Scope | null, push?: PushTerm[]): SelectInfo {
  const b = ctx.b;
  if (usesWindows(core, orderBy)) {
    // The FROM is compiled once to expand `*` and learn collations, then dropped: the rewritten
    // query (window.ts) compiles it again inside its window pass. The rewrite is kept per core,
    // so nested window queries are not compiled twice at every level.
    let sel = ctx.windowRewrites?.get(core);
    if (sel === undefined) {
      const m = b.mark();
      const scope = new Scope(buildSources(ctx, core.from, outer).sources, outer);
      const cols = expandColumns(scope, core.columns);
      sel = rewriteWindows(ctx, core, cols, scope, orderBy, limitE, offsetE);
      b.rollback(m);
      (ctx.windowRewrites ??= new WeakMap()).set(core, sel);
    }
    return compileSelect(ctx, sel, dest, outer, push);
  }
  if (!limitE && !offsetE && !push?.length) {
    const mm = minMaxShortcut(ctx, core, dest, outer);
    if (mm) return mm;
    const count = orderBy.length === 0 ? countShortcut(ctx, core, dest) : null;
    if (count) return count;
  }
  // `SELECT cols FROM cte LIMIT n` over a recursive CTE: the CTE stops after n rows (recursive.ts),
  // which is what makes `... UNION ALL SELECT x + 1 FROM cte) SELECT x FROM cte LIMIT 5` end.
  const hint = limitE && !offsetE && core.from?.kind === "table" && !core.where && !core.groupBy.length && !core.having && !core.distinct && !orderBy.length && !hasAggregates(ctx, core);
  if (hint) ctx.cteLimitHint = limitE;
  const mark = b.mark();
  // The push-down plan of a core depends only on its own FROM and WHERE, so a core compiled again
  // (its enclosing query's FROM recompiled for push-down) reuses it: compiling the FROM twice at
  // every level would take time exponential in the nesting depth.
  const planned = ctx.pushPlans?.get(core);
  let from = buildSources(ctx, core.from, outer, planned?.size ? planned : undefined);
  let scope = new Scope(from.sources, outer);
  // Result-column aliases in WHERE, HAVING, GROUP BY and ORDER BY expressions (alias.ts).
  const aliases = resultAliases(core.columns);
  const whereE = core.where && withUsing(scope, withAliases(scope, core.where, aliases));
  const havingE = core.having && withUsing(scope, withAliases(scope, core.having, aliases));
  const bare = (e: Expr) => e.kind === "column" && e.table === undefined;
  const groupByE = core.groupBy.map((g) => (bare(g) ? g : withUsing(scope, termWithAliases(scope, g, aliases))));
  orderBy = orderBy.map((o) => {
    const expr = bare(o.expr) ? o.expr : withUsing(scope, termWithAliases(scope, o.expr, aliases));
    return expr === o.expr ? o : { ...o, expr };
  });
  const whereConjuncts = conjuncts(whereE);
  if (!planned) {
    const pushes = planPushDown(ctx, scope, whereConjuncts, from.innerTerms);
    (ctx.pushPlans ??= new WeakMap()).set(core, pushes);
    if (pushes.size) {
      // Terms go into compound sources as they are compiled: compile the FROM clause again.
      b.rollback(mark);
      if (hint) ctx.cteLimitHint = limitE;
      from = buildSources(ctx, core.from, outer, pushes);
      scope = new Scope(from.sources, outer);
    }
  }
  const { innerTerms, correlated: fromCorrelated } = from;
  ctx.cteLimitHint = undefined;
  if (fromCorrelated) scope.correlated = true;
  const cols = expandColumns(scope, core.columns).map((c) => ({ ...c, expr: withUsing(scope, c.expr) }));
  // Terms pushed down from an enclosing query (pushdown.ts): WHERE terms, HAVING ones if aggregate.
  const pushed = (push ?? []).map((f) => f(cols.map((c) => c.expr)));
  const n = cols.length;
  const end = b.label();
  const lim = emitLimits(ctx, outer, limitE, offsetE, end);

  // An EXISTS subquery's rows are only counted: SQLite drops its ORDER BY (aggregates there
  // included) and DISTINCT, and never computes its result columns (selectInnerLoop codes no
  // result for SRT_Exists), so their errors do not surface. @db keeps DISTINCT when there is an
  // OFFSET, where it changes the answer (docs/sql-differences.md).
  const existsOnly = dest.kind === "exists" && (!core.distinct || !offsetE);

  // Aggregation?
  const orderExprs = orderBy.map((o, j) => {
    const i = resultRef(o.expr, cols, scope, "ORDER BY", j + 1);
    return i >= 0 ? null : o.expr;
  });
  const groupExprs = groupByE.map((g, j): Expr => {
    const i = resultRef(g, cols, scope, "GROUP BY", j + 1);
    if (i < 0) return g;
    // `GROUP BY 1 COLLATE NOCASE` groups the first column under NOCASE (SQLite's resolveAlias).
    return g.kind === "collate" ? { kind: "collate", expr: cols[i]!.expr, collation: g.collation } : cols[i]!.expr;
  });
  const aggCalls: FunctionCall[] = [];
  collectAggs(ctx, [...cols.map((c) => c.expr), ...(havingE ? [havingE] : []), ...(existsOnly ? [] : orderExprs.filter((e): e is Expr => e !== null))], aggCalls);
  const isAgg = aggCalls.length > 0 || groupExprs.length > 0;
  if (havingE && !isAgg) throw new DbError("DB_ERROR", "HAVING clause on a non-aggregate query");
  if (isAgg) collectAggs(ctx, pushed, aggCalls);
  // HAVING terms on GROUP BY terms only filter rows in the WHERE clause instead (having.ts).
  const moved = groupExprs.length > 0 ? havingToWhere(ctx, scope, andAll(havingE, pushed), groupExprs) : null;
  const having = moved ? andAll(undefined, moved.keep) : isAgg ? andAll(havingE, pushed) : havingE;
  if (whereE) {
    const whereAggs: FunctionCall[] = [];
    collectAggs(ctx, [whereE], whereAggs);
    if (whereAggs.length) throw new DbError("DB_ERROR", `misuse of aggregate: ${whereAggs[0]!.name}()`);
  }

  // WHERE terms first, then inner joins' ON terms: SQLite appends the ON clauses to the WHERE.
  // Pushed-down terms join the WHERE's (HAVING's, if aggregate).
  const whereTerms = [...whereConjuncts, ...(isAgg ? [] : pushed.flatMap((t) => conjuncts(t))), ...innerTerms, ...(moved?.move ?? [])];
  // Automatic indexes only in reads: a statement that writes could change the table under the snapshot.
  // Like SQLite, a subquery is planned as if it ran once (no automatic index in its outermost loop).
  const p = plan(scope, whereTerms, () => b.cursor(), { autoIndex: !b.writes, outerRows: 1, joinAt: from.joinAt });
  const resolveTerm = (o: OrderingTerm): Expr => {
    const i = resultRef(o.expr, cols, scope, "ORDER BY");
    return i >= 0 ? cols[i]!.expr : o.expr;
  };
  // A RIGHT JOIN's unmatched rows come after the loops, out of any index order.
  const ordered = !isAgg && !p.levels.some((l) => l.source.rightJoin) && satisfyOrder(scope, p, orderBy, resolveTerm, () => b.cursor());

  // The result row into res..res+n-1. For EXISTS the columns are compiled and the code dropped:
  // SQLite computes none of them, but still checks them (names, compounds inside).
  const resultColumns = (res: number) => {
    const m = existsOnly ? b.mark() : null;
    cols.forEach((c, i) => compileExpr(ctx, scope, c.expr, res + i));
    if (m) b.rollback(m);
  };

  // Sorter and DISTINCT set.
  const sorter = orderBy.length && !ordered && !existsOnly ? b.cursor() : -1;

  const sortSpec: SortKeySpec[] = orderBy.map((o, i) => ({
    desc: o.desc,
    ...(o.nulls ? { nulls: o.nulls } : {}),
    collation: (o.collation ?? (orderExprs[i] ? exprCollation(scope, orderExprs[i]!) : exprCollation(scope, cols[resultRef(o.expr, cols, scope, "ORDER BY")]!.expr)) ?? "BINARY").toUpperCase(),
  }));
  if (sorter >= 0) b.emit(Op.OpenSorter, sorter, lim.limit, lim.offset, sortSpec);
  const distinct = core.distinct && !existsOnly ? b.cursor() : -1;
  if (distinct >= 0) {
    // Rows are distinct under each result column's collation (`SELECT DISTINCT x COLLATE NOCASE`).
    const collations = cols.map((c) => (exprCollation(scope, c.expr) ?? "BINARY").toUpperCase());
    b.emit(Op.OpenEphemeral, distinct, 1, 0, collations.some((c) => c !== "BINARY") ? { collations } : undefined);
  }

  // Emits a finished result row (registers res..res+n-1): DISTINCT, then sorter or delivery.
  const consume = (res: number) => {
    const skip = b.label();
    if (distinct >= 0) b.emit(Op.EphInsert, distinct, res, n, skip);
    if (sorter >= 0) {
      const keys = b.reg(orderBy.length + n);
      orderBy.forEach((o, i) => {
        const ri = resultRef(o.expr, cols, scope, "ORDER BY");
        if (ri >= 0) b.emit(Op.Copy, res + ri, keys + i, 0);
        else compileExpr(ctx, scope, o.expr, keys + i);
      });
      b.emit(Op.Copy, res, keys + orderBy.length, n - 1);
      b.emit(Op.SorterInsert, sorter, keys, orderBy.length + n, { nKeys: orderBy.length });
    } else emitDeliver(ctx, dest, res, n, lim);
    b.place(skip);
  };

  // Aggregation state. With GROUP BY, a group table (a pseudo cursor) holds each group's
  // accumulators; without, the accumulators are the query's own (AggReset), stepped in the loop
  // and finalized once after it, as SQLite does: no group machinery per row.
  const grouped = groupExprs.length > 0;
  const groupCur = grouped ? b.cursor() : -1;
  for (const f of aggCalls) {
    const fn = aggregateFunctions.get(f.name.toLowerCase());
    const argc = f.star ? 0 : f.args.length;
    if (fn && (argc < fn.minArgs || argc > fn.maxArgs)) throw new DbError("DB_ERROR", `wrong number of arguments to function ${f.name}()`);
    if (f.distinct && f.args.length !== 1) throw new DbError("DB_ERROR", "DISTINCT aggregates must have exactly one argument");
  }
  const aggDefs: AggDef[] = aggCalls.map((f) => {
    const name = f.name.toLowerCase();
    const coll = f.args.length === 1 ? exprCollation(scope, f.args[0]!) : null;
    return {
      name,
      distinct: !!f.distinct,
      star: !!f.star || (name === "count" && f.args.length === 0),
      ...(coll ? { collation: coll } : {}),
      ...(f.filter ? { filter: true } : {}),
      ...jsonAggMarks(scope, name, f.args),
    };
  });
  const bareMap = new Map<string, number>();
  const bareList: { source: Source; col: number }[] = [];
  if (isAgg) {
    // Groups form under each GROUP BY term's collation (SQLite's KeyInfo of the GROUP BY sorter).
    const keyColls = groupExprs.map((g) => exprCollation(scope, g) ?? "BINARY");
    if (grouped) b.emit(Op.OpenPseudo, groupCur, 0, 0, keyColls.some((c) => c !== "BINARY") ? { aggs: aggDefs, keyCollations: keyColls } : aggDefs);
    collectBare(scope, [...cols.map((c) => c.expr), ...(having ? [having] : []), ...orderExprs.filter((e): e is Expr => e !== null)], bareMap, bareList, ctx);
  }
  // Without GROUP BY, bare columns are copied to registers from one row, as SQLite picks it
  // (select.c, regAcc and regHit): the row a min()/max() marks as its new best (the last such
  // aggregate stepped in the row decides), else the first row. hitReg is 0 for "copy this row";
  // accReg is 0 until the first row, then 1, and exists unless a min()/max() without FILTER
  // runs on every row; a min()/max() with FILTER starts each row from it.
  // With GROUP BY, the same per group (SQLite's updateAccumulator with regAcc = iUseFlag): accReg
  // (0 on a group's first row, set by GroupStep) exists unless every min()/max() runs on every row,
  // and every min()/max() with FILTER starts the row from it; the values are stored only when
  // the row is picked (GroupIfBare). A DISTINCT min()/max() skips duplicates without a verdict,
  // leaving the previous row's of the same group: the group saves and restores hitReg.
  const minMaxKinds = aggDefs.map((d) => accumulatorKind(d) === "minmax");
  let bareBase = 0;
  let hitReg = 0;
  let accReg = 0;
  let saveHit = false;
  if (isAgg && grouped && bareList.length) {
    if (minMaxKinds.some((m) => m)) hitReg = b.reg();
    if (!minMaxKinds.some((m) => m) || aggCalls.some((f, i) => minMaxKinds[i] && f.filter)) accReg = b.reg();
    saveHit = aggDefs.some((d, i) => minMaxKinds[i] && d.distinct);
  }
  // Accumulator i: slot accBase + i without GROUP BY (slots are the program's: a subquery has
  // its own), else index i in each group.
  const accBase = isAgg && !grouped ? b.aggSlots(aggCalls.length) : 0;
  if (isAgg && !grouped) {
    aggDefs.forEach((d, i) => b.emit(Op.AggReset, accBase + i, 0, 0, d, 0, aggCalls[i]!.name));
    if (bareList.length) {
      bareBase = b.reg(bareList.length);
      b.emit(Op.Null, 0, bareBase, bareBase + bareList.length - 1);
      if (minMaxKinds.some((m) => m)) hitReg = b.reg();
      if (!aggCalls.some((f, i) => minMaxKinds[i] && !f.filter)) {
        accReg = b.reg();
        b.emit(Op.Integer, 0, accReg);
      }
    }
  }

  // Constant terms: evaluated once before the loops (an aggregate still yields its row).
  const afterLoops = b.label();
  for (const t of p.constTerms) compileCondition(ctx, scope, t, afterLoops, false, true);

  const body = () => {
    if (!isAgg) {
      const res = b.reg(n);
      resultColumns(res);
      consume(res);
      return;
    }
    const aggP5 = grouped ? groupCur + 1 : 0;
    let keys = 0;
    if (grouped) {
      keys = b.reg(groupExprs.length);
      groupExprs.forEach((g, i) => compileExpr(ctx, scope, g, keys + i));
      b.emit(Op.GroupStep, groupCur, keys, groupExprs.length, bareList.length ? { accReg, hitReg: saveHit ? hitReg : 0 } : undefined);
    }
    aggCalls.forEach((f, ai) => {
      const def = aggDefs[ai]!;
      const nArgs = def.star ? 0 : f.args.length;
      const args = b.reg(Math.max(1, nArgs));
      if (!def.star) f.args.forEach((a, i) => compileExpr(ctx, scope, def.asJson?.[i] === 1 ? jsonArgument(a) : a, args + i));
      let skipF = 0;
      if (f.filter) {
        if (hitReg && accReg && minMaxKinds[ai]) b.emit(Op.Copy, accReg, hitReg, 0);
        skipF = b.label();
        const fr = compileExpr(ctx, scope, f.filter);
        b.emit(Op.IfNot, fr, skipF, 1);
      }
      // count, sum/total/avg and min/max step through ops of their own (no argument array).
      const kind = nArgs <= 1 ? accumulatorKind(def) : null;
      const slot = accBase + ai;
      if (kind === "count") b.emit(Op.AggCount, def.star ? 0 : args, 0, slot, undefined, aggP5, f.name);
      else if (kind === "sum") b.emit(Op.AggSum, args, 0, slot, undefined, aggP5, f.name);
      else if (kind === "minmax") b.emit(Op.AggMinMax, args, hitReg, slot, undefined, aggP5, f.name);
      else b.emit(Op.AggStep, args, nArgs, slot, undefined, aggP5, f.name);
      if (skipF) b.place(skipF);
    });
    if (grouped && bareList.length) {
      const bareReg = b.reg(Math.max(1, bareList.length));
      // A bare column that is also a GROUP BY term (GROUP BY u.tag ... SELECT u.tag) is this row's
      // key value: copied, not read and decoded from the record again.
      const keyOf = new Map<string, number>();
      groupExprs.forEach((g, i) => {
        if (g.kind !== "column") return;
        try {
          const saved = scope.correlated;
          const rc = resolveColumn(scope, g.table, g.name);
          scope.correlated = saved;
          if (rc.scope === scope) keyOf.set(`${rc.source.cursor}:${rc.col}`, keys + i);
        } catch {
          /* reported when the key was compiled */
        }
      });
      const skip = b.label();
      b.emit(Op.GroupIfBare, groupCur, skip, hitReg || accReg, undefined, saveHit ? 1 : 0);
      bareList.forEach((bc, i) => {
        const k = keyOf.get(`${bc.source.cursor}:${bc.col}`);
        if (k !== undefined) b.emit(Op.Copy, k, bareReg + i, 0);
        else emitColumn(ctx, { scope, source: bc.source, col: bc.col }, bareReg + i);
      });
      b.emit(Op.GroupSetBare, groupCur, bareReg, bareList.length);
      b.place(skip);
    }
    if (!grouped && bareList.length) {
      const skip = b.label();
      b.emit(Op.If, hitReg || accReg, skip, 0);
      bareList.forEach((bc, i) => emitColumn(ctx, { scope, source: bc.source, col: bc.col }, bareBase + i));
      b.place(skip);
      if (accReg) b.emit(Op.Integer, 1, accReg);
    }
  };

  // What the loops read: terms a seek consumed are not (an index on lower(b) that a
  // `lower(b) = ?` seek used covers `SELECT rowid`), the seeks' keys are.
  const used = usedColumns(scope, [
    ...cols.map((c) => c.expr),
    ...p.constTerms,
    ...p.levels.flatMap((lv) => [...lv.terms, ...lv.onTerms, ...accessExprs(lv.access)]),
    ...groupExprs,
    ...(having ? [having] : []),
    ...orderBy.map((o) => o.expr),
  ]);
  // (Not in a statement that writes: it may change the index under the scan.)
  if (used && !b.writes) scanCoveringIndexes(p.levels, used, () => b.cursor());
  if (used) markCovering(p.levels, used);
  emitLoops(ctx, scope, p.levels, 0, body);
  b.place(afterLoops);

  if (isAgg && !grouped) {
    // One row: the accumulators' final values, then HAVING and the result columns over them.
    const next = b.label();
    const aggBase = b.reg(aggCalls.length);
    aggCalls.forEach((f, i) => b.emit(Op.AggFinal, accBase + i, aggBase + i, 0, undefined, 0, f.name));
    scope.aggs = new Map(aggCalls.map((f, i) => [f as Expr, i]));
    scope.bare = bareMap;
    scope.aggRegBase = aggBase;
    scope.bareRegBase = bareBase;
    if (having) compileCondition(ctx, scope, having, next, false, true);
    const res = b.reg(n);
    resultColumns(res);
    consume(res);
    b.place(next);
    scope.aggs = null;
    scope.bare = null;
    scope.aggRegBase = -1;
    scope.bareRegBase = -1;
  }
  if (isAgg && grouped) {
    const done = b.label();
    const top = b.label();
    const next = b.label();
    b.emit(Op.GroupRewind, groupCur, done, 0);
    b.place(top);
    // Every aggregate of the group is finalized once, before HAVING, as SQLite's AggFinal: a
    // finalizer's error (sum's integer overflow) surfaces even for a group HAVING drops.
    const aggBase = b.reg(aggCalls.length);
    aggCalls.forEach((f, i) => b.emit(Op.GroupAggFinal, groupCur, i, aggBase + i, undefined, 0, f.name));
    scope.aggs = new Map(aggCalls.map((f, i) => [f as Expr, i]));
    scope.aggRegBase = aggBase;
    scope.bare = bareMap;
    scope.groupCursor = groupCur;
    scope.nGroupKeys = groupExprs.length;
    if (having) compileCondition(ctx, scope, having, next, false, true);
    const res = b.reg(n);
    resultColumns(res);
    consume(res);
    b.place(next);
    b.emit(Op.GroupNext, groupCur, top);
    scope.aggs = null;
    scope.aggRegBase = -1;
    scope.bare = null;
    b.place(done);
  }

  if (sorter >= 0) {
    const done = b.label();
    const top = b.label();
    b.note("USE TEMP B-TREE FOR ORDER BY");
    b.emit(Op.SorterSort, sorter, done);
    b.place(top);
    const res = b.reg(n);
    for (let i = 0; i < n; i++) b.emit(Op.Column, sorter, i, res + i);
    emitDeliver(ctx, dest, res, n, lim);
    b.emit(Op.Next, sorter, top);
    b.place(done);
  }
  b.place(end);
  return {
    columns: cols.map((c) => c.meta),
    affinities: cols.map((c) => exprAffinity(scope, c.expr)),
    dataTypes: cols.map((c) => exprDataType(scope, c.expr)),
    casts: cols.map((c) => c.expr.kind === "cast"),
    correlated: scope.correlated,
    binary: cols.every((c) => plainBinary(scope, c.expr)),
  };
}

const OPS = { gt: ">", ge: ">=", lt: "<", le: "<=" } as const;

/**
 * The columns the query reads from each source of `scope` (-1: the rowid), or null when a
 * subquery is involved (it may read any column).
 */
function usedColumns(scope: Scope, exprs: Expr[]): Map<Source, Set<number>> | null {
  let opaque = false;
  const used = new Map<Source, Set<number>>();
  for (const e of exprs) {
    walkExpr(e, (n) => {
      if (isSubquery(n)) opaque = true;
      if (n.kind === "column") {
        try {
          const saved = scope.correlated;
          const r = resolveColumn(scope, n.table, n.name);
          scope.correlated = saved;
          if (r.scope !== scope) return;
          const set = used.get(r.source) ?? new Set<number>();
          set.add(r.col < 0 ? -1 : r.source.columns[r.col]!.index);
          used.set(r.source, set);
        } catch {
          /* reported at compile */
        }
      }
    });
  }
  return opaque ? null : used;
}

/** Positions of `idx`'s columns if it holds every column of `cols` (and so the rowid), else null. */
function coverPositions(t: Table, idx: Index, cols: Set<number>): Map<number, number> | null {
  const pos = new Map<number, number>();
  idx.columns.forEach((c, j) => {
    if (!pos.has(c)) pos.set(c, j);
  });
  // A VIRTUAL column the index lacks is computed from the columns it reads.
  const held = (c: number): boolean => c === -1 || c === t.rowidAlias || pos.has(c) || (isVirtual(t.columns[c]) && [...virtualInputs(t, c)].every(held));
  return [...cols].every(held) ? pos : null;
}

/**
 * The index of `t` with the fewest columns that holds every column of `cols`, if it has fewer
 * columns than `t`'s rows store (the rowid alias is not stored): SQLite's choice of a smaller
 * B+tree to scan instead of the table.
 */
function narrowestIndex(t: Table, cols: Set<number>): Index | null {
  let best: Index | null = null;
  let width = t.columns.length - (t.rowidAlias >= 0 ? 1 : 0);
  for (const idx of t.indexes) {
    if (!idx.where && idx.columns.length < width && coverPositions(t, idx, cols)) {
      best = idx;
      width = idx.columns.length;
    }
  }
  return best;
}

/**
 * A full scan of a table reads the narrowest index that holds every column the query needs from
 * it instead, when that index has fewer columns than the table's rows, as SQLite's planner does
 * (whereLoopAddBtree's full scan of a covering index): fewer pages, and the rows come in the
 * index's order, the order SQLite returns them in.
 */
function scanCoveringIndexes(levels: Level[], used: Map<Source, Set<number>>, newCursor: () => number): void {
  for (const lv of levels) {
    const t = lv.source.table;
    if (lv.access.kind !== "scan" || !t || t.triggers.length || lv.source.notIndexed || lv.source.rightJoin) continue;
    const best = narrowestIndex(t, used.get(lv.source) ?? new Set<number>());
    if (best) lv.access = { kind: "index", index: best, keys: [], cursor: newCursor(), lower: null, upper: null };
  }
}

/**
 * An index covers a level when every column the query reads from that table is in the index
 * (the index record holds those values and the rowid), so the table is never visited.
 */
function markCovering(levels: Level[], used: Map<Source, Set<number>>): void {
  for (const lv of levels) {
    const acc = lv.access;
    const t = lv.source.table;
    // A RIGHT JOIN's table is scanned again for its unmatched rows, through the table cursor.
    if (acc.kind !== "index" || !t || t.triggers.length || lv.source.rightJoin) continue;
    const pos = coverPositions(t, acc.index, used.get(lv.source) ?? new Set<number>());
    if (pos) lv.source.cover = { cursor: acc.cursor, pos };
  }
}

/** json_group_array/object's JSON-marked arguments (expr.ts jsonMarks), as AggDef fields. */
function jsonAggMarks(scope: Scope, name: string, args: Expr[]): { asJson?: number[] } {
  const marks = name === "json_group_array" || name === "json_group_object" ? jsonMarks(scope, args) : null;
  return marks ? { asJson: marks } : {};
}

/** The expressions an access path evaluates (seek keys and bounds). */
function accessExprs(a: Access): Expr[] {
  const bounds = (lo: Bound | null, hi: Bound | null) => [lo?.expr, hi?.expr].filter((e): e is Expr => e !== undefined);
  switch (a.kind) {
    case "rowid":
      return [a.key, ...(a.inList ?? [])];
    case "rowid-range":
      return bounds(a.lower, a.upper);
    case "index":
      return [...a.keys, ...(a.inList ?? []), ...bounds(a.lower, a.upper)];
    case "auto":
      return a.keys;
    case "or":
      return a.arms.flatMap(accessExprs);
    default:
      return [];
  }
}

/** Emits nested loops for levels[i..], calling `body` in the innermost. */
/** Opens a level's table cursor and index cursor (before any jump to a loop's end: a LEFT JOIN's NULL row marks both). */
function emitOpens(b: Builder, lv: Level): void {
  const src = lv.source;
  const acc = lv.access;
  if (src.table && !src.cover) b.emit(Op.OpenRead, src.cursor, src.table.rootpage, 0, undefined, 0, src.table.name);
  // A table-valued function's table is made at its loop's start; empty until then (a NULL row may come first).
  if (src.tvf) b.emit(Op.OpenEphemeral, src.cursor, 0);
  if (acc.kind === "index") b.emit(Op.OpenRead, acc.cursor, acc.index.rootpage, 0, { index: { desc: acc.index.desc, collations: acc.index.collations } }, 0, acc.index.name);
}

function emitLoops(ctx: Ctx, scope: Scope, levels: Level[], i: number, body: () => void): void {
  if (i >= levels.length) {
    body();
    return;
  }
  const b = ctx.b;
  const lv = levels[i]!;
  const src = lv.source;
  const left = src.join === "left";
  const top = b.label();
  const next = b.label();
  const endL = b.label();
  const bodyL = b.label();
  const match = left ? b.reg() : 0;
  if (left) b.emit(Op.Integer, 0, match);
  const label = src.table && src.name !== src.table.name ? `${src.table.name} AS ${src.name}` : src.name;
  // Every level's cursors are opened once before the outermost loop, not again per outer row.
  if (i === 0) {
    for (const l of levels) emitOpens(b, l);
    for (const l of levels) {
      if (!l.source.rightJoin) continue;
      l.matched = b.cursor();
      b.emit(Op.OpenEphemeral, l.matched, 1);
    }
  }
  const acc = lv.access;
  const rev = lv.reverse ? 1 : 0;
  // An IN list drives the seek: loop over its distinct values (sorted, NULLs dropped).
  const inList = acc.kind === "rowid" || acc.kind === "index" ? acc.inList : undefined;
  let inCur = -1;
  let inTop = 0;
  let inNext = 0;
  let inKey = 0;
  let seekFail = endL;
  let orList = -1;
  if (inList) {
    inCur = b.cursor();
    inTop = b.label();
    inNext = b.label();
    seekFail = inNext;
    const colIdx = acc.kind === "index" ? acc.index.columns[0]! : -1;
    const aff = colIdx < 0 || colIdx === src.table!.rowidAlias ? "INTEGER" : seekAffinity(src.table!.columns[colIdx]!.affinity);
    b.emit(Op.OpenEphemeral, inCur, 1);
    const v = b.reg();
    for (const item of inList) {
      const skipNull = b.label();
      compileExpr(ctx, scope, item, v);
      b.emit(Op.Affinity, v, 1, 0, [aff]);
      b.emit(Op.IsNull, v, skipNull);
      b.emit(Op.EphInsert, inCur, v, 1);
      b.place(skipNull);
    }
    b.emit(Op.Rewind, inCur, endL);
    b.place(inTop);
    inKey = b.reg();
    b.emit(Op.Column, inCur, 0, inKey);
  }
  if (src.tvf) emitTableFunction(ctx, scope, src);
  if (acc.kind === "scan") {
    b.note(`SCAN ${label}`);
    b.emit(Op.Rewind, src.cursor, endL);
    b.place(top);
  } else if (acc.kind === "rowid") {
    b.note(`SEARCH ${label} USING INTEGER PRIMARY KEY (rowid${inList ? " IN (...)" : "=?"})`);
    const k = inList ? inKey : compileExpr(ctx, scope, acc.key);
    b.emit(Op.SeekRowid, src.cursor, seekFail, k);
    b.place(top);
  } else if (acc.kind === "rowid-range") {
    const parts = [acc.lower ? `rowid${OPS[acc.lower.op]}?` : null, acc.upper ? `rowid${OPS[acc.upper.op]}?` : null].filter(Boolean);
    b.note(parts.length ? `SEARCH ${label} USING INTEGER PRIMARY KEY (${parts.join(" AND ")})` : `SCAN ${label}`);
    const lo = acc.lower ? compileExpr(ctx, scope, acc.lower.expr) : 0;
    const hi = acc.upper ? compileExpr(ctx, scope, acc.upper.expr) : 0;
    b.emit(Op.SeekRowidRange, src.cursor, endL, lo, { lower: acc.lower?.op ?? null, upper: acc.upper?.op ?? null, upperReg: hi }, rev);
    b.place(top);
  } else if (acc.kind === "or") {
    b.note("MULTI-INDEX OR");
    orList = emitOrRowids(ctx, scope, src, acc, emitLoops);
    b.emit(Op.Rewind, orList, endL);
    b.place(top);
    const rid = b.reg();
    b.emit(Op.Column, orList, 0, rid);
    b.emit(Op.SeekRowid, src.cursor, next, rid);
  } else if (acc.kind === "auto") {
    b.note(autoIndexNote(src, acc, label));
    emitAutoIndex(ctx, scope, src, acc, seekFail);
    b.place(top);
  } else {
    const idx = acc.index;
    const colName = (c: number) => (c === -2 ? "<expr>" : c < 0 ? "rowid" : src.table!.columns[c]!.name);
    const names = idx.columns.slice(0, acc.keys.length).map((c, j) => `${colName(c)}${j === 0 && inList ? " IN (...)" : "=?"}`);
    const rc = idx.columns[acc.keys.length];
    if (acc.lower) names.push(`${colName(rc!)}${OPS[acc.lower.op]}?`);
    if (acc.upper) names.push(`${colName(rc!)}${OPS[acc.upper.op]}?`);
    const how = src.cover && !lv.orArm ? "COVERING INDEX" : "INDEX";
    b.note(names.length ? `SEARCH ${label} USING ${how} ${idx.name} (${names.join(" AND ")})` : `SCAN ${label} USING ${how} ${idx.name}`);
    const bounds = [acc.lower, acc.upper].filter((x): x is NonNullable<typeof x> => x !== null);
    const n = acc.keys.length + bounds.length;
    const first = b.reg(n);
    acc.keys.forEach((k, j) => {
      if (j === 0 && inList) b.emit(Op.Copy, inKey, first, 0);
      else compileExpr(ctx, scope, k, first + j);
    });
    bounds.forEach((bd, j) => compileExpr(ctx, scope, bd.expr, first + acc.keys.length + j));
    const affOf = (j: number) => keyAffinity(src.table!, idx, j);
    const inAff = (c: number) => (c < 0 ? "INTEGER" : seekAffinity(src.table!.columns[c]!.affinity));
    // Keys and bounds are converted as the comparison with the column converts them.
    const affs = [
      ...idx.columns.slice(0, acc.keys.length).map((c, j) => (j === 0 && inList ? inAff(c) : probeAffinity(scope, affOf(j), acc.keys[j]!))),
      ...bounds.map((bd) => probeAffinity(scope, affOf(acc.keys.length), bd.expr)),
    ];
    b.emit(Op.Affinity, first, n, 0, affs);
    if (bounds.length || rev || acc.keys.length === 0) b.emit(Op.SeekRange, acc.cursor, seekFail, first, { nEq: acc.keys.length, lower: acc.lower?.op ?? null, upper: acc.upper?.op ?? null }, rev);
    else b.emit(Op.SeekPrefix, acc.cursor, seekFail, first, acc.keys.length);
    b.place(top);
    if (!src.cover) {
      const rid = b.reg();
      b.emit(Op.Rowid, acc.cursor, rid);
      b.emit(Op.SeekRowid, src.cursor, next, rid);
    }
  }
  for (const t of lv.onTerms) compileCondition(ctx, scope, t, next, false, true);
  if (left) b.emit(Op.Integer, 1, match);
  if (lv.matched !== undefined) {
    const rid = b.reg();
    b.emit(Op.Rowid, src.cursor, rid);
    b.emit(Op.EphInsert, lv.matched, rid, 1);
  }
  b.place(bodyL);
  for (const t of lv.terms) compileCondition(ctx, scope, t, next, false, true);
  b.planDepth++;
  emitLoops(ctx, scope, levels, i + 1, body);
  b.planDepth--;
  b.place(next);
  if (acc.kind === "scan") b.emit(Op.Next, src.cursor, top);
  else if (acc.kind === "rowid-range") b.emit(Op.NextRange, src.cursor, top, 0, undefined, rev);
  else if (acc.kind === "index") {
    if (acc.lower || acc.upper || rev || acc.keys.length === 0) b.emit(Op.NextRange, acc.cursor, top, 0, undefined, rev);
    else b.emit(Op.IdxNextPrefix, acc.cursor, top);
  } else if (acc.kind === "auto") b.emit(Op.IdxNextPrefix, acc.cursor, top);
  else if (acc.kind === "or") b.emit(Op.Next, orList, top);
  if (inList) {
    b.place(inNext);
    b.emit(Op.Next, inCur, inTop);
  }
  b.place(endL);
  if (left) {
    const done = b.label();
    b.emit(Op.IfPos, match, done, 0);
    if (!src.cover) b.emit(Op.NullRow, src.cursor);
    if (acc.kind === "index" || acc.kind === "auto") b.emit(Op.NullRow, acc.cursor);
    b.emit(Op.Integer, 1, match);
    b.emit(Op.Goto, 0, bodyL);
    b.place(done);
  }
  // Each RIGHT/FULL JOIN's unmatched rows, in FROM order: a later one's matches include the
  // rows an earlier one added.
  if (i === 0) levels.forEach((l, k) => l.matched !== undefined && emitUnmatched(ctx, scope, levels, k, body));
}

/**
 * After the join loops, the rows of the RIGHT/FULL JOIN's table at level k that no left row
 * matched: every source to its left reads as NULL, the WHERE terms of level k are tested, and
 * the levels after k run as usual (SQLite's right-join "unmatched rows" loop, wherecode.c).
 */
function emitUnmatched(ctx: Ctx, scope: Scope, levels: Level[], k: number, body: () => void): void {
  const b = ctx.b;
  const lv = levels[k]!;
  const src = lv.source;
  const top = b.label();
  const next = b.label();
  const done = b.label();
  b.note(`RIGHT-JOIN ${src.name}`);
  b.emit(Op.Rewind, src.cursor, done);
  b.place(top);
  const rid = b.reg();
  b.emit(Op.Rowid, src.cursor, rid);
  b.emit(Op.Found, lv.matched!, next, rid, 1);
  for (const l of levels.slice(0, k)) {
    if (!l.source.cover) b.emit(Op.NullRow, l.source.cursor);
    if (l.access.kind === "index" || l.access.kind === "auto") b.emit(Op.NullRow, l.access.cursor);
  }
  for (const t of lv.terms) compileCondition(ctx, scope, t, next, false, true);
  b.planDepth++;
  emitLoops(ctx, scope, levels, k + 1, body);
  b.planDepth--;
  b.place(next);
  b.emit(Op.Next, src.cursor, top);
  b.place(done);
}

/**
 * The affinity of column i of a compound (select.c selectAddColumnTypeAndCollation): the leftmost
 * arm's that has one; dropped to BLOB when another arm may produce values it would fight (a TEXT
 * column with a numeric arm, a numeric one with a text arm); a numeric CAST in the leftmost arm
 * gives SQLite's FLEXNUM, which compares as NUMERIC and does not turn integers into reals.
 */
function compoundAffinity(arms: SelectInfo[], i: number): Affinity | null {
  const dt = (a: SelectInfo) => a.dataTypes?.[i] ?? 0x07;
  let k = 0;
  let m = 0;
  let aff = arms[0]!.affinities[i] ?? null;
  while (aff === null && k < arms.length - 1) {
    m |= dt(arms[k]!);
    k++;
    aff = arms[k]!.affinities[i] ?? null;
  }
  if (aff === null || arms.length === 1) return aff;
  for (let j = k + 1; j < arms.length; j++) m |= dt(arms[j]!);
  const numeric = aff === "INTEGER" || aff === "REAL" || aff === "NUMERIC";
  if (aff === "TEXT" && m & 0x01) return "BLOB";
  if (numeric && m & 0x02) return "BLOB";
  if (numeric && arms[0]!.casts?.[i]) return "NUMERIC";
  return aff;
}

/** Compound SELECT: each arm into an ephemeral table, combined, then sorted/limited. */
function compileCompound(ctx: Ctx, sel: Select, dest: Dest, outer: Scope | null, valuesOnly = false, push?: PushTerm[]): SelectInfo {
  const b = ctx.b;
  const acc = b.cursor();
  b.emit(Op.OpenEphemeral, acc, 0);
  const first = compileCore(ctx, sel.core, [], undefined, undefined, { kind: "eph", cursor: acc }, outer, push);
  let correlated = first.correlated;
  const n = first.columns.length;
  const arms: SelectInfo[] = [first];
  let lastAffinities = first.affinities;
  if (!valuesOnly) {
    for (const arm of sel.compound) {
      const tmp = b.cursor();
      b.emit(Op.OpenEphemeral, tmp, 0);
      const info = compileCore(ctx, arm.core, [], undefined, undefined, { kind: "eph", cursor: tmp }, outer, push);
      if (info.columns.length !== n) throw new DbError("DB_ERROR", `SELECTs to the left and right of ${arm.op} do not have the same number of result columns`);
      correlated ||= info.correlated;
      arms.push(info);
      lastAffinities = info.affinities;
      b.emit(Op.Compound, acc, tmp, 0, arm.op);
    }
  }
  const affinities = first.columns.map((_, i) => compoundAffinity(arms, i));
  const cols: OutCol[] = first.columns.map((c) => ({ expr: { kind: "column", name: c.name }, name: c.name, meta: c }));
  const end = b.label();
  const lim = emitLimits(ctx, outer, sel.limit, sel.offset, end);
  const res = b.reg(n);
  if (sel.orderBy.length) {
    const sorter = b.cursor();
    const spec: SortKeySpec[] = sel.orderBy.map((o) => ({ desc: o.desc, ...(o.nulls ? { nulls: o.nulls } : {}), collation: (o.collation ?? "BINARY").toUpperCase() }));
    b.emit(Op.OpenSorter, sorter, 0, 0, spec);
    const keyIdx = sel.orderBy.map((o) => {
      let i = resultRef(o.expr, cols, null, "ORDER BY");
      if (i < 0 && o.expr.kind === "column") i = cols.findIndex((c) => c.name.toLowerCase() === (o.expr as { name: string }).name.toLowerCase());
      if (i < 0) throw new DbError("DB_ERROR", "1st ORDER BY term does not match any column in the result set");
      return i;
    });
    const doneA = b.label();
    const topA = b.label();
    b.emit(Op.Rewind, acc, doneA);
    b.place(topA);
    const keys = b.reg(keyIdx.length + n);
    keyIdx.forEach((ci, j) => b.emit(Op.Column, acc, ci, keys + j));
    for (let i = 0; i < n; i++) b.emit(Op.Column, acc, i, keys + keyIdx.length + i);
    b.emit(Op.SorterInsert, sorter, keys, keyIdx.length + n, { nKeys: keyIdx.length });
    b.emit(Op.Next, acc, topA);
    b.place(doneA);
    const done = b.label();
    const top = b.label();
    b.emit(Op.SorterSort, sorter, done);
    b.place(top);
    for (let i = 0; i < n; i++) b.emit(Op.Column, sorter, i, res + i);
    emitDeliver(ctx, dest, res, n, lim);
    b.emit(Op.Next, sorter, top);
    b.place(done);
  } else {
    const done = b.label();
    const top = b.label();
    b.emit(Op.Rewind, acc, done);
    b.place(top);
    for (let i = 0; i < n; i++) b.emit(Op.Column, acc, i, res + i);
    emitDeliver(ctx, dest, res, n, lim);
    b.emit(Op.Next, acc, top);
    b.place(done);
  }
  b.place(end);
  return { columns: first.columns, affinities, lastAffinities, correlated, binary: arms.every((a) => a.binary) };
}
