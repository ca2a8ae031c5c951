/**
 * The schema table: a rowid B+tree (root in header meta slot 0) whose rows are
 * (type, name, tbl_name, rootpage, sql), as SQLite's sqlite_schema (fileformat2 §2.6).
 * The catalog is stored in the database file itself and read back on open.
 */
import { BTree, type Pager } from "@db/btree";
import { decodeRecord } from "./record.js";
import { decodeRowidKey } from "./key.js";
import type { SqlValue } from "./value.js";

/** Header meta slots the vm uses (u32 each). */
export const META_SCHEMA_ROOT = 0;
export const META_SCHEMA_VERSION = 1;
export const META_USER_VERSION = 2;

export interface SchemaRow {
  rowid: number | bigint;
  type: string;
  name: string;
  tblName: string;
  rootpage: number;
  sql: string | null;
}

/** Creates the schema table in a new database (call inside a write transaction). Returns its root. */
export function initSchemaTable(pager: Pager): number {
  let root = pager.getMeta(META_SCHEMA_ROOT);
  if (root === 0) {
    root = BTree.create(pager);
    pager.setMeta(META_SCHEMA_ROOT, root);
  }
  return root;
}

/** Reads every schema row (inside a read or write transaction). */
export function readSchemaRows(pager: Pager): SchemaRow[] {
  const root = pager.getMeta(META_SCHEMA_ROOT);
  if (root === 0) return [];
  const tree = new BTree(pager, root);
  const c = tree.cursor();
  const rows: SchemaRow[] = [];
  try {
    for (let ok = c.first(); ok; ok = c.next()) {
      const v: SqlValue[] = decodeRecord(c.value());
      rows.push({
        rowid: decodeRowidKey(c.key()),
        type: String(v[0] ?? ""),
        name: String(v[1] ?? ""),
        tblName: String(v[2] ?? ""),
        rootpage: Number(v[3] ?? 0),
        sql: v[4] === null || v[4] === undefined ? null : String(v[4]),
      });
    }
  } finally {
    c.close();
  }
  return rows;
}
