/**
 * Join order and access paths, chosen by estimated cost (cost.ts: sqlite_stat1 figures when
 * ANALYZE has run, SQLite's defaults otherwise). Each table gets its cheapest access path given
 * the tables placed before it: rowid or index seeks driven by equalities, IN lists and ranges, an
 * automatic index built for a join equality no index serves, or a full scan. Inner joins are
 * ordered by a small N-best search over join orders (SQLite's NGQP); LEFT JOINs keep their
 * written order. Terms are evaluated at the first loop level where every table they read is
 * positioned.
 */
import type { Affinity } from "@db/vm";
import type { Expr } from "../ast.js";
import type { Index } from "../schema.js";
import type { Scope, Source } from "./context.js";
import { conjuncts, exprAffinity, exprCollation, isSubquery, resolveColumn, resolveColumnQuiet, walkDeep, walkExpr } from "./expr.js";
import { AUTO_INDEX_ROWS, INDEX_ROW, SCAN_ROW, autoIndexSetup, filteredRows, logAdd, rangeRows, rowsPerKey, seekCost, tableRows } from "./cost.js";
import { indexedExpr, partialUsable, plannerAffinity, plannerColumns } from "./row-match.js";

export interface Bound {
  expr: Expr;
  op: "gt" | "ge" | "lt" | "le";
}

export type Access =
  | { kind: "scan" }
  | { kind: "rowid"; key: Expr; inList?: Expr[] }
  | { kind: "rowid-range"; lower: Bound | null; upper: Bound | null }
  | { kind: "index"; index: Index; keys: Expr[]; cursor: number; lower: Bound | null; upper: Bound | null; inList?: Expr[] }
  /** A transient index over the whole source, built once, keyed by `cols` (source column indexes). */
  | { kind: "auto"; keys: Expr[]; cols: number[]; collations: string[]; cursor: number }
  /**
   * MULTI-INDEX OR: each arm (a rowid or index seek for one disjunct of an OR term) yields
   * rowids; their union, in arm order without repeats, is then read from the table. The OR
   * term itself stays a filter of the level, so each arm may find a superset of its rows.
   */
  | { kind: "or"; arms: Access[] };

export interface Level {
  source: Source;
  access: Access;
  /** ON terms of a LEFT (or RIGHT/FULL) JOIN, evaluated before the match flag is set. */
  onTerms: Expr[];
  /** RIGHT/FULL JOIN: the set of rowids of this level's rows some left row matched. */
  matched?: number;
  /** WHERE (and inner ON) terms evaluated at this level. */
  terms: Expr[];
  /** Visit rows in descending key order (ORDER BY ... DESC served by the scan). */
  reverse?: boolean;
  /** An arm of MULTI-INDEX OR: only rowids are read (from the index), yet SQLite calls it INDEX. */
  orArm?: boolean;
}

export interface Plan {
  levels: Level[];
  /** Estimated rows the joined loops produce (before terms no level could evaluate). */
  rows: number;
  /** Terms that read no table of this query: evaluated once before the loops. */
  constTerms: Expr[];
}

/** Sources of `scope` that `e` reads; `null` when it holds a subquery (treated as reading all). */
export function termDeps(scope: Scope, e: Expr): Set<Source> | null {
  const deps = new Set<Source>();
  let opaque = false;
  walkExpr(e, (n) => {
    if (isSubquery(n)) opaque = true;
    if (n.kind === "column") {
      try {
        const saved = scope.correlated;
        const r = resolveColumn(scope, n.table, n.name);
        scope.correlated = saved;
        if (r.scope === scope) deps.add(r.source);
      } catch {
        /* reported when the term is compiled */
      }
    }
  });
  return opaque ? null : deps;
}

interface EqTerm {
  term: Expr;
  col: number; // source column index, -1 rowid
  other: Expr;
}

const FLIP: Record<string, Bound["op"]> = { "<": "gt", "<=": "ge", ">": "lt", ">=": "le" };
const SAME: Record<string, Bound["op"]> = { "<": "lt", "<=": "le", ">": "gt", ">=": "ge" };

interface RangeTerm {
  term: Expr;
  col: number;
  lower: Bound | null;
  upper: Bound | null;
}

interface TermInfo {
  deps: Set<Source> | null;
  /** For `a = b`: each side that is a column of this scope, with the other side and what it reads. */
  sides: { src: Source; col: number; other: Expr; otherDeps: Set<Source> | null }[];
  /** For `c < x`, `x >= c`, `c BETWEEN a AND b`: the bounded column and what the bounds read. */
  ranges: { src: Source; range: RangeTerm; deps: Set<Source> | null }[];
  /** For `c IN (v1, v2, ...)`, or `c = v1 OR c = v2 ...` (each item with the comparison it came from). */
  inList: { src: Source; col: number; list: Expr[]; items: Expr[]; deps: Set<Source> | null; fromOr: boolean } | null;
  equality: boolean;
  /** For an OR term: its disjuncts, each split into its AND terms. */
  or: Expr[][] | null;
}

/** Per-term facts, computed once per query (planning many-table joins must not re-resolve names). */
const infoCache = new WeakMap<Scope, Map<Expr, TermInfo>>();

/**
 * The column of this scope's source that `e` is: a column (-1 the rowid), or an expression an
 * index holds (-2 - k, row-match.ts exprKeys).
 */
function colOf(scope: Scope, e: Expr): { src: Source; col: number } | null {
  if (e.kind !== "column") return indexedExpr(scope, e);
  try {
    const saved = scope.correlated;
    const r = resolveColumn(scope, e.table, e.name);
    scope.correlated = saved;
    return r.scope === scope ? { src: r.source, col: r.col } : null;
  } catch {
    return null; // reported when the term is compiled
  }
}

function unionDeps(scope: Scope, es: Expr[]): Set<Source> | null {
  const out = new Set<Source>();
  for (const e of es) {
    const d = termDeps(scope, e);
    if (d === null) return null;
    for (const s of d) out.add(s);
  }
  return out;
}

function termInfo(scope: Scope, term: Expr): TermInfo {
  let cache = infoCache.get(scope);
  if (!cache) infoCache.set(scope, (cache = new Map()));
  let info = cache.get(term);
  if (info) return info;
  info = { deps: termDeps(scope, term), sides: [], ranges: [], inList: null, equality: false, or: null };
  if (term.kind === "binary" && (term.op === "=" || term.op === "==")) {
    info.equality = true;
    for (const [a, b] of [[term.left, term.right], [term.right, term.left]] as const) {
      const c = colOf(scope, a);
      if (c) info.sides.push({ src: c.src, col: c.col, other: b, otherDeps: termDeps(scope, b) });
    }
  } else if (term.kind === "binary" && SAME[term.op]) {
    const lc = colOf(scope, term.left);
    if (lc) {
      const op = SAME[term.op]!;
      const b: Bound = { expr: term.right, op };
      const range = { term, col: lc.col, lower: op === "gt" || op === "ge" ? b : null, upper: op === "lt" || op === "le" ? b : null };
      info.ranges.push({ src: lc.src, range, deps: termDeps(scope, term.right) });
    }
    const rc = colOf(scope, term.right);
    if (rc) {
      const op = FLIP[term.op]!;
      const b: Bound = { expr: term.left, op };
      const range = { term, col: rc.col, lower: op === "gt" || op === "ge" ? b : null, upper: op === "lt" || op === "le" ? b : null };
      info.ranges.push({ src: rc.src, range, deps: termDeps(scope, term.left) });
    }
  } else if (term.kind === "between" && !term.not) {
    const c = colOf(scope, term.expr);
    if (c) info.ranges.push({ src: c.src, range: { term, col: c.col, lower: { expr: term.low, op: "ge" }, upper: { expr: term.high, op: "le" } }, deps: unionDeps(scope, [term.low, term.high]) });
  } else if (term.kind === "in-list" && !term.not && term.list.length > 0) {
    const c = colOf(scope, term.expr);
    if (c) info.inList = { src: c.src, col: c.col, list: term.list, items: term.list.map(() => term), deps: unionDeps(scope, term.list), fromOr: false };
  } else if (term.kind === "binary" && term.op === "OR") {
    const disjuncts = splitOr(term);
    info.or = disjuncts.map((d) => conjuncts(d));
    info.inList = orAsIn(scope, disjuncts);
  }
  cache.set(term, info);
  return info;
}

function splitOr(e: Expr): Expr[] {
  if (e.kind === "binary" && e.op === "OR") return [...splitOr(e.left), ...splitOr(e.right)];
  return [e];
}

/** `c = v1 OR c = v2 OR ...` on one column reads as `c IN (v1, v2, ...)` (SQLite's OR-to-IN rewrite). */
function orAsIn(scope: Scope, disjuncts: Expr[]): TermInfo["inList"] {
  const first = disjuncts[0]!;
  if (first.kind !== "binary" || (first.op !== "=" && first.op !== "==")) return null;
  for (const cand of [first.left, first.right]) {
    const c = colOf(scope, cand);
    if (!c) continue;
    const list: Expr[] = [];
    const items: Expr[] = [];
    for (const d of disjuncts) {
      if (d.kind !== "binary" || (d.op !== "=" && d.op !== "==")) return null;
      const l = colOf(scope, d.left);
      const other = l && l.src === c.src && l.col === c.col ? d.right : (() => {
        const r = colOf(scope, d.right);
        return r && r.src === c.src && r.col === c.col ? d.left : null;
      })();
      if (!other) break;
      list.push(other);
      items.push(d);
    }
    if (list.length === disjuncts.length) return { src: c.src, col: c.col, list, items, deps: unionDeps(scope, list), fromOr: true };
  }
  return null;
}

/** True when an expression reading `deps` can be computed before `src` is positioned. */
function ready(deps: Set<Source> | null, src: Source, avail: Set<Source>): boolean {
  if (deps === null || deps.has(src)) return false;
  for (const d of deps) if (!avail.has(d)) return false;
  return true;
}

function equalities(scope: Scope, src: Source, terms: Expr[], avail: Set<Source>): EqTerm[] {
  const out: EqTerm[] = [];
  for (const term of terms) {
    for (const side of termInfo(scope, term).sides) {
      if (side.src !== src || !ready(side.otherDeps, src, avail)) continue;
      out.push({ term, col: side.col, other: side.other });
      break;
    }
  }
  return out;
}

/** Terms bounding a column of `src` by expressions over available tables: `c > x`, `x <= c`, `c BETWEEN a AND b`. */
function ranges(scope: Scope, src: Source, terms: Expr[], avail: Set<Source>): RangeTerm[] {
  const out: RangeTerm[] = [];
  for (const term of terms) {
    for (const r of termInfo(scope, term).ranges) {
      if (r.src !== src || !ready(r.deps, src, avail)) continue;
      out.push(r.range);
      break;
    }
  }
  return out;
}

/** The first lower and first upper bound on column `col` among `rs`, and the terms they came from. */
function pickBounds(rs: RangeTerm[], col: (c: number) => boolean): { lower: Bound | null; upper: Bound | null; used: Expr[] } {
  let lower: Bound | null = null;
  let upper: Bound | null = null;
  const used: Expr[] = [];
  for (const r of rs) {
    if (!col(r.col)) continue;
    // A BETWEEN supplies both bounds; take it whole or not at all, so no term is half-applied.
    if (r.lower && r.upper) {
      if (lower || upper) continue;
      lower = r.lower;
      upper = r.upper;
      used.push(r.term);
      continue;
    }
    if (r.lower && !lower) {
      lower = r.lower;
      used.push(r.term);
    } else if (r.upper && !upper) {
      upper = r.upper;
      used.push(r.term);
    }
  }
  return { lower, upper, used };
}

interface Choice {
  access: Access;
  used: Expr[];
  /** Work per outer row, in row visits. */
  cost: number;
  /** One-time work (building an automatic index). */
  setup: number;
  /** Rows produced per outer row after the filters available at this level. */
  fanout: number;
}

/** `c IN (v1, v2, ...)` terms on a column of `src` whose values are all computable now. */
interface InTerm {
  term: Expr;
  col: number;
  list: Expr[];
  /** Per list item, the comparison it stands for (the IN term, or one disjunct of an OR). */
  items: Expr[];
  fromOr: boolean;
}

function inLists(scope: Scope, src: Source, terms: Expr[], avail: Set<Source>): InTerm[] {
  const out: InTerm[] = [];
  for (const term of terms) {
    const i = termInfo(scope, term).inList;
    if (i && i.src === src && ready(i.deps, src, avail)) out.push({ term, col: i.col, list: i.list, items: i.items, fromOr: i.fromOr });
  }
  return out;
}

/**
 * An IN list drives seeks with each item converted to the column's affinity, as `c IN (...)`
 * compares. Items of an OR are each their own `c = v`, which may convert differently: those
 * must convert the same way for the seek to find exactly their rows.
 */
function inUsable(scope: Scope, src: Source, i: InTerm, ok: (e: EqTerm) => boolean): boolean {
  return i.list.every((other, j) => {
    const e: EqTerm = { term: i.items[j]!, col: i.col, other };
    if (!ok(e)) return false;
    if (!i.fromOr) return true;
    const colAff = plannerAffinity(src, i.col);
    return probeAffinity(scope, colAff, other) === (colAff ?? "BLOB");
  });
}

export interface PlanOptions {
  /** Allow automatic (transient) indexes. Off in statements that write: the index is a snapshot. */
  autoIndex: boolean;
  /** Times the whole query is expected to run (a correlated subquery runs once per outer row). */
  outerRows: number;
  /**
   * The ON terms of inner joins among `whereTerms`, with the index of the source their join
   * added: those of joins before a RIGHT JOIN filter its left side; later ones come after it.
   */
  joinAt?: ReadonlyMap<Expr, number>;
}

/** Rows a level yields once the terms it can evaluate (but did not seek with) are applied. */
function afterFilters(scope: Scope, src: Source, terms: Expr[], used: Expr[], avail: Set<Source>, nOut: number, nRow: number): number {
  let n = 0;
  let eq = false;
  for (const term of terms) {
    if (used.includes(term)) continue;
    const info = termInfo(scope, term);
    const deps = info.deps;
    if (deps === null || !deps.has(src)) continue;
    let ok = true;
    for (const d of deps) if (d !== src && !avail.has(d)) ok = false;
    if (!ok) continue;
    n++;
    if (info.equality) eq = true;
  }
  return filteredRows(nOut, nRow, n, eq);
}

function chooseAccess(scope: Scope, src: Source, terms: Expr[], avail: Set<Source>, newCursor: () => number, outerRows: number, opts: PlanOptions, inOr = false): Choice {
  const t = src.table;
  const nRow = tableRows(t);
  const seek = seekCost(nRow);
  // Only terms that read this source matter here (planning many-table joins calls this a lot).
  terms = terms.filter((term) => termInfo(scope, term).deps?.has(src));
  const eqs = equalities(scope, src, terms, avail);
  const done = (c: Omit<Choice, "fanout" | "setup"> & { nOut: number; setup?: number }): Choice => ({
    access: c.access,
    used: c.used,
    cost: c.cost,
    setup: c.setup ?? 0,
    fanout: afterFilters(scope, src, terms, c.used, avail, c.nOut, nRow),
  });
  let best = done({ access: { kind: "scan" }, used: [], cost: SCAN_ROW * nRow, nOut: nRow });
  const total = (c: Choice) => outerRows * c.cost + c.setup;
  const consider = (c: Choice) => {
    if (total(c) < total(best)) best = c;
  };
  if (t) {
    const isRowid = (c: number) => c === -1 || src.columns[c]?.index === t.rowidAlias;
    const rowidEq = eqs.find((e) => isRowid(e.col));
    // A rowid equality is the best there is (at most one row, one seek).
    if (rowidEq) return done({ access: { kind: "rowid", key: rowidEq.other }, used: [rowidEq.term], cost: seek, nOut: 1 });
    const ins = inLists(scope, src, terms, avail);
    const rs = ranges(scope, src, terms, avail);
    const rowidIn = ins.find((i) => isRowid(i.col) && inUsable(scope, src, i, (e) => affinityOk(scope, src, e)));
    if (rowidIn) {
      const n = rowidIn.list.length;
      consider(done({ access: { kind: "rowid", key: rowidIn.list[0]!, inList: rowidIn.list }, used: [rowidIn.term], cost: n * seek, nOut: n }));
    }
    const rb = pickBounds(rs, isRowid);
    if (rb.lower || rb.upper) {
      const nOut = rangeRows(nRow, Number(!!rb.lower) + Number(!!rb.upper));
      consider(done({ access: { kind: "rowid-range", lower: rb.lower, upper: rb.upper }, used: rb.used, cost: seek + SCAN_ROW * nOut, nOut }));
    }
    for (const idx of src.notIndexed ? [] : t.indexes) {
      if (!partialUsable(scope, src, idx, terms)) continue;
      const c = indexChoice(scope, src, idx, eqs, ins, rs, nRow, seek);
      if (c) consider(done(c));
    }
    if (!inOr && src.join !== "left" && !src.notIndexed) {
      const c = orChoice(scope, src, terms, avail, newCursor, outerRows, opts, nRow);
      if (c) consider(done(c));
    }
  }
  // (A table-valued function's rows change with the outer row: an index built once would not.)
  if (opts.autoIndex && outerRows >= 2 && !src.tvf) {
    const a = autoChoice(scope, src, eqs, nRow, seek, avail.size === 0);
    if (a) consider(done(a));
  }
  if (best.access.kind === "index" || best.access.kind === "auto") best.access.cursor = newCursor();
  return best;
}

/** The seek `idx` allows: equalities on a prefix of its columns (or an IN list first), then a range. */
function indexChoice(scope: Scope, src: Source, idx: Index, eqs: EqTerm[], ins: InTerm[], rs: RangeTerm[], nRow: number, seek: number): (Omit<Choice, "fanout" | "setup"> & { nOut: number }) | null {
  const keys: Expr[] = [];
  const used: Expr[] = [];
  const pcols = plannerColumns(src.table!, idx);
  // A source column as the index names it: table column, or -2 - k for an indexed expression.
  const keyOf = (c: number) => (c >= 0 ? src.columns[c]!.index : c);
  const eqOn = (k: number) => eqs.find((e) => e.col !== -1 && keyOf(e.col) === pcols[k] && usable(scope, src, e, idx, k));
  for (let k = 0; k < idx.columns.length; k++) {
    const eq = eqOn(k);
    if (!eq) break;
    keys.push(eq.other);
    used.push(eq.term);
  }
  let inList: Expr[] | undefined;
  // An IN list on the first column: one seek per distinct value. The values are made distinct
  // and ordered in binary order (vm EphemeralCursor), which under NOCASE or RTRIM could seek the
  // same key twice: such columns are not driven by IN lists (a shortcut; SQLite collates the set).
  if (keys.length === 0 && (idx.collations[0] ?? "BINARY") === "BINARY") {
    const c0 = idx.columns[0]!;
    const hit = ins.find((i) => i.col >= 0 && src.columns[i.col]!.index === c0 && inUsable(scope, src, i, (e) => usable(scope, src, e, idx, 0)));
    if (hit) {
      inList = hit.list;
      keys.push(hit.list[0]!);
      used.push(hit.term);
      for (let k = 1; k < idx.columns.length; k++) {
        const eq = eqOn(k);
        if (!eq) break;
        keys.push(eq.other);
        used.push(eq.term);
      }
    }
  }
  let bounds: { lower: Bound | null; upper: Bound | null; used: Expr[] } = { lower: null, upper: null, used: [] };
  const k = keys.length;
  if (k < idx.columns.length && !idx.desc[k]) {
    const tc = pcols[k]!;
    const cands = rs.filter((r) => r.col !== -1 && keyOf(r.col) === tc && rangeUsable(scope, src, r, idx, k));
    bounds = pickBounds(cands, () => true);
  }
  const nBounds = Number(!!bounds.lower) + Number(!!bounds.upper);
  if (keys.length === 0 && nBounds === 0) return null;
  let nOut = keys.length ? rowsPerKey(idx, keys.length, nRow) : nRow;
  nOut = rangeRows(nOut, nBounds);
  const nSeeks = inList ? inList.length : 1;
  nOut *= nSeeks;
  const access: Access = { kind: "index", index: idx, keys, cursor: -1, lower: bounds.lower, upper: bounds.upper };
  if (inList) access.inList = inList;
  return { access, used: [...used, ...bounds.used], cost: nSeeks * seek + INDEX_ROW * nOut, nOut };
}

/**
 * MULTI-INDEX OR for the first OR term whose every disjunct has a rowid or index seek of its own
 * (where.c whereLoopAddOr). The arms' cursors are allocated as they are chosen.
 */
function orChoice(scope: Scope, src: Source, terms: Expr[], avail: Set<Source>, newCursor: () => number, outerRows: number, opts: PlanOptions, nRow: number): (Omit<Choice, "fanout" | "setup"> & { nOut: number }) | null {
  for (const term of terms) {
    const info = termInfo(scope, term);
    if (!info.or || info.inList?.src === src || !info.deps?.has(src)) continue;
    const arms: Access[] = [];
    let cost = 0;
    let nOut = 0;
    for (const conj of info.or) {
      const c = chooseAccess(scope, src, conj, avail, newCursor, outerRows, { ...opts, autoIndex: false }, true);
      if (c.access.kind === "scan") break;
      arms.push(c.access);
      cost += c.cost;
      nOut += c.fanout;
    }
    if (arms.length === info.or.length) return { access: { kind: "or", arms }, used: [], cost, nOut: Math.min(nOut, nRow) };
  }
  return null;
}

/**
 * An automatic index on the equality-constrained columns no index serves, as SQLite builds one
 * (where.c, constructAutomaticIndex). Its key collation is the comparison's, so the seek finds
 * exactly the rows `=` accepts; a term whose comparison would convert the column is left out.
 */
function autoChoice(scope: Scope, src: Source, eqs: EqTerm[], nRow: number, seek: number, outermost: boolean): (Omit<Choice, "fanout"> & { nOut: number }) | null {
  const cols: number[] = [];
  const keys: Expr[] = [];
  const collations: string[] = [];
  const used: Expr[] = [];
  for (const e of eqs) {
    if (e.col < 0 || cols.includes(e.col)) continue;
    const coll = autoCollation(scope, src, e);
    if (coll === null) continue;
    cols.push(e.col);
    keys.push(e.other);
    collations.push(coll);
    used.push(e.term);
  }
  if (!cols.length) return null;
  // In the outermost loop only a correlated key pays: an uncorrelated subquery runs once.
  if (outermost && !keys.some((k) => readsOuter(scope, k))) return null;
  const nOut = Math.min(AUTO_INDEX_ROWS, nRow);
  return { access: { kind: "auto", keys, cols, collations, cursor: -1 }, used, cost: seek + nOut, setup: autoIndexSetup(nRow, !src.table), nOut };
}

const numeric = (a: string | null) => a === "INTEGER" || a === "REAL" || a === "NUMERIC";
const textual = (a: string | null) => a === "TEXT";

/**
 * Whether an index on the column (with the column's affinity) can serve `col = other`, as SQLite's
 * sqlite3IndexAffinityOk(): the comparison must not convert the stored values. A non-numeric
 * column compared with a numeric operand is converted, and so is a column without any affinity
 * (an expression column of a subquery) compared with a TEXT one. A BLOB column (no declared
 * type) against TEXT compares unconverted.
 */
function affinityOk(scope: Scope, src: Source, e: EqTerm): boolean {
  const colAff = plannerAffinity(src, e.col);
  const otherAff = exprAffinity(scope, e.other);
  if (!numeric(colAff) && numeric(otherAff)) return false;
  if (colAff === null && textual(otherAff)) return false;
  return true;
}

/**
 * The affinity a seek key `other` takes before probing an index on a column of affinity `colAff`
 * (where.c codeAllEqualityTerms): the column's, unless both sides have a non-numeric affinity, in
 * which case the comparison converts neither and the key is used as it is.
 */
export function probeAffinity(scope: Scope, colAff: Affinity | null, other: Expr): Affinity {
  const otherAff = exprAffinity(scope, other);
  if (colAff === null) return "BLOB";
  if (otherAff !== null && !numeric(otherAff) && !numeric(colAff)) return "BLOB";
  return seekAffinity(colAff);
}

/**
 * The affinity a seek key takes for a column of affinity `colAff`: the column's, except that
 * REAL acts as NUMERIC. A comparison with a REAL column leaves an INTEGER alone (sqlite3
 * applyAffinity), and index keys compare integers and reals exactly, so turning
 * -9223372036854775807 into the double -2^63 would find a row that SQLite does not.
 */
export function seekAffinity(colAff: Affinity): Affinity {
  return colAff === "REAL" ? "NUMERIC" : colAff;
}

/** The two operands of the comparison `e` stands for, left first. */
function operands(e: EqTerm): [Expr, Expr] {
  const t = e.term;
  if (t.kind === "binary") return [t.left, t.right];
  if (t.kind === "between" || t.kind === "in-list") return [t.expr, e.other];
  return [e.other, e.other];
}

/** An operand's collation, and whether it is explicit (a COLLATE operator); a column has its own, even BINARY. */
function collationOf(scope: Scope, e: Expr): { coll: string | null; explicit: boolean } {
  if (e.kind === "collate") return { coll: e.collation.toUpperCase(), explicit: true };
  if (e.kind === "column") {
    try {
      const saved = scope.correlated;
      const r = resolveColumn(scope, e.table, e.name);
      scope.correlated = saved;
      return { coll: r.col >= 0 ? r.source.columns[r.col]!.collation : "BINARY", explicit: false };
    } catch {
      return { coll: null, explicit: false };
    }
  }
  return { coll: exprCollation(scope, e), explicit: false };
}

/**
 * The collation the comparison uses, as sqlite3BinaryCompareCollSeq(): an explicit COLLATE (the
 * left one first), else the left operand's column collation, else the right one's, else BINARY.
 */
function comparisonCollation(scope: Scope, _src: Source, e: EqTerm): string {
  const [l, r] = operands(e);
  const a = collationOf(scope, l);
  const b = collationOf(scope, r);
  if (a.explicit) return a.coll!;
  if (b.explicit) return b.coll!;
  return (a.coll ?? b.coll ?? "BINARY").toUpperCase();
}

function autoCollation(scope: Scope, src: Source, e: EqTerm): string | null {
  if (!affinityOk(scope, src, e)) return null;
  const coll = comparisonCollation(scope, src, e);
  // The index keys are built by the vm's key encoding, which knows the built-in collations only.
  return coll === "BINARY" || coll === "NOCASE" || coll === "RTRIM" ? coll : null;
}

/** True when `e` reads a column of an enclosing query (a correlated reference). */
function readsOuter(scope: Scope, e: Expr): boolean {
  let found = false;
  walkExpr(e, (n) => {
    if (n.kind === "column" && !found) {
      try {
        const saved = scope.correlated;
        const r = resolveColumn(scope, n.table, n.name);
        scope.correlated = saved;
        if (r.scope !== scope) found = true;
      } catch {
        /* reported when compiled */
      }
    }
  });
  return found;
}

/** A range on an index column is exact only under the same conditions as an equality. */
function rangeUsable(scope: Scope, src: Source, r: RangeTerm, idx: Index, k: number): boolean {
  const bounds = [r.lower, r.upper].filter((b): b is Bound => b !== null);
  return bounds.every((b) => usable(scope, src, { term: r.term, col: r.col, other: b.expr }, idx, k));
}

/** An index column can serve `col = other` only if the comparison does not convert the column's values. */
function usable(scope: Scope, src: Source, e: EqTerm, idx: Index, k: number): boolean {
  return affinityOk(scope, src, e) && comparisonCollation(scope, src, e) === (idx.collations[k] ?? "BINARY");
}

interface Path {
  order: Source[];
  placed: Set<Source>;
  pool: Set<Expr>;
  /** log2 of the total cost and of the rows produced so far. */
  cost: number;
  rows: number;
  /** Which sources are placed, one character per source. */
  key: string;
}

/** A path extended by one source, materialized only if it survives the step. */
interface Step {
  parent: Path;
  src: Source;
  used: Expr[];
  cost: number;
  rows: number;
  key: string;
}

/**
 * Join order by an N-best search (SQLite's wherePathSolver): after each step only the cheapest
 * few partial orders survive, one per set of placed tables. Costs are kept as logarithms.
 */
function searchOrder(scope: Scope, sources: Source[], whereTerms: Expr[], opts: PlanOptions): Source[] {
  const width = sources.length <= 1 ? 1 : sources.length === 2 ? 5 : 10;
  const rel = new Map(sources.map((s) => [s, whereTerms.filter((t) => termInfo(scope, t).deps?.has(s))]));
  let paths: Path[] = [{ order: [], placed: new Set(), pool: new Set(whereTerms), cost: -Infinity, rows: Math.log2(Math.max(1, opts.outerRows)), key: "0".repeat(sources.length) }];
  for (let step = 0; step < sources.length; step++) {
    const next = new Map<string, Step>();
    for (const p of paths) {
      sources.forEach((src, i) => {
        if (p.placed.has(src)) return;
        const terms = rel.get(src)!.filter((t) => p.pool.has(t));
        const c = chooseAccess(scope, src, terms, p.placed, () => -1, 2 ** p.rows, opts);
        let cost = logAdd(p.cost, p.rows + Math.log2(Math.max(c.cost, 1e-9)));
        if (c.setup > 0) cost = logAdd(cost, Math.log2(c.setup));
        const key = `${p.key.slice(0, i)}1${p.key.slice(i + 1)}`;
        const seen = next.get(key);
        if (seen && seen.cost <= cost) return;
        next.set(key, { parent: p, src, used: c.used, cost, rows: p.rows + Math.log2(c.fanout), key });
      });
    }
    paths = [...next.values()]
      .sort((a, b) => a.cost - b.cost)
      .slice(0, width)
      .map((st) => ({
        order: [...st.parent.order, st.src],
        placed: new Set(st.parent.placed).add(st.src),
        pool: new Set([...st.parent.pool].filter((t) => !st.used.includes(t))),
        cost: st.cost,
        rows: st.rows,
        key: st.key,
      }));
  }
  return paths[0]!.order;
}

/**
 * FROM order, except that a table-valued function comes after the sources its arguments read
 * (`FROM json_each(t.doc), t` runs t's loop first), as SQLite's planner requires of them.
 */
function functionOrder(scope: Scope, sources: Source[]): Source[] {
  const out: Source[] = [];
  const pending = [...sources];
  const ready = (s: Source) => !s.tvf || s.tvf.args.every((a) => [...(termDeps(scope, a) ?? [])].every((d) => d === s || out.includes(d)));
  while (pending.length) {
    const i = pending.findIndex(ready);
    // Functions reading each other (no order works): the rest in FROM order.
    out.push(pending.splice(Math.max(i, 0), 1)[0]!);
  }
  return out;
}

export function plan(scope: Scope, whereTerms: Expr[], newCursor: () => number, opts: PlanOptions = { autoIndex: false, outerRows: 1 }): Plan {
  const sources = scope.sources;
  const hasLeft = sources.some((s) => s.join === "left");
  // A RIGHT/FULL JOIN keeps the FROM order. WHERE terms are tested at or after its level, once the
  // match is recorded (a left row that WHERE rejects still matched, as SQLite's JT_LTORJ terms),
  // so the sources to its left seek with their inner joins' ON terms only.
  const rj = sources.findLastIndex((s) => s.rightJoin);
  // Where an inner join's ON term belongs (the index of the table its join added), or -1 for a
  // WHERE term. With a RIGHT/FULL JOIN, an ON term filters nothing before its own join's level.
  const joinAt = (t: Expr) => opts.joinAt?.get(t) ?? -1;
  const order = hasLeft || rj >= 0 || sources.length <= 1 ? sources : sources.some((s) => s.tvf) ? functionOrder(scope, sources) : searchOrder(scope, sources, whereTerms, opts);
  const placed = new Set<Source>();
  const levels: Level[] = [];
  let pool = [...whereTerms];
  let rows = Math.max(1, opts.outerRows);
  for (const [i, src] of order.entries()) {
    const onOnly = src.join === "left" || src.rightJoin === true;
    const terms = onOnly ? conjuncts(src.on ?? undefined) : i < rj ? pool.filter((t) => joinAt(t) >= 0 && joinAt(t) <= i) : pool;
    // No automatic index up to the last RIGHT JOIN: its table is read through its own cursor
    // again after the loops, and the sources before it read as NULL there even when their loop
    // never ran (an index built on first use would not be open).
    const c = chooseAccess(scope, src, terms, placed, newCursor, rows, i <= rj ? { ...opts, autoIndex: false } : opts);
    const onTerms = onOnly ? conjuncts(src.on ?? undefined).filter((t) => !c.used.includes(t)) : [];
    if (!onOnly) pool = pool.filter((t) => !c.used.includes(t));
    levels.push({ source: src, access: c.access, onTerms, terms: [] });
    placed.add(src);
    rows *= c.fanout;
  }
  // Place each remaining term at the first level where all it reads is available. As in SQLite
  // (where.c), a term whose subqueries read no column of this query counts by its other columns,
  // and when it reads none is tested in the outermost loop (not before the loops: a subquery is
  // not "deterministic" there); a term whose subqueries may read one comes last in its level.
  const constTerms: Expr[] = [];
  const pos = new Map<Source, number>(levels.map((l, i) => [l.source, i]));
  const late = new Set<Expr>();
  for (const t of pool) {
    let deps = termInfo(scope, t).deps;
    const opaque = deps === null;
    if (opaque) {
      const sd = subqueryDeps(scope, t);
      deps = sd.deps;
      if (sd.late) late.add(t);
    }
    if (deps === null) {
      // An ON term reads nothing right of its join: next to a RIGHT JOIN, its own level is
      // the place (the innermost would test it after the RIGHT JOIN recorded a match).
      if (rj >= 0 && joinAt(t) >= 0) levels[joinAt(t)]!.terms.push(t);
      else if (levels.length) levels[levels.length - 1]!.terms.push(t);
      else constTerms.push(t);
      continue;
    }
    let at = -1;
    for (const d of deps) at = Math.max(at, pos.get(d) ?? -1);
    if (at < 0 && opaque && levels.length) at = 0;
    // With a RIGHT/FULL JOIN: an ON term at or after its own join's level (a constant one empties
    // that join only, not what a later RIGHT JOIN adds), a WHERE term at or after the last one's.
    if (rj >= 0) at = joinAt(t) >= 0 ? Math.max(at, joinAt(t)) : at >= 0 ? Math.max(at, rj) : at;
    if (at < 0) constTerms.push(t);
    else levels[at]!.terms.push(t);
  }
  if (late.size) for (const lv of levels) lv.terms = [...lv.terms.filter((t) => !late.has(t)), ...lv.terms.filter((t) => late.has(t))];
  return { levels, constTerms, rows: rows / Math.max(1, opts.outerRows) };
}

/**
 * The sources of this query a term holding subqueries reads: its own columns', or null when a
 * subquery names a column this query could supply (then it may be correlated: innermost level).
 * `late`: a subquery names a column of some enclosing query (SQLite's TERM_VARSELECT).
 */
function subqueryDeps(scope: Scope, e: Expr): { deps: Set<Source> | null; late: boolean } {
  const deps = new Set<Source>();
  let mine = false;
  let late = false;
  walkDeep(e, (o, inSub) => {
    if (o.kind !== "column") return;
    const r = resolveColumnQuiet(scope, o.table as string | undefined, o.name as string);
    if (!r) return;
    if (inSub) {
      late = true;
      if (r.scope === scope) mine = true;
    } else if (r.scope === scope) deps.add(r.source);
  });
  return { deps: mine ? null : deps, late };
}

