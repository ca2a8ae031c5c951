/**
 * SQLite's record format (https://sqlite.org/fileformat2.html#record_format):
 *
 *   header-size varint | serial-type varint ... | body
 *
 * Serial types: 0 NULL; 1,2,3,4,5,6 big-endian two's-complement integers of 1,2,3,4,6,8 bytes;
 * 7 big-endian IEEE 754 float64; 8 the integer 0; 9 the integer 1; 10,11 reserved;
 * N>=12 even: BLOB of (N-12)/2 bytes; N>=13 odd: TEXT of (N-13)/2 bytes of UTF-8.
 * Varints are SQLite's: 1-9 bytes, big-endian 7-bit groups, the 9th byte carrying 8 bits.
 *
 * A REAL is always written as serial type 7 (even when integral), so REAL 2.0 reads back as
 * `Real(2)` and INTEGER 2 as `2`.
 */
import { DbError } from "@db/btree";
import { Real, type SqlValue, type StorageClass, makeReal, textEncoder } from "./value.js";

const EMPTY = new Uint8Array(0);
const TWO32 = 4294967296;
const MAX_SAFE = 9007199254740991;

const F64 = new Float64Array(1);
const F64B = new Uint8Array(F64.buffer);
const LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function corrupt(what: string): DbError {
  return new DbError("DB_CORRUPT", `database disk image is malformed: ${what}`);
}

/* ------------------------------------------------------------------------------------------ */
/* Varints                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** Number of bytes of the varint for a non-negative value (number < 2^53, or a u64 bigint). */
export function varintLength(v: number | bigint): number {
  if (typeof v === "number") {
    if (v < 0x80) return 1;
    if (v < 0x4000) return 2;
    if (v < 0x200000) return 3;
    if (v < 0x10000000) return 4;
    let n = 4;
    let x = Math.floor(v / 0x10000000);
    while (x > 0 && n < 9) {
      n++;
      x = Math.floor(x / 128);
    }
    return n;
  }
  const u = BigInt.asUintN(64, v);
  if (u >= 1n << 56n) return 9;
  let n = 1;
  for (let x = u >> 7n; x > 0n; x >>= 7n) n++;
  return n;
}

/**
 * Writes a varint at `off`, returns its length. `v` is a non-negative number below 2^53, or a
 * bigint taken modulo 2^64 (so a negative bigint writes its two's complement, as SQLite does).
 */
export function putVarint(buf: Uint8Array, off: number, v: number | bigint): number {
  if (typeof v === "number") {
    if (v < 0x80) {
      buf[off] = v;
      return 1;
    }
    if (v < 0x4000) {
      buf[off] = (v >>> 7) | 0x80;
      buf[off + 1] = v & 0x7f;
      return 2;
    }
    if (v < 0x200000) {
      buf[off] = (v >>> 14) | 0x80;
      buf[off + 1] = ((v >>> 7) & 0x7f) | 0x80;
      buf[off + 2] = v & 0x7f;
      return 3;
    }
    if (v > MAX_SAFE || v < 0) v = BigInt(v);
    else {
      // Up to 8 groups of 7 bits (56 bits) covers every safe integer.
      let n = 0;
      const tmp: number[] = [];
      let x = v;
      do {
        tmp.push(x % 128);
        x = Math.floor(x / 128);
        n++;
      } while (x > 0);
      for (let i = 0; i < n; i++) buf[off + i] = tmp[n - 1 - i] | (i < n - 1 ? 0x80 : 0);
      return n;
    }
  }
  let u = BigInt.asUintN(64, v as bigint);
  if (u >= 1n << 56n) {
    buf[off + 8] = Number(u & 0xffn);
    u >>= 8n;
    for (let i = 7; i >= 0; i--) {
      buf[off + i] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    return 9;
  }
  const tmp: number[] = [];
  do {
    tmp.push(Number(u & 0x7fn));
    u >>= 7n;
  } while (u > 0n);
  const n = tmp.length;
  for (let i = 0; i < n; i++) buf[off + i] = tmp[n - 1 - i] | (i < n - 1 ? 0x80 : 0);
  return n;
}

let varintLen = 0;
/** Length in bytes of the varint read by the most recent `getVarint`/`getVarint32` call. */
export function lastVarintLength(): number {
  return varintLen;
}

/**
 * Reads a varint at `off` (the length is available from `lastVarintLength()`). Values up to
 * 2^53-1 are numbers, larger ones unsigned bigints. Throws DB_CORRUPT past `end`.
 */
export function getVarint(buf: Uint8Array, off: number, end: number = buf.length): number | bigint {
  if (off + 9 > end) {
    // Near the end of the buffer: check every byte.
    for (let i = 0; i < 9; i++) {
      if (off + i >= end) throw corrupt("varint runs past the end of its buffer");
      if (buf[off + i] < 0x80) break;
    }
  }
  let v = 0;
  for (let i = 0; i < 7; i++) {
    const b = buf[off + i];
    v = v * 128 + (b & 0x7f);
    if (b < 0x80) {
      varintLen = i + 1;
      return v;
    }
  }
  const b7 = buf[off + 7];
  if (b7 < 0x80) {
    varintLen = 8;
    const r = v * 128 + b7;
    return r <= MAX_SAFE ? r : BigInt(v) * 128n + BigInt(b7);
  }
  varintLen = 9;
  const big = (BigInt(v) << 15n) | (BigInt(b7 & 0x7f) << 8n) | BigInt(buf[off + 8]);
  return big <= 9007199254740991n ? Number(big) : big;
}

/* ------------------------------------------------------------------------------------------ */
/* Serial types                                                                               */
/* ------------------------------------------------------------------------------------------ */

const INT_SIZE = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0];

/** Body size in bytes of a serial type. */
export function serialTypeLength(t: number): number {
  if (t >= 12) return Math.floor((t - 12) / 2);
  return INT_SIZE[t] ?? 0;
}

function intSerialType(v: number): number {
  if (v === 0) return 8;
  if (v === 1) return 9;
  if (v >= -128 && v <= 127) return 1;
  if (v >= -32768 && v <= 32767) return 2;
  if (v >= -8388608 && v <= 8388607) return 3;
  if (v >= -2147483648 && v <= 2147483647) return 4;
  if (v >= -140737488355328 && v <= 140737488355327) return 5;
  return 6;
}

/**
 * The serial type a value is stored with. Text/blob types depend on the byte length, so for
 * a string pass its UTF-8 length in `byteLength`.
 */
export function serialTypeOf(v: SqlValue, byteLength?: number): number {
  switch (typeof v) {
    case "number":
      return Number.isInteger(v) ? intSerialType(v) : 7;
    case "bigint":
      return 6;
    case "string":
      return 13 + 2 * (byteLength ?? utf8Len(v));
    default:
      if (v === null) return 0;
      if (v instanceof Real) return 7;
      return 12 + 2 * v.length;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Encoding                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/** UTF-8 byte length of a string (lone surrogates count as U+FFFD, as TextEncoder writes them). */
function utf8Len(s: string): number {
  const n = s.length;
  let len = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      if (c < 0x800) len += 1;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        len += 2; // 4 bytes for 2 code units
        i++;
      } else len += 2;
    }
  }
  return len;
}

function writeFloat(buf: Uint8Array, off: number, x: number): void {
  F64[0] = x;
  if (LE) {
    for (let i = 0; i < 8; i++) buf[off + i] = F64B[7 - i];
  } else {
    for (let i = 0; i < 8; i++) buf[off + i] = F64B[i];
  }
}

function writeInt(buf: Uint8Array, off: number, v: number | bigint, size: number): void {
  if (typeof v === "bigint") {
    let u = BigInt.asUintN(64, v);
    for (let i = 7; i >= 0; i--) {
      buf[off + i] = Number(u & 0xffn);
      u >>= 8n;
    }
    return;
  }
  if (size <= 4) {
    for (let i = size - 1; i >= 0; i--) {
      buf[off + i] = v & 0xff;
      v >>= 8;
    }
    return;
  }
  const hi = Math.floor(v / TWO32);
  const lo = v - hi * TWO32;
  buf[off + size - 1] = lo & 0xff;
  buf[off + size - 2] = (lo >>> 8) & 0xff;
  buf[off + size - 3] = (lo >>> 16) & 0xff;
  buf[off + size - 4] = (lo >>> 24) & 0xff;
  let h = hi;
  for (let i = size - 5; i >= 0; i--) {
    buf[off + i] = h & 0xff;
    h >>= 8;
  }
}

// Scratch arrays reused across encodeRecord calls.
let scratchTypes: number[] = [];
let scratchLens: number[] = [];

/** Encodes values as a record (a new array the caller owns). */
export function encodeRecord(values: readonly SqlValue[]): Uint8Array {
  const out = encodeRecordTo(values, false);
  // A large record has an array of its own; otherwise copy out of the shared buffer.
  return out.buffer === copyOut.buffer ? out.slice() : out;
}

/** The buffers the encoder writes into (grown as needed up to SCRATCH_MAX, never shrunk). */
let scratchOut = new Uint8Array(1024);
let copyOut = new Uint8Array(1024);
const SCRATCH_MAX = 65536;

/**
 * Encodes values as a record into a shared buffer and returns a view of it, valid only until the
 * next encodeRecordScratch call: for a record that is copied right away (a B+tree put), so no
 * array is allocated per row.
 */
export function encodeRecordScratch(values: readonly SqlValue[]): Uint8Array {
  return encodeRecordTo(values, true);
}

/** Node's native UTF-8 write into a plain Uint8Array (what `Buffer#write` calls); see writeUtf8. */
const utf8Write = (Buffer.prototype as unknown as { utf8Write?: (this: Uint8Array, s: string, off: number, max: number) => number }).utf8Write;

/**
 * Writes `s` as UTF-8 at buf[off..] (room for 3 bytes per UTF-16 unit guaranteed by the caller),
 * lone surrogates as U+FFFD (as TextEncoder); returns the bytes written. Short ASCII strings are
 * copied in JS, others by the native encoder (much faster on long or sliced strings).
 */
function writeUtf8(buf: Uint8Array, off: number, s: string): number {
  const n = s.length;
  if (n <= 16) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[off + i] = c;
    }
    if (i === n) return n;
  }
  if (utf8Write !== undefined) return utf8Write.call(buf, s, off, 3 * n);
  return textEncoder.encodeInto(s, buf.subarray(off, off + 3 * n)).written;
}

/**
 * Encodes a record. The body is written first, after room for the largest header it can need
 * (TEXT lengths are known only once encoded), then the header right before it; the result is a
 * view of the shared buffer (`scratch`), or of a second one that encodeRecord copies from.
 */
function encodeRecordTo(values: readonly SqlValue[], scratch: boolean): Uint8Array {
  const n = values.length;
  if (scratchTypes.length < n) {
    scratchTypes = new Array<number>(n);
    scratchLens = new Array<number>(n);
  }
  const types = scratchTypes;
  const lens = scratchLens;
  // Upper bounds of the header (serial types) and of the body; TEXT counts 3 bytes per unit.
  let hdrMax = 0;
  let bodyMax = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let t: number;
    let len: number;
    switch (typeof v) {
      case "number":
        if (Number.isInteger(v)) {
          t = intSerialType(v);
          len = INT_SIZE[t];
        } else {
          t = 7;
          len = 8;
        }
        break;
      case "bigint":
        t = 6;
        len = 8;
        break;
      case "string":
        len = 3 * v.length;
        t = -1; // set once written
        hdrMax += varintLength(13 + 2 * len);
        bodyMax += len;
        types[i] = t;
        lens[i] = len;
        continue;
      default:
        if (v === null) {
          t = 0;
          len = 0;
        } else if (v instanceof Real) {
          t = 7;
          len = 8;
        } else {
          len = v.length;
          t = 12 + 2 * len;
        }
    }
    types[i] = t;
    lens[i] = len;
    hdrMax += t < 0x80 ? 1 : varintLength(t);
    bodyMax += len;
  }
  const bodyStart = hdrMax + varintLength(hdrMax + 9);
  const cap = bodyStart + bodyMax;
  let out: Uint8Array;
  if (cap > SCRATCH_MAX) out = new Uint8Array(cap);
  else if (scratch) {
    if (scratchOut.length < cap) scratchOut = new Uint8Array(grow(scratchOut.length, cap));
    out = scratchOut;
  } else {
    if (copyOut.length < cap) copyOut = new Uint8Array(grow(copyOut.length, cap));
    out = copyOut;
  }
  let p = bodyStart;
  let hdr = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let t = types[i];
    let len = lens[i];
    if (t < 0) {
      len = writeUtf8(out, p, v as string);
      t = 13 + 2 * len;
      types[i] = t;
    } else if (t >= 12) {
      out.set(v as Uint8Array, p);
    } else if (t === 7) {
      writeFloat(out, p, v instanceof Real ? v.value : (v as number));
    } else if (len > 0) {
      writeInt(out, p, v as number | bigint, len);
    }
    p += len;
    hdr += t < 0x80 ? 1 : varintLength(t);
  }
  let hdrSize = hdr + 1;
  while (varintLength(hdrSize) + hdr > hdrSize) hdrSize = hdr + varintLength(hdrSize);
  const start = bodyStart - hdrSize;
  let h = start + putVarint(out, start, hdrSize);
  for (let i = 0; i < n; i++) {
    const t = types[i];
    if (t < 0x80) out[h++] = t;
    else h += putVarint(out, h, t);
  }
  return start === 0 && p === out.length ? out : out.subarray(start, p);
}

function grow(size: number, min: number): number {
  while (size < min) size *= 2;
  return size;
}

/* ------------------------------------------------------------------------------------------ */
/* Decoding                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/**
 * Node's native UTF-8 slice (what `Buffer#toString("utf8")` calls), applied to a plain
 * Uint8Array (the faster of the two for short strings when it was chosen), with the same
 * replacement of invalid sequences as TextDecoder, and it keeps a leading U+FEFF as SQLite does
 * (TextDecoder drops it).
 * Not part of Node's documented API, so fall back to a BOM-keeping TextDecoder without it.
 */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: (this: Uint8Array, start: number, end: number) => string }).utf8Slice;
const bomKeepingDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

export function readUtf8(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= SHORT_ASCII_MAX) {
    let any = 0;
    for (let i = start; i < end; i++) any |= buf[i];
    if (any < 0x80) return shortAscii(buf, start, n);
  }
  return decodeSlow(buf, start, end);
}

/** Strings up to this many bytes are built in JS when ASCII (no native call). */
const SHORT_ASCII_MAX = 12;

/**
 * An ASCII string of n <= SHORT_ASCII_MAX bytes at buf[i..]: one String.fromCharCode call with
 * every byte as an argument (no native call, and no string built a byte at a time).
 */
function shortAscii(buf: Uint8Array, i: number, n: number): string {
  const f = String.fromCharCode;
  switch (n) {
    case 0:
      return "";
    case 1:
      return f(buf[i]);
    case 2:
      return f(buf[i], buf[i + 1]);
    case 3:
      return f(buf[i], buf[i + 1], buf[i + 2]);
    case 4:
      return f(buf[i], buf[i + 1], buf[i + 2], buf[i + 3]);
    case 5:
      return f(buf[i], buf[i + 1], buf[i + 2], buf[i + 3], buf[i + 4]);
    case 6:
      return f(buf[i], buf[i + 1], buf[i + 2], buf[i + 3], buf[i + 4], buf[i + 5]);
    case 7:
      return f(buf[i], buf[i + 1], buf[i + 2], buf[i + 3], buf[i + 4], buf[i + 5], buf[i + 6]);
    case 8:
      return f(buf[i], buf[i + 1], buf[i + 2], buf[i + 3], buf[i + 4], buf[i + 5], buf[i + 6], buf[i + 7]);
    case 9:
      return f(buf[i], buf[i + 1], buf[i + 2], buf[i + 3], buf[i + 4], buf[i + 5], buf[i + 6], buf[i + 7], buf[i + 8]);
    case 10:
      return f(buf[i], buf[i + 1], buf[i + 2], buf[i + 3], buf[i + 4], buf[i + 5], buf[i + 6], buf[i + 7], buf[i + 8], buf[i + 9]);
    case 11:
      return f(buf[i], buf[i + 1], buf[i + 2], buf[i + 3], buf[i + 4], buf[i + 5], buf[i + 6], buf[i + 7], buf[i + 8], buf[i + 9], buf[i + 10]);
    default:
      return f(buf[i], buf[i + 1], buf[i + 2], buf[i + 3], buf[i + 4], buf[i + 5], buf[i + 6], buf[i + 7], buf[i + 8], buf[i + 9], buf[i + 10], buf[i + 11]);
  }
}

function decodeSlow(buf: Uint8Array, start: number, end: number): string {
  if (utf8Slice !== undefined) return utf8Slice.call(buf, start, end);
  return bomKeepingDecoder.decode(buf.subarray(start, end));
}

/**
 * A Uint32Array over the whole ArrayBuffer of the last buffer `utf8CharCount` scanned by words,
 * and that buffer's byteOffset (a page buffer serves every row of a scan on that page, so one view per page;
 * reading `byteOffset` costs more than the scan of a short string).
 */
let wordsOf: Uint8Array | null = null;
let words: Uint32Array = new Uint32Array(0);
let wordsBase = 0;

/** Strings shorter than this are scanned a byte at a time (a view would cost more than it saves). */
const WORD_SCAN_MIN = 32;

/**
 * length() of TEXT stored as UTF-8 in buf[start, end), counted on the bytes as SQLite's lengthFunc
 * does: characters before the first NUL, where a lead byte (>= 0xC0) swallows the continuation
 * bytes (0x80-0xBF) after it. No string is built.
 */
export function utf8CharCount(buf: Uint8Array, start: number, end: number): number {
  let i = end - start >= WORD_SCAN_MIN ? asciiRunEnd(buf, start, end) : start;
  // Bytes below 0xC0 other than NUL count one character each (ASCII, or a continuation byte
  // with no lead byte before it).
  while (i < end) {
    const c = buf[i];
    if (c === 0 || c >= 0xc0) break;
    i++;
  }
  let n = i - start;
  while (i < end) {
    const c = buf[i++];
    if (c === 0) break;
    n++;
    if (c >= 0xc0) while (i < end && (buf[i] & 0xc0) === 0x80) i++;
  }
  return n;
}

/**
 * Where the run of ASCII bytes other than NUL starting at `start` ends, give or take a few bytes
 * before it (the caller scans the rest bytewise): tests eight aligned bytes at a time, two 32-bit
 * words w, where w & 0x80808080 finds a byte >= 0x80 and (w - 0x01010101) & ~w & 0x80808080 a
 * zero byte (eight bytes per step instead of one).
 */
function asciiRunEnd(buf: Uint8Array, start: number, end: number): number {
  if (buf !== wordsOf) {
    wordsOf = buf;
    const ab = buf.buffer;
    // Word indexes are computed with 32-bit operators: no word scan past 2 GiB.
    words = ab.byteLength < 0x7fffffff ? new Uint32Array(ab, 0, ab.byteLength >>> 2) : new Uint32Array(0);
    wordsBase = buf.byteOffset;
  }
  const base = wordsBase;
  if (words.length === 0) return start;
  // Bytes to the first 4-byte boundary (of the ArrayBuffer), then whole words inside [start, end).
  let i = start;
  while (((base + i) & 3) !== 0) {
    const c = buf[i];
    if (c === 0 || c >= 0x80) return i;
    i++;
  }
  const w = words;
  let k = (base + i) >>> 2;
  const kEnd = ((base + end) >>> 2) - 1;
  while (k < kEnd) {
    const x = w[k];
    const y = w[k + 1];
    if ((((x | y) & 0x80808080) | ((((x - 0x01010101) & ~x) | ((y - 0x01010101) & ~y)) & 0x80808080)) !== 0) break;
    k += 2;
  }
  return (k << 2) - base;
}

function readInt(buf: Uint8Array, p: number, t: number): number | bigint {
  switch (t) {
    case 1:
      return (buf[p] << 24) >> 24;
    case 2:
      return (((buf[p] << 8) | buf[p + 1]) << 16) >> 16;
    case 3:
      return (((buf[p] << 16) | (buf[p + 1] << 8) | buf[p + 2]) << 8) >> 8;
    case 4:
      return (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
    case 5: {
      const hi = (((buf[p] << 8) | buf[p + 1]) << 16) >> 16;
      const lo = ((buf[p + 2] << 24) | (buf[p + 3] << 16) | (buf[p + 4] << 8) | buf[p + 5]) >>> 0;
      return hi * TWO32 + lo;
    }
    default: {
      const hi = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
      const lo = ((buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]) >>> 0;
      const v = hi * TWO32 + lo;
      if (v >= -MAX_SAFE && v <= MAX_SAFE) return v;
      return (BigInt(hi) << 32n) | BigInt(lo);
    }
  }
}

function readFloat(buf: Uint8Array, p: number): SqlValue {
  if (LE) {
    for (let i = 0; i < 8; i++) F64B[7 - i] = buf[p + i];
  } else {
    for (let i = 0; i < 8; i++) F64B[i] = buf[p + i];
  }
  return makeReal(F64[0]);
}

/** Decodes the value of serial type `t` stored at buf[p..]; the caller checked the bounds. */
function readValue(buf: Uint8Array, p: number, t: number): SqlValue {
  if (t >= 12) {
    const len = (t - 12) >>> 1;
    if (t & 1) return readUtf8(buf, p, p + len);
    return buf.slice(p, p + len);
  }
  switch (t) {
    case 0:
      return null;
    case 7:
      return readFloat(buf, p);
    case 8:
      return 0;
    case 9:
      return 1;
    default:
      return readInt(buf, p, t);
  }
}

/** Record headers up to this many bytes are kept for the next record's same-header check. */
const MAX_CACHED_HEADER = 32;

/**
 * Parses a record header once and decodes columns on demand. Reuse one reader for many
 * records (`reset`) to avoid allocation:
 *
 *   const r = new RecordReader();
 *   r.reset(bytes);
 *   for (let i = 0; i < r.count; i++) r.column(i);
 */
export class RecordReader {
  private buf: Uint8Array = EMPTY;
  /** Where the record starts in buf; `offsets` are relative to it. */
  private base = 0;
  private n = 0;
  private types: number[] = [];
  private offsets: number[] = [];
  /** The last parsed header's bytes (hdrLen of them; 0: none kept) and its record's size. */
  private readonly hdr = new Uint8Array(MAX_CACHED_HEADER);
  private hdrLen = 0;
  private size = 0;

  constructor(buf?: Uint8Array) {
    if (buf) this.reset(buf);
  }

  /** Points the reader at a new record and parses its header. Throws DB_CORRUPT if malformed. */
  reset(buf: Uint8Array): this {
    return this.resetAt(buf, 0, buf.length);
  }

  /**
   * Points the reader at the record in buf[start, end) (e.g. in place in a B+tree page, without
   * copying it) and parses its header. The bytes must stay unchanged while columns are read.
   * Throws DB_CORRUPT if malformed.
   */
  resetAt(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.base = start;
    if (end <= start) throw corrupt("empty record");
    // The same header bytes as the previous record (common in a scan: same types and lengths)
    // give the same types and offsets: compare a few bytes instead of parsing.
    const hl = this.hdrLen;
    if (buf[start] === hl && hl !== 0 && start + this.size <= end) {
      const hdr = this.hdr;
      let i = 1;
      while (i < hl && buf[start + i] === hdr[i]) i++;
      if (i === hl) return this;
    }
    // The parse below overwrites types and offsets; if it throws part-way, the cached header
    // must not describe them any more.
    this.hdrLen = 0;
    let hdrSize: number;
    let p: number;
    if (buf[start] < 0x80) {
      hdrSize = buf[start];
      p = start + 1;
    } else {
      const h = getVarint(buf, start, end);
      if (typeof h !== "number") throw corrupt("record header too large");
      hdrSize = h;
      p = start + varintLen;
    }
    const hdrEnd = start + hdrSize;
    if (hdrEnd > end || hdrEnd < p) throw corrupt("record header size out of range");
    const types = this.types;
    const offsets = this.offsets;
    let off = hdrSize;
    let n = 0;
    while (p < hdrEnd) {
      let t: number;
      const b0 = buf[p];
      if (b0 < 0x80) {
        t = b0;
        p++;
      } else if (p + 1 < hdrEnd && buf[p + 1] < 0x80) {
        // Two-byte varint: TEXT/BLOB of 58..8185 bytes.
        t = ((b0 & 0x7f) << 7) | buf[p + 1];
        p += 2;
      } else {
        const v = getVarint(buf, p, hdrEnd);
        if (typeof v !== "number") throw corrupt("serial type too large");
        t = v;
        p += varintLen;
      }
      let len: number;
      if (t >= 12) len = Math.floor((t - 12) / 2);
      else if (t === 10 || t === 11) throw corrupt(`reserved serial type ${t}`);
      else len = INT_SIZE[t];
      types[n] = t;
      offsets[n] = off;
      off += len;
      n++;
    }
    if (start + off > end) throw corrupt("record body runs past the end of the record");
    this.n = n;
    if (hdrSize <= MAX_CACHED_HEADER && buf[start] === hdrSize) {
      for (let i = 1; i < hdrSize; i++) this.hdr[i] = buf[start + i];
      this.hdrLen = hdrSize;
      this.size = off;
    } else this.hdrLen = 0;
    return this;
  }

  /** Number of columns in the record. */
  get count(): number {
    return this.n;
  }

  /** Serial type of column i (0 = NULL); columns past the end read as NULL (0). */
  serialType(i: number): number {
    return i < this.n ? this.types[i] : 0;
  }

  /** Whether column i is NULL (or past the end of the record). */
  isNull(i: number): boolean {
    return i >= this.n || this.types[i] === 0;
  }

  /** typeof() of column i without decoding it. */
  storageClass(i: number): StorageClass {
    if (i >= this.n) return "null";
    const t = this.types[i];
    if (t === 0) return "null";
    if (t === 7) return "real";
    if (t < 12) return "integer";
    return t & 1 ? "text" : "blob";
  }

  /** Decodes column i. Columns past the end of the record (ALTER TABLE ADD COLUMN) are NULL. */
  column(i: number): SqlValue {
    if (i >= this.n || i < 0) return null;
    return readValue(this.buf, this.base + this.offsets[i], this.types[i]);
  }

  /**
   * length() of column i (SQL NULL: null) without decoding TEXT or copying a BLOB; numbers take
   * `numberLength`, the length of their text rendering. Columns past the end read as NULL.
   */
  columnLength(i: number, numberLength: (v: SqlValue) => SqlValue): SqlValue {
    if (i >= this.n || i < 0) return null;
    const t = this.types[i];
    if (t >= 12) {
      const len = (t - 12) >>> 1;
      if ((t & 1) === 0) return len;
      const p = this.base + this.offsets[i];
      return utf8CharCount(this.buf, p, p + len);
    }
    if (t === 0) return null;
    return numberLength(readValue(this.buf, this.base + this.offsets[i], t));
  }

  /** Decodes every column. */
  values(): SqlValue[] {
    const out = new Array<SqlValue>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = readValue(this.buf, this.base + this.offsets[i], this.types[i]);
    return out;
  }
}

const sharedReader = new RecordReader();

/** Decodes a whole record. Throws DB_CORRUPT if it is malformed. */
export function decodeRecord(buf: Uint8Array): SqlValue[] {
  return sharedReader.reset(buf).values();
}

/** Decodes column `i` of a record (NULL if the record has fewer columns). */
export function decodeColumn(buf: Uint8Array, i: number): SqlValue {
  return sharedReader.reset(buf).column(i);
}

/** Number of columns of a record. */
export function recordColumnCount(buf: Uint8Array): number {
  return sharedReader.reset(buf).count;
}
