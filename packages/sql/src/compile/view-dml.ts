/**
 * INSERT, UPDATE and DELETE on a view: each row fires the view's INSTEAD OF triggers
 * (lang_createtrigger.html#instead_of_triggers) and nothing is written. NEW holds the columns the
 * INSERT names (the others NULL) or the old row with the SET columns replaced; OLD the view's row.
 * The rows of an UPDATE or DELETE are found first, by reading the view. The statement changes no
 * row itself (changes() is 0); a view without a matching trigger cannot be modified.
 */
import { DbError, Op, type ColumnMeta } from "@db/vm";
import type { Delete, Expr, Insert, Update } from "../ast.js";
import type { Table, View } from "../schema.js";
import type { Ctx } from "./context.js";
import { viewColumns } from "./from.js";
import { Returning } from "./returning.js";
import { fireTriggers } from "./trigger.js";
import { assignments, collectRows, insertSourceRows } from "./dml.js";

type Event = "INSERT" | "UPDATE" | "DELETE";

/**
 * The view `name` as a table of its columns (for NEW/OLD and RETURNING), when the statement may
 * write it: it has an INSTEAD OF trigger for `event` (for UPDATE, one whose UPDATE OF list names a
 * SET column). Null when `name` is not a view. Throws "cannot modify v because it is a view".
 */
export function viewTarget(ctx: Ctx, name: string, event: Event, setNames?: string[]): Table | null {
  const v = ctx.schema.getTable(name);
  if (!v || v.kind !== "view") return null;
  const set = setNames?.map((n) => n.toLowerCase());
  const fires = v.triggers.some(
    (tr) => tr.ast.timing === "INSTEAD OF" && tr.ast.event === event && (!set || !tr.ast.updateOf || tr.ast.updateOf.some((c) => set.includes(c.toLowerCase()))),
  );
  if (!fires) throw new DbError("DB_ERROR", `cannot modify ${v.name} because it is a view`);
  return viewTable(ctx, v);
}

function viewTable(ctx: Ctx, v: View): Table {
  return {
    kind: "table",
    name: v.name,
    rootpage: 0,
    columns: viewColumns(ctx, v.name).map((c) => ({ name: c.name, type: "", affinity: "BLOB", notNull: false, default: null, collation: c.collation, pk: 0 })),
    rowidAlias: -1,
    indexes: [],
    triggers: v.triggers,
    checks: [],
    sql: v.sql,
  };
}

export function compileViewInsert(ctx: Ctx, t: Table, ins: Insert): ColumnMeta[] {
  const b = ctx.b;
  if (ins.upsert) throw new DbError("DB_ERROR", "cannot UPSERT a view");
  const n = t.columns.length;
  const targets = ins.columns
    ? ins.columns.map((name) => {
        const i = t.columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
        if (i < 0) throw new DbError("DB_ERROR", `table ${t.name} has no column named ${name}`);
        return i;
      })
    : t.columns.map((_, i) => i);
  const ret = ins.returning ? new Returning(ctx, t, ins.returning) : null;
  const cols = b.reg(n);
  const rowid = b.reg();
  insertSourceRows(ctx, ins, t.name, targets.length, (load) => {
    const skip = b.label();
    for (let i = 0; i < n; i++) b.emit(Op.Null, 0, cols + i);
    b.emit(Op.Null, 0, rowid);
    targets.forEach((c, j) => load(j, cols + c));
    fireTriggers(ctx, t, "INSERT", "INSTEAD OF", { newBase: cols, newRowid: rowid }, skip);
    ret?.row(cols, rowid);
    b.place(skip);
  });
  ret?.output();
  return ret?.columns ?? [];
}

/** UPDATE and DELETE of a view: the rows the WHERE finds (and the SET values), then the triggers per row. */
export function compileViewChange(ctx: Ctx, t: Table, st: Update | Delete): ColumnMeta[] {
  const b = ctx.b;
  const n = t.columns.length;
  const sets = st.kind === "update" ? assignments(t, st.set) : new Map<number, Expr>();
  const head: Expr[] = t.columns.map((c) => ({ kind: "column", table: st.alias ?? t.name, name: c.name }));
  const values = [...sets.entries()];
  const eph = collectRows(ctx, t, st.alias, st.kind === "update" ? st.from : undefined, st.where, values.map(([, e]) => e), head);
  const ret = st.returning ? new Returning(ctx, t, st.returning) : null;
  const oldCols = b.reg(n);
  const newCols = st.kind === "update" ? b.reg(n) : 0;
  const rowid = b.reg();
  b.emit(Op.Null, 0, rowid);
  const done = b.label();
  const top = b.label();
  const next = b.label();
  b.emit(Op.Rewind, eph, done);
  b.place(top);
  for (let i = 0; i < n; i++) b.emit(Op.Column, eph, i, oldCols + i);
  if (st.kind === "update") {
    for (let i = 0; i < n; i++) b.emit(Op.Copy, oldCols + i, newCols + i, 0);
    values.forEach(([i], j) => b.emit(Op.Column, eph, n + j, newCols + i));
    fireTriggers(ctx, t, "UPDATE", "INSTEAD OF", { newBase: newCols, newRowid: rowid, oldBase: oldCols, oldRowid: rowid }, next, new Set(sets.keys()));
    ret?.row(newCols, rowid);
  } else {
    fireTriggers(ctx, t, "DELETE", "INSTEAD OF", { oldBase: oldCols, oldRowid: rowid }, next);
    ret?.row(oldCols, rowid);
  }
  b.place(next);
  b.emit(Op.Next, eph, top);
  b.place(done);
  ret?.output();
  return ret?.columns ?? [];
}
