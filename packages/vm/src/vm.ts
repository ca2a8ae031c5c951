/**
 * The virtual machine: runs a compiled Program over B+tree cursors, one instruction at a time,
 * yielding result rows. Owns the connection's transaction state (autocommit or an explicit
 * BEGIN), so a statement that fails rolls back exactly its own changes.
 */
import { BTree, DbError, type Pager } from "@db/btree";
import { BTreeCursor, EphemeralCursor, SorterCursor, type IndexSpec, type SortKeySpec, type VmCursor } from "./cursors.js";
import { AutoIndexCursor, type AutoIndexSpec } from "./autoindex.js";
import { GroupTable } from "./groups.js";
import { CountAcc, MinMaxAcc, SumAcc, newAccumulator, type AggAccumulator, type AggDef } from "./accumulators.js";
import { COLUMN_LENGTH, Op, runForm, type Program, type RunInstr } from "./program.js";
import { sqlLength } from "./functions.js";
import { DEFAULT_SORT_BUDGET_BYTES, type SortOptions } from "./tempstore.js";
import { encodeRecord, encodeRecordScratch } from "./record.js";
import { encodeRowidKey } from "./key.js";
import { computeWindows, type WindowPassSpec } from "./window.js";
import { applyAffinity, castAs, mustBeInt, type Affinity } from "./affinity.js";
import { compareValues } from "./compare.js";
import {
  Real, add, bitAnd, bitNot, bitOr, concat, div, mod, mul, neg, shl, shr, sub, toBoolean, toText,
  type SqlValue,
} from "./value.js";

export type ScalarFn = (args: SqlValue[]) => SqlValue;

/** p4 of a comparison: affinity applied to each side first, and the collation. */
export interface CompareP4 {
  left?: Affinity | null;
  right?: Affinity | null;
  collation?: string;
  /** For Is/IsNot-style null-equal semantics. */
}

export interface PragmaContext {
  pager: Pager;
  vm: Vm;
}

/** Savepoint support is optional in a pager; used when present for statement rollback. */
interface SavepointPager {
  savepoint?(): number;
  rollbackTo?(id: number): void;
  releaseSavepoint?(id: number): void;
}

/** A connection's execution state over one pager. */
export class Vm {
  autocommit = true;
  /** Rows changed by the last INSERT/UPDATE/DELETE, and in total. */
  changes = 0;
  totalChanges = 0;
  lastInsertRowid: number | bigint = 0;
  /** Set when a program changed the schema; the SQL layer reloads its catalog. */
  schemaChanged = false;
  private txn: "none" | "read" | "write" = "none";
  /** Open user savepoints, innermost last (SAVEPOINT / RELEASE / ROLLBACK TO). */
  savepoints: { name: string; id: number }[] = [];
  /** The transaction was begun by a SAVEPOINT outside BEGIN: releasing the outermost one commits. */
  private savepointTxn = false;
  /** Executions currently running; transactions end when the last one does. */
  active = 0;

  /** B+tree handles by root page, reused across statements (building one allocates scratch state). */
  private trees = new Map<number, BTree>();

  /** Memory budget of sorters and group tables, and where they spill past it (read when each opens). */
  sort: SortOptions;

  constructor(
    readonly pager: Pager,
    options: { sort?: Partial<SortOptions> } = {},
  ) {
    this.sort = { tempStore: options.sort?.tempStore ?? null, budgetBytes: options.sort?.budgetBytes ?? DEFAULT_SORT_BUDGET_BYTES };
  }

  /** @internal The B+tree rooted at `root`. */
  tree(root: number): BTree {
    let t = this.trees.get(root);
    if (!t) {
      t = new BTree(this.pager, root);
      this.trees.set(root, t);
    }
    return t;
  }

  /** @internal Forgets cached trees (after DROP, rollback or a schema change). */
  forgetTrees(): void {
    this.trees.clear();
  }

  get inTransaction(): boolean {
    return !this.autocommit;
  }
  get txnState(): "none" | "read" | "write" {
    return this.txn;
  }

  execute(program: Program, params: SqlValue[] = []): Execution {
    return new Execution(this, program, params);
  }

  /** @internal Opens (or upgrades to) the transaction a statement needs. */
  begin(write: boolean): void {
    if (this.txn === "write") return;
    if (write) {
      if (this.txn === "read") {
        if (this.active > 1) throw new DbError("DB_BUSY", "cannot write while another statement is reading");
        this.pager.endRead();
      }
      this.pager.beginWrite();
      this.txn = "write";
    } else if (this.txn === "none") {
      this.pager.beginRead();
      this.txn = "read";
    }
  }

  /** @internal Ends the transaction: commit (or rollback) a write, release a read. */
  end(commit: boolean): void {
    const t = this.txn;
    this.txn = "none";
    if (!commit) this.forgetTrees();
    if (t === "read") this.pager.endRead();
    else if (t === "write") {
      if (commit) {
        try {
          this.pager.commit();
        } catch (e) {
          try {
            this.pager.rollback();
          } catch {
            /* the pager is already failed; the original error says why */
          }
          throw e;
        }
      } else this.pager.rollback();
    }
  }

  /** @internal SAVEPOINT (0), RELEASE (1), ROLLBACK TO (2): lang_savepoint.html. */
  savepointOp(mode: number, name: string): void {
    const p = this.pager as unknown as Required<SavepointPager>;
    const lname = name.toLowerCase();
    if (mode === 0) {
      if (this.autocommit) {
        this.autocommit = false;
        this.savepointTxn = true;
      }
      this.begin(true);
      this.savepoints.push({ name: lname, id: p.savepoint() });
      return;
    }
    let i = this.savepoints.length - 1;
    while (i >= 0 && this.savepoints[i]!.name !== lname) i--;
    if (i < 0) throw new DbError("DB_ERROR", `no such savepoint: ${name}`);
    const sp = this.savepoints[i]!;
    if (mode === 1) {
      p.releaseSavepoint(sp.id);
      this.savepoints.length = i;
      if (i === 0 && this.savepointTxn) {
        this.savepointTxn = false;
        this.end(true);
        this.autocommit = true;
      }
    } else {
      p.rollbackTo(sp.id);
      this.savepoints.length = i + 1;
      this.schemaChanged = true;
      this.forgetTrees();
    }
  }

  /** @internal Forgets savepoints when the transaction ends. */
  clearSavepoints(): void {
    this.savepoints = [];
    this.savepointTxn = false;
  }

  /** @internal */
  statementSavepoint(): number | null {
    const p = this.pager as unknown as SavepointPager;
    return !this.autocommit && this.txn === "write" && p.savepoint ? p.savepoint() : null;
  }
  /** @internal */
  rollbackStatement(sp: number | null): void {
    const p = this.pager as unknown as SavepointPager;
    this.forgetTrees();
    if (sp !== null && p.rollbackTo) {
      p.rollbackTo(sp);
      p.releaseSavepoint?.(sp);
    }
  }
  /** @internal */
  releaseStatement(sp: number | null): void {
    const p = this.pager as unknown as SavepointPager;
    if (sp !== null) p.releaseSavepoint?.(sp);
  }
}

/** The group key of an aggregate without GROUP BY (shared, never modified). */
const NO_KEYS: SqlValue[] = [];
const NO_ARGS: SqlValue[] = [];
const FLAG_COUNT = 1; // Insert/Delete/Clear: count toward changes() and total_changes()
const FLAG_LASTROWID = 2; // Insert: set last_insert_rowid
const FLAG_NEW_ROWID = 4; // Insert: fail with the constraint error in p4 if the rowid exists
const FLAG_COUNT_TOTAL = 8; // Insert/Delete/Clear: count toward total_changes() only (a trigger program's rows)
const RECORD_TRANSIENT = 1; // MakeRecord: the next instruction copies the record

/** One run of a program. `step()` returns true with `row` set, or false when done. */
export class Execution {
  readonly r: SqlValue[];
  private readonly cursors: (VmCursor | null)[];
  /** Accumulators of an aggregate query without GROUP BY (AggReset p1). */
  private readonly aggs: AggAccumulator[] = [];
  private readonly once = new Set<number>();
  /** Largest rowid per table root seen by this run (shared by every cursor on that table). */
  private readonly maxRowids = new Map<number, number | bigint>();
  private pc = 0;
  private done = false;
  private started = false;
  private ownsTxn = false;
  private savepoint: number | null = null;
  private changes = 0;
  /** Set by the first write, so a failure without a statement savepoint knows to roll back. */
  private wrote = false;
  /** The current result row is registers rowStart .. rowStart + rowLen - 1 (see `row`). */
  rowStart = 0;
  rowLen = 0;
  private readonly ins: RunInstr[];
  /** Per instruction address: an argument array reused by each run of that instruction. */
  private readonly scratch: (SqlValue[] | undefined)[] = [];

  constructor(
    readonly vm: Vm,
    readonly program: Program,
    public params: SqlValue[],
  ) {
    this.ins = runForm(program);
    this.r = new Array<SqlValue>(program.nRegs + 1).fill(null);
    this.cursors = new Array<VmCursor | null>(program.nCursors).fill(null);
  }

  /** A copy of the current result row. */
  get row(): SqlValue[] {
    return this.r.slice(this.rowStart, this.rowStart + this.rowLen);
  }

  /** True between the first step and the end (or close) of the run. */
  get running(): boolean {
    return this.started && !this.done;
  }

  /**
   * Prepares a finished run to run again with new parameters, keeping its registers, cursor
   * objects and scratch arrays (a prepared statement's next execution allocates almost nothing).
   */
  reset(params: SqlValue[]): void {
    if (this.running) throw new DbError("DB_MISUSE", "execution reset while running");
    this.params = params;
    const r = this.r;
    for (let i = 0; i < r.length; i++) r[i] = null;
    // Clearing a Set or Map allocates a new table even when it is empty: only when needed.
    if (this.aggs.length > 0) this.aggs.length = 0;
    if (this.once.size > 0) this.once.clear();
    if (this.maxRowids.size > 0) this.maxRowids.clear();
    this.pc = 0;
    this.done = false;
    this.started = false;
    this.ownsTxn = false;
    this.savepoint = null;
    this.changes = 0;
    this.wrote = false;
    this.rowLen = 0;
  }

  /** Registers from..from+n-1 in the scratch array of the instruction at `pc` (callees must not keep it). */
  private args(pc: number, from: number, n: number): SqlValue[] {
    let a = this.scratch[pc];
    if (a === undefined) {
      a = new Array<SqlValue>(n).fill(null);
      this.scratch[pc] = a;
    }
    const r = this.r;
    for (let i = 0; i < n; i++) a[i] = r[from + i]!;
    return a;
  }

  /** Runs to the next result row. Throws DbError; on error the statement's changes are undone. */
  step(): boolean {
    if (this.done) return false;
    if (!this.started) {
      this.started = true;
      this.vm.active++;
    }
    try {
      const more = this.run();
      if (!more) this.finish(true);
      return more;
    } catch (e) {
      this.finish(false);
      throw e;
    }
  }

  /** Stops early (statement reset): a read ends cleanly; an unfinished write is undone. */
  close(): void {
    if (this.done || !this.started) {
      this.done = true;
      return;
    }
    this.finish(!this.program.writes || this.program.returning === true);
  }

  private finish(ok: boolean): void {
    if (this.done) return;
    this.done = true;
    this.vm.active--;
    for (const c of this.cursors) c?.close();
    const vm = this.vm;
    if (ok) {
      vm.releaseStatement(this.savepoint);
      if (this.program.writes && this.program.kind !== "begin") {
        vm.changes = this.changes;
      }
      if (this.ownsTxn && vm.autocommit && vm.active === 0) vm.end(true);
    } else {
      if (vm.autocommit) {
        if (vm.active === 0) vm.end(false);
      } else if (this.savepoint === null && this.wrote) {
        // No statement savepoint to return to: undo the whole transaction rather than keep half a statement.
        vm.end(false);
        vm.autocommit = true;
        vm.clearSavepoints();
      } else {
        vm.rollbackStatement(this.savepoint);
      }
    }
  }

  private cursor(i: number): VmCursor {
    const c = this.cursors[i];
    if (!c) throw new DbError("DB_MISUSE", `cursor ${i} is not open`);
    return c;
  }
  private btree(i: number): BTreeCursor {
    return this.cursor(i) as BTreeCursor;
  }

  private run(): boolean {
    const ins = this.ins;
    const r = this.r;
    const vm = this.vm;
    let pc = this.pc;
    for (;;) {
      const I = ins[pc]!;
      switch (I.op) {
        case Op.Init:
        case Op.Goto:
          pc = I.p2;
          continue;
        case Op.Noop:
          break;
        case Op.Integer:
          r[I.p2] = I.p1;
          break;
        case Op.Int64:
        case Op.Real:
        case Op.String:
        case Op.Blob:
          r[I.p2] = I.p4 as SqlValue;
          break;
        case Op.Null:
          for (let i = I.p2; i <= Math.max(I.p2, I.p3); i++) r[i] = null;
          break;
        case Op.Variable: {
          const v = this.params[I.p1 - 1];
          r[I.p2] = v === undefined ? null : v;
          break;
        }
        case Op.Copy:
        case Op.SCopy:
          for (let i = 0; i <= I.p3; i++) r[I.p2 + i] = r[I.p1 + i]!;
          break;
        case Op.Move:
          for (let i = 0; i < I.p3; i++) {
            r[I.p2 + i] = r[I.p1 + i]!;
            r[I.p1 + i] = null;
          }
          break;
        case Op.ResultRow:
          this.rowStart = I.p1;
          this.rowLen = I.p2;
          this.pc = pc + 1;
          return true;
        case Op.Gosub:
          r[I.p1] = pc + 1;
          pc = I.p2;
          continue;
        case Op.Return:
          pc = r[I.p1] as number;
          continue;
        case Op.Once:
          if (this.once.has(pc)) {
            pc = I.p2;
            continue;
          }
          this.once.add(pc);
          break;
        case Op.If: {
          const b = toBoolean(r[I.p1]!);
          if (b === true || (b === null && I.p3 !== 0)) {
            pc = I.p2;
            continue;
          }
          break;
        }
        case Op.IfNot: {
          const b = toBoolean(r[I.p1]!);
          if (b === false || (b === null && I.p3 !== 0)) {
            pc = I.p2;
            continue;
          }
          break;
        }
        case Op.IsNull:
          if (r[I.p1] === null) {
            pc = I.p2;
            continue;
          }
          break;
        case Op.NotNull:
          if (r[I.p1] !== null) {
            pc = I.p2;
            continue;
          }
          break;
        case Op.IfPos: {
          const v = r[I.p1] as number;
          if (v > 0) {
            r[I.p1] = v - I.p3;
            pc = I.p2;
            continue;
          }
          break;
        }
        case Op.DecrJumpZero: {
          const v = r[I.p1] as number;
          if (v > 0) {
            r[I.p1] = v - 1;
            if (v - 1 === 0) {
              pc = I.p2;
              continue;
            }
          }
          break;
        }
        case Op.Eq:
        case Op.Ne:
        case Op.Lt:
        case Op.Le:
        case Op.Gt:
        case Op.Ge:
          r[I.p2] = this.compare(I.op, r[I.p1]!, r[I.p3]!, I.p4 as CompareP4 | undefined);
          break;
        case Op.Is:
        case Op.IsNot: {
          const a = r[I.p1]!;
          const b = r[I.p3]!;
          let eq: boolean;
          if (a === null || b === null) eq = a === b;
          else eq = this.compare(Op.Eq, a, b, I.p4 as CompareP4 | undefined) === 1;
          r[I.p2] = (I.op === Op.Is) === eq ? 1 : 0;
          break;
        }
        case Op.Add:
          r[I.p3] = add(r[I.p1]!, r[I.p2]!);
          break;
        case Op.Subtract:
          r[I.p3] = sub(r[I.p1]!, r[I.p2]!);
          break;
        case Op.Multiply:
          r[I.p3] = mul(r[I.p1]!, r[I.p2]!);
          break;
        case Op.Divide:
          r[I.p3] = div(r[I.p1]!, r[I.p2]!);
          break;
        case Op.Remainder:
          r[I.p3] = mod(r[I.p1]!, r[I.p2]!);
          break;
        case Op.Concat:
          r[I.p3] = concat(r[I.p1]!, r[I.p2]!);
          break;
        case Op.BitAnd:
          r[I.p3] = bitAnd(r[I.p1]!, r[I.p2]!);
          break;
        case Op.BitOr:
          r[I.p3] = bitOr(r[I.p1]!, r[I.p2]!);
          break;
        case Op.ShiftLeft:
          r[I.p3] = shl(r[I.p1]!, r[I.p2]!);
          break;
        case Op.ShiftRight:
          r[I.p3] = shr(r[I.p1]!, r[I.p2]!);
          break;
        case Op.Negative:
          r[I.p2] = neg(r[I.p1]!);
          break;
        case Op.BitNot:
          r[I.p2] = bitNot(r[I.p1]!);
          break;
        case Op.Not: {
          const b = toBoolean(r[I.p1]!);
          r[I.p2] = b === null ? null : b ? 0 : 1;
          break;
        }
        case Op.IsTrue: {
          // p3: value when NULL; p4 truthy: invert (IS NOT TRUE)
          const b = toBoolean(r[I.p1]!);
          r[I.p2] = (b === null ? I.p3 === 1 : b) ? 1 : 0;
          break;
        }
        case Op.And: {
          const a = toBoolean(r[I.p1]!);
          const b = toBoolean(r[I.p2]!);
          r[I.p3] = a === false || b === false ? 0 : a === null || b === null ? null : 1;
          break;
        }
        case Op.Or: {
          const a = toBoolean(r[I.p1]!);
          const b = toBoolean(r[I.p2]!);
          r[I.p3] = a === true || b === true ? 1 : a === null || b === null ? null : 0;
          break;
        }
        case Op.Cast:
          r[I.p1] = castAs(r[I.p1]!, I.p4 as string);
          break;
        case Op.Affinity: {
          const affs = I.p4 as (Affinity | null)[];
          for (let i = 0; i < I.p2; i++) {
            const a = affs[i];
            if (a) r[I.p1 + i] = applyAffinity(r[I.p1 + i]!, a);
          }
          break;
        }
        case Op.RealAffinity: {
          // Reading a REAL-affinity column that holds an integer (sqlite3 OP_RealAffinity).
          const v = r[I.p1]!;
          if (typeof v === "number" && Number.isInteger(v)) r[I.p1] = new Real(v);
          else if (typeof v === "bigint") r[I.p1] = new Real(Number(v));
          break;
        }
        case Op.MustBeInt: {
          const n = mustBeInt(r[I.p1]!);
          if (n !== undefined) {
            r[I.p1] = n;
            break;
          }
          if (I.p2) {
            pc = I.p2;
            continue;
          }
          throw new DbError("DB_MISMATCH", "datatype mismatch");
        }
        case Op.Function: {
          const fn = I.p4 as { fn: ScalarFn; name: string };
          r[I.p3] = fn.fn(this.args(pc, I.p1, I.p2));
          break;
        }
        case Op.OpenRead:
        case Op.OpenWrite: {
          const p4 = I.p4 as { index?: IndexSpec; rootReg?: boolean } | undefined;
          const root = p4?.rootReg ? Number(r[I.p2]) : I.p2;
          const old = this.cursors[I.p1];
          // Re-opening the same tree (a loop or subquery run again, or the next run of a prepared
          // statement) reuses the cursor.
          if (old instanceof BTreeCursor && old.root === root && old.isIndex === !!p4?.index && old.tree === vm.tree(root)) {
            old.reopen();
            break;
          }
          old?.close();
          this.cursors[I.p1] = new BTreeCursor(vm.pager, root, !!p4?.index, p4?.index ?? null, vm.tree(root));
          break;
        }
        case Op.Rewind:
          if (!this.cursor(I.p1).rewind()) {
            pc = I.p2;
            continue;
          }
          break;
        case Op.Last:
          if (!this.cursor(I.p1).last()) {
            pc = I.p2;
            continue;
          }
          break;
        case Op.Next: {
          const c = this.cursor(I.p1);
          if (c instanceof BTreeCursor ? c.next() : c.next()) {
            pc = I.p2;
            continue;
          }
          break;
        }
        case Op.Prev:
          if (this.cursor(I.p1).prev()) {
            pc = I.p2;
            continue;
          }
          break;
        case Op.NullRow:
          this.cursor(I.p1).nullRow = true;
          break;
        case Op.IfNullRow:
          // A LEFT JOIN's NULL row: register p3 is NULL and p2 skips what computes it (a virtual column).
          if (this.cursor(I.p1).nullRow) {
            r[I.p3] = null;
            pc = I.p2;
            continue;
          }
          break;
        case Op.SeekRowid: {
          const key = rowidOf(r[I.p3]!);
          if (key === null || !this.btree(I.p1).seekRowid(key)) {
            pc = I.p2;
            continue;
          }
          break;
        }
        case Op.SeekPrefix: {
          const vals = this.args(pc, I.p3, I.p4 as number);
          if (vals.some((v) => v === null) || !this.btree(I.p1).seekPrefix(vals)) {
            pc = I.p2;
            continue;
          }
          break;
        }
        case Op.SeekRange: {
          // p3..: eq values, then lower and/or upper bound values; p4 says which; p5=1 walks backwards.
          const p4 = I.p4 as { nEq: number; lower: "gt" | "ge" | null; upper: "lt" | "le" | null };
          const c = this.btree(I.p1);
          const eq = r.slice(I.p3, I.p3 + p4.nEq);
          let at = I.p3 + p4.nEq;
          const lower = p4.lower ? { v: r[at++]!, incl: p4.lower === "ge" } : null;
          const upper = p4.upper ? { v: r[at++]!, incl: p4.upper === "le" } : null;
          if (eq.some((v) => v === null) || lower?.v === null || upper?.v === null) {
            pc = I.p2;
            continue;
          }
          const { low, high } = c.indexRange(eq, lower, upper);
          if (!c.seekRange(low, high, I.p5 === 1)) {
            pc = I.p2;
            continue;
          }
          break;
        }
        case Op.SeekRowidRange: {
          // Table cursor: rowids in a range; p3: lower bound register (0: none), p4.upperReg (0: none).
          const p4 = I.p4 as { lower: "gt" | "ge" | null; upper: "lt" | "le" | null; upperReg: number };
          const c = this.btree(I.p1);
          let low: Uint8Array | null = null;
          let high: Uint8Array | null = null;
          let empty = false;
          if (p4.lower) {
            const b = rowidBound(r[I.p3]!, p4.lower === "gt" ? "after" : "from");
            if (b === "none") empty = true;
            else if (b !== "all") low = encodeRowidKey(b);
          }
          if (p4.upper && !empty) {
            const b = rowidBound(r[p4.upperReg]!, p4.upper === "lt" ? "to" : "through");
            if (b === "none") empty = true;
            else if (b !== "all") high = encodeRowidKey(b);
          }
          if (empty || !c.seekRange(low, high, I.p5 === 1)) {
            pc = I.p2;
            continue;
          }
          break;
        }
        case Op.NextRange:
          if (this.btree(I.p1).nextRange(I.p5 === 1)) {
            pc = I.p2;
            continue;
          }
          break;
        case Op.IdxNextPrefix:
          if (this.btree(I.p1).nextPrefix()) {
            pc = I.p2;
            continue;
          }
          break;
        case Op.Column: {
          const c = this.cursor(I.p1);
          // One loop runs every program, so calls through VmCursor see every cursor class; the
          // B+tree cursor, by far the most common, gets call sites of its own (also in Rowid, Next).
          if (c instanceof BTreeCursor) {
            r[I.p3] = I.p5 & COLUMN_LENGTH ? c.columnLength(I.p2, I.p4 as SqlValue | undefined, sqlLength) : c.columnOrDefault(I.p2, I.p4 as SqlValue | undefined);
            break;
          }
          if (I.p5 & COLUMN_LENGTH) {
            r[I.p3] = sqlLength(c.column(I.p2));
            break;
          }
          const v = c.column(I.p2);
          // p4: the column's default, for records written before ALTER TABLE ADD COLUMN.
          r[I.p3] = v === null && I.p4 !== undefined && (c as BTreeCursor).shortRecord?.(I.p2) ? (I.p4 as SqlValue) : v;
          break;
        }
        case Op.Rowid: {
          const c = this.cursor(I.p1);
          r[I.p2] = c instanceof BTreeCursor ? c.rowid() : c.rowid();
          break;
        }
        case Op.MakeRecord:
          // p5 RECORD_TRANSIENT: the record is consumed (copied) by the next instruction, so it
          // may be a view of the encoder's shared buffer.
          r[I.p3] = I.p5 & RECORD_TRANSIENT ? encodeRecordScratch(this.args(pc, I.p1, I.p2)) : encodeRecord(this.args(pc, I.p1, I.p2));
          break;
        case Op.NewRowid: {
          const c = this.btree(I.p1);
          let max = this.maxRowids.get(c.root);
          if (max === undefined) {
            max = c.maxRowidInTree();
            this.maxRowids.set(c.root, max);
          }
          // p3: the AUTOINCREMENT register (the largest rowid ever used); the new rowid goes past it.
          const seq = I.p3 ? r[I.p3]! : null;
          if ((typeof seq === "number" || typeof seq === "bigint") && seq > max) max = seq;
          // Only Insert advances the cached maximum: a row skipped by OR IGNORE uses no rowid.
          if (typeof max === "bigint") {
            if (max >= 9223372036854775807n) throw new DbError("DB_FULL", "database or disk is full (rowid space exhausted)");
            max = max + 1n;
          } else max = max + 1;
          if (typeof max === "number" && !Number.isSafeInteger(max)) max = BigInt(max);
          r[I.p2] = max;
          if (I.p3) r[I.p3] = max;
          break;
        }
        case Op.Insert: {
          const c = this.btree(I.p1);
          const rowid = r[I.p3] as number | bigint;
          const wrote = this.wrote;
          this.wrote = true;
          if (I.p5 & FLAG_NEW_ROWID) {
            // The rowid uniqueness check in the insert's own descent: p4 is the HaltError
            // (constraint) raised, with nothing written, when the rowid is taken.
            if (!c.insertNewRow(rowid, r[I.p2] as Uint8Array)) {
              this.wrote = wrote;
              const e = I.p4 as { code: string; message: string; subcode?: string };
              throw new DbError(e.code as "DB_ERROR", e.message, e.subcode ? { subcode: e.subcode } : {});
            }
          } else c.insertRow(rowid, r[I.p2] as Uint8Array);
          const known = this.maxRowids.get(c.root);
          if (known !== undefined && rowid > known) this.maxRowids.set(c.root, rowid);
          if (I.p5 & FLAG_COUNT) {
            this.changes++;
            vm.totalChanges++;
          } else if (I.p5 & FLAG_COUNT_TOTAL) vm.totalChanges++;
          if (I.p5 & FLAG_LASTROWID) vm.lastInsertRowid = rowid;
          break;
        }
        case Op.Delete:
          this.wrote = true;
          this.btree(I.p1).deleteCurrent();
          if (I.p5 & FLAG_COUNT) {
            this.changes++;
            vm.totalChanges++;
          } else if (I.p5 & FLAG_COUNT_TOTAL) vm.totalChanges++;
          break;
        case Op.IdxInsert:
          this.wrote = true;
          this.btree(I.p1).insertIndex(this.args(pc, I.p2, I.p3));
          break;
        case Op.IdxDelete:
          this.wrote = true;
          this.btree(I.p1).deleteIndex(this.args(pc, I.p2, I.p3));
          break;
        case Op.NoConflict: {
          // p3..: key values (p4.n of them); on conflict store the existing rowid in p4.rowidReg and fall through.
          const p4 = I.p4 as { n: number; rowidReg: number };
          const vals = this.args(pc, I.p3, p4.n);
          const c = this.btree(I.p1);
          if (vals.some((v) => v === null) || !c.seekPrefix(vals)) {
            pc = I.p2;
            continue;
          }
          r[p4.rowidReg] = c.rowid();
          break;
        }
        case Op.EphInsert: {
          const c = this.cursor(I.p1) as EphemeralCursor;
          const vals = r.slice(I.p2, I.p2 + I.p3);
          // p5: an affinity for the values (the set of `x IN (SELECT ...)`): 1 NUMERIC, 2 TEXT, 3 REAL.
          if (I.p5) for (let i = 0; i < vals.length; i++) vals[i] = applyAffinity(vals[i]!, I.p5 === 2 ? "TEXT" : I.p5 === 3 ? "REAL" : "NUMERIC");
          const inserted = c.insert(vals);
          // p4: jump here when a set already held the row (DISTINCT)
          if (!inserted && typeof I.p4 === "number") {
            pc = I.p4;
            continue;
          }
          break;
        }
        case Op.Found:
          if ((this.cursor(I.p1) as EphemeralCursor).contains(r.slice(I.p3, I.p3 + (I.p4 as number)))) {
            pc = I.p2;
            continue;
          }
          break;
        case Op.NotFound:
          if (!(this.cursor(I.p1) as EphemeralCursor).contains(r.slice(I.p3, I.p3 + (I.p4 as number)))) {
            pc = I.p2;
            continue;
          }
          break;
        case Op.EphFoundNull:
          if ((this.cursor(I.p1) as EphemeralCursor).hasNull) {
            pc = I.p2;
            continue;
          }
          break;
        case Op.SorterInsert: {
          const p4 = I.p4 as { nKeys: number };
          const s = this.cursor(I.p1) as SorterCursor;
          if (p4.nKeys === s.spec.length) s.insertRow(r.slice(I.p2, I.p2 + I.p3));
          else s.insert(r.slice(I.p2, I.p2 + p4.nKeys), r.slice(I.p2 + p4.nKeys, I.p2 + I.p3));
          break;
        }
        case Op.AggStep:
          // p1: first arg register, p2: arg count, p3: accumulator; p5 = group cursor + 1 when grouped.
          // Accumulators fold (or, spilling, copy) the arguments at once: a reused array.
          this.acc(I.p5, I.p3).step(this.args(pc, I.p1, I.p2));
          break;
        case Op.AggCount: {
          // count(x) (p1: x's register) or count(*) (p1 = 0); p3, p5 as AggStep.
          const acc = I.p5 ? this.acc(I.p5, I.p3) : this.aggs[I.p3]!;
          if (acc instanceof CountAcc) {
            if (I.p1 === 0 || r[I.p1] !== null) acc.n++;
          } else acc.step(I.p1 === 0 ? NO_ARGS : this.args(pc, I.p1, 1));
          break;
        }
        case Op.AggSum: {
          // sum/total/avg of register p1; p3, p5 as AggStep.
          const acc = I.p5 ? this.acc(I.p5, I.p3) : this.aggs[I.p3]!;
          if (acc instanceof SumAcc) acc.add(r[I.p1]!);
          else acc.step(this.args(pc, I.p1, 1));
          break;
        }
        case Op.AggMinMax: {
          // min/max of register p1; p3, p5 as AggStep. p2 (no GROUP BY, bare columns): a register
          // set to 0 when this row is the one the bare columns report, 1 when not (SQLite's regHit;
          // a DISTINCT duplicate leaves it).
          const acc = I.p5 ? this.acc(I.p5, I.p3) : this.aggs[I.p3]!;
          if (acc instanceof MinMaxAcc) {
            const hit = acc.add(r[I.p1]!);
            if (I.p2 && hit >= 0) r[I.p2] = 1 - hit;
          } else acc.step(this.args(pc, I.p1, 1));
          break;
        }
        case Op.GroupStep: {
          // p2..p2+p3-1: the key (the group table copies it when it makes a group).
          const g = this.groupTable(I.p1);
          const grp = g.step(I.p3 === 0 ? NO_KEYS : this.args(pc, I.p2, I.p3));
          // p4 (bare columns): {accReg: set to 0 on the group's first row, else 1 (SQLite's
          // iUseFlag); hitReg: given the group's saved verdict (a DISTINCT min/max may skip it)}
          const p4 = I.p4 as { accReg: number; hitReg: number } | undefined;
          if (p4 !== undefined) {
            if (p4.accReg) r[p4.accReg] = g.fresh ? 0 : 1;
            if (p4.hitReg) r[p4.hitReg] = grp.hit;
          }
          break;
        }
        case Op.GroupIfBare: {
          // Jump to p2 (the bare columns stay) when register p3 is 1, unless the group is being
          // recorded to the spill (every recorded row carries its bare values: groups.ts
          // readSpilled picks the row). p5: save p3 as the group's verdict first.
          const g = this.groupTable(I.p1);
          const v = r[I.p3] as number;
          if (I.p5) g.current!.hit = v;
          if (v && !g.isRecording) {
            pc = I.p2;
            continue;
          }
          break;
        }
        case Op.GroupSetBare: {
          // The current group's bare values := registers p2..p2+p3-1.
          const grp = this.groupTable(I.p1).current!;
          const n = I.p3;
          const bare = grp.bare;
          if (bare.length === n) for (let i = 0; i < n; i++) bare[i] = r[I.p2 + i]!;
          else grp.bare = r.slice(I.p2, I.p2 + n);
          break;
        }
        case Op.GroupNext:
          if (this.groupTable(I.p1).next()) {
            pc = I.p2;
            continue;
          }
          break;
        case Op.GroupColumn: {
          // p2: index into keys then bare values
          const g = this.groupTable(I.p1).current!;
          r[I.p3] = I.p2 < g.keys.length ? g.keys[I.p2]! : (g.bare[I.p2 - g.keys.length] ?? null);
          break;
        }
        case Op.GroupAggFinal:
          r[I.p3] = this.groupTable(I.p1).current!.aggs[I.p2]!.final();
          break;
        case Op.CheckNotNull:
          if (r[I.p1] === null) {
            const p4 = I.p4 as { message: string; action?: string };
            if (I.p2) {
              pc = I.p2; // OR IGNORE: skip the row
              continue;
            }
            throw new DbError("DB_CONSTRAINT", p4.message, { subcode: "DB_CONSTRAINT_NOTNULL" });
          }
          break;
        case Op.Jump:
          pc = I.p2;
          continue;
        case Op.InSet: {
          // x IN (set): 1 if found; NULL if x is NULL or the set holds a NULL; else 0. Empty set: 0.
          const c = this.cursor(I.p1) as EphemeralCursor;
          const x = r[I.p3]!;
          if (c.size === 0) r[I.p2] = 0;
          else if (x === null) r[I.p2] = null;
          else if (c.contains([x])) r[I.p2] = 1;
          else r[I.p2] = c.hasNull ? null : 0;
          break;
        }
        default: {
          // Statement-level instructions (`perStatement`): reaching one for the first time in a process
          // deoptimizes only that method, not this loop (recompiling `run` is slow: it is large).
          const next = this.perStatement(I, pc);
          if (next < 0) {
            this.pc = pc;
            return false;
          }
          pc = next;
          continue;
        }
      }
      pc++;
    }
  }

  /**
   * Runs an instruction that a statement executes once (open, finish, transaction control, DDL),
   * not once per row; returns the next pc, or -1 at Halt. Kept out of `run`, whose one call site
   * here has type feedback from the first statement's Transaction.
   */
  private perStatement(I: RunInstr, pc: number): number {
    const r = this.r;
    const vm = this.vm;
    switch (I.op) {
      case Op.Halt:
        return -1;
      case Op.HaltError: {
        const e = I.p4 as { code: string; message: string; subcode?: string };
        const message = I.p3 ? (toText(r[I.p2]!) ?? "") : e.message;
        throw new DbError(e.code as "DB_ERROR", message, e.subcode ? { subcode: e.subcode } : {});
      }
      case Op.Transaction: {
        const write = I.p1 === 1;
        const before = vm.txnState;
        vm.begin(write);
        if (before === "none") this.ownsTxn = true;
        if (write && this.savepoint === null && this.program.stmtJournal !== false) this.savepoint = vm.statementSavepoint();
        break;
      }
      case Op.AutoCommit:
        this.autoCommit(I.p1);
        break;
      case Op.Count: {
        // p2 = the number of entries of cursor p1's B+tree, from each leaf's cell count: no entry
        // is read (SQLite's OP_Count, for `SELECT count(*) FROM t`).
        r[I.p2] = this.btree(I.p1).tree.count();
        break;
      }
      case Op.Savepoint:
        vm.savepointOp(I.p1, I.p4 as string);
        break;
      case Op.OffsetLimit: {
        // Normalizes a LIMIT (p3=0) or OFFSET (p3=1) register to an integer; a negative LIMIT means none (-1).
        const n = mustBeInt(r[I.p1]!);
        if (n === undefined) throw new DbError("DB_MISMATCH", "datatype mismatch");
        const v = Number(n);
        r[I.p1] = I.p3 === 1 ? Math.max(0, v) : v < 0 ? -1 : v;
        break;
      }
      case Op.OpenEphemeral: {
        this.cursors[I.p1]?.close();
        // p4 { autoIndex }: the planner's transient index (autoindex.ts).
        // p4 { collations }: per-column collations of a set (DISTINCT).
        const p4 = I.p4 as { autoIndex?: AutoIndexSpec; collations?: string[] } | undefined;
        const auto = p4?.autoIndex;
        this.cursors[I.p1] = auto ? new AutoIndexCursor(auto) : new EphemeralCursor(I.p2 === 1, p4?.collations);
        break;
      }
      case Op.OpenPseudo: {
        // p4: the aggregates, or {aggs, keyCollations} when a GROUP BY term has a collation.
        const p4 = I.p4 as AggDef[] | { aggs: AggDef[]; keyCollations: string[] };
        if (Array.isArray(p4)) this.openGroups(I.p1, p4);
        else this.openGroups(I.p1, p4.aggs, p4.keyCollations);
        break;
      }
      case Op.OpenSorter: {
        this.cursors[I.p1]?.close();
        // p2: the LIMIT register (0: none), p3: the OFFSET register (0: none), both normalized
        // by OffsetLimit: only the first LIMIT + OFFSET rows in order are kept (top-N).
        let keep = -1;
        if (I.p2 !== 0) {
          const lim = r[I.p2] as number;
          if (lim >= 0) keep = lim + (I.p3 !== 0 ? (r[I.p3] as number) : 0);
        }
        this.cursors[I.p1] = new SorterCursor(I.p4 as SortKeySpec[], vm.sort, keep);
        break;
      }
      case Op.Close:
        this.cursors[I.p1]?.close();
        this.cursors[I.p1] = null;
        break;
      case Op.SorterSort:
        if (!(this.cursor(I.p1) as SorterCursor).sort()) {
          return I.p2;
        }
        break;
      case Op.AggReset:
        this.aggs[I.p1] = newAccumulator(I.p4 as AggDef);
        break;
      case Op.AggFinal:
        r[I.p2] = this.aggs[I.p1]!.final();
        break;
      case Op.GroupRewind:
        if (!this.groupTable(I.p1).rewind(I.p3 === 1)) {
          return I.p2;
        }
        break;
      case Op.CreateBtree:
        r[I.p2] = BTree.create(vm.pager);
        break;
      case Op.Destroy:
        vm.tree(Number(I.p4 ?? r[I.p1])).drop();
        vm.forgetTrees();
        break;
      case Op.Clear: {
        const tree = vm.tree(Number(I.p4 ?? r[I.p1]));
        if (I.p5 & (FLAG_COUNT | FLAG_COUNT_TOTAL)) {
          const n = tree.count();
          if (I.p5 & FLAG_COUNT) this.changes += n;
          vm.totalChanges += n;
        }
        tree.clear();
        break;
      }
      case Op.SchemaChanged:
        vm.forgetTrees();
        vm.pager.setMeta(1, (vm.pager.getMeta(1) + 1) >>> 0);
        vm.schemaChanged = true;
        break;
      case Op.Pragma: {
        // p4: a function filling an ephemeral table p1 with rows
        const fill = I.p4 as { run: (ctx: PragmaContext) => SqlValue[][] };
        const c = this.cursor(I.p1) as EphemeralCursor;
        for (const row of fill.run({ pager: vm.pager, vm })) c.insert(row);
        break;
      }
      case Op.TableFunction: {
        // A table-valued function (json_each, pragma_table_info ...) at its loop's start: cursor
        // p1 is refilled with p4.run(the p3 arguments from register p2).
        const f = I.p4 as { run: (args: SqlValue[], ctx: PragmaContext) => SqlValue[][] };
        const args: SqlValue[] = [];
        for (let i = 0; i < I.p3; i++) args.push(r[I.p2 + i]!);
        this.cursors[I.p1]?.close();
        const c = new EphemeralCursor(false);
        for (const row of f.run(args, { pager: vm.pager, vm })) c.insert(row);
        this.cursors[I.p1] = c;
        break;
      }
      case Op.Compound:
        (this.cursor(I.p1) as EphemeralCursor).combine(this.cursor(I.p2) as EphemeralCursor, I.p4 as string);
        break;
      case Op.Window: {
        // p1: the input rows, sorted by partition and order keys; p2: receives them with the
        // window functions' values appended (window.ts).
        const dst = this.cursor(I.p2) as EphemeralCursor;
        for (const row of computeWindows((this.cursor(I.p1) as EphemeralCursor).allRows(), I.p4 as WindowPassSpec)) dst.insert(row);
        break;
      }
      default:
        throw new DbError("DB_ERROR", `unimplemented opcode ${Op[I.op]}`);
    }
    return pc + 1;
  }

  /** Accumulator `slot`: of the current group of group cursor `groupCur1 - 1`, or (0) of the query. */
  private acc(groupCur1: number, slot: number): AggAccumulator {
    if (groupCur1 === 0) return this.aggs[slot]!;
    return this.groupTable(groupCur1 - 1).current!.aggs[slot]!;
  }

  private groupTable(i: number): GroupTable {
    const c = this.cursors[i] as unknown as { table: GroupTable; close(): void } | null;
    if (!c) throw new DbError("DB_MISUSE", `group cursor ${i} not open`);
    return c.table;
  }

  /** @internal Opens a group cursor (used by OpenPseudo with p4 agg defs). */
  openGroups(i: number, defs: AggDef[], keyCollations?: string[]): void {
    this.cursors[i]?.close(); // a group table opened again (subquery re-run) frees its spill file
    const table = new GroupTable(defs, this.vm.sort, keyCollations);
    this.cursors[i] = { table, close: () => table.clear() } as unknown as VmCursor;
  }

  private compare(op: Op, a: SqlValue, b: SqlValue, p4: CompareP4 | undefined): SqlValue {
    if (a === null || b === null) return null;
    if (p4) {
      if (p4.left) a = applyAffinity(a, p4.left);
      if (p4.right) b = applyAffinity(b, p4.right);
    }
    const c = compareValues(a, b, (p4?.collation ?? "BINARY") as "BINARY");
    switch (op) {
      case Op.Eq:
        return c === 0 ? 1 : 0;
      case Op.Ne:
        return c !== 0 ? 1 : 0;
      case Op.Lt:
        return c < 0 ? 1 : 0;
      case Op.Le:
        return c <= 0 ? 1 : 0;
      case Op.Gt:
        return c > 0 ? 1 : 0;
      default:
        return c >= 0 ? 1 : 0;
    }
  }

  private autoCommit(mode: number): void {
    const vm = this.vm;
    if (mode === 0 || mode === 3) {
      if (!vm.autocommit) throw new DbError("DB_ERROR", "cannot start a transaction within a transaction");
      vm.autocommit = false;
      if (mode === 3) vm.begin(true);
    } else if (mode === 1) {
      if (vm.autocommit) throw new DbError("DB_ERROR", "cannot commit - no transaction is active");
      vm.end(true);
      vm.autocommit = true;
      vm.clearSavepoints();
    } else {
      if (vm.autocommit) throw new DbError("DB_ERROR", "cannot rollback - no transaction is active");
      vm.end(false);
      vm.autocommit = true;
      vm.clearSavepoints();
    }
  }
}

/**
 * Converts a range bound on the rowid to an exact rowid key position: "from" v (>=), "after" v (>),
 * "to" v (< v, exclusive high), "through" v (<= v, exclusive high is v+1). Returns "none" when
 * no rowid can satisfy it, "all" when every rowid does.
 */
function rowidBound(v: SqlValue, kind: "from" | "after" | "to" | "through"): number | bigint | "none" | "all" {
  if (v === null) return "none";
  let n = applyAffinity(v, "NUMERIC");
  if (typeof n === "string" || n instanceof Uint8Array) return kind === "from" || kind === "after" ? "none" : "all"; // text sorts after numbers
  const x = typeof n === "bigint" ? n : typeof n === "number" ? n : (n as { value: number }).value;
  if (typeof x === "bigint") {
    const b = kind === "after" || kind === "through" ? x + 1n : x;
    if (b > 9223372036854775807n) return kind === "after" ? "none" : "all";
    return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
  }
  if (Number.isNaN(x)) return "none";
  if (x === Infinity) return kind === "from" || kind === "after" ? "none" : "all";
  if (x === -Infinity) return kind === "from" || kind === "after" ? "all" : "none";
  // Integer position: first rowid >= bound (from/after) or first rowid not included (to/through).
  let k: number;
  if (kind === "from") k = Math.ceil(x);
  else if (kind === "after") k = Math.floor(x) + 1;
  else if (kind === "to") k = Math.ceil(x);
  else k = Math.floor(x) + 1;
  if (k >= 2 ** 63) return kind === "from" || kind === "after" ? "none" : "all";
  if (k < -(2 ** 63)) return kind === "from" || kind === "after" ? "all" : "none";
  n = Number.isSafeInteger(k) ? k : BigInt(k);
  return n as number | bigint;
}

/** A rowid from a register value, or null when the value can never be a rowid. */
function rowidOf(v: SqlValue): number | bigint | null {
  if (typeof v === "number") return Number.isInteger(v) ? v : null;
  if (typeof v === "bigint") return v;
  if (v === null) return null;
  const n = applyAffinity(v, "INTEGER");
  if (typeof n === "number" && Number.isInteger(n)) return n;
  if (typeof n === "bigint") return n;
  return null;
}

export { FLAG_COUNT, FLAG_COUNT_TOTAL, FLAG_LASTROWID, FLAG_NEW_ROWID, RECORD_TRANSIENT };
