import { ioError } from "./errors.js";
import type { OpenOptions, Vfs, VfsFile } from "./vfs.js";

/** File operations a `FaultVfs` can make fail. */
export type FaultOp = "read" | "write" | "sync" | "truncate";

/** One injected failure; see `FaultVfs.inject`. */
export interface FaultRule {
  op: FaultOp;
  /** Only files whose path contains this substring (default: every file). */
  path?: string;
  /** Let this many matching calls succeed first (default 0). */
  skip?: number;
  /** Fail this many matching calls, then stop (default: forever). */
  times?: number;
  /** "full" throws DB_FULL (ENOSPC); default "io" throws DB_IOERR (EIO). */
  kind?: "io" | "full";
  /** For writes: write the first half of the buffer before failing (a torn write). */
  torn?: boolean;
}

interface ActiveRule extends FaultRule {
  skipLeft: number;
  timesLeft: number;
}

/**
 * Wraps another `Vfs` and makes chosen operations fail, for testing error paths.
 * Errors are built with `ioError`, exactly like a real OS failure.
 */
export class FaultVfs implements Vfs {
  readonly name: string;
  private rules: ActiveRule[] = [];

  constructor(readonly inner: Vfs) {
    this.name = `fault(${inner.name})`;
  }

  /** Adds a failure rule (rules are checked in the order added). */
  inject(rule: FaultRule): void {
    this.rules.push({ ...rule, skipLeft: rule.skip ?? 0, timesLeft: rule.times ?? Infinity });
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** True while some rule can still fail a call. */
  active(): boolean {
    return this.rules.some((r) => r.timesLeft > 0);
  }

  /** Returns the rule that fails this call, if any (consuming skip/times counters). */
  check(op: FaultOp, path: string): FaultRule | null {
    for (const rule of this.rules) {
      if (rule.op !== op || (rule.path !== undefined && !path.includes(rule.path))) continue;
      if (rule.timesLeft <= 0) continue;
      if (rule.skipLeft > 0) {
        rule.skipLeft--;
        continue;
      }
      rule.timesLeft--;
      return rule;
    }
    return null;
  }

  open(path: string, options?: OpenOptions): VfsFile {
    return new FaultFile(this, this.inner.open(path, options));
  }

  exists(path: string): boolean {
    return this.inner.exists(path);
  }

  delete(path: string): void {
    this.inner.delete(path);
  }

  syncDir(path: string): void {
    this.inner.syncDir(path);
  }
}

function fail(rule: FaultRule, op: string, path: string): never {
  throw ioError(op, path, { code: rule.kind === "full" ? "ENOSPC" : "EIO" });
}

class FaultFile implements VfsFile {
  constructor(
    private readonly vfs: FaultVfs,
    private readonly inner: VfsFile,
  ) {}

  get path(): string {
    return this.inner.path;
  }

  read(buf: Uint8Array, offset: number): number {
    const rule = this.vfs.check("read", this.path);
    if (rule) fail(rule, "read", this.path);
    return this.inner.read(buf, offset);
  }

  write(buf: Uint8Array, offset: number): void {
    const rule = this.vfs.check("write", this.path);
    if (rule) {
      if (rule.torn) this.inner.write(buf.subarray(0, buf.length >> 1), offset);
      fail(rule, "write", this.path);
    }
    this.inner.write(buf, offset);
  }

  sync(): void {
    const rule = this.vfs.check("sync", this.path);
    if (rule) fail(rule, "fsync", this.path);
    this.inner.sync();
  }

  truncate(size: number): void {
    const rule = this.vfs.check("truncate", this.path);
    if (rule) fail(rule, "truncate", this.path);
    this.inner.truncate(size);
  }

  size(): number {
    return this.inner.size();
  }

  close(): void {
    this.inner.close();
  }
}
