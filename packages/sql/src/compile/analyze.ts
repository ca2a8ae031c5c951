/**
 * ANALYZE (lang_analyze.html): fills sqlite_stat1(tbl, idx, stat) in SQLite's format
 * (fileformat2.html §2.6.3). For each index, stat is "nRow avg1 avg2 ...": the rows in the index,
 * then for each key prefix the average number of rows sharing one value of that prefix. A table
 * without indexes gets one row with idx NULL and stat "nRow". Empty tables get no row.
 *
 * The counting walks each index in key order inside the program's Pragma hook (SQLite does the
 * same walk in bytecode with its stat_push()/stat_get() functions); the rows it yields are then
 * inserted into sqlite_stat1 with ordinary opcodes, so they share the statement's transaction.
 * The statement finally asks the connection to reload its catalog, which loads the new stats.
 */
import { BTree, DbError, Op, compareValues, decodeIndexEntry, type ColumnMeta, type Pager, type PragmaContext, type SqlValue } from "@db/vm";
import type { Analyze } from "../ast.js";
import type { Index, Table } from "../schema.js";
import type { Ctx } from "./context.js";
import { deleteRowsWhere, insertSchemaRow, schemaCursor } from "./ddl.js";

export const STAT1_SQL = "CREATE TABLE sqlite_stat1(tbl,idx,stat)";

interface Target {
  /** ANALYZE temp: the (empty) temp schema, nothing to do. */
  none?: boolean;
  tables: Table[];
  /** ANALYZE idx: only this index (and no idx-NULL row). */
  onlyIndex: Index | null;
  /** Which old rows to delete first: all of them, or those whose column matches a name. */
  clear: { all: true } | { col: 0 | 1; name: string } | null;
}

function isStatTable(name: string): boolean {
  return name.toLowerCase().startsWith("sqlite_");
}

function resolveTarget(ctx: Ctx, st: Analyze): Target {
  const all = (): Target => ({
    tables: [...new Set(ctx.schema.tables.values())].filter((t): t is Table => t.kind === "table" && !t.system && !isStatTable(t.name)),
    onlyIndex: null,
    clear: { all: true },
  });
  if (st.target === undefined) return all();
  let name = st.target;
  const dot = name.indexOf(".");
  if (dot >= 0) {
    const db = name.slice(0, dot).toLowerCase();
    if (db !== "main") throw new DbError("DB_ERROR", `unknown database ${name.slice(0, dot)}`);
    name = name.slice(dot + 1);
  } else if (name.toLowerCase() === "main") return all();
  else if (name.toLowerCase() === "temp") return { none: true, tables: [], onlyIndex: null, clear: null };
  // An index name wins over a table name, as in sqlite3Analyze().
  const idx = ctx.schema.indexes.get(name.toLowerCase());
  if (idx) {
    const t = ctx.schema.getTable(idx.table) as Table;
    return { tables: [t], onlyIndex: idx, clear: { col: 1, name: idx.name } };
  }
  const t = ctx.schema.getTable(name);
  if (!t) throw new DbError("DB_ERROR", `no such table: ${name}`);
  // Views and the sqlite_ tables are not analyzed; the statement still reloads the statistics
  // (SQLite's tests run `ANALYZE sqlite_master` after editing sqlite_stat1 by hand for this).
  if (t.kind !== "table" || t.system || isStatTable(t.name)) return { tables: [], onlyIndex: null, clear: null };
  return { tables: [t], onlyIndex: null, clear: { col: 0, name: t.name } };
}

/** Rows of sqlite_stat1 for `target`, computed by reading the tables and indexes. */
export function computeStats(pager: Pager, tables: Table[], onlyIndex: Index | null): SqlValue[][] {
  const out: SqlValue[][] = [];
  for (const t of tables) {
    const indexes = onlyIndex ? [onlyIndex] : t.indexes;
    for (const idx of indexes) {
      const stat = indexStat(pager, idx);
      if (stat !== null) out.push([t.name, idx.name, stat]);
    }
    if (!onlyIndex && t.indexes.length === 0) {
      const n = new BTree(pager, t.rootpage).count();
      if (n > 0) out.push([t.name, null, String(n)]);
    }
  }
  return out;
}

/** "nRow avg1 ... avgK" for one index, or null when it is empty. */
function indexStat(pager: Pager, idx: Index): string | null {
  const nCol = idx.columns.length;
  const distinct = new Array<number>(nCol).fill(0);
  let prev: SqlValue[] | null = null;
  let nRow = 0;
  const c = new BTree(pager, idx.rootpage).cursor();
  try {
    for (let ok = c.first(); ok; ok = c.next()) {
      const v = decodeIndexEntry(c.key(), c.value());
      nRow++;
      // The first key column that differs from the previous entry starts a new value of every longer prefix.
      let i = 0;
      if (prev) while (i < nCol && same(prev[i] ?? null, v[i] ?? null, idx.collations[i] ?? "BINARY")) i++;
      for (let j = i; j < nCol; j++) distinct[j]!++;
      prev = v;
    }
  } finally {
    c.close();
  }
  if (nRow === 0) return null;
  const parts = [String(nRow)];
  for (const d of distinct) {
    let avg = Math.floor((nRow + d - 1) / d);
    // As analyze.c's statGet(): an average just under 2 is reported as 1 (nearly unique).
    if (avg === 2 && nRow * 10 <= d * 11) avg = 1;
    parts.push(String(avg));
  }
  return parts.join(" ");
}

/** NULLs count as equal to each other when counting distinct values, as SQLite's OP_Ne with NULLEQ. */
function same(a: SqlValue, b: SqlValue, coll: string): boolean {
  if (a === null || b === null) return a === b;
  return compareValues(a, b, coll) === 0;
}

export function compileAnalyze(ctx: Ctx, st: Analyze): ColumnMeta[] {
  const b = ctx.b;
  const target = resolveTarget(ctx, st);
  if (target.none) return [];
  const existing = ctx.schema.getTable("sqlite_stat1");
  const stat = b.cursor();
  if (existing && existing.kind === "table") {
    b.emit(Op.OpenWrite, stat, existing.rootpage, 0, undefined, 0, "sqlite_stat1");
    if (target.clear && "all" in target.clear) b.emit(Op.Clear, 0, 0, 0, existing.rootpage);
    else if (target.clear) deleteRowsWhere(ctx, stat, target.clear.col, target.clear.name);
  } else {
    // Created on first use, like SQLite's openStatTable().
    const cur = schemaCursor(ctx);
    const root = b.reg();
    b.emit(Op.CreateBtree, 0, root);
    insertSchemaRow(ctx, cur, "table", "sqlite_stat1", "sqlite_stat1", root, STAT1_SQL);
    b.emit(Op.OpenWrite, stat, root, 0, { rootReg: true }, 0, "sqlite_stat1");
    b.emit(Op.SchemaChanged);
  }
  const rows = b.cursor();
  b.emit(Op.OpenEphemeral, rows, 0);
  const { tables, onlyIndex } = target;
  const run = (pc: PragmaContext): SqlValue[][] => {
    // The catalog (and with it the planner's statistics) is reloaded after this statement.
    pc.vm.schemaChanged = true;
    return computeStats(pc.pager, tables, onlyIndex);
  };
  b.emit(Op.Pragma, rows, 0, 0, { run, explain: "analyze" });
  const done = b.label();
  const top = b.label();
  const vals = b.reg(3);
  const rec = b.reg();
  const rowid = b.reg();
  b.emit(Op.Rewind, rows, done);
  b.place(top);
  for (let i = 0; i < 3; i++) b.emit(Op.Column, rows, i, vals + i);
  b.emit(Op.MakeRecord, vals, 3, rec);
  b.emit(Op.NewRowid, stat, rowid);
  b.emit(Op.Insert, stat, rec, rowid);
  b.emit(Op.Next, rows, top);
  b.place(done);
  return [];
}

/** For DROP TABLE / DROP INDEX: removes the dropped object's statistics, as sqlite3ClearStatTables(). */
export function clearStats(ctx: Ctx, col: 0 | 1, name: string): void {
  const t = ctx.schema.getTable("sqlite_stat1");
  if (!t || t.kind !== "table") return;
  const cur = ctx.b.cursor();
  ctx.b.emit(Op.OpenWrite, cur, t.rootpage, 0, undefined, 0, "sqlite_stat1");
  deleteRowsWhere(ctx, cur, col, name);
}
