/**
 * The sorter behind ORDER BY (and spilled GROUP BY): an external merge sort
 * (docs/adr/0005-external-sort.md).
 *
 * Rows accumulate in memory until their estimated size passes the budget; then they are sorted
 * (stably) and written to a temporary file as a run (sort-runs.ts), and memory starts over. At
 * `sort()`, the last rows are sorted in memory and every run is merged with them through a binary
 * heap, one row at a time: the sorted result is never materialised. With no TempStore, or while
 * everything fits, it is a plain in-memory sort.
 *
 * Order: per key, `compareValues` under the key's collation, reversed for DESC, NULLs where
 * `nulls` says (default: NULL is smallest). Rows with equal keys come out in insertion order, as
 * the in-memory stable sort returned them: runs are written in insertion order and ties in the
 * merge go to the older run.
 */
import { DbError } from "@db/btree";
import { compareValues } from "./compare.js";
import type { SortKeySpec, VmCursor } from "./cursors.js";
import { RunReader, RunWriter, type RunBounds } from "./sort-runs.js";
import { DEFAULT_SORT_BUDGET_BYTES, type SortOptions, type TempFile } from "./tempstore.js";
import { Real, type SqlValue } from "./value.js";

/** A sort key as the compiler describes it; `nulls` is honoured when present (NULLS FIRST/LAST). */
type KeySpec = SortKeySpec & { nulls?: "FIRST" | "LAST" };

/** A row: the sort keys (one per key spec) followed by the data columns. */
export type SortRow = SqlValue[];

const IN_MEMORY: SortOptions = { tempStore: null, budgetBytes: DEFAULT_SORT_BUDGET_BYTES };
/** Above this LIMIT + OFFSET, ORDER BY sorts (and spills) every row as without a limit. */
const MAX_TOP_N = 10000;

/** Returns the comparison of two rows on their first `spec.length` values. */
export function rowComparator(spec: readonly KeySpec[]): (a: SortRow, b: SortRow) => number {
  const n = spec.length;
  const desc = spec.map((s) => s.desc);
  const coll = spec.map((s) => s.collation);
  // 0: NULL is the smallest value (SQLite's default); -1 / 1: NULLs first / last whatever the direction.
  const nulls = spec.map((s) => (s.nulls === "FIRST" ? -1 : s.nulls === "LAST" ? 1 : 0));
  return (a, b) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      const nl = nulls[i]!;
      if (nl !== 0 && (x === null) !== (y === null)) return x === null ? nl : -nl;
      const c = compareValues(x, y, coll[i]!);
      if (c !== 0) return desc[i] ? -c : c;
    }
    return 0;
  };
}

/**
 * Estimated bytes a value takes on the JS heap (the budget is about process memory, not the
 * encoded size): a pointer slot plus the object it points to.
 */
function valueBytes(v: SqlValue): number {
  switch (typeof v) {
    case "number":
      // A small integer lives in its slot; any other number is a boxed 16-byte HeapNumber.
      return (v | 0) === v ? 8 : 24;
    case "string":
      return 24 + v.length;
    case "bigint":
      return 32;
    case "object":
      if (v === null) return 8;
      if (v instanceof Real) return 24;
      return 96 + v.length;
    default:
      return 8;
  }
}

/** Estimated heap bytes of a row held as an array of values. */
export function estimateRowBytes(row: readonly SqlValue[]): number {
  let n = 64; // the array object, its backing store header, the slot in the sorter's array
  for (let i = 0; i < row.length; i++) n += valueBytes(row[i]!);
  return n;
}

/** A sorted source of rows for the merge: a run on disk or the in-memory tail. */
interface Source {
  row: SortRow | null;
  /** Age of the source: ties go to the smaller (older) one, which keeps the sort stable. */
  readonly age: number;
  advance(): void;
}

class MemorySource implements Source {
  row: SortRow | null;
  private pos = 0;
  constructor(
    private readonly rows: SortRow[],
    readonly age: number,
  ) {
    this.row = rows[0] ?? null;
  }
  advance(): void {
    this.row = this.rows[++this.pos] ?? null;
  }
}

class RunSource implements Source {
  row: SortRow | null;
  private readonly reader: RunReader;
  constructor(file: TempFile, run: RunBounds, bufferBytes: number, readonly age: number) {
    this.reader = new RunReader(file, run, bufferBytes);
    this.row = this.reader.next();
  }
  advance(): void {
    this.row = this.reader.next();
  }
}

/** A k-way merge of sorted sources: a binary min-heap on (current row, age). */
class Merger {
  private readonly heap: Source[];

  constructor(
    sources: Source[],
    private readonly cmp: (a: SortRow, b: SortRow) => number,
  ) {
    this.heap = sources.filter((s) => s.row !== null);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  /** The smallest current row, or null when every source is exhausted. */
  get row(): SortRow | null {
    return this.heap.length ? this.heap[0]!.row : null;
  }

  /** Moves past the current row. */
  advance(): void {
    const h = this.heap;
    if (h.length === 0) return;
    const top = h[0]!;
    top.advance();
    if (top.row === null) {
      const last = h.pop()!;
      if (h.length === 0) return;
      h[0] = last;
    }
    this.down(0);
  }

  private less(a: Source, b: Source): boolean {
    const c = this.cmp(a.row!, b.row!);
    return c < 0 || (c === 0 && a.age < b.age);
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const s = h[i]!;
    for (;;) {
      let m = 2 * i + 1;
      if (m >= n) break;
      if (m + 1 < n && this.less(h[m + 1]!, h[m]!)) m++;
      if (!this.less(h[m]!, s)) break;
      h[i] = h[m]!;
      i = m;
    }
    h[i] = s;
  }
}

/**
 * A sorter cursor: `insert` rows, `sort()` once, then read in order with `next()`/`column()`.
 * Memory: about `budgetBytes` of rows plus the merge's read buffers; temporary storage: the rows
 * once per merge pass. Errors: DbError from the TempStore (DB_IOERR, DB_FULL, DB_CANTOPEN).
 */
export class SorterCursor implements VmCursor {
  private readonly cmp: (a: SortRow, b: SortRow) => number;
  private readonly nKeys: number;
  private readonly budget: number;
  /** Unsorted rows (sorted in place when spilled or at sort()). */
  private mem: SortRow[] = [];
  private memBytes = 0;
  private file: TempFile | null = null;
  private fileEnd = 0;
  /** Spilled runs, oldest first. */
  private runs: RunBounds[] = [];
  /** Set by sort() when runs exist: the streaming merge. */
  private merger: Merger | null = null;
  private current: SortRow | null = null;
  private pos = -1;
  nullRow = false;

  /**
   * With `limit` (ORDER BY ... LIMIT: LIMIT + OFFSET rows are ever read), only the first `limit`
   * rows in sort order are kept, in a max-heap on (row, insertion order): a row that sorts after
   * the heap's largest is dropped at once. Ties keep insertion order, as in the full stable sort.
   */
  private readonly cap: number;
  private heapSeq: number[] = [];
  private seq = 0;

  constructor(
    readonly spec: SortKeySpec[],
    private readonly options: SortOptions = IN_MEMORY,
    limit = -1,
  ) {
    this.cmp = rowComparator(spec);
    this.nKeys = spec.length;
    this.budget = Math.max(1, options.budgetBytes);
    this.cap = limit >= 0 && limit <= MAX_TOP_N ? limit : -1;
  }

  /** True once some rows went to temporary storage. */
  get spilled(): boolean {
    return this.runs.length > 0;
  }

  /** Adds a row: `keys` (one per key spec; missing ones are NULL) and the data columns. */
  insert(keys: SqlValue[], data: SqlValue[]): void {
    const row: SortRow = new Array<SqlValue>(this.nKeys + data.length);
    for (let i = 0; i < this.nKeys; i++) row[i] = keys[i] ?? null;
    for (let i = 0; i < data.length; i++) row[this.nKeys + i] = data[i]!;
    this.insertRow(row);
  }

  /** Adds a row that is already keys then data (`row.length >= spec.length`); the sorter keeps the array. */
  insertRow(row: SortRow): void {
    this.merger = null;
    if (this.cap >= 0) {
      this.insertTop(row);
      return;
    }
    this.mem.push(row);
    this.memBytes += estimateRowBytes(row);
    if (this.memBytes > this.budget && this.options.tempStore !== null) this.spill();
  }

  /** Top-N: `mem` is a max-heap of at most `cap` rows on (row, heapSeq). */
  private insertTop(row: SortRow): void {
    const heap = this.mem;
    const seqs = this.heapSeq;
    const seq = this.seq++;
    if (heap.length < this.cap) {
      // Sift up.
      let i = heap.length;
      heap.push(row);
      seqs.push(seq);
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.before(heap[parent]!, seqs[parent]!, row, seq)) {
          heap[i] = heap[parent]!;
          seqs[i] = seqs[parent]!;
          i = parent;
        } else break;
      }
      heap[i] = row;
      seqs[i] = seq;
      return;
    }
    // Full (or cap 0): a row sorting at or after the largest kept one can never be read.
    if (heap.length === 0 || this.cmp(row, heap[0]!) >= 0) return;
    // Replace the root and sift down.
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(heap[l]!, seqs[l]!, heap[r]!, seqs[r]!) ? r : l;
      if (!this.before(row, seq, heap[c]!, seqs[c]!)) break;
      heap[i] = heap[c]!;
      seqs[i] = seqs[c]!;
      i = c;
    }
    heap[i] = row;
    seqs[i] = seq;
  }

  /** Whether (a, sa) sorts strictly before (b, sb): by the keys, then by insertion order. */
  private before(a: SortRow, sa: number, b: SortRow, sb: number): boolean {
    const c = this.cmp(a, b);
    return c < 0 || (c === 0 && sa < sb);
  }

  /** Sorts the rows in memory and writes them out as a run. */
  private spill(): void {
    this.mem.sort(this.cmp);
    this.file ??= this.options.tempStore!.create();
    const w = new RunWriter(this.file, this.fileEnd);
    for (const row of this.mem) w.append(row);
    const run = w.finish();
    this.fileEnd = run.end;
    this.runs.push(run);
    this.mem = [];
    this.memBytes = 0;
  }

  /** Merge fan-in and read buffer size: the buffers of one merge take about half the budget. */
  private mergeShape(): { fanIn: number; buffer: number } {
    const fanIn = Math.min(64, Math.max(8, Math.floor(this.budget / 2 / 4096)));
    const buffer = Math.min(64 * 1024, Math.max(4096, Math.floor(this.budget / 2 / fanIn)));
    return { fanIn, buffer };
  }

  /**
   * Merge passes until the runs and the in-memory rows fit one merge: each pass merges
   * consecutive groups of `fanIn` runs, so every row is rewritten once per pass
   * (log_fanIn(runs) passes). Groups of consecutive runs (in age order) keep ties in insertion order.
   */
  private reduceRuns(): void {
    const { fanIn, buffer } = this.mergeShape();
    while (this.runs.length + 1 > fanIn) {
      const next: RunBounds[] = [];
      for (let g = 0; g < this.runs.length; g += fanIn) {
        const group = this.runs.slice(g, g + fanIn);
        if (group.length === 1) {
          next.push(group[0]!);
          continue;
        }
        const merger = new Merger(group.map((r, i) => new RunSource(this.file!, r, buffer, i)), this.cmp);
        const w = new RunWriter(this.file!, this.fileEnd);
        for (let row = merger.row; row !== null; row = merger.row) {
          w.append(row);
          merger.advance();
        }
        const run = w.finish();
        this.fileEnd = run.end;
        next.push(run);
      }
      this.runs = next;
    }
  }

  /** Sorts (or starts the merge) and positions on the first row; false when empty. */
  sort(): boolean {
    if (this.cap >= 0) {
      // The heap's rows in (row, insertion order) order.
      const seqs = this.heapSeq;
      const idx = this.mem.map((_, i) => i);
      idx.sort((x, y) => this.cmp(this.mem[x]!, this.mem[y]!) || seqs[x]! - seqs[y]!);
      this.mem = idx.map((i) => this.mem[i]!);
      this.heapSeq = [];
      return this.rewind();
    }
    this.mem.sort(this.cmp);
    if (this.runs.length > 0) this.reduceRuns();
    return this.rewind();
  }

  rewind(): boolean {
    this.nullRow = false;
    this.pos = 0;
    if (this.runs.length === 0) {
      this.current = this.mem[0] ?? null;
      return this.current !== null;
    }
    const { buffer } = this.mergeShape();
    const sources: Source[] = this.runs.map((r, i) => new RunSource(this.file!, r, buffer, i));
    sources.push(new MemorySource(this.mem, this.runs.length));
    this.merger = new Merger(sources, this.cmp);
    this.current = this.merger.row;
    return this.current !== null;
  }

  next(): boolean {
    this.pos++;
    if (this.merger !== null) {
      this.merger.advance();
      this.current = this.merger.row;
    } else this.current = this.mem[this.pos] ?? null;
    return this.current !== null;
  }

  last(): boolean {
    this.backwards();
    this.pos = this.mem.length - 1;
    this.current = this.mem[this.pos] ?? null;
    return this.current !== null;
  }

  prev(): boolean {
    this.backwards();
    this.pos--;
    this.current = this.mem[this.pos] ?? null;
    return this.current !== null;
  }

  /** A merge streams forwards only; nothing compiles a backwards sorter scan today. */
  private backwards(): void {
    if (this.runs.length > 0) throw new DbError("DB_MISUSE", "a sorter that spilled to temporary storage cannot be read backwards");
  }

  /** Data column i of the current row (keys are not columns). */
  column(i: number): SqlValue {
    const row = this.current;
    return row === null ? null : (row[this.nKeys + i] ?? null);
  }

  /** All values of the current row: keys then data (null when not on a row). */
  currentRow(): SortRow | null {
    return this.current;
  }

  rowid(): SqlValue {
    return this.pos + 1;
  }

  /**
   * Frees the rows and deletes the temporary file. Never throws: it runs while a statement
   * finishes (possibly on another error), and a temp file that could not be deleted is the
   * TempStore owner's to remove again when the connection closes.
   */
  close(): void {
    this.mem = [];
    this.heapSeq = [];
    this.memBytes = 0;
    this.runs = [];
    this.merger = null;
    this.current = null;
    const f = this.file;
    this.file = null;
    this.fileEnd = 0;
    try {
      f?.close();
    } catch {
      /* see above: retried by the store's owner */
    }
  }
}
