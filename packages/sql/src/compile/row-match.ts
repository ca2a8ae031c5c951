/**
 * Matching a query's expressions against those stored with an index: a partial index's WHERE
 * (partialindex.html §2: usable only when the query's terms imply it) and an index on
 * expressions (expridx.html: a term on the same expression can seek it). Expressions are
 * compared as SQLite's sqlite3ExprCompare does, with the query's column references resolved to
 * the source and compared to the index's by column.
 */
import type { Affinity } from "@db/vm";
import type { Expr } from "../ast.js";
import type { Index, Table } from "../schema.js";
import { Scope, tableSource, type Source } from "./context.js";
import { ROWID_NAMES, conjuncts, exprAffinity, resolveColumn } from "./expr.js";

/** The table column `e` (in the query) reads from `src`, -1 for the rowid, or null if it is not a column of src. */
function queryColumn(scope: Scope, src: Source, e: Expr): number | null {
  if (e.kind !== "column") return null;
  try {
    const saved = scope.correlated;
    const r = resolveColumn(scope, e.table, e.name);
    scope.correlated = saved;
    if (r.source !== src || r.scope !== scope) return null;
    return r.col < 0 ? -1 : r.source.columns[r.col]!.index;
  } catch {
    return null;
  }
}

/** The table column an index expression's column reference names (-1 the rowid). */
function indexColumn(t: Table, e: Expr & { kind: "column" }): number | null {
  if (e.table !== undefined && e.table.toLowerCase() !== t.name.toLowerCase()) return null;
  const i = t.columns.findIndex((c) => c.name.toLowerCase() === e.name.toLowerCase());
  if (i >= 0) return i === t.rowidAlias ? -1 : i;
  return ROWID_NAMES.has(e.name.toLowerCase()) ? -1 : null;
}

/** True when query expression `q` is index expression `x` (same tree, same columns of `src`). */
export function sameRowExpr(scope: Scope, src: Source, q: unknown, x: unknown): boolean {
  const t = src.table!;
  const norm = (c: number | null) => (c !== null && c === t.rowidAlias ? -1 : c);
  return sameTree(q, x, (a, b) => {
    const qc = queryColumn(scope, src, a);
    return qc !== null && norm(qc) === norm(indexColumn(t, b));
  });
}

/** Deep equality of two expression trees, column references compared by `sameColumn`. */
function sameTree(q: unknown, x: unknown, sameColumn: (a: Expr, b: Expr & { kind: "column" }) => boolean): boolean {
  if (q === x) return true;
  if (Array.isArray(q) || Array.isArray(x)) {
    return Array.isArray(q) && Array.isArray(x) && q.length === x.length && q.every((e, i) => sameTree(e, x[i], sameColumn));
  }
  if (!q || !x || typeof q !== "object" || typeof x !== "object") return false;
  const a = q as Record<string, unknown>;
  const b = x as Record<string, unknown>;
  if (a.kind !== b.kind || a.kind === "select") return false;
  if (a.kind === "column") return sameColumn(a as unknown as Expr, b as unknown as Expr & { kind: "column" });
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const va = a[k];
    const vb = b[k];
    if (va && typeof va === "object") {
      if (!sameTree(va, vb, sameColumn)) return false;
    } else if ((a.kind === "function" && k === "name") || (a.kind === "collate" && k === "collation")) {
      if (String(va).toLowerCase() !== String(vb).toLowerCase()) return false;
    } else if (va !== vb) return false;
  }
  return true;
}

/**
 * The expressions `t`'s indexes hold, each once: the planner names expression k as column
 * -2 - k (a column of its own, so that equal columns mean the same expression), with its affinity.
 */
interface ExprKeys {
  list: Expr[];
  affinity: (Affinity | null)[];
  /** Per index: its columns with each expression column as -2 - k. */
  cols: Map<Index, number[]>;
}

const exprKeyCache = new WeakMap<Table, ExprKeys>();

export function exprKeys(t: Table): ExprKeys {
  const cached = exprKeyCache.get(t);
  if (cached && t.indexes.every((i) => cached.cols.has(i))) return cached;
  const keys: ExprKeys = { list: [], affinity: [], cols: new Map() };
  const scope = new Scope([tableSource(t, t.name, -1)], null);
  const sameColumn = (a: Expr, b: Expr & { kind: "column" }) => a.kind === "column" && indexColumn(t, a) === indexColumn(t, b);
  for (const idx of t.indexes) {
    keys.cols.set(
      idx,
      idx.columns.map((c, j) => {
        if (c !== -2) return c;
        const e = idx.exprs![j]!;
        let k = keys.list.findIndex((x) => sameTree(e, x, sameColumn));
        if (k < 0) {
          k = keys.list.push(e) - 1;
          keys.affinity.push(exprAffinity(scope, e));
        }
        return -2 - k;
      }),
    );
  }
  exprKeyCache.set(t, keys);
  return keys;
}

/** The planner column of `e` when it is an expression some index of a source in `scope` holds. */
export function indexedExpr(scope: Scope, e: Expr): { src: Source; col: number } | null {
  if (e.kind === "column" || e.kind === "literal" || e.kind === "param") return null;
  for (const src of scope.sources) {
    const t = src.table;
    if (!t || !t.indexes.some((i) => i.exprs)) continue;
    const k = exprKeys(t).list.findIndex((x) => sameRowExpr(scope, src, e, x));
    if (k >= 0) return { src, col: -2 - k };
  }
  return null;
}

const NOT_NULL_OPS = new Set(["=", "==", "<>", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "&", "|", "<<", ">>", "||"]);

/** True when `q` is false or NULL whenever index expression `x` is NULL (where.c exprImpliesNotNull). */
function impliesNotNull(scope: Scope, src: Source, q: Expr, x: Expr): boolean {
  if (sameRowExpr(scope, src, q, x)) return true;
  switch (q.kind) {
    case "binary":
      return NOT_NULL_OPS.has(q.op) && (impliesNotNull(scope, src, q.left, x) || impliesNotNull(scope, src, q.right, x));
    case "between":
      return !q.not && impliesNotNull(scope, src, q.expr, x);
    case "in-list":
      return !q.not && impliesNotNull(scope, src, q.expr, x);
    case "unary":
      return (q.op === "-" || q.op === "+" || q.op === "~") && impliesNotNull(scope, src, q.operand, x);
    default:
      return false;
  }
}

/** True when query term `q` being true means `w` (of the index) is true (sqlite3ExprImpliesExpr). */
function implies(scope: Scope, src: Source, q: Expr, w: Expr): boolean {
  if (sameRowExpr(scope, src, q, w)) return true;
  if (w.kind === "binary" && w.op === "OR") return implies(scope, src, q, w.left) || implies(scope, src, q, w.right);
  if (w.kind === "isnull" && w.not) return impliesNotNull(scope, src, q, w.expr);
  return false;
}

/**
 * True when `idx` may serve a loop over `src` filtered by `terms`: it is not partial, or each
 * conjunct of its WHERE is implied by one of the terms (where.c whereUsablePartialIndex).
 */
export function partialUsable(scope: Scope, src: Source, idx: Index, terms: Expr[]): boolean {
  if (!idx.where) return true;
  return conjuncts(idx.where).every((w) => terms.some((q) => implies(scope, src, q, w)));
}

/** The planner's columns of `idx`: table columns, -1 the rowid, -2 - k the k-th expression of exprKeys. */
export function plannerColumns(t: Table, idx: Index): number[] {
  return idx.exprs ? exprKeys(t).cols.get(idx)! : idx.columns;
}

/** The affinity of planner column `col` of `src` (an expression's own affinity, INTEGER for the rowid). */
export function plannerAffinity(src: Source, col: number): Affinity | null {
  if (col >= 0) return src.columns[col]!.affinity;
  if (col === -1) return "INTEGER";
  return exprKeys(src.table!).affinity[-2 - col] ?? null;
}

/** The affinity of key column j of `idx` on `t`. */
export function keyAffinity(t: Table, idx: Index, j: number): Affinity | null {
  const c = idx.columns[j]!;
  if (c === -2) return exprKeys(t).affinity[-2 - plannerColumns(t, idx)[j]!] ?? null;
  return c < 0 || c === t.rowidAlias ? "INTEGER" : t.columns[c]!.affinity;
}
