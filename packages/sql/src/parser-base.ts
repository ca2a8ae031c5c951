/**
 * Token-stream helpers shared by the parser layers (expressions → SELECT → DML → DDL).
 */
import { DbError } from "@db/vm";
import { FALLBACK_KEYWORDS, JOIN_KEYWORDS, Lexer, TokenType, syntaxError, type Token } from "./tokenizer.js";

/**
 * Maximum nesting of expressions and subqueries (SQLite's SQLITE_MAX_EXPR_DEPTH). Deeper input
 * throws `DbError("DB_SYNTAX", "expression nested too deeply ...")` instead of overflowing the
 * stack, here or in the compiler walking the tree. It bounds both the parser's recursion
 * (parentheses, prefix operators, subqueries) and the height of the produced expression tree
 * (long operator chains such as `1+1+...+1` are built iteratively but are as deep as they are long).
 */
export const MAX_DEPTH = 1000;

/** Token text for an error message: huge tokens (a 1 MB string literal) are cut short. */
export function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

export class ParserBase {
  private readonly lexer: Lexer;
  /** Tokens lexed so far; the lexer runs lazily, so later errors do not hide earlier statements. */
  private toks: Token[] = [];
  /** Index of the current token in `toks`. */
  protected i = 0;
  /** End offset of the last consumed token. */
  protected prevEnd = 0;
  /** Current recursion depth (expressions, subqueries, parenthesized FROM). */
  private depth = 0;

  constructor(protected readonly sql: string) {
    this.lexer = new Lexer(sql);
  }

  // ---------- token access ----------

  protected peek(k = 0): Token {
    const t = this.toks[this.i + k];
    if (t !== undefined) return t;
    while (this.toks.length <= this.i + k) this.toks.push(this.lexer.next());
    return this.toks[this.i + k];
  }

  protected advance(): Token {
    const t = this.peek();
    if (t.type !== TokenType.EOF) {
      this.i++;
      this.prevEnd = t.end;
      // Consumed tokens are never revisited once a statement is done; drop them in bulk.
      if (this.i > 4096) {
        this.toks = this.toks.slice(this.i);
        this.i = 0;
      }
    }
    return t;
  }

  protected atEof(): boolean {
    return this.peek().type === TokenType.EOF;
  }

  protected isKw(t: Token, kw: string): boolean {
    return t.type === TokenType.Keyword && t.value === kw;
  }
  protected atKw(kw: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === TokenType.Keyword && t.value === kw;
  }
  protected eatKw(kw: string): boolean {
    if (!this.atKw(kw)) return false;
    this.advance();
    return true;
  }
  protected expectKw(kw: string): Token {
    if (!this.atKw(kw)) throw this.error();
    return this.advance();
  }
  protected atOp(op: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === TokenType.Operator && t.value === op;
  }
  protected eatOp(op: string): boolean {
    if (!this.atOp(op)) return false;
    this.advance();
    return true;
  }
  protected expectOp(op: string): Token {
    if (!this.atOp(op)) throw this.error();
    return this.advance();
  }

  /** The standard syntax error at token `t` (default: the current token). */
  protected error(t: Token = this.peek()): DbError {
    if (t.type === TokenType.EOF) return syntaxError("incomplete input", t.line, t.column);
    return syntaxError(`near "${clip(t.text)}": syntax error`, t.line, t.column);
  }

  /** A DB_SYNTAX error with a custom message at token `t`. */
  protected errorAt(message: string, t: Token = this.peek()): DbError {
    return syntaxError(message, t.line, t.column);
  }

  // ---------- nesting ----------

  protected enter(): void {
    if (++this.depth > MAX_DEPTH) {
      this.depth = 0;
      throw this.tooDeep();
    }
  }
  protected leave(): void {
    this.depth--;
  }
  protected tooDeep(): DbError {
    return this.errorAt(`expression nested too deeply (maximum depth ${MAX_DEPTH})`);
  }
  /** Resets the recursion state after a statement (also after an error was thrown and caught). */
  protected resetDepth(): void {
    this.depth = 0;
  }

  // ---------- names ----------

  /** Identifier-like tokens SQLite accepts as `nm`: identifiers, fallback keywords, join keywords, INDEXED, strings. */
  protected isName(t: Token): boolean {
    switch (t.type) {
      case TokenType.Identifier:
      case TokenType.QuotedIdentifier:
      case TokenType.String:
        return true;
      case TokenType.Keyword:
        return FALLBACK_KEYWORDS.has(t.value) || JOIN_KEYWORDS.has(t.value) || t.value === "INDEXED";
      default:
        return false;
    }
  }

  /** Tokens allowed as an implicit alias (SQLite's `ids`: ID or STRING, with keyword fallback). */
  protected isAliasToken(t: Token): boolean {
    switch (t.type) {
      case TokenType.Identifier:
      case TokenType.QuotedIdentifier:
      case TokenType.String:
        return true;
      case TokenType.Keyword:
        return FALLBACK_KEYWORDS.has(t.value);
      default:
        return false;
    }
  }

  /** Tokens that name a column or function in an expression (no strings: those are literals). */
  protected isExprName(t: Token): boolean {
    return t.type !== TokenType.String && this.isName(t);
  }

  /** The name of a name token: unquoted value, or the keyword as written. */
  protected nameOf(t: Token): string {
    return t.type === TokenType.Keyword ? t.text : t.value;
  }

  protected parseName(): string {
    const t = this.peek();
    if (!this.isName(t)) throw this.error(t);
    this.advance();
    return this.nameOf(t);
  }

  /** `name` or `schema.name`. */
  protected parseQualifiedName(): { schema?: string; name: string } {
    const first = this.parseName();
    if (this.atOp(".")) {
      this.advance();
      return { schema: first, name: this.parseName() };
    }
    return { name: first };
  }

  /** `( name, ... )` */
  protected parseNameList(): string[] {
    this.expectOp("(");
    const names = [this.parseName()];
    while (this.eatOp(",")) names.push(this.parseName());
    this.expectOp(")");
    return names;
  }

  /** `AS name` or an implicit alias; undefined when there is none. */
  protected parseAlias(): string | undefined {
    if (this.eatKw("AS")) return this.parseName();
    const t = this.peek();
    // `WINDOW name AS` starts a WINDOW clause (SQLite's analyzeWindowKeyword), not an alias.
    if (this.isKw(t, "WINDOW") && this.isName(this.peek(1)) && this.atKw("AS", 2)) return undefined;
    if (this.isAliasToken(t)) {
      this.advance();
      return this.nameOf(t);
    }
    return undefined;
  }
}
