/**
 * Stable error codes of every @db layer. Codes never change meaning once published;
 * callers switch on `code` (and `subcode` for constraints), never on the message.
 */
export type ErrorCode =
  | "DB_ERROR" // generic SQL error: unknown table/column, bad statement
  | "DB_SYNTAX" // malformed SQL; carries line/column
  | "DB_CONSTRAINT" // NOT NULL, PRIMARY KEY, UNIQUE, CHECK violation; see subcode
  | "DB_CORRUPT" // on-disk structure is invalid; carries pgno when known
  | "DB_NOTADB" // the file is not a @db database
  | "DB_IOERR" // the operating system reported an I/O failure
  | "DB_FULL" // disk (or quota) full
  | "DB_BUSY" // another transaction holds the lock
  | "DB_READONLY" // write attempted on a read-only connection or after a failed fsync
  | "DB_MISUSE" // API used out of order (statement finalized, database closed)
  | "DB_RANGE" // parameter index or name out of range
  | "DB_TOOBIG" // string, blob or key larger than the documented maximum
  | "DB_MISMATCH" // datatype mismatch (e.g. non-integer rowid)
  | "DB_CANTOPEN" // file cannot be opened
  | "DB_INTERRUPT"; // operation interrupted

export type ConstraintKind = "NOTNULL" | "PRIMARYKEY" | "UNIQUE" | "CHECK" | "FOREIGNKEY";

export interface DbErrorOptions {
  /** Page number involved, for corruption. 0 or absent: unknown. */
  pgno?: number;
  /** Finer code, e.g. `DB_CONSTRAINT_UNIQUE` or `DB_IOERR_FSYNC`. */
  subcode?: string;
  /** 1-based line and column, for syntax errors. */
  line?: number;
  column?: number;
  cause?: unknown;
}

/** The one error type thrown by every @db layer. */
export class DbError extends Error {
  readonly code: ErrorCode;
  readonly subcode: string | undefined;
  readonly pgno: number | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(code: ErrorCode, message: string, options: DbErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DbError";
    this.code = code;
    this.subcode = options.subcode;
    this.pgno = options.pgno;
    this.line = options.line;
    this.column = options.column;
  }
}

/** Corruption of page `pgno`: the message names the page. */
export function corruptError(pgno: number, what: string): DbError {
  return new DbError("DB_CORRUPT", `database disk image is malformed: page ${pgno}: ${what}`, { pgno });
}

/** Wraps an operating-system error from a file operation as DB_IOERR or DB_FULL. */
export function ioError(op: string, path: string, cause: unknown): DbError {
  const errno = (cause as { code?: string } | null)?.code;
  if (errno === "ENOSPC" || errno === "EDQUOT") {
    return new DbError("DB_FULL", `database or disk is full (${op} ${path})`, { subcode: "DB_FULL", cause });
  }
  return new DbError("DB_IOERR", `disk I/O error: ${op} ${path}${errno ? ` (${errno})` : ""}`, {
    subcode: `DB_IOERR_${op.toUpperCase()}`,
    cause,
  });
}
