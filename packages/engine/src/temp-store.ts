/**
 * The VM's scratch storage (sort runs, spilled GROUP BY rows) as files of the connection's VFS:
 * on disk in a temporary directory for a file database, in memory for ":memory:" (its
 * MemoryVfs). Files are never synced (they do not outlive the statement) and are deleted when
 * the sorter closes; whatever is still open when the connection closes is deleted then.
 * With `unlinkOnOpen` (the Node file system on POSIX, as SQLite does) a file is deleted right after
 * it is opened and lives on through its handle, so not even a crash leaves it behind.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DbError, NodeVfs, type Vfs, type VfsFile } from "@db/vfs";
import type { TempFile, TempStore } from "@db/vm";

/** Names contain "-sort-", which tests (and FaultVfs rules) use to pick temporary files out. */
const PREFIX = "db-sort-";

class VfsTempFile implements TempFile {
  private file: VfsFile | null;
  private deleted = false;

  constructor(
    private readonly store: VfsTempStore,
    readonly path: string,
    file: VfsFile,
    deleted: boolean,
  ) {
    this.file = file;
    this.deleted = deleted;
  }

  write(data: Uint8Array, offset: number): void {
    this.handle().write(data, offset);
  }

  read(buf: Uint8Array, offset: number): number {
    return this.handle().read(buf, offset);
  }

  private handle(): VfsFile {
    if (this.file === null) throw new DbError("DB_MISUSE", `temporary file is closed: ${this.path}`);
    return this.file;
  }

  /** Closes the handle and deletes the file; a failed delete keeps it listed so closeAll retries. */
  close(): void {
    const f = this.file;
    let failure: unknown = null;
    if (f !== null) {
      this.file = null;
      try {
        f.close();
      } catch (e) {
        failure = e;
      }
    }
    if (!this.deleted) {
      this.store.vfs.delete(this.path);
      this.deleted = true;
    }
    this.store.forget(this);
    if (failure !== null) throw failure;
  }
}

export class VfsTempStore implements TempStore {
  private readonly open = new Set<VfsTempFile>();
  private seq = 0;
  // Unique among this machine's processes (pid) and this process's stores; needs no crypto.
  private readonly tag = `${process.pid}-${Math.floor(Math.random() * 0xffffffff).toString(16)}`;

  /**
   * Files go in `dir` of `vfs` ("" for a MemoryVfs, where paths are only names). `unlinkOnOpen`
   * only for a VFS whose open handles survive the delete of their path (POSIX file systems).
   */
  constructor(
    readonly vfs: Vfs,
    readonly dir: string,
    private readonly options: { unlinkOnOpen?: boolean } = {},
  ) {}

  /** Whether `vfs` keeps an open file readable and writable after its path is deleted: NodeVfs on POSIX. */
  static unlinksOpenFiles(vfs: Vfs): boolean {
    return vfs instanceof NodeVfs && process.platform !== "win32";
  }

  /** The default directory: the OS temporary directory for the Node file system, none in memory. */
  static defaultDir(memory: boolean): string {
    return memory ? "" : tmpdir();
  }

  create(): TempFile {
    const name = `${PREFIX}${this.tag}-${++this.seq}.tmp`;
    const path = this.dir ? join(this.dir, name) : name;
    const handle = this.vfs.open(path, { create: true });
    let deleted = false;
    if (this.options.unlinkOnOpen) {
      try {
        this.vfs.delete(path);
        deleted = true;
      } catch {
        /* deleted at close instead */
      }
    }
    const f = new VfsTempFile(this, path, handle, deleted);
    this.open.add(f);
    return f;
  }

  /** @internal */
  forget(f: VfsTempFile): void {
    this.open.delete(f);
  }

  /** Temporary files currently open (for tests and diagnostics). */
  get openFiles(): readonly string[] {
    return [...this.open].map((f) => f.path);
  }

  /** Closes and deletes every file still open (connection close). Throws the first failure after trying all. */
  closeAll(): void {
    let first: unknown = null;
    for (const f of [...this.open]) {
      try {
        f.close();
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== null) throw first;
  }
}
