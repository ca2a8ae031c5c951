/**
 * Storage pragmas: `cache_size` (get/set, SQLite's meaning: > 0 pages, < 0 KiB; the default is
 * the connection's, 4096 pages in @db/engine) and `page_size`. PRAGMA page_count and
 * freelist_count are in pragma.ts.
 */
import { DbError } from "@db/vm";
import { extraPragmas } from "./pragma.js";

function integer(v: string): number {
  const n = Number(v.trim());
  if (!Number.isFinite(n)) throw new DbError("DB_ERROR", `invalid pragma value: ${v}`);
  return Math.trunc(n);
}

extraPragmas.set("cache_size", (_ctx, p) => {
  if (p.value !== undefined) {
    const n = integer(p.value);
    return { columns: [], rows: (c) => (c.pager.setCacheSize(n), []) };
  }
  return { columns: ["cache_size"], rows: (c) => [[c.pager.cacheSize]] };
});

// The page size is fixed when the database is created (the connection's `pageSize` open option):
// as in SQLite's WAL mode, assigning a different value later is silently ignored.
extraPragmas.set("page_size", (_ctx, p) => {
  if (p.value !== undefined) {
    integer(p.value);
    return { columns: [], rows: () => [] };
  }
  return { columns: ["page_size"], rows: (c) => [[c.pager.pageSize]] };
});
