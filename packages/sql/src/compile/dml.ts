/** INSERT, UPDATE and DELETE: rows, index entries and constraint checks (lang_insert/update/delete). */
import { DbError, FLAG_COUNT, FLAG_COUNT_TOTAL, FLAG_LASTROWID, FLAG_NEW_ROWID, Op, RECORD_TRANSIENT, type ColumnMeta } from "@db/vm";
import type { ConflictAction, Delete, Expr, FromItem, Insert, SetClause, Update } from "../ast.js";
import type { Table } from "../schema.js";
import { Scope, tableSource, withPure, type Ctx } from "./context.js";
import { autoincBegin, autoincEnd, autoincNoteRowid } from "./autoincrement.js";
import { ROWID_NAMES, compileExpr } from "./expr.js";
import { compileSelect } from "./select.js";
import { Returning } from "./returning.js";
import { planUpsert, type UpsertDeps, type UpsertPlan } from "./upsert.js";
import { fireTriggers, hasTriggers, outerScope, rowSource } from "./trigger.js";
import { computeGenerated, emitTableColumn, isVirtual } from "./generated.js";
import { indexEntry, uniqueTarget } from "./index-entry.js";
import { compileViewChange, compileViewInsert, viewTarget } from "./view-dml.js";

export function writableTable(ctx: Ctx, name: string): Table {
  const t = ctx.schema.getTable(name);
  if (!t) throw new DbError("DB_ERROR", `no such table: ${name}`);
  if (t.kind === "view") throw new DbError("DB_ERROR", `cannot modify ${t.name} because it is a view`);
  if (t.system) throw new DbError("DB_ERROR", `table ${t.name} may not be modified`);
  return t;
}

interface Cursors {
  table: number;
  indexes: number[];
}

function openWrite(ctx: Ctx, t: Table): Cursors {
  const b = ctx.b;
  const table = b.cursor();
  b.emit(Op.OpenWrite, table, t.rootpage, 0, undefined, 0, t.name);
  const indexes = t.indexes.map((idx) => {
    const c = b.cursor();
    b.emit(Op.OpenWrite, c, idx.rootpage, 0, { index: { desc: idx.desc, collations: idx.collations } }, 0, idx.name);
    return c;
  });
  return { table, indexes };
}

/**
 * Counting flags of a write: a trigger program's rows count toward total_changes() only, and set
 * no last_insert_rowid (the API's changes and lastInsertRowid, sqlite3_changes and
 * sqlite3_last_insert_rowid, are the top statement's; inside the program SQLite's SQL functions
 * would see its own, see docs/sql-differences.md).
 */
function counted(ctx: Ctx, flags: number): number {
  if (!ctx.trigger) return flags;
  return (flags & ~(FLAG_COUNT | FLAG_LASTROWID)) | (flags & FLAG_COUNT ? FLAG_COUNT_TOTAL : 0);
}

/** Deletes the row under the table cursor and its index entries. */
function emitDeleteRow(ctx: Ctx, t: Table, cur: Cursors, count: boolean): void {
  const b = ctx.b;
  const rowid = b.reg();
  b.emit(Op.Rowid, cur.table, rowid);
  t.indexes.forEach((idx, i) => {
    const none = b.label();
    const first = indexEntry(ctx, t, idx, { cursor: cur.table, rowid }, none);
    b.emit(Op.IdxDelete, cur.indexes[i]!, first, idx.columns.length + 1);
    b.place(none);
  });
  b.emit(Op.Delete, cur.table, 0, 0, undefined, count ? counted(ctx, FLAG_COUNT) : 0);
}

function constraintError(ctx: Ctx, subcode: string, message: string): void {
  ctx.b.emit(Op.HaltError, 0, 0, 0, { code: "DB_CONSTRAINT", subcode, message });
}

function pkName(t: Table): string {
  const cols = t.columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  return cols.length ? cols.map((c) => `${t.name}.${c.name}`).join(", ") : `${t.name}.rowid`;
}

/**
 * Checks NOT NULL and uniqueness of a new row (values in cols.., rowid in `rowid`), resolving
 * conflicts per `action` (the statement's OR action), else per each constraint's own ON CONFLICT,
 * else ABORT (lang_conflict.html), then writes the row and its index entries.
 * `self` is the register holding the row's old rowid (UPDATE), so it does not conflict with itself.
 */
function emitWriteRow(ctx: Ctx, t: Table, cur: Cursors, cols: number, rowid: number, stmtAction: ConflictAction | undefined, skip: number, self: number, rowidChanged: boolean, flags: number, upsert: UpsertPlan | null = null): void {
  const b = ctx.b;
  flags = counted(ctx, flags);
  const resolve = (own: ConflictAction | undefined): ConflictAction => stmtAction ?? own ?? "ABORT";
  t.columns.forEach((c, i) => {
    if (!c.notNull || i === t.rowidAlias) return;
    const action = resolve(c.notNullConflict);
    if (action === "REPLACE" && c.default) {
      // OR REPLACE resolves a NOT NULL conflict with the column's default (lang_conflict.html).
      const ok = b.label();
      b.emit(Op.NotNull, cols + i, ok);
      compileExpr(ctx, null, c.default, cols + i);
      b.emit(Op.Affinity, cols + i, 1, 0, [c.affinity]);
      b.place(ok);
    }
    b.emit(Op.CheckNotNull, cols + i, action === "IGNORE" ? skip : 0, 0, { message: `NOT NULL constraint failed: ${t.name}.${c.name}` });
  });
  if (t.checks.length) {
    const scope = new Scope([rowSource(t.name, t, cols, rowid)], null);
    for (const chk of t.checks) {
      const ok = b.label();
      const r = withPure(ctx, "a CHECK constraint", () => compileExpr(ctx, scope, chk.expr));
      b.emit(Op.If, r, ok, 1);
      if (resolve(undefined) === "IGNORE") b.emit(Op.Goto, 0, skip);
      else constraintError(ctx, "DB_CONSTRAINT_CHECK", `CHECK constraint failed: ${chk.name ?? chk.text}`);
      b.place(ok);
    }
  }
  // A new row's rowid with no other uniqueness check to order after it (no unique index, no
  // REPLACE/IGNORE resolution, no upsert): the Insert checks it in its own descent (FLAG_NEW_ROWID).
  const pkError = { code: "DB_CONSTRAINT", subcode: "DB_CONSTRAINT_PRIMARYKEY", message: `UNIQUE constraint failed: ${pkName(t)}` };
  const rowidAction = resolve(t.pkConflict);
  const fused = rowidChanged && !self && !upsert && rowidAction !== "REPLACE" && rowidAction !== "IGNORE" && !t.indexes.some((idx) => idx.unique);
  const checkRowid = (handler: ((found: number, skip: number) => void) | null) => {
    const ok = b.label();
    b.emit(Op.SeekRowid, cur.table, ok, rowid);
    if (self) {
      const same = b.reg();
      b.emit(Op.Eq, rowid, same, self);
      b.emit(Op.If, same, ok, 0);
    }
    if (handler) handler(rowid, skip);
    else if (rowidAction === "REPLACE") emitDeleteRow(ctx, t, cur, false);
    else if (rowidAction === "IGNORE") b.emit(Op.Goto, 0, skip);
    else constraintError(ctx, pkError.subcode, pkError.message);
    b.place(ok);
  };
  const checkIndex = (i: number, handler: ((found: number, skip: number) => void) | null) => {
    const idx = t.indexes[i]!;
    const action = resolve(idx.onConflict);
    const ok = b.label();
    const keys = indexEntry(ctx, t, idx, { regs: cols, rowid }, ok);
    const found = b.reg();
    b.emit(Op.NoConflict, cur.indexes[i]!, ok, keys, { n: idx.columns.length, rowidReg: found });
    if (self) {
      const same = b.reg();
      b.emit(Op.Eq, found, same, self);
      b.emit(Op.If, same, ok, 0);
    }
    if (handler) handler(found, skip);
    else if (action === "REPLACE") {
      const gone = b.label();
      b.emit(Op.SeekRowid, cur.table, gone, found);
      emitDeleteRow(ctx, t, cur, false);
      b.place(gone);
    } else if (action === "IGNORE") b.emit(Op.Goto, 0, skip);
    else {
      constraintError(ctx, idx.origin === "pk" ? "DB_CONSTRAINT_PRIMARYKEY" : "DB_CONSTRAINT_UNIQUE", `UNIQUE constraint failed: ${uniqueTarget(t, idx)}`);
    }
    b.place(ok);
  };
  // Uniqueness constraints: ROWID (-1) then unique indexes; an upsert's targets are checked first,
  // in its clauses' order, as SQLite does (lang_upsert.html).
  // (SQLite keeps a table's indexes newest first, those whose constraint says ON CONFLICT REPLACE
  // last, and checks them in that order.)
  // The rowid comes first, unless its own action is REPLACE while an index's is not: then it is
  // checked last, so that an IGNORE or ABORT elsewhere wins before a row is deleted.
  const order: number[] = [];
  const unique = t.indexes.map((_, i) => i).filter((i) => t.indexes[i]!.unique).reverse();
  const replaceLast = (i: number) => (resolve(t.indexes[i]!.onConflict) === "REPLACE" ? 1 : 0);
  const sorted = unique.sort((x, y) => replaceLast(x) - replaceLast(y));
  const rowidLast = rowidAction === "REPLACE" && sorted.some((i) => !replaceLast(i));
  if (rowidChanged && !fused && !rowidLast) order.push(-1);
  order.push(...sorted);
  if (rowidChanged && !fused && rowidLast) order.push(-1);
  const first = (upsert?.first ?? []).filter((c) => order.includes(c));
  for (const c of [...first, ...order.filter((c) => !first.includes(c))]) {
    const handler = upsert?.handler(c) ?? null;
    if (c < 0) checkRowid(handler);
    else checkIndex(c, handler);
  }
  if (self) {
    // UPDATE: remove the old row's index entries, and the old row if its rowid changes.
    const gone = b.label();
    b.emit(Op.SeekRowid, cur.table, gone, self);
    const oldRowid = self;
    t.indexes.forEach((idx, i) => {
      const none = b.label();
      const first = indexEntry(ctx, t, idx, { cursor: cur.table, rowid: oldRowid }, none);
      b.emit(Op.IdxDelete, cur.indexes[i]!, first, idx.columns.length + 1);
      b.place(none);
    });
    if (rowidChanged) {
      const same = b.reg();
      const keep = b.label();
      b.emit(Op.Eq, rowid, same, self);
      b.emit(Op.If, same, keep, 0);
      b.emit(Op.Delete, cur.table);
      b.place(keep);
    }
    b.place(gone);
  }
  // The record stores NULL for the rowid alias column (its value is the key) and for VIRTUAL
  // generated columns (computed when read).
  const n = t.columns.length;
  const rec = b.reg(n);
  b.emit(Op.Copy, cols, rec, n - 1);
  if (t.rowidAlias >= 0) b.emit(Op.Null, 0, rec + t.rowidAlias);
  t.columns.forEach((c, i) => {
    if (isVirtual(c)) b.emit(Op.Null, 0, rec + i);
  });
  const record = b.reg();
  // The Insert right after copies the record: it may live in the encoder's shared buffer.
  b.emit(Op.MakeRecord, rec, n, record, undefined, RECORD_TRANSIENT);
  b.emit(Op.Insert, cur.table, record, rowid, fused ? pkError : undefined, fused ? flags | FLAG_NEW_ROWID : flags);
  t.indexes.forEach((idx, i) => {
    const none = b.label();
    const keys = indexEntry(ctx, t, idx, { regs: cols, rowid }, none);
    b.emit(Op.IdxInsert, cur.indexes[i]!, keys, idx.columns.length + 1);
    b.place(none);
  });
}

export function compileInsert(ctx: Ctx, ins: Insert): ColumnMeta[] {
  const b = ctx.b;
  const view = viewTarget(ctx, ins.table, "INSERT");
  if (view) return compileViewInsert(ctx, view, ins);
  const t = writableTable(ctx, ins.table);
  const action: ConflictAction | undefined = ins.orAction;
  const n = t.columns.length;
  // Target column of each supplied value: a table column index, or -1 for an explicit rowid.
  let targets: number[];
  if (ins.columns) {
    targets = ins.columns.map((name) => {
      const i = t.columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
      if (i >= 0 && t.columns[i]!.generated) throw new DbError("DB_ERROR", `cannot INSERT into generated column "${t.columns[i]!.name}"`);
      if (i >= 0) return i;
      if (ROWID_NAMES.has(name.toLowerCase())) return -1;
      throw new DbError("DB_ERROR", `table ${t.name} has no column named ${name}`);
    });
  } else targets = t.columns.flatMap((c, i) => (c.generated ? [] : [i]));
  const ret = ins.returning ? new Returning(ctx, t, ins.returning) : null;
  const cur = openWrite(ctx, t);
  const cols = b.reg(n);
  const rowid = b.reg();
  const deps: UpsertDeps = {
    cursor: cur.table,
    assignments: (set) => assignments(t, set),
    updateRow: (old, sets, skip, r, value) => emitRowUpdate(ctx, t, cur, old, sets, "ABORT", skip, r, value),
  };
  const explicitRowid = targets.includes(-1) || (t.rowidAlias >= 0 && targets.includes(t.rowidAlias));

  const upsert = ins.upsert ? planUpsert(ctx, t, ins, deps, cols, rowid, ret) : null;
  const emitRow = (load: (j: number, target: number) => void) => {
    const skip = b.label();
    const given = new Set(targets);
    for (let i = 0; i < n; i++) {
      if (given.has(i)) continue;
      const d = t.columns[i]!.default;
      if (d) compileExpr(ctx, null, d, cols + i);
      else b.emit(Op.Null, 0, cols + i);
    }
    b.emit(Op.Null, 0, rowid);
    targets.forEach((c, j) => load(j, c < 0 ? rowid : cols + c));
    const aliasReg = t.rowidAlias >= 0 ? cols + t.rowidAlias : -1;
    if (aliasReg >= 0 && targets.includes(t.rowidAlias)) b.emit(Op.Copy, aliasReg, rowid, 0);
    b.emit(Op.Affinity, cols, n, 0, t.columns.map((c) => c.affinity));
    const have = b.label();
    const auto = b.label();
    b.emit(Op.IsNull, rowid, auto);
    b.emit(Op.MustBeInt, rowid);
    b.emit(Op.Goto, 0, have);
    b.place(auto);
    b.emit(Op.NewRowid, cur.table, rowid, autoinc ? autoinc.seq : 0);
    b.place(have);
    if (aliasReg >= 0) b.emit(Op.Copy, rowid, aliasReg, 0);
    computeGenerated(ctx, t, cols, rowid);
    fireTriggers(ctx, t, "INSERT", "BEFORE", { newBase: cols, newRowid: rowid }, skip);
    emitWriteRow(ctx, t, cur, cols, rowid, action, skip, 0, explicitRowid, FLAG_COUNT | FLAG_LASTROWID, upsert);
    if (autoinc && explicitRowid) autoincNoteRowid(ctx, autoinc, rowid);
    ret?.row(cols, rowid);
    fireTriggers(ctx, t, "INSERT", "AFTER", { newBase: cols, newRowid: rowid }, skip);
    b.place(skip);
  };

  // Loaded before the rows (an INSERT ... SELECT reads its source first), saved after the last.
  const autoinc = t.autoincrement && t.rowidAlias >= 0 ? autoincBegin(ctx, t) : null;
  insertSourceRows(ctx, ins, t.name, targets.length, emitRow);
  if (autoinc) autoincEnd(ctx, autoinc);
  ret?.output();
  return ret?.columns ?? [];
}

/**
 * Calls `emitRow` once per row the INSERT's source gives (DEFAULT VALUES, each VALUES row, or the
 * rows of its SELECT, materialized first so the statement never reads its own inserts), with a
 * loader of value j into a register. Throws DB_ERROR when a row's width is not `n` columns.
 */
export function insertSourceRows(ctx: Ctx, ins: Insert, table: string, n: number, emitRow: (load: (j: number, target: number) => void) => void): void {
  const b = ctx.b;
  const src = ins.source;
  const width = (k: number) => {
    if (k !== n) throw new DbError("DB_ERROR", ins.columns ? `${k} values for ${n} columns` : `table ${table} has ${n} columns but ${k} values were supplied`);
  };
  if (src.kind === "default") emitRow(() => undefined);
  else if (src.kind === "values") {
    for (const row of src.rows) {
      width(row.length);
      emitRow((j, target) => compileExpr(ctx, outerScope(ctx), row[j]!, target));
    }
  } else {
    const eph = b.cursor();
    b.emit(Op.OpenEphemeral, eph, 0);
    width(compileSelect(ctx, src.select, { kind: "eph", cursor: eph }, outerScope(ctx)).columns.length);
    const done = b.label();
    const top = b.label();
    b.emit(Op.Rewind, eph, done);
    b.place(top);
    emitRow((j, target) => b.emit(Op.Column, eph, j, target));
    b.emit(Op.Next, eph, top);
    b.place(done);
  }
}

/** The SET clauses of an UPDATE (or upsert) as column index → value (the rowid alias for `rowid`). */
export function assignments(t: Table, set: SetClause[]): Map<number, Expr> {
  const sets = new Map<number, Expr>();
  for (const s of set) {
    s.columns.forEach((name, k) => {
      let i = t.columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
      if (i < 0 && ROWID_NAMES.has(name.toLowerCase())) i = t.rowidAlias >= 0 ? t.rowidAlias : -2;
      if (i < 0) throw new DbError("DB_ERROR", `no such column: ${name}`);
      if (i >= 0 && t.columns[i]!.generated) throw new DbError("DB_ERROR", `cannot UPDATE generated column "${t.columns[i]!.name}"`);
      let value = s.value;
      if (s.columns.length > 1) {
        if (value.kind === "function" && value.name === "") value = value.args[k]!;
        else throw new DbError("DB_ERROR", "row values are not supported yet");
      }
      sets.set(i, value);
    });
  }
  if (sets.has(-2)) throw new DbError("DB_ERROR", "updating the rowid of a table without INTEGER PRIMARY KEY is not supported yet");
  return sets;
}

/**
 * Runs `SELECT t.rowid, values... FROM t [, from] [WHERE where]` into a new ephemeral table and
 * returns its cursor: the rows an UPDATE or DELETE will change, found before any is changed.
 * `head` replaces `t.rowid` (a view's columns, view-dml.ts).
 */
export function collectRows(ctx: Ctx, t: { name: string }, alias: string | undefined, from: FromItem | undefined, where: Expr | undefined, values: Expr[], head?: Expr[]): number {
  const b = ctx.b;
  const eph = b.cursor();
  b.emit(Op.OpenEphemeral, eph, 0);
  // "main": the target is the table, never a CTE of the statement's WITH of the same name.
  const target: FromItem = { kind: "table", schema: "main", name: t.name, ...(alias ? { alias } : {}) };
  // The target joins the FROM clause's result, as SQLite's (which makes a join in FROM a
  // subquery): after its last table, so that USING and NATURAL there see only its own tables and
  // a RIGHT JOIN's unmatched rows are made before the target is joined.
  const withTarget = (item: FromItem): FromItem => ({ kind: "join", op: ",", natural: false, left: item, right: target });
  compileSelect(
    ctx,
    {
      kind: "select",
      core: {
        kind: "core",
        distinct: false,
        columns: [
          ...(head ?? [{ kind: "column", table: alias ?? t.name, name: "rowid" } as Expr]).map((e) => ({ kind: "expr" as const, expr: e, text: "" })),
          ...values.map((e) => ({ kind: "expr" as const, expr: e, text: "" })),
        ],
        from: from ? withTarget(from) : target,
        ...(where ? { where } : {}),
        groupBy: [],
      },
      compound: [],
      orderBy: [],
    },
    { kind: "eph", cursor: eph },
    outerScope(ctx),
  );
  return eph;
}

export function compileUpdate(ctx: Ctx, up: Update): ColumnMeta[] {
  const b = ctx.b;
  const view = viewTarget(ctx, up.table, "UPDATE", up.set.flatMap((s) => s.columns));
  if (view) return compileViewChange(ctx, view, up);
  const t = writableTable(ctx, up.table);
  const sets = assignments(t, up.set);
  // UPDATE ... FROM (lang_update.html#update_from): the SET values are computed in the join (they
  // may read the FROM tables) and kept beside each rowid.
  const values = up.from ? [...sets.entries()] : [];
  const eph = collectRows(ctx, t, up.alias, up.from, up.where, values.map(([, e]) => e));
  const valueColumn = new Map(values.map(([i], j) => [i, 1 + j]));
  // A target row the join matched more than once is updated once, from its first match.
  const seen = up.from ? b.cursor() : -1;
  if (seen >= 0) b.emit(Op.OpenEphemeral, seen, 1);
  const ret = up.returning ? new Returning(ctx, t, up.returning) : null;
  const cur = openWrite(ctx, t);
  const scope = new Scope([tableSource(t, up.alias ?? t.name, cur.table)], outerScope(ctx));
  const done = b.label();
  const top = b.label();
  const next = b.label();
  const old = b.reg();
  b.emit(Op.Rewind, eph, done);
  b.place(top);
  b.emit(Op.Column, eph, 0, old);
  if (seen >= 0) b.emit(Op.EphInsert, seen, old, 1, next);
  b.emit(Op.SeekRowid, cur.table, next, old);
  emitRowUpdate(ctx, t, cur, old, sets, up.orAction, next, ret, (i, target) => {
    if (seen >= 0) b.emit(Op.Column, eph, valueColumn.get(i)!, target);
    else compileExpr(ctx, scope, sets.get(i)!, target);
  });
  b.place(next);
  b.emit(Op.Next, eph, top);
  b.place(done);
  ret?.output();
  return ret?.columns ?? [];
}

/**
 * Updates the row under the table cursor (old rowid in register `old`): the columns in `sets`
 * get `value(i, register)`, the others keep theirs; then UPDATE triggers around the write, and
 * the RETURNING row. `skip` ends this row (a trigger's RAISE(IGNORE), OR IGNORE).
 */
export function emitRowUpdate(ctx: Ctx, t: Table, cur: Cursors, old: number, sets: Map<number, Expr>, action: ConflictAction | undefined, skip: number, ret: Returning | null, value: (i: number, target: number) => void): void {
  const b = ctx.b;
  const n = t.columns.length;
  const cols = b.reg(n);
  const rowid = b.reg();
  const triggers = hasTriggers(t, "UPDATE");
  const oldCols = triggers ? b.reg(n) : 0;
  if (triggers) for (let i = 0; i < n; i++) emitTableColumn(ctx, t, cur.table, i, oldCols + i);
  for (let i = 0; i < n; i++) {
    if (sets.has(i)) value(i, cols + i);
    // Generated columns are computed below, from the new row.
    else if (t.columns[i]!.generated) b.emit(Op.Null, 0, cols + i);
    else emitTableColumn(ctx, t, cur.table, i, cols + i);
  }
  b.emit(Op.Affinity, cols, n, 0, t.columns.map((c) => c.affinity));
  const rowidChanged = t.rowidAlias >= 0 && sets.has(t.rowidAlias);
  if (rowidChanged) {
    b.emit(Op.Copy, cols + t.rowidAlias, rowid, 0);
    b.emit(Op.MustBeInt, rowid);
    b.emit(Op.Copy, rowid, cols + t.rowidAlias, 0);
  } else b.emit(Op.Copy, old, rowid, 0);
  computeGenerated(ctx, t, cols, rowid);
  const setCols = new Set(sets.keys());
  const rows = { newBase: cols, newRowid: rowid, oldBase: oldCols, oldRowid: old };
  if (triggers) fireTriggers(ctx, t, "UPDATE", "BEFORE", rows, skip, setCols);
  emitWriteRow(ctx, t, cur, cols, rowid, action, skip, old, rowidChanged, FLAG_COUNT);
  ret?.row(cols, rowid);
  if (triggers) fireTriggers(ctx, t, "UPDATE", "AFTER", rows, skip, setCols);
}

export function compileDelete(ctx: Ctx, del: Delete): ColumnMeta[] {
  const b = ctx.b;
  const view = viewTarget(ctx, del.table, "DELETE");
  if (view) return compileViewChange(ctx, view, del);
  const t = writableTable(ctx, del.table);
  const triggers = hasTriggers(t, "DELETE");
  if (!del.where && !triggers && !del.returning) {
    // The truncate optimization: clear the table and its indexes wholesale.
    b.emit(Op.Clear, 0, 0, 0, t.rootpage, counted(ctx, FLAG_COUNT), t.name);
    for (const idx of t.indexes) b.emit(Op.Clear, 0, 0, 0, idx.rootpage, 0, idx.name);
    return [];
  }
  const eph = collectRows(ctx, t, del.alias, undefined, del.where, []);
  const ret = del.returning ? new Returning(ctx, t, del.returning) : null;
  const cur = openWrite(ctx, t);
  const done = b.label();
  const top = b.label();
  const next = b.label();
  const rid = b.reg();
  b.emit(Op.Rewind, eph, done);
  b.place(top);
  b.emit(Op.Column, eph, 0, rid);
  b.emit(Op.SeekRowid, cur.table, next, rid);
  if (triggers || ret) {
    const n = t.columns.length;
    const oldCols = b.reg(n);
    for (let i = 0; i < n; i++) emitTableColumn(ctx, t, cur.table, i, oldCols + i);
    const rows = { oldBase: oldCols, oldRowid: rid };
    if (triggers) {
      fireTriggers(ctx, t, "DELETE", "BEFORE", rows, next);
      b.emit(Op.SeekRowid, cur.table, next, rid);
    }
    emitDeleteRow(ctx, t, cur, true);
    ret?.row(oldCols, rid);
    if (triggers) fireTriggers(ctx, t, "DELETE", "AFTER", rows, next);
  } else emitDeleteRow(ctx, t, cur, true);
  b.place(next);
  b.emit(Op.Next, eph, top);
  b.place(done);
  ret?.output();
  return ret?.columns ?? [];
}
