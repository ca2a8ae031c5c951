/**
 * ALTER TABLE (lang_altertable.html): RENAME TO, RENAME COLUMN, ADD COLUMN and DROP COLUMN
 * (drop-column.ts). The schema stores
 * SQL text, so each change rewrites the stored CREATE statements token by token (never by string
 * search, so names inside strings or comments are left alone) and updates the schema rows.
 */
import { DbError, Op, type ColumnMeta } from "@db/vm";
import type { AlterTable, Expr } from "../ast.js";
import type { Table } from "../schema.js";
import { tableFromAst } from "../schema.js";
import { checkGenerated } from "./generated.js";
import { compileDropColumn } from "./drop-column.js";
import { parseOne } from "../parser.js";
import { tokenize, type Token } from "../tokenizer.js";
import type { Ctx } from "./context.js";

const isName = (t: Token) => t.type === "identifier" || t.type === "quoted-identifier" || (t.type === "keyword" && /^[A-Z_]+$/.test(t.value));

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `name` as written in SQL: bare when it reads back as the same identifier, else quoted (as SQLite's RENAME COLUMN writes it). */
function quoteIfNeeded(name: string): string {
  const toks = tokenize(name);
  return toks.length === 1 && toks[0]!.type === "identifier" && toks[0]!.text === name ? name : quote(name);
}

/** True when `sql` has an identifier token `name` (after the keyword `after`, when given). */
function mentions(sql: string, name: string, after?: string): boolean {
  const toks = tokenize(sql);
  const from = after ? toks.findIndex((k) => k.type === "keyword" && k.value === after) : 0;
  const n = name.toLowerCase();
  return from >= 0 && toks.slice(from).some((k) => isName(k) && k.type !== "keyword" && k.value.toLowerCase() === n);
}

function views(ctx: Ctx): { sql: string }[] {
  return [...ctx.schema.tables.values()].filter((v) => v.kind === "view");
}

/** Replaces the tokens at `targets` in `sql` with `replacement`. */
function replaceTokens(sql: string, targets: Token[], replacement: string): string {
  let out = "";
  let at = 0;
  for (const t of [...targets].sort((a, b) => a.offset - b.offset)) {
    out += sql.slice(at, t.offset) + replacement;
    at = t.end;
  }
  return out + sql.slice(at);
}

/** The token naming the object after `keyword` (e.g. the table after ON, or after TABLE). */
function nameAfter(tokens: Token[], keyword: string, skip: string[] = []): Token | null {
  const i = tokens.findIndex((t) => t.type === "keyword" && t.value === keyword);
  if (i < 0) return null;
  let j = i + 1;
  while (j < tokens.length && tokens[j]!.type === "keyword" && skip.includes(tokens[j]!.value)) j++;
  // schema-qualified: main.t
  if (tokens[j + 1]?.text === ".") j += 2;
  return tokens[j] ?? null;
}

interface Rewrite {
  /** Schema-table rowid match: rows of this type and name get new text/name/tbl_name. */
  type: string;
  name: string;
  newName?: string;
  newTbl?: string;
  sql?: string | null;
}

/**
 * Emits a scan of table cursor `cur` collecting its rowids into a new ephemeral table, returned:
 * rows are rewritten from that list, since rewriting while scanning would move the cursor.
 */
export function collectRowids(ctx: Ctx, cur: number): number {
  const b = ctx.b;
  const eph = b.cursor();
  b.emit(Op.OpenEphemeral, eph, 0);
  const done = b.label();
  const top = b.label();
  const rid = b.reg();
  b.emit(Op.Rewind, cur, done);
  b.place(top);
  b.emit(Op.Rowid, cur, rid);
  b.emit(Op.EphInsert, eph, rid, 1);
  b.emit(Op.Next, cur, top);
  b.place(done);
  return eph;
}

/** Emits code that rewrites matching schema rows in place (same rowid). */
function emitRewrites(ctx: Ctx, rewrites: Rewrite[]): void {
  const b = ctx.b;
  const root = (ctx.schema.getTable("sqlite_schema") as Table).rootpage;
  const cur = b.cursor();
  b.emit(Op.OpenWrite, cur, root, 0, undefined, 0, "sqlite_schema");
  const eph = collectRowids(ctx, cur);
  const rid = ctx.b.reg();
  const done2 = b.label();
  const top2 = b.label();
  const next2 = b.label();
  const row = b.reg(5);
  const eq = b.reg();
  const cmp = b.reg(2);
  const rec = b.reg();
  b.emit(Op.Rewind, eph, done2);
  b.place(top2);
  b.emit(Op.Column, eph, 0, rid);
  b.emit(Op.SeekRowid, cur, next2, rid);
  for (let i = 0; i < 5; i++) b.emit(Op.Column, cur, i, row + i);
  for (const rw of rewrites) {
    const skip = b.label();
    b.emit(Op.String, 0, cmp, 0, rw.type);
    b.emit(Op.String, 0, cmp + 1, 0, rw.name);
    b.emit(Op.Eq, row, eq, cmp);
    b.emit(Op.IfNot, eq, skip, 1);
    b.emit(Op.Eq, row + 1, eq, cmp + 1, { collation: "NOCASE" });
    b.emit(Op.IfNot, eq, skip, 1);
    if (rw.newName !== undefined) b.emit(Op.String, 0, row + 1, 0, rw.newName);
    if (rw.newTbl !== undefined) b.emit(Op.String, 0, row + 2, 0, rw.newTbl);
    if (rw.sql !== undefined && rw.sql !== null) b.emit(Op.String, 0, row + 4, 0, rw.sql);
    b.emit(Op.MakeRecord, row, 5, rec);
    b.emit(Op.Insert, cur, rec, rid);
    b.emit(Op.Goto, 0, next2);
    b.place(skip);
  }
  b.place(next2);
  b.emit(Op.Next, eph, top2);
  b.place(done2);
  b.emit(Op.SchemaChanged);
}

/** Fails the statement with `message` when the table at `root` has a row. */
function emitErrorIfNotEmpty(ctx: Ctx, root: number, message: string): void {
  const b = ctx.b;
  const cur = b.cursor();
  const empty = b.label();
  b.emit(Op.OpenRead, cur, root);
  b.emit(Op.Rewind, cur, empty);
  b.emit(Op.HaltError, 0, 0, 0, { code: "DB_ERROR", message });
  b.place(empty);
  b.emit(Op.Close, cur);
}

function constantDefault(e: Expr | null): boolean {
  if (!e) return true;
  if (e.kind === "literal") return !["current_time", "current_date", "current_timestamp"].includes(e.type);
  if (e.kind === "unary" && (e.op === "-" || e.op === "+")) return constantDefault(e.operand);
  return false;
}

export function compileAlter(ctx: Ctx, st: AlterTable, text: string): ColumnMeta[] {
  const t = ctx.schema.getTable(st.table);
  if (!t) throw new DbError("DB_ERROR", `no such table: ${st.table}`);
  if (t.kind !== "table" || t.system) throw new DbError("DB_ERROR", `Cannot alter ${t.kind} ${t.name}`);
  switch (st.action) {
    case "add-column": {
      const def = st.column;
      if (t.columns.some((c) => c.name.toLowerCase() === def.name.toLowerCase())) throw new DbError("DB_ERROR", `duplicate column name: ${def.name}`);
      if (def.constraints.some((k) => k.kind === "primary-key")) throw new DbError("DB_ERROR", "Cannot add a PRIMARY KEY column");
      if (def.constraints.some((k) => k.kind === "unique")) throw new DbError("DB_ERROR", "Cannot add a UNIQUE column");
      const dflt = (def.constraints.find((k) => k.kind === "default") as { expr: Expr } | undefined)?.expr ?? null;
      if (!constantDefault(dflt)) throw new DbError("DB_ERROR", "Cannot add a column with non-constant default");
      const nullDefault = !dflt || (dflt.kind === "literal" && dflt.type === "null");
      const generated = def.constraints.some((k) => k.kind === "generated");
      if (def.constraints.some((k) => k.kind === "not-null") && nullDefault && !generated) throw new DbError("DB_ERROR", "Cannot add a NOT NULL column with default value NULL");
      // The column definition as written: everything after ADD [COLUMN].
      const toks = tokenize(text);
      const addAt = toks.findIndex((k) => k.type === "keyword" && k.value === "ADD");
      let first = addAt + 1;
      if (toks[first]?.type === "keyword" && toks[first]!.value === "COLUMN") first++;
      const defText = text.slice(toks[first]!.offset).trim().replace(/;\s*$/, "");
      const ttoks = tokenize(t.sql);
      const close = [...ttoks].reverse().find((k) => k.text === ")");
      if (!close) throw new DbError("DB_CORRUPT", `malformed schema for ${t.name}`);
      const sql = `${t.sql.slice(0, close.offset).trimEnd()}, ${defText}${t.sql.slice(close.offset)}`;
      const altered = tableFromAst(parseOne(sql).statement as never, 0, sql); // validates the result
      const gen = altered.columns[altered.columns.length - 1]!.generated;
      if (gen) {
        checkGenerated(ctx, altered, altered.columns.length - 1);
        // Existing rows cannot get a STORED value without a rewrite; SQLite refuses unless empty.
        if (gen.stored) emitErrorIfNotEmpty(ctx, t.rootpage, "cannot add a STORED column");
      }
      emitRewrites(ctx, [{ type: "table", name: t.name, sql }]);
      return [];
    }
    case "rename-table": {
      const newName = st.newName;
      // Views and trigger programs that name the table would need rewriting (not done yet).
      const own = (tr: { table: string }) => tr.table.toLowerCase() === t.name.toLowerCase();
      const named = [...ctx.schema.triggers.values()].some((tr) => mentions(tr.sql, t.name, own(tr) ? "BEGIN" : undefined)) || views(ctx).some((v) => mentions(v.sql, t.name));
      if (named) throw new DbError("DB_ERROR", "RENAME TO of a table that views or trigger programs name is not supported yet");
      if (ctx.schema.getTable(newName) || ctx.schema.indexes.has(newName.toLowerCase())) throw new DbError("DB_ERROR", `there is already another table or index with this name: ${newName}`);
      if (newName.toLowerCase().startsWith("sqlite_")) throw new DbError("DB_ERROR", `object name reserved for internal use: ${newName}`);
      const rewrites: Rewrite[] = [];
      const ttoks = tokenize(t.sql);
      const nameTok = nameAfter(ttoks, "TABLE", ["IF", "NOT", "EXISTS"]);
      rewrites.push({ type: "table", name: t.name, newName, newTbl: newName, sql: nameTok ? replaceTokens(t.sql, [nameTok], quote(newName)) : t.sql });
      for (const idx of t.indexes) {
        const r: Rewrite = { type: "index", name: idx.name, newTbl: newName };
        if (idx.sql) {
          // The name after ON, and `t.` qualifiers in the index's expressions and WHERE.
          const toks = tokenize(idx.sql);
          const on = nameAfter(toks, "ON");
          const hits = toks.filter((k, i) => k === on || (i > toks.indexOf(on!) && isName(k) && k.value.toLowerCase() === t.name.toLowerCase() && toks[i + 1]?.text === "."));
          if (on) r.sql = replaceTokens(idx.sql, hits, quote(newName));
        } else r.newName = idx.name.replace(/^sqlite_autoindex_.*_(\d+)$/, `sqlite_autoindex_${newName}_$1`);
        rewrites.push(r);
      }
      for (const trig of t.triggers) {
        const on = nameAfter(tokenize(trig.sql), "ON");
        rewrites.push({ type: "trigger", name: trig.name, newTbl: newName, sql: on ? replaceTokens(trig.sql, [on], quote(newName)) : trig.sql });
      }
      emitRewrites(ctx, rewrites);
      return [];
    }
    case "rename-column": {
      const ci = t.columns.findIndex((c) => c.name.toLowerCase() === st.column.toLowerCase());
      if (ci < 0) throw new DbError("DB_ERROR", `no such column: "${st.column}"`);
      if (t.columns.some((c, i) => i !== ci && c.name.toLowerCase() === st.newName.toLowerCase())) throw new DbError("DB_ERROR", `duplicate column name: ${st.newName}`);
      if ([...ctx.schema.triggers.values()].some((tr) => tr.table.toLowerCase() === t.name.toLowerCase() || mentions(tr.sql, t.name)) || views(ctx).some((v) => mentions(v.sql, t.name))) {
        throw new DbError("DB_ERROR", "RENAME COLUMN of a table that views or triggers name is not supported yet");
      }
      const old = st.column.toLowerCase();
      const renameIn = (sql: string, from: (toks: Token[]) => number) => {
        const toks = tokenize(sql);
        const start = from(toks);
        const hits = toks.slice(start).filter((k) => isName(k) && k.value.toLowerCase() === old && k.type !== "keyword");
        return replaceTokens(sql, hits, quoteIfNeeded(st.newName));
      };
      // In CREATE TABLE, names after the first "(" are columns (or constraint names: renamed only if equal).
      const rewrites: Rewrite[] = [{ type: "table", name: t.name, sql: renameIn(t.sql, (k) => k.findIndex((x) => x.text === "(")) }];
      for (const idx of t.indexes) {
        if (!idx.sql) continue;
        rewrites.push({ type: "index", name: idx.name, sql: renameIn(idx.sql, (k) => k.findIndex((x) => x.text === "(")) });
      }
      emitRewrites(ctx, rewrites);
      return [];
    }
    case "drop-column":
      emitRewrites(ctx, [{ type: "table", name: t.name, sql: compileDropColumn(ctx, t, st) }]);
      return [];
  }
}
