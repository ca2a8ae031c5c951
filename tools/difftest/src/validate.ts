/**
 * Determinism rules: a query whose answer depends on scan order cannot be compared between two
 * engines. The generator obeys them by construction; the minimizer checks every candidate, so
 * that shrinking never turns a real mismatch into a scan-order one.
 */
import type { Expr, Query, Select, SetupItem } from "./ast.js";
import type { CompareMode } from "./compare.js";
import { hasAggregate, type Check } from "./gen.js";

function isPos(e: Expr): boolean {
  return e.k === "lit" && /^[1-9][0-9]*$/.test(e.v);
}

export function outputCount(q: Query): number | null {
  const c = q.arms[0]!.cols;
  return c === "*" ? null : c.length;
}

/** ORDER BY covers every output column by position (and, with DISTINCT, nothing else). */
export function totalOrder(q: Query): boolean {
  const n = outputCount(q);
  if (n === null || !q.order.length) return false;
  if (q.arms.length === 1 && q.arms[0]!.distinct && q.order.some((o) => !isPos(o.e))) return false;
  const seen = new Set<number>();
  for (const o of q.order) if (isPos(o.e)) seen.add(Number((o.e as { v: string }).v));
  for (let i = 1; i <= n; i++) if (!seen.has(i)) return false;
  return true;
}

function isAggSelect(s: Select): boolean {
  if (s.group.length) return true;
  if (s.cols !== "*" && s.cols.some((c) => hasAggregate(c.e))) return true;
  return s.having !== null && hasAggregate(s.having);
}

/** Every column reference outside aggregates is a GROUP BY expression. */
function aggSafe(e: Expr, group: Expr[]): boolean {
  const key = JSON.stringify(e);
  if (group.some((g) => JSON.stringify(g) === key)) return true;
  // Without its parentheses a node may parse differently from the tree: be conservative.
  if ((e.k === "bin" || e.k === "un") && e.np) return false;
  switch (e.k) {
    case "col":
      return false;
    case "fn":
      return e.agg ? true : e.args.every((a) => aggSafe(a, group));
    case "lit":
    case "sub":
    case "exists":
      return true;
    case "insub":
      return aggSafe(e.e, group);
    case "un":
    case "isnull":
    case "is":
    case "cast":
    case "collate":
    case "paren":
      return aggSafe(e.e, group);
    case "bin":
      return aggSafe(e.l, group) && aggSafe(e.r, group);
    case "between":
      return aggSafe(e.e, group) && aggSafe(e.lo, group) && aggSafe(e.hi, group);
    case "in":
      return aggSafe(e.e, group) && e.list.every((x) => aggSafe(x, group));
    case "case":
      return (!e.base || aggSafe(e.base, group)) && e.whens.every((w) => aggSafe(w.w, group) && aggSafe(w.t, group)) && (!e.els || aggSafe(e.els, group));
    case "like":
      return aggSafe(e.e, group) && aggSafe(e.p, group) && (!e.esc || aggSafe(e.esc, group));
  }
}

type Place = "top" | "inner" | "exists" | "scalar";

class Validator {
  ok = true;

  query(q: Query, place: Place): void {
    if (!q.arms.length || q.ops.length !== q.arms.length - 1) this.ok = false;
    for (const s of q.arms) this.select(s, q.arms.length === 1 ? q : null);
    if (q.limit && place !== "top" && place !== "exists" && !totalOrder(q)) this.ok = false;
    if (place === "scalar") {
      const s = q.arms[0]!;
      const oneRow = q.arms.length === 1 && (s.from.length === 0 || (isAggSelect(s) && !s.group.length) || (q.limit?.k === "lit" && /^[01]$/.test(q.limit.v) && totalOrder(q)));
      if (!oneRow) this.ok = false;
    }
    for (const o of q.order) this.expr(o.e, null);
    if (q.limit) this.expr(q.limit, null);
    if (q.offset) this.expr(q.offset, null);
  }

  select(s: Select, q: Query | null): void {
    if (isAggSelect(s)) {
      const terms = [...(s.cols === "*" ? [] : s.cols.map((c) => c.e)), ...(s.having ? [s.having] : []), ...(q ? q.order.map((o) => o.e) : [])];
      if (s.cols === "*") this.ok = false;
      for (const t of terms) if (!isPos(t) && !aggSafe(t, s.group)) this.ok = false;
    }
    if (s.cols !== "*") for (const c of s.cols) this.expr(c.e, null);
    for (const f of s.from) {
      if (f.on) this.expr(f.on, null);
      if ("q" in f.src) this.query(f.src.q, "inner");
    }
    if (s.where) this.expr(s.where, null);
    for (const g of s.group) this.expr(g, null);
    if (s.having) this.expr(s.having, null);
  }

  expr(e: Expr, parent: Expr | null): void {
    if (e.k === "fn" && e.name === "group_concat" && !(parent?.k === "fn" && parent.name === "octet_length")) this.ok = false;
    const go = (x: Expr | null): void => {
      if (x) this.expr(x, e);
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
        this.query(e.q, "inner");
        break;
      case "exists":
        this.query(e.q, "exists");
        break;
      case "sub":
        this.query(e.q, "scalar");
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

  item(it: SetupItem): void {
    if (it.k === "view") this.query(it.q, "inner");
    else if (it.k === "dml") {
      const d = it.d;
      if (d.k === "update") {
        d.sets.forEach((s) => this.expr(s.e, null));
        if (d.where) this.expr(d.where, null);
      } else if (d.k === "delete") {
        if (d.where) this.expr(d.where, null);
      } else if (d.k === "insert") d.rows.forEach((r) => r.forEach((x) => this.expr(x, null)));
      else {
        this.query(d.q, "inner");
        if (!totalOrder(d.q)) this.ok = false;
      }
    } else if (it.k === "create") {
      for (const c of it.t.cols) if (c.check) this.expr(c.check, null);
    }
  }
}

export function validCheck(c: Check, history: SetupItem[]): boolean {
  const v = new Validator();
  for (const it of history) v.item(it);
  switch (c.k) {
    case "query":
      v.query(c.q, "top");
      break;
    case "stmt":
      v.item(c.item);
      break;
    case "tlp":
    case "tlpagg":
    case "norec":
      v.select({ distinct: false, cols: [{ e: c.p }], from: c.from, where: null, group: [], having: null }, null);
      if (c.k === "tlp" && c.cols !== "*") c.cols.forEach((x) => v.expr(x.e, null));
      if (c.k === "tlpagg" && c.arg) v.expr(c.arg, null);
      break;
  }
  return v.ok;
}

const AMBIGUOUS = /\b(DISTINCT|GROUP BY|UNION|INTERSECT|EXCEPT|LIMIT|min|max|v\d+)\b/i;

/** How to compare a top-level query's results. */
export function queryMode(q: Query, sql: string): CompareMode {
  const total = totalOrder(q);
  const limited = q.limit !== null;
  return {
    order: total ? "ordered" : limited ? "count" : "multiset",
    limited,
    reprAmbiguous: AMBIGUOUS.test(sql),
  };
}
