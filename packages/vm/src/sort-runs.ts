/**
 * Sorted runs in a temporary file (see docs/adr/0005-external-sort.md). A run is a contiguous
 * byte range `[start, end)` of one `TempFile` holding rows back to back, each as
 *
 *   varint(n)  record (n bytes)
 *
 * where the record is the VM's record encoding (record.ts) of the row's values, sort keys first.
 * The record format round-trips every SqlValue exactly (bigints, integral reals, blobs), so a
 * row read back compares exactly as it did in memory. Runs carry no header: their bounds are
 * kept by the sorter, and the file never outlives it.
 */
import { DbError } from "@db/btree";
import { decodeRecord, encodeRecord, getVarint, lastVarintLength, putVarint, varintLength } from "./record.js";
import type { TempFile } from "./tempstore.js";
import type { SqlValue } from "./value.js";

/** Byte range of one run in the sorter's temporary file. */
export interface RunBounds {
  start: number;
  end: number;
}

const WRITE_BUFFER = 64 * 1024;

/** Appends rows to a temporary file through a write buffer. */
export class RunWriter {
  private readonly buf = new Uint8Array(WRITE_BUFFER);
  private used = 0;
  private readonly start: number;

  /** Writes start at byte `offset` (the current end of the file's used space). */
  constructor(
    private readonly file: TempFile,
    private offset: number,
  ) {
    this.start = offset;
  }

  append(row: readonly SqlValue[]): void {
    const rec = encodeRecord(row);
    const hdr = varintLength(rec.length);
    if (this.used + hdr + rec.length > this.buf.length) this.flush();
    if (hdr + rec.length > this.buf.length) {
      // A row larger than the buffer (a long text or blob) is written straight through.
      const len = new Uint8Array(hdr);
      putVarint(len, 0, rec.length);
      this.file.write(len, this.offset);
      this.file.write(rec, this.offset + hdr);
      this.offset += hdr + rec.length;
      return;
    }
    this.used += putVarint(this.buf, this.used, rec.length);
    this.buf.set(rec, this.used);
    this.used += rec.length;
  }

  private flush(): void {
    if (this.used === 0) return;
    this.file.write(this.buf.subarray(0, this.used), this.offset);
    this.offset += this.used;
    this.used = 0;
  }

  /** Flushes and returns the run's bounds. */
  finish(): RunBounds {
    this.flush();
    return { start: this.start, end: this.offset };
  }
}

/** Reads the rows of one run in order, through a read buffer of `bufferBytes`. */
export class RunReader {
  private buf: Uint8Array;
  /** File offset of buf[0], and how many bytes of buf are valid. */
  private bufAt = 0;
  private bufLen = 0;
  private pos: number;

  constructor(
    private readonly file: TempFile,
    private readonly run: RunBounds,
    bufferBytes: number,
  ) {
    this.buf = new Uint8Array(bufferBytes);
    this.pos = run.start;
  }

  /** The next row, or null at the end of the run. Throws DB_IOERR on a short read, DB_CORRUPT on a bad record. */
  next(): SqlValue[] | null {
    const end = this.run.end;
    if (this.pos >= end) return null;
    this.ensure(this.pos, Math.min(9, end - this.pos));
    const n = getVarint(this.buf, this.pos - this.bufAt, this.bufLen);
    const hdr = lastVarintLength();
    if (typeof n !== "number" || this.pos + hdr + n > end) {
      throw new DbError("DB_CORRUPT", "sort run: record length runs past the end of the run");
    }
    this.ensure(this.pos, hdr + n);
    const at = this.pos - this.bufAt + hdr;
    const row = decodeRecord(this.buf.subarray(at, at + n));
    this.pos += hdr + n;
    // Decoded blobs must not alias the read buffer, which is reused for the next rows.
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (v instanceof Uint8Array && v.buffer === this.buf.buffer) row[i] = v.slice();
    }
    return row;
  }

  /** Makes bytes [off, off + n) of the file available in buf. */
  private ensure(off: number, n: number): void {
    if (off >= this.bufAt && off + n <= this.bufAt + this.bufLen) return;
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
    const want = Math.min(this.buf.length, this.run.end - off);
    const got = this.file.read(this.buf.subarray(0, want), off);
    if (got < n) throw new DbError("DB_IOERR", `sort run: short read (${got} of ${n} bytes at offset ${off})`, { subcode: "DB_IOERR_SHORT_READ" });
    this.bufAt = off;
    this.bufLen = got;
  }
}
