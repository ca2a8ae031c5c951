/** CREATE and DROP: schema rows in the schema table, B+trees created and destroyed. */
import { DbError, Op, type ColumnMeta } from "@db/vm";
import type { CreateIndex, CreateTable, CreateTrigger, CreateView, Drop } from "../ast.js";
import { autoIndexes, indexFromAst, tableFromAst, type Index, type Table } from "../schema.js";
import type { Ctx } from "./context.js";
import { compileSelect } from "./select.js";
import { clearStats } from "./analyze.js";
import { clearSequence, ensureSequenceTable } from "./autoincrement.js";
import { checkGenerated, checkRowExpr } from "./generated.js";
import { indexEntry, uniqueTarget } from "./index-entry.js";

export function schemaCursor(ctx: Ctx): number {
  const b = ctx.b;
  const c = b.cursor();
  const root = (ctx.schema.getTable("sqlite_schema") as Table).rootpage;
  b.emit(Op.OpenWrite, c, root, 0, undefined, 0, "sqlite_schema");
  return c;
}

/** Appends (type, name, tbl_name, rootpage-register, sql) to the schema table. */
export function insertSchemaRow(ctx: Ctx, cur: number, type: string, name: string, tbl: string, rootReg: number, sql: string | null): void {
  const b = ctx.b;
  const r = b.reg(5);
  b.emit(Op.String, 0, r, 0, type);
  b.emit(Op.String, 0, r + 1, 0, name);
  b.emit(Op.String, 0, r + 2, 0, tbl);
  if (rootReg) b.emit(Op.Copy, rootReg, r + 3, 0);
  else b.emit(Op.Integer, 0, r + 3);
  if (sql === null) b.emit(Op.Null, 0, r + 4);
  else b.emit(Op.String, 0, r + 4, 0, sql);
  const rec = b.reg();
  const rowid = b.reg();
  b.emit(Op.MakeRecord, r, 5, rec);
  b.emit(Op.NewRowid, cur, rowid);
  b.emit(Op.Insert, cur, rec, rowid);
}

function nameTaken(ctx: Ctx, name: string): string | null {
  const t = ctx.schema.getTable(name);
  if (t) return t.kind;
  if (ctx.schema.indexes.has(name.toLowerCase())) return "index";
  if (ctx.schema.triggers.has(name.toLowerCase())) return "trigger";
  return null;
}

export function compileCreateTrigger(ctx: Ctx, ast: CreateTrigger, sql: string): ColumnMeta[] {
  if (ctx.schema.triggers.has(ast.name.toLowerCase())) {
    if (ast.ifNotExists) return [];
    throw new DbError("DB_ERROR", `trigger ${ast.name} already exists`);
  }
  const t = ctx.schema.getTable(ast.table);
  if (!t) throw new DbError("DB_ERROR", `no such table: ${ast.table}`);
  if (t.kind === "view" && ast.timing !== "INSTEAD OF") throw new DbError("DB_ERROR", `cannot create ${ast.timing} trigger on view: ${t.name}`);
  if (t.kind === "table" && ast.timing === "INSTEAD OF") throw new DbError("DB_ERROR", `cannot create INSTEAD OF trigger on table: ${t.name}`);
  if (t.kind === "table" && t.system) throw new DbError("DB_ERROR", "cannot create trigger on system table");
  const cur = schemaCursor(ctx);
  insertSchemaRow(ctx, cur, "trigger", ast.name, t.name, 0, sql);
  ctx.b.emit(Op.SchemaChanged);
  return [];
}

export function compileCreateTable(ctx: Ctx, ast: CreateTable, sql: string): ColumnMeta[] {
  const b = ctx.b;
  const taken = nameTaken(ctx, ast.name);
  if (taken) {
    if (ast.ifNotExists) return [];
    throw new DbError("DB_ERROR", `${taken} ${ast.name} already exists`);
  }
  if (ast.name.toLowerCase().startsWith("sqlite_")) throw new DbError("DB_ERROR", `object name reserved for internal use: ${ast.name}`);
  if (ast.asSelect) return compileCreateTableAs(ctx, ast);
  if (ast.withoutRowid) throw new DbError("DB_ERROR", "WITHOUT ROWID tables are not supported yet");
  const seen = new Set<string>();
  for (const c of ast.columns) {
    const k = c.name.toLowerCase();
    if (seen.has(k)) throw new DbError("DB_ERROR", `duplicate column name: ${c.name}`);
    seen.add(k);
  }
  const table = tableFromAst(ast, 0, sql);
  checkGenerated(ctx, table);
  if (table.autoincrement && table.rowidAlias < 0) throw new DbError("DB_ERROR", "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY");
  const autos = autoIndexes(ast, table);
  const cur = schemaCursor(ctx);
  const root = b.reg();
  b.emit(Op.CreateBtree, 0, root);
  insertSchemaRow(ctx, cur, "table", ast.name, ast.name, root, sql);
  autos.forEach((_, i) => {
    const r = b.reg();
    b.emit(Op.CreateBtree, 0, r);
    insertSchemaRow(ctx, cur, "index", `sqlite_autoindex_${ast.name}_${i + 1}`, ast.name, r, null);
  });
  if (table.autoincrement) ensureSequenceTable(ctx);
  b.emit(Op.SchemaChanged);
  return [];
}

const AS_TYPES: Record<string, string> = { INTEGER: "INT", REAL: "REAL", NUMERIC: "NUM", TEXT: "TEXT", BLOB: "" };

/** CREATE TABLE ... AS SELECT: columns named and typed from the result (lang_createtable.html#ctas). */
function compileCreateTableAs(ctx: Ctx, ast: CreateTable): ColumnMeta[] {
  const b = ctx.b;
  const eph = b.cursor();
  b.emit(Op.OpenEphemeral, eph, 0);
  const info = compileSelect(ctx, ast.asSelect!, { kind: "eph", cursor: eph }, null);
  const seen = new Map<string, number>();
  const names = info.columns.map((c) => {
    let name = c.name;
    const k = name.toLowerCase();
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    if (n > 0) name = `${name}:${n}`;
    return name;
  });
  // Quote only where needed, as SQLite's generated text does.
  const q = (s: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? s : `"${s.replace(/"/g, '""')}"`);
  const cols = names.map((nm, i) => {
    const ty = AS_TYPES[info.affinities[i] ?? "BLOB"] ?? "";
    return ty ? `${q(nm)} ${ty}` : q(nm);
  });
  const sql = `CREATE TABLE ${q(ast.name)}(\n  ${cols.join(",\n  ")}\n)`;
  const cur = schemaCursor(ctx);
  const root = b.reg();
  b.emit(Op.CreateBtree, 0, root);
  insertSchemaRow(ctx, cur, "table", ast.name, ast.name, root, sql);
  const tc = b.cursor();
  b.emit(Op.OpenWrite, tc, root, 0, { rootReg: true }, 0, ast.name);
  const n = names.length;
  const done = b.label();
  const top = b.label();
  const vals = b.reg(n);
  const rec = b.reg();
  const rowid = b.reg();
  b.emit(Op.Rewind, eph, done);
  b.place(top);
  for (let i = 0; i < n; i++) b.emit(Op.Column, eph, i, vals + i);
  b.emit(Op.MakeRecord, vals, n, rec);
  b.emit(Op.NewRowid, tc, rowid);
  b.emit(Op.Insert, tc, rec, rowid);
  b.emit(Op.Next, eph, top);
  b.place(done);
  b.emit(Op.SchemaChanged);
  return [];
}

export function compileCreateIndex(ctx: Ctx, ast: CreateIndex, sql: string): ColumnMeta[] {
  const b = ctx.b;
  const taken = nameTaken(ctx, ast.name);
  if (taken) {
    if (ast.ifNotExists) return [];
    throw new DbError("DB_ERROR", `${taken} ${ast.name} already exists`);
  }
  const t = ctx.schema.getTable(ast.table);
  if (!t) throw new DbError("DB_ERROR", `no such table: ${ast.table}`);
  if (t.kind !== "table" || t.system) throw new DbError("DB_ERROR", `cannot create index on ${t.name}`);
  const idx: Index = indexFromAst(ast, t, 0, sql);
  idx.exprs?.forEach((e) => e && checkRowExpr(ctx, t, e, "index expressions", false));
  if (idx.where) checkRowExpr(ctx, t, idx.where, "partial index WHERE clauses", true);
  const cur = schemaCursor(ctx);
  const root = b.reg();
  b.emit(Op.CreateBtree, 0, root);
  insertSchemaRow(ctx, cur, "index", ast.name, t.name, root, sql);
  // Fill the new index from the table.
  const tc = b.cursor();
  const ic = b.cursor();
  b.emit(Op.OpenRead, tc, t.rootpage, 0, undefined, 0, t.name);
  b.emit(Op.OpenWrite, ic, root, 0, { index: { desc: idx.desc, collations: idx.collations }, rootReg: true }, 0, ast.name);
  const done = b.label();
  const top = b.label();
  const next = b.label();
  b.emit(Op.Rewind, tc, done);
  b.place(top);
  const n = idx.columns.length;
  const rowid = b.reg();
  const skip = b.label();
  b.emit(Op.Rowid, tc, rowid);
  const keys = indexEntry(ctx, t, idx, { cursor: tc, rowid }, skip);
  if (idx.unique) {
    const found = b.reg();
    b.emit(Op.NoConflict, ic, next, keys, { n, rowidReg: found });
    b.emit(Op.HaltError, 0, 0, 0, { code: "DB_CONSTRAINT", subcode: "DB_CONSTRAINT_UNIQUE", message: `UNIQUE constraint failed: ${uniqueTarget(t, idx)}` });
  }
  b.place(next);
  b.emit(Op.IdxInsert, ic, keys, n + 1);
  b.place(skip);
  b.emit(Op.Next, tc, top);
  b.place(done);
  b.emit(Op.SchemaChanged);
  return [];
}

export function compileCreateView(ctx: Ctx, ast: CreateView, sql: string): ColumnMeta[] {
  const taken = nameTaken(ctx, ast.name);
  if (taken) {
    if (ast.ifNotExists) return [];
    throw new DbError("DB_ERROR", `${taken} ${ast.name} already exists`);
  }
  const cur = schemaCursor(ctx);
  insertSchemaRow(ctx, cur, "view", ast.name, ast.name, 0, sql);
  ctx.b.emit(Op.SchemaChanged);
  return [];
}

/** Deletes schema rows whose column `col` (1 = name, 2 = tbl_name) equals `name` (case-insensitive). */
function deleteSchemaRows(ctx: Ctx, col: number, name: string): void {
  deleteRowsWhere(ctx, schemaCursor(ctx), col, name, "NOCASE");
}

/**
 * Deletes the rows of the open table cursor `cur` whose column `col` equals `name` (under
 * `collation`, default binary, as `WHERE tbl=%Q`). Rowids are collected first: deleting under a
 * scanning cursor would skip rows.
 */
export function deleteRowsWhere(ctx: Ctx, cur: number, col: number, name: string, collation?: string): void {
  const b = ctx.b;
  const eph = b.cursor();
  b.emit(Op.OpenEphemeral, eph, 0);
  const v = b.reg();
  const want = b.reg();
  const eq = b.reg();
  const rid = b.reg();
  b.emit(Op.String, 0, want, 0, name);
  const done = b.label();
  const top = b.label();
  const next = b.label();
  b.emit(Op.Rewind, cur, done);
  b.place(top);
  b.emit(Op.Column, cur, col, v);
  b.emit(Op.Eq, v, eq, want, collation ? { collation } : undefined);
  b.emit(Op.IfNot, eq, next, 1);
  b.emit(Op.Rowid, cur, rid);
  b.emit(Op.EphInsert, eph, rid, 1);
  b.place(next);
  b.emit(Op.Next, cur, top);
  b.place(done);
  const done2 = b.label();
  const top2 = b.label();
  const next2 = b.label();
  b.emit(Op.Rewind, eph, done2);
  b.place(top2);
  b.emit(Op.Column, eph, 0, rid);
  b.emit(Op.SeekRowid, cur, next2, rid);
  b.emit(Op.Delete, cur);
  b.place(next2);
  b.emit(Op.Next, eph, top2);
  b.place(done2);
}

export function compileDrop(ctx: Ctx, ast: Drop): ColumnMeta[] {
  const b = ctx.b;
  if (ast.object === "index") {
    const idx = ctx.schema.indexes.get(ast.name.toLowerCase());
    if (!idx) {
      if (ast.ifExists) return [];
      throw new DbError("DB_ERROR", `no such index: ${ast.name}`);
    }
    if (idx.origin !== "c") throw new DbError("DB_ERROR", "index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped");
    clearStats(ctx, 1, idx.name);
    b.emit(Op.Destroy, 0, 0, 0, idx.rootpage, 0, idx.name);
    deleteSchemaRows(ctx, 1, idx.name);
    b.emit(Op.SchemaChanged);
    return [];
  }
  if (ast.object === "trigger") {
    const trig = ctx.schema.triggers.get(ast.name.toLowerCase());
    if (!trig) {
      if (ast.ifExists) return [];
      throw new DbError("DB_ERROR", `no such trigger: ${ast.name}`);
    }
    deleteSchemaRows(ctx, 1, trig.name);
    b.emit(Op.SchemaChanged);
    return [];
  }
  const t = ctx.schema.getTable(ast.name);
  if (!t || t.kind !== (ast.object === "view" ? "view" : "table")) {
    if (ast.ifExists && !t) return [];
    if (t) throw new DbError("DB_ERROR", `use DROP ${t.kind.toUpperCase()} to delete ${t.kind} ${t.name}`);
    throw new DbError("DB_ERROR", `no such ${ast.object}: ${ast.name}`);
  }
  if (t.kind === "table") {
    if (t.system || t.name.toLowerCase() === "sqlite_sequence") throw new DbError("DB_ERROR", `table ${t.name} may not be dropped`);
    // Before the B+trees go: dropping sqlite_stat1 itself must not touch it afterwards.
    clearStats(ctx, 0, t.name);
    if (t.autoincrement) clearSequence(ctx, t.name);
    for (const idx of t.indexes) b.emit(Op.Destroy, 0, 0, 0, idx.rootpage, 0, idx.name);
    b.emit(Op.Destroy, 0, 0, 0, t.rootpage, 0, t.name);
    deleteSchemaRows(ctx, 2, t.name);
  } else deleteSchemaRows(ctx, 2, t.name); // the view's row and its INSTEAD OF triggers' rows
  b.emit(Op.SchemaChanged);
  return [];
}
