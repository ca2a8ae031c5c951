/**
 * Expression parsing: a Pratt parser with SQLite's operator precedence
 * (https://sqlite.org/lang_expr.html#operators), lowest to highest:
 *
 *   OR < AND < NOT (prefix) < = == != <> IS [NOT] IN LIKE GLOB MATCH REGEXP BETWEEN ISNULL NOTNULL
 *   < < <= > >= < & | << >> < + - < * / % < || -> ->> < COLLATE (postfix) < unary - + ~
 *
 * (lang_expr.html lists the unary prefix operators above COLLATE: `-1 COLLATE x` is `(-1) COLLATE
 * x`, which is why `ORDER BY -1 COLLATE x` is a position.)
 *
 * All binary operators are left-associative.
 */
import type { Expr, LiteralExpr, Select, WindowDef } from "./ast.js";
import { MAX_DEPTH, ParserBase } from "./parser-base.js";
import { TokenType, type Token } from "./tokenizer.js";

/** Binding powers. */
export const Prec = {
  None: 0,
  Or: 1,
  And: 2,
  Not: 3,
  Equality: 4,
  Comparison: 5,
  Bitwise: 7,
  Additive: 8,
  Multiplicative: 9,
  Concat: 10,
  Unary: 11,
  Collate: 12,
  /** Binds nothing: `parseExpr(Prec.Max)` parses a single operand. */
  Max: 100,
} as const;

const OPERATOR_PREC: Record<string, number> = {
  "=": Prec.Equality, "==": Prec.Equality, "!=": Prec.Equality, "<>": Prec.Equality,
  "<": Prec.Comparison, "<=": Prec.Comparison, ">": Prec.Comparison, ">=": Prec.Comparison,
  "&": Prec.Bitwise, "|": Prec.Bitwise, "<<": Prec.Bitwise, ">>": Prec.Bitwise,
  "+": Prec.Additive, "-": Prec.Additive,
  "*": Prec.Multiplicative, "/": Prec.Multiplicative, "%": Prec.Multiplicative,
  "||": Prec.Concat, "->": Prec.Concat, "->>": Prec.Concat,
};
const KEYWORD_PREC: Record<string, number> = {
  OR: Prec.Or, AND: Prec.And,
  IS: Prec.Equality, IN: Prec.Equality, NOT: Prec.Equality /* NOT NULL, NOT IN, NOT LIKE, ... */, LIKE: Prec.Equality, GLOB: Prec.Equality, MATCH: Prec.Equality,
  REGEXP: Prec.Equality, BETWEEN: Prec.Equality, ISNULL: Prec.Equality, NOTNULL: Prec.Equality,
  COLLATE: Prec.Collate,
};
/** Keywords that may follow an infix NOT. */
const AFTER_NOT = new Set(["NULL", "IN", "LIKE", "GLOB", "MATCH", "REGEXP", "BETWEEN"]);

export abstract class ExprParser extends ParserBase {
  /** Height of the expression tree last returned by an expression parse function. */
  protected h = 0;
  /**
   * Parameter numbers of the statement being parsed, given as SQLite's parser gives them
   * (sqlite3ExprAssignVarNumber): `?` takes the next number, `?NNN` is NNN, a name keeps the
   * number of its first use. Fixed here, they do not depend on the order code is compiled in.
   */
  protected params = { count: 0, names: [] as (string | null)[], byName: new Map<string, number>() };
  /** Greatest expression height seen in the SELECT being parsed (see parseSelect). */
  protected selH = 0;

  /** Parses a full SELECT (with its own WITH/compound/ORDER BY/LIMIT); sets `this.h` to its height. */
  abstract parseSelect(): Select;
  /** The inside of `OVER (...)` or `WINDOW name AS (...)`. */
  protected abstract parseWindowBody(): WindowDef;

  /** True if the tokens at `k` start a SELECT (for `( SELECT ...` lookahead). */
  protected startsSelect(k = 0): boolean {
    const t = this.peek(k);
    return t.type === TokenType.Keyword && (t.value === "SELECT" || t.value === "VALUES" || t.value === "WITH");
  }

  /** Records the height `h` of a freshly built node; throws if the tree got too tall. */
  protected setH(h: number): void {
    if (h > MAX_DEPTH) throw this.tooDeep();
    this.h = h;
  }

  /** Parses an expression whose operators all bind tighter than `minPrec`. */
  parseExpr(minPrec: number = Prec.None): Expr {
    this.enter();
    let left = this.parsePrefix();
    let lh = this.h;
    for (;;) {
      const t = this.peek();
      let prec = 0;
      if (t.type === TokenType.Operator) prec = OPERATOR_PREC[t.value] ?? 0;
      else if (t.type === TokenType.Keyword) {
        prec = KEYWORD_PREC[t.value] ?? 0;
      }
      if (prec <= minPrec) break;
      left = this.parseInfix(left, t, prec);
      lh = Math.max(lh, this.h) + 1;
      this.setH(lh);
    }
    this.h = lh;
    if (lh > this.selH) this.selH = lh;
    this.leave();
    return left;
  }

  /** Infix/postfix operator `t` applied to `left`; leaves the right operand's height in `this.h`. */
  private parseInfix(left: Expr, t: Token, prec: number): Expr {
    this.advance();
    this.h = 0;
    if (t.type === TokenType.Operator) {
      const right = this.parseExpr(prec);
      return { kind: "binary", op: t.value as "+", left, right };
    }
    let not = false;
    let op = t.value;
    if (op === "NOT") {
      const u = this.peek();
      if (u.type !== TokenType.Keyword || !AFTER_NOT.has(u.value)) throw this.error(u);
      not = true;
      op = this.advance().value;
    }
    switch (op) {
      case "OR":
        return { kind: "binary", op, left, right: this.parseExpr(prec) };
      case "AND":
        return andExpr(left, this.parseExpr(prec));
      case "COLLATE": {
        const collation = this.parseCollationName();
        return { kind: "collate", expr: left, collation };
      }
      case "ISNULL":
        return isNullExpr(left, false);
      case "NOTNULL":
        return isNullExpr(left, true);
      case "NULL": // NOT NULL
        return isNullExpr(left, true);
      case "IS": {
        let isNot = this.eatKw("NOT");
        if (this.eatKw("DISTINCT")) {
          this.expectKw("FROM");
          isNot = !isNot;
        }
        const right = this.parseExpr(prec);
        if (right.kind === "literal" && right.type === "null") return isNullExpr(left, isNot);
        return { kind: "binary", op: isNot ? "IS NOT" : "IS", left, right };
      }
      case "BETWEEN": {
        const low = this.parseExpr(Prec.And);
        const lowH = this.h;
        this.expectKw("AND");
        const high = this.parseExpr(prec);
        this.h = Math.max(this.h, lowH);
        return { kind: "between", expr: left, low, high, not };
      }
      case "IN":
        return this.parseInRhs(left, not);
      default: {
        // LIKE GLOB REGEXP MATCH
        const pattern = this.parseExpr(prec);
        if (!this.atKw("ESCAPE")) return { kind: "like", op: op as "LIKE", expr: left, pattern, not };
        const patH = this.h;
        this.advance();
        // Lemon resolves `ESCAPE e <op>` by the LIKE rule's precedence: anything above equality binds into e.
        const escape = this.parseExpr(prec);
        this.h = Math.max(this.h, patH);
        return { kind: "like", op: op as "LIKE", expr: left, pattern, escape, not };
      }
    }
  }

  /** After `x [NOT] IN`: `()`, `(list)`, `(select)`, `table` or `schema.table`. */
  private parseInRhs(expr: Expr, not: boolean): Expr {
    if (this.eatOp("(")) {
      if (this.eatOp(")")) {
        this.h = 0;
        return { kind: "in-list", expr, list: [], not };
      }
      if (this.startsSelect()) {
        const select = this.parseSelect();
        this.expectOp(")");
        return { kind: "in-select", expr, select, not };
      }
      const list = this.parseExprList();
      this.expectOp(")");
      // `x IN ((SELECT ...))`: a lone subquery in the list is the IN's set, as SQLite's parser
      // makes it (parse.y), not a scalar.
      const only = list.length === 1 ? list[0]! : null;
      if (only && only.kind === "subquery") return { kind: "in-select", expr, select: only.select, not };
      return { kind: "in-list", expr, list, not };
    }
    const { schema, name } = this.parseQualifiedName();
    if (this.atOp("(")) throw this.error(); // table-valued functions are not supported
    this.h = 0;
    return schema === undefined
      ? { kind: "in-table", expr, table: name, not }
      : { kind: "in-table", expr, table: name, schema, not };
  }

  /** `a, b, c` (at least one); `this.h` is the greatest height. */
  protected parseExprList(): Expr[] {
    const list = [this.parseExpr()];
    let h = this.h;
    while (this.eatOp(",")) {
      list.push(this.parseExpr());
      if (this.h > h) h = this.h;
    }
    this.h = h;
    return list;
  }

  /** The name after COLLATE (SQLite's `ids`: an identifier or a string). */
  protected parseCollationName(): string {
    const t = this.peek();
    if (!this.isAliasToken(t)) throw this.error(t);
    this.advance();
    return this.nameOf(t);
  }

  private parsePrefix(): Expr {
    const t = this.peek();
    if (t.type === TokenType.Operator) {
      if (t.value === "-" || t.value === "+" || t.value === "~") {
        this.advance();
        const operand = this.parseExpr(Prec.Collate);
        this.setH(this.h + 1);
        return { kind: "unary", op: t.value, operand };
      }
      if (t.value === "(") return this.parseParen();
      throw this.error(t);
    }
    if (t.type === TokenType.Keyword && t.value === "NOT") {
      this.advance();
      const operand = this.parseExpr(Prec.And);
      this.setH(this.h + 1);
      if (operand.kind === "exists" && !operand.not) return { kind: "exists", select: operand.select, not: true };
      return { kind: "unary", op: "NOT", operand };
    }
    return this.parsePrimary(t);
  }

  private parseParen(): Expr {
    this.advance();
    if (this.startsSelect()) {
      const select = this.parseSelect();
      this.expectOp(")");
      this.setH(this.h + 1);
      return { kind: "subquery", select };
    }
    const e = this.parseExpr();
    if (this.atOp(",")) throw this.errorAt('row value misused: near ","');
    this.expectOp(")");
    return e;
  }

  private literal(type: LiteralExpr["type"], value: string): LiteralExpr {
    this.advance();
    this.h = 1;
    return { kind: "literal", type, value };
  }

  private parsePrimary(t: Token): Expr {
    switch (t.type) {
      case TokenType.Integer:
        return this.literal("integer", t.value);
      case TokenType.Float:
        return this.literal("real", t.value);
      case TokenType.String:
        if (this.atOp(".", 1)) return this.parseColumnRef(t); // 'tbl'.col, as SQLite allows
        return this.literal("string", t.value);
      case TokenType.Blob:
        return this.literal("blob", t.value);
      case TokenType.Parameter:
        return this.parseParam(t);
      case TokenType.Keyword:
        switch (t.value) {
          case "NULL":
            return this.literal("null", "NULL");
          case "CURRENT_TIME":
            return this.literal("current_time", t.value);
          case "CURRENT_DATE":
            return this.literal("current_date", t.value);
          case "CURRENT_TIMESTAMP":
            return this.literal("current_timestamp", t.value);
          case "CASE":
            return this.parseCase();
          case "EXISTS": {
            this.advance();
            this.expectOp("(");
            const select = this.parseSelect();
            this.expectOp(")");
            this.setH(this.h + 1);
            return { kind: "exists", select, not: false };
          }
          // Where an expression starts, CAST and RAISE are always the keywords (as in SQLite,
          // whose keyword fallback only applies where the keyword itself cannot appear).
          case "CAST":
            return this.parseCast();
          case "RAISE":
            return this.parseRaise();
        }
        break;
      case TokenType.Identifier:
        if (!this.atOp("(", 1) && !this.atOp(".", 1)) {
          const v = t.value.toLowerCase();
          if (v === "true" || v === "false") return this.literal(v, v);
        }
        break;
    }
    if (!this.isExprName(t)) throw this.error(t);
    if (this.atOp("(", 1)) {
      this.advance();
      return this.parseCall(this.nameOf(t));
    }
    return this.parseColumnRef(t);
  }

  /** `name`, `table.name` or `schema.table.name`, starting at token `t`. */
  private parseColumnRef(t: Token): Expr {
    this.advance();
    const name = this.nameOf(t);
    this.h = 1;
    if (!this.eatOp(".")) return { kind: "column", name };
    const second = this.parseName();
    if (!this.eatOp(".")) return { kind: "column", table: name, name: second };
    return { kind: "column", schema: name, table: second, name: this.parseName() };
  }

  private parseParam(t: Token): Expr {
    this.advance();
    this.h = 1;
    const p = this.params;
    if (t.value[0] !== "?") {
      let index = p.byName.get(t.value);
      if (index === undefined) {
        index = ++p.count;
        p.byName.set(t.value, index);
        p.names[index] = t.value;
      }
      return { kind: "param", index, name: t.value };
    }
    if (t.value.length === 1) return { kind: "param", index: ++p.count };
    const index = Number(t.value.slice(1));
    if (!(index >= 1 && index <= 32766)) throw this.errorAt(`variable number must be between ?1 and ?32766`, t);
    if (index > p.count) p.count = index;
    return { kind: "param", index };
  }

  private parseCall(name: string): Expr {
    this.expectOp("(");
    let h = 0;
    const call: Expr = { kind: "function", name, args: [] };
    if (this.eatOp("*")) {
      call.star = true;
    } else if (!this.atOp(")")) {
      if (this.eatKw("DISTINCT")) call.distinct = true;
      else this.eatKw("ALL");
      call.args = this.parseExprList();
      h = this.h;
    }
    this.expectOp(")");
    if (this.atKw("FILTER") && this.atOp("(", 1)) {
      this.advance();
      this.advance();
      this.expectKw("WHERE");
      call.filter = this.parseExpr();
      if (this.h > h) h = this.h;
      this.expectOp(")");
    }
    if (this.eatKw("OVER")) {
      if (this.atOp("(")) {
        this.advance();
        call.over = this.parseWindowBody();
        this.expectOp(")");
      } else {
        call.over = { base: this.parseName(), bare: true, partitionBy: [], orderBy: [] };
      }
    }
    this.setH(h + 1);
    return call;
  }

  private parseCase(): Expr {
    this.advance();
    let h = 0;
    const node: Expr = { kind: "case", whens: [] };
    if (!this.atKw("WHEN")) {
      node.base = this.parseExpr();
      h = this.h;
    }
    this.expectKw("WHEN");
    do {
      const when = this.parseExpr();
      if (this.h > h) h = this.h;
      this.expectKw("THEN");
      const then = this.parseExpr();
      if (this.h > h) h = this.h;
      node.whens.push({ when, then });
    } while (this.eatKw("WHEN"));
    if (this.eatKw("ELSE")) {
      node.else = this.parseExpr();
      if (this.h > h) h = this.h;
    }
    this.expectKw("END");
    this.setH(h + 1);
    return node;
  }

  private parseCast(): Expr {
    this.advance();
    this.expectOp("(");
    const expr = this.parseExpr();
    const h = this.h;
    this.expectKw("AS");
    const type = this.parseTypeName(false); // `CAST(x AS)` is allowed: type ""
    this.expectOp(")");
    this.setH(h + 1);
    return { kind: "cast", expr, type };
  }

  private parseRaise(): Expr {
    this.advance();
    this.expectOp("(");
    const t = this.advance();
    const action = t.type === TokenType.Keyword ? t.value : "";
    this.h = 1;
    if (action === "IGNORE") {
      this.expectOp(")");
      return { kind: "raise", action };
    }
    if (action !== "ROLLBACK" && action !== "ABORT" && action !== "FAIL") throw this.error(t);
    this.expectOp(",");
    // The message is any expression (SQLite 3.47+), its value's text at run time.
    const message = this.parseExpr();
    this.expectOp(")");
    return { kind: "raise", action, message };
  }

  /**
   * An optional type name: names, optionally followed by `(n)` or `(n, m)` with signed numbers.
   * Returns the text as written (a lone quoted name is unquoted), or "" when absent.
   * In a column definition, `GENERATED ALWAYS` starts a constraint rather than continuing the type.
   */
  protected parseTypeName(inColumnDef: boolean): string {
    const first = this.peek();
    let count = 0;
    for (;;) {
      const t = this.peek();
      if (!this.isAliasToken(t) || (inColumnDef && this.isKw(t, "GENERATED") && this.atKw("ALWAYS", 1))) break;
      this.advance();
      count++;
    }
    if (count === 0) return "";
    if (this.eatOp("(")) {
      this.parseSignedNumber();
      if (this.eatOp(",")) this.parseSignedNumber();
      this.expectOp(")");
    } else if (count === 1 && first.type !== TokenType.Identifier && first.type !== TokenType.Keyword) {
      return first.value;
    }
    return this.sql.slice(first.offset, this.prevEnd);
  }

  /** `[+|-] number`; returns the text, e.g. "-1". */
  protected parseSignedNumber(): string {
    let sign = "";
    if (this.atOp("+") || this.atOp("-")) sign = this.advance().value === "-" ? "-" : "";
    const t = this.peek();
    if (t.type !== TokenType.Integer && t.type !== TokenType.Float) throw this.error(t);
    this.advance();
    return sign + t.value;
  }
}

/**
 * `X ISNULL` / `X NOTNULL` (and `IS [NOT] NULL`), as sqlite3PExprIsNull builds it: when X is a
 * literal that cannot be NULL (a number, string or blob, under any unary + or -), the test is
 * the integer 0 or 1 already in the parse tree, so `ORDER BY (1 IS NOT NULL)` means column 1
 * and `ORDER BY (0 IS NULL)` is out of range, as in SQLite.
 */
function isNullExpr(left: Expr, not: boolean): Expr {
  let e = left;
  while (e.kind === "unary" && (e.op === "+" || e.op === "-")) e = e.operand;
  if (e.kind === "literal" && (e.type === "integer" || e.type === "real" || e.type === "string" || e.type === "blob")) {
    return { kind: "literal", type: "integer", value: not ? "1" : "0" };
  }
  return { kind: "isnull", expr: left, not };
}

/**
 * `x AND y`, as sqlite3ExprAnd builds it: when either side is the integer literal 0, the whole is
 * the integer 0 in the parse tree, so `ORDER BY (x AND 0)` is out of range and the other side
 * is never compiled (its subqueries are not checked), as in SQLite. SQLite still looks up the
 * functions the other side calls; we keep the AND when it calls any (outside subqueries), so
 * "no such function" and arity errors stay.
 */
function andExpr(left: Expr, right: Expr): Expr {
  if ((isZeroLiteral(left) && !callsFunction(right)) || (isZeroLiteral(right) && !callsFunction(left))) {
    return { kind: "literal", type: "integer", value: "0" };
  }
  return { kind: "binary", op: "AND", left, right };
}

/**
 * An always-false operand as SQLite's parser knows it (ExprAlwaysFalse: EP_IsFalse): the integer
 * literal 0, or `y IN ()` when y calls no function (parse.y turns it into FALSE then). A bare
 * FALSE is not: the parser sees an identifier, which becomes FALSE only at name resolution.
 */
function isZeroLiteral(e: Expr): boolean {
  if (e.kind === "in-list" && e.list.length === 0) return !e.not && !callsFunction(e.expr);
  if (e.kind !== "literal" || e.type !== "integer") return false;
  try {
    return BigInt(e.value) === 0n;
  } catch {
    return false;
  }
}

/**
 * Whether `e` calls a function, as SQLite's EP_HasFunc flag tells it while parsing (a generic walk
 * of the AST's objects). LIKE, GLOB, REGEXP and MATCH are function calls there. The flag goes up
 * through every operator but COLLATE (sqlite3ExprAddCollateToken does not copy its operand's
 * flags), and not out of subqueries.
 */
export function callsFunction(e: unknown): boolean {
  if (Array.isArray(e)) return e.some(callsFunction);
  if (e === null || typeof e !== "object") return false;
  const o = e as Record<string, unknown>;
  if (o.kind === "function" || o.kind === "like") return true;
  if (o.kind === "collate") return false;
  for (const [k, v] of Object.entries(o)) if (k !== "select" && callsFunction(v)) return true;
  return false;
}
