/**
 * What the shell needs from a database. `@db/engine` fulfils it; the shell never sees the
 * storage stack, so any engine (or a test double) can be handed to it.
 */
export type ShellValue = null | number | bigint | string | Uint8Array;

export interface ShellResult {
  /** Column names, in order. Empty for statements that return no rows (INSERT, CREATE ...). */
  columns: string[];
  rows: ShellValue[][];
}

export interface ShellConnection {
  /**
   * Runs every statement of `sql` in order. For each statement that produces a result table
   * (SELECT, PRAGMA, EXPLAIN ...) calls `onResult` once with its columns and rows.
   * Throws `DbError` (from @db/sql) at the first failing statement; earlier statements stay applied.
   */
  exec(sql: string, onResult: (result: ShellResult) => void): void;
  /** Names of tables and views, sorted, for `.tables`. */
  tables(): string[];
  /** CREATE statements of the schema (or of one table and its indexes), for `.schema`. */
  schema(table?: string): string[];
  /** The path the database was opened from (":memory:" for memory). */
  readonly path: string;
  close(): void;
}
