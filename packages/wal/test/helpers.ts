/** The WAL tests' shared setup: a db path, a page size, pages of one repeated byte, open and read. */
import { Wal, type Vfs } from "../src/index.js";

export const DB = "/d/db";
export const PS = 1024;
/** Bytes per frame: the 24-byte frame header and a page. */
export const FRAME = 24 + PS;

/** A page of PS bytes, every one `fill`. */
export function page(fill: number): Uint8Array {
  return new Uint8Array(PS).fill(fill);
}

/** Opens (creating) the WAL of DB on `vfs`, with page size PS unless the file has one. */
export function open(vfs: Vfs, opts: Parameters<typeof Wal.open>[2] = {}): Wal {
  const wal = Wal.open(vfs, DB, { create: true, ...opts });
  if (wal.pageSize === null) wal.setPageSize(PS);
  return wal;
}

/** The fill byte of page `pgno` as `wal` (or snapshot `s`) sees it. */
export function read(wal: Wal, pgno: number, s?: { maxFrame: number }): number {
  const buf = new Uint8Array(PS);
  wal.readPage(pgno, buf, s);
  return buf[0];
}
