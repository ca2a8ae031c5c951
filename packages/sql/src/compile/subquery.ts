/**
 * Subqueries in expressions: scalar `(SELECT ...)`, `EXISTS`, `x IN (SELECT ...)` and `x IN table`.
 * An uncorrelated subquery runs once per statement (guarded by `Once`); a correlated one
 * runs each time it is evaluated.
 */
import { DbError, Op, comparisonAffinity, type Affinity } from "@db/vm";
import type { Expr, Select } from "../ast.js";
import type { Ctx, Scope } from "./context.js";
import { compileExpr, exprAffinity, subqueryAffinities } from "./expr.js";
import { compileSelect } from "./select.js";

/** EphInsert p5: the affinity applied to the row's values before they go into the set. */
const EPH_AFF_NUMERIC = 1;
const EPH_AFF_TEXT = 2;
const EPH_AFF_REAL = 3;

type SubqueryExpr = Extract<Expr, { kind: "subquery" | "exists" | "in-select" | "in-table" }>;

export function compileSubquery(ctx: Ctx, scope: Scope | null, e: SubqueryExpr, t: number): void {
  const b = ctx.b;
  const guard = b.emit(Op.Noop);
  const after = b.label();
  let correlated: boolean;
  let result: number;
  let setCursor = -1;
  let setAffinity: Affinity | null = null;
  if (e.kind === "subquery" || e.kind === "exists") {
    result = b.reg();
    const done = b.label();
    if (e.kind === "subquery") b.emit(Op.Null, 0, result);
    else b.emit(Op.Integer, 0, result);
    const sel = e.kind === "subquery" ? e.select : e.select;
    const info = compileSelect(ctx, sel, e.kind === "subquery" ? { kind: "scalar", reg: result, done } : { kind: "exists", reg: result, done }, scope);
    if (e.kind === "subquery" && info.columns.length !== 1) throw new DbError("DB_ERROR", `sub-select returns ${info.columns.length} columns - expected 1`);
    // sqlite3ExprAffinity of a subquery: its (rightmost arm's) first result column's.
    if (e.kind === "subquery") subqueryAffinities.set(e.select, (info.lastAffinities ?? info.affinities)[0] ?? null);
    correlated = info.correlated;
    b.place(done);
  } else {
    setCursor = b.cursor();
    result = 0;
    b.emit(Op.OpenEphemeral, setCursor, 1);
    const sel: Select =
      e.kind === "in-select"
        ? e.select
        : { kind: "select", core: { kind: "core", distinct: false, columns: [{ kind: "star" }], from: { kind: "table", name: e.table }, groupBy: [] }, compound: [], orderBy: [] };
    const start = b.addr;
    const info = compileSelect(ctx, sel, { kind: "eph", cursor: setCursor }, scope);
    if (info.columns.length !== 1) throw new DbError("DB_ERROR", `sub-select returns ${info.columns.length} columns - expected 1`);
    correlated = info.correlated;
    // `x IN (SELECT y)` compares as `x = y`: both sides take that comparison's affinity, the set's
    // values as they go in (EphInsert p5), x before the lookup (sqlite3 exprINAffinity).
    const lhs = exprAffinity(scope, e.expr);
    const rhs = (info.lastAffinities ?? info.affinities)[0] ?? null;
    setAffinity = comparisonAffinity(lhs, rhs);
    // One side without affinity takes the other's as it is (sqlite3CompareAffinity): a REAL
    // column's set holds REALs, so '-9007199254740993' meets it as -9007199254740992.0.
    if (setAffinity === "NUMERIC" && (lhs === null || rhs === null) && (lhs ?? rhs) === "REAL") setAffinity = "REAL";
    if (setAffinity) {
      const code = setAffinity === "TEXT" ? EPH_AFF_TEXT : setAffinity === "REAL" ? EPH_AFF_REAL : EPH_AFF_NUMERIC;
      for (let a = start; a < b.addr; a++) {
        const ins = b.instrs[a]!;
        if (ins.op === Op.EphInsert && ins.p1 === setCursor) ins.p5 = code;
      }
    }
  }
  b.place(after);
  if (!correlated) {
    const ins = b.instrs[guard]!;
    ins.op = Op.Once;
    ins.p2 = after;
  }
  if (e.kind === "subquery") {
    b.emit(Op.Copy, result, t, 0);
    return;
  }
  if (e.kind === "exists") {
    if (e.not) b.emit(Op.Not, result, t);
    else b.emit(Op.Copy, result, t, 0);
    return;
  }
  let x = compileExpr(ctx, scope, e.expr);
  if (setAffinity) {
    const y = b.reg();
    b.emit(Op.Copy, x, y, 0);
    b.emit(Op.Affinity, y, 1, 0, [setAffinity]);
    x = y;
  }
  b.emit(Op.InSet, setCursor, t, x);
  if (e.not) b.emit(Op.Not, t, t);
}
