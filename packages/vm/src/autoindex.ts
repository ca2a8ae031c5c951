/**
 * The cursor of an automatic index: the planner's transient index for a join equality that no
 * index serves (SQLite's "AUTOMATIC COVERING INDEX"). Opened by OpenEphemeral with
 * p4 `{ autoIndex: { nKey, collations } }`, filled by EphInsert with records whose first `nKey`
 * values are the key, and probed by SeekPrefix / IdxNextPrefix like a B+tree index. It answers
 * equality only, so it is a hash of memcmp keys (collation-folded exactly as a real index's
 * keys); within one key, rows keep insertion order, the (key, rowid) order of a B+tree index when
 * they were inserted while scanning the table. The last value of a record is its rowid.
 */
import type { VmCursor } from "./cursors.js";
import { encodeKey } from "./key.js";
import type { SqlValue } from "./value.js";

export interface AutoIndexSpec {
  nKey: number;
  collations: string[];
}

export class AutoIndexCursor implements VmCursor {
  private readonly buckets = new Map<string, SqlValue[][]>();
  private rows: SqlValue[][] | null = null;
  private pos = 0;
  nullRow = false;

  constructor(readonly spec: AutoIndexSpec) {}

  private keyOf(values: SqlValue[]): string {
    return Buffer.from(encodeKey(values.slice(0, this.spec.nKey), undefined, this.spec.collations)).toString("latin1");
  }

  insert(values: SqlValue[]): boolean {
    // A NULL key never equals anything: such rows can never be found.
    for (let i = 0; i < this.spec.nKey; i++) if (values[i] === null) return true;
    const k = this.keyOf(values);
    const b = this.buckets.get(k);
    if (b) b.push(values);
    else this.buckets.set(k, [values]);
    return true;
  }

  /** Positions on the first row whose key equals `values` (the VM has rejected NULLs). */
  seekPrefix(values: SqlValue[]): boolean {
    this.nullRow = false;
    this.rows = this.buckets.get(this.keyOf(values)) ?? null;
    this.pos = 0;
    return this.rows !== null;
  }

  nextPrefix(): boolean {
    if (this.nullRow || !this.rows) return false;
    return ++this.pos < this.rows.length;
  }

  // Whole-index iteration is never planned; these keep the VmCursor contract.
  rewind(): boolean {
    this.nullRow = false;
    this.rows = [...this.buckets.values()].flat();
    this.pos = 0;
    return this.rows.length > 0;
  }
  last(): boolean {
    this.rewind();
    this.pos = (this.rows?.length ?? 0) - 1;
    return this.pos >= 0;
  }
  next(): boolean {
    return this.nextPrefix();
  }
  prev(): boolean {
    if (this.nullRow || !this.rows) return false;
    return --this.pos >= 0;
  }

  column(i: number): SqlValue {
    if (this.nullRow || !this.rows) return null;
    return this.rows[this.pos]?.[i] ?? null;
  }

  rowid(): SqlValue {
    if (this.nullRow || !this.rows) return null;
    const row = this.rows[this.pos];
    return row ? (row[row.length - 1] ?? null) : null;
  }

  close(): void {
    this.buckets.clear();
    this.rows = null;
  }
}
