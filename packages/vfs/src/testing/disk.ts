/**
 * The state of the simulated disk: per file, the durable bytes plus the ordered list of
 * operations still in the volatile cache; per directory, the durable entries plus the pending
 * creations and deletions. Internal to `SimVfs`; no faults, tracing or randomness here.
 */

/** An unsynced file operation, in the order it was issued. Offsets and sizes in bytes. */
export type PendingOp =
  | { readonly kind: "write"; readonly offset: number; readonly data: Uint8Array }
  | { readonly kind: "truncate"; readonly size: number };

/** A growable byte array: `data[0, size)` is the content, the rest spare capacity. */
export class Bytes {
  constructor(
    public data: Uint8Array = new Uint8Array(0),
    public size: number = data.length,
  ) {}

  clone(): Bytes {
    return new Bytes(this.data.slice(0, this.size));
  }

  /** The content (a view, not a copy). */
  view(): Uint8Array {
    return this.data.subarray(0, this.size);
  }

  /** Copies up to `buf.length` bytes at `offset` into `buf`; returns the count (0 past the end). */
  read(buf: Uint8Array, offset: number): number {
    if (offset >= this.size) return 0;
    const n = Math.min(buf.length, this.size - offset);
    buf.set(this.data.subarray(offset, offset + n));
    return n;
  }

  /** Writes `buf` at `offset`; a gap past the old end reads as zeros. Writing 0 bytes changes nothing. */
  write(buf: Uint8Array, offset: number): void {
    if (buf.length === 0) return;
    const end = offset + buf.length;
    this.reserve(end);
    if (offset > this.size) this.data.fill(0, this.size, offset);
    this.data.set(buf, offset);
    this.size = Math.max(this.size, end);
  }

  /** Sets the length; growing fills with zeros. */
  truncate(size: number): void {
    if (size > this.size) {
      this.reserve(size);
      this.data.fill(0, this.size, size);
    }
    this.size = size;
  }

  apply(op: PendingOp): void {
    if (op.kind === "write") this.write(op.data, op.offset);
    else this.truncate(op.size);
  }

  private reserve(bytes: number): void {
    if (bytes <= this.data.length) return;
    let capacity = Math.max(this.data.length, 4096);
    while (capacity < bytes) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.data.subarray(0, this.size));
    this.data = grown;
  }
}

/** One file's content, independent of the names it has (like a POSIX inode). */
export class Inode {
  /** What survives any crash. */
  durable: Bytes;
  /** Unsynced operations, oldest first. */
  pending: PendingOp[] = [];
  /** What reads see: `durable` with every `pending` op applied. */
  current: Bytes;
  /** Set by a "late" fsync failure: the errno the next sync of this file reports. */
  lateError: string | null = null;

  constructor(
    readonly id: number,
    durable: Bytes = new Bytes(),
  ) {
    this.durable = durable;
    this.current = durable.clone();
  }

  write(buf: Uint8Array, offset: number): void {
    if (buf.length === 0) return; // as POSIX pwrite: no change, not even of the size
    const data = buf.slice();
    this.pending.push({ kind: "write", offset, data });
    this.current.write(data, offset);
  }

  truncate(size: number): void {
    this.pending.push({ kind: "truncate", size });
    this.current.truncate(size);
  }

  /** Makes every pending op durable. */
  sync(): void {
    for (const op of this.pending) this.durable.apply(op);
    this.pending = [];
  }

  /** Forgets every pending op: it will never be durable, and reads see the durable bytes again. */
  drop(): void {
    this.pending = [];
    this.current = this.durable.clone();
  }
}

/** A pending change of a directory entry. `inode` is the file created, or the one unlinked. */
export interface DirOp {
  readonly kind: "create" | "delete";
  readonly path: string;
  readonly inode: number;
}

/** The directory that holds `path` ("/a/b" → "/a", "b" → "."), as `syncDir` sees it. */
export function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** Every file and directory entry of one simulated disk. */
export class Disk {
  readonly inodes = new Map<number, Inode>();
  /** path → inode id, as a crash would find it with no pending directory op kept. */
  readonly durableDir = new Map<string, number>();
  /** path → inode id, as `open` and `exists` see it now. */
  readonly dir = new Map<string, number>();
  /** directory → its pending entry changes, oldest first. */
  readonly pendingDir = new Map<string, DirOp[]>();
  private nextId = 1;

  /** A disk holding exactly `files`, all durable (the image left by a crash). */
  static of(files: Iterable<[string, Bytes]>): Disk {
    const disk = new Disk();
    for (const [path, bytes] of files) {
      const inode = disk.newInode(bytes);
      disk.durableDir.set(path, inode.id);
      disk.dir.set(path, inode.id);
    }
    return disk;
  }

  lookup(path: string): Inode | undefined {
    const id = this.dir.get(path);
    return id === undefined ? undefined : this.inodes.get(id);
  }

  /** Creates an empty file at `path` (replacing nothing: the caller checked it is absent). */
  create(path: string): Inode {
    const inode = this.newInode();
    this.dir.set(path, inode.id);
    this.pushDirOp({ kind: "create", path, inode: inode.id });
    return inode;
  }

  /** Unlinks `path`; open handles keep their inode. Returns false if there was no such file. */
  remove(path: string): boolean {
    const id = this.dir.get(path);
    if (id === undefined) return false;
    this.dir.delete(path);
    this.pushDirOp({ kind: "delete", path, inode: id });
    return true;
  }

  /** Makes every pending entry change of directory `dir` durable. */
  syncDir(dir: string): void {
    for (const op of this.pendingDir.get(dir) ?? []) applyDirOp(this.durableDir, op);
    this.pendingDir.delete(dir);
  }

  /** Total current size in bytes of the files that have a name. */
  usedBytes(): number {
    let total = 0;
    for (const id of this.dir.values()) total += this.inodes.get(id)?.current.size ?? 0;
    return total;
  }

  private newInode(bytes?: Bytes): Inode {
    const inode = new Inode(this.nextId++, bytes);
    this.inodes.set(inode.id, inode);
    return inode;
  }

  private pushDirOp(op: DirOp): void {
    const dir = dirOf(op.path);
    const list = this.pendingDir.get(dir);
    if (list) list.push(op);
    else this.pendingDir.set(dir, [op]);
  }
}

/** Applies one entry change; a deletion only removes the entry if it still names the same file. */
export function applyDirOp(entries: Map<string, number>, op: DirOp): void {
  if (op.kind === "create") entries.set(op.path, op.inode);
  else if (entries.get(op.path) === op.inode) entries.delete(op.path);
}
