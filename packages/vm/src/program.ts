/**
 * The vm's instruction set. A program is a flat array of register-machine instructions in the
 * manner of SQLite's bytecode (https://sqlite.org/opcode.html): `p1..p3` are integers (registers,
 * cursors, jump targets), `p4` an operand of any kind, `p5` flags. `EXPLAIN` lists it.
 */
export enum Op {
  Init, Goto, Halt, HaltError, Transaction, AutoCommit,
  Integer, Int64, Real, String, Blob, Null, Variable, Copy, SCopy, Move,
  ResultRow, Gosub, Return, Once, If, IfNot, IsNull, NotNull, IfPos, DecrJumpZero, OffsetLimit,
  Eq, Ne, Lt, Le, Gt, Ge, Compare3, Jump,
  Add, Subtract, Multiply, Divide, Remainder, Concat, BitAnd, BitOr, ShiftLeft, ShiftRight,
  Negative, BitNot, Not, And, Or, IsTrue, Is, IsNot, Cast, Affinity, MustBeInt, RealAffinity,
  Function, Like, Collate,
  OpenRead, OpenWrite, OpenEphemeral, OpenPseudo, OpenSorter, Close,
  Rewind, Last, Next, Prev, SeekRowid, NotExists, SeekGE, SeekPrefix, IdxNextPrefix, NullRow, IfNullRow,
  Column, Rowid, MakeRecord, NewRowid, Insert, Delete, IdxInsert, IdxDelete,
  NoConflict, Found, NotFound, EphInsert, EphFoundNull,
  SorterInsert, SorterSort, SorterNext, SorterColumn,
  AggStep, AggFinal, AggReset, GroupStep, GroupRewind, GroupNext, GroupColumn, GroupAggFinal,
  CreateBtree, Destroy, Clear, SchemaChanged, Pragma, CheckNotNull, IntegrityCheck, Noop,
  Count, Trigger, InSet, Compound, SeekRange, NextRange, SeekRowidRange, Savepoint,
  AggCount, AggSum, AggMinMax, GroupIfBare, GroupSetBare, Window, TableFunction,
}

export interface Instr {
  op: Op;
  p1: number;
  p2: number;
  p3: number;
  p4: unknown;
  p5: number;
  comment?: string;
}

/** Op.Column p5 flag: store length() of the column instead of its value (no TEXT decode). */
export const COLUMN_LENGTH = 1;

/**
 * An instruction as the vm runs it: one class, so every instruction has the same hidden class and
 * the dispatch loop's property loads stay monomorphic (the compiler's object literals come in two
 * shapes, with and without `comment`).
 */
export class RunInstr {
  constructor(
    readonly op: Op,
    readonly p1: number,
    readonly p2: number,
    readonly p3: number,
    readonly p4: unknown,
    readonly p5: number,
  ) {}
}

const runForms = new WeakMap<Program, RunInstr[]>();

/** The program's instructions in run form, built once per program. */
export function runForm(p: Program): RunInstr[] {
  let f = runForms.get(p);
  if (f === undefined) {
    f = p.instrs.map((i) => new RunInstr(i.op, i.p1, i.p2, i.p3, i.p4, i.p5));
    runForms.set(p, f);
  }
  return f;
}

export interface ColumnMeta {
  /** Result column name as SQLite names it (alias, column name, or expression text). */
  name: string;
  /** Source table and column, when the result is a plain column reference. */
  table?: string;
  column?: string;
  /** Declared type of the source column, when known. */
  type?: string;
}

export interface Program {
  instrs: Instr[];
  /** Registers used (1-based; register 0 is unused scratch). */
  nRegs: number;
  nCursors: number;
  /** Result columns (empty for statements without rows). */
  columns: ColumnMeta[];
  /** Number of `?` parameters; names of named parameters by 1-based index. */
  nParams: number;
  paramNames: (string | null)[];
  /** True when the program may write (needs a write transaction). */
  writes: boolean;
  /** True for a statement that only reads (better-sqlite3's `stmt.reader` is about returning rows). */
  readonly: boolean;
  /** Schema version the program was compiled against; stale programs are recompiled. */
  schemaVersion: number;
  /** Statement kind, for the engine (e.g. "select", "insert", "begin"). */
  kind: string;
  /**
   * False when the statement cannot fail after its first write except by an I/O error (one row,
   * every check before the write), so inside BEGIN it needs no statement savepoint; if it does
   * fail after writing, the whole transaction is rolled back.
   */
  stmtJournal?: boolean;
  /**
   * A DML statement with RETURNING: every write is done before the first result row, so a run
   * closed before its last row (better-sqlite3's get(), a broken iterate()) keeps its changes, as
   * SQLite's does.
   */
  returning?: boolean;
}

/** Lists a program as EXPLAIN does: one row per instruction. */
export function explainRows(p: Program): (string | number | null)[][] {
  return p.instrs.map((ins, addr) => [
    addr,
    Op[ins.op] ?? String(ins.op),
    ins.p1,
    ins.p2,
    ins.p3,
    formatP4(ins.p4),
    ins.p5,
    ins.comment ?? null,
  ]);
}

export const EXPLAIN_COLUMNS = ["addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"];

function formatP4(p4: unknown): string | null {
  if (p4 === undefined || p4 === null) return null;
  if (typeof p4 === "string") return p4;
  if (typeof p4 === "number" || typeof p4 === "bigint") return String(p4);
  if (p4 instanceof Uint8Array) return `x'${Buffer.from(p4).toString("hex")}'`;
  if (typeof p4 === "object" && p4 !== null && "explain" in p4) return String((p4 as { explain: unknown }).explain);
  return null;
}
