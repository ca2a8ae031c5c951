/**
 * SQLite's JSON SQL functions (json1.html): json, json_valid, json_extract and the -> and ->>
 * operators, json_type, json_array, json_object, json_array_length, json_quote, json_set,
 * json_insert, json_replace, json_remove, json_patch, json_pretty, and the aggregates
 * json_group_array and json_group_object.
 *
 * SQLite marks the values its JSON functions return with a subtype, so that
 * `json_array(json('[1]'))` nests the array instead of quoting its text. @db decides it when the
 * statement is compiled: the compiler passes `asJson[i]` for each argument that is a call of a
 * JSON function (see jsonScalar), and such text is parsed instead of quoted (json_extract's
 * text only when it is an array or object, the results SQLite marks).
 */
import { DbError } from "@db/btree";
import type { AggregateFunction } from "./aggregates.js";
import {
  JNULL, edit, escapeString, fromSql, isJson, lookup, mergePatch, parseJson, parsePath, pretty, stringify, toSql, typeName,
  type JNode, type PathStep,
} from "./json.js";
import { isInteger, toText, utf8Decode, type SqlValue } from "./value.js";

/** `asJson[i]`: 1 when argument i is JSON, 2 when it is JSON if an array or object (json_extract's result). */
type JsonFn = (args: SqlValue[], asJson: readonly number[]) => SqlValue;

/** No argument marked as JSON (a call the compiler did not mark). */
export const NO_JSON_ARGS: readonly number[] = [];

function text(v: SqlValue): string {
  return v instanceof Uint8Array ? utf8Decode(v) : (toText(v) as string);
}

/** The JSON document an argument holds (NULL stays undefined). Throws "malformed JSON". */
function doc(v: SqlValue): JNode | undefined {
  return v === null ? undefined : parseJson(text(v));
}

function pathOf(v: SqlValue): PathStep[] | null {
  return v === null ? null : parsePath(text(v));
}

/** The path the right operand of -> and ->> names: a path, an object label, or an array index. */
function arrowPath(v: SqlValue): PathStep[] | null {
  if (v === null) return null;
  if (isInteger(v)) {
    const i = Number(v);
    return [i < 0 ? { fromEnd: -i } : { index: i }];
  }
  const s = text(v);
  if (s.startsWith("$")) return parsePath(s);
  // `x -> '[1]'` is `$[1]`; any other text is a label: `$.label` (an empty one is a bad path).
  if (s.startsWith("[")) return parsePath(`$${s}`);
  if (s === "") throw new DbError("DB_ERROR", "bad JSON path: ''");
  return [{ key: s }];
}

/** What `j -> p` finds, as `out` gives it (JSON text for ->, an SQL value for ->>), or NULL. */
function arrow(j: SqlValue, p: SqlValue, out: (n: JNode) => SqlValue): SqlValue {
  const d = doc(j);
  const steps = arrowPath(p);
  const n = d && steps ? lookup(d, steps) : undefined;
  return n ? out(n) : null;
}

function extract(args: SqlValue[]): SqlValue {
  const j = doc(args[0]!);
  if (!j) return null;
  if (args.length === 2) {
    const p = pathOf(args[1]!);
    if (!p) return null;
    const n = lookup(j, p);
    return n ? toSql(n) : null;
  }
  // Several paths: a JSON array of what each finds (null where nothing).
  const items: JNode[] = [];
  for (const a of args.slice(1)) {
    const p = pathOf(a);
    if (!p) return null;
    items.push(lookup(j, p) ?? JNULL);
  }
  return stringify({ t: "arr", items });
}

function editFn(mode: "set" | "insert" | "replace"): JsonFn {
  return (args, asJson) => {
    if (args.length % 2 === 0) throw new DbError("DB_ERROR", `json_${mode}() needs an odd number of arguments`);
    let j = doc(args[0]!);
    if (!j) return null;
    for (let i = 1; i < args.length; i += 2) {
      const p = pathOf(args[i]!);
      // A NULL path: SQLite skips the pair.
      if (!p) continue;
      j = edit(j, p, mode, fromSql(args[i + 1]!, asJson[i + 1] ?? 0))!;
    }
    return stringify(j);
  };
}

export const jsonFunctions: Record<string, { minArgs: number; maxArgs: number; fn: JsonFn }> = {
  json: { minArgs: 1, maxArgs: 1, fn: ([x]) => (x === null ? null : stringify(parseJson(text(x)))) },
  json_valid: {
    minArgs: 1,
    maxArgs: 2,
    // Flags (json_valid(X, F)): 1 RFC 8259 text (the default), 2 JSON5 text; JSONB bits are not kept apart.
    fn: ([x, f]) => {
      const flags = f === undefined ? 1 : typeof f === "number" || typeof f === "bigint" ? Number(f) : NaN;
      if (!(flags >= 1 && flags <= 15)) throw new DbError("DB_ERROR", "FLAGS parameter to json_valid() must be between 1 and 15");
      if (x === null) return null;
      // Flags 1 and 2: RFC 8259 or JSON5 text; 4 and 8 (JSONB) are not supported: only text is valid.
      if ((flags & 3) === 0) return 0;
      return isJson(text(x), (flags & 2) === 0) ? 1 : 0;
    },
  },
  json_extract: { minArgs: 2, maxArgs: Infinity, fn: extract },
  "->": { minArgs: 2, maxArgs: 2, fn: ([j, p]) => arrow(j!, p!, stringify) },
  "->>": { minArgs: 2, maxArgs: 2, fn: ([j, p]) => arrow(j!, p!, toSql) },
  json_type: {
    minArgs: 1,
    maxArgs: 2,
    fn: ([j, p]) => {
      const d = doc(j!);
      if (!d) return null;
      if (p === undefined) return typeName(d);
      const steps = pathOf(p);
      const n = steps && lookup(d, steps);
      return n ? typeName(n) : null;
    },
  },
  json_array_length: {
    minArgs: 1,
    maxArgs: 2,
    fn: ([j, p]) => {
      const d = doc(j!);
      if (!d) return null;
      const steps = p === undefined ? [] : pathOf(p);
      const n = steps && lookup(d, steps);
      if (!n) return null;
      return n.t === "arr" ? n.items.length : 0;
    },
  },
  json_array: { minArgs: 0, maxArgs: Infinity, fn: (args, asJson) => stringify({ t: "arr", items: args.map((a, i) => fromSql(a, asJson[i] ?? 0)) }) },
  json_object: {
    minArgs: 0,
    maxArgs: Infinity,
    fn: (args, asJson) => {
      if (args.length % 2) throw new DbError("DB_ERROR", "json_object() requires an even number of arguments");
      const keys: string[] = [];
      const vals: JNode[] = [];
      for (let i = 0; i < args.length; i += 2) {
        const k = args[i]!;
        if (typeof k !== "string") throw new DbError("DB_ERROR", "json_object() labels must be TEXT");
        keys.push(escapeString(k));
        vals.push(fromSql(args[i + 1]!, asJson[i + 1] ?? 0));
      }
      return stringify({ t: "obj", keys, vals });
    },
  },
  json_quote: { minArgs: 1, maxArgs: 1, fn: ([x], asJson) => stringify(fromSql(x!, asJson[0] ?? 0)) },
  json_set: { minArgs: 1, maxArgs: Infinity, fn: editFn("set") },
  json_insert: { minArgs: 1, maxArgs: Infinity, fn: editFn("insert") },
  json_replace: { minArgs: 1, maxArgs: Infinity, fn: editFn("replace") },
  json_remove: {
    minArgs: 1,
    maxArgs: Infinity,
    fn: (args) => {
      let j: JNode | null | undefined = doc(args[0]!);
      if (!j) return null;
      for (const a of args.slice(1)) {
        const p = pathOf(a);
        if (!p) return null;
        j = edit(j, p, "remove");
        if (!j) return null;
      }
      return stringify(j);
    },
  },
  json_patch: {
    minArgs: 2,
    maxArgs: 2,
    fn: ([t, p]) => {
      const a = doc(t!);
      const b = doc(p!);
      return a && b ? stringify(mergePatch(a, b)) : null;
    },
  },
  json_pretty: {
    minArgs: 1,
    maxArgs: 2,
    fn: ([j, ind]) => {
      const d = doc(j!);
      if (!d) return null;
      return pretty(d, ind === undefined || ind === null ? "    " : text(ind));
    },
  },
};

/**
 * json_extract as an argument of a JSON function: what it finds as JSON text (a string stays a
 * string), since SQLite marks its array and object results as JSON. Not a function SQL can name.
 */
export function jsonExtractAsJson(args: SqlValue[]): SqlValue {
  if (args.length > 2) return extract(args);
  const j = doc(args[0]!);
  const p = pathOf(args[1]!);
  const n = j && p ? lookup(j, p) : undefined;
  return n ? stringify(n) : null;
}

/** The names whose results SQLite marks as JSON (so that another JSON function nests them). */
export const JSON_RESULT_FUNCTIONS: ReadonlySet<string> = new Set([
  "json", "json_array", "json_object", "json_quote", "json_set", "json_insert", "json_replace", "json_remove", "json_patch",
  "json_group_array", "json_group_object", "->",
]);

/** The functions that take SQL values, whose JSON-marked arguments are nested as JSON. */
export const JSON_VALUE_FUNCTIONS: ReadonlySet<string> = new Set([
  "json_array", "json_object", "json_quote", "json_set", "json_insert", "json_replace", "json_group_array", "json_group_object",
]);

/** The scalar JSON function `name` with `asJson` marking the arguments that are JSON (a compile-time subtype). */
export function jsonScalar(name: string, asJson: readonly number[]): (args: SqlValue[]) => SqlValue {
  const f = jsonFunctions[name]!;
  return (args) => f.fn(args, asJson);
}

interface GroupState {
  items: JNode[];
  keys: string[];
}

/** json_group_array / json_group_object; `ctx.asJson` marks a JSON value argument. */
export const jsonAggregates: Record<string, AggregateFunction<GroupState>> = {
  json_group_array: {
    nArgs: 1,
    minArgs: 1,
    maxArgs: 1,
    init: () => ({ items: [], keys: [] }),
    step(s, args, ctx) {
      s.items.push(fromSql(args[0]!, ctx?.asJson?.[0] ?? 0));
    },
    final: (s) => stringify({ t: "arr", items: s.items }),
  },
  json_group_object: {
    nArgs: 2,
    minArgs: 2,
    maxArgs: 2,
    init: () => ({ items: [], keys: [] }),
    step(s, args, ctx) {
      const k = args[0]!;
      // SQLite skips rows whose label is NULL.
      if (k === null) return;
      s.keys.push(escapeString(text(k)));
      s.items.push(fromSql(args[1]!, ctx?.asJson?.[1] ?? 0));
    },
    final: (s) => stringify({ t: "obj", keys: s.keys, vals: s.items }),
  },
};

