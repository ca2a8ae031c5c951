/**
 * VACUUM: rebuilds the database compactly inside one write transaction (see
 * packages/btree/src/vacuum.ts): every B+tree (the schema table, each table and index) is
 * rebuilt with its pages packed full, then pages are moved down into the free slots and the
 * database is truncated, so `PRAGMA page_count` drops at once and the file shrinks at the next
 * checkpoint (as in SQLite's WAL mode). Root pages that move are written back to the schema rows
 * (and the schema root to header meta slot 0), and the catalog is reloaded.
 */
import {
  BTree, DbError, META_SCHEMA_ROOT, Op, compactDatabase, decodeRecord, encodeRecord, readSchemaRows,
  type ColumnMeta, type PragmaContext, type SqlValue,
} from "@db/vm";
import type { Vacuum } from "../ast.js";
import type { Ctx } from "./context.js";

export function compileVacuum(ctx: Ctx, st: Vacuum): ColumnMeta[] {
  if (st.into !== undefined) throw new DbError("DB_ERROR", "VACUUM INTO is not supported yet");
  if (st.schema !== undefined && st.schema.toLowerCase() !== "main") throw new DbError("DB_ERROR", `unknown database ${st.schema}`);
  const b = ctx.b;
  b.writes = true;
  b.emit(Op.Transaction, 1);
  const c = b.cursor();
  b.emit(Op.OpenEphemeral, c, 0);
  b.emit(Op.Pragma, c, 0, 0, { run: (pc: PragmaContext) => (vacuum(pc), []), explain: "vacuum" });
  b.emit(Op.SchemaChanged);
  return [];
}

/** Compacts the database of `pc.pager` in the open write transaction. */
export function vacuum(pc: PragmaContext): void {
  const { pager, vm } = pc;
  if (!vm.autocommit) throw new DbError("DB_ERROR", "cannot VACUUM from within a transaction");
  if (vm.active > 1) throw new DbError("DB_ERROR", "cannot VACUUM - SQL statements in progress");
  const schemaRoot = pager.getMeta(META_SCHEMA_ROOT);
  if (schemaRoot === 0) return;
  const rows = readSchemaRows(pager);
  const roots = [schemaRoot, ...rows.filter((r) => r.rootpage > 0).map((r) => r.rootpage)];
  const moved = compactDatabase(pager, roots);
  if (moved.size === 0) return;
  const root = moved.get(schemaRoot) ?? schemaRoot;
  if (root !== schemaRoot) pager.setMeta(META_SCHEMA_ROOT, root);
  // Rewrite the schema rows whose root page moved (column 3 is rootpage).
  const tree = new BTree(pager, root);
  const updates: [Uint8Array, SqlValue[]][] = [];
  const c = tree.cursor();
  try {
    for (let ok = c.first(); ok; ok = c.next()) {
      const values = decodeRecord(c.value());
      const old = Number(values[3] ?? 0);
      const now = moved.get(old);
      if (old > 0 && now !== undefined) {
        values[3] = now;
        updates.push([c.key(), values]);
      }
    }
  } finally {
    c.close();
  }
  for (const [key, values] of updates) tree.put(key, encodeRecord(values));
}
