/**
 * Upsert: `INSERT ... ON CONFLICT [(target)] DO NOTHING | DO UPDATE SET ... [WHERE ...]`
 * (lang_upsert.html). Each clause claims one uniqueness constraint, the PRIMARY KEY or UNIQUE
 * constraint whose columns are its target; a clause without a target (only the last) claims every
 * other one. When the new row conflicts on a claimed constraint, DO NOTHING drops the row and
 * DO UPDATE updates the existing row instead, as an UPDATE of it would: unqualified names are
 * its columns, `excluded.x` the row that was to be inserted, UPDATE triggers fire, a conflict of
 * the updated row with another row is an error, and the update counts as a change. Claimed
 * constraints are checked before the others, in clause order. Conflicts on other constraints,
 * and NOT NULL and CHECK failures, are resolved by the statement's own conflict action.
 */
import { DbError, Op } from "@db/vm";
import type { Expr, Insert, SetClause } from "../ast.js";
import type { Index, Table } from "../schema.js";
import { Scope, tableSource, type Ctx } from "./context.js";
import { ROWID_NAMES, compileCondition, compileExpr } from "./expr.js";
import type { Returning } from "./returning.js";
import { outerScope, rowSource } from "./trigger.js";
import { sameRowExpr } from "./row-match.js";

type Clause = NonNullable<Insert["upsert"]>[number];

/** The pieces of dml.ts the upsert needs (passed in: dml.ts imports this module). */
export interface UpsertDeps {
  /** The table cursor. */
  cursor: number;
  /** The SET clauses as column index → value. */
  assignments(set: SetClause[]): Map<number, Expr>;
  /** emitRowUpdate of the row under the cursor (old rowid in register `old`), its conflicts resolved by ABORT. */
  updateRow(old: number, sets: Map<number, Expr>, skip: number, ret: Returning | null, value: (i: number, target: number) => void): void;
}

/** Handlers by uniqueness constraint (-1: the rowid, i: `t.indexes[i]`), and the constraints to check first. */
export interface UpsertPlan {
  first: number[];
  /** Emits the action for a conflict with the row whose rowid is in register `found`; it ends with a jump to `skip`, the end of the row. */
  handler(constraint: number): ((found: number, skip: number) => void) | null;
}

function sameWhere(t: Table, index: Expr, target: Expr): boolean {
  const scope = new Scope([tableSource(t, t.name, -1)], null);
  return sameRowExpr(scope, scope.sources[0]!, target, index);
}

/** Which constraint (-1: the rowid, i: `t.indexes[i]`) a target names, or a DB_ERROR. */
function targetConstraint(t: Table, clause: Clause): number {
  const none = () => new DbError("DB_ERROR", "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint");
  const names = new Set(clause.target!.map((n) => n.toLowerCase()));
  const rowidNames = [...ROWID_NAMES, ...(t.rowidAlias >= 0 ? [t.columns[t.rowidAlias]!.name.toLowerCase()] : [])];
  if (names.size === 1 && rowidNames.includes([...names][0]!)) return -1;
  const scope = new Scope([tableSource(t, t.name, -1)], null);
  const exprs = clause.targetExprs ?? [];
  // Each column of the index is a term of the target: by name, or the same expression (expridx.html).
  const covers = (idx: Index) =>
    idx.columns.length === names.size &&
    idx.columns.every((c, j) => (c === -2 ? exprs.some((e) => sameRowExpr(scope, scope.sources[0]!, e, idx.exprs![j])) : names.has(c < 0 ? "rowid" : t.columns[c]!.name.toLowerCase())));
  const i = t.indexes.findIndex(
    // A partial index matches a target whose WHERE is its WHERE (sqlite3UpsertAnalyzeTarget).
    (idx) => idx.unique && (!idx.where || (!!clause.targetWhere && sameWhere(t, idx.where, clause.targetWhere))) && covers(idx),
  );
  if (i < 0) throw none();
  return i;
}

/**
 * The upsert of `ins`, for the rows it inserts from registers cols.. (rowid in `rowid`): built once,
 * its handlers emit code for each row.
 */
export function planUpsert(ctx: Ctx, t: Table, ins: Insert, deps: UpsertDeps, cols: number, rowid: number, ret: Returning | null): UpsertPlan {
  const clauses = ins.upsert!;
  const claimed = new Map<number, Clause>();
  let rest: Clause | null = null;
  clauses.forEach((clause, k) => {
    if (!clause.target) {
      if (k !== clauses.length - 1) throw new DbError("DB_ERROR", "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint");
      rest = clause;
      return;
    }
    const c = targetConstraint(t, clause);
    if (!claimed.has(c)) claimed.set(c, clause);
  });
  const handlerOf = (clause: Clause) => (found: number, skip: number) => {
    if (clause.action === "NOTHING") ctx.b.emit(Op.Goto, 0, skip);
    else doUpdate(ctx, t, ins, deps, clause.action, cols, rowid, found, skip, ret);
  };
  return {
    first: [...claimed.keys()],
    handler: (c) => {
      const clause = claimed.get(c) ?? rest;
      return clause ? handlerOf(clause) : null;
    },
  };
}

/** DO UPDATE of the row whose rowid is in `found`, then a jump to `skip`. */
function doUpdate(ctx: Ctx, t: Table, ins: Insert, deps: UpsertDeps, action: Exclude<Clause["action"], "NOTHING">, cols: number, rowid: number, found: number, skip: number, ret: Returning | null): void {
  const b = ctx.b;
  b.emit(Op.SeekRowid, deps.cursor, skip, found);
  // `excluded` one level out, so that unqualified names are the existing row's.
  const excluded = new Scope([rowSource("excluded", t, cols, rowid)], outerScope(ctx));
  const scope = new Scope([tableSource(t, ins.alias ?? t.name, deps.cursor)], excluded);
  if (action.where) compileCondition(ctx, scope, action.where, skip, false, true);
  const sets = deps.assignments(action.set);
  deps.updateRow(found, sets, skip, ret, (i, target) => compileExpr(ctx, scope, sets.get(i)!, target));
  b.emit(Op.Goto, 0, skip);
}
