import { describe, expect, test, vi } from "vitest";
import { formatResult, valueText, defaultOutput, setMode } from "../src/modes/format.js";
import { run } from "./fake.js";

vi.mock("@db/sql", async (importOriginal) => (await import("./fake.js")).sqlModule(importOriginal));

/** Output of `select * from t` (a|b: 1,'hello' / 22,NULL) after the given dot-commands. */
async function output(...commands: string[]): Promise<string> {
  const r = await run([":memory:", ...commands, "select * from t"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout;
}

describe("output modes, as sqlite3 prints them", () => {
  test("list: | between columns, no headers by default", async () => {
    expect(await output()).toBe("1|hello\n22|\n");
    expect(await output(".headers on")).toBe("a|b\n1|hello\n22|\n");
    expect(await output(".separator ,", ".nullvalue NULL")).toBe("1,hello\n22,NULL\n");
    expect(await output(".separator \\t ;")).toBe("1\thello;22\t;");
  });

  test("tabs", async () => {
    expect(await output(".mode tabs", ".headers on")).toBe("a\tb\n1\thello\n22\t\n");
  });

  test("csv: .mode csv ends rows with CRLF, quotes like sqlite3", async () => {
    expect(await output(".mode csv", ".headers on")).toBe("a,b\r\n1,hello\r\n22,\r\n");
    const r = await run([":memory:", ".mode csv", "select * from vals"]);
    expect(r.stdout).toBe(
      ',42,2.5,12345678901234567890,"x,y","say ""hi""","A\u00ff"\r\n' +
        ',-1,1e+100,-9007199254740993,"","it\'s",""\r\n',
    );
  });

  test("csv: NULL prints as the null value, unquoted", async () => {
    expect(await output(".mode csv", ".nullvalue N/A")).toBe("1,hello\r\n22,N/A\r\n");
  });

  test("json: one object per line, blobs as hex, bigints as numbers", async () => {
    expect(await output(".mode json")).toBe('[{"a":1,"b":"hello"},\n{"a":22,"b":null}]\n');
    const r = await run([":memory:", ".mode json", "select * from vals"]);
    expect(r.stdout).toBe(
      '[{"n":null,"i":42,"r":2.5,"big":12345678901234567890,"s":"x,y","q":"say \\"hi\\"","blob":"41FF"},\n' +
        '{"n":null,"i":-1,"r":1e+100,"big":-9007199254740993,"s":"","q":"it\'s","blob":""}]\n',
    );
  });

  test("box: unicode borders, centred headers, always shown", async () => {
    const box = ["┌────┬───────┐", "│ a  │   b   │", "├────┼───────┤", "│ 1  │ hello │", "│ 22 │       │", "└────┴───────┘", ""];
    expect(await output(".mode box")).toBe(box.join("\n"));
    expect(await output(".headers off", ".mode box")).toBe(box.join("\n"));
  });

  test("table: ASCII borders", async () => {
    expect(await output(".mode table")).toBe(
      ["+----+-------+", "| a  |   b   |", "+----+-------+", "| 1  | hello |", "| 22 |       |", "+----+-------+", ""].join("\n"),
    );
  });

  test("box and table size columns by display width", async () => {
    const r = await run([":memory:", ".mode table", "select 'é' as wide, '日本' as cjk"]);
    expect(r.stdout).toBe(["+------+------+", "| wide | cjk  |", "+------+------+", "| é    | 日本 |", "+------+------+", ""].join("\n"));
  });

  test("line: names right-aligned, a blank line between rows", async () => {
    expect(await output(".mode line")).toBe("    a = 1\n    b = hello\n\n    a = 22\n    b = \n");
  });

  test("column: padded columns, headers on unless set off", async () => {
    expect(await output(".mode column")).toBe("a   b    \n--  -----\n1   hello\n22       \n");
    expect(await output(".headers off", ".mode column")).toBe("1   hello\n22       \n");
  });

  test(".mode without argument names the mode; a bad mode is an error", async () => {
    expect(await output(".mode csv", ".mode", ".mode list")).toBe("current output mode: csv\n1|hello\n22|\n");
    const r = await run([":memory:", ".mode xml"]);
    expect(r.stderr).toMatch(/^Error: mode should be one of: box column csv json line list table tabs\n$/);
    expect(r.code).toBe(1);
  });

  test("a result without rows prints nothing, not even headers", async () => {
    for (const mode of ["list", "csv", "json", "box", "table", "line", "column"]) {
      const r = await run([":memory:", `.mode ${mode}`, ".headers on", "select * from t where 0"]);
      expect(r.stdout).toBe("");
    }
  });
});

describe("values", () => {
  test("text of each value type", () => {
    expect(valueText(null, "NULL")).toBe("NULL");
    expect(valueText(1.5, "")).toBe("1.5");
    expect(valueText(-Infinity, "")).toBe("-Inf");
    expect(valueText(2n ** 70n, "")).toBe("1180591620717411303424");
    expect(valueText(new Uint8Array([104, 105, 0xe9]), "")).toBe("hi\u00e9");
  });

  test("infinities in json as sqlite3 writes them", () => {
    const s = defaultOutput();
    setMode(s, "json");
    expect(formatResult({ columns: ["x", "y"], rows: [[Infinity, -Infinity]] }, s)).toBe('[{"x":1e999,"y":-1e999}]\n');
  });

  test("multi-line values in box mode", () => {
    const s = defaultOutput();
    setMode(s, "box");
    expect(formatResult({ columns: ["x", "y"], rows: [["a\nbc", 1]] }, s)).toBe(
      ["┌────┬───┐", "│ x  │ y │", "├────┼───┤", "│ a  │ 1 │", "│ bc │   │", "└────┴───┘", ""].join("\n"),
    );
  });
});
