/**
 * The entry a row has in an index: its key columns (table columns, the rowid, or expressions over
 * the row, SQLite's XN_EXPR) and the rowid, or none when a partial index's WHERE is not true for
 * the row (partialindex.html). The row is either a new one in registers or the one under a table
 * cursor.
 */
import { Op } from "@db/vm";
import type { Index, Table } from "../schema.js";
import { Scope, tableSource, withPure, type Ctx } from "./context.js";
import { compileCondition, compileExpr } from "./expr.js";
import { emitTableColumn } from "./generated.js";

/** A row in registers (column i in regs + i) or under a table cursor; `rowid` is a register either way. */
export type RowAt = { regs: number; rowid: number } | { cursor: number; rowid: number };

function rowScope(t: Table, at: RowAt): Scope {
  if ("regs" in at) return new Scope([{ ...tableSource(t, t.name, -1), regBase: at.regs, regRowid: at.rowid }], null);
  return new Scope([tableSource(t, t.name, at.cursor)], null);
}

/**
 * Loads `idx`'s entry for the row into a fresh block of idx.columns.length + 1 registers and
 * returns its first register; jumps to `none` first if the index is partial and the row has no
 * entry in it.
 */
export function indexEntry(ctx: Ctx, t: Table, idx: Index, at: RowAt, none: number): number {
  return withPure(ctx, "an index", () => entry(ctx, t, idx, at, none));
}

function entry(ctx: Ctx, t: Table, idx: Index, at: RowAt, none: number): number {
  const b = ctx.b;
  const needsScope = idx.where || idx.exprs;
  const scope = needsScope ? rowScope(t, at) : null;
  if (idx.where) compileCondition(ctx, scope, idx.where, none, false, true);
  const n = idx.columns.length;
  const first = b.reg(n + 1);
  idx.columns.forEach((c, j) => {
    if (c === -2) compileExpr(ctx, scope, idx.exprs![j]!, first + j);
    else if (c === -1 || c === t.rowidAlias) b.emit(Op.Copy, at.rowid, first + j, 0);
    else if ("regs" in at) b.emit(Op.Copy, at.regs + c, first + j, 0);
    else emitTableColumn(ctx, t, at.cursor, c, first + j);
  });
  b.emit(Op.Copy, at.rowid, first + n, 0);
  return first;
}

/** What a UNIQUE failure of `idx` names: `t.a, t.b`, or `index 'name'` when it has an expression. */
export function uniqueTarget(t: Table, idx: Index): string {
  if (idx.columns.includes(-2)) return `index '${idx.name}'`;
  return idx.columns.map((c) => `${t.name}.${c < 0 ? "rowid" : t.columns[c]!.name}`).join(", ");
}
