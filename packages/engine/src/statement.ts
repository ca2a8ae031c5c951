/** A prepared statement, with better-sqlite3's surface (run/get/all/iterate, raw, pluck). */
import { DbError, type Execution, type ParsedStatement, type Program, type SqlValue } from "@db/sql";
import type { Connection } from "./connection.js";
import { fromSql, toSql, type OutValue } from "./values.js";

export interface RunResult {
  /** Rows inserted, updated or deleted by this statement. */
  changes: number;
  /** Rowid of the last row inserted by this connection. */
  lastInsertRowid: number | bigint;
}

export interface ColumnDefinition {
  name: string;
  column: string | null;
  table: string | null;
  database: string | null;
  type: string | null;
}

type RowMaker = (r: SqlValue[], at: number, safe: boolean) => Record<string, OutValue>;
const rowMakers = new WeakMap<Program, RowMaker>();

/**
 * A function building a program's row objects from its result registers, generated once per
 * program: an object literal with the column names as keys is several times faster to build than
 * an object filled one computed property at a time. Keys keep the same meaning as assignments
 * (a repeated name: the last value wins).
 */
function rowMaker(p: Program): RowMaker {
  let m = rowMakers.get(p);
  if (m === undefined) {
    const props = p.columns.map((c, i) => `${JSON.stringify(c.name)}: conv(r[at + ${i}], safe)`).join(", ");
    // Generated from JSON-quoted column names only; no other text reaches the source.
    m = new Function("conv", `return (r, at, safe) => ({ ${props} });`)(fromSql) as RowMaker;
    rowMakers.set(p, m);
  }
  return m;
}

export class Statement {
  private program: Program;
  private generation: number;
  private rawMode = false;
  private pluckMode = false;
  private safeInts = false;
  private bound: SqlValue[] | null = null;
  /** The last finished run of `program`, reused by the next one (its registers and cursors). */
  private idle: Execution | null = null;
  /** True while an iterate() is open on this statement. */
  busy = false;

  /** @internal */
  constructor(
    private readonly conn: Connection,
    private readonly parsed: ParsedStatement,
    /** The SQL text this statement was prepared from. */
    readonly source: string,
  ) {
    this.program = conn.compile(parsed);
    this.safeInts = conn.defaultSafeIntegers;
    this.generation = conn.generation;
  }

  /** True if the statement returns rows (SELECT, PRAGMA with a result, EXPLAIN). */
  get reader(): boolean {
    return this.current().columns.length > 0;
  }

  /** True if the statement does not write to the database. */
  get readonly(): boolean {
    return !this.current().writes;
  }

  private current(): Program {
    if (this.generation !== this.conn.generation) {
      this.program = this.conn.compile(this.parsed);
      this.generation = this.conn.generation;
    }
    return this.program;
  }

  /** Return rows as arrays instead of objects. */
  raw(toggle = true): this {
    if (toggle && !this.reader) throw new DbError("DB_MISUSE", "The raw() method is only for statements that return data");
    this.rawMode = toggle;
    if (toggle) this.pluckMode = false;
    return this;
  }

  /** Return only the first column of each row. */
  pluck(toggle = true): this {
    if (toggle && !this.reader) throw new DbError("DB_MISUSE", "The pluck() method is only for statements that return data");
    this.pluckMode = toggle;
    if (toggle) this.rawMode = false;
    return this;
  }

  /** Return INTEGER values as BigInt. */
  safeIntegers(toggle = true): this {
    this.safeInts = toggle;
    return this;
  }

  /** Binds parameters permanently; later calls must pass none. */
  bind(...params: unknown[]): this {
    if (this.bound) throw new DbError("DB_MISUSE", "The bind() method can only be invoked once per statement object");
    this.bound = this.bindParams(params);
    return this;
  }

  columns(): ColumnDefinition[] {
    return this.current().columns.map((c) => ({
      name: c.name,
      column: c.column ?? null,
      table: c.table ?? null,
      database: c.table ? "main" : null,
      type: c.type ?? null,
    }));
  }

  private bindParams(params: unknown[]): SqlValue[] {
    const p = this.current();
    if (this.bound) {
      if (params.length) throw new DbError("DB_MISUSE", "This statement already has bound parameters");
      return this.bound;
    }
    const n = p.nParams;
    if (params.length === n) {
      // The common call: one plain value per positional parameter.
      const out = new Array<SqlValue>(n);
      let i = 0;
      for (; i < n; i++) {
        const a = params[i];
        if (p.paramNames[i] !== null || (a !== null && typeof a === "object" && !(a instanceof Uint8Array) && !(a instanceof Date))) break;
        out[i] = typeof a === "string" ? a : toSql(a, i + 1);
      }
      if (i === n) return out;
    }
    const out: SqlValue[] = new Array<SqlValue>(n).fill(null);
    let pos = 0;
    let named: Record<string, unknown> | null = null;
    const flat: unknown[] = [];
    for (const a of params) {
      if (Array.isArray(a)) flat.push(...a);
      else if (a !== null && typeof a === "object" && !(a instanceof Uint8Array) && !(a instanceof Date)) {
        if (named) throw new DbError("DB_MISUSE", "You cannot specify named parameters in two different objects");
        named = a as Record<string, unknown>;
      } else flat.push(a);
    }
    for (let i = 0; i < p.nParams; i++) {
      const name = p.paramNames[i];
      if (name) {
        const key = name.slice(1);
        if (!named || !(key in named)) throw new DbError("DB_RANGE", `Missing named parameter "${key}"`);
        out[i] = toSql(named[key], `parameter ${name}`);
      } else {
        if (pos >= flat.length) throw new DbError("DB_RANGE", "Too few parameter values were provided");
        out[i] = toSql(flat[pos++], i + 1);
      }
    }
    if (pos < flat.length) throw new DbError("DB_RANGE", "Too many parameter values were provided");
    return out;
  }

  private start(params: unknown[]): Execution {
    if (!this.conn.open) throw new DbError("DB_MISUSE", "The database connection is not open");
    if (this.busy) throw new DbError("DB_MISUSE", "This statement is busy executing a query");
    const values = this.bindParams(params);
    const program = this.current();
    const ex = this.idle;
    // A user function may run this same statement again while it runs: that nested run gets
    // its own Execution.
    if (ex !== null && ex.program === program && !ex.running) {
      ex.reset(values);
      return ex;
    }
    const fresh = this.conn.vm.execute(program, values);
    this.idle = fresh;
    return fresh;
  }

  /** The current row of `ex` as the caller asked for it (object, array or value). */
  private shape(ex: Execution): unknown {
    const safe = this.safeInts;
    const r = ex.r;
    const at = ex.rowStart;
    if (this.pluckMode) return fromSql(ex.rowLen > 0 ? r[at]! : null, safe);
    const n = ex.rowLen;
    if (this.rawMode) {
      const arr = new Array<OutValue>(n);
      for (let i = 0; i < n; i++) arr[i] = fromSql(r[at + i]!, safe);
      return arr;
    }
    const cols = this.program.columns;
    if (n === cols.length) return rowMaker(this.program)(r, at, safe);
    const obj: Record<string, OutValue> = {};
    for (let i = 0; i < cols.length; i++) obj[cols[i]!.name] = fromSql(i < n ? r[at + i]! : null, safe);
    return obj;
  }

  private finish(): void {
    this.conn.afterStatement(this.program);
  }

  /** Executes the statement to completion. Returns changes and lastInsertRowid. */
  run(...params: unknown[]): RunResult {
    const ex = this.start(params);
    try {
      while (ex.step()) {
        /* rows of a reader run() are discarded, as in better-sqlite3 */
      }
    } finally {
      this.finish();
    }
    const vm = this.conn.vm;
    return { changes: this.program.writes ? vm.changes : 0, lastInsertRowid: this.safeInts ? BigInt(vm.lastInsertRowid) : Number(vm.lastInsertRowid) };
  }

  /** The first result row (object, array or value per raw/pluck), or undefined. */
  get(...params: unknown[]): unknown {
    this.requireReader("get");
    const ex = this.start(params);
    try {
      const has = ex.step();
      const row = has ? this.shape(ex) : undefined;
      ex.close();
      return row;
    } finally {
      this.finish();
    }
  }

  /** Every result row. */
  all(...params: unknown[]): unknown[] {
    this.requireReader("all");
    const ex = this.start(params);
    const out: unknown[] = [];
    try {
      while (ex.step()) out.push(this.shape(ex));
    } finally {
      this.finish();
    }
    return out;
  }

  /** Result rows one at a time; rows are produced only as the caller asks. */
  *iterate(...params: unknown[]): IterableIterator<unknown> {
    this.requireReader("iterate");
    const ex = this.start(params);
    this.busy = true;
    try {
      while (ex.step()) yield this.shape(ex);
    } finally {
      ex.close();
      this.busy = false;
      this.finish();
    }
  }

  private requireReader(what: string): void {
    if (!this.reader) throw new DbError("DB_MISUSE", `The ${what}() method is only for statements that return data`);
  }
}
