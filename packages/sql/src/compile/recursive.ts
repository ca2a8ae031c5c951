/**
 * Recursive common table expressions (lang_with.html §3), compiled as SQLite's
 * generateWithRecursiveQuery does: the initial arms fill a queue; each row taken from the queue
 * (first in, first out) is output and becomes the one-row table that the recursive arms read
 * under the CTE's name, and what they produce joins the queue. UNION keeps a set of the rows
 * queued so far and queues each distinct row once; UNION ALL queues every row. LIMIT stops the
 * recursion after that many rows are output (so `LIMIT` ends an unbounded recursion); OFFSET
 * skips output rows but still recurses on them.
 *
 * Not supported (a DB_ERROR, not a wrong answer): ORDER BY on the recursive SELECT (SQLite's
 * priority queue), and INTERSECT/EXCEPT around the recursive arms.
 */
import { DbError, Op } from "@db/vm";
import type { CommonTableExpr, Expr, FromItem, SelectCore } from "../ast.js";
import type { Ctx, Source, SourceColumn } from "./context.js";
import { compileCore, emitDeliver, emitLimits } from "./select.js";
import { usesWindows } from "./window.js";

/** Rows a recursive CTE may produce before DB_TOOBIG (it is held in memory). */
const MAX_ROWS = 10_000_000;

/** How many times `core`'s FROM names `lname` directly (not inside subqueries). */
function selfRefs(core: SelectCore, lname: string): number {
  if (core.kind !== "core" || !core.from) return 0;
  const count = (f: FromItem): number => {
    if (f.kind === "join") return count(f.left) + count(f.right);
    return f.kind === "table" && !f.schema && f.name.toLowerCase() === lname ? 1 : 0;
  };
  return count(core.from);
}

/** Whether `cte` reads itself in the FROM of one of its arms (a recursive CTE). */
export function isRecursiveCte(cte: CommonTableExpr): boolean {
  const lname = cte.name.toLowerCase();
  const sel = cte.select;
  return [sel.core, ...sel.compound.map((c) => c.core)].some((c) => selfRefs(c, lname) > 0);
}

/** Compiles recursive `cte` into an ephemeral table once per statement run and returns it as a source named `name`. */
export function materializeRecursive(ctx: Ctx, cte: CommonTableExpr, name: string, outerLimit?: Expr): Source {
  const b = ctx.b;
  const lname = cte.name.toLowerCase();
  const sel = cte.select;
  const arms = [sel.core, ...sel.compound.map((c) => c.core)];
  const firstRecursive = arms.findIndex((c) => selfRefs(c, lname) > 0);
  if (firstRecursive === 0) throw new DbError("DB_ERROR", `circular reference: ${cte.name}`);
  const recursiveOps = sel.compound.slice(firstRecursive - 1).map((c) => c.op);
  if (recursiveOps.some((op) => op !== "UNION" && op !== "UNION ALL")) {
    throw new DbError("DB_ERROR", `recursive aggregate queries not supported: only UNION and UNION ALL may join the recursive SELECTs of ${cte.name}`);
  }
  if (sel.orderBy.length) throw new DbError("DB_ERROR", `ORDER BY on a recursive common table expression is not supported (${cte.name})`);
  for (const core of arms.slice(firstRecursive)) {
    if (selfRefs(core, lname) > 1) throw new DbError("DB_ERROR", `multiple references to recursive table: ${cte.name}`);
    if (core.kind === "core" && usesWindows(core, [])) throw new DbError("DB_ERROR", "cannot use window functions in recursive queries");
  }
  const distinct = recursiveOps[0] === "UNION";

  const result = b.cursor();
  const queue = b.cursor();
  const current = b.cursor();
  const seen = distinct ? b.cursor() : -1;
  const skip = b.label();
  b.emit(Op.Once, 0, skip);
  b.emit(Op.OpenEphemeral, result, 0);
  b.emit(Op.OpenEphemeral, queue, 0);
  b.emit(Op.OpenEphemeral, current, 0);
  if (distinct) b.emit(Op.OpenEphemeral, seen, 1);
  b.planDepth++;
  b.note(`MATERIALIZE ${name}`);
  b.note("SETUP");
  const dest = { kind: "queue" as const, cursor: queue, set: distinct ? seen : null };
  const first = compileCore(ctx, arms[0]!, [], undefined, undefined, dest, null);
  const n = first.columns.length;
  if (cte.columns && cte.columns.length !== n) {
    throw new DbError("DB_ERROR", `table ${cte.name} has ${n} values for ${cte.columns.length} columns`);
  }
  const checkWidth = (got: number, i: number) => {
    if (got !== n) throw new DbError("DB_ERROR", `SELECTs to the left and right of ${sel.compound[i - 1]!.op} do not have the same number of result columns`);
  };
  for (let i = 1; i < firstRecursive; i++) checkWidth(compileCore(ctx, arms[i]!, [], undefined, undefined, dest, null).columns.length, i);

  const columns: SourceColumn[] = first.columns.map((c, i) => ({
    name: cte.columns?.[i] ?? c.name,
    affinity: first.affinities[i] ?? null,
    collation: "BINARY",
    type: c.type ?? "",
    index: i,
  }));
  const done = b.label();
  // Without a LIMIT of its own, the outer query's `LIMIT n` (no WHERE, ORDER BY, grouping) bounds it.
  const lim = emitLimits(ctx, null, sel.limit ?? (sel.offset ? undefined : outerLimit), sel.offset, done);
  const top = b.label();
  // The CTE is materialized, not streamed: an unbounded recursion would fill memory, so it ends
  // with a typed error after MAX_ROWS rows instead.
  const budget = b.reg();
  const tooMany = b.label();
  b.emit(Op.Integer, MAX_ROWS, budget);
  b.emit(Op.Rewind, queue, done);
  b.place(top);
  b.emit(Op.DecrJumpZero, budget, tooMany);
  // The row taken from the queue: output, and the one-row table the recursive arms read.
  const row = b.reg(n);
  for (let i = 0; i < n; i++) b.emit(Op.Column, queue, i, row + i);
  b.emit(Op.OpenEphemeral, current, 0);
  b.emit(Op.EphInsert, current, row, n);
  emitDeliver(ctx, { kind: "eph", cursor: result }, row, n, lim);
  b.note("RECURSIVE STEP");
  const refs = (ctx.recursiveRefs ??= new Map());
  const saved = refs.get(lname);
  refs.set(lname, { cursor: current, columns });
  try {
    for (let i = firstRecursive; i < arms.length; i++) {
      checkWidth(compileCore(ctx, arms[i]!, [], undefined, undefined, dest, null).columns.length, i);
    }
  } finally {
    if (saved) refs.set(lname, saved);
    else refs.delete(lname);
  }
  b.emit(Op.Next, queue, top);
  b.emit(Op.Goto, 0, done);
  b.place(tooMany);
  b.emit(Op.HaltError, 0, 0, 0, { code: "DB_TOOBIG", message: `recursive common table expression ${cte.name} produced more than ${MAX_ROWS} rows (add a LIMIT to it)` });
  b.place(done);
  b.planDepth--;
  b.place(skip);
  return { name, table: null, columns, cursor: result, hidden: new Set(), join: "inner", on: null };
}
