import { DbError, Pager, Wal, type Vfs } from "../src/index.js";
import { expect } from "vitest";

export const DB = "/test.db";

export interface OpenOpts {
  pageSize?: number;
  cacheSizePages?: number;
  autocheckpointFrames?: number;
  readonly?: boolean;
}

export function openPager(vfs: Vfs, opts: OpenOpts = {}): Pager {
  const wal = Wal.open(vfs, DB, {
    create: !opts.readonly,
    readonly: opts.readonly,
    autocheckpointFrames: opts.autocheckpointFrames,
  });
  try {
    return Pager.open(wal, { pageSize: opts.pageSize, cacheSizePages: opts.cacheSizePages });
  } catch (e) {
    wal.close();
    throw e;
  }
}

/** The DbError thrown by `fn` (fails the test if it does not throw one). */
export function errorOf(fn: () => unknown): DbError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    return e as DbError;
  }
  throw new Error("expected a DbError");
}

/** Writes `value` into the first 4 bytes of a page's data. */
export function stamp(data: Uint8Array, value: number): void {
  new DataView(data.buffer, data.byteOffset).setUint32(0, value);
}

export function stampOf(data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset).getUint32(0);
}

/** Reads the stamp of page `pgno` (get + release). */
export function readStamp(pager: Pager, pgno: number): number {
  const page = pager.get(pgno);
  const v = stampOf(page.data);
  pager.release(page);
  return v;
}

/** Allocates `n` pages stamped with their own page number (plus `base`); returns their numbers. */
export function allocStamped(pager: Pager, n: number, base = 0): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const page = pager.allocate();
    stamp(page.data, page.pgno + base);
    pager.release(page);
    out.push(page.pgno);
  }
  return out;
}
