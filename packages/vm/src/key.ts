/**
 * Order-preserving ("memcomparable") key encoding for index B+trees, whose keys are ordered
 * by unsigned byte comparison. The byte format is specified in ../FORMAT.md (ADR 0006).
 *
 * For tuples a and b: sign(memcmp(encodeKey(a), encodeKey(b))) === sign(compareTuples(a, b))
 * with the same `desc` flags and collations. Each column is encoded as a tag byte and a
 * self-delimiting body, and no column encoding is a proper prefix of another, so the key of a
 * tuple is a byte prefix of the key of any extension of that tuple and of nothing else (prefix
 * seeks: all entries with leading columns X start with encodeKey(X)).
 *
 *   NULL      0x05
 *   REAL      0x0B, order-preserving float64: reals below -2^63 (incl. -Infinity)
 *   number    0x15 - n (negative) / 0x15 (zero) / 0x15 + n (positive), n = 1..9: an INTEGER, or
 *             a REAL inside the int64 range, as m = 2*floor(v) (+1 when v is not integral) in n
 *             big-endian magnitude bytes (inverted for negative m); when m is odd the order-
 *             preserving float64 of v follows (8 bytes)
 *   REAL      0x1F, order-preserving float64: reals from 2^63 up (incl. +Infinity)
 *   TEXT      0x25, UTF-8 bytes with 0x00 written as 00 FF, then the terminator 00 00
 *   BLOB      0x35, bytes escaped the same way, then 00 00
 *
 * Doubling the integer part (instead of marking a fraction with a trailing byte) keeps v and
 * v + fraction apart within the magnitude bytes, so the encoding of 2 is no prefix of 2.5's.
 * Numbers compare exactly (INTEGER vs REAL included, as SQLite): integral reals in the int64
 * range encode as the INTEGER they equal, so 2.0 and 2, -0.0 and 0 share their bytes.
 *
 * A DESC column has every byte of its encoding inverted (tags become 0xFA, 0xF4, 0xE1..0xF3,
 * 0xE0, 0xDA, 0xCA, so decodeKey recognizes descending columns by themselves). NOCASE folds
 * ASCII A-Z to a-z and RTRIM drops trailing spaces before the text is encoded.
 *
 * Keys are exact except where equal values must share bytes: decodeKey returns INTEGER for an
 * integral REAL inside the int64 range (REAL 2.0 comes back as INTEGER 2, -0.0 as 0), and
 * NOCASE/RTRIM text comes back folded/trimmed. `lastKeyExact()` tells whether the last key
 * encoded decodes back to exactly its values; an index entry stores a record of its values
 * as the B+tree value only when it does not (see cursors.ts).
 */
import { DbError } from "@db/btree";
import type { Collation } from "./compare.js";
import { decodeRecord, readUtf8 } from "./record.js";
import { Real, type SqlValue, makeReal, normalizeBigInt, textEncoder } from "./value.js";

export const KEY_TAG_NULL = 0x05;
/** REAL below -2^63 (and -Infinity): below every INTEGER. */
export const KEY_TAG_REAL_LOW = 0x0b;
/** Zero; 0x15 - n / 0x15 + n: a negative / positive number whose doubled integer part has n bytes. */
export const KEY_TAG_NUMBER = 0x15;
/** REAL from 2^63 up (and +Infinity): above every INTEGER. */
export const KEY_TAG_REAL_HIGH = 0x1f;
export const KEY_TAG_TEXT = 0x25;
export const KEY_TAG_BLOB = 0x35;
/** Most magnitude bytes of a number (2 * -2^63 = -2^64 needs 9). */
const MAX_NUMBER_BYTES = 9;

const TWO32 = 4294967296;
const TWO53 = 9007199254740992;
const TWO63 = 9223372036854775808;
const MAX_SAFE = 9007199254740991;

const F64 = new Float64Array(1);
const F64B = new Uint8Array(F64.buffer);
const LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/* A growable scratch buffer reused by encodeKey. */
let buf = new Uint8Array(256);
let pos = 0;
/** Whether every value encoded since encodeKey began decodes back exactly (lastKeyExact). */
let exact = true;

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const nb = new Uint8Array(size);
  nb.set(buf.subarray(0, pos));
  buf = nb;
}

/** Bytes of a uint32 > 0. */
function byteLength32(x: number): number {
  return x < 0x100 ? 1 : x < 0x10000 ? 2 : x < 0x1000000 ? 3 : 4;
}

/** Writes m (an integer, |m| <= 2^54 so every double step is exact) as tag and magnitude bytes. */
function writeM(m: number): void {
  ensure(1 + 8);
  if (m === 0) {
    buf[pos++] = KEY_TAG_NUMBER;
    return;
  }
  const neg = m < 0;
  const a = neg ? -m : m;
  const hi = Math.floor(a / TWO32);
  const lo = a - hi * TWO32;
  const n = hi === 0 ? byteLength32(lo) : 4 + byteLength32(hi);
  const x = neg ? 0xff : 0;
  buf[pos++] = neg ? KEY_TAG_NUMBER - n : KEY_TAG_NUMBER + n;
  for (let k = n - 1; k >= 4; k--) buf[pos++] = ((hi >>> ((k - 4) * 8)) & 0xff) ^ x;
  for (let k = Math.min(n, 4) - 1; k >= 0; k--) buf[pos++] = ((lo >>> (k * 8)) & 0xff) ^ x;
}

/** writeM for a bigint m (|m| <= 2^64). */
function writeBigM(m: bigint): void {
  if (m >= -TWO53n && m <= TWO53n) {
    writeM(Number(m));
    return;
  }
  const neg = m < 0n;
  let a = neg ? -m : m;
  const bytes: number[] = [];
  while (a > 0n) {
    bytes.push(Number(a & 0xffn));
    a >>= 8n;
  }
  const n = bytes.length;
  const x = neg ? 0xff : 0;
  ensure(1 + n);
  buf[pos++] = neg ? KEY_TAG_NUMBER - n : KEY_TAG_NUMBER + n;
  for (let k = n - 1; k >= 0; k--) buf[pos++] = bytes[k] ^ x;
}
const TWO53n = 9007199254740992n;

/** The 8 bytes of float64 d, big-endian, made memcmp-ordered (negatives inverted, sign bit set on the rest). */
function writeFloat(d: number): void {
  ensure(8);
  F64[0] = d;
  const neg = d < 0;
  for (let i = 0; i < 8; i++) {
    let b = LE ? F64B[7 - i] : F64B[i];
    if (neg) b = ~b & 0xff;
    else if (i === 0) b ^= 0x80;
    buf[pos++] = b;
  }
}

function writeNumber(v: number | bigint | Real): void {
  if (typeof v === "bigint") {
    writeBigM(v * 2n);
    return;
  }
  let d: number;
  if (typeof v === "number") {
    d = v;
    // An INTEGER is a safe integer; an integral plain number beyond that (never made by the vm)
    // would decode as a bigint.
    if (Number.isInteger(d) && (d > MAX_SAFE || d < -MAX_SAFE) && d >= -TWO63 && d < TWO63) exact = false;
  } else {
    d = v.value;
    // An integral REAL in the int64 range shares its bytes with the INTEGER it equals.
    if (Number.isInteger(d) && d >= -TWO63 && d < TWO63) exact = false;
  }
  if (d >= TWO63) {
    ensure(1);
    buf[pos++] = KEY_TAG_REAL_HIGH;
    writeFloat(d);
    return;
  }
  if (d < -TWO63) {
    ensure(1);
    buf[pos++] = KEY_TAG_REAL_LOW;
    writeFloat(d);
    return;
  }
  const i = Math.floor(d);
  if (i === d) {
    // Integral (-0.0 included: 2 * -0 is -0, which writeM writes as zero).
    if (i >= -TWO53 && i <= TWO53) writeM(2 * i);
    else writeBigM(BigInt(i) * 2n);
    return;
  }
  // Not integral, so |d| < 2^52 and 2i + 1 is exact.
  writeM(2 * i + 1);
  writeFloat(d);
}

function writeEscaped(bytes: Uint8Array): void {
  ensure(bytes.length * 2 + 2);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    buf[pos++] = b;
    if (b === 0) buf[pos++] = 0xff;
  }
  buf[pos++] = 0;
  buf[pos++] = 0;
}

function writeText(s: string, coll: Collation): void {
  if (coll === "RTRIM") {
    let n = s.length;
    while (n > 0 && s.charCodeAt(n - 1) === 32) n--;
    if (n !== s.length) {
      s = s.slice(0, n);
      exact = false;
    }
  }
  ensure(1);
  buf[pos++] = KEY_TAG_TEXT;
  const fold = coll === "NOCASE";
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    ensure(s.length * 2 + 2);
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (fold && c >= 65 && c <= 90) {
        c += 32;
        exact = false;
      }
      buf[pos++] = c;
      if (c === 0) buf[pos++] = 0xff;
    }
    buf[pos++] = 0;
    buf[pos++] = 0;
    return;
  }
  const bytes = textEncoder.encode(s);
  if (fold) {
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] >= 65 && bytes[i] <= 90) {
        bytes[i] += 32;
        exact = false;
      }
    }
  }
  writeEscaped(bytes);
}

function collationOf(c: string | undefined): Collation {
  if (c === undefined || c === "BINARY") return "BINARY";
  const u = c.toUpperCase();
  if (u === "NOCASE" || u === "RTRIM" || u === "BINARY") return u;
  throw new DbError("DB_ERROR", `no such collation sequence: ${c}`);
}

/**
 * Encodes a tuple as a memcmp-ordered key. `desc[i]` makes column i descending;
 * `collations[i]` ("BINARY" | "NOCASE" | "RTRIM", default BINARY) applies to text in column i.
 */
export function encodeKey(
  values: readonly SqlValue[],
  desc?: readonly boolean[],
  collations?: readonly (string | undefined)[],
  /** Leave the key in the shared buffer (buf[0, pos)) and return an empty array: encodeKeyString. */
  inPlace = false,
): Uint8Array {
  pos = 0;
  exact = true;
  for (let i = 0; i < values.length; i++) {
    const start = pos;
    const v = values[i];
    switch (typeof v) {
      case "number":
      case "bigint":
        writeNumber(v);
        break;
      case "string":
        writeText(v, collations ? collationOf(collations[i]) : "BINARY");
        break;
      default:
        if (v === null) {
          ensure(1);
          buf[pos++] = KEY_TAG_NULL;
        } else if (v instanceof Real) {
          writeNumber(v);
        } else {
          ensure(1);
          buf[pos++] = KEY_TAG_BLOB;
          writeEscaped(v);
        }
    }
    if (desc?.[i]) {
      for (let k = start; k < pos; k++) buf[k] = ~buf[k] & 0xff;
    }
  }
  return inPlace ? EMPTY_KEY : buf.slice(0, pos);
}
const EMPTY_KEY = new Uint8Array(0);

/**
 * Whether the key of the last encodeKey (or encodeKeyScratch/encodeKeyString) call decodes back
 * to exactly the values encoded: false after an integral REAL inside the int64 range (it reads
 * back as INTEGER) or text that NOCASE folded or RTRIM trimmed.
 */
export function lastKeyExact(): boolean {
  return exact;
}

/**
 * encodeKey into the shared buffer, returned as a view that is valid only until the next
 * encodeKey call: for a key that is copied right away (a B+tree put or delete).
 */
export function encodeKeyScratch(
  values: readonly SqlValue[],
  desc?: readonly boolean[],
  collations?: readonly (string | undefined)[],
): Uint8Array {
  encodeKey(values, desc, collations, true);
  return buf.subarray(0, pos);
}

/** Node's native latin1 slice, applied to a plain Uint8Array (no Buffer copy); see encodeKeyString. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

/**
 * encodeKey as a string of one char per byte, for Map keys (hash grouping, DISTINCT, IN sets):
 * equal strings exactly when the keys are equal bytes. Built straight from the encoder's buffer,
 * without the two copies of `Buffer.from(encodeKey(...)).toString("latin1")`.
 */
export function encodeKeyString(
  values: readonly SqlValue[],
  desc?: readonly boolean[],
  collations?: readonly (string | undefined)[],
): string {
  if (latin1Slice === undefined) return Buffer.from(encodeKey(values, desc, collations)).toString("latin1");
  encodeKey(values, desc, collations, true);
  return latin1Slice.call(buf, 0, pos);
}

/** Encodes a single value as a key column (ascending, BINARY unless told otherwise). */
export function encodeKeyValue(v: SqlValue, desc = false, collation?: string): Uint8Array {
  return encodeKey([v], [desc], [collation]);
}

function corrupt(what: string): DbError {
  return new DbError("DB_CORRUPT", `database disk image is malformed: index key ${what}`);
}

/** Where the column decoded last by readColumn ends. */
let nextPos = 0;

/**
 * Decodes the key column whose tag is at key[p] (key ends at `end`) and sets nextPos past it.
 * Descending columns are recognized by their inverted tag.
 */
function readColumn(key: Uint8Array, p: number, end: number): SqlValue {
  let tag = key[p++];
  const x = tag >= 0x80 ? 0xff : 0;
  tag ^= x;
  if (tag === KEY_TAG_NULL) {
    nextPos = p;
    return null;
  }
  if (tag >= KEY_TAG_NUMBER - MAX_NUMBER_BYTES && tag <= KEY_TAG_NUMBER + MAX_NUMBER_BYTES) return readNumber(key, p, end, tag, x);
  if (tag === KEY_TAG_TEXT || tag === KEY_TAG_BLOB) return readBytes(key, p, end, tag, x);
  if (tag === KEY_TAG_REAL_LOW || tag === KEY_TAG_REAL_HIGH) {
    const d = readFloat(key, p, end, x);
    // Only reals beyond the int64 range belong here; anything else is not a key we wrote.
    if (tag === KEY_TAG_REAL_LOW ? !(d < -TWO63) : !(d >= TWO63)) throw corrupt("number out of its class");
    nextPos = p + 8;
    return makeReal(d);
  }
  throw corrupt(`unknown tag 0x${tag.toString(16)}`);
}

function readFloat(key: Uint8Array, p: number, end: number, x: number): number {
  if (p + 8 > end) throw corrupt("truncated number");
  const neg = (key[p] ^ x) < 0x80;
  for (let i = 0; i < 8; i++) {
    let b = key[p + i] ^ x;
    if (neg) b = ~b & 0xff;
    else if (i === 0) b ^= 0x80;
    if (LE) F64B[7 - i] = b;
    else F64B[i] = b;
  }
  return F64[0];
}

function readNumber(key: Uint8Array, p: number, end: number, tag: number, x: number): SqlValue {
  if (tag === KEY_TAG_NUMBER) {
    nextPos = p;
    return 0;
  }
  const neg = tag < KEY_TAG_NUMBER;
  const n = neg ? KEY_TAG_NUMBER - tag : tag - KEY_TAG_NUMBER;
  if (p + n > end) throw corrupt("truncated number");
  const y = neg ? x ^ 0xff : x;
  if ((key[p] ^ y) === 0) throw corrupt("number with a leading zero byte"); // n is minimal (FORMAT.md invariant 4)
  let a = 0;
  if (n <= 6) {
    // Up to 48 bits: exact in a double.
    for (let k = 0; k < n; k++) a = a * 256 + (key[p + k] ^ y);
    p += n;
    if (a % 2 === 0) {
      nextPos = p;
      return neg ? -a / 2 : a / 2;
    }
  } else {
    let b = 0n;
    for (let k = 0; k < n; k++) b = (b << 8n) | BigInt(key[p + k] ^ y);
    p += n;
    if ((b & 1n) === 0n) {
      const v = neg ? -(b >> 1n) : b >> 1n;
      if (v < -9223372036854775808n || v > 9223372036854775807n) throw corrupt("integer out of range");
      nextPos = p;
      return normalizeBigInt(v);
    }
    if (b > TWO53n) throw corrupt("number fraction out of range"); // reals this large are integral
    a = Number(b);
  }
  // Odd: a non-integral REAL, whose float64 follows; it lies strictly between (m - 1) / 2 and (m + 1) / 2.
  const d = readFloat(key, p, end, x);
  const lo = (neg ? -a - 1 : a - 1) / 2;
  if (!(d > lo && d < lo + 1)) throw corrupt("number fraction out of range");
  nextPos = p + 8;
  return d;
}

/** TEXT or BLOB: unescapes the bytes up to the terminator (a view of the key when nothing needs undoing). */
function readBytes(key: Uint8Array, p: number, end: number, tag: number, x: number): SqlValue {
  const start = p;
  let escapes = 0;
  for (;;) {
    if (p + 1 >= end) throw corrupt("unterminated text or blob");
    if ((key[p] ^ x) === 0) {
      const e = key[p + 1] ^ x;
      if (e === 0) break;
      if (e !== 0xff) throw corrupt("bad escape");
      escapes++;
      p += 2;
    } else {
      p++;
    }
  }
  nextPos = p + 2;
  if (escapes === 0 && x === 0) return tag === KEY_TAG_TEXT ? readUtf8(key, start, p) : key.slice(start, p);
  const bytes = new Uint8Array(p - start - escapes);
  let o = 0;
  for (let i = start; i < p; i++) {
    const b = key[i] ^ x;
    bytes[o++] = b;
    if (b === 0) i++; // the escape's 0xFF
  }
  return tag === KEY_TAG_TEXT ? readUtf8(bytes, 0, o) : bytes;
}

/** Where the key column whose tag is at key[p] ends, without decoding it (DB_CORRUPT if it runs past `end`). */
function skipColumn(key: Uint8Array, p: number, end: number): number {
  let tag = key[p++];
  const x = tag >= 0x80 ? 0xff : 0;
  tag ^= x;
  let q: number;
  if (tag === KEY_TAG_NULL || tag === KEY_TAG_NUMBER) q = p;
  else if (tag >= KEY_TAG_NUMBER - MAX_NUMBER_BYTES && tag <= KEY_TAG_NUMBER + MAX_NUMBER_BYTES) {
    const neg = tag < KEY_TAG_NUMBER;
    q = p + (neg ? KEY_TAG_NUMBER - tag : tag - KEY_TAG_NUMBER);
    // An odd doubled integer part (last magnitude byte, uninverted) means a float64 follows.
    if (q <= end && ((key[q - 1] ^ x ^ (neg ? 0xff : 0)) & 1) === 1) q += 8;
  } else if (tag === KEY_TAG_REAL_LOW || tag === KEY_TAG_REAL_HIGH) q = p + 8;
  else if (tag === KEY_TAG_TEXT || tag === KEY_TAG_BLOB) {
    for (;;) {
      if (p + 1 >= end) throw corrupt("unterminated text or blob");
      if ((key[p] ^ x) === 0) {
        if ((key[p + 1] ^ x) === 0) break;
        p += 2;
      } else {
        p++;
      }
    }
    q = p + 2;
  } else throw corrupt(`unknown tag 0x${tag.toString(16)}`);
  if (q > end) throw corrupt("truncated number");
  return q;
}

/**
 * Decodes a key made by encodeKey (descending columns are recognized by their tags; `desc`
 * is accepted for symmetry and must agree if given). See the module comment for what is lost.
 */
export function decodeKey(key: Uint8Array, desc?: readonly boolean[]): SqlValue[] {
  const out: SqlValue[] = [];
  let p = 0;
  while (p < key.length) {
    const col = out.length;
    if (desc !== undefined && desc[col] !== undefined && !!desc[col] !== key[p] >= 0x80) {
      throw corrupt(`column ${col} sort order does not match`);
    }
    out.push(readColumn(key, p, key.length));
    p = nextPos;
  }
  return out;
}

/**
 * The values of an index entry: its record when it has one, else decoded from its key (a
 * key-only entry, written when the key decodes exactly; see cursors.ts insertIndex).
 */
export function decodeIndexEntry(key: Uint8Array, value: Uint8Array): SqlValue[] {
  return value.length === 0 ? decodeKey(key) : decodeRecord(value);
}

/**
 * Reads the columns of a key in place (in a B+tree page, say) on demand, as RecordReader reads
 * a record: column i decodes only column i, after walking the tags before it once.
 */
export class KeyReader {
  private buf: Uint8Array = EMPTY_KEY;
  private end = 0;
  /** offsets[i]: where column i starts, for i < known. */
  private readonly offsets: number[] = [];
  private known = 0;
  /** True once the start of every column is known. */
  private complete = true;

  /** Points the reader at the key in buf[start, end); the bytes must stay unchanged while read. */
  resetAt(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.end = end;
    this.offsets[0] = start;
    this.known = start < end ? 1 : 0;
    this.complete = start >= end;
    return this;
  }

  reset(key: Uint8Array): this {
    return this.resetAt(key, 0, key.length);
  }

  /** Walks the tags until the start of column i is known (or the key ends). */
  private scanTo(i: number): void {
    const offsets = this.offsets;
    while (this.known <= i && !this.complete) {
      const q = skipColumn(this.buf, offsets[this.known - 1], this.end);
      if (q >= this.end) this.complete = true;
      else offsets[this.known++] = q;
    }
  }

  /** Number of columns in the key. */
  get count(): number {
    if (!this.complete) this.scanTo(Number.MAX_SAFE_INTEGER);
    return this.known;
  }

  /** Decodes column i (NULL past the end). */
  column(i: number): SqlValue {
    if (i >= this.known) {
      this.scanTo(i);
      if (i >= this.known) return null;
    }
    if (i < 0) return null;
    return readColumn(this.buf, this.offsets[i], this.end);
  }
}

/** memcmp of two byte strings: negative, zero or positive. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/**
 * The smallest byte string greater than every string that starts with `prefix` (for range
 * scans: keys k with prefix <= k < keySuccessor(prefix) are exactly those starting with it),
 * or null if there is none (prefix empty or all 0xFF).
 */
export function keySuccessor(prefix: Uint8Array): Uint8Array | null {
  let n = prefix.length;
  while (n > 0 && prefix[n - 1] === 0xff) n--;
  if (n === 0) return null;
  const out = prefix.slice(0, n);
  out[n - 1]++;
  return out;
}

/** A rowid as an 8-byte big-endian key with the sign bit flipped (so memcmp orders rowids). */
export function encodeRowidKey(rowid: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  writeRowidKey(out, 0, rowid);
  return out;
}

/** Writes the 8-byte rowid key at buf[off..off+8). */
export function writeRowidKey(out: Uint8Array, off: number, rowid: number | bigint): void {
  if (typeof rowid === "number") {
    if (!Number.isSafeInteger(rowid)) throw new RangeError(`rowid ${rowid} is not an integer`);
    const hi = Math.floor(rowid / 4294967296);
    const lo = rowid - hi * 4294967296;
    const h = (hi ^ 0x80000000) >>> 0;
    out[off] = h >>> 24;
    out[off + 1] = (h >>> 16) & 0xff;
    out[off + 2] = (h >>> 8) & 0xff;
    out[off + 3] = h & 0xff;
    out[off + 4] = lo >>> 24;
    out[off + 5] = (lo >>> 16) & 0xff;
    out[off + 6] = (lo >>> 8) & 0xff;
    out[off + 7] = lo & 0xff;
    return;
  }
  let u = BigInt.asUintN(64, rowid) ^ 0x8000000000000000n;
  for (let i = 7; i >= 0; i--) {
    out[off + i] = Number(u & 0xffn);
    u >>= 8n;
  }
}

/** Reads a rowid key written by encodeRowidKey (number when safe, else bigint). */
export function decodeRowidKey(key: Uint8Array, off = 0): number | bigint {
  if (key.length < off + 8) throw corrupt("rowid key shorter than 8 bytes");
  const h = ((key[off] << 24) | (key[off + 1] << 16) | (key[off + 2] << 8) | key[off + 3]) ^ 0x80000000;
  const lo = ((key[off + 4] << 24) | (key[off + 5] << 16) | (key[off + 6] << 8) | key[off + 7]) >>> 0;
  const v = h * 4294967296 + lo; // h is signed now
  if (v >= -9007199254740991 && v <= 9007199254740991) return v;
  return (BigInt(h) << 32n) | BigInt(lo);
}
