/**
 * Join order and access paths. Inner joins are ordered greedily so that each table after the
 * first is reached by a rowid or index seek driven by an equality with tables already placed;
 * LEFT JOINs keep their written order. Terms are evaluated at the first loop level where every
 * table they read is positioned.
 */
import type { Expr } from "../ast.js";
import type { Index } from "../schema.js";
import type { Scope, Source } from "./context.js";
import { exprAffinity, exprCollation, resolveColumn, walkExpr } from "./expr.js";

export interface Bound {
  expr: Expr;
  op: "gt" | "ge" | "lt" | "le";
}

export type Access =
  | { kind: "scan" }
  | { kind: "rowid"; key: Expr; inList?: Expr[] }
  | { kind: "rowid-range"; lower: Bound | null; upper: Bound | null }
  | { kind: "index"; index: Index; keys: Expr[]; cursor: number; lower: Bound | null; upper: Bound | null; inList?: Expr[] };

export interface Level {
  source: Source;
  access: Access;
  /** ON terms of a LEFT JOIN, evaluated before the match flag is set. */
  onTerms: Expr[];
  /** WHERE (and inner ON) terms evaluated at this level. */
  terms: Expr[];
  /** Visit rows in descending key order (ORDER BY ... DESC served by the scan). */
  reverse?: boolean;
}

export interface Plan {
  levels: Level[];
  /** Terms that read no table of this query: evaluated once before the loops. */
  constTerms: Expr[];
}

/** Sources of `scope` that `e` reads; `null` when it holds a subquery (treated as reading all). */
export function termDeps(scope: Scope, e: Expr): Set<Source> | null {
  const deps = new Set<Source>();
  let opaque = false;
  walkExpr(e, (n) => {
    if (n.kind === "subquery" || n.kind === "exists" || n.kind === "in-select" || n.kind === "in-table") opaque = true;
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

interface TermInfo {
  deps: Set<Source> | null;
  /** For `a = b`: each side that is a column of this scope, with the other side and what it reads. */
  sides: { src: Source; col: number; other: Expr; otherDeps: Set<Source> | null }[];
}

/** Per-term facts, computed once per query (planning many-table joins must not re-resolve names). */
const infoCache = new WeakMap<Scope, Map<Expr, TermInfo>>();

function termInfo(scope: Scope, term: Expr): TermInfo {
  let cache = infoCache.get(scope);
  if (!cache) infoCache.set(scope, (cache = new Map()));
  let info = cache.get(term);
  if (info) return info;
  info = { deps: termDeps(scope, term), sides: [] };
  if (term.kind === "binary" && (term.op === "=" || term.op === "==")) {
    for (const [a, b] of [[term.left, term.right], [term.right, term.left]] as const) {
      if (a.kind !== "column") continue;
      try {
        const saved = scope.correlated;
        const r = resolveColumn(scope, a.table, a.name);
        scope.correlated = saved;
        if (r.scope === scope) info.sides.push({ src: r.source, col: r.col, other: b, otherDeps: termDeps(scope, b) });
      } catch {
        /* reported when compiled */
      }
    }
  }
  cache.set(term, info);
  return info;
}

function equalities(scope: Scope, src: Source, terms: Expr[], avail: Set<Source>): EqTerm[] {
  const out: EqTerm[] = [];
  for (const term of terms) {
    for (const side of termInfo(scope, term).sides) {
      if (side.src !== src) continue;
      const deps = side.otherDeps;
      if (deps === null || deps.has(src)) continue;
      let ok = true;
      for (const d of deps) if (!avail.has(d)) ok = false;
      if (!ok) continue;
      out.push({ term, col: side.col, other: side.other });
      break;
    }
  }
  return out;
}

const FLIP: Record<string, Bound["op"]> = { "<": "gt", "<=": "ge", ">": "lt", ">=": "le" };
const SAME: Record<string, Bound["op"]> = { "<": "lt", "<=": "le", ">": "gt", ">=": "ge" };

interface RangeTerm {
  term: Expr;
  col: number;
  lower: Bound | null;
  upper: Bound | null;
}

/** Terms bounding a column of `src` by expressions over available tables: `c > x`, `x <= c`, `c BETWEEN a AND b`. */
function ranges(scope: Scope, src: Source, terms: Expr[], avail: Set<Source>): RangeTerm[] {
  const out: RangeTerm[] = [];
  const colOf = (e: Expr): number | null => {
    if (e.kind !== "column") return null;
    try {
      const saved = scope.correlated;
      const r = resolveColumn(scope, e.table, e.name);
      scope.correlated = saved;
      return r.scope === scope && r.source === src ? r.col : null;
    } catch {
      return null;
    }
  };
  const ready = (e: Expr) => {
    const deps = termDeps(scope, e);
    return deps !== null && !deps.has(src) && [...deps].every((d) => avail.has(d));
  };
  for (const term of terms) {
    if (term.kind === "binary" && SAME[term.op]) {
      const lc = colOf(term.left);
      const rc = colOf(term.right);
      if (lc !== null && ready(term.right)) {
        const op = SAME[term.op]!;
        const b: Bound = { expr: term.right, op };
        out.push({ term, col: lc, lower: op === "gt" || op === "ge" ? b : null, upper: op === "lt" || op === "le" ? b : null });
      } else if (rc !== null && ready(term.left)) {
        const op = FLIP[term.op]!;
        const b: Bound = { expr: term.left, op };
        out.push({ term, col: rc, lower: op === "gt" || op === "ge" ? b : null, upper: op === "lt" || op === "le" ? b : null });
      }
    } else if (term.kind === "between" && !term.not) {
      const c = colOf(term.expr);
      if (c !== null && ready(term.low) && ready(term.high)) out.push({ term, col: c, lower: { expr: term.low, op: "ge" }, upper: { expr: term.high, op: "le" } });
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

/** Assumed rows per table without statistics (ANALYZE comes later). */
const ROWS = 100;

interface Choice {
  access: Access;
  used: Expr[];
  /** Work per outer row, in row visits. */
  cost: number;
  /** Rows produced per outer row after the filters available at this level. */
  fanout: number;
}

/** `c IN (v1, v2, ...)` terms on a column of `src` whose values are all computable now. */
function inLists(scope: Scope, src: Source, terms: Expr[], avail: Set<Source>): { term: Expr; col: number; list: Expr[] }[] {
  const out: { term: Expr; col: number; list: Expr[] }[] = [];
  for (const term of terms) {
    if (term.kind !== "in-list" || term.not || term.list.length === 0 || term.expr.kind !== "column") continue;
    let r;
    try {
      const saved = scope.correlated;
      r = resolveColumn(scope, term.expr.table, term.expr.name);
      scope.correlated = saved;
    } catch {
      continue;
    }
    if (r.scope !== scope || r.source !== src) continue;
    const ok = term.list.every((e) => {
      const deps = termDeps(scope, e);
      return deps !== null && !deps.has(src) && [...deps].every((d) => avail.has(d));
    });
    if (ok) out.push({ term, col: r.col, list: term.list });
  }
  return out;
}

function chooseAccess(scope: Scope, src: Source, terms: Expr[], avail: Set<Source>, newCursor: () => number): Choice {
  const t = src.table;
  const eqs = equalities(scope, src, terms, avail);
  const ins = t ? inLists(scope, src, terms, avail) : [];
  // A scan is cheap to filter when a term already ties this table to placed ones (or a constant).
  const scanFanout = () => {
    if (eqs.length) return 1;
    const within = new Set([...avail, src]);
    const filtered = terms.some((term) => {
      const deps = termInfo(scope, term).deps;
      return deps !== null && deps.has(src) && [...deps].every((d) => within.has(d));
    });
    return filtered ? ROWS / 4 : ROWS;
  };
  if (!t) return { access: { kind: "scan" }, used: [], cost: ROWS, fanout: scanFanout() };
  const rowidEq = eqs.find((e) => e.col === -1 || src.columns[e.col]?.index === t.rowidAlias);
  if (rowidEq) return { access: { kind: "rowid", key: rowidEq.other }, used: [rowidEq.term], cost: 1, fanout: 1 };
  const rs = ranges(scope, src, terms, avail);
  let best: Choice | null = null;
  const isRowid = (c: number) => c === -1 || src.columns[c]?.index === t.rowidAlias;
  const rowidIn = ins.find((i) => isRowid(i.col));
  if (rowidIn) {
    const n = rowidIn.list.length;
    best = { access: { kind: "rowid", key: rowidIn.list[0]!, inList: rowidIn.list }, used: [rowidIn.term], cost: n, fanout: n };
  }
  const rb = pickBounds(rs, isRowid);
  if (rb.lower || rb.upper) {
    const fanout = rb.lower && rb.upper ? ROWS / 8 : ROWS / 3;
    best = { access: { kind: "rowid-range", lower: rb.lower, upper: rb.upper }, used: rb.used, cost: fanout, fanout };
  }
  for (const idx of t.indexes) {
    const keys: Expr[] = [];
    const used: Expr[] = [];
    for (let k = 0; k < idx.columns.length; k++) {
      const tc = idx.columns[k]!;
      const eq = eqs.find((e) => e.col >= 0 && src.columns[e.col]!.index === tc && usable(scope, src, e, idx, k));
      if (!eq) break;
      keys.push(eq.other);
      used.push(eq.term);
    }
    let inList: Expr[] | undefined;
    if (keys.length === 0) {
      // An IN list on the first column: one seek per distinct value.
      const c0 = idx.columns[0]!;
      const hit = ins.find((i) => i.col >= 0 && src.columns[i.col]!.index === c0 && i.list.every((e) => usable(scope, src, { term: i.term, col: i.col, other: e }, idx, 0)));
      if (hit) {
        inList = hit.list;
        keys.push(hit.list[0]!);
        used.push(hit.term);
        for (let k = 1; k < idx.columns.length; k++) {
          const tc = idx.columns[k]!;
          const eq = eqs.find((e) => e.col >= 0 && src.columns[e.col]!.index === tc && usable(scope, src, e, idx, k));
          if (!eq) break;
          keys.push(eq.other);
          used.push(eq.term);
        }
      }
    }
    let bounds: { lower: Bound | null; upper: Bound | null; used: Expr[] } = { lower: null, upper: null, used: [] };
    const k = keys.length;
    if (k < idx.columns.length && !idx.desc[k]) {
      const tc = idx.columns[k]!;
      const cands = rs.filter((r) => r.col >= 0 && src.columns[r.col]!.index === tc && rangeUsable(scope, src, r, idx, k));
      bounds = pickBounds(cands, () => true);
    }
    if (keys.length === 0 && !bounds.lower && !bounds.upper) continue;
    const full = idx.unique && keys.length === idx.columns.length;
    let fanout = full ? 1 : Math.max(1, ROWS / 10 ** keys.length);
    if (bounds.lower || bounds.upper) fanout = Math.max(1, fanout / (bounds.lower && bounds.upper ? 8 : 3));
    if (inList) fanout *= inList.length;
    const access: Access = { kind: "index", index: idx, keys, cursor: -1, lower: bounds.lower, upper: bounds.upper };
    if (inList) access.inList = inList;
    const c: Choice = { access, used: [...used, ...bounds.used], cost: 2 + fanout, fanout };
    if (!best || c.cost < best.cost) best = c;
  }
  if (best && best.access.kind === "index") best.access.cursor = newCursor();
  return best ?? { access: { kind: "scan" }, used: [], cost: ROWS, fanout: scanFanout() };
}

function better(a: Choice, b: Choice): boolean {
  if (a.fanout !== b.fanout) return a.fanout < b.fanout;
  return a.cost < b.cost;
}

/** A range on an index column is exact only under the same conditions as an equality. */
function rangeUsable(scope: Scope, src: Source, r: RangeTerm, idx: Index, k: number): boolean {
  const bounds = [r.lower, r.upper].filter((b): b is Bound => b !== null);
  return bounds.every((b) => usable(scope, src, { term: { kind: "binary", op: "=", left: { kind: "column", name: "" }, right: b.expr }, col: r.col, other: b.expr }, idx, k));
}

/** An index column can serve `col = other` only if the comparison does not convert the column's values. */
function usable(scope: Scope, src: Source, e: EqTerm, idx: Index, k: number): boolean {
  const col = src.columns[e.col]!;
  const otherAff = exprAffinity(scope, e.other);
  const numeric = (a: string | null) => a === "INTEGER" || a === "REAL" || a === "NUMERIC";
  if (!numeric(col.affinity) && numeric(otherAff)) return false;
  const explicit = e.other.kind === "collate" ? e.other.collation.toUpperCase() : null;
  const coll = explicit ?? (col.collation !== "BINARY" ? col.collation : (exprCollation(scope, e.other) ?? "BINARY"));
  return coll === (idx.collations[k] ?? "BINARY");
}

export function plan(scope: Scope, whereTerms: Expr[], newCursor: () => number): Plan {
  const sources = scope.sources;
  const hasLeft = sources.some((s) => s.join === "left");
  const remaining = [...sources];
  const placed = new Set<Source>();
  const levels: Level[] = [];
  let pool = [...whereTerms];
  while (remaining.length) {
    let pick = 0;
    let choice: Choice | null = null;
    const candidates = hasLeft ? [0] : remaining.map((_, i) => i);
    for (const i of candidates) {
      const src = remaining[i]!;
      const terms = src.join === "left" ? splitAnd(src.on) : pool;
      const c = chooseAccess(scope, src, terms, placed, () => -1);
      if (!choice || better(c, choice)) {
        choice = c;
        pick = i;
      }
    }
    const src = remaining.splice(pick, 1)[0]!;
    const terms = src.join === "left" ? splitAnd(src.on) : pool;
    const c = chooseAccess(scope, src, terms, placed, newCursor);
    const onTerms = src.join === "left" ? splitAnd(src.on).filter((t) => !c.used.includes(t)) : [];
    if (src.join !== "left") pool = pool.filter((t) => !c.used.includes(t));
    levels.push({ source: src, access: c.access, onTerms, terms: [] });
    placed.add(src);
  }
  // Place each remaining term at the first level where all it reads is available.
  const constTerms: Expr[] = [];
  const pos = new Map<Source, number>(levels.map((l, i) => [l.source, i]));
  for (const t of pool) {
    const deps = termInfo(scope, t).deps;
    if (deps === null) {
      if (levels.length) levels[levels.length - 1]!.terms.push(t);
      else constTerms.push(t);
      continue;
    }
    let at = -1;
    for (const d of deps) at = Math.max(at, pos.get(d) ?? -1);
    if (at < 0) constTerms.push(t);
    else levels[at]!.terms.push(t);
  }
  return { levels, constTerms };
}

function splitAnd(e: Expr | null): Expr[] {
  if (!e) return [];
  if (e.kind === "binary" && e.op === "AND") return [...splitAnd(e.left), ...splitAnd(e.right)];
  return [e];
}
