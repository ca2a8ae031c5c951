/**
 * Result-column aliases in WHERE, HAVING, GROUP BY and ORDER BY expressions, as SQLite's
 * lookupName resolves them (resolve.c, NC_UEList): an unqualified name that is no column of the
 * query's own FROM sources, but is the `AS` name of a result column, stands for that column's
 * expression (`SELECT a + b AS x FROM t WHERE x < 10`). The sources win over an alias, and an
 * alias wins over a column of an enclosing query. (An alias of an aggregate in WHERE then fails
 * as the aggregate itself would: "misuse of aggregate".) A bare alias as a whole GROUP BY / ORDER
 * BY term is a result column reference and is left to `resultRef`. Names inside subqueries are not
 * rewritten: a subquery cannot name an enclosing query's alias (SQLite allows it).
 */
import type { Expr, ResultColumn } from "../ast.js";
import type { Scope } from "./context.js";
import { ROWID_NAMES, resolveColumnQuiet } from "./expr.js";

export type Aliases = Map<string, Expr>;

/** The explicit `AS` names of `columns` (lowercase; the first of equal names wins). */
export function resultAliases(columns: ResultColumn[]): Aliases {
  const out: Aliases = new Map();
  for (const rc of columns) {
    if (rc.kind === "expr" && rc.alias !== undefined && !out.has(rc.alias.toLowerCase())) out.set(rc.alias.toLowerCase(), rc.expr);
  }
  return out;
}

/**
 * `e` with the names that mean result-column aliases replaced by the aliased expressions (the
 * result column's own node, so an aliased aggregate is the same accumulator). `e` itself when
 * nothing changes.
 */
export function withAliases(scope: Scope, e: Expr, aliases: Aliases): Expr {
  if (aliases.size === 0) return e;
  return rewrite(e, (name) => {
    const target = aliases.get(name.toLowerCase());
    if (target === undefined) return undefined;
    // Only a name no FROM source has (one two sources have is ambiguous, not an alias).
    const lower = name.toLowerCase();
    const inSources = scope.sources.some((s) => s.columns.some((c) => c.name.toLowerCase() === lower)) || ROWID_NAMES.has(lower);
    return inSources ? undefined : target;
  }) as Expr;
}

/**
 * `e` with unqualified USING columns of RIGHT/FULL joins replaced by what they read (from.ts
 * `usingCoalesce`), so that aggregation sees the columns inside (a group keeps both sides).
 */
export function withUsing(scope: Scope, e: Expr): Expr {
  if (!scope.sources.some((s) => s.usingCoalesce)) return e;
  return rewrite(e, (name) => {
    const r = resolveColumnQuiet(scope, undefined, name);
    return r?.scope === scope ? r.source.usingCoalesce?.get(name.toLowerCase()) : undefined;
  }) as Expr;
}

/** An ORDER BY / GROUP BY term: a bare name is left to `resultRef`, anything else is rewritten. */
export function termWithAliases(scope: Scope, e: Expr, aliases: Aliases): Expr {
  return e.kind === "column" && e.table === undefined ? e : withAliases(scope, e, aliases);
}

const SUBQUERY_FIELDS = new Set(["select"]);

/** Copy-on-write walk: unqualified column nodes for which `alias` has an answer are replaced. */
function rewrite(node: unknown, alias: (name: string) => Expr | undefined): unknown {
  if (Array.isArray(node)) {
    let out: unknown[] | null = null;
    node.forEach((x, i) => {
      const y = rewrite(x, alias);
      if (y !== x) (out ??= [...node])[i] = y;
    });
    return out ?? node;
  }
  if (node === null || typeof node !== "object" || node instanceof Uint8Array) return node;
  const o = node as Record<string, unknown>;
  if (o.kind === "column" && o.table === undefined) return alias(o.name as string) ?? node;
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(o)) {
    if (SUBQUERY_FIELDS.has(k) || v === null || typeof v !== "object") continue;
    const y = rewrite(v, alias);
    if (y !== v) (out ??= { ...o })[k] = y;
  }
  return out ?? node;
}
