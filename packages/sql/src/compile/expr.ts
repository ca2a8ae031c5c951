/** Compiles expressions to register code (SQLite's expression semantics, lang_expr.html). */
import {
  COLUMN_LENGTH, DbError, JSON_RESULT_FUNCTIONS, JSON_VALUE_FUNCTIONS, Op, Real, affinityOfType, aggregateFunctions, jsonExtractAsJson, jsonScalar, lengthFunction, makeReal,
  scalarFunctions, WINDOW_FUNCTIONS, type Affinity, type CompareP4, type SqlValue,
} from "@db/vm";
import type { BinaryExpr, Expr, FunctionCall, Select } from "../ast.js";
import { Scope, withPure, type Ctx, type Source } from "./context.js";
import { compileSubquery } from "./subquery.js";
import { callsFunction } from "../parser-expr.js";

export interface Resolved {
  scope: Scope;
  source: Source;
  /** Index into source.columns, or -1 for the rowid. */
  col: number;
}

/** The names that mean a rowid table's rowid unless a column takes them. */
export const ROWID_NAMES: ReadonlySet<string> = new Set(["rowid", "oid", "_rowid_"]);

/** Finds a column by (optional) qualifier and name in `scope` and its parents. */
export function resolveColumn(scope: Scope | null, table: string | undefined, name: string): Resolved {
  const lname = name.toLowerCase();
  const ltable = table?.toLowerCase();
  let s = scope;
  let first = true;
  while (s) {
    let found: Resolved | null = null;
    for (const src of s.sources) {
      if (ltable !== undefined && src.columnTables) {
        // A column of a parenthesized join, qualified by the table it came from.
        const j = src.columns.findIndex((c, k) => c.name.toLowerCase() === lname && src.columnTables![k]!.toLowerCase() === ltable);
        if (j >= 0) {
          found = { scope: s, source: src, col: j };
          break;
        }
      }
      if (ltable !== undefined && src.name.toLowerCase() !== ltable) continue;
      const i = src.columns.findIndex((c) => c.name.toLowerCase() === lname);
      // An unqualified USING column is the left side's (or, in a RIGHT/FULL JOIN, a coalesce of both).
      if (i >= 0 && ltable === undefined && src.hidden.has(i)) continue;
      if (i >= 0) {
        if (found && ltable === undefined) throw new DbError("DB_ERROR", `ambiguous column name: ${name}`);
        found = { scope: s, source: src, col: i };
        if (ltable !== undefined) break;
      } else if (src.table && ROWID_NAMES.has(lname) && !found) {
        found = { scope: s, source: src, col: -1 };
      }
    }
    if (found) {
      if (!first) markCorrelated(scope, s);
      return found;
    }
    s = s.parent;
    first = false;
  }
  throw new DbError("DB_ERROR", `no such column: ${table ? `${table}.` : ""}${name}`);
}

/** Column `at` of this scope's source named `table` (a `*` expansion over a source holding a name twice). */
function resolveAt(scope: Scope | null, table: string, at: number): Resolved | null {
  const src = scope?.sources.find((s) => s.name.toLowerCase() === table.toLowerCase());
  return src && src.columns[at] ? { scope: scope!, source: src, col: at } : null;
}

function markCorrelated(from: Scope | null, to: Scope): void {
  for (let s = from; s && s !== to; s = s.parent) s.correlated = true;
}

/** Emits code loading a resolved column into `target`. */
export function emitColumn(ctx: Ctx, r: Resolved, target: number): void {
  const { source, col } = r;
  const scope = r.scope;
  if (scope.bare) {
    const key = `${source.cursor}:${col}`;
    const bi = scope.bare.get(key);
    if (bi !== undefined) {
      if (scope.bareRegBase >= 0) ctx.b.emit(Op.Copy, scope.bareRegBase + bi, target, 0);
      else ctx.b.emit(Op.GroupColumn, scope.groupCursor, scope.nGroupKeys + bi, target);
      return;
    }
  }
  if (source.regBase !== undefined) {
    const from = col < 0 || (source.table && source.columns[col]!.index === source.table.rowidAlias) ? source.regRowid! : source.regBase + source.columns[col]!.index;
    ctx.b.emit(Op.Copy, from, target, 0);
    return;
  }
  const gen = col >= 0 && source.table ? source.table.columns[source.columns[col]!.index]?.generated : undefined;
  if (gen && !gen.stored && !source.cover?.pos.has(source.columns[col]!.index)) {
    emitVirtualColumn(ctx, source, col, gen.expr, target);
    return;
  }
  if (source.cover) {
    const tcol = col < 0 ? -1 : source.columns[col]!.index;
    const pos = tcol < 0 || tcol === source.table?.rowidAlias ? undefined : source.cover.pos.get(tcol);
    if (pos === undefined) ctx.b.emit(Op.Rowid, source.cover.cursor, target);
    else ctx.b.emit(Op.Column, source.cover.cursor, pos, target);
    return;
  }
  if (col < 0) {
    ctx.b.emit(Op.Rowid, source.cursor, target);
    return;
  }
  const c = source.columns[col]!;
  if (source.table && source.table.rowidAlias === c.index) ctx.b.emit(Op.Rowid, source.cursor, target, 0, undefined, 0, c.name);
  else ctx.b.emit(Op.Column, source.cursor, c.index, target, source.table ? constantOf(source.table.columns[c.index]?.default ?? null) : undefined, 0, c.name);
  // A subquery's REAL column (e.g. a compound whose later arm is REAL) yields integers as reals.
  if (!source.table && c.affinity === "REAL") ctx.b.emit(Op.RealAffinity, target);
}

/**
 * A VIRTUAL generated column: its expression over the same row (its other columns read as any
 * column of the source is), converted to the column's affinity; NULL on a LEFT JOIN's NULL row.
 */
function emitVirtualColumn(ctx: Ctx, source: Source, col: number, expr: Expr, target: number): void {
  const b = ctx.b;
  const done = b.label();
  b.emit(Op.IfNullRow, source.cover ? source.cover.cursor : source.cursor, done, target);
  // The expression names the table's own columns, also those a USING join hides.
  const self: Source = { ...source, hidden: new Set() };
  delete self.usingCoalesce;
  withPure(ctx, "a generated column", () => compileExpr(ctx, new Scope([self], null), expr, target));
  b.emit(Op.Affinity, target, 1, 0, [source.columns[col]!.affinity ?? "BLOB"]);
  b.place(done);
}

/** The value of a constant DEFAULT (literal, or a signed number), else undefined. */
export function constantOf(e: Expr | null): SqlValue | undefined {
  if (!e) return undefined;
  if (e.kind === "literal") {
    if (e.type === "integer" || e.type === "real") return literalNumber(e.type, e.value);
    if (e.type === "string") return e.value;
    if (e.type === "blob") return hexToBytes(e.value);
    if (e.type === "true") return 1;
    if (e.type === "false") return 0;
    return undefined;
  }
  if (e.kind === "unary" && e.op === "-" && e.operand.kind === "literal" && (e.operand.type === "integer" || e.operand.type === "real")) {
    const v = literalNumber(e.operand.type, e.operand.value);
    if (typeof v === "number") return v === 0 ? 0 : -v;
    if (typeof v === "bigint") return -v;
    return v instanceof Real ? new Real(-v.value) : undefined;
  }
  if (e.kind === "unary" && e.op === "+") return constantOf(e.operand);
  return undefined;
}

/**
 * Which kinds of value an expression may produce (sqlite3ExprDataType): 0x01 numeric, 0x02 text,
 * 0x04 blob; 0 for NULL. A compound SELECT's column uses it to drop an affinity that another arm's
 * values would fight (selectAddColumnTypeAndCollation).
 */
export function exprDataType(scope: Scope | null, e: Expr): number {
  for (;;) {
    switch (e.kind) {
      case "collate":
        e = e.expr;
        continue;
      case "unary":
        if (e.op !== "+") return 0x01;
        e = e.operand;
        continue;
      case "literal":
        if (e.type === "null") return 0;
        if (e.type === "string") return 0x02;
        if (e.type === "blob") return 0x04;
        if (e.type === "current_time" || e.type === "current_date" || e.type === "current_timestamp") return 0x07;
        return 0x01;
      case "binary":
        return e.op === "||" ? 0x06 : e.op === "->" || e.op === "->>" ? 0x07 : 0x01;
      case "param":
      case "function":
        return 0x07;
      case "column":
      case "subquery":
      case "cast": {
        const aff = exprAffinity(scope, e);
        if (aff === "INTEGER" || aff === "REAL" || aff === "NUMERIC") return 0x05;
        if (aff === "TEXT") return 0x06;
        return 0x07;
      }
      case "case": {
        let res = 0;
        for (const w of e.whens) res |= exprDataType(scope, w.then);
        return res | (e.else ? exprDataType(scope, e.else) : 0);
      }
      default:
        return 0x01;
    }
  }
}

/** A scalar subquery's result affinity, recorded when it is compiled (compileSubquery). */
export const subqueryAffinities = new WeakMap<Select, Affinity | null>();

/** The affinity of an expression for comparisons (datatype3.html §4.2); null is "no affinity". */
export function exprAffinity(scope: Scope | null, e: Expr): Affinity | null {
  switch (e.kind) {
    case "column": {
      try {
        const r = resolveColumnQuiet(scope, e.table, e.name);
        if (!r) return null;
        if (r.col < 0) return "INTEGER";
        return r.source.columns[r.col]!.affinity;
      } catch {
        return null;
      }
    }
    case "cast":
      return affinityOfType(e.type);
    case "collate":
      return exprAffinity(scope, e.expr);
    case "subquery": {
      // Once compiled, the subquery's own answer (its FROM resolved); comparisons ask after
      // compiling their operands.
      const known = subqueryAffinities.get(e.select);
      if (known !== undefined) return known;
      // The rightmost arm's first column decides, as sqlite3ExprAffinity reads pSelect (the last
      // arm). Without FROM its columns resolve in the enclosing scope (a correlated reference).
      const sel = e.select;
      const core = sel.compound.length ? sel.compound[sel.compound.length - 1]!.core : sel.core;
      if (core.kind === "core" && core.columns[0]?.kind === "expr" && !core.from) return exprAffinity(scope, core.columns[0].expr);
      return null;
    }
    default:
      return null;
  }
}

export function resolveColumnQuiet(scope: Scope | null, table: string | undefined, name: string): Resolved | null {
  // Affinity lookups must not mark scopes correlated or throw.
  const saved: boolean[] = [];
  for (let s = scope; s; s = s.parent) saved.push(s.correlated);
  try {
    return resolveColumn(scope, table, name);
  } catch {
    return null;
  } finally {
    let i = 0;
    for (let s = scope; s; s = s.parent) s.correlated = saved[i++]!;
  }
}

function isNumericAff(a: Affinity | null): boolean {
  return a === "INTEGER" || a === "REAL" || a === "NUMERIC";
}
function isNoAff(a: Affinity | null): boolean {
  return a === null || a === "BLOB";
}

/** Which affinity to apply to each side of a comparison. */
export function comparisonP4(scope: Scope | null, l: Expr, r: Expr): CompareP4 | undefined {
  const la = exprAffinity(scope, l);
  const ra = exprAffinity(scope, r);
  const p4: CompareP4 = {};
  if (isNumericAff(la) && (ra === "TEXT" || isNoAff(ra))) p4.right = "NUMERIC";
  else if (isNumericAff(ra) && (la === "TEXT" || isNoAff(la))) p4.left = "NUMERIC";
  // A BLOB-affinity column is not "no affinity" here: TEXT against it compares unconverted,
  // as sqlite3CompareAffinity gives BLOB when both sides have an affinity.
  else if (la === "TEXT" && ra === null) p4.right = "TEXT";
  else if (ra === "TEXT" && la === null) p4.left = "TEXT";
  const coll = comparisonCollation(scope, l, r);
  if (coll && coll !== "BINARY") p4.collation = coll;
  return p4.left || p4.right || p4.collation ? p4 : undefined;
}

/**
 * `x IN (a, b)` compares as `x = +a OR x = +b` (datatype3.html §4.2): the list items count as
 * having no affinity even when they are columns or CASTs, so only x's affinity applies.
 */
function inListP4(scope: Scope | null, l: Expr): CompareP4 | undefined {
  const la = exprAffinity(scope, l);
  const p4: CompareP4 = {};
  if (isNumericAff(la)) p4.right = "NUMERIC";
  else if (la === "TEXT") p4.right = "TEXT";
  // The list's own COLLATEs do not count: sqlite3ExprCodeIN compares with the left side's.
  const coll = operandCollation(scope, l).coll;
  if (coll && coll !== "BINARY") p4.collation = coll;
  return p4.right || p4.collation ? p4 : undefined;
}

/**
 * The collation of a comparison (sqlite3BinaryCompareCollSeq): an explicit COLLATE on the left,
 * else one on the right, else the left operand's column collation (BINARY included), else the
 * right's. A column under unary + or CAST still counts as that column.
 */
export function comparisonCollation(scope: Scope | null, l: Expr, r: Expr): string | null {
  const a = operandCollation(scope, l);
  if (a.explicit) return a.coll;
  const b = operandCollation(scope, r);
  if (b.explicit) return b.coll;
  return a.coll ?? b.coll;
}

/**
 * sqlite3ExprCollSeq: the collation an expression carries, and whether it comes from a COLLATE
 * operator somewhere in it (SQLite's EP_Collate, which a COLLATE passes up through operators and
 * function arguments, not out of subqueries). A column has its own (BINARY included); CAST and
 * unary + pass the operand's through; otherwise the first operand holding a COLLATE decides.
 */
function operandCollation(scope: Scope | null, e: Expr): { coll: string | null; explicit: boolean } {
  const explicit = hasCollate(e);
  let p: Expr | undefined = e;
  while (p) {
    if (p.kind === "collate") return { coll: p.collation.toUpperCase(), explicit: true };
    if (p.kind === "column") {
      const r = resolveColumnQuiet(scope, p.table, p.name);
      return { coll: r ? (r.col >= 0 ? r.source.columns[r.col]!.collation : "BINARY") : null, explicit };
    }
    if (p.kind === "cast") p = p.expr;
    else if (p.kind === "unary" && p.op === "+") p = p.operand;
    else if (explicit) p = operands(p).find(hasCollate);
    else break;
  }
  return { coll: null, explicit };
}

/** Whether a COLLATE operator appears in `e` outside subqueries (SQLite's EP_Collate). */
function hasCollate(e: Expr): boolean {
  if (e.kind === "collate") return true;
  return operands(e).some(hasCollate);
}

/** The direct operands of an expression, left first (subqueries are not entered). */
function operands(e: Expr): Expr[] {
  switch (e.kind) {
    case "binary":
      return [e.left, e.right];
    case "unary":
      return [e.operand];
    case "cast":
    case "isnull":
    case "in-select":
    case "in-table":
      return [e.expr];
    case "function":
      return e.args;
    case "case": {
      const out: Expr[] = e.base ? [e.base] : [];
      for (const w of e.whens) out.push(w.when, w.then);
      if (e.else) out.push(e.else);
      return out;
    }
    case "between":
      return [e.expr, e.low, e.high];
    case "in-list":
      return [e.expr, ...e.list];
    case "like":
      return e.escape ? [e.pattern, e.expr, e.escape] : [e.pattern, e.expr];
    default:
      return [];
  }
}

/** Whether `e` compares under BINARY with no COLLATE of its own (push-down restriction (8)). */
export function plainBinary(scope: Scope | null, e: Expr): boolean {
  const c = operandCollation(scope, e);
  return !c.explicit && (c.coll === null || c.coll === "BINARY");
}

/** An expression's collation for sorting and grouping (null: BINARY). */
export function exprCollation(scope: Scope | null, e: Expr): string | null {
  const c = operandCollation(scope, e).coll;
  return c === "BINARY" ? null : c;
}

/** Parses an integer or real literal's text into a value. */
export function literalNumber(type: "integer" | "real", text: string): SqlValue {
  if (type === "integer") {
    if (/^0x/i.test(text)) {
      let v = BigInt(text);
      if (v > 0xffffffffffffffffn) throw new DbError("DB_ERROR", `hex literal too big: ${text}`);
      if (v > 0x7fffffffffffffffn) v -= 0x10000000000000000n;
      return normInt(v);
    }
    const v = BigInt(text);
    if (v > 9223372036854775807n) return makeReal(Number(text));
    return normInt(v);
  }
  return makeReal(Number(text));
}

function normInt(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** Emits code that loads a constant into `target`. */
export function emitConst(ctx: Ctx, v: SqlValue, target: number): void {
  const b = ctx.b;
  if (v === null) b.emit(Op.Null, 0, target);
  else if (typeof v === "number" && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) b.emit(Op.Integer, v, target);
  else if (typeof v === "number" && Number.isInteger(v)) b.emit(Op.Int64, 0, target, 0, v);
  else if (typeof v === "bigint") b.emit(Op.Int64, 0, target, 0, v);
  else if (typeof v === "number" || v instanceof Real) b.emit(Op.Real, 0, target, 0, v);
  else if (typeof v === "string") b.emit(Op.String, 0, target, 0, v);
  else b.emit(Op.Blob, 0, target, 0, v);
}

function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}

const CMP_OPS: Record<string, Op> = { "=": Op.Eq, "==": Op.Eq, "!=": Op.Ne, "<>": Op.Ne, "<": Op.Lt, "<=": Op.Le, ">": Op.Gt, ">=": Op.Ge };
const ARITH_OPS: Record<string, Op> = {
  "+": Op.Add, "-": Op.Subtract, "*": Op.Multiply, "/": Op.Divide, "%": Op.Remainder, "||": Op.Concat,
  "&": Op.BitAnd, "|": Op.BitOr, "<<": Op.ShiftLeft, ">>": Op.ShiftRight,
};

/**
 * Compiles a condition as jumps, as SQLite's sqlite3ExprIfFalse / sqlite3ExprIfTrue: jumps to
 * `dest` when `e` is false (`whenTrue` false) or true (`whenTrue` true), and also when it is NULL
 * if `jumpIfNull`; otherwise falls through. AND, OR and NOT become jumps, so a WHERE term stops
 * at the first operand that decides it (`a AND b` with a NULL `a` skips `b` in WHERE, where the
 * value of `a AND b` would not matter).
 */
export function compileCondition(ctx: Ctx, scope: Scope | null, e: Expr, dest: number, whenTrue: boolean, jumpIfNull: boolean): void {
  const b = ctx.b;
  if (e.kind === "unary" && e.op === "NOT") {
    compileCondition(ctx, scope, e.operand, dest, !whenTrue, jumpIfNull);
    return;
  }
  if (e.kind === "binary" && (e.op === "AND" || e.op === "OR")) {
    if ((e.op === "AND") !== whenTrue) {
      // jump when either side does: AND to a false dest, OR to a true dest
      compileCondition(ctx, scope, e.left, dest, whenTrue, jumpIfNull);
      compileCondition(ctx, scope, e.right, dest, whenTrue, jumpIfNull);
    } else {
      // the left side can only decide the other way: past the right side
      const past = b.label();
      compileCondition(ctx, scope, e.left, past, !whenTrue, !jumpIfNull);
      compileCondition(ctx, scope, e.right, dest, whenTrue, jumpIfNull);
      b.place(past);
    }
    return;
  }
  if (e.kind === "between") {
    // x >= lo AND x <= hi as jumps, x evaluated once, as SQLite's exprCodeBetween: `hi` is not
    // evaluated when `x >= lo` already decides (false, or NULL where NULL jumps).
    const jumpWhen = e.not ? !whenTrue : whenTrue;
    const x = compileExpr(ctx, scope, e.expr);
    const lo = compileExpr(ctx, scope, e.low);
    const ge = b.reg();
    b.emit(Op.Ge, x, ge, lo, comparisonP4(scope, e.expr, e.low));
    const past = jumpWhen ? b.label() : dest;
    b.emit(Op.IfNot, ge, past, (jumpWhen ? !jumpIfNull : jumpIfNull) ? 1 : 0);
    const hi = compileExpr(ctx, scope, e.high);
    const le = b.reg();
    b.emit(Op.Le, x, le, hi, comparisonP4(scope, e.expr, e.high));
    b.emit(jumpWhen ? Op.If : Op.IfNot, le, dest, jumpIfNull ? 1 : 0);
    if (jumpWhen) b.place(past);
    return;
  }
  const r = compileExpr(ctx, scope, e);
  b.emit(whenTrue ? Op.If : Op.IfNot, r, dest, jumpIfNull ? 1 : 0);
}

/** Compiles `e`, leaving its value in `target` (allocated when absent). Returns the register. */
export function compileExpr(ctx: Ctx, scope: Scope | null, e: Expr, target?: number): number {
  const b = ctx.b;
  const t = target ?? b.reg();
  if (++ctx.depth > 1000) throw new DbError("DB_TOOBIG", "expression nested too deeply");
  try {
    compileInto(ctx, scope, e, t);
  } finally {
    ctx.depth--;
  }
  return t;
}

function compileInto(ctx: Ctx, scope: Scope | null, e: Expr, t: number): void {
  const b = ctx.b;
  // Aggregate output phase: an aggregate call reads its group's final value.
  if (e.kind === "function" && scope?.aggs) {
    const ai = scope.aggs.get(e);
    if (ai !== undefined) {
      // Finalized once per group (select.ts), before HAVING and the result columns.
      b.emit(Op.Copy, scope.aggRegBase + ai, t, 0);
      return;
    }
  }
  switch (e.kind) {
    case "literal":
      switch (e.type) {
        case "integer":
        case "real":
          emitConst(ctx, literalNumber(e.type, e.value), t);
          return;
        case "string":
          b.emit(Op.String, 0, t, 0, e.value);
          return;
        case "blob":
          b.emit(Op.Blob, 0, t, 0, hexToBytes(e.value));
          return;
        case "null":
          b.emit(Op.Null, 0, t);
          return;
        case "true":
          b.emit(Op.Integer, 1, t);
          return;
        case "false":
          b.emit(Op.Integer, 0, t);
          return;
        default:
          compileInto(ctx, scope, { kind: "function", name: e.type === "current_date" ? "date" : e.type === "current_time" ? "time" : "datetime", args: [{ kind: "literal", type: "string", value: "now" }] }, t);
          return;
      }
    case "column": {
      const r = e.at === undefined ? resolveColumn(scope, e.table, e.name) : resolveAt(scope, e.table!, e.at) ?? resolveColumn(scope, e.table, e.name);
      // An unqualified USING column of a RIGHT/FULL JOIN (from.ts), in this query or one around it.
      const co = e.table === undefined ? r.source.usingCoalesce?.get(e.name.toLowerCase()) : undefined;
      if (co) compileExpr(ctx, scope, co, t);
      else emitColumn(ctx, r, t);
      return;
    }
    case "param":
      b.emit(Op.Variable, b.param(e.index, e.name), t);
      return;
    case "unary": {
      if (e.op === "-" && e.operand.kind === "literal" && e.operand.type === "integer" && e.operand.value === "9223372036854775808") {
        b.emit(Op.Int64, 0, t, 0, -9223372036854775808n);
        return;
      }
      // A negated numeric literal is coded as the negative constant (SQLite's codeInteger and
      // codeReal with negFlag), so -0.0 is REAL negative zero; -(expr) is computed as 0 - expr.
      const negated = e.op === "-" ? constantOf(e) : undefined;
      if (negated !== undefined && negated !== null && typeof negated !== "bigint") {
        emitConst(ctx, negated, t);
        return;
      }
      const r = compileExpr(ctx, scope, e.operand);
      if (e.op === "-") b.emit(Op.Negative, r, t);
      else if (e.op === "~") b.emit(Op.BitNot, r, t);
      else if (e.op === "NOT") b.emit(Op.Not, r, t);
      else if (r !== t) b.emit(Op.Copy, r, t, 0); // unary + is the identity (keeps affinity off)
      return;
    }
    case "binary":
      compileBinary(ctx, scope, e, t);
      return;
    case "collate":
      compileInto(ctx, scope, e.expr, t);
      return;
    case "cast":
      compileInto(ctx, scope, e.expr, t);
      b.emit(Op.Cast, t, 0, 0, e.type);
      return;
    case "isnull": {
      const r = compileExpr(ctx, scope, e.expr);
      const n = b.reg();
      b.emit(Op.Null, 0, n);
      b.emit(e.not ? Op.IsNot : Op.Is, r, t, n);
      return;
    }
    case "between": {
      // x BETWEEN lo AND hi  ==  x >= lo AND x <= hi, with x evaluated once
      const x = compileExpr(ctx, scope, e.expr);
      const lo = compileExpr(ctx, scope, e.low);
      const hi = compileExpr(ctx, scope, e.high);
      const a = b.reg();
      const c = b.reg();
      b.emit(Op.Ge, x, a, lo, comparisonP4(scope, e.expr, e.low));
      b.emit(Op.Le, x, c, hi, comparisonP4(scope, e.expr, e.high));
      b.emit(Op.And, a, c, t);
      if (e.not) b.emit(Op.Not, t, t);
      return;
    }
    case "case":
      compileCase(ctx, scope, e, t);
      return;
    case "like": {
      const name = e.op.toLowerCase();
      const args: Expr[] = [e.pattern, e.expr];
      if (e.escape) args.push(e.escape);
      compileFunction(ctx, scope, { kind: "function", name, args }, t);
      if (e.not) b.emit(Op.Not, t, t);
      return;
    }
    case "function":
      compileFunction(ctx, scope, e, t);
      return;
    case "in-list": {
      if (e.list.length === 0) {
        b.emit(Op.Integer, e.not ? 1 : 0, t);
        return;
      }
      const x = compileExpr(ctx, scope, e.expr);
      const tmp = b.reg();
      const p4 = inListP4(scope, e.expr);
      e.list.forEach((item, i) => {
        const v = compileExpr(ctx, scope, item);
        b.emit(Op.Eq, x, i === 0 ? t : tmp, v, p4);
        if (i > 0) b.emit(Op.Or, t, tmp, t);
      });
      if (e.not) b.emit(Op.Not, t, t);
      return;
    }
    case "in-select":
    case "in-table":
    case "exists":
    case "subquery":
      compileSubquery(ctx, scope, e, t);
      return;
    case "raise":
      if (!ctx.trigger) throw new DbError("DB_ERROR", "RAISE() may only be used within a trigger-program");
      if (e.action === "IGNORE") b.emit(Op.Goto, 0, ctx.trigger.ignore);
      else {
        // The message's text at run time (p3 set: the message is in register p2).
        const msg = e.message ? compileExpr(ctx, scope, e.message) : 0;
        b.emit(Op.HaltError, 0, msg, msg ? 1 : 0, { code: "DB_CONSTRAINT", subcode: "DB_CONSTRAINT_TRIGGER", message: "raise" });
      }
      b.emit(Op.Null, 0, t);
      return;
  }
}

/**
 * `x AND y` / `x OR y` as a value, as SQLite's exprCodeTargetAndOr: a side that decides the
 * result by itself (an integer literal that fits 32 bits, or TRUE/FALSE: `1 OR x`, `x AND FALSE`)
 * makes the result without running the other side (compiled, not run: its name errors stay).
 * Otherwise both sides run, except that a side holding a subquery runs second and is skipped
 * when the first side decides (false for AND, true for OR; NULL does not).
 */
function compileAndOr(ctx: Ctx, scope: Scope | null, e: BinaryExpr, t: number): void {
  const b = ctx.b;
  const and = e.op === "AND";
  const end = b.label();
  const l = constantTruth(e.left);
  const r = constantTruth(e.right);
  if (l === !and || r === !and) {
    b.emit(Op.Integer, and ? 0 : 1, t);
    b.emit(Op.Goto, 0, end);
    compileExpr(ctx, scope, e.left);
    compileExpr(ctx, scope, e.right);
    b.place(end);
    return;
  }
  const rightFirst = hasSubquery(e.left) && !hasSubquery(e.right);
  const [first, second] = rightFirst ? [e.right, e.left] : [e.left, e.right];
  const x = compileExpr(ctx, scope, first);
  const skippable = hasSubquery(second);
  const skip = b.label();
  if (skippable) b.emit(and ? Op.IfNot : Op.If, x, skip, 0);
  const y = compileExpr(ctx, scope, second);
  b.emit(and ? Op.And : Op.Or, x, y, t);
  if (skippable) {
    b.emit(Op.Goto, 0, end);
    b.place(skip);
    b.emit(Op.Integer, and ? 0 : 1, t);
  }
  b.place(end);
}

/** ExprAlwaysTrue / ExprAlwaysFalse: an integer literal that fits 32 bits, or TRUE / FALSE; else null. */
function constantTruth(e: Expr): boolean | null {
  if (e.kind !== "literal") return null;
  if (e.type === "true" || e.type === "false") return e.type === "true";
  if (e.type !== "integer") return null;
  let v: bigint;
  try {
    v = BigInt(e.value);
  } catch {
    return null;
  }
  return v >= -2147483648n && v <= 2147483647n ? v !== 0n : null;
}

/** Whether `e` itself runs a SELECT: a scalar subquery, EXISTS, `IN (SELECT ...)` or `IN table`. */
export function isSubquery(e: Expr): boolean {
  return e.kind === "subquery" || e.kind === "exists" || e.kind === "in-select" || e.kind === "in-table";
}

function hasSubquery(e: Expr): boolean {
  let found = false;
  walkExpr(e, (n) => {
    if (isSubquery(n)) found = true;
  });
  return found;
}

/**
 * TRUE / FALSE as the right side of IS: the literals, and `y IN ()` / `y NOT IN ()`, which
 * SQLite's parser turns into FALSE / TRUE (so `x IS (y NOT IN ())` is `x IS TRUE`), unless y
 * calls a function (it might be an aggregate): then the parser makes `FALSE AND y` /
 * `TRUE OR y`, an ordinary value (parse.y, "expr in_op LP exprlist RP"). Else null.
 */
function truthLiteral(e: Expr): boolean | null {
  if (e.kind === "literal" && (e.type === "true" || e.type === "false")) return e.type === "true";
  if (e.kind === "in-list" && e.list.length === 0 && !callsFunction(e.expr)) return e.not;
  return null;
}

function compileBinary(ctx: Ctx, scope: Scope | null, e: BinaryExpr, t: number): void {
  const b = ctx.b;
  if (e.op === "->" || e.op === "->>") {
    // The JSON operators are the functions of those names (json-funcs.ts).
    compileFunction(ctx, scope, { kind: "function", name: e.op, args: [e.left, e.right] }, t);
    return;
  }
  if (e.op === "AND" || e.op === "OR") {
    compileAndOr(ctx, scope, e, t);
    return;
  }
  const cmp = CMP_OPS[e.op];
  if (cmp !== undefined) {
    const l = compileExpr(ctx, scope, e.left);
    const r = compileExpr(ctx, scope, e.right);
    b.emit(cmp, l, t, r, comparisonP4(scope, e.left, e.right));
    return;
  }
  const truth = e.op === "IS" || e.op === "IS NOT" ? truthLiteral(e.right) : null;
  if (truth !== null) {
    // `x IS TRUE` / `x IS FALSE` test truth, not equality with 1 or 0 (never NULL).
    const l = compileExpr(ctx, scope, e.left);
    if (truth) b.emit(Op.IsTrue, l, t, 0);
    else {
      b.emit(Op.Not, l, t);
      b.emit(Op.IsTrue, t, t, 0);
    }
    if (e.op === "IS NOT") b.emit(Op.Not, t, t);
    return;
  }
  if (e.op === "IS" || e.op === "IS NOT") {
    const l = compileExpr(ctx, scope, e.left);
    const r = compileExpr(ctx, scope, e.right);
    b.emit(e.op === "IS" ? Op.Is : Op.IsNot, l, t, r, comparisonP4(scope, e.left, e.right));
    return;
  }
  const arith = ARITH_OPS[e.op];
  if (arith !== undefined) {
    const l = compileExpr(ctx, scope, e.left);
    const r = compileExpr(ctx, scope, e.right);
    b.emit(arith, l, r, t);
    return;
  }
  throw new DbError("DB_ERROR", `operator ${e.op} is not supported yet`);
}

function compileCase(ctx: Ctx, scope: Scope | null, e: Extract<Expr, { kind: "case" }>, t: number): void {
  const b = ctx.b;
  const end = b.label();
  const base = e.base ? compileExpr(ctx, scope, e.base) : -1;
  const cond = b.reg();
  for (const w of e.whens) {
    const next = b.label();
    if (base >= 0) {
      const v = compileExpr(ctx, scope, w.when);
      b.emit(Op.Eq, base, cond, v, comparisonP4(scope, e.base!, w.when));
      b.emit(Op.IfNot, cond, next, 1);
    } else compileCondition(ctx, scope, w.when, next, false, true);
    compileExpr(ctx, scope, w.then, t);
    b.emit(Op.Goto, 0, end);
    b.place(next);
  }
  if (e.else) compileExpr(ctx, scope, e.else, t);
  else b.emit(Op.Null, 0, t);
  b.place(end);
}

export function isAggregateCall(ctx: Ctx, e: FunctionCall): boolean {
  if (e.over) return false;
  const name = e.name.toLowerCase();
  if (!aggregateFunctions.has(name) && name !== "count") return false;
  if ((name === "min" || name === "max") && e.args.length !== 1) return false;
  if (ctx.functions.has(name) && !aggregateFunctions.has(name)) return false;
  return true;
}

function compileFunction(ctx: Ctx, scope: Scope | null, e: FunctionCall, t: number): void {
  const b = ctx.b;
  const name = e.name.toLowerCase();
  if (isAggregateCall(ctx, e)) throw new DbError("DB_ERROR", `misuse of aggregate function ${e.name}()`);
  // A window call the rewrite did not take (WHERE, GROUP BY, ...), or a window function without OVER.
  if (e.over || (WINDOW_FUNCTIONS.has(name) && !ctx.functions.has(name))) throw new DbError("DB_ERROR", `misuse of window function ${e.name}()`);
  const def = ctx.functions.get(name);
  if (!def) throw new DbError("DB_ERROR", `no such function: ${e.name}`);
  const n = e.args.length;
  if ((def.nArgs >= 0 && def.nArgs !== n) || (def.nArgs < 0 && ((def.minArgs ?? 0) > n || (def.maxArgs ?? Infinity) < n))) throw new DbError("DB_ERROR", `wrong number of arguments to function ${e.name}()`);
  if (name === "coalesce" || name === "ifnull") {
    // Short-circuit: later arguments are evaluated only when needed.
    if (e.args.length < 2) throw new DbError("DB_ERROR", `wrong number of arguments to function ${e.name}()`);
    const end = b.label();
    e.args.forEach((a, i) => {
      compileExpr(ctx, scope, a, t);
      if (i < e.args.length - 1) b.emit(Op.NotNull, t, end);
    });
    b.place(end);
    return;
  }
  const first = b.reg(Math.max(1, e.args.length));
  const at = b.addr;
  const marks = takesJsonValues(ctx, name) ? jsonMarks(scope, e.args) : null;
  e.args.forEach((a, i) => compileExpr(ctx, scope, marks?.[i] === 1 ? jsonArgument(a) : a, first + i));
  if (def.fn === lengthFunction && b.addr === at + 1) {
    // length(column) (the built-in, not a user override): the Column reads the length from the
    // record bytes instead of decoding the text only to count its characters.
    const load = b.instrs[at]!;
    if (load.op === Op.Column && load.p3 === first && load.p5 === 0) {
      load.p3 = t;
      load.p5 = COLUMN_LENGTH;
      return;
    }
  }
  const builtin = def.fn === scalarFunctions.get(name)?.fn;
  let fn = e.asJson && builtin ? jsonExtractAsJson : marks ? jsonScalar(name, marks) : def.fn;
  if (ctx.pureIn && builtin && TIME_FUNCTIONS.has(name)) {
    const pure = ctx.pureIn;
    const f = def.fn as (args: SqlValue[], c: { pure: string }) => SqlValue;
    fn = (args) => f(args, { pure });
  }
  b.emit(Op.Function, first, e.args.length, t, { fn, name, explain: name }, 0);
}

/**
 * SQLite's JSON subtype, decided at compile time: per argument of a JSON function, 1 when its
 * value is JSON text (a call of a function whose result SQLite marks as JSON, or `->`; a
 * json_extract argument is compiled to give what it finds as JSON, see jsonArgument), 2 when it
 * is JSON if it is an array or object (a json_extract below CASE, coalesce ..., json_each's
 * `value`), 0 otherwise. Null when no argument is marked.
 */
export function jsonMarks(scope: Scope | null, args: readonly Expr[]): number[] | null {
  const marks = args.map((a) => jsonMark(scope, a, true));
  return marks.some((m) => m) ? marks : null;
}

function jsonMark(scope: Scope | null, a: Expr, top: boolean): number {
  // Branches that may give the value: all JSON (1), some (2, what is an array or object), none.
  const branches = (es: Expr[]) => {
    const ms = es.filter((e) => !(e.kind === "literal" && e.type === "null")).map((e) => jsonMark(scope, e, false));
    return ms.length && ms.every((m) => m === 1) ? 1 : ms.some((m) => m) ? 2 : 0;
  };
  switch (a.kind) {
    case "binary":
      return a.op === "->" ? 1 : 0;
    case "function": {
      if (a.over) return 0;
      const n = a.name.toLowerCase();
      if (JSON_RESULT_FUNCTIONS.has(n)) return 1;
      if (n === "json_extract") return top ? 1 : 2;
      if (n === "coalesce" || n === "ifnull" || n === "min" || n === "max") return branches(a.args);
      if (n === "iif") return branches(a.args.slice(1));
      if (n === "nullif") return a.args[0] ? jsonMark(scope, a.args[0], false) : 0;
      return 0;
    }
    case "case":
      return branches([...a.whens.map((w) => w.then), ...(a.else ? [a.else] : [])]);
    case "collate":
      return jsonMark(scope, a.expr, false);
    case "unary":
      return a.op === "+" ? jsonMark(scope, a.operand, false) : 0;
    case "cast":
      return /TEXT|CHAR|CLOB/i.test(a.type) ? jsonMark(scope, a.expr, false) : 0;
    case "column": {
      // json_each's and json_tree's `value` is JSON when it is an array or object.
      const r = resolveColumnQuiet(scope, a.table, a.name);
      const fn = r?.source.tvf?.name;
      return (fn === "json_each" || fn === "json_tree") && r!.col >= 0 && r!.source.columns[r!.col]!.name === "value" ? 2 : 0;
    }
    default:
      return 0;
  }
}

/** An argument of a built-in JSON function that takes values: json_extract(...) is read as JSON there. */
export function jsonArgument(a: Expr): Expr {
  if (a.kind === "function" && !a.over && a.name.toLowerCase() === "json_extract") return { ...a, asJson: true };
  return a;
}

/** True when `name` is the built-in JSON function that takes SQL values (not a user override). */
export function takesJsonValues(ctx: Ctx, name: string): boolean {
  return JSON_VALUE_FUNCTIONS.has(name) && scalarFunctions.get(name)?.fn === ctx.functions.get(name)?.fn;
}

/** The date and time functions, whose 'now' is refused in indexes, generated columns and CHECKs. */
const TIME_FUNCTIONS: ReadonlySet<string> = new Set(["date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff"]);

/** Splits a WHERE expression into its AND-ed terms. */
export function conjuncts(e: Expr | undefined, out: Expr[] = []): Expr[] {
  if (!e) return out;
  if (e.kind === "binary" && e.op === "AND") {
    conjuncts(e.left, out);
    conjuncts(e.right, out);
  } else out.push(e);
  return out;
}

/** Visits every sub-expression (not descending into subqueries unless `intoSubqueries`). */
export function walkExpr(e: Expr, fn: (e: Expr) => boolean | void): void {
  if (fn(e) === false) return;
  switch (e.kind) {
    case "unary":
      walkExpr(e.operand, fn);
      break;
    case "binary":
      walkExpr(e.left, fn);
      walkExpr(e.right, fn);
      break;
    case "function":
      e.args.forEach((a) => walkExpr(a, fn));
      if (e.filter) walkExpr(e.filter, fn);
      break;
    case "cast":
    case "collate":
      walkExpr(e.expr, fn);
      break;
    case "case":
      if (e.base) walkExpr(e.base, fn);
      e.whens.forEach((w) => {
        walkExpr(w.when, fn);
        walkExpr(w.then, fn);
      });
      if (e.else) walkExpr(e.else, fn);
      break;
    case "between":
      walkExpr(e.expr, fn);
      walkExpr(e.low, fn);
      walkExpr(e.high, fn);
      break;
    case "in-list":
      walkExpr(e.expr, fn);
      e.list.forEach((a) => walkExpr(a, fn));
      break;
    case "in-select":
    case "in-table":
      walkExpr(e.expr, fn);
      break;
    case "isnull":
      walkExpr(e.expr, fn);
      break;
    case "like":
      walkExpr(e.expr, fn);
      walkExpr(e.pattern, fn);
      if (e.escape) walkExpr(e.escape, fn);
      break;
    case "raise":
      if (e.message) walkExpr(e.message, fn);
      break;
    default:
      break;
  }
}

/** Visits every AST object under `node`, subqueries included (`inSub` below a SELECT). */
export function walkDeep(node: unknown, fn: (o: Record<string, unknown>, inSub: boolean) => void, inSub = false): void {
  if (Array.isArray(node)) {
    for (const x of node) walkDeep(x, fn, inSub);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const o = node as Record<string, unknown>;
  const sub = inSub || o.kind === "select";
  fn(o, sub);
  for (const v of Object.values(o)) walkDeep(v, fn, sub);
}
