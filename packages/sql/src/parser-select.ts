/**
 * SELECT parsing: WITH, cores, compounds, FROM/joins, ORDER BY, LIMIT.
 */
import type {
  CommonTableExpr,
  Expr,
  FrameBound,
  FromItem,
  JoinItem,
  OrderingTerm,
  ResultColumn,
  Select,
  SelectCore,
  SubqueryRef,
  TableFunctionRef,
  TableRef,
  WindowDef,
  WindowFrame,
} from "./ast.js";
import { DbError } from "@db/vm";
import { MAX_DEPTH } from "./parser-base.js";
import { ExprParser } from "./parser-expr.js";
import { TokenType } from "./tokenizer.js";

export type WithClause = NonNullable<Select["with"]>;

export abstract class SelectParser extends ExprParser {
  parseSelect(withClause?: WithClause): Select {
    this.enter();
    const outerH = this.selH;
    this.selH = 0;
    if (withClause === undefined && this.atKw("WITH")) withClause = this.parseWith();
    const sel: Select = { kind: "select", core: this.parseSelectCore(), compound: [], orderBy: [] };
    if (withClause !== undefined) sel.with = withClause;
    for (;;) {
      let op: Select["compound"][number]["op"];
      if (this.eatKw("UNION")) op = this.eatKw("ALL") ? "UNION ALL" : "UNION";
      else if (this.eatKw("INTERSECT")) op = "INTERSECT";
      else if (this.eatKw("EXCEPT")) op = "EXCEPT";
      else break;
      sel.compound.push({ op, core: this.parseSelectCore() });
    }
    if (this.atKw("ORDER")) sel.orderBy = this.parseOrderBy();
    if (this.eatKw("LIMIT")) {
      const first = this.parseExpr();
      if (this.eatKw("OFFSET")) {
        sel.limit = first;
        sel.offset = this.parseExpr();
      } else if (this.eatOp(",")) {
        // LIMIT <offset>, <limit>
        sel.offset = first;
        sel.limit = this.parseExpr();
      } else {
        sel.limit = first;
      }
    }
    const t = this.peek();
    if (t.type === TokenType.Keyword && (t.value === "UNION" || t.value === "INTERSECT" || t.value === "EXCEPT")) {
      const clause = sel.limit !== undefined && sel.orderBy.length === 0 ? "LIMIT" : "ORDER BY";
      const op = t.value === "UNION" && this.atKw("ALL", 1) ? "UNION ALL" : t.value;
      throw this.errorAt(`${clause} clause should come after ${op} not before`, t);
    }
    const h = this.selH + 1;
    this.selH = outerH;
    this.setH(h);
    this.leave();
    return sel;
  }

  /** `WITH [RECURSIVE] name[(cols)] AS [[NOT] MATERIALIZED] (select), ...` */
  protected parseWith(): WithClause {
    this.expectKw("WITH");
    const recursive = this.eatKw("RECURSIVE");
    const ctes: CommonTableExpr[] = [];
    do {
      const name = this.parseName();
      const columns = this.atOp("(") ? this.parseNameList() : undefined;
      this.expectKw("AS");
      let materialized = false;
      if (this.eatKw("NOT")) this.expectKw("MATERIALIZED");
      else materialized = this.eatKw("MATERIALIZED");
      this.expectOp("(");
      const cte: CommonTableExpr = columns === undefined ? { name, select: this.parseSelect() } : { name, columns, select: this.parseSelect() };
      if (materialized) cte.materialized = true;
      this.expectOp(")");
      ctes.push(cte);
    } while (this.eatOp(","));
    return { recursive, ctes };
  }

  private parseSelectCore(): SelectCore {
    if (this.atKw("VALUES")) return { kind: "values", rows: this.parseValuesRows() };
    this.expectKw("SELECT");
    const distinct = this.eatKw("DISTINCT");
    if (!distinct) this.eatKw("ALL");
    const core: SelectCore = { kind: "core", distinct, columns: this.parseResultColumns(), groupBy: [] };
    if (this.eatKw("FROM")) core.from = this.parseFrom();
    if (this.eatKw("WHERE")) core.where = this.parseExpr();
    if (this.atKw("GROUP")) {
      this.advance();
      this.expectKw("BY");
      core.groupBy = this.parseExprList();
    }
    if (this.eatKw("HAVING")) core.having = this.parseExpr();
    if (this.eatKw("WINDOW")) {
      const windows: { name: string; def: WindowDef }[] = [];
      do {
        const name = this.parseName();
        this.expectKw("AS");
        this.expectOp("(");
        windows.push({ name, def: this.parseWindowBody() });
        this.expectOp(")");
      } while (this.eatOp(","));
      core.windows = windows;
    }
    return core;
  }

  /** `VALUES (a, b), (c, d)`; all rows must have the same length. */
  protected parseValuesRows(): Expr[][] {
    this.expectKw("VALUES");
    const rows: Expr[][] = [];
    do {
      const open = this.expectOp("(");
      const row = this.parseExprList();
      this.expectOp(")");
      if (rows.length > 0 && row.length !== rows[0].length) {
        throw this.errorAt("all VALUES must have the same number of terms", open);
      }
      rows.push(row);
    } while (this.eatOp(","));
    return rows;
  }

  /** Result columns of SELECT or RETURNING. */
  protected parseResultColumns(): ResultColumn[] {
    const cols: ResultColumn[] = [];
    do {
      if (this.eatOp("*")) {
        cols.push({ kind: "star" });
        continue;
      }
      const t = this.peek();
      if (this.isName(t) && this.atOp(".", 1) && this.atOp("*", 2)) {
        this.advance();
        this.advance();
        this.advance();
        cols.push({ kind: "table-star", table: this.nameOf(t) });
        continue;
      }
      const expr = this.parseExpr();
      const text = this.sql.slice(t.offset, this.prevEnd);
      const alias = this.parseAlias();
      cols.push(alias === undefined ? { kind: "expr", expr, text } : { kind: "expr", expr, alias, text });
    } while (this.eatOp(","));
    return cols;
  }

  /** `[base] [PARTITION BY ...] [ORDER BY ...] [frame]` (SQLite's window production in parse.y). */
  protected parseWindowBody(): WindowDef {
    const def: WindowDef = { partitionBy: [], orderBy: [] };
    const t = this.peek();
    if (this.isName(t) && !["PARTITION", "ORDER", "ROWS", "RANGE", "GROUPS"].some((k) => this.isKw(t, k))) def.base = this.parseName();
    if (this.eatKw("PARTITION")) {
      this.expectKw("BY");
      def.partitionBy = this.parseExprList();
    }
    if (this.atKw("ORDER")) def.orderBy = this.parseOrderBy();
    const unit = this.peek();
    if (this.isKw(unit, "ROWS") || this.isKw(unit, "RANGE") || this.isKw(unit, "GROUPS")) {
      this.advance();
      let start: FrameBound;
      let end: FrameBound = { kind: "CURRENT ROW" };
      if (this.eatKw("BETWEEN")) {
        start = this.parseFrameBound(true);
        this.expectKw("AND");
        end = this.parseFrameBound(false);
      } else {
        start = this.parseFrameBound(true);
      }
      let exclude: WindowFrame["exclude"] = "NO OTHERS";
      if (this.eatKw("EXCLUDE")) {
        if (this.eatKw("NO")) {
          this.expectKw("OTHERS");
        } else if (this.eatKw("CURRENT")) {
          this.expectKw("ROW");
          exclude = "CURRENT ROW";
        } else if (this.eatKw("GROUP")) {
          exclude = "GROUP";
        } else {
          this.expectKw("TIES");
          exclude = "TIES";
        }
      }
      // sqlite3WindowAlloc: a frame that would end before it starts is refused.
      if ((start.kind === "CURRENT ROW" && end.kind === "PRECEDING") || (start.kind === "FOLLOWING" && (end.kind === "PRECEDING" || end.kind === "CURRENT ROW"))) {
        throw new DbError("DB_ERROR", "unsupported frame specification");
      }
      def.frame = { unit: unit.value.toUpperCase() as WindowFrame["unit"], start, end, exclude };
    }
    return def;
  }

  /** A frame bound; `UNBOUNDED FOLLOWING` cannot start a frame, `UNBOUNDED PRECEDING` cannot end one. */
  private parseFrameBound(isStart: boolean): FrameBound {
    if (this.atKw("UNBOUNDED")) {
      this.advance();
      const t = this.peek();
      if (this.isKw(t, isStart ? "PRECEDING" : "FOLLOWING")) {
        this.advance();
        return { kind: isStart ? "UNBOUNDED PRECEDING" : "UNBOUNDED FOLLOWING" };
      }
      throw this.error(t);
    }
    if (this.atKw("CURRENT")) {
      this.advance();
      this.expectKw("ROW");
      return { kind: "CURRENT ROW" };
    }
    const offset = this.parseExpr();
    if (this.eatKw("PRECEDING")) return { kind: "PRECEDING", offset };
    this.expectKw("FOLLOWING");
    return { kind: "FOLLOWING", offset };
  }

  protected parseOrderBy(): OrderingTerm[] {
    this.expectKw("ORDER");
    this.expectKw("BY");
    const terms: OrderingTerm[] = [];
    do {
      let expr = this.parseExpr();
      const term: OrderingTerm = { expr, desc: false };
      if (expr.kind === "collate") {
        term.collation = expr.collation;
        term.expr = expr = expr.expr;
      }
      if (this.eatKw("DESC")) term.desc = true;
      else this.eatKw("ASC");
      if (this.eatKw("NULLS")) {
        if (this.eatKw("FIRST")) term.nulls = "FIRST";
        else if (this.eatKw("LAST")) term.nulls = "LAST";
        else throw this.error();
      }
      terms.push(term);
    } while (this.eatOp(","));
    return terms;
  }

  // ---------- FROM ----------

  /** A FROM clause as a left-deep join tree. */
  protected parseFrom(): FromItem {
    let left: FromItem = this.parseTableOrSubquery(true);
    for (let joins = 1; ; joins++) {
      // the join tree is left-deep: bound its depth like any other nesting
      if (joins > MAX_DEPTH) throw this.tooDeep();
      let op: JoinItem["op"];
      let natural = false;
      if (this.eatOp(",")) {
        op = ",";
      } else {
        const kws: string[] = [];
        while (this.peek().type === TokenType.Keyword && isJoinKeyword(this.peek().value)) {
          kws.push(this.advance().value);
        }
        if (kws.length === 0 && !this.atKw("JOIN")) break;
        const at = this.peek();
        this.expectKw("JOIN");
        ({ op, natural } = joinType(kws, () => this.errorAt(`unknown join type: ${kws.join(" ")}`, at)));
      }
      const right = this.parseTableOrSubquery(false) as TableRef | SubqueryRef;
      const join: JoinItem = { kind: "join", op, natural, left, right };
      if (this.eatKw("ON")) join.on = this.parseExpr();
      else if (this.eatKw("USING")) join.using = this.parseNameList();
      left = join;
    }
    return left;
  }

  /**
   * `[schema.]table [[AS] alias] [INDEXED BY i | NOT INDEXED]`, `(select) [[AS] alias]` or
   * `(join) [[AS] alias]`. A parenthesized join that is not the first item (or has an alias) is
   * wrapped as `(SELECT * FROM join)`.
   */
  private parseTableOrSubquery(first: boolean): FromItem {
    if (this.eatOp("(")) {
      if (this.startsSelect()) {
        const select = this.parseSelect();
        this.expectOp(")");
        const ref: SubqueryRef = { kind: "subquery", select };
        const alias = this.parseAlias();
        if (alias !== undefined) ref.alias = alias;
        return ref;
      }
      this.enter();
      const inner = this.parseFrom();
      this.leave();
      this.expectOp(")");
      const alias = this.parseAlias();
      if (inner.kind !== "join") {
        if (alias !== undefined) inner.alias = alias;
        return inner;
      }
      if (first && alias === undefined) return inner;
      const select: Select = {
        kind: "select",
        core: { kind: "core", distinct: false, columns: [{ kind: "star" }], from: inner, groupBy: [] },
        compound: [],
        orderBy: [],
      };
      const ref: SubqueryRef = { kind: "subquery", select };
      if (alias !== undefined) ref.alias = alias;
      else ref.nestedJoin = true;
      return ref;
    }
    const { schema, name } = this.parseQualifiedName();
    if (this.eatOp("(")) {
      const args: Expr[] = [];
      if (!this.atOp(")")) {
        do args.push(this.parseExpr());
        while (this.eatOp(","));
      }
      this.expectOp(")");
      const fn: TableFunctionRef = { kind: "function", name, args };
      const alias = this.parseAlias();
      if (alias !== undefined) fn.alias = alias;
      return fn;
    }
    const ref: TableRef = { kind: "table", name };
    if (schema !== undefined) ref.schema = schema;
    const alias = this.parseAlias();
    if (alias !== undefined) ref.alias = alias;
    if (this.atKw("INDEXED")) {
      this.advance();
      this.expectKw("BY");
      ref.indexedBy = this.parseName();
    } else if (this.eatKw("NOT")) {
      this.expectKw("INDEXED");
      ref.notIndexed = true;
    }
    return ref;
  }
}

function isJoinKeyword(kw: string): boolean {
  return (
    kw === "NATURAL" || kw === "LEFT" || kw === "RIGHT" || kw === "FULL" || kw === "OUTER" || kw === "INNER" || kw === "CROSS"
  );
}

/** Interprets up to three join keywords as SQLite's sqlite3JoinType does. */
function joinType(kws: string[], fail: () => Error): { op: JoinItem["op"]; natural: boolean } {
  if (kws.length > 3) throw fail();
  let inner = false;
  let cross = false;
  let natural = false;
  let left = false;
  let right = false;
  let outer = false;
  for (const kw of kws) {
    if (kw === "INNER") inner = true;
    else if (kw === "CROSS") inner = cross = true;
    else if (kw === "NATURAL") natural = true;
    else if (kw === "OUTER") outer = true;
    else {
      outer = true;
      if (kw === "LEFT" || kw === "FULL") left = true;
      if (kw === "RIGHT" || kw === "FULL") right = true;
    }
  }
  if ((inner && outer) || (outer && !left && !right)) throw fail();
  const op: JoinItem["op"] = left && right ? "FULL" : left ? "LEFT" : right ? "RIGHT" : cross ? "CROSS" : "INNER";
  return { op, natural };
}
