/**
 * The generator's own small SQL AST (plain JSON objects, so the minimizer can clone and rewrite
 * them), and its rendering to SQL text. Every node renders the same text for both engines.
 */

export type Expr =
  | { k: "lit"; v: string }
  | { k: "col"; t: string; c: string }
  | { k: "un"; op: "-" | "+" | "NOT" | "~"; e: Expr; np?: boolean }
  | { k: "bin"; op: string; l: Expr; r: Expr; np?: boolean }
  | { k: "isnull"; e: Expr; not: boolean; postfix?: boolean }
  | { k: "is"; e: Expr; not: boolean; v: "TRUE" | "FALSE" }
  | { k: "between"; e: Expr; lo: Expr; hi: Expr; not: boolean }
  | { k: "in"; e: Expr; list: Expr[]; not: boolean }
  | { k: "insub"; e: Expr; q: Query; not: boolean }
  | { k: "exists"; q: Query; not: boolean }
  | { k: "sub"; q: Query }
  | { k: "case"; base: Expr | null; whens: Array<{ w: Expr; t: Expr }>; els: Expr | null }
  | { k: "cast"; e: Expr; ty: string }
  | { k: "like"; op: "LIKE" | "GLOB"; e: Expr; p: Expr; not: boolean; esc: Expr | null }
  | { k: "fn"; name: string; args: Expr[]; distinct?: boolean; star?: boolean; agg?: boolean }
  | { k: "collate"; e: Expr; coll: string }
  | { k: "paren"; e: Expr };

export interface ResultCol {
  e: Expr;
  as?: string;
}

export type JoinOp = "," | "JOIN" | "LEFT JOIN" | "RIGHT JOIN" | "FULL JOIN" | "CROSS JOIN" | "NATURAL JOIN" | "NATURAL LEFT JOIN";

export interface FromItem {
  join: JoinOp;
  /** A table or view name, or a derived table. */
  src: { table: string } | { q: Query; names: string[] };
  alias: string;
  on: Expr | null;
  using: string[] | null;
}

export interface Select {
  distinct: boolean;
  /** "*" selects every column. */
  cols: ResultCol[] | "*";
  from: FromItem[];
  where: Expr | null;
  group: Expr[];
  having: Expr | null;
}

export interface OrderTerm {
  e: Expr;
  desc: boolean;
  nulls?: "FIRST" | "LAST";
}

export type CompoundOp = "UNION" | "UNION ALL" | "INTERSECT" | "EXCEPT";

/** A SELECT or a compound SELECT, with its ORDER BY and LIMIT. */
export interface Query {
  arms: Select[];
  /** ops[i] joins arms[i] and arms[i + 1]. */
  ops: CompoundOp[];
  order: OrderTerm[];
  limit: Expr | null;
  offset: Expr | null;
}

export type Dml =
  | { k: "update"; table: string; sets: Array<{ c: string; e: Expr }>; where: Expr | null }
  | { k: "delete"; table: string; where: Expr | null }
  | { k: "insert"; or: "" | "OR REPLACE" | "OR IGNORE"; table: string; cols: string[]; rows: Expr[][] }
  | { k: "insertsel"; table: string; cols: string[]; q: Query };

export interface ColDef {
  name: string;
  /** The declared type ("" for none). */
  type: string;
  /** Column-level PRIMARY KEY (INTEGER PRIMARY KEY when the type is INTEGER). */
  pk: boolean;
  notNull: boolean;
  unique: boolean;
  dflt: string | null;
  check: Expr | null;
}

export interface TableDef {
  name: string;
  cols: ColDef[];
  /** Table-level PRIMARY KEY (...), if any. */
  pk: string[] | null;
  /** Table-level UNIQUE (...) constraints. */
  uniques: string[][];
}

export interface IndexDef {
  name: string;
  table: string;
  unique: boolean;
  cols: Array<{ c: string; desc: boolean }>;
}

export type SetupItem =
  | { k: "create"; t: TableDef }
  | { k: "index"; ix: IndexDef }
  | { k: "view"; name: string; names: string[]; q: Query }
  | { k: "dml"; d: Dml };

// ---------------------------------------------------------------------------------------------
// Rendering

const PAREN_FREE = new Set(["lit", "col", "fn", "sub", "exists", "case", "cast"]);

function wrap(s: string, np: boolean | undefined): string {
  return np ? s : `(${s})`;
}

export function renderExpr(e: Expr): string {
  switch (e.k) {
    case "lit":
      return e.v;
    case "col":
      return e.t ? `${e.t}.${e.c}` : e.c;
    case "un":
      return wrap(e.op === "NOT" ? `NOT ${operand(e.e)}` : `${e.op}${operand(e.e)}`, e.np);
    case "bin":
      return wrap(`${operand(e.l)} ${e.op} ${operand(e.r)}`, e.np);
    case "isnull":
      if (e.postfix) return `(${operand(e.e)} ${e.not ? "NOTNULL" : "ISNULL"})`;
      return `(${operand(e.e)} IS ${e.not ? "NOT " : ""}NULL)`;
    case "is":
      return `(${operand(e.e)} IS ${e.not ? "NOT " : ""}${e.v})`;
    case "between":
      return `(${operand(e.e)} ${e.not ? "NOT " : ""}BETWEEN ${operand(e.lo)} AND ${operand(e.hi)})`;
    case "in":
      return `(${operand(e.e)} ${e.not ? "NOT " : ""}IN (${e.list.map(renderExpr).join(", ")}))`;
    case "insub":
      return `(${operand(e.e)} ${e.not ? "NOT " : ""}IN (${renderQuery(e.q)}))`;
    case "exists":
      return `(${e.not ? "NOT " : ""}EXISTS (${renderQuery(e.q)}))`;
    case "sub":
      return `(${renderQuery(e.q)})`;
    case "case": {
      let s = "CASE";
      if (e.base) s += ` ${renderExpr(e.base)}`;
      for (const w of e.whens) s += ` WHEN ${renderExpr(w.w)} THEN ${renderExpr(w.t)}`;
      if (e.els) s += ` ELSE ${renderExpr(e.els)}`;
      return s + " END";
    }
    case "cast":
      return `CAST(${renderExpr(e.e)} AS ${e.ty})`;
    case "like":
      return `(${operand(e.e)} ${e.not ? "NOT " : ""}${e.op} ${operand(e.p)}${e.esc ? ` ESCAPE ${operand(e.esc)}` : ""})`;
    case "fn":
      if (e.star) return `${e.name}(*)`;
      return `${e.name}(${e.distinct ? "DISTINCT " : ""}${e.args.map(renderExpr).join(", ")})`;
    case "collate":
      return `(${operand(e.e)} COLLATE ${e.coll})`;
    case "paren":
      return `(${renderExpr(e.e)})`;
  }
}

/** An operand: parenthesized unless it is atomic or already renders its own parentheses. */
function operand(e: Expr): string {
  const s = renderExpr(e);
  if (PAREN_FREE.has(e.k) || s.startsWith("(")) return s;
  // Negative literals next to an operator are fine; anything else unparenthesized (np) stays so.
  return s;
}

function renderFrom(from: FromItem[]): string {
  let s = "";
  from.forEach((f, i) => {
    const src = "table" in f.src ? f.src.table : `(${renderQuery(f.src.q)})`;
    const item = `${src} AS ${f.alias}`;
    if (i === 0) s += item;
    else if (f.join === ",") s += `, ${item}`;
    else s += ` ${f.join} ${item}`;
    if (i > 0 && f.on) s += ` ON ${renderExpr(f.on)}`;
    else if (i > 0 && f.using) s += ` USING (${f.using.join(", ")})`;
  });
  return s;
}

export function renderSelect(s: Select): string {
  let out = "SELECT ";
  if (s.distinct) out += "DISTINCT ";
  out += s.cols === "*" ? "*" : s.cols.map((c) => renderExpr(c.e) + (c.as ? ` AS ${c.as}` : "")).join(", ");
  if (s.from.length) out += ` FROM ${renderFrom(s.from)}`;
  if (s.where) out += ` WHERE ${renderExpr(s.where)}`;
  if (s.group.length) out += ` GROUP BY ${s.group.map(renderExpr).join(", ")}`;
  if (s.having) out += ` HAVING ${renderExpr(s.having)}`;
  return out;
}

export function renderQuery(q: Query): string {
  let out = renderSelect(q.arms[0]!);
  for (let i = 1; i < q.arms.length; i++) out += ` ${q.ops[i - 1]} ${renderSelect(q.arms[i]!)}`;
  if (q.order.length)
    out += ` ORDER BY ${q.order.map((o) => renderExpr(o.e) + (o.desc ? " DESC" : "") + (o.nulls ? ` NULLS ${o.nulls}` : "")).join(", ")}`;
  if (q.limit) out += ` LIMIT ${renderExpr(q.limit)}`;
  if (q.limit && q.offset) out += ` OFFSET ${renderExpr(q.offset)}`;
  return out;
}

export function renderDml(d: Dml): string {
  switch (d.k) {
    case "update":
      return `UPDATE ${d.table} SET ${d.sets.map((s) => `${s.c} = ${renderExpr(s.e)}`).join(", ")}${d.where ? ` WHERE ${renderExpr(d.where)}` : ""}`;
    case "delete":
      return `DELETE FROM ${d.table}${d.where ? ` WHERE ${renderExpr(d.where)}` : ""}`;
    case "insert":
      return `INSERT ${d.or ? d.or + " " : ""}INTO ${d.table}(${d.cols.join(", ")}) VALUES ${d.rows.map((r) => `(${r.map(renderExpr).join(", ")})`).join(", ")}`;
    case "insertsel":
      return `INSERT INTO ${d.table}(${d.cols.join(", ")}) ${renderQuery(d.q)}`;
  }
}

export function renderCreate(t: TableDef): string {
  const parts = t.cols.map((c) => {
    let s = c.name;
    if (c.type) s += ` ${c.type}`;
    if (c.pk) s += " PRIMARY KEY";
    if (c.notNull) s += " NOT NULL";
    if (c.unique) s += " UNIQUE";
    if (c.dflt !== null) s += ` DEFAULT ${c.dflt}`;
    if (c.check) s += ` CHECK (${renderExpr(c.check)})`;
    return s;
  });
  if (t.pk) parts.push(`PRIMARY KEY (${t.pk.join(", ")})`);
  for (const u of t.uniques) parts.push(`UNIQUE (${u.join(", ")})`);
  return `CREATE TABLE ${t.name} (${parts.join(", ")})`;
}

export function renderSetup(it: SetupItem): string {
  switch (it.k) {
    case "create":
      return renderCreate(it.t);
    case "index":
      return `CREATE ${it.ix.unique ? "UNIQUE " : ""}INDEX ${it.ix.name} ON ${it.ix.table}(${it.ix.cols.map((c) => c.c + (c.desc ? " DESC" : "")).join(", ")})`;
    case "view":
      return `CREATE VIEW ${it.name}(${it.names.join(", ")}) AS ${renderQuery(it.q)}`;
    case "dml":
      return renderDml(it.d);
  }
}

export function clone<T>(x: T): T {
  return structuredClone(x);
}

/** A query made of one SELECT. */
export function single(s: Select, order: OrderTerm[] = [], limit: Expr | null = null, offset: Expr | null = null): Query {
  return { arms: [s], ops: [], order, limit, offset };
}

export const lit = (v: string): Expr => ({ k: "lit", v });
