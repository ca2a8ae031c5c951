/**
 * SQL tokenizer following SQLite's lexical rules (https://sqlite.org/lang_expr.html,
 * https://sqlite.org/lang_keywords.html).
 *
 * Positions: `line` and `column` are 1-based, `offset` is 0-based; columns and offsets count
 * UTF-16 code units of the JavaScript string.
 */
import { DbError } from "@db/vm";

/** Token kinds. A runtime object and a string-literal type of the same name. */
export const TokenType = {
  /** One of SQLite's keywords; `value` is the keyword upper-cased. */
  Keyword: "keyword",
  /** Unquoted identifier that is not a keyword; `value` is the name as written. */
  Identifier: "identifier",
  /** `"x"`, `[x]` or `` `x` ``; `value` is the name with quotes removed and escapes undone. */
  QuotedIdentifier: "quoted-identifier",
  /** `'it''s'`; `value` is the content with `''` undone. */
  String: "string",
  /** `X'0A'`; `value` is the hex digits. */
  Blob: "blob",
  /** Decimal or hex (`0x1F`) integer; `value` is the text as written. */
  Integer: "integer",
  /** Number with a fraction or exponent; `value` is the text as written. */
  Float: "float",
  /** `?`, `?NNN`, `:name`, `@name`, `$name`; `value` is the text as written. */
  Parameter: "parameter",
  /** Operators and punctuation: `( ) , ; . + - * / % || -> ->> << >> & | ~ < <= > >= = == != <>`. */
  Operator: "operator",
  /** `-- ...` or `/* ... *\/`; only produced by `tokenize(sql, { comments: true })`. */
  Comment: "comment",
  /** End of input (only inside the parser; `tokenize` does not return it). */
  EOF: "eof",
} as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];

export interface Token {
  type: TokenType;
  /** The source text of the token, exactly as written. */
  text: string;
  /** Normalized value: see the comments of {@link TokenType}. */
  value: string;
  /** 1-based line of the first character. */
  line: number;
  /** 1-based column of the first character. */
  column: number;
  /** 0-based offset of the first character. */
  offset: number;
  /** 0-based offset just past the last character. */
  end: number;
}

/** Every SQLite keyword (lang_keywords.html). */
export const KEYWORDS: ReadonlySet<string> = new Set(
  (
    "ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN " +
    "BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS " +
    "CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED " +
    "DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS " +
    "EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING " +
    "IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL " +
    "JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF " +
    "OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE " +
    "RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT " +
    "ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER " +
    "UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT"
  ).split(" "),
);

/**
 * Keywords that may also be used as identifiers where a keyword is not expected (SQLite's
 * `%fallback ID` list in parse.y, plus WINDOW/OVER/FILTER which SQLite's tokenizer treats as
 * identifiers outside their context).
 */
export const FALLBACK_KEYWORDS: ReadonlySet<string> = new Set(
  (
    "ABORT ACTION AFTER ANALYZE ASC ATTACH BEFORE BEGIN BY CASCADE CAST COLUMN CONFLICT DATABASE " +
    "DEFERRED DESC DETACH DO EACH END EXCLUSIVE EXPLAIN FAIL FOR IGNORE IMMEDIATE INITIALLY INSTEAD " +
    "LIKE GLOB REGEXP MATCH NO PLAN QUERY KEY OF OFFSET PRAGMA RAISE RECURSIVE RELEASE REPLACE " +
    "RESTRICT ROW ROWS ROLLBACK SAVEPOINT TEMP TEMPORARY TRIGGER VACUUM VIEW VIRTUAL WITH WITHOUT " +
    "NULLS FIRST LAST CURRENT FOLLOWING PARTITION PRECEDING RANGE UNBOUNDED EXCLUDE GROUPS OTHERS " +
    "TIES GENERATED ALWAYS MATERIALIZED REINDEX RENAME CURRENT_TIME CURRENT_DATE CURRENT_TIMESTAMP " +
    "IF WINDOW OVER FILTER"
  ).split(" "),
);

/** Join keywords (SQLite's JOIN_KW): usable as names, but not as implicit aliases. */
export const JOIN_KEYWORDS: ReadonlySet<string> = new Set(["CROSS", "FULL", "INNER", "LEFT", "NATURAL", "OUTER", "RIGHT"]);

/** `DB_SYNTAX` error carrying the position. */
export function syntaxError(message: string, line: number, column: number): DbError {
  return new DbError("DB_SYNTAX", `${message} at line ${line}, column ${column}`, { line, column });
}

/** True for characters that may appear in an unquoted identifier (SQLite: any byte >= 0x80 too). */
export function isIdChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c >= 0x80
  );
}
function isIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0x80;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
}

/** Pull tokenizer: `next()` returns one token at a time, then `eof` tokens forever. */
export class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    readonly sql: string,
    private readonly comments = false,
  ) {
    // a byte-order mark is not part of the SQL (and does not count as a column)
    if (sql.charCodeAt(0) === 0xfeff) this.pos = this.lineStart = 1;
  }

  next(): Token {
    const s = this.sql;
    const n = s.length;
    for (;;) {
      // whitespace
      let c = s.charCodeAt(this.pos);
      while (this.pos < n && isSpace(c)) {
        if (c === 10) {
          this.line++;
          this.lineStart = this.pos + 1;
        }
        c = s.charCodeAt(++this.pos);
      }
      if (this.pos >= n) return this.make(TokenType.EOF, this.pos, this.pos, this.line, "");
      const start = this.pos;
      const line = this.line;
      // comments
      if (c === 45 /* - */ && s.charCodeAt(start + 1) === 45) {
        let p = start + 2;
        while (p < n && s.charCodeAt(p) !== 10) p++;
        this.pos = p;
        if (this.comments) return this.make(TokenType.Comment, start, p, line, s.slice(start, p));
        continue;
      }
      if (c === 47 /* / */ && s.charCodeAt(start + 1) === 42 /* * */) {
        // An unterminated block comment runs to the end of input, as in SQLite.
        let p = start + 2;
        while (p < n && !(s.charCodeAt(p) === 42 && s.charCodeAt(p + 1) === 47)) {
          if (s.charCodeAt(p) === 10) {
            this.line++;
            this.lineStart = p + 1;
          }
          p++;
        }
        p = Math.min(p + 2, n);
        this.pos = p;
        if (this.comments) return this.make(TokenType.Comment, start, p, line, s.slice(start, p));
        continue;
      }
      return this.scan(c, start);
    }
  }

  /** Column bookkeeping for tokens that may span lines: computes the line start for `offset`. */
  private lineStartOf(offset: number): number {
    const nl = this.sql.lastIndexOf("\n", offset - 1);
    return nl + 1;
  }

  private make(type: TokenType, start: number, end: number, line: number, value: string): Token {
    const column = line === this.line ? start - this.lineStart + 1 : start - this.lineStartOf(start) + 1;
    return { type, text: this.sql.slice(start, end), value, line, column, offset: start, end };
  }

  private fail(start: number, end: number, line: number): never {
    const column = start - this.lineStartOf(start) + 1;
    const text = end - start > 200 ? `${this.sql.slice(start, start + 200)}...` : this.sql.slice(start, end);
    throw syntaxError(`unrecognized token: "${text}"`, line, column);
  }

  private scan(c: number, start: number): Token {
    const s = this.sql;
    const n = s.length;
    const line = this.line;
    // blob literal X'...'
    if ((c === 120 || c === 88) && s.charCodeAt(start + 1) === 39) {
      let p = start + 2;
      while (p < n && isHexDigit(s.charCodeAt(p))) p++;
      if (s.charCodeAt(p) !== 39 || (p - start - 2) % 2 !== 0) {
        while (p < n && s.charCodeAt(p) !== 39) p++;
        this.fail(start, Math.min(p + 1, n), line);
      }
      this.pos = p + 1;
      return this.make(TokenType.Blob, start, p + 1, line, s.slice(start + 2, p));
    }
    if (isIdStart(c)) {
      let p = start + 1;
      while (p < n && isIdChar(s.charCodeAt(p))) p++;
      this.pos = p;
      const text = s.slice(start, p);
      if (p - start <= 17) {
        const up = text.toUpperCase();
        if (KEYWORDS.has(up)) return { type: TokenType.Keyword, text, value: up, line, column: start - this.lineStart + 1, offset: start, end: p };
      }
      return { type: TokenType.Identifier, text, value: text, line, column: start - this.lineStart + 1, offset: start, end: p };
    }
    if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(start + 1)))) return this.number(c, start);
    switch (c) {
      case 39: // 'string'
        return this.quoted(start, 39, TokenType.String);
      case 34: // "identifier"
        return this.quoted(start, 34, TokenType.QuotedIdentifier);
      case 96: // `identifier`
        return this.quoted(start, 96, TokenType.QuotedIdentifier);
      case 91: {
        // [identifier]
        const close = s.indexOf("]", start + 1);
        if (close < 0) this.fail(start, n, line);
        return this.finishMultiline(TokenType.QuotedIdentifier, start, close + 1, line, s.slice(start + 1, close));
      }
      case 63: {
        // ?NNN
        let p = start + 1;
        while (p < n && isDigit(s.charCodeAt(p))) p++;
        this.pos = p;
        return this.make(TokenType.Parameter, start, p, line, s.slice(start, p));
      }
      case 58: // :name
      case 64: // @name
      case 36: {
        // $name
        let p = start + 1;
        for (;;) {
          while (p < n && isIdChar(s.charCodeAt(p))) p++;
          // TCL-style $a::b(...) names, as SQLite allows
          if (c === 36 && s.charCodeAt(p) === 58 && s.charCodeAt(p + 1) === 58) {
            p += 2;
            continue;
          }
          break;
        }
        if (c === 36 && p > start + 1 && s.charCodeAt(p) === 40) {
          const close = s.indexOf(")", p);
          if (close < 0) this.fail(start, n, line);
          p = close + 1;
        }
        if (p === start + 1) this.fail(start, p, line);
        this.pos = p;
        return this.make(TokenType.Parameter, start, p, line, s.slice(start, p));
      }
    }
    return this.operator(c, start, line);
  }

  private operator(c: number, start: number, line: number): Token {
    const s = this.sql;
    const c1 = s.charCodeAt(start + 1);
    let len = 1;
    switch (c) {
      case 45: // - -> ->>
        if (c1 === 62) len = s.charCodeAt(start + 2) === 62 ? 3 : 2;
        break;
      case 40: case 41: case 59: case 43: case 42: case 47: case 37: case 44: case 38: case 126: case 46:
        break; // ( ) ; + * / % , & ~ .
      case 61: // = ==
        if (c1 === 61) len = 2;
        break;
      case 60: // < <= <> <<
        if (c1 === 61 || c1 === 62 || c1 === 60) len = 2;
        break;
      case 62: // > >= >>
        if (c1 === 61 || c1 === 62) len = 2;
        break;
      case 33: // !=
        if (c1 !== 61) this.fail(start, start + 1, line);
        len = 2;
        break;
      case 124: // | ||
        if (c1 === 124) len = 2;
        break;
      default: {
        // SQLite reports a lone surrogate/unknown char as an unrecognized token
        this.fail(start, start + 1, line);
      }
    }
    this.pos = start + len;
    const text = s.slice(start, start + len);
    return { type: TokenType.Operator, text, value: text, line, column: start - this.lineStart + 1, offset: start, end: start + len };
  }

  private number(c: number, start: number): Token {
    const s = this.sql;
    const n = s.length;
    const line = this.line;
    let p = start;
    let type: TokenType = TokenType.Integer;
    if (c === 48 && (s.charCodeAt(p + 1) | 0x20) === 120 && isHexDigit(s.charCodeAt(p + 2))) {
      p += 2;
      while (p < n && isHexDigit(s.charCodeAt(p))) p++;
    } else {
      while (p < n && isDigit(s.charCodeAt(p))) p++;
      if (s.charCodeAt(p) === 46) {
        type = TokenType.Float;
        p++;
        while (p < n && isDigit(s.charCodeAt(p))) p++;
      }
      const e = s.charCodeAt(p);
      if (e === 101 || e === 69) {
        const sign = s.charCodeAt(p + 1);
        const q = sign === 43 || sign === 45 ? p + 2 : p + 1;
        if (isDigit(s.charCodeAt(q))) {
          type = TokenType.Float;
          p = q;
          while (p < n && isDigit(s.charCodeAt(p))) p++;
        }
      }
    }
    if (p < n && isIdChar(s.charCodeAt(p))) {
      // 123abc, 0x, 1e: SQLite rejects a number running into an identifier
      while (p < n && isIdChar(s.charCodeAt(p))) p++;
      this.fail(start, p, line);
    }
    this.pos = p;
    const text = s.slice(start, p);
    return { type, text, value: text, line, column: start - this.lineStart + 1, offset: start, end: p };
  }

  /** 'string', "id" or `id`, where a doubled quote stands for one. */
  private quoted(start: number, q: number, type: TokenType): Token {
    const s = this.sql;
    const quote = s[start];
    let p = start + 1;
    let doubled = false;
    for (;;) {
      const close = s.indexOf(quote, p);
      if (close < 0) this.fail(start, s.length, this.line);
      if (s.charCodeAt(close + 1) === q) {
        doubled = true;
        p = close + 2;
        continue;
      }
      p = close;
      break;
    }
    let value = s.slice(start + 1, p);
    if (doubled) value = value.split(quote + quote).join(quote);
    return this.finishMultiline(type, start, p + 1, this.line, value);
  }

  /** Ends a token that may contain newlines, keeping the line count right. */
  private finishMultiline(type: TokenType, start: number, end: number, line: number, value: string): Token {
    const column = start - this.lineStart + 1;
    const s = this.sql;
    let nl = s.indexOf("\n", start);
    while (nl >= 0 && nl < end) {
      this.line++;
      this.lineStart = nl + 1;
      nl = s.indexOf("\n", nl + 1);
    }
    this.pos = end;
    return { type, text: s.slice(start, end), value, line, column, offset: start, end };
  }
}

/**
 * Splits `sql` into tokens (whitespace dropped; comments dropped unless `comments` is set).
 * Throws `DbError("DB_SYNTAX")` on an unrecognized token (e.g. an unterminated string).
 */
export function tokenize(sql: string, options: { comments?: boolean } = {}): Token[] {
  const lexer = new Lexer(sql, options.comments ?? false);
  const out: Token[] = [];
  for (;;) {
    const t = lexer.next();
    if (t.type === TokenType.EOF) return out;
    out.push(t);
  }
}
