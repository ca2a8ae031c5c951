/**
 * Order-preserving ("memcomparable") key encoding for index B+trees, whose keys are ordered
 * by unsigned byte comparison.
 *
 * For tuples a and b: sign(memcmp(encodeKey(a), encodeKey(b))) === sign(compareTuples(a, b))
 * with the same `desc` flags and collations. Each column is encoded as a tag byte and a
 * self-delimiting body, so the key of a tuple is a byte prefix of the key of any extension
 * of that tuple (handy for prefix seeks: all entries with leading columns X start with
 * encodeKey(X)).
 *
 *   NULL     0x05
 *   INTEGER/ 0x15, then the value as an order-preserving float64 (8 bytes, -0.0 as +0.0);
 *   REAL     when |value| >= 2^53 two more bytes follow: 0x8000 + (exact value - float64),
 *            which orders the integers that share a float64 (|difference| <= 512 in int64)
 *   TEXT     0x25, UTF-8 bytes with 0x00 written as 00 FF, then the terminator 00 00
 *   BLOB     0x35, bytes escaped the same way, then 00 00
 *
 * A DESC column has every byte of its encoding inverted (tags become 0xFA, 0xEA, 0xDA, 0xCA,
 * so decodeKey recognizes descending columns by themselves). NOCASE folds ASCII A-Z to a-z
 * and RTRIM drops trailing spaces before the text is encoded.
 *
 * Keys are lossy by design (values that compare equal must encode identically):
 * decodeKey returns INTEGER for every integral number inside the int64 range (REAL 2.0 comes
 * back as INTEGER 2, -0.0 as 0), and NOCASE/RTRIM text comes back folded/trimmed. When the
 * exact values are needed (covering index reads, typeof()), store them in the B-tree entry's
 * value as a record (encodeRecord) next to the key.
 */
import { DbError } from "@db/btree";
import type { Collation } from "./compare.js";
import { Real, type SqlValue, makeReal, normalizeBigInt, textDecoder, textEncoder } from "./value.js";

export const KEY_TAG_NULL = 0x05;
export const KEY_TAG_NUMBER = 0x15;
export const KEY_TAG_TEXT = 0x25;
export const KEY_TAG_BLOB = 0x35;

const TWO53 = 9007199254740992;
const TWO63 = 9223372036854775808;

const F64 = new Float64Array(1);
const F64B = new Uint8Array(F64.buffer);
const LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/* A growable scratch buffer reused by encodeKey. */
let buf = new Uint8Array(256);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const nb = new Uint8Array(size);
  nb.set(buf.subarray(0, pos));
  buf = nb;
}

function writeNumber(v: number | bigint | Real): void {
  let d: number;
  let exact: bigint | null = null;
  if (typeof v === "bigint") {
    d = Number(v);
    exact = v;
  } else {
    d = v instanceof Real ? v.value : v;
    if (d === 0) d = 0; // -0.0 -> +0.0
  }
  ensure(11);
  buf[pos++] = KEY_TAG_NUMBER;
  F64[0] = d;
  const neg = d < 0;
  for (let i = 0; i < 8; i++) {
    let b = LE ? F64B[7 - i] : F64B[i];
    if (neg) b = ~b & 0xff;
    else if (i === 0) b ^= 0x80;
    buf[pos++] = b;
  }
  if (d >= TWO53 || d <= -TWO53) {
    const diff = exact === null ? 0 : Number(exact - BigInt(d));
    const t = 0x8000 + diff;
    buf[pos++] = t >>> 8;
    buf[pos++] = t & 0xff;
  }
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
    if (n !== s.length) s = s.slice(0, n);
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
      if (fold && c >= 65 && c <= 90) c += 32;
      buf[pos++] = c;
      if (c === 0) buf[pos++] = 0xff;
    }
    buf[pos++] = 0;
    buf[pos++] = 0;
    return;
  }
  const bytes = textEncoder.encode(s);
  if (fold) {
    for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 65 && bytes[i] <= 90) bytes[i] += 32;
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

/**
 * Decodes a key made by encodeKey (descending columns are recognized by their tags; `desc`
 * is accepted for symmetry and must agree if given). See the module comment for what is lost.
 */
export function decodeKey(key: Uint8Array, desc?: readonly boolean[]): SqlValue[] {
  const out: SqlValue[] = [];
  let p = 0;
  while (p < key.length) {
    const col = out.length;
    let tag = key[p];
    const inv = tag >= 0x80;
    if (desc !== undefined && desc[col] !== undefined && !!desc[col] !== inv) {
      throw corrupt(`column ${col} sort order does not match`);
    }
    const x = inv ? 0xff : 0;
    tag ^= x;
    p++;
    switch (tag) {
      case KEY_TAG_NULL:
        out.push(null);
        break;
      case KEY_TAG_NUMBER: {
        if (p + 8 > key.length) throw corrupt("truncated number");
        const first = key[p] ^ x;
        const neg = first < 0x80;
        for (let i = 0; i < 8; i++) {
          let b = key[p + i] ^ x;
          if (neg) b = ~b & 0xff;
          else if (i === 0) b ^= 0x80;
          if (LE) F64B[7 - i] = b;
          else F64B[i] = b;
        }
        p += 8;
        const d = F64[0];
        if (d >= TWO53 || d <= -TWO53) {
          if (p + 2 > key.length) throw corrupt("truncated number");
          const diff = (((key[p] ^ x) << 8) | (key[p + 1] ^ x)) - 0x8000;
          p += 2;
          if (Number.isInteger(d) && d >= -TWO63 && (d < TWO63 || diff < 0)) {
            out.push(normalizeBigInt(BigInt(d) + BigInt(diff)));
          } else {
            out.push(makeReal(d));
          }
        } else if (Number.isInteger(d)) {
          out.push(d === 0 ? 0 : d);
        } else {
          out.push(d);
        }
        break;
      }
      case KEY_TAG_TEXT:
      case KEY_TAG_BLOB: {
        const bytes: number[] = [];
        for (;;) {
          if (p >= key.length) throw corrupt("unterminated text or blob");
          const b = key[p++] ^ x;
          if (b === 0) {
            if (p >= key.length) throw corrupt("unterminated text or blob");
            const e = key[p++] ^ x;
            if (e === 0) break;
            if (e !== 0xff) throw corrupt("bad escape");
            bytes.push(0);
          } else {
            bytes.push(b);
          }
        }
        const u8 = Uint8Array.from(bytes);
        out.push(tag === KEY_TAG_TEXT ? textDecoder.decode(u8) : u8);
        break;
      }
      default:
        throw corrupt(`unknown tag 0x${tag.toString(16)}`);
    }
  }
  return out;
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
