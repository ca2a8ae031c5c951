/**
 * Emits an automatic index (planner Access "auto"): on the first visit of its loop in a run of
 * the statement, the source is scanned once into a transient index (vm autoindex.ts) holding the
 * key columns, every column of the source and the rowid; each outer row then seeks it instead of
 * rescanning the table. The index covers the source, so its columns are read from it.
 */
import { Op } from "@db/vm";
import { probeAffinity, type Access } from "./planner.js";
import type { Ctx, Scope, Source } from "./context.js";
import { compileExpr, emitColumn } from "./expr.js";

type Auto = Extract<Access, { kind: "auto" }>;

export function autoIndexNote(src: Source, acc: Auto, label: string): string {
  return `SEARCH ${label} USING AUTOMATIC COVERING INDEX (${acc.cols.map((c) => `${src.columns[c]!.name}=?`).join(" AND ")})`;
}

/** Builds the index (once), then seeks it with the level's keys; jumps to `fail` when no row matches. */
export function emitAutoIndex(ctx: Ctx, scope: Scope, src: Source, acc: Auto, fail: number): void {
  const b = ctx.b;
  const nKey = acc.cols.length;
  const nCols = src.columns.length;
  // The index is built from the table, also when this level's code is emitted again (the
  // unmatched rows of a RIGHT JOIN run the levels after it a second time).
  delete src.cover;
  const built = b.label();
  b.emit(Op.Once, 0, built);
  b.emit(Op.OpenEphemeral, acc.cursor, 0, 0, { autoIndex: { nKey, collations: acc.collations } });
  const rec = b.reg(nKey + nCols + 1);
  const done = b.label();
  const top = b.label();
  b.emit(Op.Rewind, src.cursor, done);
  b.place(top);
  // Columns are read as the loop would read them (defaults of short records, REAL subquery columns).
  for (let i = 0; i < nCols; i++) emitColumn(ctx, { scope, source: src, col: i }, rec + nKey + i);
  acc.cols.forEach((c, j) => b.emit(Op.Copy, rec + nKey + c, rec + j, 0));
  b.emit(Op.Rowid, src.cursor, rec + nKey + nCols);
  b.emit(Op.EphInsert, acc.cursor, rec, nKey + nCols + 1);
  b.emit(Op.Next, src.cursor, top);
  b.place(done);
  b.place(built);
  const keys = b.reg(nKey);
  acc.keys.forEach((k, j) => compileExpr(ctx, scope, k, keys + j));
  // The key is converted as the comparison with the column would convert it.
  b.emit(Op.Affinity, keys, nKey, 0, acc.cols.map((c, j) => probeAffinity(scope, src.columns[c]!.affinity, acc.keys[j]!)));
  b.emit(Op.SeekPrefix, acc.cursor, fail, keys, nKey);
  src.cover = { cursor: acc.cursor, pos: new Map(src.columns.map((c, i) => [c.index, nKey + i])) };
}
