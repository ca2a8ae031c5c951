/**
 * The seeded generator: schemas (tables, indexes, views), data, and checks (queries, TLP and
 * NoREC oracles, DML). Everything it makes is deterministic SQL: no random(), no LIMIT without a
 * total order, no bare columns in aggregates, scalar subqueries that return at most one row.
 */
import { lit, single, type ColDef, type CompoundOp, type Dml, type Expr, type FromItem, type IndexDef, type JoinOp, type OrderTerm, type Query, type ResultCol, type Select, type SetupItem, type TableDef } from "./ast.js";
import { Rng } from "./rng.js";

// ---------------------------------------------------------------------------------------------
// Literals

const INTS = [
  "0", "1", "-1", "2", "3", "5", "7", "10", "-3", "42", "100", "-100", "255", "256", "1000",
  "2147483647", "-2147483648", "2147483648", "4294967296", "9007199254740992", "9007199254740993",
  "-9007199254740993", "9223372036854775807", "-9223372036854775808", "9223372036854775806", "-9223372036854775807",
];
const REALS = [
  "0.0", "-0.0", "0.5", "1.5", "-2.5", "3.0", "1.0", "-1.0", "0.1", "0.2", "123.456", "1e10", "1.0e-3", "2.5e-7",
  "1e15", "4.5e15", "9.007199254740993e15", "9.223372036854775807e18", "-9.223372036854775808e18",
  "1.7976931348623157e308", "-1e308", "3.14159", "100.0", "2.0", "1e100", "-0.5", "7.25",
];
const TEXTS = [
  "''", "'a'", "'A'", "'b'", "'abc'", "'ABC'", "'aBc'", "'a%'", "'_b'", "'%'", "'_'", "'a_c'", "' 1'", "'1 '", "'1'",
  "'2'", "'01'", "'1.0'", "'1.5'", "'-7'", "'+3'", "'1e2'", "'1e400'", "'0x1F'", "'12abc'", "'3.0e0'",
  "'9223372036854775808'", "'9223372036854775807'", "'-0'", "'ß'", "'Ä'", "'é'", "'😀'", "'NULL'", "'  '", "'a b'",
  "'x''y'", "'*'", "'?'", "'[a]'", "'abc%'", "'.5'", "'5.'", "'inf'", "'true'", "'10'", "'-2.5'", "'0.1'",
];
// All valid UTF-8: text made from invalid UTF-8 is a documented difference (docs/sql-differences.md).
const BLOBS = ["X''", "X'00'", "X'61'", "X'31'", "X'7E'", "X'616263'", "X'3132'", "X'0102'", "X'C3A9'"];

type LitKind = "int" | "real" | "text" | "blob" | "null" | "bool";

export function genLiteral(rng: Rng, kind?: LitKind): string {
  kind ??= rng.weighted<LitKind>({ int: 35, real: 18, text: 27, blob: 6, null: 10, bool: 4 });
  switch (kind) {
    case "int":
      return rng.chance(0.7) ? rng.pick(INTS.slice(0, 15)) : rng.chance(0.5) ? rng.pick(INTS) : String(rng.int(-50, 50));
    case "real":
      return rng.chance(0.75) ? rng.pick(REALS) : String(rng.int(-400, 400) / 8) + (rng.chance(0.5) ? "" : "e" + rng.int(-3, 3));
    case "text":
      return rng.pick(TEXTS);
    case "blob":
      return rng.pick(BLOBS);
    case "null":
      return "NULL";
    case "bool":
      return rng.pick(["TRUE", "FALSE"]);
  }
}

const LIKE_PATTERNS = ["'a%'", "'%a%'", "'_'", "'%'", "'A_c'", "'%1%'", "'%b'", "'1%'", "'_%'", "''", "'ab%'", "'%.%'", "'%e%'"];
const GLOB_PATTERNS = ["'*'", "'a*'", "'[a-c]*'", "'?b*'", "'*[0-9]*'", "'[^a]*'", "'A*'", "'*1'", "'?'", "''", "'[a]'", "'*.*'"];
const PRINTF_FORMATS = ["'%d'", "'%s'", "'%5.2f'", "'%x'", "'%e'", "'%g'", "'%.3s'", "'%-5d|'", "'%05d'", "'%q'", "'%c'", "'%.10g'", "'%i%%'", "'%!.15g'", "'%.2e'", "'%+d'", "'%o'"];

// ---------------------------------------------------------------------------------------------
// Schema

const TYPES: Record<string, number> = {
  INTEGER: 20, REAL: 12, TEXT: 15, BLOB: 6, NUMERIC: 8, "": 12, INT: 4, "VARCHAR(8)": 3, DOUBLE: 3,
  BOOLEAN: 2, "FLOATING POINT": 2, DATETIME: 2, "CHAR(3)": 2, BIGINT: 2,
};

/** The affinity SQLite derives from a declared type (for picking natural values). */
function affinity(type: string): "int" | "text" | "blob" | "real" | "num" {
  const t = type.toUpperCase();
  if (t.includes("INT")) return "int";
  if (t.includes("CHAR") || t.includes("CLOB") || t.includes("TEXT")) return "text";
  if (t === "" || t.includes("BLOB")) return "blob";
  if (t.includes("REAL") || t.includes("FLOA") || t.includes("DOUB")) return "real";
  return "num";
}

export interface ViewDef {
  name: string;
  names: string[];
}

export interface Catalog {
  tables: TableDef[];
  views: ViewDef[];
  indexes: IndexDef[];
}

/** Columns whose UPDATE order could matter (any UNIQUE / PRIMARY KEY / unique index column). */
function constrainedCols(cat: Catalog, t: TableDef): Set<string> {
  const s = new Set<string>();
  for (const c of t.cols) if (c.pk || c.unique) s.add(c.name);
  for (const c of t.pk ?? []) s.add(c);
  for (const u of t.uniques) for (const c of u) s.add(c);
  for (const ix of cat.indexes) if (ix.table === t.name && ix.unique) for (const c of ix.cols) s.add(c.c);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Scopes and contexts

interface ScopeItem {
  alias: string;
  cols: string[];
  rowid: boolean;
}

interface Scope {
  items: ScopeItem[];
  parent: Scope | null;
}

interface Ctx {
  scope: Scope;
  /** In an aggregate context: the GROUP BY expressions (column references only through them). */
  agg: Expr[] | null;
  /** How many more levels of subqueries may nest. */
  subDepth: number;
  /** Subqueries must not read this table (the target of an UPDATE/DELETE). */
  avoid?: string;
  /** No subqueries at all (CHECK constraints). */
  noSub?: boolean;
  /** Every operator parenthesized (GROUP BY terms, which select lists repeat inside other expressions). */
  parens?: boolean;
}

type Check =
  | { k: "query"; q: Query }
  | { k: "tlp"; from: FromItem[]; cols: ResultCol[] | "*"; distinct: boolean; p: Expr }
  | { k: "tlpagg"; from: FromItem[]; fn: "max" | "min" | "sum" | "count" | "total"; arg: Expr | null; p: Expr }
  | { k: "norec"; from: FromItem[]; p: Expr; form: "case" | "istrue" }
  | { k: "stmt"; item: SetupItem };

export type { Check };

export interface GenOptions {
  /** Checks per case. */
  checks: number;
  /** Features not to generate (see FEATURES), e.g. to keep a known bug from drowning the others. */
  disable?: string[];
}

/** Features that `--disable` can turn off. */
export const FEATURES: Record<string, string> = {
  istrue: "x IS [NOT] TRUE/FALSE (and NoREC's (p) IS TRUE form)",
  nulls: "ORDER BY ... NULLS FIRST/LAST",
  collate: "COLLATE NOCASE/RTRIM/BINARY",
  math: "math functions (sqrt, pow, exp, ln, log, sin, ...)",
  printf: "printf()/format()",
  views: "views",
  derived: "subqueries in FROM",
  compound: "UNION/INTERSECT/EXCEPT",
  dml: "UPDATE/DELETE/INSERT checks",
  indexes: "CREATE INDEX",
  untyped: "columns of BLOB affinity (no declared type, or BLOB)",
  in: "IN lists and IN subqueries",
  scalar: "scalar subqueries",
};

const MATH = new Set(["ceil", "floor", "trunc", "sqrt", "pow", "mod", "exp", "ln", "log", "log10", "log2", "sin", "cos", "atan", "atan2", "degrees", "radians", "pi"]);

export interface Case {
  seed: number;
  setup: SetupItem[];
  checks: Check[];
}

export class Gen {
  readonly rng: Rng;
  readonly cat: Catalog = { tables: [], views: [], indexes: [] };
  private pool: string[] = [];
  private aliasN = 0;
  private readonly off: Set<string>;

  constructor(seed: number, disable: string[] = []) {
    this.rng = new Rng(seed);
    this.off = new Set(disable);
  }

  // -------------------------------------------------------------------------------------------
  // Values

  private value(natural?: LitKind): string {
    const r = this.rng;
    if (natural && r.chance(0.35)) return genLiteral(r, natural);
    if (this.pool.length && r.chance(0.75)) return r.pick(this.pool);
    return genLiteral(r);
  }

  private literal(): Expr {
    return lit(this.rng.chance(0.4) && this.pool.length ? this.rng.pick(this.pool) : genLiteral(this.rng));
  }

  // -------------------------------------------------------------------------------------------
  // Setup: tables, data, indexes, views

  genSetup(): SetupItem[] {
    const r = this.rng;
    this.pool = Array.from({ length: r.int(10, 20) }, () => genLiteral(r));
    const nTables = r.int(2, 4);
    const creates: SetupItem[] = [];
    for (let i = 0; i < nTables; i++) {
      const t = this.genTable(`t${i}`);
      this.cat.tables.push(t);
      creates.push({ k: "create", t });
    }
    // Data, then indexes placed anywhere after their table's CREATE.
    const rest: SetupItem[] = [];
    for (const t of this.cat.tables) {
      const nRows = r.weighted({ 0: 1, 1: 2, 3: 3, 6: 4, 10: 3, 15: 1 } as Record<string, number>);
      for (let i = 0; i < Number(nRows); i++) rest.push({ k: "dml", d: this.genInsertRow(t, true) });
    }
    const nIdx = this.off.has("indexes") ? 0 : r.int(0, 4);
    for (let i = 0; i < nIdx; i++) {
      const t = r.pick(this.cat.tables);
      const cols = r.shuffle(t.cols.map((c) => c.name)).slice(0, r.int(1, Math.min(3, t.cols.length)));
      const ix: IndexDef = { name: `i${i}`, table: t.name, unique: r.chance(0.15), cols: cols.map((c) => ({ c, desc: r.chance(0.3) })) };
      this.cat.indexes.push(ix);
      rest.splice(r.int(0, rest.length), 0, { k: "index", ix });
    }
    const items = [...creates, ...rest];
    const nViews = this.off.has("views") ? 0 : r.weighted({ 0: 3, 1: 2, 2: 1 } as Record<string, number>);
    for (let i = 0; i < Number(nViews); i++) {
      const n = r.int(1, 3);
      const names = Array.from({ length: n }, (_, j) => `x${j}`);
      this.aliasN = 0;
      const q = this.genQuery(this.topCtx(), n, "view");
      const v = { name: `v${i}`, names };
      items.push({ k: "view", name: v.name, names, q });
      this.cat.views.push(v);
    }
    return items;
  }

  private genTable(name: string): TableDef {
    const r = this.rng;
    const n = r.int(1, 5);
    const cols: ColDef[] = [];
    for (let i = 0; i < n; i++) {
      let type = r.weighted(TYPES);
      while (this.off.has("untyped") && affinity(type) === "blob") type = r.weighted(TYPES);
      cols.push({ name: `c${i}`, type, pk: false, notNull: r.chance(0.12), unique: r.chance(0.1), dflt: null, check: null });
      if (r.chance(0.1)) cols[i]!.dflt = genLiteral(r, r.pick(["int", "real", "text", "null"] as LitKind[]));
    }
    let pk: string[] | null = null;
    const uniques: string[][] = [];
    const p = r.float();
    if (p < 0.3) {
      const c = r.pick(cols);
      c.pk = true;
      if (r.chance(0.6)) c.type = "INTEGER";
    } else if (p < 0.4 && n >= 2) pk = r.shuffle(cols.map((c) => c.name)).slice(0, 2);
    if (n >= 2 && r.chance(0.1)) uniques.push(r.shuffle(cols.map((c) => c.name)).slice(0, 2));
    if (r.chance(0.08)) {
      const c = r.pick(cols);
      const ctx: Ctx = { scope: { items: [{ alias: "", cols: cols.map((x) => x.name), rowid: false }], parent: null }, agg: null, subDepth: 0, noSub: true };
      c.check = this.genPred(ctx, 1);
    }
    return { name, cols, pk, uniques };
  }

  private naturalKind(c: ColDef): LitKind {
    const a = affinity(c.type);
    return a === "int" ? "int" : a === "real" ? "real" : a === "text" ? "text" : a === "num" ? this.rng.pick(["int", "real"] as LitKind[]) : this.rng.pick(["int", "text", "blob", "real"] as LitKind[]);
  }

  /**
   * No rowid near 2^63 in an INTEGER PRIMARY KEY: past 9223372036854775807 SQLite picks random
   * rowids (see docs/sql-differences.md), which no comparison can follow.
   */
  private rowidSafe(c: ColDef, v: string): string {
    if (!(c.pk && c.type === "INTEGER")) return v;
    const n = Number(v.replace(/^'|'$/g, ""));
    return Number.isFinite(n) && Math.abs(n) >= 2 ** 62 ? String(this.rng.int(-5, 50)) : v;
  }

  private genInsertRow(t: TableDef, setup: boolean): Dml {
    const r = this.rng;
    let cols = t.cols;
    if (r.chance(0.15) && cols.length > 1) cols = cols.filter(() => r.chance(0.6));
    if (!cols.length) cols = [t.cols[0]!];
    const or = setup ? r.weighted({ "": 70, "OR IGNORE": 15, "OR REPLACE": 15 }) : r.weighted({ "": 50, "OR IGNORE": 20, "OR REPLACE": 30 });
    const nRows = setup ? 1 : r.int(1, 3);
    const rows: Expr[][] = [];
    for (let i = 0; i < nRows; i++) rows.push(cols.map((c) => lit(this.rowidSafe(c, this.value(this.naturalKind(c))))));
    return { k: "insert", or: or as "" | "OR IGNORE" | "OR REPLACE", table: t.name, cols: cols.map((c) => c.name), rows };
  }

  // -------------------------------------------------------------------------------------------
  // Scopes

  private topCtx(): Ctx {
    return { scope: { items: [], parent: null }, agg: null, subDepth: 2 };
  }

  private alias(): string {
    return `a${++this.aliasN}`;
  }

  /** A column reference visible in ctx (now and then from an enclosing query: correlation). */
  private colRef(ctx: Ctx, outer = true): Expr | null {
    const r = this.rng;
    let scope: Scope = ctx.scope;
    if (outer && scope.parent && r.chance(0.2)) {
      const ancestors: Scope[] = [];
      for (let s: Scope | null = scope.parent; s; s = s.parent) if (s.items.length) ancestors.push(s);
      if (ancestors.length) scope = r.pick(ancestors);
    }
    if (!scope.items.length) {
      for (let s: Scope | null = scope.parent; outer && s; s = s.parent) if (s.items.length) return this.colFrom(s.items);
      return null;
    }
    return this.colFrom(scope.items);
  }

  private colFrom(items: ScopeItem[]): Expr {
    const it = this.rng.pick(items);
    if (it.rowid && this.rng.chance(0.05)) return { k: "col", t: it.alias, c: "rowid" };
    return { k: "col", t: it.alias, c: this.rng.pick(it.cols) };
  }

  // -------------------------------------------------------------------------------------------
  // Expressions

  genExpr(ctx: Ctx, depth: number): Expr {
    const r = this.rng;
    if (depth <= 0 || r.chance(0.28)) return this.leaf(ctx);
    const canSub = !ctx.noSub && ctx.subDepth > 0;
    const noIn = this.off.has("in");
    const kind = r.weighted({
      arith: 14, concat: 4, bit: 2, unary: 5, cmp: 12, logic: 6, isnull: 4, istf: 2, between: 4, in: noIn ? 0 : 5,
      insub: canSub && !noIn ? 3 : 0, exists: canSub ? 2 : 0, sub: canSub && !this.off.has("scalar") ? 4 : 0, case: 6, cast: 6, like: 4, fn: 18, collate: 1,
    });
    // Unparenthesized operands re-associate; inside aggregate queries that could hide a bare column.
    const np = !ctx.agg && !ctx.parens && r.chance(0.12);
    const sub = (): Expr => this.genExpr(ctx, depth - 1);
    switch (kind) {
      case "arith":
        return { k: "bin", op: r.pick(["+", "-", "*", "/", "%"]), l: sub(), r: sub(), np };
      case "concat":
        return { k: "bin", op: "||", l: sub(), r: sub(), np };
      case "bit":
        return { k: "bin", op: r.pick(["&", "|", "<<", ">>"]), l: sub(), r: sub(), np };
      case "unary":
        return { k: "un", op: r.pick(["-", "+", "~", "NOT"] as const), e: sub(), np };
      case "case":
        return this.genCase(ctx, depth);
      case "cast":
        return { k: "cast", e: sub(), ty: r.pick(["INTEGER", "REAL", "TEXT", "BLOB", "NUMERIC", "INT", "VARCHAR(5)", "FLOAT"]) };
      case "fn":
        return this.genFn(ctx, depth);
      case "sub":
        return { k: "sub", q: this.genQuery(this.subCtx(ctx), 1, "scalar") };
      case "collate":
        if (this.off.has("collate")) return sub();
        return { k: "collate", e: sub(), coll: r.pick(["NOCASE", "RTRIM", "BINARY"]) };
      default:
        return this.genPredKind(ctx, depth, kind);
    }
  }

  genPred(ctx: Ctx, depth: number): Expr {
    const r = this.rng;
    if (depth <= 0) return this.genPredKind(ctx, 1, "cmp");
    const canSub = !ctx.noSub && ctx.subDepth > 0;
    const noIn = this.off.has("in");
    const kind = r.weighted({
      cmp: 30, logic: 14, not: 5, isnull: 8, istf: 3, between: 7, in: noIn ? 0 : 8, insub: canSub && !noIn ? 5 : 0, exists: canSub ? 5 : 0,
      like: 6, any: 6,
    });
    if (kind === "any") return this.genExpr(ctx, depth);
    return this.genPredKind(ctx, depth, kind);
  }

  private genPredKind(ctx: Ctx, depth: number, kind: string): Expr {
    const r = this.rng;
    const sub = (): Expr => this.genExpr(ctx, depth - 1);
    const np = !ctx.agg && !ctx.parens && r.chance(0.12);
    switch (kind) {
      case "cmp": {
        let l = sub();
        if (r.chance(0.04) && !this.off.has("collate")) l = { k: "collate", e: l, coll: r.pick(["NOCASE", "RTRIM"]) };
        const op = r.pick(["=", "==", "<>", "!=", "<", "<=", ">", ">=", "IS", "IS NOT"]);
        let right = sub();
        // `x IS TRUE` is the IS TRUE operator, not a comparison with 1.
        if (op.startsWith("IS") && right.k === "lit" && /^(TRUE|FALSE)$/.test(right.v) && this.off.has("istrue")) right = lit(right.v === "TRUE" ? "1" : "0");
        return { k: "bin", op, l, r: right, np };
      }
      case "logic":
        return { k: "bin", op: r.pick(["AND", "OR"]), l: this.genPred(ctx, depth - 1), r: this.genPred(ctx, depth - 1), np };
      case "not":
        return { k: "un", op: "NOT", e: this.genPred(ctx, depth - 1), np };
      case "isnull":
        return { k: "isnull", e: sub(), not: r.chance(0.5), postfix: r.chance(0.2) };
      case "istf":
        if (this.off.has("istrue")) return { k: "isnull", e: sub(), not: r.chance(0.5) };
        return { k: "is", e: sub(), not: r.chance(0.5), v: r.pick(["TRUE", "FALSE"] as const) };
      case "between":
        return { k: "between", e: sub(), lo: sub(), hi: sub(), not: r.chance(0.3) };
      case "in": {
        const n = r.chance(0.05) ? 0 : r.int(1, 4);
        return { k: "in", e: sub(), list: Array.from({ length: n }, () => (r.chance(0.6) ? this.literal() : sub())), not: r.chance(0.3) };
      }
      case "insub":
        if (ctx.noSub || ctx.subDepth <= 0) return this.genPredKind(ctx, depth, "in");
        return { k: "insub", e: sub(), q: this.genQuery(this.subCtx(ctx), 1, "in"), not: r.chance(0.3) };
      case "exists":
        if (ctx.noSub || ctx.subDepth <= 0) return this.genPredKind(ctx, depth, "isnull");
        return { k: "exists", q: this.genQuery(this.subCtx(ctx), r.int(1, 2), "exists"), not: r.chance(0.3) };
      case "like": {
        const glob = r.chance(0.3);
        const p = r.chance(0.65) ? lit(r.pick(glob ? GLOB_PATTERNS : LIKE_PATTERNS)) : sub();
        const esc = !glob && r.chance(0.08) ? lit(r.pick(["'\\'", "'a'", "'%'"])) : null;
        return { k: "like", op: glob ? "GLOB" : "LIKE", e: sub(), p, not: r.chance(0.3), esc };
      }
      default:
        throw new Error(`unknown predicate kind ${kind}`);
    }
  }

  private leaf(ctx: Ctx): Expr {
    const r = this.rng;
    if (ctx.agg) {
      const x = r.float();
      if (x < 0.45) return this.genAgg(ctx);
      if (x < 0.8 && ctx.agg.length) return structuredClone(r.pick(ctx.agg));
      return this.literal();
    }
    if (r.chance(0.7)) {
      const c = this.colRef(ctx);
      if (c) return c;
    }
    return this.literal();
  }

  private genAgg(ctx: Ctx): Expr {
    const r = this.rng;
    // Arguments are row expressions of this query only (no outer references, no nested aggregates).
    const argCtx: Ctx = { ...ctx, agg: null, scope: { items: ctx.scope.items, parent: null } };
    const arg = (): Expr => this.genExpr(argCtx, 2);
    const name = r.weighted({ count: 3, countstar: 2, sum: 3, total: 1, avg: 2, min: 3, max: 3, group_concat: 1 });
    if (name === "countstar") return { k: "fn", name: "count", args: [], star: true, agg: true };
    const distinct = r.chance(0.15);
    if (name === "group_concat") {
      // Concatenation order is scan order: only its size in bytes is deterministic (length() stops at a NUL).
      const args = [arg()];
      if (!distinct && r.chance(0.3)) args.push(lit(r.pick(["','", "''", "'--'"])));
      return { k: "fn", name: "octet_length", args: [{ k: "fn", name: "group_concat", args, distinct, agg: true }] };
    }
    return { k: "fn", name, args: [arg()], distinct, agg: true };
  }

  private genCase(ctx: Ctx, depth: number): Expr {
    const r = this.rng;
    const sub = (): Expr => this.genExpr(ctx, depth - 1);
    const base = r.chance(0.4) ? sub() : null;
    const whens = Array.from({ length: r.int(1, 3) }, () => ({ w: base ? sub() : this.genPred(ctx, depth - 1), t: sub() }));
    return { k: "case", base, whens, els: r.chance(0.7) ? sub() : null };
  }

  private genFn(ctx: Ctx, depth: number): Expr {
    const r = this.rng;
    const sub = (): Expr => this.genExpr(ctx, depth - 1);
    const small = (lo: number, hi: number): Expr => (r.chance(0.6) ? lit(String(r.int(lo, hi))) : sub());
    const fn = (name: string, args: Expr[]): Expr => ({ k: "fn", name, args });
    let name = r.weighted({
      abs: 3, length: 3, octet_length: 1, upper: 2, lower: 2, substr: 3, instr: 2, replace: 2, trim: 2, ltrim: 1, rtrim: 1,
      round: 3, coalesce: 3, ifnull: 2, nullif: 2, iif: 2, typeof: 4, hex: 2, quote: 2, unicode: 1, char: 1, min: 2, max: 2,
      sign: 1, concat: 1, concat_ws: 1, likely: 1, unlikely: 1, printf: 3, unhex: 1, zeroblob: 1,
      ceil: 1, floor: 1, trunc: 1, sqrt: 1, pow: 1, mod: 1, exp: 1, ln: 1, log: 1, log10: 1, log2: 1, sin: 1, cos: 1,
      atan: 1, atan2: 1, degrees: 1, radians: 1, pi: 1,
    });
    if ((this.off.has("math") && MATH.has(name)) || (this.off.has("printf") && name === "printf")) name = "abs";
    switch (name) {
      case "substr":
        return fn(r.chance(0.2) ? "substring" : "substr", r.chance(0.5) ? [sub(), small(-3, 5)] : [sub(), small(-3, 5), small(-2, 4)]);
      case "instr":
      case "nullif":
      case "ifnull":
      case "pow":
      case "mod":
      case "atan2":
        return fn(name, [sub(), sub()]);
      case "replace":
        return fn(name, [sub(), r.chance(0.5) ? lit(r.pick(TEXTS)) : sub(), sub()]);
      case "trim":
      case "ltrim":
      case "rtrim":
        return fn(name, r.chance(0.6) ? [sub()] : [sub(), r.chance(0.6) ? lit(r.pick(["'a'", "' '", "'1'", "'ab'", "'.0'"])) : sub()]);
      case "round":
        return fn(name, r.chance(0.5) ? [sub()] : [sub(), small(-1, 4)]);
      case "coalesce":
      case "min":
      case "max":
        return fn(name, Array.from({ length: r.int(2, 3) }, sub));
      case "concat":
        return fn(name, Array.from({ length: r.int(1, 3) }, sub));
      case "concat_ws":
        return fn(name, Array.from({ length: r.int(2, 4) }, sub));
      case "iif":
        return fn(name, [this.genPred(ctx, depth - 1), sub(), sub()]);
      case "char":
        return fn(name, Array.from({ length: r.int(1, 3) }, () => small(48, 122)));
      case "printf":
        return fn(r.chance(0.2) ? "format" : "printf", [lit(r.pick(PRINTF_FORMATS)), sub()]);
      case "zeroblob":
        return fn(name, [lit(String(r.int(0, 4)))]);
      case "log":
        return fn(name, r.chance(0.5) ? [sub()] : [sub(), sub()]);
      case "pi":
        return fn(name, []);
      default:
        return fn(name, [sub()]);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  private subCtx(ctx: Ctx): Ctx {
    // In an aggregate context, outer columns are only visible through GROUP BY: do not correlate.
    return { scope: ctx.agg ? { items: [], parent: null } : ctx.scope, agg: null, subDepth: ctx.subDepth - 1, avoid: ctx.avoid };
  }

  private sources(ctx: Ctx): Array<{ name: string; cols: string[]; rowid: boolean }> {
    const out: Array<{ name: string; cols: string[]; rowid: boolean }> = [];
    for (const t of this.cat.tables) if (t.name !== ctx.avoid) out.push({ name: t.name, cols: t.cols.map((c) => c.name), rowid: true });
    for (const v of this.cat.views) if (!ctx.avoid) out.push({ name: v.name, cols: v.names, rowid: false });
    return out;
  }

  /** A FROM clause of n items with join operators and ON conditions; returns it and its scope items. */
  genFrom(ctx: Ctx, n: number): { from: FromItem[]; items: ScopeItem[] } {
    const r = this.rng;
    const from: FromItem[] = [];
    const items: ScopeItem[] = [];
    const srcs = this.sources(ctx);
    for (let i = 0; i < n; i++) {
      const alias = this.alias();
      let item: FromItem;
      let scopeItem: ScopeItem;
      if (!srcs.length || (ctx.subDepth > 0 && !ctx.noSub && !this.off.has("derived") && r.chance(0.08))) {
        const nc = r.int(1, 3);
        const names = Array.from({ length: nc }, (_, j) => `x${j}`);
        const q = this.genQuery({ scope: { items: [], parent: null }, agg: null, subDepth: ctx.subDepth - 1, avoid: ctx.avoid }, nc, "derived");
        item = { join: ",", src: { q, names }, alias, on: null, using: null };
        scopeItem = { alias, cols: names, rowid: false };
      } else {
        const s = r.pick(srcs);
        item = { join: ",", src: { table: s.name }, alias, on: null, using: null };
        scopeItem = { alias, cols: s.cols, rowid: s.rowid };
      }
      if (i > 0) {
        const join = r.weighted({ ",": 28, JOIN: 30, "LEFT JOIN": 26, "RIGHT JOIN": 6, "FULL JOIN": 6, "CROSS JOIN": 5, USING: 5, "NATURAL JOIN": 3, "NATURAL LEFT JOIN": 3 });
        if (join === "USING") {
          const common = scopeItem.cols.filter((c) => items.some((it) => it.cols.includes(c)));
          if (common.length) {
            item.join = r.chance(0.5) ? "JOIN" : "LEFT JOIN";
            item.using = r.shuffle([...common]).slice(0, r.int(1, Math.min(2, common.length)));
          } else item.join = "JOIN";
        } else item.join = join as JoinOp;
        if ((item.join === "JOIN" || item.join === "LEFT JOIN" || item.join === "RIGHT JOIN" || item.join === "FULL JOIN") && !item.using) {
          const onCtx: Ctx = { ...ctx, agg: null, scope: { items: [...items, scopeItem], parent: ctx.scope.items.length || ctx.scope.parent ? ctx.scope : null } };
          if (r.chance(0.6)) {
            const left = this.colFrom(items);
            const right = this.colFrom([scopeItem]);
            item.on = { k: "bin", op: r.pick(["=", "=", "=", "<", "IS"]), l: left, r: right };
            if (r.chance(0.25)) item.on = { k: "bin", op: "AND", l: item.on, r: this.genPred(onCtx, 2) };
          } else item.on = this.genPred(onCtx, 2);
        }
      }
      from.push(item);
      items.push(scopeItem);
    }
    return { from, items };
  }

  /**
   * A SELECT of `ncols` columns. purpose: "top" (a checked query), "view"/"derived" (FROM sources),
   * "in" (IN subquery), "exists", "scalar" (at most one row).
   */
  genQuery(ctx: Ctx, ncols: number, purpose: "top" | "view" | "derived" | "in" | "exists" | "scalar"): Query {
    const r = this.rng;
    if (purpose === "scalar") return this.genScalar(ctx);
    const nArms = !this.off.has("compound") && r.chance(purpose === "top" ? 0.12 : purpose === "in" || purpose === "view" ? 0.1 : 0.03) ? r.int(2, 3) : 1;
    const arms: Select[] = [];
    const ops: CompoundOp[] = [];
    let lastScope: Scope | null = null;
    let lastAgg: Expr[] | null = null;
    for (let i = 0; i < nArms; i++) {
      const maxFrom = purpose === "top" ? 3 : 2;
      const nFrom = r.chance(0.04) && purpose !== "exists" ? 0 : r.weighted({ 1: 55, 2: 35, 3: 10 } as Record<string, number>);
      const { sel, scope, agg } = this.genSelect(ctx, ncols, Math.min(Number(nFrom), maxFrom), purpose);
      arms.push(sel);
      if (i > 0) ops.push(r.weighted({ UNION: 3, "UNION ALL": 3, INTERSECT: 2, EXCEPT: 2 }) as CompoundOp);
      lastScope = scope;
      lastAgg = agg;
    }
    if (purpose === "view" || purpose === "derived") for (const a of arms) if (a.cols !== "*") a.cols.forEach((c, j) => (c.as = `x${j}`));
    const q: Query = { arms, ops, order: [], limit: null, offset: null };
    if (purpose === "exists") {
      if (r.chance(0.15)) {
        q.limit = lit(r.pick(["1", "2", "0"]));
        // SQLite drops DISTINCT inside EXISTS even with an OFFSET (see docs/sql-differences.md).
        if (r.chance(0.4) && !arms.some((a) => a.distinct)) q.offset = lit(r.pick(["1", "2"]));
      }
      return q;
    }
    const x = r.float();
    const total = purpose === "top" ? x < 0.45 : purpose === "in" ? x < 0.1 : x < 0.05;
    const partial = purpose === "top" && !total && x < 0.6;
    if (total && arms[0]!.cols !== "*") {
      const pos = r.shuffle(Array.from({ length: ncols }, (_, j) => j + 1));
      q.order = pos.map((p) => this.orderTerm(lit(String(p))));
      if (nArms === 1 && lastScope && !arms[0]!.distinct && r.chance(0.2)) {
        const e = this.genExpr({ ...ctx, scope: lastScope, agg: lastAgg, subDepth: 0 }, 2);
        q.order.unshift(this.orderTerm(this.withColumn(e, lastScope.items, lastAgg)));
      }
      if (r.chance(purpose === "top" ? 0.5 : 0.8)) {
        q.limit = lit(r.pick(["0", "1", "2", "3", "5", "10", "-1"]));
        if (r.chance(0.35)) q.offset = lit(r.pick(["0", "1", "2", "3", "-2"]));
      }
    } else if (partial) {
      const n = r.int(1, 2);
      for (let i = 0; i < n; i++) {
        if (nArms === 1 && lastScope && r.chance(0.5)) q.order.push(this.orderTerm(this.withColumn(this.genExpr({ ...ctx, scope: lastScope, agg: lastAgg, subDepth: 0 }, 2), lastScope.items, lastAgg)));
        else q.order.push(this.orderTerm(lit(String(r.int(1, ncols)))));
      }
    }
    return q;
  }

  /**
   * A GROUP BY / ORDER BY term: e if it reads a column, else a column. SQLite folds some constant
   * expressions into integers, which then count as positions (see docs/sql-differences.md).
   */
  private withColumn(e: Expr, items: ScopeItem[], agg: Expr[] | null = null): Expr {
    if (!items.length) return e;
    let col = false;
    walkExpr(e, (x) => {
      if (x.k === "col" || x.k === "sub" || (x.k === "fn" && x.agg)) col = true;
    }, false);
    if (col) return e;
    if (agg) return agg.length ? structuredClone(agg[0]!) : { k: "fn", name: "count", args: [], star: true, agg: true };
    return this.colFrom(items);
  }

  private orderTerm(e: Expr): OrderTerm {
    const t: OrderTerm = { e, desc: this.rng.chance(0.4) };
    if (this.rng.chance(0.15) && !this.off.has("nulls")) t.nulls = this.rng.pick(["FIRST", "LAST"] as const);
    return t;
  }

  private genSelect(ctx: Ctx, ncols: number, nFrom: number, purpose: string): { sel: Select; scope: Scope; agg: Expr[] | null } {
    const r = this.rng;
    const { from, items } = this.genFrom(ctx, nFrom);
    const scope: Scope = { items, parent: ctx.scope.items.length || ctx.scope.parent ? ctx.scope : null };
    const rowCtx: Ctx = { ...ctx, scope, agg: null };
    const where = r.chance(purpose === "exists" ? 0.85 : 0.6) ? this.genPred(rowCtx, 3) : null;
    const aggMode = purpose !== "exists" && items.length > 0 && r.chance(0.22);
    let group: Expr[] = [];
    let having: Expr | null = null;
    let cols: ResultCol[] | "*";
    let agg: Expr[] | null = null;
    if (aggMode) {
      const ng = r.chance(0.35) ? 0 : r.int(1, 2);
      const gctx: Ctx = { ...rowCtx, scope: { items, parent: null }, noSub: true, parens: true };
      group = Array.from({ length: ng }, () => (r.chance(0.8) ? this.colFrom(items) : this.withColumn(this.genExpr(gctx, 1), items)));
      agg = group;
      const aggCtx: Ctx = { ...ctx, scope, agg: group };
      cols = Array.from({ length: ncols }, () => ({ e: this.genExpr(aggCtx, 2) }));
      if (ng === 0 && !cols.some((c) => hasAggregate(c.e))) cols[0] = { e: this.genAgg(aggCtx) };
      if (r.chance(0.3)) having = this.genPred(aggCtx, 2);
    } else if (purpose === "exists" && r.chance(0.3)) {
      cols = "*";
    } else {
      cols = Array.from({ length: ncols }, () => ({ e: this.genExpr(rowCtx, 3) }));
    }
    const distinct = r.chance(purpose === "in" ? 0.2 : 0.12);
    return { sel: { distinct, cols, from, where, group, having }, scope, agg };
  }

  /** A subquery that returns at most one row of one column. */
  private genScalar(ctx: Ctx): Query {
    const r = this.rng;
    const x = r.float();
    if (x < 0.25 && ctx.scope.items.length + (ctx.scope.parent ? 1 : 0) > 0) {
      // SELECT expr (no FROM): correlated through the enclosing scope.
      const e = this.genExpr({ ...ctx, scope: { items: [], parent: ctx.scope } }, 2);
      return single({ distinct: false, cols: [{ e }], from: [], where: null, group: [], having: null });
    }
    const { from, items } = this.genFrom(ctx, r.chance(0.8) ? 1 : 2);
    const scope: Scope = { items, parent: ctx.scope.items.length || ctx.scope.parent ? ctx.scope : null };
    const rowCtx: Ctx = { ...ctx, scope, agg: null };
    const where = r.chance(0.7) ? this.genPred(rowCtx, 2) : null;
    if (x < 0.85) {
      const aggCtx: Ctx = { ...ctx, scope, agg: [] };
      let e = this.genExpr(aggCtx, 2);
      if (!hasAggregate(e)) e = this.genAgg(aggCtx);
      const having = r.chance(0.1) ? this.genPred(aggCtx, 1) : null;
      return single({ distinct: false, cols: [{ e }], from, where, group: [], having });
    }
    // ORDER BY the only column, LIMIT 1.
    const e = this.genExpr(rowCtx, 2);
    return single({ distinct: false, cols: [{ e }], from, where, group: [], having: null }, [this.orderTerm(lit("1"))], lit("1"), r.chance(0.3) ? lit("1") : null);
  }

  // -------------------------------------------------------------------------------------------
  // Checks

  genChecks(n: number): Check[] {
    const out: Check[] = [];
    for (let i = 0; i < n; i++) out.push(this.genCheck());
    return out;
  }

  genCheck(): Check {
    const r = this.rng;
    this.aliasN = 0;
    const kind = r.weighted({ query: 55, tlp: 13, tlpagg: 7, norec: 12, dml: this.off.has("dml") ? 0 : 13 });
    const ctx = this.topCtx();
    switch (kind) {
      case "query":
        return { k: "query", q: this.genQuery(ctx, r.int(1, 4), "top") };
      case "tlp":
      case "tlpagg":
      case "norec": {
        const { from, items } = this.genFrom(ctx, r.weighted({ 1: 50, 2: 38, 3: 12 } as Record<string, number>) === "1" ? 1 : r.chance(0.75) ? 2 : 3);
        const rowCtx: Ctx = { ...ctx, scope: { items, parent: null } };
        const p = this.genPred(rowCtx, 3);
        if (kind === "norec") return { k: "norec", from, p, form: r.chance(0.7) || this.off.has("istrue") ? "case" : "istrue" };
        if (kind === "tlpagg") {
          const fn = r.pick(["max", "min", "sum", "count", "total"] as const);
          const arg = fn === "count" && r.chance(0.4) ? null : this.genExpr(rowCtx, 2);
          return { k: "tlpagg", from, fn, arg, p };
        }
        const cols: ResultCol[] | "*" = r.chance(0.1) ? "*" : Array.from({ length: r.int(1, 3) }, () => ({ e: this.genExpr(rowCtx, 2) }));
        return { k: "tlp", from, cols, distinct: r.chance(0.2), p };
      }
      default:
        return { k: "stmt", item: { k: "dml", d: this.genDml() } };
    }
  }

  private genDml(): Dml {
    const r = this.rng;
    const t = r.pick(this.cat.tables);
    const scope: Scope = { items: [{ alias: t.name, cols: t.cols.map((c) => c.name), rowid: true }], parent: null };
    const ctx: Ctx = { scope, agg: null, subDepth: 1, avoid: t.name };
    const kind = r.weighted({ update: 35, delete: 22, insert: 30, insertsel: 13 });
    switch (kind) {
      case "update": {
        const constrained = constrainedCols(this.cat, t);
        const cols = r.shuffle(t.cols.map((c) => c.name)).slice(0, r.int(1, Math.min(2, t.cols.length)));
        const sets = cols.map((c) => {
          const def = t.cols.find((x) => x.name === c)!;
          return { c, e: constrained.has(c) || r.chance(0.2) ? lit(this.rowidSafe(def, (this.literal() as { v: string }).v)) : this.genExpr(ctx, 2) };
        });
        return { k: "update", table: t.name, sets, where: r.chance(0.8) ? this.genPred(ctx, 2) : null };
      }
      case "delete":
        return { k: "delete", table: t.name, where: r.chance(0.85) ? this.genPred(ctx, 2) : null };
      case "insert":
        return this.genInsertRow(t, false);
      default: {
        let cols = t.cols.map((c) => c.name);
        if (cols.length > 1 && r.chance(0.3)) cols = cols.slice(0, r.int(1, cols.length - 1));
        const top = this.topCtx();
        const q = this.genQuery(top, cols.length, "view");
        for (const a of q.arms) if (a.cols !== "*") a.cols.forEach((c) => delete c.as);
        // Rows get rowids in SELECT order: make the order total; and keep tables small.
        q.order = Array.from({ length: cols.length }, (_, j) => ({ e: lit(String(j + 1)), desc: r.chance(0.3) }));
        q.limit = lit(String(r.int(1, 10)));
        q.offset = null;
        return { k: "insertsel", table: t.name, cols, q };
      }
    }
  }
}

export function hasAggregate(e: Expr): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (x.k === "fn" && x.agg) found = true;
  }, false);
  return found;
}

/** Visits e and its subexpressions (into subqueries only if `intoSub`). */
export function walkExpr(e: Expr, f: (x: Expr) => void, intoSub: boolean): void {
  f(e);
  const go = (x: Expr | null | undefined): void => {
    if (x) walkExpr(x, f, intoSub);
  };
  switch (e.k) {
    case "un":
    case "isnull":
    case "is":
    case "cast":
    case "collate":
    case "paren":
      go(e.e);
      break;
    case "bin":
      go(e.l);
      go(e.r);
      break;
    case "between":
      go(e.e);
      go(e.lo);
      go(e.hi);
      break;
    case "in":
      go(e.e);
      e.list.forEach(go);
      break;
    case "insub":
      go(e.e);
      if (intoSub) walkQuery(e.q, f);
      break;
    case "exists":
    case "sub":
      if (intoSub) walkQuery(e.q, f);
      break;
    case "case":
      go(e.base);
      for (const w of e.whens) {
        go(w.w);
        go(w.t);
      }
      go(e.els);
      break;
    case "like":
      go(e.e);
      go(e.p);
      go(e.esc);
      break;
    case "fn":
      e.args.forEach(go);
      break;
    default:
      break;
  }
}

export function walkQuery(q: Query, f: (x: Expr) => void): void {
  for (const s of q.arms) {
    if (s.cols !== "*") for (const c of s.cols) walkExpr(c.e, f, true);
    for (const fi of s.from) {
      if (fi.on) walkExpr(fi.on, f, true);
      if ("q" in fi.src) walkQuery(fi.src.q, f);
    }
    if (s.where) walkExpr(s.where, f, true);
    s.group.forEach((g) => walkExpr(g, f, true));
    if (s.having) walkExpr(s.having, f, true);
  }
  q.order.forEach((o) => walkExpr(o.e, f, true));
  if (q.limit) walkExpr(q.limit, f, true);
  if (q.offset) walkExpr(q.offset, f, true);
}

export function genCase(seed: number, o: GenOptions): Case {
  const g = new Gen(seed, o.disable);
  const setup = g.genSetup();
  const checks = g.genChecks(o.checks);
  return { seed, setup, checks };
}
