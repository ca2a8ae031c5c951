/**
 * Scratch storage for data that does not fit the VM's memory budget (sort runs, spilled groups).
 * The VM may import only @db/btree, so it never opens files itself: the composition root
 * (@db/engine) passes a `TempStore` built over its VFS. Without one, the VM keeps everything in
 * memory.
 */

/** One temporary file. Offsets and sizes are in bytes. */
export interface TempFile {
  /** Writes all of `data` at byte `offset`, growing the file as needed. Throws DbError (DB_IOERR, DB_FULL). */
  write(data: Uint8Array, offset: number): void;
  /**
   * Reads up to `buf.length` bytes at byte `offset` into `buf`; returns the count read, fewer only
   * at the end of the file. Throws DbError (DB_IOERR).
   */
  read(buf: Uint8Array, offset: number): number;
  /** Closes and deletes the file. Idempotent. Throws DbError (DB_IOERR) if the delete fails. */
  close(): void;
}

/** Creates temporary files; each is deleted by its `close()` (and by the store's owner on shutdown). */
export interface TempStore {
  /** A new empty temporary file. Throws DbError (DB_CANTOPEN, DB_IOERR). */
  create(): TempFile;
}

/** Memory budget for sorting and grouping, and where to spill past it. */
export interface SortOptions {
  /** Where runs go past the budget; null: never spill (everything stays in memory). */
  tempStore: TempStore | null;
  /** Estimated bytes of rows held in memory before a run is written out. Default 16 MiB. */
  budgetBytes: number;
}

/** DecentDB's default sort buffer. */
export const DEFAULT_SORT_BUDGET_BYTES = 16 * 1024 * 1024;
