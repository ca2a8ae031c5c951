/**
 * The cursors a program works through: B+tree tables (rowid → record), B+tree indexes
 * (order-preserving key of the indexed values and rowid → a record of the same values, or
 * nothing when the key decodes to them exactly: packages/vm/FORMAT.md),
 * in-memory ephemeral tables and sets, and sorters.
 */
import { BTree, DbError, type Cursor, type Pager } from "@db/btree";
import { RecordReader, encodeRecordScratch } from "./record.js";
import { KeyReader, compareKeys, decodeRowidKey, encodeKey, encodeKeyScratch, encodeKeyString, keySuccessor, lastKeyExact, writeRowidKey } from "./key.js";
import type { SqlValue } from "./value.js";

export interface VmCursor {
  /** Positions on the first row; false when empty. */
  rewind(): boolean;
  last(): boolean;
  next(): boolean;
  prev(): boolean;
  column(i: number): SqlValue;
  rowid(): SqlValue;
  /** True after NullRow: every column reads NULL (LEFT JOIN with no match). */
  nullRow: boolean;
  close(): void;
}

/** Encodes an index key: the indexed values then the rowid, memcmp-ordered. */
export interface IndexSpec {
  /** Per indexed column (not counting the trailing rowid). */
  desc: boolean[];
  collations: string[];
}

function keyFlags(spec: IndexSpec, n: number): { desc: boolean[]; coll: string[] } {
  const desc: boolean[] = [];
  const coll: string[] = [];
  for (let i = 0; i < n; i++) {
    desc.push(spec.desc[i] ?? false);
    coll.push(spec.collations[i] ?? "BINARY");
  }
  return { desc, coll };
}

export function indexKey(spec: IndexSpec, values: SqlValue[]): Uint8Array {
  const { desc, coll } = keyFlags(spec, values.length);
  return encodeKey(values, desc, coll);
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/** Whether the current key of `c` starts with `prefix` (read in place when the key is local). */
function keyStartsWith(c: Cursor, prefix: Uint8Array): boolean {
  if (!c.keyRef()) return startsWith(c.key(), prefix);
  const n = prefix.length;
  if (c.refLen < n) return false;
  const d = c.refBuf;
  const off = c.refOff;
  for (let i = 0; i < n; i++) if (d[off + i] !== prefix[i]) return false;
  return true;
}

/** The rowid in the current (table) key of `c`, read in place when the key is on the page. */
function rowidAt(c: Cursor): number | bigint {
  return c.keyRef() && c.refLen >= 8 ? decodeRowidKey(c.refBuf, c.refOff) : decodeRowidKey(c.key());
}

/** memcmp order of the current key of `c` against `key` (compareKeys, in place when local). */
function compareKeyTo(c: Cursor, key: Uint8Array): number {
  if (!c.keyRef()) return compareKeys(c.key(), key);
  const d = c.refBuf;
  const off = c.refOff;
  const len = c.refLen;
  const n = len < key.length ? len : key.length;
  for (let i = 0; i < n; i++) {
    const x = d[off + i];
    if (x !== key[i]) return x - key[i];
  }
  return len - key.length;
}

const NO_VALUE = new Uint8Array(0);

/** A cursor over a rowid table or an index stored in a B+tree. */
export class BTreeCursor implements VmCursor {
  readonly tree: BTree;
  private cur: Cursor;
  private readonly reader = new RecordReader();
  /** Reads a key-only index entry (empty value): the columns are decoded from the key. */
  private readonly keyReader = new KeyReader();
  /** The reader of the current entry: `reader`, or `keyReader` for a key-only index entry. */
  private active: RecordReader | KeyReader = this.reader;
  private loaded = false;
  /**
   * When the reader reads the record in place in the B+tree leaf: the pager's writeCount at that
   * time (the bytes are unchanged while it is). -1 when the reader holds a copy.
   */
  private refWrites = -1;
  private rid: SqlValue = null;
  private prefix: Uint8Array | null = null;
  private closed = false;
  nullRow = false;

  constructor(
    readonly pager: Pager,
    readonly root: number,
    readonly isIndex: boolean,
    readonly spec: IndexSpec | null,
    tree?: BTree,
  ) {
    this.tree = tree ?? new BTree(pager, root);
    this.cur = this.tree.cursor();
  }

  /** Makes the cursor usable again (unpositioned), after `close()` too: the next run of a program. */
  reopen(): void {
    if (this.closed) {
      this.cur = this.tree.cursor();
      this.closed = false;
    }
    this.invalidate();
    this.prefix = null;
  }

  private invalidate(): void {
    this.loaded = false;
    this.rid = null;
    this.nullRow = false;
  }

  get valid(): boolean {
    return !this.nullRow && this.cur.valid;
  }

  rewind(): boolean {
    this.invalidate();
    this.prefix = null;
    return this.cur.first();
  }
  last(): boolean {
    this.invalidate();
    this.prefix = null;
    return this.cur.last();
  }
  next(): boolean {
    if (this.nullRow) return false;
    this.invalidate();
    if (!this.cur.valid) return false;
    return this.cur.next();
  }
  prev(): boolean {
    if (this.nullRow) return false;
    this.invalidate();
    if (!this.cur.valid) return false;
    return this.cur.prev();
  }

  /** Table cursor: positions on `rowid`; false if absent. */
  seekRowid(rowid: number | bigint): boolean {
    this.invalidate();
    // An exact seek does not keep its key, so one buffer serves every seek of this cursor.
    writeRowidKey(this.seekKey, 0, rowid);
    if (!this.cur.seek(this.seekKey, "eq")) return false;
    this.rid = typeof rowid === "bigint" && rowid >= -9007199254740991n && rowid <= 9007199254740991n ? Number(rowid) : rowid;
    return true;
  }
  private readonly seekKey = new Uint8Array(8);

  /** Index cursor: positions on the first entry whose leading values equal `values`. */
  seekPrefix(values: SqlValue[]): boolean {
    this.invalidate();
    const prefix = indexKey(this.spec!, values);
    this.prefix = prefix;
    if (!this.cur.seek(prefix, "ge")) return false;
    return keyStartsWith(this.cur, prefix);
  }

  /** Index cursor: next entry sharing the prefix of the last seekPrefix. */
  nextPrefix(): boolean {
    if (!this.next()) return false;
    return this.prefix === null || keyStartsWith(this.cur, this.prefix);
  }

  /** Exclusive upper bound of the current range scan (null: to the end). */
  private high: Uint8Array | null = null;
  /** `high` as a rowid, for a table cursor. */
  private highRowid: number | bigint | null = null;
  /** Exclusive lower bound of the current backward range scan (null: to the start). */
  private low: Uint8Array | null = null;

  /**
   * Positions on the first key in [low, high) (memcmp order); `low` null means from the start,
   * `high` null means to the end. With `reverse`, positions on the last key in the range and
   * `nextRange` walks backwards.
   */
  seekRange(low: Uint8Array | null, high: Uint8Array | null, reverse = false): boolean {
    this.invalidate();
    this.prefix = null;
    this.high = high;
    this.low = low;
    this.highRowid = !this.isIndex && high !== null && high.length === 8 ? decodeRowidKey(high) : null;
    if (reverse) {
      let ok: boolean;
      if (high === null) ok = this.cur.last();
      else {
        ok = this.cur.seek(high, "le");
        if (ok && compareKeyTo(this.cur, high) >= 0) ok = this.cur.prev();
      }
      return ok && (low === null || compareKeyTo(this.cur, low) >= 0);
    }
    const ok = low === null ? this.cur.first() : this.cur.seek(low, "ge");
    return ok && (high === null || compareKeyTo(this.cur, high) < 0);
  }

  /** Next entry of the range set by seekRange (backwards when `reverse`). */
  nextRange(reverse = false): boolean {
    if (reverse) {
      if (!this.prev()) return false;
      return this.low === null || compareKeyTo(this.cur, this.low) >= 0;
    }
    if (!this.next()) return false;
    // A table's keys are rowids: compare the rowid (kept for the Rowid that usually follows)
    // instead of copying the key out.
    if (this.highRowid !== null) return (this.rowid() as number | bigint) < this.highRowid;
    return this.high === null || compareKeyTo(this.cur, this.high) < 0;
  }

  /** Bounds for an index range: equal leading values, then an optional lower/upper bound on the next column. */
  indexRange(eq: SqlValue[], lower: { v: SqlValue; incl: boolean } | null, upper: { v: SqlValue; incl: boolean } | null): { low: Uint8Array | null; high: Uint8Array | null } {
    const spec = this.spec!;
    const prefix = eq.length ? indexKey(spec, eq) : new Uint8Array(0);
    let low: Uint8Array | null = eq.length ? prefix : null;
    let high: Uint8Array | null = eq.length ? keySuccessor(prefix) : null;
    const at = (v: SqlValue) => indexKey(spec, [...eq, v]);
    // NULL sorts first: any bound on the column excludes NULLs.
    if (lower || upper) low = keySuccessor(at(null));
    if (lower) {
      const k = at(lower.v);
      low = lower.incl ? k : keySuccessor(k);
    }
    if (upper) {
      const k = at(upper.v);
      high = upper.incl ? keySuccessor(k) : k;
    }
    return { low, high };
  }

  /**
   * The current row's record. Read in place in the pinned leaf (no copy) outside write
   * transactions: the bytes cannot change until the cursor moves (which invalidates) or a write
   * transaction begins (which changes the pager's writeCount: the record is then read again,
   * from wherever the cursor now stands, as it would be on a first read). Inside a write
   * transaction, or when the record overflows, the reader gets a copy. A key-only index entry
   * (empty value) is read from its key the same way.
   */
  private load(): RecordReader | KeyReader {
    if (this.loaded && (this.refWrites < 0 || this.refWrites === this.pager.writeCount)) return this.active;
    const cur = this.cur;
    const pager = this.pager;
    const inPlace = !pager.inWrite;
    let value: Uint8Array | null = null;
    let empty: boolean;
    if (inPlace && cur.valueRef()) empty = cur.refLen === 0;
    else empty = (value = cur.value()).length === 0;
    if (empty && this.isIndex) {
      // A key-only index entry: every value decodes exactly from the key.
      if (inPlace && cur.keyRef()) {
        const off = cur.refOff;
        this.keyReader.resetAt(cur.refBuf, off, off + cur.refLen);
        this.refWrites = pager.writeCount;
      } else {
        this.keyReader.reset(cur.key());
        this.refWrites = -1;
      }
      this.active = this.keyReader;
    } else {
      if (value === null) {
        const off = cur.refOff;
        this.reader.resetAt(cur.refBuf, off, off + cur.refLen);
        this.refWrites = pager.writeCount;
      } else {
        this.reader.reset(value);
        this.refWrites = -1;
      }
      this.active = this.reader;
    }
    this.loaded = true;
    return this.active;
  }

  column(i: number): SqlValue {
    if (this.nullRow || !this.cur.valid) return null;
    return this.load().column(i);
  }

  /** Column i, or `dflt` (when given) for a record that ends before it (ALTER TABLE ADD COLUMN). */
  columnOrDefault(i: number, dflt: SqlValue | undefined): SqlValue {
    if (this.nullRow || !this.cur.valid) return null;
    const r = this.load();
    // A key reader finds a column without counting them all (index entries are never short).
    if (r instanceof KeyReader) return r.column(i);
    if (i >= r.count) return dflt === undefined ? null : dflt;
    return r.column(i);
  }

  /**
   * length() of column i read from the record bytes (TEXT is not decoded); `dflt` is the column's
   * default for records written before ALTER TABLE ADD COLUMN; `length` computes it for values.
   */
  columnLength(i: number, dflt: SqlValue | undefined, length: (v: SqlValue) => SqlValue): SqlValue {
    if (this.nullRow || !this.cur.valid) return null;
    const r = this.load();
    if (i >= r.count) return dflt === undefined ? null : length(dflt);
    return r instanceof RecordReader ? r.columnLength(i, length) : length(r.column(i));
  }

  /** True when the current row's record ends before column i (written before ALTER TABLE ADD COLUMN). */
  shortRecord(i: number): boolean {
    return !this.nullRow && this.cur.valid && i >= this.load().count;
  }

  rowid(): SqlValue {
    if (this.nullRow || !this.cur.valid) return null;
    if (this.isIndex) {
      const r = this.load();
      return r.column(r.count - 1);
    }
    if (this.rid === null) this.rid = rowidAt(this.cur);
    return this.rid;
  }

  /** Table cursor: max rowid in the tree (0 when empty). */
  maxRowidInTree(): number | bigint {
    const c = this.tree.cursor();
    try {
      return c.last() ? rowidAt(c) : 0;
    } finally {
      c.close();
    }
  }

  insertRow(rowid: number | bigint, record: Uint8Array): void {
    writeRowidKey(this.writeKey, 0, rowid);
    this.tree.put(this.writeKey, record);
    this.invalidate();
  }

  /** insertRow, unless the rowid is already present: then nothing changes and it returns false. */
  insertNewRow(rowid: number | bigint, record: Uint8Array): boolean {
    writeRowidKey(this.writeKey, 0, rowid);
    const ok = this.tree.insert(this.writeKey, record);
    this.invalidate();
    return ok;
  }
  /** The rowid key of a write (put copies it, so one buffer serves every write of this cursor). */
  private readonly writeKey = new Uint8Array(8);

  /** The desc/collation flags of this index's full keys (indexed values and rowid), for writes. */
  private writeFlags: { n: number; desc: boolean[]; coll: string[] } | null = null;

  /** The index key of `values` (the key encoder's shared buffer: valid until the next encode). */
  private writeIndexKey(values: SqlValue[]): Uint8Array {
    let f = this.writeFlags;
    if (f === null || f.n !== values.length) {
      f = { n: values.length, ...keyFlags(this.spec!, values.length) };
      this.writeFlags = f;
    }
    return encodeKeyScratch(values, f.desc, f.coll);
  }

  insertIndex(values: SqlValue[]): void {
    // Key and value are views of shared buffers: put copies both into the cell. When the key
    // decodes to exactly these values the entry is key-only (empty value): readers decode the
    // key (load), which saves the record repeating every value.
    const key = this.writeIndexKey(values);
    this.tree.put(key, lastKeyExact() ? NO_VALUE : encodeRecordScratch(values));
  }

  deleteIndex(values: SqlValue[]): void {
    this.tree.delete(this.writeIndexKey(values));
  }

  /** Deletes the row under the cursor. */
  deleteCurrent(): void {
    if (!this.cur.valid) throw new DbError("DB_MISUSE", "delete on a cursor with no row");
    this.cur.delete();
    this.invalidate();
  }

  close(): void {
    this.cur.close();
    this.closed = true;
  }
}

/** An in-memory table: rows in insertion order, or (as a set) unique rows in key order. */
export class EphemeralCursor implements VmCursor {
  private rows: SqlValue[][] = [];
  private keys = new Map<string, SqlValue[]>();
  private sorted: SqlValue[][] | null = null;
  private pos = -1;
  nullRow = false;
  hasNull = false;

  /**
   * `collations[i]` ("BINARY" | "NOCASE" | "RTRIM") applies to text in column i when rows are
   * compared (a set, DISTINCT): rows equal under them are one row, the first one kept.
   */
  constructor(
    readonly isSet: boolean,
    private readonly collations?: readonly string[],
  ) {}

  private view(): SqlValue[][] {
    if (!this.isSet) return this.rows;
    if (this.sorted === null) {
      const entries = [...this.keys.entries()];
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      this.sorted = entries.map((e) => e[1]);
    }
    return this.sorted;
  }

  private keyOf(values: SqlValue[]): string {
    return encodeKeyString(values, undefined, this.collations);
  }

  /** Appends a row (table) or adds it if absent (set). Returns false if a set already had it. */
  insert(values: SqlValue[]): boolean {
    if (!this.isSet) {
      this.rows.push(values);
      return true;
    }
    const k = this.keyOf(values);
    if (this.keys.has(k)) return false;
    this.keys.set(k, values);
    this.sorted = null;
    if (values.some((v) => v === null)) this.hasNull = true;
    return true;
  }

  contains(values: SqlValue[]): boolean {
    if (!this.isSet) {
      const k = this.keyOf(values);
      return this.rows.some((r) => this.keyOf(r) === k);
    }
    return this.keys.has(this.keyOf(values));
  }

  /** All rows, in this table's order. */
  allRows(): SqlValue[][] {
    return this.view();
  }

  /**
   * this := this <op> other, for compound SELECT. UNION, INTERSECT and EXCEPT yield distinct rows
   * in key order (as SQLite's ephemeral indexes do); UNION ALL appends.
   */
  combine(other: EphemeralCursor, op: string): void {
    const mine = this.view();
    const theirs = other.allRows();
    if (op === "UNION ALL") {
      const rows = [...mine, ...theirs];
      this.clear();
      for (const r of rows) this.rows.push(r);
      return;
    }
    const a = new Map<string, SqlValue[]>();
    for (const r of mine) a.set(this.keyOf(r), r);
    const bkeys = new Map<string, SqlValue[]>();
    for (const r of theirs) bkeys.set(this.keyOf(r), r);
    let out: Map<string, SqlValue[]>;
    if (op === "UNION") {
      out = a;
      for (const [k, r] of bkeys) if (!out.has(k)) out.set(k, r);
    } else if (op === "INTERSECT") {
      out = new Map([...a].filter(([k]) => bkeys.has(k)));
    } else {
      out = new Map([...a].filter(([k]) => !bkeys.has(k)));
    }
    const sorted = [...out.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    this.clear();
    for (const [, r] of sorted) this.rows.push(r);
  }

  remove(values: SqlValue[]): void {
    if (this.keys.delete(this.keyOf(values))) this.sorted = null;
  }

  get size(): number {
    return this.isSet ? this.keys.size : this.rows.length;
  }

  clear(): void {
    this.rows = [];
    this.keys.clear();
    this.sorted = null;
    this.pos = -1;
    this.hasNull = false;
  }

  rewind(): boolean {
    this.nullRow = false;
    this.pos = 0;
    return this.view().length > 0;
  }
  last(): boolean {
    this.nullRow = false;
    this.pos = this.view().length - 1;
    return this.pos >= 0;
  }
  next(): boolean {
    if (this.nullRow) return false;
    this.pos++;
    return this.pos < this.view().length;
  }
  prev(): boolean {
    if (this.nullRow) return false;
    this.pos--;
    return this.pos >= 0;
  }
  column(i: number): SqlValue {
    if (this.nullRow) return null;
    const row = this.view()[this.pos];
    return row === undefined ? null : (row[i] ?? null);
  }
  rowid(): SqlValue {
    return this.nullRow ? null : this.pos + 1;
  }
  close(): void {
    this.clear();
  }
}

export interface SortKeySpec {
  desc: boolean;
  collation: string;
  /** Where NULLs go regardless of `desc`; absent means SQLite's default (first ASC, last DESC). */
  nulls?: "FIRST" | "LAST";
}

/** The sorter lives in sorter.ts (an external merge sort); re-exported for existing imports. */
export { SorterCursor } from "./sorter.js";
