/**
 * AUTOINCREMENT (autoinc.html): an INTEGER PRIMARY KEY declared AUTOINCREMENT never reuses a
 * rowid, even one of a deleted row. The largest rowid ever used is kept per table in
 * `sqlite_sequence(name, seq)`, created with the first such table. An INSERT reads the table's
 * seq once, makes each new rowid larger than both it and the table's current largest rowid
 * (NewRowid p3), raises it for explicit rowids, and writes it back at the end of the statement.
 */
import { Op } from "@db/vm";
import type { Table } from "../schema.js";
import type { Ctx } from "./context.js";
import { deleteRowsWhere, insertSchemaRow, schemaCursor } from "./ddl.js";

export const SEQUENCE_SQL = "CREATE TABLE sqlite_sequence(name,seq)";

/** Registers of one INSERT's sequence state. */
export interface AutoincState {
  cursor: number;
  /** name, seq: adjacent, so they form the sqlite_sequence record. */
  name: number;
  seq: number;
  /** seq as read, to skip the write when nothing moved. */
  orig: number;
  /** Rowid of the table's sqlite_sequence row, NULL when it has none yet. */
  rowid: number;
}

/** Emits CREATE TABLE sqlite_sequence into the current statement if the schema has none. */
export function ensureSequenceTable(ctx: Ctx): number | null {
  const existing = ctx.schema.getTable("sqlite_sequence");
  if (existing && existing.kind === "table") return null;
  const b = ctx.b;
  const root = b.reg();
  b.emit(Op.CreateBtree, 0, root);
  insertSchemaRow(ctx, schemaCursor(ctx), "table", "sqlite_sequence", "sqlite_sequence", root, SEQUENCE_SQL);
  b.emit(Op.SchemaChanged);
  return root;
}

/** Opens sqlite_sequence and loads `t`'s seq (0 when absent); emitted before the first row. */
export function autoincBegin(ctx: Ctx, t: Table): AutoincState {
  const b = ctx.b;
  const cursor = b.cursor();
  const created = ensureSequenceTable(ctx);
  if (created !== null) b.emit(Op.OpenWrite, cursor, created, 0, { rootReg: true }, 0, "sqlite_sequence");
  else b.emit(Op.OpenWrite, cursor, (ctx.schema.getTable("sqlite_sequence") as Table).rootpage, 0, undefined, 0, "sqlite_sequence");
  const pair = b.reg(2);
  const st: AutoincState = { cursor, name: pair, seq: pair + 1, orig: b.reg(), rowid: b.reg() };
  b.emit(Op.String, 0, st.name, 0, t.name);
  b.emit(Op.Integer, 0, st.seq);
  b.emit(Op.Null, 0, st.rowid);
  const tmp = b.reg();
  const flag = b.reg();
  const done = b.label();
  const top = b.label();
  const next = b.label();
  b.emit(Op.Rewind, cursor, done);
  b.place(top);
  b.emit(Op.Column, cursor, 0, tmp);
  b.emit(Op.Eq, tmp, flag, st.name);
  b.emit(Op.IfNot, flag, next, 1);
  b.emit(Op.Column, cursor, 1, st.seq);
  b.emit(Op.Rowid, cursor, st.rowid);
  b.emit(Op.Goto, 0, done);
  b.place(next);
  b.emit(Op.Next, cursor, top);
  b.place(done);
  b.emit(Op.Copy, st.seq, st.orig, 0);
  return st;
}

/** After a row is written: an explicit rowid above seq becomes the new seq (OP_MemMax). */
export function autoincNoteRowid(ctx: Ctx, st: AutoincState, rowid: number): void {
  const b = ctx.b;
  const flag = b.reg();
  const keep = b.label();
  b.emit(Op.Gt, rowid, flag, st.seq);
  b.emit(Op.IfNot, flag, keep, 1);
  b.emit(Op.Copy, rowid, st.seq, 0);
  b.place(keep);
}

/** Writes seq back to sqlite_sequence if it moved; emitted after the last row. */
export function autoincEnd(ctx: Ctx, st: AutoincState): void {
  const b = ctx.b;
  const flag = b.reg();
  const end = b.label();
  const have = b.label();
  b.emit(Op.Eq, st.seq, flag, st.orig);
  b.emit(Op.If, flag, end, 0);
  b.emit(Op.NotNull, st.rowid, have);
  b.emit(Op.NewRowid, st.cursor, st.rowid);
  b.place(have);
  const rec = b.reg();
  b.emit(Op.MakeRecord, st.name, 2, rec);
  b.emit(Op.Insert, st.cursor, rec, st.rowid);
  b.place(end);
}

/** DROP TABLE of an AUTOINCREMENT table removes its sqlite_sequence row. */
export function clearSequence(ctx: Ctx, name: string): void {
  const t = ctx.schema.getTable("sqlite_sequence");
  if (!t || t.kind !== "table" || t.name.toLowerCase() === name.toLowerCase()) return;
  const cur = ctx.b.cursor();
  ctx.b.emit(Op.OpenWrite, cur, t.rootpage, 0, undefined, 0, "sqlite_sequence");
  deleteRowsWhere(ctx, cur, 0, name);
}
