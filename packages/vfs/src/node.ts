import * as nodePath from "node:path";
import { DbError, ioError } from "./errors.js";
import type { OpenOptions, Vfs, VfsFile } from "./vfs.js";

// `import ... from "node:fs"` makes Node build the ESM namespace of fs, whose lazy getters load
// the stream modules (2.4-2.9 ms here against 0.05 ms, measured in a fresh process); getBuiltinModule
// (Node >= 20.16) does not.
const fs = process.getBuiltinModule("node:fs");

/**
 * A write is issued as one write(2) call per 4 KiB page of the file it touches (split at
 * 4 KiB-aligned file offsets). Linux 6.16+ gives ext4 files large folios in the page cache, sized
 * from the write that creates them: one 1 MiB write leaves 1 MiB folios behind, and every later
 * small write into one (a 4 KiB page, a WAL frame) then costs time in proportion to the folio, in
 * the write and at writeback, and makes fsync slower. Written a page per call, as SQLite writes,
 * the cache keeps single-page folios. Measured here (Linux 6.18, ext4): see
 * docs/adr/0008-write-sizes.md.
 */
const WRITE_CHUNK_BYTES = 4096;

/**
 * A file of the local file system, accessed with synchronous `fs` calls.
 * Every OS error is rethrown as a `DbError` (DB_IOERR / DB_FULL) via `ioError`.
 */
class NodeFile implements VfsFile {
  readonly path: string;
  private fd: number | null;

  constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
  }

  private handle(): number {
    if (this.fd === null) throw new DbError("DB_MISUSE", `file is closed: ${this.path}`);
    return this.fd;
  }

  read(buf: Uint8Array, offset: number): number {
    const fd = this.handle();
    let done = 0;
    try {
      while (done < buf.length) {
        const n = fs.readSync(fd, buf, done, buf.length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
    } catch (e) {
      throw ioError("read", this.path, e);
    }
    return done;
  }

  write(buf: Uint8Array, offset: number): void {
    const fd = this.handle();
    let done = 0;
    try {
      while (done < buf.length) {
        const at = offset + done;
        done += fs.writeSync(fd, buf, done, Math.min(buf.length - done, WRITE_CHUNK_BYTES - (at % WRITE_CHUNK_BYTES)), at);
      }
    } catch (e) {
      throw ioError("write", this.path, e);
    }
  }

  /**
   * fdatasync(2): the data and the metadata needed to read it back (the size), as SQLite does
   * where the platform has it. A full fsync would also flush timestamps, which nothing here reads
   * (on ext4 here the two cost about the same for an overwrite in place). DB_IOERR on failure.
   */
  sync(): void {
    const fd = this.handle();
    try {
      fs.fdatasyncSync(fd);
    } catch (e) {
      throw ioError("fsync", this.path, e);
    }
  }

  truncate(size: number): void {
    const fd = this.handle();
    try {
      fs.ftruncateSync(fd, size);
    } catch (e) {
      throw ioError("truncate", this.path, e);
    }
  }

  size(): number {
    const fd = this.handle();
    try {
      return fs.fstatSync(fd).size;
    } catch (e) {
      throw ioError("fstat", this.path, e);
    }
  }

  close(): void {
    const fd = this.handle();
    this.fd = null;
    try {
      fs.closeSync(fd);
    } catch (e) {
      throw ioError("close", this.path, e);
    }
  }
}

/** Errors from fsync of a directory that merely mean "this platform cannot do that". */
const DIR_SYNC_UNSUPPORTED = new Set(["EISDIR", "EINVAL", "EPERM"]);

/** The `Vfs` of the local file system (Node `fs`, synchronous). */
export class NodeVfs implements Vfs {
  readonly name = "node";

  /**
   * Opens `path`. Throws DB_CANTOPEN if it does not exist and `create` is not set,
   * or if the OS refuses to open it (the OS error is the `cause`).
   */
  open(path: string, options: OpenOptions = {}): VfsFile {
    const { O_RDONLY, O_RDWR, O_CREAT } = fs.constants;
    const flags = options.readonly ? O_RDONLY : O_RDWR | (options.create ? O_CREAT : 0);
    try {
      return new NodeFile(path, fs.openSync(path, flags, 0o644));
    } catch (e) {
      const errno = (e as { code?: string }).code;
      throw new DbError("DB_CANTOPEN", `unable to open file: ${path}${errno ? ` (${errno})` : ""}`, {
        subcode: "DB_CANTOPEN",
        cause: e,
      });
    }
  }

  exists(path: string): boolean {
    return fs.existsSync(path);
  }

  /** Removes `path`; no error if it does not exist. Throws DB_IOERR otherwise. */
  delete(path: string): void {
    try {
      fs.rmSync(path, { force: true });
    } catch (e) {
      throw ioError("delete", path, e);
    }
  }

  /** fsyncs the directory containing `path`, so that its creation/deletion is durable. */
  syncDir(path: string): void {
    const dir = nodePath.dirname(nodePath.resolve(path));
    let fd: number;
    try {
      fd = fs.openSync(dir, fs.constants.O_RDONLY);
    } catch (e) {
      if (DIR_SYNC_UNSUPPORTED.has((e as { code?: string }).code ?? "")) return;
      throw ioError("dirsync", dir, e);
    }
    try {
      fs.fsyncSync(fd);
    } catch (e) {
      if (!DIR_SYNC_UNSUPPORTED.has((e as { code?: string }).code ?? "")) throw ioError("dirsync", dir, e);
    } finally {
      try {
        fs.closeSync(fd);
      } catch {
        // a failed close of a read-only directory handle loses nothing
      }
    }
  }
}
