/**
 * The file abstraction every storage layer is written against.
 * All offsets and sizes are in bytes. All methods are synchronous.
 * Every method throws `DbError` (`DB_IOERR`, `DB_FULL`, `DB_CANTOPEN`) on failure, never a raw OS error.
 */
export interface VfsFile {
  /** The path this file was opened with. */
  readonly path: string;
  /**
   * Reads up to `buf.length` bytes at byte `offset` into the caller-owned `buf`.
   * Returns the number of bytes read; fewer than `buf.length` only at end of file
   * (the unread tail of `buf` is left unchanged).
   */
  read(buf: Uint8Array, offset: number): number;
  /** Writes all of `buf` at byte `offset`, growing the file if needed. */
  write(buf: Uint8Array, offset: number): void;
  /**
   * Makes every previous write durable, and the file size with it (fsync, or fdatasync: the data
   * and the metadata needed to read it back, not timestamps).
   */
  sync(): void;
  /** Sets the file length to `size` bytes. */
  truncate(size: number): void;
  /** Current file length in bytes. */
  size(): number;
  /** Releases the handle. Further calls throw DB_MISUSE. */
  close(): void;
}

export interface OpenOptions {
  /** Create the file if it does not exist (default false: DB_CANTOPEN if missing). */
  create?: boolean;
  /** Open read-only. */
  readonly?: boolean;
}

export interface Vfs {
  /** A short name for messages: "node", "memory", "sim". */
  readonly name: string;
  open(path: string, options?: OpenOptions): VfsFile;
  exists(path: string): boolean;
  /** Removes a file; no error if it does not exist. */
  delete(path: string): void;
  /** Makes the directory entry of `path` durable (fsync of the parent directory). */
  syncDir(path: string): void;
}
