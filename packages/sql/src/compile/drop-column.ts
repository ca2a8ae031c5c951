/**
 * ALTER TABLE DROP COLUMN (lang_altertable.html#altertabdropcol): the column's definition is cut
 * out of the stored CREATE TABLE text, every row is rewritten without its value, and the schema
 * is checked as SQLite checks it: the column may not be in the PRIMARY KEY or a UNIQUE
 * constraint, and no index, CHECK, generated column, foreign key, view or trigger may still name
 * it ("error in index i after drop column: no such column: x").
 */
import { DbError, Op } from "@db/vm";
import type { AlterTable, CreateTable, Statement } from "../ast.js";
import { parseOne } from "../parser.js";
import { Schema, tableFromAst, type Table } from "../schema.js";
import { tokenize } from "../tokenizer.js";
import { Builder } from "./builder.js";
import type { Ctx } from "./context.js";
import { constantOf } from "./expr.js";
import { buildSources } from "./from.js";
import { checkRowExpr, isVirtual } from "./generated.js";
import { fireTriggers } from "./trigger.js";
import { collectRowids } from "./alter.js";

type DropColumn = Extract<AlterTable, { action: "drop-column" }>;

/** `sql` (a CREATE TABLE) without its k-th column definition and the comma that joined it. */
function withoutColumn(sql: string, k: number): string {
  const toks = tokenize(sql);
  const open = toks.findIndex((x) => x.text === "(");
  // Items of the definition list: [start token, end token) at depth 1.
  const items: { start: number; end: number }[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < toks.length; i++) {
    const x = toks[i]!.text;
    if (x === "(") depth++;
    else if (x === ")") {
      depth--;
      if (depth === 0) {
        items.push({ start, end: i });
        break;
      }
    } else if (x === "," && depth === 1) {
      items.push({ start, end: i });
      start = i + 1;
    }
  }
  const item = items[k]!;
  if (k === 0) return sql.slice(0, toks[item.start]!.offset) + sql.slice(toks[items[1]!.start]!.offset);
  // From the comma before it to the end of its last token.
  return sql.slice(0, toks[items[k - 1]!.end]!.offset) + sql.slice(toks[item.end - 1]!.end);
}

function after(kind: string, name: string, e: unknown): DbError {
  return new DbError("DB_ERROR", `error in ${kind} ${name} after drop column: ${(e as Error).message}`);
}

/** Checks the drop, emits the rewrite of t's rows, and returns t's new CREATE TABLE text. Throws DB_ERROR as SQLite. */
export function compileDropColumn(ctx: Ctx, t: Table, st: DropColumn): string {
  const k = t.columns.findIndex((c) => c.name.toLowerCase() === st.column.toLowerCase());
  if (k < 0) throw new DbError("DB_ERROR", `no such column: "${st.column}"`);
  const col = t.columns[k]!;
  if (col.pk > 0) throw new DbError("DB_ERROR", `cannot drop PRIMARY KEY column: "${col.name}"`);
  // (A column-level UNIQUE; a table-level UNIQUE(...) naming it fails below, as the table's text.)
  const def = (parseOne(t.sql).statement as CreateTable).columns[k];
  if (def?.constraints.some((c) => c.kind === "unique")) throw new DbError("DB_ERROR", `cannot drop UNIQUE column: "${col.name}"`);
  if (t.columns.length === 1) throw new DbError("DB_ERROR", `cannot drop column "${col.name}": no other columns exist`);
  const sql = withoutColumn(t.sql, k);
  const ast = parseOne(sql).statement as CreateTable;
  let next: Table;
  try {
    next = tableFromAst(ast, t.rootpage, sql);
    for (const c of ast.constraints) {
      if (c.kind !== "unique" && c.kind !== "primary-key") continue;
      for (const ic of c.columns) {
        const name = ic.name ?? (ic.expr.kind === "column" ? ic.expr.name : undefined);
        if (name !== undefined && !next.columns.some((x) => x.name.toLowerCase() === name.toLowerCase())) throw new DbError("DB_ERROR", `no such column: ${name}`);
      }
    }
    for (const fk of ast.constraints) {
      if (fk.kind !== "foreign-key") continue;
      const gone = fk.columns.find((c) => !next.columns.some((x) => x.name.toLowerCase() === c.toLowerCase()));
      if (gone) throw new DbError("DB_ERROR", `unknown column "${gone}" in foreign key definition`);
    }
    for (const chk of next.checks) checkRowExpr(ctx, next, chk.expr, "CHECK constraints", true);
    next.columns.forEach((c) => c.generated && checkRowExpr(ctx, next, c.generated.expr, "generated columns", false));
  } catch (e) {
    throw after("table", t.name, e);
  }
  // The indexes, renumbered for the new columns; one that names the column fails the drop.
  const remap = (c: number) => (c > k ? c - 1 : c);
  next.indexes = t.indexes.map((idx) => {
    try {
      if (idx.columns.includes(k)) throw new DbError("DB_ERROR", `no such column: ${col.name}`);
      idx.exprs?.forEach((e) => e && checkRowExpr(ctx, next, e, "index expressions", false));
      if (idx.where) checkRowExpr(ctx, next, idx.where, "partial index WHERE clauses", true);
    } catch (e) {
      throw after("index", idx.name, e);
    }
    return { ...idx, columns: idx.columns.map(remap) };
  });
  next.triggers = t.triggers;
  checkDependents(ctx, t, next);
  emitRowRewrite(ctx, t, k);
  return sql;
}

/** True when a statement of `body` names `column` as an UPDATE SET or INSERT target. */
function namesAsTarget(body: Statement[], column: string): boolean {
  const c = column.toLowerCase();
  return body.some(
    (st) =>
      (st.kind === "update" && st.set.some((s) => s.columns.some((n) => n.toLowerCase() === c))) ||
      (st.kind === "insert" && !!st.columns?.some((n) => n.toLowerCase() === c)),
  );
}

/** Compiles every view and trigger against the schema with `next` in place of `t`. */
function checkDependents(ctx: Ctx, t: Table, next: Table): void {
  const schema = new Schema();
  for (const [key, v] of ctx.schema.tables) schema.tables.set(key, v === t ? next : v);
  for (const [key, i] of ctx.schema.indexes) schema.indexes.set(key, i);
  for (const [key, tr] of ctx.schema.triggers) schema.triggers.set(key, tr);
  const scratch = (): Ctx => ({ ...ctx, schema, b: new Builder(), ctes: [], trigger: undefined });
  for (const v of schema.tables.values()) {
    if (v.kind !== "view") continue;
    try {
      buildSources(scratch(), { kind: "table", schema: "main", name: v.name }, null);
    } catch (e) {
      throw after("view", v.name, e);
    }
  }
  for (const tr of schema.triggers.values()) {
    const on = schema.getTable(tr.table);
    if (!on) continue;
    const s = scratch();
    const b = s.b;
    const n = on.kind === "table" ? on.columns.length : 64;
    const rows = { newBase: b.reg(n), newRowid: b.reg(), oldBase: b.reg(n), oldRowid: b.reg() };
    const host = on.kind === "table" ? { ...on, triggers: [tr] } : null;
    if (!host) continue;
    try {
      fireTriggers(s, host, tr.ast.event, tr.ast.timing, rows, b.label());
    } catch (e) {
      // SQLite resolves a trigger's expressions here, not the columns its UPDATE SET or INSERT
      // lists name: a program that fails only on those is left for when it runs.
      const missing = /^no such column: (.*)$/.exec((e as Error).message)?.[1];
      if (missing !== undefined && namesAsTarget(tr.ast.body, missing)) continue;
      throw after("trigger", tr.name, e);
    }
  }
}

/** Rewrites every row of `t` without column k. */
function emitRowRewrite(ctx: Ctx, t: Table, k: number): void {
  const b = ctx.b;
  const cur = b.cursor();
  b.emit(Op.OpenWrite, cur, t.rootpage, 0, undefined, 0, t.name);
  const eph = collectRowids(ctx, cur);
  const rid = b.reg();
  const n = t.columns.length - 1;
  const vals = b.reg(n);
  const rec = b.reg();
  const done2 = b.label();
  const top2 = b.label();
  const next2 = b.label();
  b.emit(Op.Rewind, eph, done2);
  b.place(top2);
  b.emit(Op.Column, eph, 0, rid);
  b.emit(Op.SeekRowid, cur, next2, rid);
  let j = 0;
  t.columns.forEach((c, i) => {
    if (i === k) return;
    // The rowid alias and VIRTUAL columns are NULL in a record (packages/vm/FORMAT.md).
    if (i === t.rowidAlias || isVirtual(c)) b.emit(Op.Null, 0, vals + j);
    else b.emit(Op.Column, cur, i, vals + j, constantOf(c.default));
    j++;
  });
  b.emit(Op.MakeRecord, vals, n, rec);
  b.emit(Op.Insert, cur, rec, rid);
  b.place(next2);
  b.emit(Op.Next, eph, top2);
  b.place(done2);
}
