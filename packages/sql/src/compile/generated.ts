/**
 * Generated columns (SQLite gencol.html): checks of their expressions when a table or column is
 * created, computing them for a row being written, and reading a table's columns with VIRTUAL
 * ones computed. A VIRTUAL column's value is computed whenever it is read (expr.ts emitColumn);
 * the record holds NULL in its place. A STORED column is computed on every INSERT and UPDATE.
 */
import { DbError, Op } from "@db/vm";
import type { Expr } from "../ast.js";
import { columnNames, type Column, type Table } from "../schema.js";
import { Builder } from "./builder.js";
import { Scope, tableSource, withPure, type Ctx, type Source } from "./context.js";
import { ROWID_NAMES, compileExpr, constantOf, emitColumn, isSubquery, walkExpr } from "./expr.js";

export function isVirtual(c: Column | undefined): boolean {
  return !!c?.generated && !c.generated.stored;
}

/** The source of a row held in registers: column i in base + i, the rowid in `rowid`. */
function registerRow(t: Table, base: number, rowid: number): Source {
  return { ...tableSource(t, t.name, -1), regBase: base, regRowid: rowid };
}

/**
 * Checks each generated column's expression as SQLite does when the table (or the column, `only`)
 * is created: no "." qualifier, subquery, parameter, aggregate or window call, non-deterministic
 * function, rowid or unknown column. Throws DB_ERROR with SQLite's message.
 */
export function checkGenerated(ctx: Ctx, t: Table, only?: number): void {
  t.columns.forEach((c, i) => {
    if (c.generated && (only === undefined || i === only)) checkRowExpr(ctx, t, c.generated.expr, "generated columns", false);
  });
}

/**
 * Checks an expression over one row of `t` (a generated column, an index expression or a partial
 * index's WHERE, named by `where` in SQLite's messages): no subquery, parameter, aggregate or
 * window call, or non-deterministic function, and only `t`'s columns; `qualified` allows `t.x`
 * (and the rowid). Throws DB_ERROR with SQLite's message.
 */
export function checkRowExpr(ctx: Ctx, t: Table, expr: Expr, where: string, qualified: boolean): void {
  walkExpr(expr, (e) => {
    if (isSubquery(e)) throw new DbError("DB_ERROR", `subqueries prohibited in ${where}`);
    if (e.kind === "param") throw new DbError("DB_ERROR", `parameters prohibited in ${where}`);
    if (e.kind === "column" && !qualified) {
      if (e.table !== undefined) throw new DbError("DB_ERROR", `the "." operator prohibited in ${where}`);
      const lname = e.name.toLowerCase();
      if (ROWID_NAMES.has(lname) && !t.columns.some((x) => x.name.toLowerCase() === lname)) throw new DbError("DB_ERROR", `no such column: ${e.name}`);
    }
    if (e.kind === "function" && !e.over && ctx.functions.get(e.name.toLowerCase())?.deterministic === false) {
      throw new DbError("DB_ERROR", `non-deterministic functions prohibited in ${where}`);
    }
  });
  // Compiled once into a scratch program for the remaining errors (names, functions, aggregates).
  const scratch: Ctx = { ...ctx, b: new Builder(), trigger: undefined, ctes: [] };
  compileExpr(scratch, new Scope([registerRow(t, 0, 0)], null), expr);
}

/**
 * Computes the generated columns of a row in registers cols.. (rowid in `rowid`), each after
 * those it reads, converted to its column's affinity; `virtualOnly` leaves STORED ones as loaded.
 */
export function computeGenerated(ctx: Ctx, t: Table, cols: number, rowid: number, virtualOnly = false): void {
  if (!t.generatedOrder) return;
  const scope = new Scope([registerRow(t, cols, rowid)], null);
  for (const i of t.generatedOrder) {
    const c = t.columns[i]!;
    if (virtualOnly && c.generated!.stored) continue;
    withPure(ctx, "a generated column", () => compileExpr(ctx, scope, c.generated!.expr, cols + i));
    ctx.b.emit(Op.Affinity, cols + i, 1, 0, [c.affinity]);
  }
}

/**
 * Loads column i of the row under table cursor `cursor`: the rowid alias, a VIRTUAL column
 * computed, or the stored value (the column's DEFAULT for a row written before ADD COLUMN).
 */
export function emitTableColumn(ctx: Ctx, t: Table, cursor: number, i: number, target: number): void {
  if (i < 0 || i === t.rowidAlias) ctx.b.emit(Op.Rowid, cursor, target);
  else if (!isVirtual(t.columns[i])) ctx.b.emit(Op.Column, cursor, i, target, constantOf(t.columns[i]!.default));
  else {
    const scope = new Scope([tableSource(t, t.name, cursor)], null);
    emitColumn(ctx, { scope, source: scope.sources[0]!, col: i }, target);
  }
}

/** The table columns a VIRTUAL column's value is computed from, through the VIRTUAL columns it reads. */
export function virtualInputs(t: Table, i: number, out = new Set<number>()): Set<number> {
  const names = columnNames(t.columns[i]!.generated!.expr);
  t.columns.forEach((c, j) => {
    if (!names.has(c.name.toLowerCase()) || out.has(j)) return;
    if (isVirtual(c)) virtualInputs(t, j, out);
    else out.add(j);
  });
  return out;
}
