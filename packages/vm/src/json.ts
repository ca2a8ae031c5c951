/**
 * JSON values as SQLite's JSON functions see them (json1.html): parsing RFC 8259 text (and, where
 * SQLite accepts it, JSON5), minified and pretty output, paths (`$`, `.key`, `."key"`, `[N]`,
 * `[#]`, `[#-N]`), and conversion between JSON and SQL values. Numbers and strings keep the text
 * they were written with (SQLite's json() prints `1e5` and `"\u0041"` as written).
 */
import { DbError } from "@db/btree";
import { formatFloat } from "./fpformat.js";
import { Real, makeReal, textToNumeric, type SqlValue } from "./value.js";

export type JNode =
  | { t: "null" }
  | { t: "true" }
  | { t: "false" }
  /** `text` is canonical JSON: JSON5 forms (hex, +1, .5, Infinity) are converted when parsed. */
  | { t: "int"; text: string }
  | { t: "real"; text: string }
  /** `raw`: the string's content as JSON text, between the quotes, escapes as written. */
  | { t: "str"; raw: string }
  | { t: "arr"; items: JNode[] }
  /** Keys as raw JSON string content; duplicates kept in order, as SQLite keeps them. */
  | { t: "obj"; keys: string[]; vals: JNode[] };

export const JNULL: JNode = { t: "null" };

export function malformed(): DbError {
  return new DbError("DB_ERROR", "malformed JSON");
}

const MAX_DEPTH = 1000;

/** Parses JSON text; `strict` refuses JSON5. Throws "malformed JSON" (DB_ERROR). */
export function parseJson(text: string, strict = false): JNode {
  // SQLite reads JSON text as a C string: a NUL ends it.
  const nul = text.indexOf("\0");
  if (nul >= 0) text = text.slice(0, nul);
  const p = new Parser(text, strict);
  p.ws();
  const v = p.value(0);
  p.ws();
  if (p.i !== text.length) throw malformed();
  return v;
}

/** True when `text` is JSON (RFC 8259 text when `strict`, else also JSON5). */
export function isJson(text: string, strict: boolean): boolean {
  try {
    parseJson(text, strict);
    return true;
  } catch {
    return false;
  }
}

class Parser {
  i = 0;
  constructor(
    readonly s: string,
    readonly strict: boolean,
  ) {}

  ws(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else if (!this.strict && (c === 0x0b || c === 0x0c || c === 0xa0 || c === 0xfeff || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000)) this.i++;
      else if (!this.strict && c === 0x2f && s[this.i + 1] === "/") {
        const e = s.indexOf("\n", this.i);
        this.i = e < 0 ? s.length : e + 1;
      } else if (!this.strict && c === 0x2f && s[this.i + 1] === "*") {
        const e = s.indexOf("*/", this.i + 2);
        if (e < 0) throw malformed();
        this.i = e + 2;
      } else return;
    }
  }

  value(depth: number): JNode {
    const s = this.s;
    const c = s[this.i];
    // SQLite refuses an array or object nested MAX_DEPTH deep (JSON_MAX_DEPTH).
    if ((c === "{" || c === "[") && depth >= MAX_DEPTH) throw malformed();
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"' || (c === "'" && !this.strict)) return { t: "str", raw: this.string() };
    if (s.startsWith("null", this.i) && !identChar(s[this.i + 4])) {
      this.i += 4;
      return JNULL;
    }
    if (s.startsWith("true", this.i) && !identChar(s[this.i + 4])) {
      this.i += 4;
      return { t: "true" };
    }
    if (s.startsWith("false", this.i) && !identChar(s[this.i + 5])) {
      this.i += 5;
      return { t: "false" };
    }
    return this.number();
  }

  object(depth: number): JNode {
    this.i++;
    const keys: string[] = [];
    const vals: JNode[] = [];
    this.ws();
    if (this.s[this.i] === "}") {
      this.i++;
      return { t: "obj", keys, vals };
    }
    for (;;) {
      this.ws();
      const c = this.s[this.i];
      if (c === '"' || (c === "'" && !this.strict)) keys.push(this.string());
      else if (!this.strict && c !== undefined && identStart(c)) {
        const start = this.i;
        while (identChar(this.s[this.i])) this.i++;
        keys.push(this.s.slice(start, this.i));
      } else throw malformed();
      this.ws();
      if (this.s[this.i] !== ":") throw malformed();
      this.i++;
      this.ws();
      vals.push(this.value(depth + 1));
      this.ws();
      const d = this.s[this.i++];
      if (d === "}") return { t: "obj", keys, vals };
      if (d !== ",") throw malformed();
      this.ws();
      if (!this.strict && this.s[this.i] === "}") {
        this.i++;
        return { t: "obj", keys, vals };
      }
    }
  }

  array(depth: number): JNode {
    this.i++;
    const items: JNode[] = [];
    this.ws();
    if (this.s[this.i] === "]") {
      this.i++;
      return { t: "arr", items };
    }
    for (;;) {
      this.ws();
      items.push(this.value(depth + 1));
      this.ws();
      const d = this.s[this.i++];
      if (d === "]") return { t: "arr", items };
      if (d !== ",") throw malformed();
      this.ws();
      if (!this.strict && this.s[this.i] === "]") {
        this.i++;
        return { t: "arr", items };
      }
    }
  }

  /** A quoted string; returns its content as canonical (double-quoted) raw JSON text. */
  string(): string {
    const s = this.s;
    const q = s[this.i++]!;
    const start = this.i;
    let out: string[] | null = null;
    let from = start;
    for (;;) {
      const c = s[this.i];
      if (c === undefined) throw malformed();
      const code = c.charCodeAt(0);
      if (c === q) break;
      if (code < 0x20) {
        // A raw control character: JSON5 text only, written out escaped.
        if (this.strict) throw malformed();
        (out ??= []).push(s.slice(from, this.i), escapeString(c));
        from = ++this.i;
        continue;
      }
      if (c === '"') {
        // A double quote inside a single-quoted JSON5 string: escaped in the canonical form.
        (out ??= []).push(s.slice(from, this.i), '\\"');
        from = ++this.i;
        continue;
      }
      if (c !== "\\") {
        this.i++;
        continue;
      }
      const e = s[this.i + 1];
      if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i += 2;
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(s.slice(this.i + 2, this.i + 6))) this.i += 6;
      else if (this.strict) throw malformed();
      else if (e === "'") {
        (out ??= []).push(s.slice(from, this.i), "'");
        from = this.i += 2;
      } else if (e === "x" && /^[0-9a-fA-F]{2}$/.test(s.slice(this.i + 2, this.i + 4))) {
        (out ??= []).push(s.slice(from, this.i), `\\u00${s.slice(this.i + 2, this.i + 4)}`);
        from = this.i += 4;
      } else if (e === "v" || e === "0") {
        (out ??= []).push(s.slice(from, this.i), e === "v" ? "\\u000b" : "\\u0000");
        from = this.i += 2;
      } else if (e === "\n" || e === "\r" || e === "\u2028" || e === "\u2029") {
        // A JSON5 line continuation: the escaped line break is not part of the string.
        (out ??= []).push(s.slice(from, this.i));
        this.i += e === "\r" && s[this.i + 2] === "\n" ? 3 : 2;
        from = this.i;
      } else throw malformed();
    }
    const raw = out ? out.join("") + s.slice(from, this.i) : s.slice(start, this.i);
    this.i++;
    return raw;
  }

  number(): JNode {
    const s = this.s;
    const start = this.i;
    let sign = "";
    if (s[this.i] === "-") sign = s[this.i++]!;
    else if (s[this.i] === "+" && !this.strict) this.i++;
    if (!this.strict) {
      // JSON5's Infinity and NaN, spelled as SQLite accepts them (any case; inf; QNaN, SNaN).
      const word = /^[A-Za-z]+/.exec(s.slice(this.i, this.i + 9))?.[0].toLowerCase();
      if (word === "inf" || word === "infinity") {
        this.i += word.length;
        return { t: "real", text: `${sign}9e999` };
      }
      if ((word === "nan" || word === "qnan" || word === "snan") && s[start] !== "+" && sign === "") {
        this.i += word.length;
        return JNULL;
      }
    }
    if (!this.strict && s[this.i] === "0" && (s[this.i + 1] === "x" || s[this.i + 1] === "X")) {
      const m = /^[0-9a-fA-F]+/.exec(s.slice(this.i + 2));
      if (!m) throw malformed();
      this.i += 2 + m[0].length;
      return { t: "int", text: `${sign}${BigInt(`0x${m[0]}`)}` };
    }
    const m = /^(\d*)(\.\d*)?([eE][+-]?\d+)?/.exec(s.slice(this.i))!;
    const [all, int, frac, exp] = m;
    if (!all || (!int && (!frac || frac.length < 2)) || (int === "" && frac === undefined)) throw malformed();
    if (this.strict && (int === "" || (int!.length > 1 && int![0] === "0") || frac === ".")) throw malformed();
    if (!this.strict && int!.length > 1 && int![0] === "0") throw malformed();
    this.i += all.length;
    if (frac === undefined && exp === undefined) return { t: "int", text: `${sign}${int}` };
    // JSON5's .5 and 5. are written 0.5 and 5.0.
    const fracText = frac === undefined ? "" : frac === "." ? ".0" : frac;
    return { t: "real", text: `${sign}${int || "0"}${fracText}${exp ?? ""}` };
  }
}

function identStart(c: string): boolean {
  return /[A-Za-z_$\u0080-\uffff]/.test(c);
}

function identChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

/** Minified JSON text of a node. */
export function stringify(n: JNode): string {
  const out: string[] = [];
  write(n, out);
  return out.join("");
}

function write(n: JNode, out: string[]): void {
  switch (n.t) {
    case "null":
    case "true":
    case "false":
      out.push(n.t);
      return;
    case "int":
    case "real":
      out.push(n.text);
      return;
    case "str":
      out.push('"', n.raw, '"');
      return;
    case "arr":
      out.push("[");
      n.items.forEach((x, i) => {
        if (i) out.push(",");
        write(x, out);
      });
      out.push("]");
      return;
    case "obj":
      out.push("{");
      n.keys.forEach((k, i) => {
        if (i) out.push(",");
        out.push('"', k, '":');
        write(n.vals[i]!, out);
      });
      out.push("}");
  }
}

/** JSON text indented by `indent` per level (json_pretty). */
export function pretty(n: JNode, indent: string, depth = 0): string {
  const pad = indent.repeat(depth + 1);
  const end = indent.repeat(depth);
  if (n.t === "arr") {
    if (!n.items.length) return "[]";
    return `[\n${n.items.map((x) => pad + pretty(x, indent, depth + 1)).join(",\n")}\n${end}]`;
  }
  if (n.t === "obj") {
    if (!n.keys.length) return "{}";
    return `{\n${n.keys.map((k, i) => `${pad}"${k}": ${pretty(n.vals[i]!, indent, depth + 1)}`).join(",\n")}\n${end}}`;
  }
  return stringify(n);
}

/** A JS string as raw JSON string content: `"`, `\` and control characters escaped. */
export function escapeString(s: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(from, i);
    from = i + 1;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else out += `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return out + s.slice(from);
}

/** The text a raw JSON string content stands for (escapes decoded). */
export function unescapeString(raw: string): string {
  if (!raw.includes("\\")) return raw;
  return raw.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e[0] === "u" && e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    switch (e) {
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      default:
        return e;
    }
  });
}

/** SQLite's text for a REAL in JSON: %!.17g, infinities as ±9.0e+999, NaN as null. */
function realText(r: number): JNode {
  if (Number.isNaN(r)) return JNULL;
  if (r === Infinity) return { t: "real", text: "9.0e+999" };
  if (r === -Infinity) return { t: "real", text: "-9.0e+999" };
  return { t: "real", text: formatFloat(r, "g", 17, { altForm2: true }) };
}

/**
 * An SQL value as JSON (json_array, json_object, json_set ...): TEXT becomes a string, unless
 * it came from a JSON function (SQLite's JSON subtype): `asJson` 1 parses it, 2 parses it if it
 * is an array or object.
 * Throws DB_ERROR for a BLOB, "malformed JSON" for bad `asJson` text.
 */
export function fromSql(v: SqlValue, asJson = 0): JNode {
  if (v === null) return JNULL;
  if (typeof v === "bigint") return { t: "int", text: String(v) };
  if (typeof v === "number") return Number.isInteger(v) ? { t: "int", text: String(v) } : realText(v);
  if (v instanceof Real) return realText(v.value);
  if (typeof v === "string") {
    if (asJson === 1) return parseJson(v);
    if (asJson === 2 && /^\s*[[{]/.test(v)) {
      try {
        return parseJson(v);
      } catch {
        /* a string that only looks like JSON */
      }
    }
    return { t: "str", raw: escapeString(v) };
  }
  throw new DbError("DB_ERROR", "JSON cannot hold BLOB values");
}

/** The SQL value of a JSON node (json_extract, ->>): strings unescaped, arrays and objects as JSON text. */
export function toSql(n: JNode): SqlValue {
  switch (n.t) {
    case "null":
      return null;
    case "true":
      return 1;
    case "false":
      return 0;
    case "int":
      return textToNumeric(n.text);
    case "real": {
      const r = Number(n.text);
      return makeReal(r);
    }
    case "str":
      return unescapeString(n.raw);
    default:
      return stringify(n);
  }
}

/** json_type's name for a node. */
export function typeName(n: JNode): string {
  switch (n.t) {
    case "int":
      return "integer";
    case "str":
      return "text";
    case "arr":
      return "array";
    case "obj":
      return "object";
    default:
      return n.t;
  }
}

/** One step of a path: an object label, an array index, or an index from the end (`#-N`, `#` is 0). */
export type PathStep = { key: string } | { index: number } | { fromEnd: number };

/** Parses a JSON path ($, .key, ."key", [N], [#], [#-N]). Throws "bad JSON path: '...'". */
export function parsePath(path: string): PathStep[] {
  const bad = () => new DbError("DB_ERROR", `bad JSON path: '${path}'`);
  if (path[0] !== "$") throw bad();
  const steps: PathStep[] = [];
  let i = 1;
  while (i < path.length) {
    if (path[i] === ".") {
      i++;
      if (path[i] === '"') {
        let e = i + 1;
        while (e < path.length && path[e] !== '"') e += path[e] === "\\" ? 2 : 1;
        if (e >= path.length) throw bad();
        steps.push({ key: unescapeString(path.slice(i + 1, e)) });
        i = e + 1;
      } else {
        let e = i;
        while (e < path.length && path[e] !== "." && path[e] !== "[") e++;
        if (e === i) throw bad();
        steps.push({ key: path.slice(i, e) });
        i = e;
      }
    } else if (path[i] === "[") {
      const m = /^\[(?:(\d+)|#(?:-(\d+))?)\]/.exec(path.slice(i));
      if (!m) throw bad();
      if (m[1] !== undefined) steps.push({ index: Number(m[1]) });
      else steps.push({ fromEnd: m[2] === undefined ? 0 : Number(m[2]) });
      i += m[0].length;
    } else throw bad();
  }
  return steps;
}

/** The position of the first member of object `n` labelled `key` (labels compared unescaped), or -1. */
export function keyIndex(n: JNode & { t: "obj" }, key: string): number {
  return n.keys.findIndex((raw) => unescapeString(raw) === key);
}

/** The node `steps` lead to from `root`, or undefined. */
export function lookup(root: JNode, steps: PathStep[]): JNode | undefined {
  let n: JNode | undefined = root;
  for (const st of steps) {
    n = child(n, st);
    if (!n) return undefined;
  }
  return n;
}

function child(n: JNode, st: PathStep): JNode | undefined {
  if ("key" in st) {
    if (n.t !== "obj") return undefined;
    const k = keyIndex(n, st.key);
    return k < 0 ? undefined : n.vals[k];
  }
  if (n.t !== "arr") return undefined;
  const i = "index" in st ? st.index : n.items.length - st.fromEnd;
  return i >= 0 && i < n.items.length ? n.items[i] : undefined;
}

/**
 * Applies one edit at `steps` (json_set: replace or create, json_insert: create only,
 * json_replace: replace only, remove). Returns the new root (null when the root itself was
 * removed). Missing objects on the way are created for set and insert.
 */
export function edit(root: JNode, steps: PathStep[], mode: "set" | "insert" | "replace" | "remove", value?: JNode): JNode | null {
  if (!steps.length) {
    if (mode === "remove") return null;
    return mode === "insert" ? root : value!;
  }
  let n = root;
  for (let d = 0; d < steps.length - 1; d++) {
    const next = child(n, steps[d]!);
    if (next) {
      n = next;
      continue;
    }
    if (mode !== "set" && mode !== "insert") return root;
    // Create the missing container: an object for a label next, an array for an index next
    // (which must then append: [0] or [#]).
    const after = steps[d + 1]!;
    if (!("key" in after) && ("index" in after ? after.index : -after.fromEnd) !== 0) return root;
    const made: JNode = "key" in after ? { t: "obj", keys: [], vals: [] } : { t: "arr", items: [] };
    if (!attach(n, steps[d]!, made)) return root;
    n = made;
  }
  const last = steps[steps.length - 1]!;
  if ("key" in last) {
    if (n.t !== "obj") return root;
    const k = keyIndex(n, last.key);
    if (mode === "remove") {
      if (k >= 0) {
        n.keys.splice(k, 1);
        n.vals.splice(k, 1);
      }
    } else if (k >= 0) {
      if (mode !== "insert") n.vals[k] = value!;
    } else if (mode !== "replace") attach(n, last, value!);
    return root;
  }
  if (n.t !== "arr") return root;
  const i = "index" in last ? last.index : n.items.length - last.fromEnd;
  if (mode === "remove") {
    if (i >= 0 && i < n.items.length) n.items.splice(i, 1);
  } else if (i >= 0 && i < n.items.length) {
    if (mode !== "insert") n.items[i] = value!;
  } else if (i === n.items.length && mode !== "replace") n.items.push(value!);
  return root;
}

function attach(n: JNode, st: PathStep, v: JNode): boolean {
  if ("key" in st && n.t === "obj") {
    n.keys.push(escapeString(st.key));
    n.vals.push(v);
    return true;
  }
  if (!("key" in st) && n.t === "arr") {
    const i = "index" in st ? st.index : n.items.length - st.fromEnd;
    if (i !== n.items.length) return false;
    n.items.push(v);
    return true;
  }
  return false;
}

/** RFC 7396 merge patch (json_patch). */
export function mergePatch(target: JNode, patch: JNode): JNode {
  if (patch.t !== "obj") return patch;
  const out: JNode = target.t === "obj" ? { t: "obj", keys: [...target.keys], vals: [...target.vals] } : { t: "obj", keys: [], vals: [] };
  patch.keys.forEach((k, i) => {
    const pv = patch.vals[i]!;
    const key = unescapeString(k);
    const at = keyIndex(out, key);
    if (pv.t === "null") {
      if (at >= 0) {
        out.keys.splice(at, 1);
        out.vals.splice(at, 1);
      }
    } else if (at >= 0) out.vals[at] = mergePatch(out.vals[at]!, pv);
    else {
      out.keys.push(k);
      out.vals.push(mergePatch(JNULL, pv));
    }
  });
  return out;
}
