/**
 * Hash aggregation: rows are folded into groups keyed by the GROUP BY values; groups are
 * read back in key order (as SQLite, which groups through a sorter, returns them).
 *
 * Beyond memory (docs/adr/0005-external-sort.md): once the groups held in memory pass half the
 * sort budget and a TempStore is available, rows of groups not yet in memory are no longer
 * folded but recorded (keys, bare values, each aggregate step's arguments) into an external
 * sorter keyed by the group key. Reading back merges the in-memory groups (sorted) with the
 * sorted recording, aggregated one run of equal keys at a time. A key is either in memory or in
 * the recording, never both, so no partial aggregate states have to be combined; the sorter is
 * stable, so each group sees its rows in input order (group_concat order, and the row the bare
 * columns come from: see readSpilled) exactly as in memory.
 *
 * Keys are grouped and ordered under their collations (GROUP BY x COLLATE NOCASE puts 'a' and 'A'
 * in one group); a group keeps the key values of its first row.
 */
import { MinMaxAcc, accumulatorKind, newAccumulator, type AggAccumulator, type AggDef } from "./accumulators.js";
import { compareValues } from "./compare.js";
import { encodeKeyString } from "./key.js";
import { SorterCursor, estimateRowBytes } from "./sorter.js";
import { DEFAULT_SORT_BUDGET_BYTES, type SortOptions } from "./tempstore.js";
import type { SqlValue } from "./value.js";
import { DbError } from "@db/btree";

export { AggSlot, type AggAccumulator, type AggDef } from "./accumulators.js";

export interface Group {
  keys: SqlValue[];
  aggs: AggAccumulator[];
  bare: SqlValue[];
  /**
   * The VM's "hit" verdict after this group's last row (0: that row's bare values were taken), kept
   * only with a DISTINCT min()/max(): a duplicate leaves the verdict of the group's previous row.
   */
  hit: number;
}

const IN_MEMORY: SortOptions = { tempStore: null, budgetBytes: DEFAULT_SORT_BUDGET_BYTES };
/** Rough heap bytes of a group besides its key values: the Map entry, the Group, per-aggregate state. */
const GROUP_OVERHEAD = 160;
const AGG_OVERHEAD = 64;


/**
 * The groups of one aggregate query. `step(keys)` makes a group current (the VM then steps its
 * aggregates and sets its bare values); `rewind()`/`next()` read the groups in key order.
 * Memory: about half of `options.budgetBytes` of groups, plus the spill sorter's budget (the other
 * half); aggregate states that grow (group_concat, DISTINCT sets) are not counted.
 * Errors: DbError from the TempStore (DB_IOERR, DB_FULL, DB_CANTOPEN).
 */
export class GroupTable {
  private groups = new Map<string, Group>();
  private textGroups = new Map<string, Group>();
  private order: Group[] | null = null;
  private pos = -1;
  current: Group | null = null;
  /** Estimated heap bytes of the groups in memory. */
  private bytes = 0;

  /** Spilled rows: keys, then the number of bare values, the bare values, then (slot, argc, ...args) per step. */
  private spill: SorterCursor | null = null;
  private nKeys = 0;
  /** The row being recorded (reused for every spilled row); null when the current group is in memory. */
  private pending: Group | null = null;
  private recording: Group | null = null;
  private steps: SqlValue[] = [];
  /** While reading back with a spill: the next group aggregated from the recording, and which side `current` came from. */
  private spilledNext: Group | null = null;
  private tookSpilled = false;
  /** Whether the last step() made a new group (SQLite's iUseFlag = 0: its first row). */
  fresh = false;
  /** Per key, its collation; null when all are BINARY. */
  private readonly collations: string[] | null;
  /** Per aggregate: min()/max() (their steps decide the bare columns' row). */
  private readonly minMax: boolean[];
  /** Some aggregate is a min()/max() (whose row supplies the bare columns). */
  private readonly anyMinMax: boolean;

  /** `keyCollations`: per GROUP BY term, its collating sequence (absent or BINARY: BINARY). */
  constructor(
    readonly aggDefs: AggDef[],
    private readonly options: SortOptions = IN_MEMORY,
    keyCollations: readonly (string | undefined)[] = [],
  ) {
    this.collations = keyCollations.some((c) => c !== undefined && c !== "BINARY") ? keyCollations.map((c) => c ?? "BINARY") : null;
    this.minMax = aggDefs.map((d) => accumulatorKind(d) === "minmax");
    this.anyMinMax = this.minMax.some((m) => m);
  }

  /** Whether the current group is being recorded to the spill (its bare values are then always set). */
  get isRecording(): boolean {
    return this.pending !== null;
  }

  private keyString(keys: readonly SqlValue[]): string {
    return encodeKeyString(keys, undefined, this.collations ?? undefined);
  }

  private compareGroupKeys(a: readonly SqlValue[], b: readonly SqlValue[]): number {
    const colls = this.collations;
    for (let i = 0; i < a.length; i++) {
      const c = compareValues(a[i] ?? null, b[i] ?? null, colls === null ? "BINARY" : colls[i]!);
      if (c !== 0) return c;
    }
    return 0;
  }

  /**
   * Finds or creates the group of `keys` and makes it current. `keys` may be the caller's
   * scratch array: a new group keeps a copy.
   */
  step(keys: readonly SqlValue[]): Group {
    if (this.pending !== null) this.flushPending();
    // One TEXT key (GROUP BY a text column, the common case): the string itself is the Map key,
    // in a map of its own so it never meets an encoded key; equal strings are equal BINARY text.
    // (BINARY only: under another collation equal keys may differ.)
    const text = keys.length === 1 && typeof keys[0] === "string" && this.collations === null;
    const map = text ? this.textGroups : this.groups;
    const k = text ? (keys[0] as string) : keys.length === 0 ? "" : this.keyString(keys);
    let g = map.get(k);
    this.fresh = g === undefined;
    if (!g) {
      if (keys.length > 0 && this.overBudget()) return this.record(keys);
      const own = keys.slice();
      g = { keys: own, aggs: this.aggDefs.map(newAccumulator), bare: [], hit: 0 };
      map.set(k, g);
      this.order = null;
      this.bytes += GROUP_OVERHEAD + k.length + estimateRowBytes(own) + AGG_OVERHEAD * this.aggDefs.length;
    }
    this.current = g;
    return g;
  }

  private get size(): number {
    return this.groups.size + this.textGroups.size;
  }

  private overBudget(): boolean {
    return this.options.tempStore !== null && (this.spill !== null || this.bytes > this.options.budgetBytes / 2);
  }

  /** Makes current a recording group: its aggregates record their arguments instead of folding them. */
  private record(keys: readonly SqlValue[]): Group {
    if (this.spill === null) {
      this.nKeys = keys.length;
      const spec = keys.map((_, i) => ({ desc: false, collation: this.collations?.[i] ?? "BINARY" }));
      this.spill = new SorterCursor(spec, { tempStore: this.options.tempStore, budgetBytes: this.options.budgetBytes / 2 });
      const steps = (slot: number): AggAccumulator => ({
        step: (args) => {
          this.steps.push(slot, args.length, ...args);
        },
        final: () => {
          throw new DbError("DB_MISUSE", "aggregate read before its group was complete");
        },
      });
      this.recording = { keys: [], aggs: this.aggDefs.map((_, i) => steps(i)), bare: [], hit: 0 };
    }
    const g = this.recording!;
    g.keys = keys.slice();
    g.bare = [];
    this.steps = [];
    this.pending = g;
    this.current = g;
    return g;
  }

  private flushPending(): void {
    const g = this.pending!;
    this.pending = null;
    const row: SqlValue[] = g.keys.slice(0, this.nKeys);
    row.push(g.bare.length);
    for (const v of g.bare) row.push(v);
    for (const v of this.steps) row.push(v);
    this.steps = [];
    this.spill!.insertRow(row);
  }

  /** Positions on the first group in key order; with `ensureOne`, an empty input yields one empty group. */
  rewind(ensureOne: boolean): boolean {
    if (this.pending !== null) this.flushPending();
    if (ensureOne && this.size === 0 && this.spill === null) this.step([]);
    if (this.order === null) {
      this.order = [...this.groups.values(), ...this.textGroups.values()];
      this.order.sort((a, b) => this.compareGroupKeys(a.keys, b.keys));
    }
    this.pos = 0;
    if (this.spill !== null) {
      this.spilledNext = this.spill.sort() ? this.readSpilled() : null;
      return this.pick();
    }
    this.current = this.order[0] ?? null;
    return this.current !== null;
  }

  next(): boolean {
    if (this.spill !== null) {
      if (this.tookSpilled) this.spilledNext = this.readSpilled();
      else this.pos++;
      return this.pick();
    }
    this.pos++;
    this.current = this.order?.[this.pos] ?? null;
    return this.current !== null;
  }

  /** Current := the smaller of the next in-memory group and the next spilled one. */
  private pick(): boolean {
    const m = this.order![this.pos] ?? null;
    const s = this.spilledNext;
    this.tookSpilled = s !== null && (m === null || this.compareGroupKeys(s.keys, m.keys) < 0);
    this.current = this.tookSpilled ? s : m;
    return this.current !== null;
  }

  /**
   * Aggregates the next run of equal keys of the (sorted) recording into a group; null at the end.
   * Every recorded row carries its bare values; the group keeps those of the row the VM would have
   * taken in memory (select.ts, the grouped bare columns), replayed here: `acc` is 0 on the group's
   * first row, else 1; `hit` starts each row from the previous row's, a FILTERed min()/max() resets
   * it to `acc` before its filter, a min()/max() step sets it (0: new best), a DISTINCT duplicate
   * leaves it; without min()/max() it is `acc`. Hit 0 takes the row's values.
   */
  private readSpilled(): Group | null {
    const s = this.spill!;
    let row = s.currentRow();
    if (row === null) return null;
    const nk = this.nKeys;
    const keys = row.slice(0, nk);
    const k = this.keyString(keys);
    const g: Group = { keys, aggs: this.aggDefs.map(newAccumulator), bare: [], hit: 0 };
    const defs = this.aggDefs;
    let acc = 0;
    let hit = 0;
    for (;;) {
      const nBare = row[nk] as number;
      if (!this.anyMinMax) hit = acc;
      let p = nk + 1 + nBare;
      for (let slot = 0; slot < defs.length; slot++) {
        const mm = this.minMax[slot]!;
        if (mm && defs[slot]!.filter) hit = acc;
        if (p >= row.length || row[p] !== slot) continue; // not stepped on this row (FILTER)
        const argc = row[p + 1] as number;
        const a = g.aggs[slot]!;
        if (mm && a instanceof MinMaxAcc) {
          const v = a.add(row[p + 2] ?? null);
          if (v >= 0) hit = 1 - v;
        } else a.step(row.slice(p + 2, p + 2 + argc));
        p += 2 + argc;
      }
      if (nBare > 0 && hit === 0) g.bare = row.slice(nk + 1, nk + 1 + nBare);
      acc = 1;
      if (!s.next()) break;
      row = s.currentRow()!;
      if (this.keyString(row.slice(0, nk)) !== k) break;
    }
    return g;
  }

  clear(): void {
    this.groups.clear();
    this.textGroups.clear();
    this.order = null;
    this.pos = -1;
    this.current = null;
    this.bytes = 0;
    this.spill?.close();
    this.spill = null;
    this.pending = null;
    this.recording = null;
    this.steps = [];
    this.spilledNext = null;
  }
}
