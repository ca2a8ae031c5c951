import { DbError, ioError } from "../errors.js";
import type { OpenOptions, Vfs, VfsFile } from "../vfs.js";
import { type CrashOptions, type CrashPolicy, crashImage } from "./crash.js";
import { Disk, dirOf, type Inode } from "./disk.js";
import { FaultRules, type SimFault, type SimFaultRule } from "./faults.js";
import type { SimOpInfo, SimOpKind, SimTrace, SimTraceEntry } from "./trace.js";

/**
 * Thrown by every call of a `SimVfs` from its crash point on (`crashAt`, or an `onOp` hook
 * throwing it): the power is cut, nothing more reaches the disk. Not a `DbError`, so code under
 * test does not mistake it for an I/O error; `SimVfs.crash` then gives the image.
 */
export class SimCrash extends Error {
  /** `seq` of the call at which the power was cut (0 if thrown by a test outside any call). */
  constructor(readonly seq = 0) {
    super(`simulated power cut at operation ${seq}`);
    this.name = "SimCrash";
  }
}

/** Options of `new SimVfs`. */
export interface SimVfsOptions {
  /** Seed of the run: recorded in the trace and the default seed of `crash` (default 1). */
  seed?: number;
  /** Cut the power at the n-th call (1-based) of a kind in `crashOn`: see `setCrashAt`. */
  crashAt?: number;
  /** Kinds counted by `crashAt` (default: every kind). */
  crashOn?: readonly SimOpKind[];
  /** Called before every call; see `setOnOp`. */
  onOp?: (op: SimOpInfo) => void;
  /** Byte quota; see `setQuota` (default: none). */
  quota?: number;
  /** Keep trace entries (default true). Counters for `opCount` are kept either way. */
  trace?: boolean;
}

/** The shared state behind a `SimVfs` and its open files. Not exported from the package. */
class Kernel {
  disk = new Disk();
  readonly faults = new FaultRules();
  readonly entries: SimTraceEntry[] = [];
  readonly counts = new Map<SimOpKind, number>();
  seq = 0;
  quota: number | null = null;
  crashAt: number | null = null;
  crashOn: ReadonlySet<SimOpKind> | null = null;
  crashCount = 0;
  onOp: ((op: SimOpInfo) => void) | null = null;
  crashed: SimCrash | null = null;

  constructor(
    readonly seed: number,
    readonly record: boolean,
  ) {}

  /** Counts, traces and runs one call, after the crash point and the hook had their say. */
  run<T>(
    op: SimOpKind,
    path: string,
    offset: number | undefined,
    length: number | undefined,
    body: (entry: SimTraceEntry) => T,
  ): T {
    if (this.crashed) throw new SimCrash(this.crashed.seq);
    const seq = ++this.seq;
    this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
    const entry: SimTraceEntry = {
      seq,
      op,
      path,
      ...(offset === undefined ? {} : { offset }),
      ...(length === undefined ? {} : { length }),
      result: "ok",
    };
    if (this.record) this.entries.push(entry);
    try {
      const counted = this.crashAt !== null && (this.crashOn === null || this.crashOn.has(op));
      if (counted && ++this.crashCount === this.crashAt) throw new SimCrash(seq);
      this.onOp?.({ ...entry });
      return body(entry);
    } catch (e) {
      if (e instanceof SimCrash) {
        this.crashed = e.seq === 0 ? new SimCrash(seq) : e;
        entry.result = "crash";
        throw this.crashed;
      }
      entry.result = e instanceof DbError ? e.code : "error";
      throw e;
    }
  }

  /** The fault rule that fails this call, if any, marking the entry. */
  fault(op: SimFaultRule["op"], path: string, entry: SimTraceEntry): SimFault | null {
    const fault = this.faults.check(op, path);
    if (fault) entry.fault = true;
    return fault;
  }

  /** DB_FULL if growing the disk by `growth` bytes would pass the quota. */
  checkQuota(growth: number, op: string, path: string): void {
    if (this.quota !== null && growth > 0 && this.disk.usedBytes() + growth > this.quota) {
      throw ioError(op, path, { code: "ENOSPC" });
    }
  }
}

function errno(fault: SimFault): { code: string } {
  return { code: fault.rule.kind === "full" ? "ENOSPC" : "EIO" };
}

function checkBytes(what: string, n: number, path: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new DbError("DB_MISUSE", `${what} must be a non-negative integer, got ${n} (${path})`);
  }
}

/** An open file of a `SimVfs`. Reads see every write; only `sync` makes them durable. */
class SimFile implements VfsFile {
  private closed = false;

  constructor(
    private readonly k: Kernel,
    readonly path: string,
    private readonly inode: Inode,
    private readonly readonly: boolean,
  ) {}

  private usable(): Inode {
    if (this.closed) throw new DbError("DB_MISUSE", `file is closed: ${this.path}`);
    return this.inode;
  }

  private writable(): Inode {
    const inode = this.usable();
    if (this.readonly) throw new DbError("DB_READONLY", `file is read-only: ${this.path}`);
    return inode;
  }

  read(buf: Uint8Array, offset: number): number {
    return this.k.run("read", this.path, offset, buf.length, (entry) => {
      const data = this.usable().current;
      checkBytes("read offset", offset, this.path);
      const fault = this.k.fault("read", this.path, entry);
      if (fault && fault.rule.kind === "short") {
        const half = Math.floor(Math.max(0, Math.min(buf.length, data.size - offset)) / 2);
        data.read(buf.subarray(0, half), offset);
        entry.result = "short";
        return (entry.bytes = half);
      }
      if (fault) throw ioError("read", this.path, errno(fault));
      return (entry.bytes = data.read(buf, offset));
    });
  }

  write(buf: Uint8Array, offset: number): void {
    this.k.run("write", this.path, offset, buf.length, (entry) => {
      const inode = this.writable();
      checkBytes("write offset", offset, this.path);
      const fault = this.k.fault("write", this.path, entry);
      const data = fault?.rule.kind === "short" ? buf.subarray(0, buf.length >> 1) : buf;
      if (fault && fault.rule.kind !== "short") throw ioError("write", this.path, errno(fault));
      if (data.length > 0) this.k.checkQuota(offset + data.length - inode.current.size, "write", this.path);
      inode.write(data, offset);
      entry.bytes = data.length;
      if (fault) throw ioError("write", this.path, { code: "EIO" });
    });
  }

  sync(): void {
    this.k.run("sync", this.path, undefined, undefined, (entry) => {
      const inode = this.usable();
      const fault = this.k.fault("sync", this.path, entry);
      if (fault) {
        const mode = fault.rule.fsyncMode ?? "error-drop";
        if (mode === "error-drop" || mode === "late") inode.drop();
        if (mode === "error-drop" || mode === "error-keep") throw ioError("fsync", this.path, errno(fault));
        if (mode === "late") inode.lateError = errno(fault).code;
        entry.result = mode;
        return;
      }
      inode.sync();
      const late = inode.lateError;
      if (late !== null) {
        inode.lateError = null;
        entry.fault = true;
        throw ioError("fsync", this.path, { code: late });
      }
    });
  }

  truncate(size: number): void {
    this.k.run("truncate", this.path, undefined, size, (entry) => {
      const inode = this.writable();
      checkBytes("truncate size", size, this.path);
      const fault = this.k.fault("truncate", this.path, entry);
      if (fault) throw ioError("truncate", this.path, errno(fault));
      this.k.checkQuota(size - inode.current.size, "truncate", this.path);
      inode.truncate(size);
    });
  }

  size(): number {
    return this.k.run("size", this.path, undefined, undefined, () => this.usable().current.size);
  }

  close(): void {
    this.k.run("close", this.path, undefined, undefined, () => {
      this.usable();
      this.closed = true;
    });
  }
}

/**
 * A simulated disk with a volatile cache, for crash and fault testing (see packages/vfs/TESTING.md).
 *
 * Each file has durable bytes plus an ordered list of pending operations (writes and truncates);
 * reads see the durable bytes with the pending operations applied, `VfsFile.sync` makes that
 * file's pending operations durable. Creating and deleting a file are pending changes of its
 * directory until `syncDir` of a path in that directory. `crash` returns the image a power cut
 * would leave; `fail`, `setQuota` and the fsync modes inject errors; `trace` and `opCount` record
 * every call. All sizes and offsets are bytes. Deterministic: the same calls, seeds and rules
 * always give the same results.
 *
 * Errors, as `NodeVfs` would throw them: DB_CANTOPEN (missing file, failed open), DB_IOERR and
 * DB_FULL (injected faults, quota), DB_READONLY (writing a read-only handle), DB_MISUSE (closed
 * handle, negative or fractional offset or size, malformed rule); `SimCrash` from the crash point on.
 */
export class SimVfs implements Vfs {
  readonly name = "sim";
  readonly #k: Kernel;

  constructor(options: SimVfsOptions = {}) {
    this.#k = new Kernel(options.seed ?? 1, options.trace ?? true);
    if (options.crashAt !== undefined) this.setCrashAt(options.crashAt, options.crashOn);
    if (options.onOp) this.setOnOp(options.onOp);
    if (options.quota !== undefined) this.setQuota(options.quota);
  }

  /** The seed given to the constructor (or to `crash`, for an image). */
  get seed(): number {
    return this.#k.seed;
  }

  /** True once the power has been cut (`crashAt` reached, or a hook threw `SimCrash`). */
  get crashed(): boolean {
    return this.#k.crashed !== null;
  }

  /**
   * Opens `path`. DB_CANTOPEN if it does not exist and `create` is not set (or `readonly` is),
   * or if a fault rule fails the open. Creating a file is a pending directory change until `syncDir`.
   */
  open(path: string, options: OpenOptions = {}): VfsFile {
    const k = this.#k;
    return k.run("open", path, undefined, undefined, (entry) => {
      const fault = k.fault("open", path, entry);
      if (fault) {
        const cause = errno(fault);
        const message = `unable to open file: ${path} (${cause.code})`;
        throw new DbError("DB_CANTOPEN", message, { subcode: "DB_CANTOPEN", cause });
      }
      let inode = k.disk.lookup(path);
      if (inode === undefined) {
        if (!options.create || options.readonly) {
          throw new DbError("DB_CANTOPEN", `unable to open file: ${path} (ENOENT)`, { subcode: "DB_CANTOPEN" });
        }
        inode = k.disk.create(path);
      }
      return new SimFile(k, path, inode, options.readonly ?? false);
    });
  }

  /** True if `path` currently has a directory entry (durable or not). */
  exists(path: string): boolean {
    return this.#k.run("exists", path, undefined, undefined, () => this.#k.disk.dir.has(path));
  }

  /**
   * Removes the entry of `path` (no error if missing); open handles keep working, as with POSIX
   * unlink. The removal is pending until `syncDir`. DB_IOERR / DB_FULL from a fault rule.
   */
  delete(path: string): void {
    const k = this.#k;
    k.run("delete", path, undefined, undefined, (entry) => {
      const fault = k.fault("delete", path, entry);
      if (fault) throw ioError("delete", path, errno(fault));
      k.disk.remove(path);
    });
  }

  /**
   * Makes every pending creation and deletion in the directory holding `path` durable
   * ("/a/b" syncs "/a"; a path without "/" syncs "."). DB_IOERR / DB_FULL from a fault rule,
   * in which case the changes stay pending.
   */
  syncDir(path: string): void {
    const k = this.#k;
    k.run("syncDir", path, undefined, undefined, (entry) => {
      const fault = k.fault("syncDir", path, entry);
      if (fault) throw ioError("dirsync", dirOf(path), errno(fault));
      k.disk.syncDir(dirOf(path));
    });
  }

  /**
   * Makes the `nth` matching call fail (and every later one if `persistent`); see `SimFaultRule`.
   * Returns the rule, whose `calls` and `fired` counters tell whether it was reached.
   * DB_MISUSE if `nth` is not an integer >= 1, or `fsyncMode` is given for another op than "sync".
   */
  fail(rule: SimFaultRule): SimFault {
    return this.#k.faults.add(rule);
  }

  /** Removes every fault rule. */
  clearFaults(): void {
    this.#k.faults.clear();
  }

  /**
   * Sets a quota of `bytes` on the total size of the files that have a name (null: no quota).
   * A write or truncate that would grow that total past the quota throws DB_FULL and changes
   * nothing; calls that do not grow it always succeed. DB_MISUSE if `bytes` is negative.
   */
  setQuota(bytes: number | null): void {
    if (bytes !== null) checkBytes("quota", bytes, "setQuota");
    this.#k.quota = bytes;
  }

  /**
   * Cuts the power at the `n`-th call (1-based, counted from now) whose kind is in `kinds`
   * (default: every kind): that call does nothing and throws `SimCrash`, and so does every later
   * call. `null` removes the crash point. To crash at every point of a workload, run it once to
   * get `opCount(kinds)`, then rerun it on a fresh `SimVfs` for each n up to that count.
   */
  setCrashAt(n: number | null, kinds?: readonly SimOpKind[]): void {
    if (n !== null && (!Number.isInteger(n) || n < 1)) {
      throw new DbError("DB_MISUSE", `crashAt must be an integer >= 1, got ${n}`);
    }
    this.#k.crashAt = n;
    this.#k.crashOn = kinds ? new Set(kinds) : null;
    this.#k.crashCount = 0;
  }

  /**
   * Calls `hook` before every call, with its kind, path, offset and length. If the hook throws,
   * the call does nothing and rethrows; throwing `new SimCrash()` cuts the power there.
   */
  setOnOp(hook: ((op: SimOpInfo) => void) | null): void {
    this.#k.onOp = hook;
  }

  /** The seed and every traced call so far (a copy). */
  trace(): SimTrace {
    return { seed: this.#k.seed, entries: this.#k.entries.map((e) => ({ ...e })) };
  }

  /** Calls so far (including failed ones and the crashing one) of `kind`, of any of `kind`, or of every kind. */
  opCount(kind?: SimOpKind | readonly SimOpKind[]): number {
    const { counts } = this.#k;
    if (kind === undefined) return this.#k.seq;
    const kinds = typeof kind === "string" ? [kind] : kind;
    return kinds.reduce((sum, k) => sum + (counts.get(k) ?? 0), 0);
  }

  /**
   * The disk a power cut now would leave, as a new `SimVfs` whose files are all durable, with no
   * open handle, fault rule, quota or crash point, and `seed` as its seed. This `SimVfs` is not
   * changed, so one crash point can yield many images. Deterministic: the same state, policy,
   * seed and options give the same image. Unsynced directory changes follow the same policy as
   * file operations (so "lose-all" drops every creation and deletion not yet `syncDir`ed).
   * DB_MISUSE on an unknown policy or mode. Works after a `SimCrash` too.
   */
  crash(policy: CrashPolicy = "lose-all", seed: number = this.#k.seed, options: CrashOptions = {}): SimVfs {
    const image = new SimVfs({ seed });
    image.#k.disk = crashImage(this.#k.disk, policy, seed, options);
    return image;
  }

  /** Paths that currently have a directory entry, in creation order. Not traced. */
  list(): string[] {
    return [...this.#k.disk.dir.keys()];
  }

  /** A copy of what reads of `path` currently see (null if it has no entry). Not traced. */
  snapshot(path: string): Uint8Array | null {
    const inode = this.#k.disk.lookup(path);
    return inode === undefined ? null : inode.current.view().slice();
  }

  /** Total current size in bytes of the files that have a name (what the quota limits). */
  usedBytes(): number {
    return this.#k.disk.usedBytes();
  }
}
