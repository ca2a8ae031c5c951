/** Emits vm instructions with forward-referencing labels, and allocates registers and cursors. */
import { Op, type Instr, type Program, type ColumnMeta } from "@db/vm";

export class Builder {
  readonly instrs: Instr[] = [];
  private nRegs = 0;
  private nCursors = 0;
  /** label id → address (-1 while unresolved) */
  private labels: number[] = [];
  /** EXPLAIN QUERY PLAN lines: [depth, text] */
  readonly plan: { depth: number; text: string }[] = [];
  planDepth = 0;
  writes = false;
  /** See Program.stmtJournal. */
  stmtJournal = true;
  /** See Program.returning. */
  returning = false;
  nParams = 0;
  paramNames: (string | null)[] = [];

  emit(op: Op, p1 = 0, p2 = 0, p3 = 0, p4: unknown = undefined, p5 = 0, comment?: string): number {
    const ins: Instr = { op, p1, p2, p3, p4, p5 };
    if (comment) ins.comment = comment;
    this.instrs.push(ins);
    return this.instrs.length - 1;
  }

  get addr(): number {
    return this.instrs.length;
  }

  /** A new label; jumps to it are patched when it is placed. Labels are negative numbers. */
  label(): number {
    this.labels.push(-1);
    return -this.labels.length;
  }
  place(label: number): void {
    this.labels[-label - 1] = this.instrs.length;
  }

  reg(n = 1): number {
    const first = this.nRegs + 1;
    this.nRegs += n;
    return first;
  }
  cursor(): number {
    return this.nCursors++;
  }

  /** `n` accumulator slots of the vm (AggReset/AggStep/AggFinal without GROUP BY), unique in the program. */
  aggSlots(n: number): number {
    const first = this.nAggSlots;
    this.nAggSlots += n;
    return first;
  }
  private nAggSlots = 0;

  /**
   * The number of a parameter: the parser's (`index`), so that compiling an expression twice, or
   * dropping its code, changes no number. An AST built without numbers gets the next free one.
   */
  param(index: number | undefined, name: string | undefined): number {
    const i = index ?? this.nParams + 1;
    if (i > this.nParams) this.nParams = i;
    if (name !== undefined) this.paramNames[i] = name;
    return i;
  }

  /** Sets the statement's parameters as the parser numbered them (`?` in dropped code still counts, as in SQLite). */
  declareParams(count: number, names: (string | null)[]): void {
    this.nParams = Math.max(this.nParams, count);
    names.forEach((name, i) => {
      if (name) this.param(i, name);
    });
  }

  /** A point to return to with `rollback` (code and plan lines emitted after it are dropped). */
  mark(): { addr: number; plan: number } {
    return { addr: this.instrs.length, plan: this.plan.length };
  }
  rollback(m: ReturnType<Builder["mark"]>): void {
    this.instrs.length = m.addr;
    this.plan.length = m.plan;
  }

  note(text: string): void {
    this.plan.push({ depth: this.planDepth, text });
  }

  finish(columns: ColumnMeta[], kind: string, schemaVersion: number): Program {
    for (const ins of this.instrs) {
      if (ins.p2 < 0 && JUMPS.has(ins.op)) ins.p2 = this.resolve(ins.p2);
      if (typeof ins.p4 === "number" && ins.p4 < 0 && ins.op === Op.EphInsert) ins.p4 = this.resolve(ins.p4);
    }
    const names: (string | null)[] = [];
    for (let i = 1; i <= this.nParams; i++) names.push(this.paramNames[i] ?? null);
    return {
      instrs: this.instrs,
      nRegs: this.nRegs,
      nCursors: this.nCursors,
      columns,
      nParams: this.nParams,
      paramNames: names,
      writes: this.writes,
      readonly: !this.writes,
      schemaVersion,
      kind,
      stmtJournal: this.stmtJournal,
      ...(this.returning ? { returning: true } : {}),
    };
  }

  private resolve(label: number): number {
    const a = this.labels[-label - 1];
    if (a === undefined || a < 0) throw new Error(`internal: unresolved label ${label}`);
    return a;
  }
}

const JUMPS = new Set<Op>([
  Op.Init, Op.Goto, Op.Jump, Op.Gosub, Op.Once, Op.If, Op.IfNot, Op.IsNull, Op.NotNull, Op.IfPos, Op.DecrJumpZero,
  Op.Rewind, Op.Last, Op.Next, Op.Prev, Op.SeekRowid, Op.SeekPrefix, Op.IdxNextPrefix, Op.NoConflict, Op.IfNullRow,
  Op.SeekRange, Op.NextRange, Op.SeekRowidRange,
  Op.Found, Op.NotFound, Op.EphFoundNull, Op.SorterSort, Op.GroupRewind, Op.GroupNext, Op.GroupIfBare, Op.CheckNotNull, Op.MustBeInt,
]);
