/**
 * RETURNING (lang_returning.html). Each row an INSERT, UPDATE or DELETE writes is evaluated
 * against the RETURNING expressions when it is written (the values the statement itself wrote or
 * removed, not later changes by AFTER triggers) and kept in an ephemeral table. The rows come out
 * after the last write, as SQLite buffers them: every change is made by the first step, and a
 * caller that stops reading early keeps them (Program.returning). Not allowed in a trigger body.
 */
import { DbError, Op, type ColumnMeta } from "@db/vm";
import type { Expr, ResultColumn } from "../ast.js";
import type { Table } from "../schema.js";
import { Scope, type Ctx } from "./context.js";
import { compileExpr } from "./expr.js";
import { rowSource } from "./trigger.js";

export class Returning {
  readonly columns: ColumnMeta[];
  private readonly items: Expr[];
  private readonly eph: number;

  /** Opens the buffer. The expressions name the table by its name, never by the statement's alias (as in SQLite). */
  constructor(
    private readonly ctx: Ctx,
    private readonly t: Table,
    list: ResultColumn[],
  ) {
    if (ctx.trigger) throw new DbError("DB_ERROR", "cannot use RETURNING in a trigger");
    this.items = [];
    this.columns = [];
    for (const rc of list) {
      if (rc.kind === "expr") {
        this.items.push(rc.expr);
        this.columns.push({ name: rc.alias ?? rc.text });
        continue;
      }
      if (rc.kind === "table-star") throw new DbError("DB_ERROR", 'RETURNING may not use "TABLE.*" wildcards');
      for (const c of t.columns) {
        this.items.push({ kind: "column", table: t.name, name: c.name });
        this.columns.push({ name: c.name });
      }
    }
    const b = ctx.b;
    b.returning = true;
    this.eph = b.cursor();
    b.emit(Op.OpenEphemeral, this.eph, 0);
  }

  /** Buffers the RETURNING row of the row held in registers base..base+n-1 with rowid `rowid`. */
  row(base: number, rowid: number): void {
    const b = this.ctx.b;
    const scope = new Scope([rowSource(this.t.name, this.t, base, rowid)], null);
    const regs = b.reg(this.items.length);
    this.items.forEach((e, i) => compileExpr(this.ctx, scope, e, regs + i));
    b.emit(Op.EphInsert, this.eph, regs, this.items.length);
  }

  /** After the last write: the buffered rows as the statement's result rows. */
  output(): void {
    const b = this.ctx.b;
    const n = this.items.length;
    const done = b.label();
    const top = b.label();
    const regs = b.reg(n);
    b.emit(Op.Rewind, this.eph, done);
    b.place(top);
    for (let i = 0; i < n; i++) b.emit(Op.Column, this.eph, i, regs + i);
    b.emit(Op.ResultRow, regs, n);
    b.emit(Op.Next, this.eph, top);
    b.place(done);
  }
}
