/**
 * Wires the concrete stack: VFS → WAL → pager → vm, with the SQL layer's catalog and compiler.
 * One Connection per open database file.
 */
import { MemoryVfs, NodeVfs, type Vfs } from "@db/vfs";
import { Wal } from "@db/wal";
import { Pager } from "@db/pager";
import { Vm, initSchemaTable } from "@db/vm";
import { VfsTempStore } from "./temp-store.js";
import { DbError, builtinFunctions, compile, loadSchema, parse, parseStatements, type FunctionDef, type ParsedStatement, type Program, type Schema } from "@db/sql";

export interface OpenOptions {
  /** Open read-only (writes fail with DB_READONLY). */
  readonly?: boolean;
  /** Fail with DB_CANTOPEN if the file does not exist. */
  fileMustExist?: boolean;
  /** A VFS to use instead of the Node file system (":memory:" always uses a MemoryVfs). */
  vfs?: Vfs;
  /** Page size in bytes for a new database (512..65536, power of two). Default 4096. */
  pageSize?: number;
  /** Page cache budget in pages. Default 4096 (16 MiB of 4 KiB pages, as better-sqlite3 builds SQLite). */
  cacheSizePages?: number;
  /**
   * Estimated bytes of rows a sort (ORDER BY) or GROUP BY keeps in memory before it spills to
   * temporary files. Default 16 MiB. Also settable later through `connection.vm.sort.budgetBytes`.
   */
  sortMemoryBytes?: number;
  /** Directory of those temporary files, in the VFS. Default: os.tmpdir() (none for ":memory:"). */
  tempDir?: string;
}

export class Connection {
  readonly vm: Vm;
  readonly pager: Pager;
  readonly wal: Wal;
  readonly memory: boolean;
  /** Temporary files of sorts and groupings; whatever is left is deleted by close(). */
  readonly tempStore: VfsTempStore;
  schema!: Schema;
  /** Bumped whenever the catalog is reloaded; prepared statements recompile when it moves. */
  generation = 0;
  /** Whether statements prepared from now on return INTEGERs as BigInt (`Database.defaultSafeIntegers`). */
  defaultSafeIntegers = false;
  readonly functions: Map<string, FunctionDef> = builtinFunctions();
  open = true;

  constructor(
    readonly path: string,
    options: OpenOptions = {},
  ) {
    this.memory = path === ":memory:" || path === "";
    const vfs = options.vfs ?? (this.memory ? new MemoryVfs() : new NodeVfs());
    const file = this.memory ? "memory.db" : path;
    if (options.fileMustExist && !vfs.exists(file)) throw new DbError("DB_CANTOPEN", `unable to open database file: ${path}`);
    this.wal = Wal.open(vfs, file, { create: !options.readonly, readonly: !!options.readonly });
    try {
      this.pager = Pager.open(this.wal, {
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
        cacheSizePages: options.cacheSizePages ?? 4096,
      });
    } catch (e) {
      this.wal.close();
      throw e;
    }
    this.tempStore = new VfsTempStore(vfs, options.tempDir ?? VfsTempStore.defaultDir(this.memory), { unlinkOnOpen: VfsTempStore.unlinksOpenFiles(vfs) });
    this.vm = new Vm(this.pager, { sort: { tempStore: this.tempStore, ...(options.sortMemoryBytes !== undefined ? { budgetBytes: options.sortMemoryBytes } : {}) } });
    // SQL functions over this connection's counters (SQLite's func.c): rows changed by the last
    // INSERT/UPDATE/DELETE, by all of them (trigger programs included), the last inserted rowid.
    const vm = this.vm;
    this.functions.set("changes", { nArgs: 0, fn: () => vm.changes });
    this.functions.set("total_changes", { nArgs: 0, fn: () => vm.totalChanges });
    this.functions.set("last_insert_rowid", { nArgs: 0, fn: () => vm.lastInsertRowid });
    try {
      if (this.pager.getMeta(0) === 0 && !options.readonly) {
        this.pager.beginWrite();
        try {
          initSchemaTable(this.pager);
          this.pager.commit();
        } catch (e) {
          this.pager.rollback();
          throw e;
        }
      }
      this.reloadSchema();
    } catch (e) {
      // A database that cannot be opened leaves no file handle behind.
      try {
        this.pager.close();
      } catch {
        /* the original error says why */
      }
      throw e;
    }
  }

  reloadSchema(): void {
    const own = this.vm.txnState === "none";
    if (own) this.pager.beginRead();
    try {
      this.schema = loadSchema(this.pager);
    } finally {
      if (own) this.pager.endRead();
    }
    this.generation++;
    this.vm.schemaChanged = false;
  }

  /** Reloads the catalog if a statement changed it (or rolled a change back). */
  afterStatement(program: Program): void {
    if (this.vm.schemaChanged || program.kind === "rollback") this.reloadSchema();
  }

  parse(sql: string): ParsedStatement[] {
    return parse(sql);
  }

  /** Statements one at a time, so those before a syntax error can run first. */
  statements(sql: string): Iterable<ParsedStatement> {
    return parseStatements(sql);
  }

  compile(stmt: ParsedStatement): Program {
    return compile(stmt, this.schema, { functions: this.functions });
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    if (this.vm.txnState === "write") {
      try {
        this.pager.rollback();
      } catch {
        /* closing anyway */
      }
    }
    try {
      this.pager.close();
    } finally {
      this.tempStore.closeAll();
    }
  }
}
