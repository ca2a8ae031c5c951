/**
 * The JSON functions and operators (json1.html) give SQLite's answers and errors (sql.js):
 * fixed cases for the corners (JSON5 input, number and string text kept as written, REAL
 * formatting, nesting of JSON results, paths, errors), then random documents, paths and edits.
 * The random part is seeded (JSON_SEED, printed on failure).
 */
import { describe, expect, it } from "vitest";
import { bothRows, expectSame, seededPair } from "./helpers.js";

const CASES = [
  `SELECT json(' { "a" : [1, 2.50, -0, 1e5, true, null, "x\\u0041\\n"] , "b":{} } ')`,
  `SELECT json('{a:1, "b":[1,2,], c: ''x"y'', d: 0x1F, e: .5, f: 5., g: +3, h: Infinity, i: -Infinity, j: NaN}')`,
  `SELECT json('[1, /* c */ 2 // x\n]')`,
  `SELECT json('{"a":1')`,
  `SELECT json_valid('{"a":1'), json_valid('[1]'), json_valid(NULL), json_valid('{a:1}'), json_valid('{a:1}', 2)`,
  `SELECT json_valid('"\\x"'), json_valid(' '), json_valid(''), json_valid('[1] x')`,
  `SELECT json_extract('{"a":{"b":[10,20,{"c":"x"}]}}', '$.a.b[1]'), json_extract('{"a":{"b":[10,20,{"c":"x"}]}}', '$.a.b[#-1].c')`,
  `SELECT json_extract('{"a":{"b":[10,20]}}', '$.a'), json_extract('{"a":{"b":[10,20]}}', '$.a.b', '$.a.b[0]', '$.x')`,
  `SELECT json_extract('{"a":true,"b":false,"c":null,"d":1.5,"e":"s"}', '$.a'), json_extract('{"a":true}', '$.x')`,
  `SELECT json_extract('{"a":1}', 'a')`,
  `SELECT json_extract('{"a":1}', '$.')`,
  `SELECT json_extract('[1e2, 1.0, 12345678901234567890, -5]', '$[0]'), typeof(json_extract('[1e2]', '$[0]')), json_extract('[12345678901234567890]', '$[0]')`,
  `SELECT json_extract('{"a\\"b":1}', '$."a\\"b"'), json_extract('{"a.b":1}', '$."a.b"'), json_extract('{"\\u0041":1}', '$.A')`,
  `SELECT '{"a":{"b":"x"}}' -> '$.a', '{"a":{"b":"x"}}' ->> '$.a.b', '{"a":{"b":"x"}}' -> 'a', '[5,6,7]' -> 1, '[5,6,7]' ->> -1`,
  `SELECT '{"a":"x"}' -> '$.a', '{"a":"x"}' ->> '$.a', '{"a":2}' ->> 'a' + 1, '[1,2]' -> 5, NULL -> '$'`,
  `SELECT json_type('{"a":[1,2.5,"x",null,true]}'), json_type('{"a":[1,2.5,"x",null,true]}', '$.a[1]'), json_type('[false]', '$[0]'), json_type('[1]', '$[9]')`,
  `SELECT json_array(1, 2.5, 'x', NULL, json('[1]'), '[1]'), json_array()`,
  `SELECT json_array(0.1, 1e300, -0.0, 100.0, 1.0e15, 123456789012345678, 1e16, 1e-5, 0.30000000000000004, 1e999, -1e999)`,
  `SELECT json_object('a', 1, 'b', json_array(1,2), 'c', '{"x":1}', 'a', 2)`,
  `SELECT json_object('a')`,
  `SELECT json_object(1, 2)`,
  `SELECT json_array_length('[1,2,3]'), json_array_length('{"a":[1,2]}', '$.a'), json_array_length('{}'), json_array_length('[1]', '$.x')`,
  `SELECT json_quote('a"b'), json_quote(1.5), json_quote(NULL), json_quote(json('[1]')), json_quote(char(9) || char(1) || 'é/')`,
  `SELECT json_insert('{"a":1}', '$.a', 2, '$.b', 3), json_replace('{"a":1}', '$.a', 2, '$.b', 3), json_set('{"a":1}', '$.a', 2, '$.b', json('[3]'))`,
  `SELECT json_set('{}', '$.a.b', 1), json_set('[]', '$[0]', 1), json_set('[]', '$[1]', 1), json_insert('[1]', '$[#]', 2), json_set('[1,[2]]', '$[1][#]', 3)`,
  `SELECT json_set('{"a":1}', '$.a')`,
  `SELECT json_remove('[1,2,3]', '$[1]'), json_remove('{"a":1,"b":2}', '$.a'), json_remove('{"a":1}'), json_remove('[1,2]', '$[5]'), json_remove('[1,2]', '$')`,
  `SELECT json_patch('{"a":1,"b":{"c":2}}', '{"b":{"c":null,"d":4},"e":5}'), json_patch('[1]', '{"a":1}'), json_patch('{"a":1}', '[2]')`,
  `SELECT json_pretty('{"a":[1,2],"b":{}}'), json_pretty('[]'), json_pretty('{"a":{"b":1}}', '  ')`,
  `SELECT json_array(json_extract('{"a":[1]}', '$.a'), json_extract('{"a":"[1]"}', '$.a'), '{"a":1}' -> 'a', '{"a":1}' ->> 'a')`,
  `SELECT json_object('k', json_extract('{"a":{"b":1}}', '$.a', '$.a.b')), json_quote(json_extract('{"a":"s"}', '$.a'))`,
  `SELECT json_group_array(x), json_group_object(k, x) FROM (SELECT 1 AS x, 'a' AS k UNION ALL SELECT 'y', 'b' UNION ALL SELECT NULL, 'c')`,
  `SELECT json_group_array(json_extract(v, '$.a')) FROM (SELECT '{"a":"x"}' AS v UNION ALL SELECT '{"a":[2]}')`,
  `SELECT json_group_array(json_object('k', x)) FROM (SELECT 1 AS x UNION ALL SELECT 2)`,
  `SELECT json_group_array(x) FROM (SELECT 1 AS x WHERE 0)`,
  `SELECT json(1), json(1.5), json(NULL), json('  12  '), json_extract(NULL, '$'), json_extract('[1]', NULL)`,  // Found in review: JSON5 spellings, raw control characters, whitespace, depth, NUL, flags,
  // NULL paths, -> shorthands, JSON results through CASE/coalesce/iif/COLLATE/+/CAST and json_each's value.
  `SELECT json('[inf, -inf, Inf, INFINITY, nan, QNaN, SNaN, -Infinity, NaN]')`,
  `SELECT json('[-NaN]')`,
  `SELECT json('[infx]')`,
  `SELECT json('"a' || char(10) || 'b"'), json('{''k' || char(9) || ''':1}'), json_valid('"' || char(1) || '"', 2), json_valid('"' || char(1) || '"', 1)`,
  `SELECT json('[1,' || char(12288) || '2]'), json('[1]' || char(0) || 'xyz')`,
  `SELECT json_valid(printf('%.1001c','[') || printf('%.1001c',']')), json_valid(printf('%.1000c','[') || printf('%.1000c',']'))`,
  `SELECT json_valid('[1]', 0)`,
  `SELECT json_valid('[1]', 'x')`,
  `SELECT json_valid('[1]', 3), json_valid('{a:1}', 3), json_valid('[1]', 8)`,
  `SELECT json_set('{"a":1}', NULL, 2, '$.b', 3), json_insert('{"a":1}', NULL, 2), json_remove('{"a":1}', NULL)`,
  `SELECT '{"":1}' ->> ''`,
  `SELECT '[1,2,3]' -> '[1]', '[1,2,3]' -> '[#-1]', '{"a":1}' -> '.a'`,
  `SELECT json_array(CASE WHEN 1 THEN json('[1]') END), json_array(coalesce(NULL, json('[1]'))), json_array(iif(1, json('[1]'), 2)), json_array(json('[1]') COLLATE nocase), json_array(+json('[1]')), json_array(CAST(json('[1]') AS TEXT))`,
  `SELECT json_array(value) FROM json_each('[[1],{"a":2},"s",3]')`,
  `SELECT json_array(json_extract('{"a":"s"}', '$.a')), json_object('k', json_extract('[1,[2]]', '$[1]')), json_array(coalesce(json_extract('{"a":[1]}', '$.a'), 0))`,
  `SELECT "json_extract(json)"('[1]', '$')`,
];

describe("JSON functions match SQLite", () => {
  it("on fixed corner cases", async () => {
    const { ours, theirs } = await seededPair("JSON_SEED", 1);
    expectSame(ours, theirs, CASES);
  });

  it("over a table of documents, with an index on ->>", async () => {
    const { ours, theirs, run } = await seededPair("JSON_SEED", 1);
    run("CREATE TABLE j(id INTEGER PRIMARY KEY, doc TEXT)");
    run(`INSERT INTO j(doc) VALUES ('{"name":"ann","tags":["a","b"],"age":31}'), ('{"name":"bob","tags":[],"age":null}'), ('{"name":"cy","age":"x"}')`);
    run("CREATE INDEX jn ON j(doc ->> 'name')");
    const queries = [
      "SELECT id, doc ->> 'name', doc -> 'tags', json_array_length(doc, '$.tags'), json_type(doc, '$.age') FROM j ORDER BY id",
      "SELECT id FROM j WHERE doc ->> 'age' > 30",
      "SELECT id FROM j WHERE doc ->> 'name' = 'bob'",
      "UPDATE j SET doc = json_set(doc, '$.age', 40, '$.x', json_array(1, 2)) WHERE id = 2",
      "SELECT doc FROM j ORDER BY id",
      "SELECT json_group_object(doc ->> 'name', json(doc)) FROM j",
      "SELECT id FROM j WHERE doc ->> 'name' = 'bob'",
    ];
    expectSame(ours, theirs, queries);
  });

  it("as table-valued functions, correlated with the tables to their left", async () => {
    const { ours, theirs, run } = await seededPair("JSON_SEED", 1);
    run("CREATE TABLE t(id INTEGER PRIMARY KEY, doc)");
    run(`INSERT INTO t(doc) VALUES ('[1,2]'), ('{"a":[5],"b c":{"d":null}}'), ('[]'), (NULL), ('7')`);
    const queries = [
      `SELECT * FROM json_each('{"a":1,"b":[2,3],"c d":{"e":"x"},"é":"\u00e9","a_b":4}')`,
      `SELECT * FROM json_tree('{"a":1,"b":[2,3,[4,{"f":true}]],"c d":{"e":"x"}}')`,
      `SELECT * FROM json_each('{"a":{"b":[7,8]}}', '$.a.b')`,
      `SELECT * FROM json_tree('{"a":{"b":[7,8]}}', '$.a')`,
      `SELECT * FROM json_each('[1,2]', '$[1]')`,
      `SELECT * FROM json_each('{"a":1}', '$.x')`,
      `SELECT * FROM json_each('[1,2]', '$', 3)`,
      `SELECT * FROM json_each('[1')`,
      `SELECT * FROM no_such_function(1)`,
      "SELECT t.id, j.key, j.value, j.type FROM t, json_each(t.doc) AS j ORDER BY 1, 2",
      "SELECT t.id, j.fullkey, j.atom, j.parent FROM t JOIN json_tree(t.doc) j ORDER BY 1, 2",
      "SELECT t.id, j.value FROM t LEFT JOIN json_each(t.doc) j ORDER BY 1, 2",
      "SELECT id FROM t WHERE 2 IN (SELECT value FROM json_each(t.doc)) ORDER BY 1",
      "SELECT id FROM t WHERE id IN (SELECT value FROM json_each('[1,3,9]')) ORDER BY 1",
      "SELECT id, (SELECT count(*) FROM json_each(t.doc)) FROM t ORDER BY id",
      "SELECT a.value, b.value FROM json_each('[1,2]') a, json_each('[3,4]') b ORDER BY 1, 2",
      "SELECT * FROM pragma_table_info('t')",
      "SELECT m.name, p.name, p.type FROM sqlite_schema m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY 1, 2",
      "SELECT * FROM pragma_user_version",
      "SELECT count(*) FROM pragma_index_list('t')",
      // Found in review: a function reading a table later in FROM runs after it; two calls of
      // one function; no parentheses; pragma functions never change a setting.
      "SELECT t.id, e.value FROM json_each(t.doc) e, t ORDER BY 1, 2",
      "SELECT t.id, e.value FROM json_each(t.doc) e JOIN t ON 1 ORDER BY 1, 2",
      "SELECT 1 FROM json_each('[1]'), json_each('[2]')",
      "SELECT * FROM json_each",
      "SELECT * FROM pragma_cache_size(100)",
      "SELECT * FROM pragma_foreign_keys(1)",
      "SELECT * FROM pragma_journal_mode('delete')",
      "SELECT * FROM pragma_user_version(5)",
      "SELECT * FROM pragma_integrity_check(1)",
      "SELECT * FROM pragma_table_info('t', 'main')",
      "SELECT * FROM pragma_table_info('t', 'aux')",
      "SELECT * FROM pragma_table_list('t')",
    ];
    expectSame(ours, theirs, queries);
  });

  it("on random documents, paths and edits", async () => {
    const { seed, rnd, pick, ours, theirs } = await seededPair("JSON_SEED", 2611227);
    const keys = ["a", "b", "c d", "é", "x"];
    const scalar = () => pick(["1", "-2", "0", "3.25", "1e3", "-0.5E-2", "true", "false", "null", '"s"', '""', '"a\\"b"', '"\\u00e9\\n"', "12345678901234567890"]);
    const value = (depth: number): string => {
      const r = rnd();
      if (depth > 2 || r < 0.4) return scalar();
      if (r < 0.7) return `[${Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1)).join(", ")}]`;
      return `{${Array.from({ length: Math.floor(rnd() * 4) }, () => `"${pick(keys)}": ${value(depth + 1)}`).join(", ")}}`;
    };
    const path = (): string => {
      let p = "$";
      const n = Math.floor(rnd() * 3);
      for (let i = 0; i < n; i++) p += pick([`.${pick(["a", "b", "x"])}`, `."${pick(keys)}"`, `[${Math.floor(rnd() * 3)}]`, "[#-1]", "[#]"]);
      return p;
    };
    const sqlValue = () => pick(["1", "2.5", "'t'", "NULL", "json('[1,{\"q\":2}]')", "json_object('k', 1)", "-0.0", "1e20"]);
    const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
    for (let i = 0; i < 400; i++) {
      const doc = q(value(0));
      const sql = pick([
        () => `SELECT json(${doc})`,
        () => `SELECT json_extract(${doc}, '${path()}')`,
        () => `SELECT json_extract(${doc}, '${path()}', '${path()}')`,
        () => `SELECT ${doc} -> '${path()}', ${doc} ->> '${path()}'`,
        () => `SELECT ${doc} ->> ${pick(["'a'", "'b'", "0", "1", "-1"])}`,
        () => `SELECT json_type(${doc}, '${path()}'), json_array_length(${doc}, '${path()}')`,
        () => `SELECT json_set(${doc}, '${path()}', ${sqlValue()})`,
        () => `SELECT json_insert(${doc}, '${path()}', ${sqlValue()}, '${path()}', ${sqlValue()})`,
        () => `SELECT json_replace(${doc}, '${path()}', ${sqlValue()})`,
        () => `SELECT json_remove(${doc}, '${path()}', '${path()}')`,
        () => `SELECT json_patch(${doc}, ${q(value(0))})`,
        () => `SELECT json_array(${sqlValue()}, ${sqlValue()}), json_object('a', ${sqlValue()})`,
        // Every column, ids and parents included (SQLite numbers nodes by their JSONB offsets).
        () => `SELECT * FROM json_tree(${doc})`,
        () => `SELECT * FROM json_each(${doc}, '${path()}')`,
        () => `SELECT * FROM json_tree(${doc}, '${path()}')`,
      ])();
      const { got, want } = bothRows(ours, theirs, sql);
      expect(got, `seed ${seed}, case ${i}: ${sql}`).toEqual(want);
    }
  });
});
