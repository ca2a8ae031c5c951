/** PRAGMA statements (sqlite.org/pragma.html): read and set engine settings, inspect the schema. */
import { BTree, DbError, Op, META_USER_VERSION, type ColumnMeta, type PragmaContext, type SqlValue } from "@db/vm";
import type { CreateTable, Expr, Pragma } from "../ast.js";
import { parseOne } from "../parser.js";
import type { Column, Table } from "../schema.js";
import type { Ctx } from "./context.js";
import { viewColumns } from "./from.js";

export type Rows = (ctx: PragmaContext) => SqlValue[][];

export interface PragmaImpl {
  columns: string[];
  rows: Rows;
  writes?: boolean;
}

/** Pragmas defined in other files (storage, WAL), by lowercase name. */
export const extraPragmas = new Map<string, (ctx: Ctx, p: Pragma) => PragmaImpl | null>();

function exprText(e: Expr | null): SqlValue {
  if (!e) return null;
  if (e.kind === "literal") {
    if (e.type === "string") return `'${e.value.replace(/'/g, "''")}'`;
    if (e.type === "null") return "NULL";
    return e.value;
  }
  return "expr";
}

function tableOf(ctx: Ctx, name: string | undefined): Table | null {
  if (!name) return null;
  const t = ctx.schema.getTable(name);
  return t && t.kind === "table" ? t : null;
}

function intValue(v: string | undefined): number {
  if (v === undefined) return 0;
  const l = v.toLowerCase();
  if (["on", "true", "yes", "full"].includes(l)) return 1;
  if (["off", "false", "no"].includes(l)) return 0;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new DbError("DB_ERROR", `invalid pragma value: ${v}`);
  return Math.trunc(n);
}

/** Every B+tree of the schema, for integrity checks. */
function allTrees(ctx: Ctx): { name: string; root: number }[] {
  const out: { name: string; root: number }[] = [];
  const seen = new Set<number>();
  for (const t of ctx.schema.tables.values()) {
    if (t.kind !== "table" || seen.has(t.rootpage)) continue;
    seen.add(t.rootpage);
    out.push({ name: t.name, root: t.rootpage });
    for (const i of t.indexes) out.push({ name: i.name, root: i.rootpage });
  }
  return out;
}

function impl(ctx: Ctx, p: Pragma): PragmaImpl | null {
  const name = p.name.toLowerCase();
  const v = p.value;
  switch (name) {
    case "table_info":
    case "table_xinfo": {
      // table_xinfo adds `hidden`: 2 for a VIRTUAL generated column, 3 for a STORED one, which
      // table_info leaves out (pragma.html#pragma_table_xinfo).
      const x = name === "table_xinfo";
      const columns = ["cid", "name", "type", "notnull", "dflt_value", "pk", ...(x ? ["hidden"] : [])];
      const t = ctx.schema.getTable(v ?? "");
      if (!t) return { columns, rows: () => [] };
      if (t.kind === "view") {
        const cols = viewColumns(ctx, t.name);
        return { columns, rows: () => cols.map((c, i) => [i, c.name, c.type ?? "", 0, null, 0, ...(x ? [0] : [])]) };
      }
      const hidden = (c: Column) => (c.generated ? (c.generated.stored ? 3 : 2) : 0);
      // table_info numbers the columns it shows (cid skips the left-out ones).
      const shown = t.columns.filter((c) => x || !c.generated);
      return { columns, rows: () => shown.map((c, i) => [i, c.name, c.type, c.notNull ? 1 : 0, exprText(c.default), c.pk, ...(x ? [hidden(c)] : [])]) };
    }
    case "index_list": {
      const t = tableOf(ctx, v);
      return {
        columns: ["seq", "name", "unique", "origin", "partial"],
        rows: () => (t ? [...t.indexes].reverse().map((i, k) => [k, i.name, i.unique ? 1 : 0, i.origin, i.where ? 1 : 0]) : []),
      };
    }
    case "index_info":
    case "index_xinfo": {
      // index_xinfo adds each key column's order, collation and key flag, and the rowid (pragma.html).
      const x = name === "index_xinfo";
      const idx = ctx.schema.indexes.get((v ?? "").toLowerCase());
      const t = idx ? tableOf(ctx, idx.table) : null;
      const cols = (c: number) => (c < 0 || !t ? null : t.columns[c]!.name);
      return {
        columns: ["seqno", "cid", "name", ...(x ? ["desc", "coll", "key"] : [])],
        rows: () => {
          if (!idx || !t) return [];
          const keys = idx.columns.map((c, k) => [k, c, cols(c), ...(x ? [idx.desc[k] ? 1 : 0, idx.collations[k] ?? "BINARY", 1] : [])]);
          return x ? [...keys, [idx.columns.length, -1, null, 0, "BINARY", 0]] : keys;
        },
      };
    }
    case "foreign_key_list": {
      const t = tableOf(ctx, v);
      return {
        columns: ["id", "seq", "table", "from", "to", "on_update", "on_delete", "match"],
        rows: () => {
          if (!t) return [];
          const ast = parseOne(t.sql).statement as CreateTable;
          const fks: { from: string[]; table: string; to: string[]; actions: string[] }[] = [];
          ast.columns.forEach((c) => c.constraints.forEach((k) => k.kind === "references" && fks.push({ from: [c.name], table: k.fk.table, to: k.fk.columns, actions: k.fk.actions })));
          ast.constraints.forEach((k) => k.kind === "foreign-key" && fks.push({ from: k.columns, table: k.fk.table, to: k.fk.columns, actions: k.fk.actions }));
          const act = (a: string[], on: string) => a.find((x) => x.toUpperCase().startsWith(`ON ${on}`))?.slice(on.length + 4).trim().toUpperCase() ?? "NO ACTION";
          const rows: SqlValue[][] = [];
          // SQLite lists foreign keys last-declared first.
          fks.reverse().forEach((fk, id) => fk.from.forEach((f, seq) => rows.push([id, seq, fk.table, f, fk.to[seq] ?? null, act(fk.actions, "UPDATE"), act(fk.actions, "DELETE"), "NONE"])));
          return rows;
        },
      };
    }
    case "page_count":
      return { columns: ["page_count"], rows: (c) => [[c.pager.pageCount()]] };
    case "freelist_count":
      return { columns: ["freelist_count"], rows: (c) => [[c.pager.freelistCount()]] };
    case "schema_version":
      return { columns: ["schema_version"], rows: (c) => [[c.pager.getMeta(1)]] };
    case "user_version":
      if (v !== undefined) {
        const n = intValue(v);
        return { columns: [], writes: true, rows: (c) => (c.pager.setMeta(META_USER_VERSION, n >>> 0), []) };
      }
      return { columns: ["user_version"], rows: (c) => [[c.pager.getMeta(META_USER_VERSION) | 0]] };
    case "journal_mode":
      return { columns: ["journal_mode"], rows: () => [["wal"]] };
    case "foreign_keys":
      return v !== undefined ? { columns: [], rows: () => [] } : { columns: ["foreign_keys"], rows: () => [[0]] };
    case "encoding":
      return { columns: ["encoding"], rows: () => [["UTF-8"]] };
    case "database_list":
      return { columns: ["seq", "name", "file"], rows: () => [[0, "main", ""]] };
    case "table_list":
      return {
        columns: ["schema", "name", "type", "ncol", "wr", "strict"],
        rows: () =>
          [...new Set(ctx.schema.tables.values())]
            .filter((t) => v === undefined || t.name.toLowerCase() === v.toLowerCase())
            .map((t) => ["main", t.name, t.kind, t.kind === "table" ? t.columns.length : (t.columns?.length ?? 0), 0, 0]),
      };
    case "integrity_check":
    case "quick_check":
      return {
        columns: [name],
        rows: (c) => {
          const problems: string[] = [];
          for (const tree of allTrees(ctx)) {
            for (const msg of new BTree(c.pager, tree.root).checkIntegrity()) problems.push(`${tree.name}: ${msg}`);
          }
          const max = v !== undefined && /^\d+$/.test(v) ? Number(v) : 100;
          return problems.length ? problems.slice(0, max).map((m) => [m]) : [["ok"]];
        },
      };
    default:
      return extraPragmas.get(name)?.(ctx, p) ?? null;
  }
}

/**
 * The pragmas that are table-valued functions `pragma_<name>(...)` (pragma.html#pragfunc): those
 * that report without changing anything, with the arguments SQLite's take: the pragma's argument
 * (a table or index name) and/or a schema name, which must be "main" (SQLite's hidden `arg` and
 * `schema` columns, not shown here).
 */
const PRAGMA_FUNCTIONS: Record<string, "arg+schema" | "arg" | "schema" | "none"> = {
  table_info: "arg+schema", table_xinfo: "arg+schema", index_info: "arg+schema", index_xinfo: "arg+schema",
  index_list: "arg+schema", foreign_key_list: "arg+schema", integrity_check: "arg+schema", quick_check: "arg+schema",
  table_list: "arg",
  page_size: "schema", page_count: "schema", cache_size: "schema", journal_mode: "schema", synchronous: "schema",
  auto_vacuum: "schema", max_page_count: "schema",
  user_version: "none", application_id: "none", schema_version: "none", freelist_count: "none", foreign_keys: "none",
  database_list: "none", collation_list: "none", function_list: "none", encoding: "none",
};

/** A pragma as a table-valued function, or null when `name` is not one (PRAGMA_FUNCTIONS). */
export function pragmaTable(ctx: Ctx, name: string): { columns: string[]; maxArgs: number; run: (args: SqlValue[], c: PragmaContext) => SqlValue[][] } | null {
  const kind = PRAGMA_FUNCTIONS[name];
  if (kind === undefined) return null;
  const probe = impl(ctx, { kind: "pragma", name });
  if (!probe || probe.columns.length === 0) return null;
  const takesArg = kind === "arg" || kind === "arg+schema";
  const text = (v: SqlValue) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v));
  return {
    columns: probe.columns,
    maxArgs: kind === "arg+schema" ? 2 : kind === "none" ? 0 : 1,
    run: (args, c) => {
      const schema = kind === "arg+schema" ? args[1] : kind === "schema" ? args[0] : undefined;
      if (schema !== undefined && schema !== null && text(schema).toLowerCase() !== "main") throw new DbError("DB_ERROR", `unknown database '${text(schema)}'`);
      const v = takesArg ? args[0] : undefined;
      const value = v === undefined || v === null ? undefined : text(v);
      // integrity_check(t) checks table t (here: all of them, once t is known to exist).
      if ((name === "integrity_check" || name === "quick_check") && value !== undefined && !ctx.schema.getTable(value)) throw new DbError("DB_ERROR", `no such table: ${value}`);
      return impl(ctx, { kind: "pragma", name, ...(value === undefined || name === "integrity_check" || name === "quick_check" ? {} : { value }) })!.rows(c);
    },
  };
}

export function compilePragma(ctx: Ctx, p: Pragma): ColumnMeta[] {
  const b = ctx.b;
  const im = impl(ctx, p);
  if (!im) return []; // Unknown pragmas are ignored, as in SQLite.
  if (im.writes) b.writes = true;
  const c = b.cursor();
  b.emit(Op.OpenEphemeral, c, 0);
  b.emit(Op.Pragma, c, 0, 0, { run: im.rows, explain: p.name });
  const n = im.columns.length;
  if (n === 0) return [];
  const done = b.label();
  const top = b.label();
  const res = b.reg(n);
  b.emit(Op.Rewind, c, done);
  b.place(top);
  for (let i = 0; i < n; i++) b.emit(Op.Column, c, i, res + i);
  b.emit(Op.ResultRow, res, n);
  b.emit(Op.Next, c, top);
  b.place(done);
  return im.columns.map((name) => ({ name }));
}

/** Rows of a finished program listing or query plan, delivered like a pragma's. */
export function emitStaticRows(ctx: Ctx, columns: string[], rows: SqlValue[][]): ColumnMeta[] {
  return compilePragmaRows(ctx, columns, () => rows);
}

function compilePragmaRows(ctx: Ctx, columns: string[], rows: Rows): ColumnMeta[] {
  const b = ctx.b;
  const c = b.cursor();
  b.emit(Op.OpenEphemeral, c, 0);
  b.emit(Op.Pragma, c, 0, 0, { run: rows });
  const n = columns.length;
  const done = b.label();
  const top = b.label();
  const res = b.reg(n);
  b.emit(Op.Rewind, c, done);
  b.place(top);
  for (let i = 0; i < n; i++) b.emit(Op.Column, c, i, res + i);
  b.emit(Op.ResultRow, res, n);
  b.emit(Op.Next, c, top);
  b.place(done);
  return columns.map((name) => ({ name }));
}
