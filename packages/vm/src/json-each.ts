/**
 * The table-valued functions json_each and json_tree (json1.html#jeach): one row per element of
 * a JSON array or object (json_each) or per node of the document, depth first (json_tree).
 * Columns: key, value, type, atom, id, parent, fullkey, path. `id` is the element's byte offset
 * in SQLite's JSONB encoding of the document (the label's offset for an object member), as
 * SQLite numbers nodes, so that ids and parents agree with SQLite's.
 */
import { keyIndex, parseJson, parsePath, stringify, toSql, typeName, unescapeString, type JNode, type PathStep } from "./json.js";
import { toText, utf8Decode, type SqlValue } from "./value.js";

export const JSON_EACH_COLUMNS = ["key", "value", "type", "atom", "id", "parent", "fullkey", "path"] as const;

const utf8Length = (s: string) => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
};

/** JSONB header size for a payload of `n` bytes. */
function headerSize(n: number): number {
  return n <= 11 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** Payload bytes of a node in JSONB (cached per node). */
const payloads = new WeakMap<JNode, number>();
function payload(n: JNode): number {
  const cached = payloads.get(n);
  if (cached !== undefined) return cached;
  let p: number;
  switch (n.t) {
    case "int":
    case "real":
      p = n.text.length;
      break;
    case "str":
      p = utf8Length(n.raw);
      break;
    case "arr":
      p = n.items.reduce((s, x) => s + size(x), 0);
      break;
    case "obj":
      p = n.keys.reduce((s, k, i) => s + labelSize(k) + size(n.vals[i]!), 0);
      break;
    default:
      p = 0;
  }
  payloads.set(n, p);
  return p;
}

function size(n: JNode): number {
  const p = payload(n);
  return headerSize(p) + p;
}

function labelSize(raw: string): number {
  const p = utf8Length(raw);
  return headerSize(p) + p;
}

/** `.label`, quoted unless it is a letter followed by letters and digits (SQLite's fullkey). */
function labelStep(raw: string): string {
  return /^[A-Za-z][A-Za-z0-9]*$/.test(raw) ? `.${raw}` : `."${raw}"`;
}

function row(key: SqlValue, n: JNode, id: number, parent: number | null, fullkey: string, path: string): SqlValue[] {
  const container = n.t === "arr" || n.t === "obj";
  const value = container ? stringify(n) : toSql(n);
  return [key, value, typeName(n), container ? null : value, id, parent, fullkey, path];
}

/** Where `steps` lead: the node, its id (the label's offset for a member), the value's offset, key and paths. */
function locate(root: JNode, steps: PathStep[]): { node: JNode; id: number; off: number; key: SqlValue; fullkey: string; parentPath: string } | null {
  let n = root;
  let off = 0;
  let id = 0;
  let key: SqlValue = null;
  let fullkey = "$";
  let parentPath = "$";
  for (const st of steps) {
    let at = off + headerSize(payload(n));
    parentPath = fullkey;
    if ("key" in st) {
      if (n.t !== "obj") return null;
      const k = keyIndex(n, st.key);
      if (k < 0) return null;
      for (let j = 0; j < k; j++) at += labelSize(n.keys[j]!) + size(n.vals[j]!);
      id = at;
      off = at + labelSize(n.keys[k]!);
      key = unescapeString(n.keys[k]!);
      fullkey += labelStep(n.keys[k]!);
      n = n.vals[k]!;
    } else {
      if (n.t !== "arr") return null;
      const i = "index" in st ? st.index : n.items.length - st.fromEnd;
      if (i < 0 || i >= n.items.length) return null;
      for (let j = 0; j < i; j++) at += size(n.items[j]!);
      id = off = at;
      key = i;
      fullkey += `[${i}]`;
      n = n.items[i]!;
    }
  }
  return { node: n, id, off, key, fullkey, parentPath };
}

/** The children of container `n` at offset `off`: key, node, id (label offset for members), value offset, fullkey. */
function* children(n: JNode, off: number, fullkey: string): Generator<{ key: SqlValue; node: JNode; id: number; off: number; fullkey: string }> {
  let at = off + headerSize(payload(n));
  if (n.t === "arr") {
    for (let i = 0; i < n.items.length; i++) {
      const c = n.items[i]!;
      yield { key: i, node: c, id: at, off: at, fullkey: `${fullkey}[${i}]` };
      at += size(c);
    }
  } else if (n.t === "obj") {
    for (let i = 0; i < n.keys.length; i++) {
      const raw = n.keys[i]!;
      const c = n.vals[i]!;
      const valueAt = at + labelSize(raw);
      yield { key: unescapeString(raw), node: c, id: at, off: valueAt, fullkey: fullkey + labelStep(raw) };
      at = valueAt + size(c);
    }
  }
}

/**
 * Rows of json_each(json [, path]) (`tree` false) or json_tree(json [, path]) (`tree` true).
 * Throws "malformed JSON" or "bad JSON path" (DB_ERROR). NULL arguments give no rows. Full keys
 * start with the path as written (`$[#-1][0]`), as SQLite's do.
 */
export function jsonEachRows(args: SqlValue[], tree: boolean): SqlValue[][] {
  const [j, p] = args;
  if (j === null || j === undefined || p === null) return [];
  const root = parseJson(j instanceof Uint8Array ? utf8Decode(j) : (toText(j) as string));
  const pathText = p === undefined ? "$" : (toText(p) as string);
  const at = locate(root, parsePath(pathText));
  if (!at) return [];
  const out: SqlValue[][] = [];
  if (!tree) {
    if (at.node.t !== "arr" && at.node.t !== "obj") return [row(null, at.node, at.id, null, pathText, pathText)];
    for (const c of children(at.node, at.off, pathText)) out.push(row(c.key, c.node, c.id, null, c.fullkey, pathText));
    return out;
  }
  const walk = (key: SqlValue, n: JNode, id: number, off: number, parent: number | null, fullkey: string, path: string) => {
    out.push(row(key, n, id, parent, fullkey, path));
    for (const c of children(n, off, fullkey)) walk(c.key, c.node, c.id, c.off, id, c.fullkey, fullkey);
  };
  const top = treeRoot(root, pathText, at.id);
  walk(top.key, at.node, at.id, at.off, null, pathText, top.path);
  return out;
}

/**
 * The key and path of json_tree's first row when a path was given, derived from the path's text
 * as SQLite's jsonEachPathLength does: the longest prefix, cut at a `.` or `[`, whose node holds
 * the row's node first (else `$`); the rest of the text is the key (an array index read as an
 * integer, a quoted label unquoted).
 */
function treeRoot(root: JNode, z: string, id: number): { key: SqlValue; path: string } {
  if (z.length === 1) return { key: null, path: z };
  let n = z.length;
  while (n > 1) {
    n--;
    if (z[n] !== "[" && z[n] !== ".") continue;
    let steps: PathStep[];
    try {
      steps = parsePath(z.slice(0, n));
    } catch {
      continue;
    }
    const loc = locate(root, steps);
    if (loc && loc.off + headerSize(payload(loc.node)) === id) break;
  }
  const m = z.length - n;
  let key: SqlValue = null;
  if (m > 0) {
    if (z[n] === "[") {
      const d = /^[+-]?\d+/.exec(z.slice(n + 1, n + m));
      key = d ? Number(d[0]) : 0;
    } else if (z[n + 1] === '"') key = z.slice(n + 2, n + m - 1);
    else key = z.slice(n + 1, n + m);
  }
  return { key, path: z.slice(0, n) };
}
