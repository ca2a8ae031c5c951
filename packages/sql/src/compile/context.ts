/** Compilation state: the builder, the catalog, name scopes and the aggregate context. */
import type { Affinity, ScalarFn } from "@db/vm";
import type { Expr } from "../ast.js";
import type { Schema, Table } from "../schema.js";
import type { Builder } from "./builder.js";

export interface SourceColumn {
  name: string;
  affinity: Affinity | null;
  collation: string;
  type: string;
  /** For a B+tree table: the table column index (-1 = rowid). For an ephemeral source: the column index. */
  index: number;
}

/** One table (or materialized subquery) in a FROM clause. */
export interface Source {
  /** Name that qualifies its columns: the alias, else the table name. */
  name: string;
  table: Table | null;
  columns: SourceColumn[];
  cursor: number;
  /** Columns hidden from `*` (the right side of USING/NATURAL). */
  hidden: Set<number>;
  /** A parenthesized join: the table (alias) each column came from, which qualifies it (`b.x`). */
  columnTables?: string[];
  join: "inner" | "left";
  on: Expr | null;
  /** A row held in registers instead of a cursor (CHECK constraints, trigger NEW/OLD): column i in regBase + i. */
  regBase?: number;
  /** Read columns from this index cursor instead of the table (a covering index): table column → record position. */
  cover?: { cursor: number; pos: Map<number, number> };
  regRowid?: number;
  /** `FROM t NOT INDEXED`: no index of t is used (its rowid still is), as in SQLite. */
  notIndexed?: boolean;
  /** The right side of a RIGHT or FULL JOIN: its unmatched rows are added with the left side NULL. */
  rightJoin?: boolean;
  /** USING columns of a RIGHT/FULL JOIN this source is the left side of: name (lowercase) → coalesce(left, right). */
  usingCoalesce?: Map<string, Expr>;
  /** A table-valued function (table-function.ts): run into `cursor` each time its loop starts. */
  tvf?: { name: string; args: Expr[]; run: (args: import("@db/vm").SqlValue[], c: import("@db/vm").PragmaContext) => import("@db/vm").SqlValue[][] };
  /** A compound subquery, view or CTE that WHERE terms may be pushed into: its FROM item (pushdown.ts). */
  push?: import("./pushdown.js").PushItem;
}

/** A source over `t`'s rows under table cursor `cursor` (-1: none), its columns named `name`. */
export function tableSource(t: Table, name: string, cursor: number): Source {
  return {
    name,
    table: t,
    columns: t.columns.map((c, i) => ({ name: c.name, affinity: c.affinity, collation: c.collation, type: c.type, index: i })),
    cursor,
    hidden: new Set(),
    join: "inner",
    on: null,
  };
}

export interface FunctionDef {
  /** Exact argument count, or -1 for a range (minArgs..maxArgs) or any number. */
  nArgs: number;
  minArgs?: number;
  maxArgs?: number;
  fn: ScalarFn;
  deterministic?: boolean;
}

/** A name scope: the sources of one SELECT, chained to the enclosing query's scope. */
export class Scope {
  /** Set when an inner query referenced a column of this scope or an outer one. */
  correlated = false;
  /** In an aggregate query's output phase: bare column refs → index in the group's stored values. */
  bare: Map<string, number> | null = null;
  /** Aggregate call nodes → index of their accumulator in the group. */
  aggs: Map<Expr, number> | null = null;
  groupCursor = -1;
  nGroupKeys = 0;
  /** Aggregate i's final value is in register aggRegBase + i (in a group's output); without GROUP BY, bare column i is in bareRegBase + i. */
  aggRegBase = -1;
  bareRegBase = -1;

  constructor(
    readonly sources: Source[],
    readonly parent: Scope | null,
  ) {}
}

export interface Ctx {
  b: Builder;
  schema: Schema;
  functions: Map<string, FunctionDef>;
  /** CTEs visible by name (lowercase). */
  ctes: Map<string, import("../ast.js").CommonTableExpr>[];
  /** Inside a recursive CTE's recursive SELECTs: its name (lowercase) → the one-row table of the current row. */
  recursiveRefs?: Map<string, { cursor: number; columns: SourceColumn[] }>;
  /** The LIMIT of `SELECT ... FROM cte LIMIT n`, for the recursive CTE it names (taken by from.ts). */
  cteLimitHint?: import("../ast.js").Expr | undefined;
  /** CTEs being compiled (a reference to one from inside itself is circular). */
  cteStack?: Set<import("../ast.js").CommonTableExpr>;
  depth: number;
  /** Push-down plans of the cores compiled so far in this statement (select.ts compileSimple). */
  pushPlans?: WeakMap<import("../ast.js").SelectSimple, import("./pushdown.js").PushDowns>;
  /** Inside a trigger body: the scope holding NEW/OLD, the trigger names being compiled, and where RAISE(IGNORE) goes. */
  trigger?: { scope: Scope; stack: string[]; ignore: number } | undefined;
  /** Compiling an index expression, generated column or CHECK ("an index" ...): date and time functions refuse 'now'. */
  pureIn?: string;
  /** A window query's rewrite (window.ts), by its SELECT core: compiled again, it is rewritten once. */
  windowRewrites?: WeakMap<import("../ast.js").SelectSimple, import("../ast.js").Select>;
}

export const MAX_COMPILE_DEPTH = 200;

/**
 * Runs `compile` for an expression stored in the schema (`where`: "an index", "a generated
 * column", "a CHECK constraint"), whose value must not depend on the time (SQLite's
 * SQLITE_FUNC_SLOCHNG functions with 'now' fail there).
 */
export function withPure<T>(ctx: Ctx, where: string, compile: () => T): T {
  const saved = ctx.pureIn;
  ctx.pureIn = where;
  try {
    return compile();
  } finally {
    ctx.pureIn = saved;
  }
}

/** Runs `compile` with `ctes` as the CTEs in scope (a view body or trigger program: none). */
export function withCteScope<T>(ctx: Ctx, ctes: Ctx["ctes"], compile: () => T): T {
  const saved = ctx.ctes;
  ctx.ctes = ctes;
  try {
    return compile();
  } finally {
    ctx.ctes = saved;
  }
}
