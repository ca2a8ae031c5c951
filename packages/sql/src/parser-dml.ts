/**
 * INSERT / REPLACE, UPDATE and DELETE.
 */
import type { ConflictAction, Delete, Expr, IndexedColumn, Insert, SetClause, Update } from "./ast.js";
import { SelectParser, type WithClause } from "./parser-select.js";
import { TokenType } from "./tokenizer.js";

const CONFLICT_ACTIONS = new Set(["ROLLBACK", "ABORT", "FAIL", "IGNORE", "REPLACE"]);

export abstract class DmlParser extends SelectParser {
  /** After `OR` / `ON CONFLICT`: ROLLBACK | ABORT | FAIL | IGNORE | REPLACE. */
  protected parseConflictAction(): ConflictAction {
    const t = this.peek();
    if (t.type !== TokenType.Keyword || !CONFLICT_ACTIONS.has(t.value)) throw this.error(t);
    this.advance();
    return t.value as ConflictAction;
  }

  /** `INSERT [OR action] INTO` or `REPLACE INTO` ... */
  protected parseInsert(withClause?: WithClause): Insert {
    let orAction: ConflictAction | undefined;
    if (this.eatKw("REPLACE")) {
      orAction = "REPLACE";
    } else {
      this.expectKw("INSERT");
      if (this.eatKw("OR")) orAction = this.parseConflictAction();
    }
    this.expectKw("INTO");
    const { schema, name } = this.parseQualifiedName();
    const ins: Insert = { kind: "insert", table: name, source: { kind: "default" } };
    if (withClause !== undefined) ins.with = withClause;
    if (orAction !== undefined) ins.orAction = orAction;
    if (schema !== undefined) ins.schema = schema;
    if (this.eatKw("AS")) ins.alias = this.parseName();
    if (this.atOp("(")) ins.columns = this.parseNameList();
    if (this.eatKw("DEFAULT")) {
      this.expectKw("VALUES");
    } else {
      const select = this.parseSelect();
      if (
        select.with === undefined &&
        select.core.kind === "values" &&
        select.compound.length === 0 &&
        select.orderBy.length === 0 &&
        select.limit === undefined
      ) {
        ins.source = { kind: "values", rows: select.core.rows };
      } else {
        ins.source = { kind: "select", select };
      }
      while (this.atKw("ON")) (ins.upsert ??= []).push(this.parseUpsert());
    }
    const returning = this.parseReturning();
    if (returning !== undefined) ins.returning = returning;
    return ins;
  }

  /** `ON CONFLICT [(target) [WHERE e]] DO NOTHING | DO UPDATE SET ... [WHERE e]` */
  private parseUpsert(): NonNullable<Insert["upsert"]>[number] {
    this.expectKw("ON");
    this.expectKw("CONFLICT");
    const clause: NonNullable<Insert["upsert"]>[number] = { action: "NOTHING" };
    if (this.eatOp("(")) {
      const texts: string[] = [];
      const terms = this.parseIndexedColumns(texts);
      clause.target = terms.map((c, k) => c.name ?? texts[k]!);
      clause.targetExprs = terms.map((c) => c.expr);
      this.expectOp(")");
      if (this.eatKw("WHERE")) clause.targetWhere = this.parseExpr();
    }
    this.expectKw("DO");
    if (this.eatKw("NOTHING")) return clause;
    this.expectKw("UPDATE");
    this.expectKw("SET");
    const action: { set: SetClause[]; where?: Expr } = { set: this.parseSetClauses() };
    if (this.eatKw("WHERE")) action.where = this.parseExpr();
    clause.action = action;
    return clause;
  }

  /**
   * `expr [COLLATE c] [ASC|DESC]`, ... (index columns, PRIMARY KEY/UNIQUE lists, upsert targets).
   * A top-level COLLATE moves into `collation`. `texts` receives each expression's source text.
   */
  protected parseIndexedColumns(texts?: string[]): IndexedColumn[] {
    const cols: IndexedColumn[] = [];
    do {
      const start = this.peek().offset;
      let expr = this.parseExpr();
      const col: IndexedColumn = { expr, desc: false };
      if (expr.kind === "collate") {
        col.collation = expr.collation;
        col.expr = expr = expr.expr;
      }
      if (expr.kind === "column" && expr.table === undefined) col.name = expr.name;
      texts?.push(this.sql.slice(start, this.prevEnd));
      if (this.eatKw("DESC")) col.desc = true;
      else this.eatKw("ASC");
      cols.push(col);
    } while (this.eatOp(","));
    return cols;
  }

  /** `a = e, (b, c) = (e1, e2), (d, e) = (SELECT ...)`; a row value is split into one clause per column. */
  protected parseSetClauses(): SetClause[] {
    const out: SetClause[] = [];
    do {
      if (this.atOp("(")) {
        const open = this.peek();
        const columns = this.parseNameList();
        this.expectOp("=");
        if (columns.length === 1 || (this.atOp("(") && this.startsSelect(1))) {
          out.push({ columns, value: this.parseExpr() });
          continue;
        }
        this.expectOp("(");
        const values = this.parseExprList();
        this.expectOp(")");
        if (values.length !== columns.length) {
          throw this.errorAt(`${columns.length} columns assigned ${values.length} values`, open);
        }
        for (let k = 0; k < columns.length; k++) out.push({ columns: [columns[k]], value: values[k] });
      } else {
        const column = this.parseName();
        this.expectOp("=");
        out.push({ columns: [column], value: this.parseExpr() });
      }
    } while (this.eatOp(","));
    return out;
  }

  protected parseReturning(): Insert["returning"] {
    if (!this.eatKw("RETURNING")) return undefined;
    return this.parseResultColumns();
  }

  /** `UPDATE [OR action] [schema.]t [AS alias] [INDEXED BY i | NOT INDEXED] SET ... [FROM ...] [WHERE e] [RETURNING ...]` */
  protected parseUpdate(withClause?: WithClause): Update {
    this.expectKw("UPDATE");
    let orAction: ConflictAction | undefined;
    if (this.eatKw("OR")) orAction = this.parseConflictAction();
    const { schema, name } = this.parseQualifiedName();
    const alias = this.eatKw("AS") ? this.parseName() : undefined;
    this.skipIndexedBy();
    this.expectKw("SET");
    const upd: Update = { kind: "update", table: name, set: this.parseSetClauses() };
    if (withClause !== undefined) upd.with = withClause;
    if (orAction !== undefined) upd.orAction = orAction;
    if (schema !== undefined) upd.schema = schema;
    if (alias !== undefined) upd.alias = alias;
    if (this.eatKw("FROM")) upd.from = this.parseFrom();
    if (this.eatKw("WHERE")) upd.where = this.parseExpr();
    const returning = this.parseReturning();
    if (returning !== undefined) upd.returning = returning;
    return upd;
  }

  /** `DELETE FROM [schema.]t [AS alias] [INDEXED BY i | NOT INDEXED] [WHERE e] [RETURNING ...]` */
  protected parseDelete(withClause?: WithClause): Delete {
    this.expectKw("DELETE");
    this.expectKw("FROM");
    const { schema, name } = this.parseQualifiedName();
    const del: Delete = { kind: "delete", table: name };
    if (withClause !== undefined) del.with = withClause;
    if (schema !== undefined) del.schema = schema;
    if (this.eatKw("AS")) del.alias = this.parseName();
    this.skipIndexedBy();
    if (this.eatKw("WHERE")) del.where = this.parseExpr();
    const returning = this.parseReturning();
    if (returning !== undefined) del.returning = returning;
    return del;
  }

  /** INDEXED BY / NOT INDEXED on UPDATE and DELETE are accepted and ignored (planner hints only). */
  private skipIndexedBy(): void {
    if (this.atKw("INDEXED")) {
      this.advance();
      this.expectKw("BY");
      this.parseName();
    } else if (this.eatKw("NOT")) {
      this.expectKw("INDEXED");
    }
  }
}
