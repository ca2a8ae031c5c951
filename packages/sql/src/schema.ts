/**
 * The catalog as the compiler sees it: tables, indexes and views rebuilt from the schema
 * table's rows by parsing their CREATE statements (the file stores only SQL, as SQLite does).
 */
import { BTree, DbError, affinityOfType, corruptError, decodeRecord, readSchemaRows, META_SCHEMA_ROOT, type Affinity, type Pager } from "@db/vm";
import type { ColumnDef, ConflictAction, CreateIndex, CreateTable, CreateTrigger, CreateView, Expr, IndexedColumn, Select } from "./ast.js";
import { parseOne as parseStatement } from "./parser.js";

export interface Column {
  name: string;
  type: string;
  affinity: Affinity;
  notNull: boolean;
  default: Expr | null;
  collation: string;
  /** 1-based position in the primary key, 0 if not part of it. */
  pk: number;
  /**
   * A generated column (gencol.html): STORED ones are computed on write and kept in the record,
   * VIRTUAL ones are computed on read and the record holds NULL in their place.
   */
  generated?: { expr: Expr; stored: boolean };
  /** `NOT NULL ON CONFLICT x`: how a NULL is resolved when the statement names no OR action. */
  notNullConflict?: ConflictAction;
}

export interface Index {
  name: string;
  table: string;
  rootpage: number;
  /** Table column index per key column; -1 is the rowid, -2 an expression (`exprs`, SQLite's XN_EXPR). */
  columns: number[];
  /** Per key column: its expression where `columns` holds -2, else null (absent without expressions). */
  exprs?: (Expr | null)[];
  /** A partial index (partialindex.html): only rows for which this is true have an entry. */
  where?: Expr;
  desc: boolean[];
  collations: string[];
  unique: boolean;
  /** "c": CREATE INDEX, "u": UNIQUE constraint, "pk": PRIMARY KEY constraint. */
  origin: "c" | "u" | "pk";
  /** The constraint's `ON CONFLICT x`: its resolution when the statement names no OR action. */
  onConflict?: ConflictAction;
  sql: string | null;
  /** From sqlite_stat1: rows in the index, then the average rows per value of each key prefix. */
  stat?: number[];
}

export interface Table {
  kind: "table";
  name: string;
  rootpage: number;
  columns: Column[];
  /** Index of the INTEGER PRIMARY KEY column (the rowid alias), or -1. */
  rowidAlias: number;
  /** Declared AUTOINCREMENT: rowids are never reused (kept in sqlite_sequence). */
  autoincrement?: boolean;
  indexes: Index[];
  triggers: Trigger[];
  /** CHECK constraints: a row fails when one evaluates to false (NULL passes); `text` names an unnamed one in errors. */
  checks: { name?: string; expr: Expr; text: string }[];
  sql: string;
  /** The schema table itself. */
  system?: boolean;
  /** Rows in the table according to sqlite_stat1 (absent without statistics). */
  nRowStat?: number;
  /** Generated columns in an order where each comes after those its expression reads. */
  generatedOrder?: number[];
  /** `INTEGER PRIMARY KEY ON CONFLICT x` (the rowid's uniqueness), when given. */
  pkConflict?: ConflictAction;
}

export interface View {
  kind: "view";
  name: string;
  columns?: string[];
  select: Select;
  sql: string;
  /** INSTEAD OF triggers: the only way a view is written (compile/view-dml.ts). */
  triggers: Trigger[];
}

/** A row trigger (lang_createtrigger.html), compiled inline into the statements that fire it. */
export interface Trigger {
  name: string;
  table: string;
  ast: CreateTrigger;
  sql: string;
}

export class Schema {
  readonly tables = new Map<string, Table | View>();
  readonly indexes = new Map<string, Index>();
  readonly triggers = new Map<string, Trigger>();
  version = 0;

  getTable(name: string): Table | View | undefined {
    return this.tables.get(name.toLowerCase());
  }
}

export const SCHEMA_TABLE_SQL =
  "CREATE TABLE sqlite_schema(type text, name text, tbl_name text, rootpage integer, sql text)";

function schemaTable(root: number): Table {
  const cols = ["type", "name", "tbl_name", "rootpage", "sql"].map((name, i) => ({
    name,
    type: i === 3 ? "integer" : "text",
    affinity: (i === 3 ? "INTEGER" : "TEXT") as Affinity,
    notNull: false,
    default: null,
    collation: "BINARY",
    pk: 0,
  }));
  return { kind: "table", name: "sqlite_schema", rootpage: root, columns: cols, rowidAlias: -1, indexes: [], triggers: [], checks: [], sql: SCHEMA_TABLE_SQL, system: true };
}

function columnCollation(c: ColumnDef): string {
  for (const k of c.constraints) if (k.kind === "collate") return k.collation.toUpperCase();
  return "BINARY";
}

/** Builds a Table from its CREATE TABLE statement (without indexes, which are attached later). */
export function tableFromAst(ast: CreateTable, rootpage: number, sql: string): Table {
  const columns: Column[] = ast.columns.map((c) => columnFromAst(c));
  const find = (name: string): number => {
    const i = columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
    if (i < 0) throw new DbError("DB_ERROR", `no such column: ${name}`);
    return i;
  };
  let pkCols: number[] = [];
  let pkDesc = false;
  let pkConflict: ConflictAction | undefined;
  ast.columns.forEach((c, i) => {
    for (const k of c.constraints) {
      if (k.kind === "primary-key") {
        if (pkCols.length) throw new DbError("DB_ERROR", `table "${ast.name}" has more than one primary key`);
        pkCols = [i];
        pkDesc = k.desc;
        pkConflict = k.onConflict;
      }
    }
  });
  for (const k of ast.constraints) {
    if (k.kind === "primary-key") {
      if (pkCols.length) throw new DbError("DB_ERROR", `table "${ast.name}" has more than one primary key`);
      pkCols = k.columns.map((ic) => find(indexedName(ic)));
      pkConflict = k.onConflict;
    }
  }
  pkCols.forEach((ci, j) => {
    if (columns[ci]!.generated) throw new DbError("DB_ERROR", "generated columns cannot be part of the PRIMARY KEY");
    columns[ci]!.pk = j + 1;
    columns[ci]!.notNull = columns[ci]!.notNull || false;
  });
  // A single-column PRIMARY KEY whose declared type is exactly INTEGER is the rowid (lang_createtable.html#rowid).
  let rowidAlias = -1;
  if (pkCols.length === 1 && columns[pkCols[0]!]!.type.trim().toUpperCase() === "INTEGER" && !pkDesc) rowidAlias = pkCols[0]!;
  const checks: Table["checks"] = [];
  const addCheck = (k: { name?: string; expr: Expr; text: string }) => checks.push(k.name ? { name: k.name, expr: k.expr, text: k.text } : { expr: k.expr, text: k.text });
  for (const c of ast.columns) for (const k of c.constraints) if (k.kind === "check") addCheck(k);
  for (const k of ast.constraints) if (k.kind === "check") addCheck(k);
  const autoincrement =
    ast.columns.some((c) => c.constraints.some((k) => k.kind === "primary-key" && k.autoincrement)) ||
    ast.constraints.some((k) => k.kind === "primary-key" && !!k.autoincrement);
  const table: Table = { kind: "table", name: ast.name, rootpage, columns, rowidAlias, indexes: [], triggers: [], checks, sql, ...(autoincrement ? { autoincrement } : {}) };
  if (rowidAlias >= 0 && pkConflict) table.pkConflict = pkConflict;
  if (columns.some((c) => c.generated)) {
    if (columns.every((c) => c.generated)) throw new DbError("DB_ERROR", "must have at least one non-generated column");
    table.generatedOrder = generatedOrder(columns);
  }
  return table;
}

/** A column as its definition declares it (its `pk` is set by the table). */
export function columnFromAst(c: ColumnDef): Column {
  const gen = c.constraints.find((k) => k.kind === "generated");
  const dflt = (c.constraints.find((k) => k.kind === "default") as { expr: Expr } | undefined)?.expr ?? null;
  if (gen && dflt) throw new DbError("DB_ERROR", "cannot use DEFAULT on a generated column");
  const notNull = c.constraints.find((k) => k.kind === "not-null");
  return {
    name: c.name,
    type: c.type,
    affinity: affinityOfType(c.type),
    notNull: c.constraints.some((k) => k.kind === "not-null"),
    default: dflt,
    collation: columnCollation(c),
    pk: 0,
    ...(gen ? { generated: { expr: gen.expr, stored: gen.stored } } : {}),
    ...(notNull?.kind === "not-null" && notNull.onConflict ? { notNullConflict: notNull.onConflict } : {}),
  };
}

/** Names (lowercase) of the columns an expression reads (any depth; generated columns hold no subqueries). */
export function columnNames(e: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(e)) for (const x of e) columnNames(x, out);
  else if (e && typeof e === "object") {
    const o = e as Record<string, unknown>;
    if (o.kind === "column" && typeof o.name === "string") out.add(o.name.toLowerCase());
    for (const v of Object.values(o)) columnNames(v, out);
  }
  return out;
}

/**
 * The generated columns ordered so that each follows the generated columns it reads. A cycle is
 * SQLite's error, naming the column whose expression reads one still being computed (a
 * depth-first walk in declaration order, as SQLite's code generation meets it).
 */
export function generatedOrder(columns: Column[]): number[] {
  const byName = new Map(columns.map((c, i) => [c.name.toLowerCase(), i]));
  const state = new Array<number>(columns.length).fill(0); // 0 new, 1 being computed, 2 done
  const order: number[] = [];
  const visit = (i: number): void => {
    state[i] = 1;
    for (const name of columnNames(columns[i]!.generated!.expr, new Set())) {
      const j = byName.get(name);
      if (j === undefined || !columns[j]!.generated || state[j] === 2) continue;
      if (state[j] === 1) throw new DbError("DB_ERROR", `generated column loop on "${columns[i]!.name}"`);
      visit(j);
    }
    state[i] = 2;
    order.push(i);
  };
  columns.forEach((c, i) => {
    if (c.generated && state[i] === 0) visit(i);
  });
  return order;
}

function indexedName(ic: IndexedColumn): string {
  if (ic.name) return ic.name;
  if (ic.expr.kind === "column") return ic.expr.name;
  if (ic.expr.kind === "literal" && ic.expr.type === "string") return ic.expr.value;
  throw new DbError("DB_ERROR", "expressions prohibited in PRIMARY KEY and UNIQUE constraints");
}

/** Index definitions implied by PRIMARY KEY (non-rowid) and UNIQUE constraints, in SQLite's autoindex order. */
export function autoIndexes(ast: CreateTable, table: Table): Omit<Index, "rootpage" | "name">[] {
  const out: Omit<Index, "rootpage" | "name">[] = [];
  const col = (name: string) => findColumn(table, name);
  const add = (cols: IndexedColumn[] | number[], origin: "u" | "pk", onConflict: ConflictAction | undefined) => {
    const idx = cols.map((c) => (typeof c === "number" ? c : col(indexedName(c))));
    const desc = cols.map((c) => (typeof c === "number" ? false : c.desc));
    out.push({ table: table.name, columns: idx, desc, collations: idx.map((i) => table.columns[i]?.collation ?? "BINARY"), unique: true, origin, sql: null, ...(onConflict ? { onConflict } : {}) });
  };
  ast.columns.forEach((c, i) => {
    for (const k of c.constraints) {
      if (k.kind === "primary-key" && table.rowidAlias !== i) add([i], "pk", k.onConflict);
      if (k.kind === "unique") add([i], "u", k.onConflict);
    }
  });
  for (const k of ast.constraints) {
    if (k.kind === "primary-key" && table.rowidAlias < 0) add(k.columns, "pk", k.onConflict);
    if (k.kind === "unique") add(k.columns, "u", k.onConflict);
  }
  return out;
}

export function indexFromAst(ast: CreateIndex, table: Table, rootpage: number, sql: string | null): Index {
  const exprs: (Expr | null)[] = [];
  const columns = ast.columns.map((ic) => {
    const e = ic.expr;
    // A string literal naming a column is that column (SQLite's sqlite3StringToId).
    const name = e.kind === "column" && e.table === undefined ? e.name : e.kind === "literal" && e.type === "string" && findColumn(table, e.value) >= 0 ? e.value : undefined;
    if (name === undefined) {
      exprs.push(e);
      return -2;
    }
    exprs.push(null);
    const i = findColumn(table, name);
    if (i >= 0) return i;
    if (["rowid", "oid", "_rowid_"].includes(name.toLowerCase())) return -1;
    throw new DbError("DB_ERROR", `no such column: ${name}`);
  });
  // An expression's key collates BINARY unless the index column says COLLATE (SQLite's index_xinfo).
  const collation = (c: IndexedColumn, j: number) => c.collation ?? (columns[j]! >= 0 ? table.columns[columns[j]!]!.collation : "BINARY");
  return {
    name: ast.name,
    table: table.name,
    rootpage,
    columns,
    ...(columns.includes(-2) ? { exprs } : {}),
    ...(ast.where ? { where: ast.where } : {}),
    desc: ast.columns.map((c) => c.desc),
    collations: ast.columns.map((c, j) => collation(c, j).toUpperCase()),
    unique: ast.unique,
    origin: "c",
    sql,
  };
}

function findColumn(t: Table, name: string): number {
  return t.columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
}


/** Reads the schema table and rebuilds the catalog. Call inside a read transaction. */
export function loadSchema(pager: Pager): Schema {
  const schema = new Schema();
  schema.version = pager.getMeta(1);
  const root = pager.getMeta(META_SCHEMA_ROOT);
  if (root === 1 || (root !== 0 && root > pager.pageCount())) throw corruptError(1, `schema root page ${root} is impossible`);
  const sys = schemaTable(root);
  schema.tables.set("sqlite_schema", sys);
  schema.tables.set("sqlite_master", sys);
  const rows = readSchemaRows(pager);
  // A stored statement that does not parse means the schema itself is damaged.
  const parseOne = (sql: string) => {
    try {
      return parseStatement(sql);
    } catch (e) {
      if (e instanceof DbError && e.code === "DB_SYNTAX") throw new DbError("DB_CORRUPT", `malformed database schema: ${e.message}`, { cause: e });
      throw e;
    }
  };
  const pendingAuto = new Map<string, { rootpage: number; name: string }[]>();
  for (const row of rows) {
    if (row.type === "table" && row.sql) {
      const ast = parseOne(row.sql).statement as CreateTable;
      schema.tables.set(row.name.toLowerCase(), tableFromAst(ast, row.rootpage, row.sql));
    } else if (row.type === "view" && row.sql) {
      const ast = parseOne(row.sql).statement as CreateView;
      schema.tables.set(row.name.toLowerCase(), { kind: "view", name: ast.name, ...(ast.columns ? { columns: ast.columns } : {}), select: ast.select, sql: row.sql, triggers: [] });
    }
  }
  for (const row of rows) {
    if (row.type !== "trigger" || !row.sql) continue;
    const ast = parseOne(row.sql).statement as CreateTrigger;
    const trig: Trigger = { name: ast.name, table: row.tblName, ast, sql: row.sql };
    schema.triggers.set(ast.name.toLowerCase(), trig);
    const t = schema.getTable(row.tblName);
    if (t) t.triggers.push(trig);
  }
  for (const row of rows) {
    if (row.type !== "index") continue;
    const t = schema.getTable(row.tblName);
    if (!t || t.kind !== "table") continue;
    if (row.sql) {
      const ast = parseOne(row.sql).statement as CreateIndex;
      const idx = indexFromAst(ast, t, row.rootpage, row.sql);
      t.indexes.push(idx);
      schema.indexes.set(idx.name.toLowerCase(), idx);
    } else {
      const list = pendingAuto.get(t.name.toLowerCase()) ?? [];
      list.push({ rootpage: row.rootpage, name: row.name });
      pendingAuto.set(t.name.toLowerCase(), list);
    }
  }
  for (const [tname, list] of pendingAuto) {
    const t = schema.getTable(tname) as Table;
    const defs = autoIndexes(parseOne(t.sql).statement as CreateTable, t);
    list.forEach((a, i) => {
      const d = defs[i];
      if (!d) return;
      const idx: Index = { ...d, name: a.name, rootpage: a.rootpage };
      t.indexes.push(idx);
      schema.indexes.set(idx.name.toLowerCase(), idx);
    });
  }
  loadStats(pager, schema);
  return schema;
}

/**
 * Attaches sqlite_stat1's figures to tables and indexes, as SQLite's analysisLoader(): rows naming
 * an unknown table or index, or with a NULL stat, are ignored; a stat string is read as integers
 * up to the first word that is not one (options such as "unordered" follow them).
 */
function loadStats(pager: Pager, schema: Schema): void {
  const st = schema.getTable("sqlite_stat1");
  if (!st || st.kind !== "table" || st.rootpage <= 0) return;
  const c = new BTree(pager, st.rootpage).cursor();
  try {
    for (let ok = c.first(); ok; ok = c.next()) {
      const [tbl, idx, stat] = decodeRecord(c.value());
      if (tbl === null || tbl === undefined || stat === null || stat === undefined) continue;
      const t = schema.getTable(String(tbl));
      if (!t || t.kind !== "table") continue;
      const nums: number[] = [];
      for (const w of String(stat).split(" ")) {
        if (!/^\d+$/.test(w)) break;
        nums.push(Number(w));
      }
      if (nums.length === 0) continue;
      if (idx === null || idx === undefined) {
        t.nRowStat = nums[0]!;
        continue;
      }
      const index = schema.indexes.get(String(idx).toLowerCase());
      if (!index || index.table.toLowerCase() !== t.name.toLowerCase()) continue;
      index.stat = nums.slice(0, index.columns.length + 1);
      t.nRowStat = nums[0]!;
    }
  } finally {
    c.close();
  }
}
