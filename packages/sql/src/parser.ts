/**
 * Recursive-descent parser for SQLite's SQL dialect, producing the AST of ./ast.ts.
 *
 * Layers (each file extends the previous one): parser-base (tokens, names, nesting limit) →
 * parser-expr (Pratt expressions) → parser-select → parser-dml → parser-ddl → this file
 * (statement dispatch, transactions, PRAGMA, EXPLAIN, VACUUM, ANALYZE, REINDEX).
 *
 * Errors are `DbError("DB_SYNTAX", 'near "TOKEN": syntax error at line L, column C', {line, column})`,
 * or `incomplete input at line L, column C` when the input ends early.
 */
import type { Begin, ParsedStatement, Pragma, Rollback, Statement } from "./ast.js";
import { clip } from "./parser-base.js";
import { DdlParser } from "./parser-ddl.js";
import { TokenType, syntaxError, tokenize } from "./tokenizer.js";

export { MAX_DEPTH } from "./parser-base.js";
/** Same as MAX_DEPTH; a distinct name for re-export beside @db/btree's own MAX_DEPTH (tree height). */
export { MAX_DEPTH as MAX_EXPR_DEPTH } from "./parser-base.js";

class Parser extends DdlParser {
  /** Yields each statement as soon as it is parsed; tokens are read lazily. */
  *statements(): Generator<ParsedStatement> {
    for (;;) {
      while (this.eatOp(";"));
      const first = this.peek();
      if (first.type === TokenType.EOF) return;
      this.resetDepth();
      this.params = { count: 0, names: [], byName: new Map() };
      const statement = this.parseStatement();
      const end = this.prevEnd;
      const t = this.peek();
      if (t.type !== TokenType.EOF && !(t.type === TokenType.Operator && t.value === ";")) throw this.error(t);
      yield {
        statement,
        text: this.sql.slice(first.offset, end),
        pos: { line: first.line, column: first.column, offset: first.offset },
        params: { count: this.params.count, names: this.params.names },
      };
    }
  }

  private parseStatement(): Statement {
    const t = this.peek();
    if (this.isKw(t, "EXPLAIN")) {
      this.advance();
      let queryPlan = false;
      if (this.atKw("QUERY")) {
        this.advance();
        this.expectKw("PLAN");
        queryPlan = true;
      }
      return { kind: "explain", queryPlan, statement: this.parseCommand() };
    }
    return this.parseCommand();
  }

  private parseCommand(): Statement {
    const t = this.peek();
    if (t.type !== TokenType.Keyword) throw this.error(t);
    switch (t.value) {
      case "SELECT":
      case "VALUES":
        return this.parseSelect();
      case "WITH": {
        const w = this.parseWith();
        const u = this.peek();
        if (this.isKw(u, "INSERT") || this.isKw(u, "REPLACE")) return this.parseInsert(w);
        if (this.isKw(u, "UPDATE")) return this.parseUpdate(w);
        if (this.isKw(u, "DELETE")) return this.parseDelete(w);
        if (this.isKw(u, "SELECT") || this.isKw(u, "VALUES")) return this.parseSelect(w);
        throw this.error(u);
      }
      case "INSERT":
      case "REPLACE":
        return this.parseInsert();
      case "UPDATE":
        return this.parseUpdate();
      case "DELETE":
        return this.parseDelete();
      case "CREATE":
        return this.parseCreate();
      case "DROP":
        return this.parseDrop();
      case "ALTER":
        return this.parseAlterTable();
      case "BEGIN":
        return this.parseBegin();
      case "COMMIT":
      case "END":
        this.advance();
        this.parseTransactionName();
        return { kind: "commit" };
      case "ROLLBACK":
        return this.parseRollback();
      case "SAVEPOINT":
        this.advance();
        return { kind: "savepoint", name: this.parseName() };
      case "RELEASE":
        this.advance();
        this.eatKw("SAVEPOINT");
        return { kind: "release", name: this.parseName() };
      case "PRAGMA":
        return this.parsePragma();
      case "VACUUM":
        return this.parseVacuum();
      case "ANALYZE":
      case "REINDEX": {
        this.advance();
        const kind = t.value === "ANALYZE" ? "analyze" : "reindex";
        if (!this.isName(this.peek())) return { kind };
        const { schema, name } = this.parseQualifiedName();
        return { kind, target: schema === undefined ? name : `${schema}.${name}` };
      }
    }
    throw this.error(t);
  }

  /** `[TRANSACTION [name]]` after BEGIN/COMMIT/END/ROLLBACK. */
  private parseTransactionName(): void {
    if (this.eatKw("TRANSACTION") && this.isName(this.peek()) && !this.atKw("TO")) this.parseName();
  }

  private parseBegin(): Begin {
    this.expectKw("BEGIN");
    const b: Begin = { kind: "begin" };
    const t = this.peek();
    if (this.isKw(t, "DEFERRED") || this.isKw(t, "IMMEDIATE") || this.isKw(t, "EXCLUSIVE")) {
      this.advance();
      b.mode = t.value as Begin["mode"];
    }
    this.parseTransactionName();
    return b;
  }

  /** `ROLLBACK [TRANSACTION] [TO [SAVEPOINT] name]` */
  private parseRollback(): Rollback {
    this.expectKw("ROLLBACK");
    this.parseTransactionName();
    const r: Rollback = { kind: "rollback" };
    if (this.eatKw("TO")) {
      this.eatKw("SAVEPOINT");
      r.savepoint = this.parseName();
    }
    return r;
  }

  /** `PRAGMA [schema.]name [= value | (value)]`; value: [+|-]number, name, string, ON, DELETE or DEFAULT. */
  private parsePragma(): Pragma {
    this.expectKw("PRAGMA");
    const { schema, name } = this.parseQualifiedName();
    const p: Pragma = { kind: "pragma", name };
    if (schema !== undefined) p.schema = schema;
    if (this.eatOp("=")) {
      p.form = "assign";
      p.value = this.parsePragmaValue();
    } else if (this.eatOp("(")) {
      p.form = "call";
      p.value = this.parsePragmaValue();
      this.expectOp(")");
    }
    return p;
  }

  private parsePragmaValue(): string {
    const t = this.peek();
    if (this.atOp("+") || this.atOp("-")) return this.parseSignedNumber();
    if (t.type === TokenType.Integer || t.type === TokenType.Float) return this.parseSignedNumber();
    if (this.isName(t) || this.isKw(t, "ON") || this.isKw(t, "DELETE") || this.isKw(t, "DEFAULT")) {
      this.advance();
      return this.nameOf(t);
    }
    throw this.error(t);
  }

  /** `VACUUM [schema] [INTO 'file']` */
  private parseVacuum(): Statement {
    this.expectKw("VACUUM");
    const v: Statement = { kind: "vacuum" };
    if (this.isName(this.peek()) && !this.atKw("INTO")) v.schema = this.parseName();
    if (this.eatKw("INTO")) {
      const t = this.peek();
      if (t.type !== TokenType.String) throw this.error(t);
      this.advance();
      v.into = t.value;
    }
    return v;
  }
}

/**
 * Lazily parses the statements of `sql` one at a time: statements before a syntax error are
 * returned (and may be executed) before the error is thrown, as `sqlite3_exec` does.
 */
export function parseStatements(sql: string): Generator<ParsedStatement> {
  return new Parser(sql).statements();
}

/** Parses every statement of `sql` (empty statements between `;` are skipped). */
export function parse(sql: string): ParsedStatement[] {
  return Array.from(parseStatements(sql));
}

/** Parses exactly one statement (a trailing `;` is allowed); throws DB_SYNTAX otherwise. */
export function parseOne(sql: string): ParsedStatement {
  const all = parse(sql);
  if (all.length === 1) return all[0];
  if (all.length === 0) {
    // nothing but whitespace, comments and semicolons
    const lines = sql.split("\n");
    throw syntaxError("incomplete input", lines.length, lines[lines.length - 1].length + 1);
  }
  const { pos, text } = all[1];
  throw syntaxError(`near "${clip(tokenize(text)[0].text)}": syntax error`, pos.line, pos.column);
}
