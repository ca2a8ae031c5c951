/**
 * Built-in aggregate functions with SQLite's semantics (func.c): count, sum, total, avg, min,
 * max, group_concat, string_agg. DISTINCT is the VM's business (it filters the step calls).
 *
 * Usage: `const st = f.init(); for each row f.step(st, args, ctx); result = f.final(st)`.
 * count(*) is count with zero arguments.
 */
import { DbError } from "@db/btree";
import { type Collation, compareValues } from "./compare.js";
import { jsonAggregates } from "./json-funcs.js";
import { Real, type SqlValue, addInt64, makeReal, numericAffinityOfText, subInt64, toReal, toText } from "./value.js";

export interface AggregateContext {
  /** Collating sequence for min()/max() (that of the argument expression). */
  collation?: Collation | string;
  /** Per argument: JSON-marked (json_group_array/object, see json-funcs.ts). */
  asJson?: readonly number[];
}

export interface AggregateFunction<S = unknown> {
  /** Exact number of arguments, or -1 if it varies (see minArgs/maxArgs). */
  nArgs: number;
  minArgs: number;
  maxArgs: number;
  init(): S;
  step(state: S, args: SqlValue[], ctx?: AggregateContext): void;
  final(state: S): SqlValue;
}

/* ------------------------------------------------------------------------------------------ */
/* sum / total / avg: integer sum while exact, else Kahan-Babuska-Neumaier summation           */
/* ------------------------------------------------------------------------------------------ */

export interface SumState {
  rSum: number;
  rErr: number;
  iSum: number | bigint;
  cnt: number;
  approx: boolean;
  ovrfl: boolean;
}

function kbnStep(p: SumState, r: number): void {
  const s = p.rSum;
  const t = s + r;
  if (Math.abs(s) > Math.abs(r)) p.rErr += s - t + r;
  else p.rErr += r - t + s;
  p.rSum = t;
}

const TWO52 = 4503599627370496;

function kbnStepInt64(p: SumState, v: number | bigint): void {
  if (typeof v === "bigint" || v <= -TWO52 || v >= TWO52) {
    const b = BigInt(v);
    const sm = b % 16384n;
    kbnStep(p, Number(b - sm));
    kbnStep(p, Number(sm));
  } else {
    kbnStep(p, v);
  }
}

function kbnInit(p: SumState, v: number | bigint): void {
  if (typeof v === "bigint" || v <= -TWO52 || v >= TWO52) {
    const b = BigInt(v);
    const sm = b % 16384n;
    p.rSum = Number(b - sm);
    p.rErr = Number(sm);
  } else {
    p.rSum = v;
    p.rErr = 0;
  }
}

/** The argument as sqlite3_value_numeric_type leaves it: numeric text converted, rest as is. */
function numericArg(v: SqlValue): number | bigint | Real | string | Uint8Array | null {
  if (typeof v === "string") return numericAffinityOfText(v, false) ?? v;
  return v;
}

function sumStep(p: SumState, args: SqlValue[]): void {
  sumStepValue(p, args[0] ?? null);
}

/** One sum()/total()/avg() step on the argument value `x` (the general path of every type). */
export function sumStepValue(p: SumState, x: SqlValue): void {
  const v = numericArg(x);
  if (v === null) return;
  p.cnt++;
  const isInt = typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
  if (!p.approx) {
    if (!isInt) {
      kbnInit(p, p.iSum);
      p.approx = true;
      kbnStep(p, toReal(v));
    } else {
      const x = addInt64(p.iSum, v as number | bigint);
      if (x !== null) {
        p.iSum = x;
      } else {
        p.ovrfl = true;
        kbnInit(p, p.iSum);
        p.approx = true;
        kbnStepInt64(p, v as number | bigint);
      }
    }
  } else if (isInt) {
    kbnStepInt64(p, v as number | bigint);
  } else {
    p.ovrfl = false;
    kbnStep(p, toReal(v));
  }
}

/**
 * Takes x back out of a running sum, as SQLite's sumInverse (func.c) does for a window frame
 * whose first rows leave it: exact integers while the sum is exact, else a compensated step of -x.
 */
export function sumInverseValue(p: SumState, x: SqlValue): void {
  const v = numericArg(x);
  if (v === null) return;
  p.cnt--;
  const isInt = typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
  if (!p.approx) {
    const r = subInt64(p.iSum, isInt ? (v as number | bigint) : 0);
    if (r === null) {
      p.ovrfl = true;
      p.approx = true;
    } else p.iSum = r;
  } else if (isInt) {
    const b = BigInt(v as number | bigint);
    if (b !== -9223372036854775808n) kbnStepInt64(p, typeof v === "bigint" ? -v : -(v as number));
    else {
      kbnStepInt64(p, 9223372036854775807n);
      kbnStepInt64(p, 1);
    }
  } else {
    kbnStep(p, -toReal(v));
  }
}

const isOverflow = (x: number): boolean => !Number.isFinite(x);

function sumInit(): SumState {
  return { rSum: 0, rErr: 0, iSum: 0, cnt: 0, approx: false, ovrfl: false };
}

function approxTotal(p: SumState): number {
  let r = p.rSum;
  if (!isOverflow(p.rErr)) r += p.rErr;
  return r;
}

export function sumFinal(p: SumState): SqlValue {
  if (p.cnt === 0) return null;
  if (!p.approx) return p.iSum;
  if (p.ovrfl) throw new DbError("DB_ERROR", "integer overflow");
  return makeReal(approxTotal(p));
}

export function totalFinal(p: SumState): SqlValue {
  return makeReal(p.approx ? approxTotal(p) : Number(p.iSum));
}

export function avgFinal(p: SumState): SqlValue {
  if (p.cnt === 0) return null;
  const r = p.approx ? approxTotal(p) : Number(p.iSum);
  return makeReal(r / p.cnt);
}

const sum: AggregateFunction<SumState> = { nArgs: 1, minArgs: 1, maxArgs: 1, init: sumInit, step: sumStep, final: sumFinal };
const total: AggregateFunction<SumState> = { nArgs: 1, minArgs: 1, maxArgs: 1, init: sumInit, step: sumStep, final: totalFinal };
const avg: AggregateFunction<SumState> = { nArgs: 1, minArgs: 1, maxArgs: 1, init: sumInit, step: sumStep, final: avgFinal };

/* ------------------------------------------------------------------------------------------ */
/* count, min, max                                                                            */
/* ------------------------------------------------------------------------------------------ */

const count: AggregateFunction<{ n: number }> = {
  nArgs: -1,
  minArgs: 0,
  maxArgs: 1,
  init: () => ({ n: 0 }),
  step(s, args) {
    if (args.length === 0 || args[0] !== null) s.n++;
  },
  final: (s) => s.n,
};

interface BestState {
  has: boolean;
  best: SqlValue;
}

function minmaxAgg(isMax: boolean): AggregateFunction<BestState> {
  return {
    nArgs: 1,
    minArgs: 1,
    maxArgs: 1,
    init: () => ({ has: false, best: null }),
    step(s, args, ctx) {
      const v = args[0];
      if (v === null) return;
      if (!s.has) {
        s.has = true;
        s.best = v;
        return;
      }
      const c = compareValues(s.best, v, ctx?.collation ?? "BINARY");
      if (isMax ? c < 0 : c > 0) s.best = v;
    },
    final: (s) => (s.has ? s.best : null),
  };
}

/* ------------------------------------------------------------------------------------------ */
/* group_concat / string_agg                                                                  */
/* ------------------------------------------------------------------------------------------ */

interface ConcatState {
  parts: string[];
  seen: boolean;
}

function groupConcat(minArgs: number): AggregateFunction<ConcatState> {
  return {
    nArgs: minArgs === 2 ? 2 : -1,
    minArgs,
    maxArgs: 2,
    init: () => ({ parts: [], seen: false }),
    step(s, args) {
      const v = args[0];
      if (v === null) return;
      if (s.seen) {
        if (args.length < 2) {
          s.parts.push(",");
        } else {
          const sep = toText(args[1]);
          if (sep !== null) s.parts.push(sep);
        }
      }
      s.seen = true;
      s.parts.push(toText(v) as string);
    },
    final: (s) => (s.seen ? s.parts.join("") : null),
  };
}

/** The built-in aggregates by lowercase name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const aggregateFunctions = new Map<string, AggregateFunction<any>>([
  ["count", count],
  ["sum", sum],
  ["total", total],
  ["avg", avg],
  ["min", minmaxAgg(false)],
  ["max", minmaxAgg(true)],
  ["group_concat", groupConcat(1)],
  ["string_agg", groupConcat(2)],
  ...Object.entries(jsonAggregates),
]);
