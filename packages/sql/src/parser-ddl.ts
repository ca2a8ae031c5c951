/**
 * CREATE TABLE / INDEX / VIEW / TRIGGER, DROP and ALTER TABLE.
 */
import type {
  AlterTable,
  ColumnConstraint,
  ColumnDef,
  ConflictAction,
  CreateIndex,
  CreateTable,
  CreateTrigger,
  CreateView,
  Drop,
  Expr,
  ForeignKeyClause,
  Statement,
  TableConstraint,
} from "./ast.js";
import { DmlParser } from "./parser-dml.js";
import { Prec } from "./parser-expr.js";
import { TokenType, type Token } from "./tokenizer.js";

export abstract class DdlParser extends DmlParser {
  /** After CREATE. */
  protected parseCreate(): Statement {
    this.expectKw("CREATE");
    let temporary = false;
    if (this.atKw("TEMP") || this.atKw("TEMPORARY")) {
      this.advance();
      temporary = true;
    }
    const t = this.peek();
    if (this.isKw(t, "TABLE")) return this.parseCreateTable(temporary);
    if (this.isKw(t, "VIEW")) return this.parseCreateView(temporary);
    if (this.isKw(t, "TRIGGER")) return this.parseCreateTrigger(temporary);
    if (!temporary && (this.isKw(t, "INDEX") || this.isKw(t, "UNIQUE"))) return this.parseCreateIndex();
    if (!temporary && this.isKw(t, "VIRTUAL")) {
      this.advance();
      if (this.atKw("TABLE")) throw this.errorAt('near "VIRTUAL": virtual tables are not supported', t);
      throw this.error();
    }
    throw this.error(t);
  }

  private parseIfNotExists(): boolean {
    if (!this.atKw("IF")) return false;
    this.advance();
    this.expectKw("NOT");
    this.expectKw("EXISTS");
    return true;
  }

  private parseCreateTable(temporary: boolean): CreateTable {
    this.expectKw("TABLE");
    const ifNotExists = this.parseIfNotExists();
    const { schema, name } = this.parseQualifiedName();
    const ct: CreateTable = {
      kind: "create-table",
      temporary,
      ifNotExists,
      name,
      columns: [],
      constraints: [],
      withoutRowid: false,
      strict: false,
    };
    if (schema !== undefined) ct.schema = schema;
    if (this.eatKw("AS")) {
      ct.asSelect = this.parseSelect();
      return ct;
    }
    this.expectOp("(");
    let inConstraints = false;
    for (;;) {
      if (!inConstraints && this.startsTableConstraint()) inConstraints = true;
      if (inConstraints) ct.constraints.push(this.parseTableConstraint());
      else ct.columns.push(this.parseColumnDef());
      if (this.eatOp(")")) break;
      // SQLite lets table constraints follow one another without commas
      if (!(inConstraints && this.startsTableConstraint())) this.expectOp(",");
    }
    // table options: WITHOUT ROWID, STRICT
    if (this.peek().type !== TokenType.EOF && !this.atOp(";")) {
      do {
        const t = this.peek();
        if (this.isKw(t, "WITHOUT")) {
          this.advance();
          const r = this.peek();
          if (r.type !== TokenType.Identifier || r.value.toLowerCase() !== "rowid") throw this.error(r);
          this.advance();
          ct.withoutRowid = true;
        } else if (t.type === TokenType.Identifier && t.value.toLowerCase() === "strict") {
          this.advance();
          ct.strict = true;
        } else if (this.isName(t)) {
          throw this.errorAt(`unknown table option: ${t.text}`, t);
        } else {
          throw this.error(t);
        }
      } while (this.eatOp(","));
    }
    return ct;
  }

  private startsTableConstraint(): boolean {
    const t = this.peek();
    return (
      t.type === TokenType.Keyword &&
      (t.value === "CONSTRAINT" || t.value === "PRIMARY" || t.value === "UNIQUE" || t.value === "CHECK" || t.value === "FOREIGN")
    );
  }

  /** `name [type] [constraint ...]` */
  protected parseColumnDef(): ColumnDef {
    const name = this.parseName();
    const type = this.parseTypeName(true);
    const constraints: ColumnConstraint[] = [];
    for (;;) {
      let cname: string | undefined;
      if (this.eatKw("CONSTRAINT")) cname = this.parseName();
      const c = this.parseColumnConstraint();
      if (c === undefined) {
        if (cname !== undefined) throw this.error();
        break;
      }
      if (cname !== undefined) c.name = cname;
      constraints.push(c);
    }
    return { name, type, constraints };
  }

  private parseConflictClause(): ConflictAction | undefined {
    if (!this.eatKw("ON")) return undefined;
    this.expectKw("CONFLICT");
    return this.parseConflictAction();
  }

  private parseColumnConstraint(): ColumnConstraint | undefined {
    const t = this.peek();
    if (t.type !== TokenType.Keyword) return undefined;
    switch (t.value) {
      case "PRIMARY": {
        this.advance();
        this.expectKw("KEY");
        const desc = this.eatKw("DESC");
        if (!desc) this.eatKw("ASC");
        const c: ColumnConstraint = { kind: "primary-key", desc, autoincrement: false };
        const onConflict = this.parseConflictClause();
        if (onConflict !== undefined) c.onConflict = onConflict;
        c.autoincrement = this.eatKw("AUTOINCREMENT");
        return c;
      }
      case "NOT": {
        this.advance();
        this.expectKw("NULL");
        const c: ColumnConstraint = { kind: "not-null" };
        const onConflict = this.parseConflictClause();
        if (onConflict !== undefined) c.onConflict = onConflict;
        return c;
      }
      case "NULL":
        this.advance();
        this.parseConflictClause();
        return { kind: "null" };
      case "UNIQUE": {
        this.advance();
        const c: ColumnConstraint = { kind: "unique" };
        const onConflict = this.parseConflictClause();
        if (onConflict !== undefined) c.onConflict = onConflict;
        return c;
      }
      case "CHECK":
        return { kind: "check", ...this.parseCheck() };
      case "DEFAULT":
        this.advance();
        return { kind: "default", expr: this.parseDefaultValue() };
      case "COLLATE":
        this.advance();
        return { kind: "collate", collation: this.parseCollationName() };
      case "REFERENCES":
        return { kind: "references", fk: this.parseForeignKeyClause() };
      case "GENERATED":
      case "AS": {
        if (this.eatKw("GENERATED")) this.expectKw("ALWAYS");
        this.expectKw("AS");
        this.expectOp("(");
        const expr = this.parseExpr();
        this.expectOp(")");
        let stored = false;
        const s = this.peek();
        if (s.type === TokenType.Identifier && s.value.toLowerCase() === "stored") {
          this.advance();
          stored = true;
        } else if (this.isKw(s, "VIRTUAL")) {
          this.advance();
        }
        return { kind: "generated", expr, stored };
      }
    }
    return undefined;
  }

  /** `CHECK ( expr )` */
  private parseCheck(): { expr: Expr; text: string } {
    this.expectKw("CHECK");
    this.expectOp("(");
    const start = this.peek().offset;
    const expr = this.parseExpr();
    const text = this.sql.slice(start, this.prevEnd);
    this.expectOp(")");
    return { expr, text };
  }

  /**
   * After DEFAULT: `(expr)`, a literal, `+`/`-` number, or a bare name (taken as a string,
   * TRUE/FALSE as booleans), as SQLite's grammar allows.
   */
  private parseDefaultValue(): Expr {
    const t = this.peek();
    if (this.atOp("(")) {
      this.advance();
      const e = this.parseExpr();
      this.expectOp(")");
      return e;
    }
    if (this.atOp("+") || this.atOp("-")) {
      this.advance();
      if (!this.isTerm(this.peek())) throw this.error();
      const lit = this.parseExpr(Prec.Max);
      return t.value === "-" ? { kind: "unary", op: "-", operand: lit } : lit;
    }
    if (this.isTerm(t)) return this.parseExpr(Prec.Max);
    if (!this.isAliasToken(t) && !this.isKw(t, "INDEXED")) throw this.error(t);
    this.advance();
    const v = t.value.toLowerCase();
    if (t.type === TokenType.Identifier && (v === "true" || v === "false")) return { kind: "literal", type: v, value: v };
    return { kind: "literal", type: "string", value: this.nameOf(t) };
  }

  /** SQLite's `term`: a literal value. */
  private isTerm(t: Token): boolean {
    switch (t.type) {
      case TokenType.Integer:
      case TokenType.Float:
      case TokenType.String:
      case TokenType.Blob:
        return true;
      case TokenType.Keyword:
        return t.value === "NULL" || t.value === "CURRENT_TIME" || t.value === "CURRENT_DATE" || t.value === "CURRENT_TIMESTAMP";
      default:
        return false;
    }
  }


  /** `REFERENCES t [(cols)] [ON DELETE|UPDATE action | MATCH name | [NOT] DEFERRABLE [INITIALLY ...]]*` */
  private parseForeignKeyClause(): ForeignKeyClause {
    this.expectKw("REFERENCES");
    const table = this.parseName();
    const columns = this.atOp("(") ? this.parseNameList() : [];
    const actions: string[] = [];
    for (;;) {
      if (this.eatKw("ON")) {
        const ev = this.peek();
        if (!this.isKw(ev, "DELETE") && !this.isKw(ev, "UPDATE")) throw this.error(ev);
        const event = this.advance().value;
        let action: string;
        if (this.eatKw("SET")) {
          if (this.eatKw("NULL")) action = "SET NULL";
          else if (this.eatKw("DEFAULT")) action = "SET DEFAULT";
          else throw this.error();
        } else if (this.eatKw("CASCADE")) action = "CASCADE";
        else if (this.eatKw("RESTRICT")) action = "RESTRICT";
        else if (this.eatKw("NO")) {
          this.expectKw("ACTION");
          action = "NO ACTION";
        } else throw this.error();
        actions.push(`ON ${event} ${action}`);
      } else if (this.eatKw("MATCH")) {
        actions.push(`MATCH ${this.parseName()}`);
      } else if (this.atKw("DEFERRABLE") || (this.atKw("NOT") && this.atKw("DEFERRABLE", 1))) {
        let text = this.eatKw("NOT") ? "NOT DEFERRABLE" : "DEFERRABLE";
        this.advance();
        if (this.eatKw("INITIALLY")) {
          if (this.eatKw("DEFERRED")) text += " INITIALLY DEFERRED";
          else if (this.eatKw("IMMEDIATE")) text += " INITIALLY IMMEDIATE";
          else throw this.error();
        }
        actions.push(text);
      } else {
        break;
      }
    }
    return { table, columns, actions };
  }

  private parseTableConstraint(): TableConstraint {
    let name: string | undefined;
    if (this.eatKw("CONSTRAINT")) name = this.parseName();
    const t = this.peek();
    let c: TableConstraint;
    if (this.eatKw("PRIMARY") || this.eatKw("UNIQUE")) {
      const primary = this.isKw(t, "PRIMARY");
      if (primary) this.expectKw("KEY");
      this.expectOp("(");
      const columns = this.parseIndexedColumns();
      const autoincrement = primary && this.eatKw("AUTOINCREMENT");
      this.expectOp(")");
      c = primary ? { kind: "primary-key", columns } : { kind: "unique", columns };
      if (autoincrement && c.kind === "primary-key") c.autoincrement = true;
      const onConflict = this.parseConflictClause();
      if (onConflict !== undefined) c.onConflict = onConflict;
    } else if (this.isKw(t, "CHECK")) {
      c = { kind: "check", ...this.parseCheck() };
      this.parseConflictClause(); // accepted and ignored, as in SQLite
    } else if (this.eatKw("FOREIGN")) {
      this.expectKw("KEY");
      const columns = this.parseNameList();
      c = { kind: "foreign-key", columns, fk: this.parseForeignKeyClause() };
    } else {
      throw this.error(t);
    }
    if (name !== undefined) c.name = name;
    return c;
  }

  private parseCreateIndex(): CreateIndex {
    const unique = this.eatKw("UNIQUE");
    this.expectKw("INDEX");
    const ifNotExists = this.parseIfNotExists();
    const { schema, name } = this.parseQualifiedName();
    this.expectKw("ON");
    const table = this.parseName();
    this.expectOp("(");
    const columns = this.parseIndexedColumns();
    this.expectOp(")");
    const ci: CreateIndex = { kind: "create-index", unique, ifNotExists, name, table, columns };
    if (schema !== undefined) ci.schema = schema;
    if (this.eatKw("WHERE")) ci.where = this.parseExpr();
    return ci;
  }

  private parseCreateView(temporary: boolean): CreateView {
    this.expectKw("VIEW");
    const ifNotExists = this.parseIfNotExists();
    const { schema, name } = this.parseQualifiedName();
    const columns = this.atOp("(") ? this.parseNameList() : undefined;
    this.expectKw("AS");
    const cv: CreateView = { kind: "create-view", temporary, ifNotExists, name, select: this.parseSelect() };
    if (schema !== undefined) cv.schema = schema;
    if (columns !== undefined) cv.columns = columns;
    return cv;
  }

  private parseCreateTrigger(temporary: boolean): CreateTrigger {
    this.expectKw("TRIGGER");
    const ifNotExists = this.parseIfNotExists();
    const { schema, name } = this.parseQualifiedName();
    let timing: CreateTrigger["timing"] = "BEFORE";
    if (this.eatKw("BEFORE")) timing = "BEFORE";
    else if (this.eatKw("AFTER")) timing = "AFTER";
    else if (this.eatKw("INSTEAD")) {
      this.expectKw("OF");
      timing = "INSTEAD OF";
    }
    const ev = this.peek();
    let event: CreateTrigger["event"];
    let updateOf: string[] | undefined;
    if (this.eatKw("DELETE")) event = "DELETE";
    else if (this.eatKw("INSERT")) event = "INSERT";
    else if (this.eatKw("UPDATE")) {
      event = "UPDATE";
      if (this.eatKw("OF")) {
        updateOf = [this.parseName()];
        while (this.eatOp(",")) updateOf.push(this.parseName());
      }
    } else throw this.error(ev);
    this.expectKw("ON");
    const target = this.parseQualifiedName();
    const tr: CreateTrigger = {
      kind: "create-trigger",
      temporary,
      ifNotExists,
      name,
      timing,
      event,
      table: target.name,
      forEachRow: false,
      body: [],
    };
    const sch = schema ?? target.schema;
    if (sch !== undefined) tr.schema = sch;
    if (updateOf !== undefined) tr.updateOf = updateOf;
    if (this.eatKw("FOR")) {
      this.expectKw("EACH");
      this.expectKw("ROW");
      tr.forEachRow = true;
    }
    if (this.eatKw("WHEN")) tr.when = this.parseExpr();
    this.expectKw("BEGIN");
    do {
      tr.body.push(this.parseTriggerCommand());
      this.expectOp(";");
    } while (!this.eatKw("END"));
    return tr;
  }

  private parseTriggerCommand(): CreateTrigger["body"][number] {
    const withClause = this.atKw("WITH") ? this.parseWith() : undefined;
    const t = this.peek();
    if (this.isKw(t, "UPDATE")) return this.parseUpdate(withClause);
    if (this.isKw(t, "INSERT") || this.isKw(t, "REPLACE")) return this.parseInsert(withClause);
    if (this.isKw(t, "DELETE")) return this.parseDelete(withClause);
    if (this.isKw(t, "SELECT") || this.isKw(t, "VALUES")) return this.parseSelect(withClause);
    throw this.error(t);
  }

  protected parseDrop(): Drop {
    this.expectKw("DROP");
    const t = this.advance();
    const kinds: Record<string, Drop["object"]> = { TABLE: "table", INDEX: "index", VIEW: "view", TRIGGER: "trigger" };
    const object = t.type === TokenType.Keyword ? kinds[t.value] : undefined;
    if (object === undefined) throw this.error(t);
    let ifExists = false;
    if (this.atKw("IF")) {
      this.advance();
      this.expectKw("EXISTS");
      ifExists = true;
    }
    const { schema, name } = this.parseQualifiedName();
    const d: Drop = { kind: "drop", object, ifExists, name };
    if (schema !== undefined) d.schema = schema;
    return d;
  }

  protected parseAlterTable(): AlterTable {
    this.expectKw("ALTER");
    this.expectKw("TABLE");
    const { schema, name: table } = this.parseQualifiedName();
    let a: AlterTable;
    if (this.eatKw("RENAME")) {
      if (this.eatKw("TO")) {
        a = { kind: "alter-table", action: "rename-table", table, newName: this.parseName() };
      } else {
        this.eatKw("COLUMN");
        const column = this.parseName();
        this.expectKw("TO");
        a = { kind: "alter-table", action: "rename-column", table, column, newName: this.parseName() };
      }
    } else if (this.eatKw("ADD")) {
      this.eatKw("COLUMN");
      a = { kind: "alter-table", action: "add-column", table, column: this.parseColumnDef() };
    } else if (this.eatKw("DROP")) {
      this.eatKw("COLUMN");
      a = { kind: "alter-table", action: "drop-column", table, column: this.parseName() };
    } else {
      throw this.error();
    }
    if (schema !== undefined) a.schema = schema;
    return a;
  }
}
