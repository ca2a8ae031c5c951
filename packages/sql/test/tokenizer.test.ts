import { describe, expect, test } from "vitest";
import { DbError } from "@db/vm";
import { Lexer, TokenType, tokenize, type Token } from "../src/tokenizer.js";

const kinds = (sql: string) => tokenize(sql).map((t) => [t.type, t.value]);

function syntaxErrorOf(fn: () => unknown): DbError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    expect((e as DbError).code).toBe("DB_SYNTAX");
    return e as DbError;
  }
  throw new Error("expected a DB_SYNTAX error");
}

describe("tokenizer", () => {
  test("keywords are case-insensitive and upper-cased in value", () => {
    const toks = tokenize("select Distinct FROM whereX");
    expect(toks.map((t) => [t.type, t.value, t.text])).toEqual([
      ["keyword", "SELECT", "select"],
      ["keyword", "DISTINCT", "Distinct"],
      ["keyword", "FROM", "FROM"],
      ["identifier", "whereX", "whereX"],
    ]);
  });

  test("TokenType is both a value and a type", () => {
    const t: TokenType = TokenType.Keyword;
    expect(t).toBe("keyword");
    expect(Object.values(TokenType)).toContain("quoted-identifier");
  });

  test("identifiers: plain, $ inside, unicode, and non-keywords like ROWID/TEXT/DATE", () => {
    expect(kinds("a_1 b$c _x été rowid text date")).toEqual([
      ["identifier", "a_1"],
      ["identifier", "b$c"],
      ["identifier", "_x"],
      ["identifier", "été"],
      ["identifier", "rowid"],
      ["identifier", "text"],
      ["identifier", "date"],
    ]);
  });

  test("quoted identifiers with all three quote styles and escapes", () => {
    expect(kinds(`"a ""b"" c" [x y] \`p\`\`q\` "select"`)).toEqual([
      ["quoted-identifier", 'a "b" c'],
      ["quoted-identifier", "x y"],
      ["quoted-identifier", "p`q"],
      ["quoted-identifier", "select"],
    ]);
  });

  test("strings and blobs", () => {
    expect(kinds("'it''s' '' 'a\nb' X'0A' x'ff' x''")).toEqual([
      ["string", "it's"],
      ["string", ""],
      ["string", "a\nb"],
      ["blob", "0A"],
      ["blob", "ff"],
      ["blob", ""],
    ]);
  });

  test("numbers: integers, decimals, exponents, hex", () => {
    expect(kinds("0 42 3.14 .5 1. 1e10 2.5E-3 7e+2 0x1F 0XaB 99999999999999999999")).toEqual([
      ["integer", "0"],
      ["integer", "42"],
      ["float", "3.14"],
      ["float", ".5"],
      ["float", "1."],
      ["float", "1e10"],
      ["float", "2.5E-3"],
      ["float", "7e+2"],
      ["integer", "0x1F"],
      ["integer", "0XaB"],
      ["integer", "99999999999999999999"],
    ]);
  });

  test("parameters", () => {
    expect(kinds("? ?12 :name @x $y $a::b $c(d) :1")).toEqual([
      ["parameter", "?"],
      ["parameter", "?12"],
      ["parameter", ":name"],
      ["parameter", "@x"],
      ["parameter", "$y"],
      ["parameter", "$a::b"],
      ["parameter", "$c(d)"],
      ["parameter", ":1"],
    ]);
  });

  test("operators, longest match first", () => {
    const ops = "|| -> ->> << >> <= >= == != <> < > = + - * / % & | ~ ( ) , ; .";
    expect(tokenize(ops).map((t) => t.value)).toEqual(ops.split(" "));
    expect(tokenize("a->>'$.x'").map((t) => t.text)).toEqual(["a", "->>", "'$.x'"]);
    expect(tokenize("1<>2").map((t) => t.text)).toEqual(["1", "<>", "2"]);
    expect(tokenize("x.y").map((t) => t.text)).toEqual(["x", ".", "y"]);
    expect(tokenize("1-2").map((t) => t.text)).toEqual(["1", "-", "2"]);
  });

  test("comments are skipped, or returned on request", () => {
    const sql = "SELECT -- line comment\n 1 /* block\ncomment */ + 2 /* unterminated";
    expect(tokenize(sql).map((t) => t.text)).toEqual(["SELECT", "1", "+", "2"]);
    const withComments = tokenize(sql, { comments: true });
    expect(withComments.filter((t) => t.type === TokenType.Comment).map((t) => [t.line, t.column])).toEqual([
      [1, 8],
      [2, 4],
      [3, 16],
    ]);
  });

  test("positions: line, column and offset of every token", () => {
    const sql = "SELECT a,\n  'x\ny' AS \"q\"\r\n\tFROM t";
    const pos = (t: Token) => [t.text, t.line, t.column, t.offset, t.end];
    expect(tokenize(sql).map(pos)).toEqual([
      ["SELECT", 1, 1, 0, 6],
      ["a", 1, 8, 7, 8],
      [",", 1, 9, 8, 9],
      ["'x\ny'", 2, 3, 12, 17],
      ["AS", 3, 4, 18, 20],
      ['"q"', 3, 7, 21, 24],
      ["FROM", 4, 2, 27, 31],
      ["t", 4, 7, 32, 33],
    ]);
    for (const t of tokenize(sql)) expect(sql.slice(t.offset, t.end)).toBe(t.text);
  });

  test("a leading byte-order mark is skipped", () => {
    const [t] = tokenize("\ufeffSELECT");
    expect([t.text, t.line, t.column, t.offset]).toEqual(["SELECT", 1, 1, 1]);
  });

  test("huge unrecognized tokens are clipped in the message", () => {
    const e = syntaxErrorOf(() => tokenize(`SELECT '${"x".repeat(100_000)}`));
    expect(e.message.length).toBeLessThan(300);
    expect(e.message).toMatch(/^unrecognized token: "'x+\.\.\." at line 1, column 8$/);
  });

  test("the lexer returns EOF forever at the end", () => {
    const lx = new Lexer("a ");
    expect(lx.next().type).toBe("identifier");
    const eof = lx.next();
    expect([eof.type, eof.offset, eof.line, eof.column]).toEqual(["eof", 2, 1, 3]);
    expect(lx.next().type).toBe("eof");
  });

  test.each([
    ["SELECT 'abc", 1, 8, "'abc"],
    ['SELECT "abc', 1, 8, '"abc'],
    ["SELECT [abc", 1, 8, "[abc"],
    ["SELECT\n  1 # 2", 2, 5, "#"],
    ["SELECT 12abc", 1, 8, "12abc"],
    ["SELECT 0x", 1, 8, "0x"],
    ["SELECT x'0g'", 1, 8, "x'0g'"],
    ["SELECT x'abc'", 1, 8, "x'abc'"],
    ["SELECT 1 ! 2", 1, 10, "!"],
    ["SELECT :", 1, 8, ":"],
  ])("unrecognized token in %j", (sql, line, column, tok) => {
    const e = syntaxErrorOf(() => tokenize(sql));
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.message).toBe(`unrecognized token: "${tok}" at line ${line}, column ${column}`);
  });
});
