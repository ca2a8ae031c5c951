/**
 * Aggregate accumulators: the state one aggregate call keeps for one group (or for the whole
 * query without GROUP BY). count, sum/total/avg and min/max have classes of their own with a
 * value-level `add`, which the vm's AggCount / AggSum / AggMinMax call with no argument array
 * and no dispatch through the aggregate table; everything else (DISTINCT, group_concat, ...)
 * is an AggSlot over the generic AggregateFunction. Every accumulator also takes `step(args)`
 * (the generic AggStep, and the replay of a spilled group table).
 */
import { DbError } from "@db/btree";
import { aggregateFunctions, avgFinal, sumFinal, sumInverseValue, sumStepValue, totalFinal, type AggregateFunction, type SumState } from "./aggregates.js";
import { compareValues } from "./compare.js";
import { encodeKeyString } from "./key.js";
import type { SqlValue } from "./value.js";

export interface AggDef {
  name: string;
  distinct: boolean;
  /** count(*) */
  star: boolean;
  /** Collating sequence of the argument (min/max compare with it); BINARY when absent. */
  collation?: string;
  /** Has a FILTER clause (a GROUP BY spill replays min()/max()'s bare-column verdicts with it). */
  filter?: boolean;
  /** Per argument: JSON-marked (json_group_array/object, json-funcs.ts). */
  asJson?: number[];
}

/** What a group holds per aggregate: the VM steps it per row and reads the result. */
export interface AggAccumulator {
  step(args: SqlValue[]): void;
  final(): SqlValue;
  /** Removes a row stepped earlier (SQLite's xInverse), where the aggregate has one. */
  inverse?(args: SqlValue[]): void;
}

/** Any aggregate through the generic AggregateFunction interface, with DISTINCT filtering. */
export class AggSlot implements AggAccumulator {
  private readonly impl: AggregateFunction<unknown> | null;
  private state: unknown;
  private seen: Set<string> | null;
  private count = 0;
  private readonly ctx: { collation?: string; asJson?: number[] } | undefined;

  constructor(readonly def: AggDef) {
    if (def.star) {
      this.impl = null;
    } else {
      const impl = aggregateFunctions.get(def.name.toLowerCase());
      if (!impl) throw new DbError("DB_ERROR", `no such function: ${def.name}`);
      this.impl = impl;
    }
    this.state = this.impl?.init();
    this.seen = def.distinct ? new Set() : null;
    this.ctx = def.collation || def.asJson ? { ...(def.collation ? { collation: def.collation } : {}), ...(def.asJson ? { asJson: def.asJson } : {}) } : undefined;
  }

  step(args: SqlValue[]): void {
    if (this.impl === null) {
      this.count++;
      return;
    }
    if (this.seen !== null) {
      if (args[0] === null) return;
      const k = encodeKeyString(args);
      if (this.seen.has(k)) return;
      this.seen.add(k);
    }
    this.impl.step(this.state, args, this.ctx);
  }

  final(): SqlValue {
    if (this.impl === null) return this.count;
    return this.impl.final(this.state);
  }
}

/** count(*) (`add(1)`) and count(x): rows, or rows where x is not NULL. */
export class CountAcc implements AggAccumulator {
  n = 0;
  add(v: SqlValue): void {
    if (v !== null) this.n++;
  }
  step(args: SqlValue[]): void {
    if (args.length === 0 || args[0] !== null) this.n++;
  }
  inverse(args: SqlValue[]): void {
    if (args.length === 0 || args[0] !== null) this.n--;
  }
  final(): SqlValue {
    return this.n;
  }
}

const SUM = 0;
const TOTAL = 1;
const AVG = 2;

/** sum / total / avg (aggregates.ts has the semantics: exact integers, then Kahan-Babuska-Neumaier). */
export class SumAcc implements AggAccumulator, SumState {
  rSum = 0;
  rErr = 0;
  iSum: number | bigint = 0;
  cnt = 0;
  approx = false;
  ovrfl = false;

  constructor(private readonly kind: number) {}

  add(v: SqlValue): void {
    // Integers while the running sum stays a safe integer: one addition, no int64 check.
    if (typeof v === "number" && !this.approx) {
      const s = this.iSum;
      if (typeof s === "number" && Number.isInteger(v)) {
        const x = s + v;
        if (x <= Number.MAX_SAFE_INTEGER && x >= -Number.MAX_SAFE_INTEGER) {
          this.iSum = x;
          this.cnt++;
          return;
        }
      }
    }
    sumStepValue(this, v);
  }

  step(args: SqlValue[]): void {
    sumStepValue(this, args[0] ?? null);
  }

  inverse(args: SqlValue[]): void {
    sumInverseValue(this, args[0] ?? null);
  }

  final(): SqlValue {
    return this.kind === SUM ? sumFinal(this) : this.kind === TOTAL ? totalFinal(this) : avgFinal(this);
  }
}

/** min / max (DISTINCT changes no result, only which row the bare columns come from: see add). */
export class MinMaxAcc implements AggAccumulator {
  has = false;
  best: SqlValue = null;
  private readonly seen: Set<string> | null;

  constructor(
    private readonly isMax: boolean,
    private readonly collation: string,
    distinct = false,
  ) {
    this.seen = distinct ? new Set() : null;
  }

  /**
   * Folds v in and says whether this row is the one whose bare columns the query reports
   * (SQLite's minmaxStep and regHit): 1 when v is the new minimum/maximum, or NULL before any
   * value was seen; 0 otherwise (ties keep the earlier row); -1 for a DISTINCT duplicate, which
   * SQLite skips before the step, leaving the previous verdict.
   */
  add(v: SqlValue): number {
    if (this.seen !== null) {
      const k = v === null ? "" : encodeKeyString([v], undefined, [this.collation]);
      if (this.seen.has(k)) return -1;
      this.seen.add(k);
    }
    if (v === null) return this.has ? 0 : 1;
    if (!this.has) {
      this.has = true;
      this.best = v;
      return 1;
    }
    const b = this.best;
    const c = typeof b === "number" && typeof v === "number" ? (b < v ? -1 : b > v ? 1 : 0) : compareValues(b, v, this.collation);
    if (this.isMax ? c < 0 : c > 0) {
      this.best = v;
      return 1;
    }
    return 0;
  }

  step(args: SqlValue[]): void {
    this.add(args[0] ?? null);
  }

  final(): SqlValue {
    return this.has ? this.best : null;
  }
}

/** The accumulator for one aggregate call: a specialised class when there is one, else an AggSlot. */
export function newAccumulator(def: AggDef): AggAccumulator {
  if (def.star) return new CountAcc();
  if (def.name === "min" || def.name === "max") return new MinMaxAcc(def.name === "max", def.collation ?? "BINARY", def.distinct);
  if (!def.distinct) {
    switch (def.name) {
      case "count":
        return new CountAcc();
      case "sum":
        return new SumAcc(SUM);
      case "total":
        return new SumAcc(TOTAL);
      case "avg":
        return new SumAcc(AVG);
    }
  }
  return new AggSlot(def);
}

/** Which specialised vm step op an aggregate compiles to: "count", "sum", "minmax", or null (AggStep). */
export function accumulatorKind(def: AggDef): "count" | "sum" | "minmax" | null {
  if (def.star) return "count";
  if (def.name === "min" || def.name === "max") return "minmax";
  if (def.distinct) return null;
  switch (def.name) {
    case "count":
      return "count";
    case "sum":
    case "total":
    case "avg":
      return "sum";
    case "min":
    case "max":
      return "minmax";
    default:
      return null;
  }
}
