/**
 * ORDER BY without a sort: when the outermost loop already visits rows in the requested order
 * (rowid order, or an index's order after its equality-bound columns), the sorter is skipped and
 * LIMIT stops the scan early. Mutates the plan's first level (direction, or scan → index scan).
 */
import type { Expr, OrderingTerm } from "../ast.js";
import type { Scope } from "./context.js";
import { resolveColumn } from "./expr.js";
import type { Plan } from "./planner.js";
import { plannerColumns } from "./row-match.js";

interface Want {
  /** Table column index; -1 is the rowid. */
  col: number;
  desc: boolean;
  collation: string;
}

export function satisfyOrder(scope: Scope, p: Plan, orderBy: OrderingTerm[], resolveTerm: (o: OrderingTerm) => Expr, newCursor: () => number): boolean {
  const lv = p.levels[0];
  if (!lv || !lv.source.table || orderBy.length === 0) return false;
  const src = lv.source;
  const t = src.table!;
  const wants: Want[] = [];
  for (const o of orderBy) {
    // An index holds NULLs first ascending (last when read backwards); other placements need a sort.
    if (o.nulls !== undefined && (o.nulls === "FIRST") === o.desc) return false;
    const e = resolveTerm(o);
    if (e.kind !== "column") return false;
    let r;
    try {
      const saved = scope.correlated;
      r = resolveColumn(scope, e.table, e.name);
      scope.correlated = saved;
    } catch {
      return false;
    }
    if (r.scope !== scope || r.source !== src) return false;
    const col = r.col < 0 ? -1 : src.columns[r.col]!.index;
    const tcol = col === t.rowidAlias ? -1 : col;
    const collation = (o.collation ?? (tcol >= 0 ? t.columns[tcol]!.collation : "BINARY")).toUpperCase();
    wants.push({ col: tcol, desc: o.desc, collation });
  }
  const acc = lv.access;
  // Rowid order: the table itself, scanned or ranged, forwards or backwards.
  if ((acc.kind === "rowid" || acc.kind === "index") && acc.inList) return false;
  if (wants[0]!.col === -1) {
    if (acc.kind === "rowid") return true;
    if (acc.kind === "scan") lv.access = { kind: "rowid-range", lower: null, upper: null };
    if (lv.access.kind !== "rowid-range") return false;
    lv.reverse = wants[0]!.desc;
    return true; // rowids are unique: later terms cannot reorder
  }
  const fits = (idx: NonNullable<Extract<typeof acc, { kind: "index" }>["index"]>, nEq: number): boolean | null => {
    let reverse: boolean | null = null;
    let k = nEq;
    for (const w of wants) {
      if (w.col >= 0 && idx.columns.slice(0, nEq).includes(w.col)) continue; // bound by equality: constant
      if (w.col === -1 && k === idx.columns.length) {
        // The rowid ties the remaining entries, ascending in the index: it must run the same way.
        if (reverse !== null && reverse !== w.desc) return null;
        reverse = w.desc;
        break;
      }
      if (k >= idx.columns.length || idx.columns[k] !== w.col || (idx.collations[k] ?? "BINARY") !== w.collation) return null;
      const rev = w.desc !== (idx.desc[k] ?? false);
      if (reverse === null) reverse = rev;
      else if (reverse !== rev) return null;
      k++;
    }
    return reverse ?? false;
  };
  if (acc.kind === "index") {
    const k = acc.keys.length;
    // The chosen index, or another with the same equality columns, may already be in order.
    // (A partial index is usable only where the planner proved it; it took acc.index if so.)
    // Columns compared as the planner names them: two different expressions are different columns.
    const chosen = plannerColumns(t, acc.index);
    const same = t.indexes.filter((i) => i === acc.index || (!i.where && !acc.lower && !acc.upper && i.columns.length >= k && plannerColumns(t, i).slice(0, k).every((c, j) => c === chosen[j] && i.collations[j] === acc.index.collations[j])));
    for (const idx of same) {
      const rev = fits(idx, k);
      if (rev === null) continue;
      if (idx !== acc.index) lv.access = { ...acc, index: idx };
      lv.reverse = rev;
      return true;
    }
    return false;
  }
  if (acc.kind === "scan") {
    for (const idx of lv.source.notIndexed ? [] : t.indexes) {
      if (idx.where) continue;
      const rev = fits(idx, 0);
      if (rev === null) continue;
      lv.access = { kind: "index", index: idx, keys: [], cursor: newCursor(), lower: null, upper: null };
      lv.reverse = rev;
      return true;
    }
  }
  return false;
}
