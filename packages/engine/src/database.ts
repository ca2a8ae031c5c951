/**
 * The public API, mirroring better-sqlite3 so that code written for it ports with an import change:
 * `new Database(path)`, `prepare`, `exec`, `transaction`, `pragma`, `function`, `close`.
 */
import { DbError, type SqlValue } from "@db/sql";
import { Connection, type OpenOptions } from "./connection.js";
import { Statement } from "./statement.js";
import { fromSql, toSql } from "./values.js";

export type DatabaseOptions = OpenOptions;

export interface FunctionOptions {
  /** Accept any number of arguments. */
  varargs?: boolean;
  deterministic?: boolean;
  safeIntegers?: boolean;
}

type TxFn<A extends unknown[], R> = ((...args: A) => R) & {
  deferred: (...args: A) => R;
  immediate: (...args: A) => R;
  exclusive: (...args: A) => R;
};

export class Database {
  /** @internal */
  readonly conn: Connection;
  /** The path the database was opened with. */
  readonly name: string;
  private txDepth = 0;

  /**
   * Opens (creating if needed) the database at `path`; ":memory:" or "" for an in-memory database.
   * Throws DbError: DB_NOTADB if the file is not a database, DB_CANTOPEN, DB_IOERR, DB_CORRUPT.
   */
  constructor(path = ":memory:", options: DatabaseOptions = {}) {
    this.name = path;
    this.conn = new Connection(path, options);
  }

  get open(): boolean {
    return this.conn.open;
  }
  get memory(): boolean {
    return this.conn.memory;
  }
  get readonly(): boolean {
    return false;
  }
  get inTransaction(): boolean {
    return this.conn.open && this.conn.vm.inTransaction;
  }

  private ensureOpen(): void {
    if (!this.conn.open) throw new DbError("DB_MISUSE", "The database connection is not open");
  }

  /**
   * Sets whether statements prepared from now on return INTEGER values as BigInt (each
   * statement can still change it with `Statement.safeIntegers`), as better-sqlite3's
   * `defaultSafeIntegers`. Default false: numbers, with values beyond 2^53 rounded.
   */
  defaultSafeIntegers(toggle = true): this {
    this.conn.defaultSafeIntegers = toggle;
    return this;
  }

  /** Compiles one statement. Throws DB_SYNTAX (with line/column) or DB_ERROR (unknown table, column...). */
  prepare(sql: string): Statement {
    this.ensureOpen();
    const stmts = this.conn.parse(sql);
    if (stmts.length === 0) throw new DbError("DB_MISUSE", "The supplied SQL string contains no statements");
    if (stmts.length > 1) throw new DbError("DB_MISUSE", "The supplied SQL string contains more than one statement");
    return new Statement(this.conn, stmts[0]!, sql);
  }

  /** Runs every statement of `sql` in order; stops at the first error (earlier ones stay applied). */
  exec(sql: string): this {
    this.ensureOpen();
    for (const parsed of this.conn.statements(sql)) new Statement(this.conn, parsed, parsed.text).run();
    return this;
  }

  /** Runs `source` as `PRAGMA source`; with `simple`, returns the first column of the first row. */
  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const stmt = this.prepare(`PRAGMA ${source}`);
    if (!stmt.reader) {
      stmt.run();
      return options.simple ? undefined : [];
    }
    return options.simple ? stmt.pluck().get() : stmt.all();
  }

  /**
   * Wraps `fn` in BEGIN/COMMIT; an exception rolls back and is rethrown.
   * Called inside an open transaction, it runs in a savepoint instead (as better-sqlite3 does),
   * so an exception undoes only the nested part.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): TxFn<A, R> {
    const make = (mode: string) => (...args: A): R => {
      if (this.inTransaction) {
        const name = `_db_tx_${++this.txDepth}`;
        this.exec(`SAVEPOINT ${name}`);
        try {
          const r = fn(...args);
          this.exec(`RELEASE ${name}`);
          return r;
        } catch (e) {
          this.exec(`ROLLBACK TO ${name}`);
          this.exec(`RELEASE ${name}`);
          throw e;
        } finally {
          this.txDepth--;
        }
      }
      this.exec(`BEGIN ${mode}`);
      try {
        const r = fn(...args);
        this.exec("COMMIT");
        return r;
      } catch (e) {
        if (this.inTransaction) this.exec("ROLLBACK");
        throw e;
      }
    };
    const f = make("DEFERRED") as TxFn<A, R>;
    f.deferred = make("DEFERRED");
    f.immediate = make("IMMEDIATE");
    f.exclusive = make("EXCLUSIVE");
    return f;
  }

  /** Registers a user scalar function callable from SQL. */
  function(name: string, optionsOrFn: FunctionOptions | ((...args: never[]) => unknown), maybeFn?: (...args: never[]) => unknown): this {
    const options = typeof optionsOrFn === "function" ? {} : optionsOrFn;
    const fn = (typeof optionsOrFn === "function" ? optionsOrFn : maybeFn) as (...args: unknown[]) => unknown;
    if (typeof fn !== "function") throw new DbError("DB_MISUSE", "Expected a function");
    const safe = !!options.safeIntegers;
    this.conn.functions.set(name.toLowerCase(), {
      nArgs: options.varargs ? -1 : fn.length,
      deterministic: !!options.deterministic,
      fn: (args: SqlValue[]) => toSql(fn(...args.map((a) => fromSql(a, safe))), `function ${name}`),
    });
    this.conn.generation++; // recompile statements that may call it
    return this;
  }

  /** Closes the database; a pending transaction is rolled back. */
  close(): this {
    this.conn.close();
    return this;
  }
}
