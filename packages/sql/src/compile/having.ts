/**
 * SQLite's havingToWhere (select.c): in a query with GROUP BY, a HAVING term that reads only
 * GROUP BY terms and constants is moved into the WHERE clause, where it filters rows before they
 * are grouped. Besides being cheaper, this decides which groups are formed, and so which groups'
 * aggregates are finalized: SQLite finalizes every group's aggregates before testing HAVING, so
 * `GROUP BY g HAVING g = 2` never computes (nor fails on) the sum of another group, while
 * `HAVING 0` or `HAVING sum(x) > 0` does.
 *
 * A term moves when (sqlite3ExprIsConstantOrGroupBy, and havingToWhereExprCb's conditions):
 * every column it reads is inside a subexpression identical to a GROUP BY term whose collation is
 * BINARY; it calls only deterministic non-aggregate functions; it holds no subquery; it is not
 * always false (the literals 0 and FALSE, `y IN ()`).
 */
import type { Expr } from "../ast.js";
import { conjuncts, exprCollation, isAggregateCall, isSubquery, resolveColumnQuiet } from "./expr.js";
import type { Ctx, Scope } from "./context.js";

type Node = Record<string, unknown>;

/** Splits the conjuncts of `having` into those that stay and those that move to the WHERE clause. */
export function havingToWhere(ctx: Ctx, scope: Scope, having: Expr | undefined, groupBy: Expr[]): { keep: Expr[]; move: Expr[] } {
  const keep: Expr[] = [];
  const move: Expr[] = [];
  const binaryKeys = groupBy.filter((g) => (exprCollation(scope, g) ?? "BINARY").toUpperCase() === "BINARY");
  for (const term of conjuncts(having)) {
    if (!alwaysFalse(term) && constantOrGroupBy(ctx, scope, term, binaryKeys)) move.push(term);
    else keep.push(term);
  }
  return { keep, move };
}

function alwaysFalse(e: Expr): boolean {
  // By havingToWhere's time SQLite has resolved FALSE (EP_IsFalse), unlike at parse time.
  if (e.kind === "literal" && e.type === "false") return true;
  if (e.kind === "literal" && e.type === "integer") return /^(0x)?0+$/i.test(e.value);
  return e.kind === "in-list" && e.list.length === 0 && !e.not;
}

function constantOrGroupBy(ctx: Ctx, scope: Scope, node: unknown, keys: Expr[]): boolean {
  if (Array.isArray(node)) return node.every((x) => constantOrGroupBy(ctx, scope, x, keys));
  if (node === null || typeof node !== "object") return true;
  const o = node as Node;
  if (typeof o.kind === "string") {
    const e = o as unknown as Expr;
    if (keys.some((k) => sameExpr(scope, e, k))) return true;
    if (isSubquery(e)) return false;
    switch (e.kind) {
      case "column":
        return false;
      case "param":
        return e.index !== undefined; // numbered by the parser (a hand-built AST's would be renumbered)
      case "function":
        if (isAggregateCall(ctx, e) || ctx.functions.get(e.name.toLowerCase())?.deterministic !== true) return false;
        break;
      default:
        break;
    }
  }
  for (const v of Object.values(o)) if (typeof v === "object" && v !== null && !constantOrGroupBy(ctx, scope, v, keys)) return false;
  return true;
}

/** sqlite3ExprCompare(...) == 0 for two expressions of the same scope: columns compare by what they resolve to. */
function sameExpr(scope: Scope, a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameExpr(scope, x, b[i]));
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  const x = a as Node;
  const y = b as Node;
  if (x.kind !== y.kind) return false;
  if (x.kind === "column") {
    const rx = resolveColumnQuiet(scope, x.table as string | undefined, x.name as string);
    const ry = resolveColumnQuiet(scope, y.table as string | undefined, y.name as string);
    return rx !== null && ry !== null && rx.scope === scope && ry.scope === scope && rx.source === ry.source && rx.col === ry.col;
  }
  if (x.kind === "function" && String(x.name).toLowerCase() !== String(y.name).toLowerCase()) return false;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const k of keys) {
    if (k === "name" && x.kind === "function") continue;
    const vx = x[k];
    const vy = y[k];
    if (typeof vx === "object" && vx !== null) {
      if (!sameExpr(scope, vx, vy)) return false;
    } else if (vx !== vy) return false;
  }
  return true;
}
