import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isComplete } from "../src/complete.js";

describe("isComplete (sqlite3_complete)", () => {
  test.each([
    ["", false],
    ["   \n ", false],
    [";", true],
    ["SELECT 1", false],
    ["SELECT 1;", true],
    ["SELECT 1;  \n", true],
    ["SELECT 1; -- trailing comment", true],
    ["SELECT 1; /* trailing */", true],
    ["SELECT 1; /* unterminated", false],
    ["SELECT 1 -- comment;", false],
    ["SELECT 1 /* ; */", false],
    ["SELECT ';'", false],
    ["SELECT ';';", true],
    ["SELECT 'it''s;'", false],
    ["SELECT 'it''s;';", true],
    ["SELECT 'unterminated;", false],
    ['SELECT "a;b"', false],
    ['SELECT "a;b";', true],
    ["SELECT [a;b]", false],
    ["SELECT [a;b];", true],
    ["SELECT `a;b`;", true],
    ["SELECT 1; SELECT 2", false],
    ["SELECT 1; SELECT 2;", true],
    ["SELECT 1;\nSELECT 2;\n", true],
    ["CREATE TABLE t (a);", true],
    ["CREATE TRIGGER tr AFTER INSERT ON t BEGIN", false],
    ["CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;", false],
    ["CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", false],
    ["CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;", true],
    ["create temp trigger tr after insert on t begin select 1; end ;", true],
    ["CREATE TEMPORARY TRIGGER tr AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; END;", true],
    ["CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END;", false],
    ["CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE x SET a = 1; DELETE FROM y; END;", true],
    ["CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END; SELECT 2", false],
    ["EXPLAIN CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;", false],
    ["EXPLAIN CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;", true],
    ["CREATE TABLE trigger (a);", true],
    ["SELECT trigger FROM t;", true],
    ["BEGIN; END;", true],
    ["BEGIN;", true],
    ["-- only a comment", false],
    ["/* */ ;", true],
  ])("%j → %s", (sql, expected) => {
    expect(isComplete(sql)).toBe(expected);
  });

  test("never throws on arbitrary text", () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => {
      expect(typeof isComplete(s)).toBe("boolean");
    }), { numRuns: 2000, seed: 3 });
  });

  test("text ending in ';' outside quotes and triggers is complete", () => {
    const word = fc.constantFrom("SELECT", "a", "1", ",", "(", ")", "FROM", "t", "'x'", '"y"', "[z]", "+", "--c\n", "/*c*/");
    fc.assert(fc.property(fc.array(word, { maxLength: 20 }), (ws) => {
      expect(isComplete(`${ws.join(" ")};`)).toBe(true);
    }), { numRuns: 1000, seed: 4 });
  });
});
