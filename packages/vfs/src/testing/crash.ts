import { DbError } from "../errors.js";
import { applyDirOp, Bytes, Disk, type Inode, type PendingOp } from "./disk.js";
import { Prng } from "./prng.js";

/**
 * Which unsynced operations a power cut keeps. Applied to each file's pending operations and,
 * separately, to each directory's pending creations and deletions:
 * - "lose-all": none (only what was synced survives).
 * - "keep-all": all of them (as if everything had been synced).
 * - "prefix": the oldest k, for a random k from 0 to all, drawn per file and per directory.
 * - "random-subset": each one kept or lost at random (probability 1/2), independently of order;
 *   the kept ones are applied in the order they were issued.
 */
export type CrashPolicy = "lose-all" | "keep-all" | "prefix" | "random-subset";

/**
 * What a damaged sector holds after the crash:
 * "old" its synced bytes; "new" its bytes with every pending operation applied (as "keep-all");
 * "zero" zeros; "garbage" random bytes; "mixed" one of those four, drawn per sector.
 */
export type TornMode = "old" | "new" | "zero" | "garbage" | "mixed";

/** Sector-level damage: see `CrashOptions.torn`. */
export interface TornOptions {
  /** Sector size in bytes; sectors are aligned on multiples of it. */
  sectorSize: 512 | 4096;
  mode: TornMode;
  /** Probability, from 0 to 1, that a touched sector is damaged (default 0.5). */
  fraction?: number;
}

/** Damage applied on top of the `CrashPolicy`. */
export interface CrashOptions {
  /**
   * Torn writes: after the policy has chosen the kept operations, every sector touched by a
   * pending write (kept or lost) is, with probability `fraction`, replaced by its `mode` version.
   * Only bytes below the file size the policy produced are changed; the size never changes.
   * Note that this can damage synced bytes sharing a sector with a pending write, as real disks can.
   */
  torn?: TornOptions;
  /**
   * Each lost write ending past the image's file size extends the file, with probability 1/2,
   * to that write's end; the bytes added are random (metadata reached the disk, data did not).
   * Applied after `torn`.
   */
  growGarbage?: boolean;
}

const POLICIES: readonly CrashPolicy[] = ["lose-all", "keep-all", "prefix", "random-subset"];
const FATES = ["old", "new", "zero", "garbage"] as const;

/** The disk a power cut of `disk` would leave: every file durable, no pending operation. */
export function crashImage(disk: Disk, policy: CrashPolicy, seed: number, options: CrashOptions = {}): Disk {
  if (!POLICIES.includes(policy)) throw new DbError("DB_MISUSE", `unknown crash policy: ${String(policy)}`);
  const { torn } = options;
  if (torn) {
    if (!Number.isInteger(torn.sectorSize) || torn.sectorSize <= 0) {
      throw new DbError("DB_MISUSE", `torn.sectorSize must be a positive integer, got ${torn.sectorSize}`);
    }
    if (!(torn.mode === "mixed" || FATES.includes(torn.mode))) {
      throw new DbError("DB_MISUSE", `unknown torn mode: ${String(torn.mode)}`);
    }
    const fraction = torn.fraction ?? 0.5;
    if (!(fraction >= 0 && fraction <= 1)) throw new DbError("DB_MISUSE", `torn.fraction must be in [0, 1]`);
  }

  const rng = new Prng(seed);
  const entries = new Map(disk.durableDir);
  for (const ops of disk.pendingDir.values()) {
    for (const op of choose(ops, policy, rng)) applyDirOp(entries, op);
  }
  const files: [string, Bytes][] = [];
  for (const [path, id] of entries) {
    const inode = disk.inodes.get(id);
    if (inode) files.push([path, fileImage(inode, policy, rng, options)]);
  }
  return Disk.of(files);
}

function choose<T>(ops: readonly T[], policy: CrashPolicy, rng: Prng): readonly T[] {
  switch (policy) {
    case "lose-all":
      return [];
    case "keep-all":
      return ops;
    case "prefix":
      return ops.slice(0, rng.int(ops.length + 1));
    case "random-subset":
      return ops.filter(() => rng.chance());
  }
}

function fileImage(inode: Inode, policy: CrashPolicy, rng: Prng, options: CrashOptions): Bytes {
  const kept = choose(inode.pending, policy, rng);
  const image = inode.durable.clone();
  for (const op of kept) image.apply(op);
  if (options.torn) tear(image, inode, options.torn, rng);
  if (options.growGarbage) {
    const keptSet = new Set<PendingOp>(kept);
    growGarbage(
      image,
      inode.pending.filter((op) => !keptSet.has(op)),
      rng,
    );
  }
  return image;
}

/** Replaces touched sectors of `image` by their old / new / zero / garbage version. */
function tear(image: Bytes, inode: Inode, torn: TornOptions, rng: Prng): void {
  const { sectorSize, mode } = torn;
  const fraction = torn.fraction ?? 0.5;
  const touched = new Set<number>();
  for (const op of inode.pending) {
    if (op.kind !== "write" || op.data.length === 0) continue;
    const last = Math.floor((op.offset + op.data.length - 1) / sectorSize);
    for (let s = Math.floor(op.offset / sectorSize); s <= last; s++) touched.add(s);
  }
  for (const sector of [...touched].sort((a, b) => a - b)) {
    const start = sector * sectorSize;
    if (start >= image.size) break;
    const end = Math.min(start + sectorSize, image.size);
    if (!rng.chance(fraction)) continue;
    const fate = mode === "mixed" ? rng.pick(FATES) : mode;
    if (fate === "old") copyRange(image, inode.durable, start, end);
    else if (fate === "new") copyRange(image, inode.current, start, end);
    else if (fate === "zero") image.data.fill(0, start, end);
    else rng.fill(image.data.subarray(start, end));
  }
}

/** Copies `src[start, end)` into `dst`, reading zeros past the end of `src`. */
function copyRange(dst: Bytes, src: Bytes, start: number, end: number): void {
  const n = Math.max(0, Math.min(end, src.size) - start);
  dst.data.set(src.data.subarray(start, start + n), start);
  dst.data.fill(0, start + n, end);
}

function growGarbage(image: Bytes, lost: readonly PendingOp[], rng: Prng): void {
  const oldSize = image.size;
  let size = oldSize;
  for (const op of lost) {
    const end = op.kind === "write" ? op.offset + op.data.length : 0;
    if (end > oldSize && rng.chance()) size = Math.max(size, end);
  }
  if (size === oldSize) return;
  image.truncate(size);
  rng.fill(image.data.subarray(oldSize, size));
}
