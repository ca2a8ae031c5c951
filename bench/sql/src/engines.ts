/**
 * One surface over the three engines: @db and better-sqlite3 share better-sqlite3's API and are
 * used directly; sql.js gets a thin wrapper (bind/step/getAsObject/reset), which is how sql.js is
 * used in practice. Each engine is imported from an absolute path handed in by the harness, so the
 * worker bundle itself contains no engine.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { EngineId } from "./types.js";

export interface Stmt {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface Conn {
  readonly id: EngineId;
  /** Main database file, or null for sql.js (in memory). */
  readonly file: string | null;
  exec(sql: string): void;
  prepare(sql: string): Stmt;
  /** Wraps fn in BEGIN/COMMIT. */
  transaction(fn: () => void): () => void;
  /** `PRAGMA source`; throws if the engine does not know it. */
  pragma(source: string): unknown;
  /** Bytes the database takes on disk (main file + WAL) after a checkpoint, or exported image size. */
  sizeOnDisk(): number;
  /** Bytes of the WAL file now (before any checkpoint), 0 for sql.js. */
  walBytes(): number;
  close(): void;
}

interface NativeDb {
  exec(sql: string): unknown;
  prepare(sql: string): Stmt;
  transaction(fn: () => void): () => void;
  pragma(source: string): unknown;
  close(): unknown;
}

function fileBytes(file: string): number {
  let total = 0;
  for (const f of [file, `${file}-wal`]) if (fs.existsSync(f)) total += fs.statSync(f).size;
  return total;
}

class NativeConn implements Conn {
  constructor(
    readonly id: EngineId,
    readonly file: string,
    private readonly db: NativeDb,
  ) {}
  exec(sql: string): void {
    this.db.exec(sql);
  }
  prepare(sql: string): Stmt {
    return this.db.prepare(sql);
  }
  transaction(fn: () => void): () => void {
    return this.db.transaction(fn);
  }
  pragma(source: string): unknown {
    return this.db.pragma(source);
  }
  sizeOnDisk(): number {
    this.db.pragma("wal_checkpoint(TRUNCATE)");
    return fileBytes(this.file);
  }
  walBytes(): number {
    const wal = `${this.file}-wal`;
    return fs.existsSync(wal) ? fs.statSync(wal).size : 0;
  }
  close(): void {
    this.db.close();
  }
}

/* sql.js's own types are not needed: the few calls used are typed here. */
interface SqlJsStatement {
  bind(values: unknown[]): boolean;
  step(): boolean;
  getAsObject(): Record<string, unknown>;
  reset(): void;
  run(values: unknown[]): void;
  free(): void;
}
interface SqlJsDatabase {
  exec(sql: string): unknown;
  run(sql: string): unknown;
  prepare(sql: string): SqlJsStatement;
  export(): Uint8Array;
  close(): void;
}
type SqlJsStatic = { Database: new (data?: Uint8Array) => SqlJsDatabase };

class SqlJsStmt implements Stmt {
  constructor(private readonly s: SqlJsStatement) {}
  run(...params: unknown[]): unknown {
    this.s.run(params);
    return undefined;
  }
  get(...params: unknown[]): unknown {
    const s = this.s;
    s.bind(params);
    const row = s.step() ? s.getAsObject() : undefined;
    s.reset();
    return row;
  }
  all(...params: unknown[]): unknown[] {
    const s = this.s;
    s.bind(params);
    const out: unknown[] = [];
    while (s.step()) out.push(s.getAsObject());
    s.reset();
    return out;
  }
}

class SqlJsConn implements Conn {
  readonly id = "sql.js" as const;
  readonly file = null;
  constructor(
    private readonly db: SqlJsDatabase,
    /** Where sizeOnDisk() writes the exported image (used by the start-up measurement). */
    private readonly imagePath: string,
  ) {}
  exec(sql: string): void {
    this.db.exec(sql);
  }
  prepare(sql: string): Stmt {
    return new SqlJsStmt(this.db.prepare(sql));
  }
  transaction(fn: () => void): () => void {
    return () => {
      this.db.exec("BEGIN");
      try {
        fn();
        this.db.exec("COMMIT");
      } catch (e) {
        this.db.exec("ROLLBACK");
        throw e;
      }
    };
  }
  pragma(source: string): unknown {
    return this.db.exec(`PRAGMA ${source}`);
  }
  /** Exports the image and writes it to disk. Note: sql.js's export() frees every prepared statement. */
  sizeOnDisk(): number {
    const image = this.db.export();
    fs.writeFileSync(this.imagePath, image);
    return image.length;
  }
  walBytes(): number {
    return 0;
  }
  close(): void {
    this.db.close();
  }
}

export async function importEngine(engine: EngineId, modulePath: string): Promise<unknown> {
  const mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  if (engine === "db") return mod.Database;
  if (engine === "better-sqlite3") return mod.default;
  const init = mod.default as () => Promise<SqlJsStatic>;
  return init();
}

/** Database file name of an engine inside its directory. */
export function dbFile(engine: EngineId, dir: string): string {
  return path.join(dir, engine === "sql.js" ? "image.sqlite" : "bench.db");
}

/** Opens (creating) the engine's database in `dir`; better-sqlite3 is switched to WAL. */
export function openConn(engine: EngineId, lib: unknown, dir: string, existing = false): Conn {
  const file = dbFile(engine, dir);
  if (engine === "sql.js") {
    const SQL = lib as SqlJsStatic;
    const db = existing ? new SQL.Database(fs.readFileSync(file)) : new SQL.Database();
    return new SqlJsConn(db, file);
  }
  const Ctor = lib as new (file: string, options?: object) => NativeDb;
  const db = new Ctor(file, existing ? { fileMustExist: true } : {});
  if (engine === "better-sqlite3") db.pragma("journal_mode = WAL");
  return new NativeConn(engine, file, db);
}
