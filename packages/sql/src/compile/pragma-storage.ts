/**
 * Storage pragmas: `cache_size` (get/set, SQLite's meaning: > 0 pages, < 0 KiB; the default is
 * the connection's, 4096 pages in @db/engine) and `page_size`. PRAGMA page_count and
 * freelist_count are in pragma.ts.
 */
import { DbError, META_USER_VERSION, initSchemaTable, readSchemaRows, type PragmaContext } from "@db/vm";
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

// The page size is fixed when the database is created: as in SQLite, `PRAGMA page_size = N` takes
// effect only while the database holds nothing (before the first table), and is silently ignored
// after that, inside BEGIN, or for a size that is not a power of two in 512..65536.
extraPragmas.set("page_size", (_ctx, p) => {
  if (p.value !== undefined) {
    const n = integer(p.value);
    return { columns: [], rows: (c) => (setPageSize(c, n), []) };
  }
  return { columns: ["page_size"], rows: (c) => [[c.pager.pageSize]] };
});

function setPageSize(c: PragmaContext, n: number): void {
  const { pager, vm } = c;
  if (n < 512 || n > 65536 || (n & (n - 1)) !== 0 || n === pager.pageSize) return;
  if (!vm.autocommit || pager.inWrite || !isEmptyDatabase(c)) return;
  pager.reformat(n);
  pager.beginWrite();
  try {
    initSchemaTable(pager);
    pager.commit();
  } catch (e) {
    pager.rollback();
    throw e;
  }
  vm.forgetTrees();
  vm.schemaChanged = true;
}

/** Nothing but what creating the database wrote: the header, an empty schema table, no user_version. */
function isEmptyDatabase({ pager }: PragmaContext): boolean {
  return pager.pageCount() <= 2 && pager.freelistCount() === 0 && pager.getMeta(META_USER_VERSION) === 0 && readSchemaRows(pager).length === 0;
}
