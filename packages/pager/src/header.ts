/** The database header at the start of page 1; see ../FORMAT.md. All integers are big-endian. */
import { checksum, corruptError, DbError } from "@db/wal";

/** "@db format 1" followed by NUL bytes, 16 bytes in all. */
export const MAGIC = new Uint8Array(16);
MAGIC.set(new TextEncoder().encode("@db format 1\0"));
/**
 * Version of everything stored in the file, the layers above included. 2: index B+tree entries
 * use the compact key encoding and key-only entries of packages/vm/FORMAT.md (ADR 0006); a
 * version-1 file is refused (DB_NOTADB) rather than misread.
 */
export const FORMAT_VERSION = 2;
/** Bytes of page 1 owned by the header (the rest of page 1, up to the trailer, is zero). */
export const HEADER_SIZE = 100;
export const META_SLOTS = 8;

const OFF_VERSION = 16;
const OFF_PAGE_SIZE = 20;
const OFF_PAGE_COUNT = 24;
const OFF_FREE_TRUNK = 28;
const OFF_FREE_COUNT = 32;
const OFF_CHANGE_COUNTER = 36;
const OFF_META = 40;
const OFF_CHECKSUM = 72;

/** The fields of the header, as held in memory by the pager. */
export interface DbHeader {
  pageSize: number;
  /** Database size in pages (page 1 included). */
  pageCount: number;
  /** First free-list trunk page, 0 if the free list is empty. */
  freeTrunk: number;
  /** Free pages in all (trunks and leaves). */
  freeCount: number;
  /** Incremented by every commit. */
  changeCounter: number;
  /** META_SLOTS u32 values for the layers above. */
  meta: number[];
}

export function newHeader(pageSize: number): DbHeader {
  return { pageSize, pageCount: 1, freeTrunk: 0, freeCount: 0, changeCounter: 0, meta: new Array(META_SLOTS).fill(0) };
}

// Field by field (not a spread): these run several times per commit, and a spread of an object
// literal goes through V8's generic clone path.
export function copyHeader(h: DbHeader): DbHeader {
  return {
    pageSize: h.pageSize,
    pageCount: h.pageCount,
    freeTrunk: h.freeTrunk,
    freeCount: h.freeCount,
    changeCounter: h.changeCounter,
    meta: h.meta.slice(),
  };
}

/** Copies every field of `from` into `to` (no allocation). */
export function assignHeader(to: DbHeader, from: DbHeader): void {
  to.pageSize = from.pageSize;
  to.pageCount = from.pageCount;
  to.freeTrunk = from.freeTrunk;
  to.freeCount = from.freeCount;
  to.changeCounter = from.changeCounter;
  for (let i = 0; i < META_SLOTS; i++) to.meta[i] = from.meta[i];
}

export function sameHeader(a: DbHeader, b: DbHeader): boolean {
  if (a.pageCount !== b.pageCount || a.freeTrunk !== b.freeTrunk || a.freeCount !== b.freeCount) return false;
  if (a.changeCounter !== b.changeCounter) return false;
  for (let i = 0; i < META_SLOTS; i++) if (a.meta[i] !== b.meta[i]) return false;
  return true;
}

/** True if the first bytes of `buf` (up to 16 of them) match the magic string. */
export function hasMagic(buf: Uint8Array, length: number): boolean {
  const n = Math.min(length, MAGIC.length);
  for (let i = 0; i < n; i++) if (buf[i] !== MAGIC[i]) return false;
  return true;
}

function headerChecksum(buf: Uint8Array): number {
  return checksum(buf, 0, OFF_CHECKSUM).s1;
}

/** Writes the header into `buf[0, HEADER_SIZE)` (the rest of `buf` is untouched). */
export function encodeHeader(h: DbHeader, buf: Uint8Array): void {
  buf.fill(0, 0, HEADER_SIZE);
  buf.set(MAGIC, 0);
  const v = new DataView(buf.buffer, buf.byteOffset, HEADER_SIZE);
  v.setUint32(OFF_VERSION, FORMAT_VERSION);
  v.setUint32(OFF_PAGE_SIZE, h.pageSize);
  v.setUint32(OFF_PAGE_COUNT, h.pageCount);
  v.setUint32(OFF_FREE_TRUNK, h.freeTrunk);
  v.setUint32(OFF_FREE_COUNT, h.freeCount);
  v.setUint32(OFF_CHANGE_COUNTER, h.changeCounter);
  for (let i = 0; i < META_SLOTS; i++) v.setUint32(OFF_META + 4 * i, h.meta[i]);
  v.setUint32(OFF_CHECKSUM, headerChecksum(buf));
}

/**
 * Decodes and validates a header. Throws DB_NOTADB if the magic or version is wrong,
 * DB_CORRUPT (page 1) if its checksum or a field is invalid.
 */
export function decodeHeader(buf: Uint8Array): DbHeader {
  if (buf.length < HEADER_SIZE || !hasMagic(buf, MAGIC.length)) {
    throw new DbError("DB_NOTADB", "file is not a database");
  }
  const v = new DataView(buf.buffer, buf.byteOffset, HEADER_SIZE);
  const version = v.getUint32(OFF_VERSION);
  if (version !== FORMAT_VERSION) throw new DbError("DB_NOTADB", `unsupported database format version ${version}`);
  if (v.getUint32(OFF_CHECKSUM) !== headerChecksum(buf)) throw corruptError(1, "header checksum mismatch");
  const h: DbHeader = {
    pageSize: v.getUint32(OFF_PAGE_SIZE),
    pageCount: v.getUint32(OFF_PAGE_COUNT),
    freeTrunk: v.getUint32(OFF_FREE_TRUNK),
    freeCount: v.getUint32(OFF_FREE_COUNT),
    changeCounter: v.getUint32(OFF_CHANGE_COUNTER),
    meta: Array.from({ length: META_SLOTS }, (_, i) => v.getUint32(OFF_META + 4 * i)),
  };
  if (h.pageCount < 1) throw corruptError(1, `page count ${h.pageCount}`);
  if (h.freeTrunk > h.pageCount || h.freeTrunk === 1) throw corruptError(1, `free-list head ${h.freeTrunk}`);
  if (h.freeCount >= h.pageCount || (h.freeTrunk === 0) !== (h.freeCount === 0)) {
    throw corruptError(1, `free-list count ${h.freeCount}`);
  }
  return h;
}
