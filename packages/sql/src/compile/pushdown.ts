/**
 * WHERE-term push-down (SQLite's pushDownWhereTerms in select.c): a term that reads only one
 * compound subquery, view or CTE in FROM is copied into each of its arms (the arm's WHERE, or its
 * HAVING when the arm aggregates), with the compound's columns replaced by the arm's result
 * expressions; the term also stays where it was. Each arm's own affinities then apply to the
 * copy, which is how SQLite's answers differ from filtering the compound's rows only.
 *
 * SQLite's restrictions, kept here: no push into a compound with a LIMIT, a recursive CTE or a
 * CTE used more than once or AS MATERIALIZED (materialized and shared); the right side of a LEFT JOIN takes
 * only the terms of its own ON clause, any other source only WHERE and inner-join ON terms; the
 * term reads no other table and no enclosing query, calls no non-deterministic function, and its
 * subqueries are uncorrelated. Restriction (8), BINARY result columns, is required of every
 * compound here (SQLite: UNION ALL may differ), as the copy carries no collation of its own.
 * Simple subqueries are left alone: there the copy changes no result.
 */
import type { CommonTableExpr, Expr, Select, SubqueryRef, TableRef } from "../ast.js";
import type { Ctx, Scope, Source } from "./context.js";
import { conjuncts, resolveColumnQuiet, walkDeep } from "./expr.js";

/** A term to push into one arm, built from that arm's result expressions. */
export type PushTerm = (cols: Expr[]) => Expr;
export type PushItem = TableRef | SubqueryRef;
export type PushDowns = Map<PushItem, PushTerm[]>;

type Node = Record<string, unknown>;

/** A deep copy of `node`, with the objects `replace` maps swapped for (copies of) its answer. */
function copy(node: unknown, replace: (o: Node) => unknown): unknown {
  if (Array.isArray(node)) return node.map((x) => copy(x, replace));
  if (node === null || typeof node !== "object") return node;
  const r = replace(node as Node);
  if (r !== undefined) return copy(r, () => undefined);
  const out: Node = {};
  for (const [k, v] of Object.entries(node as Node)) out[k] = copy(v, replace);
  return out;
}

/** How often each CTE of a WITH is named in the statement that defines it (SQLite's nUse). */
const cteUses = new WeakMap<CommonTableExpr, number>();

export function countCteUses(sel: Select, ctes: CommonTableExpr[]): void {
  const counts = new Map<string, number>();
  walkDeep(sel, (o) => {
    const name = o.kind === "table" && o.schema === undefined ? o.name : o.kind === "in-table" ? o.table : undefined;
    if (typeof name === "string") counts.set(name.toLowerCase(), (counts.get(name.toLowerCase()) ?? 0) + 1);
  });
  for (const c of ctes) cteUses.set(c, counts.get(c.name.toLowerCase()) ?? 0);
}

/** Whether terms may be pushed into `sel`, materialized for one FROM item (`cte` if it is one). */
export function pushTarget(sel: Select, cte: CommonTableExpr | undefined): boolean {
  return sel.compound.length > 0 && !sel.limit && (!cte || (!cte.materialized && (cteUses.get(cte) ?? 0) < 2));
}

/** The terms to push into each compound source of `scope` (first pass: sources marked `push`). */
export function planPushDown(ctx: Ctx, scope: Scope, where: Expr[], innerOn: Expr[]): PushDowns {
  const out: PushDowns = new Map();
  // Next to a RIGHT/FULL JOIN a filtered row would count as unmatched: SQLite pushes nothing there.
  if (scope.sources.some((s) => s.rightJoin)) return out;
  for (const src of scope.sources) {
    if (!src.push) continue;
    // SQLite pushes the terms of the AND tree right to left: the last term first.
    const cands = (src.join === "left" ? conjuncts(src.on ?? undefined) : [...where, ...innerOn]).reverse();
    const terms = cands.map((t) => pushable(ctx, scope, src, t)).filter((f): f is PushTerm => f !== null);
    if (terms.length) out.set(src.push, terms);
  }
  return out;
}

/** sqlite3ExprIsTableConstant: `term` as a function of the source's columns, or null. */
function pushable(ctx: Ctx, scope: Scope, src: Source, term: Expr): PushTerm | null {
  const cols = new Map<Node, number>();
  let ok = true;
  walkDeep(term, (o, inSub) => {
    if (o.kind === "column") {
      const r = resolveColumnQuiet(scope, o.table as string | undefined, o.name as string);
      // Inside a subquery, a name this scope (or an enclosing one) could supply may be a correlated reference.
      if (inSub) ok &&= r === null;
      else if (r && r.scope === scope && r.source === src && r.col >= 0) cols.set(o, r.col);
      else ok = false;
    } else if (o.kind === "function" && !inSub) {
      ok &&= ctx.functions.get((o.name as string).toLowerCase())?.deterministic === true;
    } else if (o.kind === "param") {
      // Numbered by the parser; a hand-built AST's unnumbered one would be renumbered by a copy.
      ok &&= o.index !== undefined;
    }
  });
  if (!ok) return null;
  return (armCols) => copy(term, (o) => (cols.has(o) ? armCols[cols.get(o)!] : undefined)) as Expr;
}

/** `e AND t1 AND t2 ...` (or just the terms when `e` is absent). */
export function andAll(e: Expr | undefined, terms: Expr[]): Expr | undefined {
  return terms.reduce<Expr | undefined>((acc, t) => (acc ? { kind: "binary", op: "AND", left: acc, right: t } : t), e);
}
