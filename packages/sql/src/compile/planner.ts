/**
 * Join order and access paths. Inner joins are ordered greedily so that each table after the
 * first is reached by a rowid or index seek driven by an equality with tables already placed;
 * LEFT JOINs keep their written order. Terms are evaluated at the first loop level where every
 * table they read is positioned.
 */
import type { Expr } from "../ast.js";
import type { Index } from "../schema.js";
import type { Scope, Source } from "./context.js";
import { comparisonP4, exprAffinity, resolveColumn, walkExpr } from "./expr.js";

export type Access =
  | { kind: "scan" }
  | { kind: "rowid"; key: Expr }
  | { kind: "index"; index: Index; keys: Expr[]; cursor: number };

export interface Level {
  source: Source;
  access: Access;
  /** ON terms of a LEFT JOIN, evaluated before the match flag is set. */
  onTerms: Expr[];
  /** WHERE (and inner ON) terms evaluated at this level. */
  terms: Expr[];
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

function equalities(scope: Scope, src: Source, terms: Expr[], avail: Set<Source>): EqTerm[] {
  const out: EqTerm[] = [];
  for (const term of terms) {
    if (term.kind !== "binary" || (term.op !== "=" && term.op !== "==")) continue;
    for (const [a, b] of [[term.left, term.right], [term.right, term.left]] as const) {
      if (a.kind !== "column") continue;
      let r;
      try {
        const saved = scope.correlated;
        r = resolveColumn(scope, a.table, a.name);
        scope.correlated = saved;
      } catch {
        continue;
      }
      if (r.scope !== scope || r.source !== src) continue;
      const deps = termDeps(scope, b);
      if (deps === null || [...deps].some((d) => !avail.has(d))) continue;
      out.push({ term, col: r.col, other: b });
      break;
    }
  }
  return out;
}

function chooseAccess(scope: Scope, src: Source, terms: Expr[], avail: Set<Source>, newCursor: () => number): { access: Access; used: Expr[]; score: number } {
  const t = src.table;
  if (!t) return { access: { kind: "scan" }, used: [], score: 0 };
  const eqs = equalities(scope, src, terms, avail);
  const rowidEq = eqs.find((e) => e.col === -1 || src.columns[e.col]?.index === t.rowidAlias);
  if (rowidEq) return { access: { kind: "rowid", key: rowidEq.other }, used: [rowidEq.term], score: 10 };
  let best: { access: Access; used: Expr[]; score: number } | null = null;
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
    if (keys.length === 0) continue;
    const score = (idx.unique && keys.length === idx.columns.length ? 8 : 4) + keys.length;
    if (!best || score > best.score) best = { access: { kind: "index", index: idx, keys, cursor: -1 }, used, score };
  }
  if (best && best.access.kind === "index") best.access.cursor = newCursor();
  return best ?? { access: { kind: "scan" }, used: [], score: 0 };
}

/** An index column can serve `col = other` only if the comparison does not convert the column's values. */
function usable(scope: Scope, src: Source, e: EqTerm, idx: Index, k: number): boolean {
  const col = src.columns[e.col]!;
  const otherAff = exprAffinity(scope, e.other);
  const numeric = (a: string | null) => a === "INTEGER" || a === "REAL" || a === "NUMERIC";
  if (!numeric(col.affinity) && numeric(otherAff)) return false;
  const p4 = comparisonP4(scope, e.term.kind === "binary" ? e.term.left : e.other, e.term.kind === "binary" ? e.term.right : e.other);
  const coll = p4?.collation ?? "BINARY";
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
    let choice = null as ReturnType<typeof chooseAccess> | null;
    const candidates = hasLeft ? [0] : remaining.map((_, i) => i);
    for (const i of candidates) {
      const src = remaining[i]!;
      const terms = src.join === "left" ? splitAnd(src.on) : pool;
      const c = chooseAccess(scope, src, terms, placed, () => -1);
      if (!choice || c.score > choice.score) {
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
    const deps = termDeps(scope, t);
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
