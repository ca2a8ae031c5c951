import { DbError } from "./errors.js";
import type { OpenOptions, Vfs, VfsFile } from "./vfs.js";

/** The stored content of one in-memory file: `data[0, size)` is the file, the rest is spare capacity. */
interface MemoryNode {
  data: Uint8Array;
  size: number;
}

class MemoryFile implements VfsFile {
  readonly path: string;
  private node: MemoryNode | null;
  private readonly readonly: boolean;

  constructor(path: string, node: MemoryNode, readonly: boolean) {
    this.path = path;
    this.node = node;
    this.readonly = readonly;
  }

  private open(): MemoryNode {
    if (this.node === null) throw new DbError("DB_MISUSE", `file is closed: ${this.path}`);
    return this.node;
  }

  private writable(): MemoryNode {
    const node = this.open();
    if (this.readonly) throw new DbError("DB_READONLY", `file is read-only: ${this.path}`);
    return node;
  }

  read(buf: Uint8Array, offset: number): number {
    const node = this.open();
    if (offset >= node.size) return 0;
    const n = Math.min(buf.length, node.size - offset);
    buf.set(node.data.subarray(offset, offset + n));
    return n;
  }

  write(buf: Uint8Array, offset: number): void {
    const node = this.writable();
    const end = offset + buf.length;
    reserve(node, end);
    if (offset > node.size) node.data.fill(0, node.size, offset);
    node.data.set(buf, offset);
    node.size = Math.max(node.size, end);
  }

  sync(): void {
    this.open();
  }

  truncate(size: number): void {
    const node = this.writable();
    if (size > node.size) {
      reserve(node, size);
      node.data.fill(0, node.size, size);
    }
    node.size = size;
  }

  size(): number {
    return this.open().size;
  }

  close(): void {
    this.open();
    this.node = null;
  }
}

/** Grows `node.data` (doubling its capacity) so that it can hold `bytes` bytes. */
function reserve(node: MemoryNode, bytes: number): void {
  if (bytes <= node.data.length) return;
  let capacity = Math.max(node.data.length, 4096);
  while (capacity < bytes) capacity *= 2;
  const grown = new Uint8Array(capacity);
  grown.set(node.data.subarray(0, node.size));
  node.data = grown;
}

/**
 * A `Vfs` whose files are growable byte arrays in a Map. Content survives close/reopen of a
 * file within the same instance, so tests can "reopen" a database. `sync` is a no-op.
 * Deleting a file that is still open detaches it (like POSIX unlink): open handles keep working.
 */
export class MemoryVfs implements Vfs {
  readonly name = "memory";
  private readonly files = new Map<string, MemoryNode>();

  /** Opens `path`; DB_CANTOPEN if it does not exist and `create` is not set. */
  open(path: string, options: OpenOptions = {}): VfsFile {
    let node = this.files.get(path);
    if (node === undefined) {
      if (!options.create || options.readonly) {
        throw new DbError("DB_CANTOPEN", `unable to open file: ${path} (ENOENT)`, { subcode: "DB_CANTOPEN" });
      }
      node = { data: new Uint8Array(0), size: 0 };
      this.files.set(path, node);
    }
    return new MemoryFile(path, node, options.readonly ?? false);
  }

  exists(path: string): boolean {
    return this.files.has(path);
  }

  delete(path: string): void {
    this.files.delete(path);
  }

  syncDir(_path: string): void {}

  /** Paths of all files, for tests and debugging. */
  list(): string[] {
    return [...this.files.keys()];
  }

  /** A copy of the bytes of `path` (null if missing), for tests and debugging. */
  snapshot(path: string): Uint8Array | null {
    const node = this.files.get(path);
    return node === undefined ? null : node.data.slice(0, node.size);
  }
}
