/**
 * The minimizer: shrinks a failing check and the statements before it while the same kind of
 * failure persists. Statements are dropped in chunks (ddmin), then every node of every statement
 * is tried: clauses removed, subexpressions replaced by a child or a simpler literal, list items,
 * columns and constraints removed, joins simplified. Each candidate must pass the determinism
 * rules (validate.ts), so shrinking cannot invent a scan-order difference.
 */
import { lit, renderSetup, type Expr, type SetupItem } from "./ast.js";
import { compareState, evalCheck, runSetup, type Outcome, type Pair } from "./checks.js";
import type { EngineFactory } from "./engines.js";
import type { Check } from "./gen.js";
import { validCheck } from "./validate.js";

export interface Repro {
  history: SetupItem[];
  check: Check;
  category: string;
}

export interface MinimizeEnv {
  ours: EngineFactory;
  theirs: EngineFactory;
  tables: string[];
}

export interface Root {
  h: SetupItem[];
  c: Check;
}

/** The walker treats the AST as untyped JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
type Key = string | number;
type Path = Key[];
/** Mutates a clone of the root; false if it does not apply. */
export type Edit = (r: Root) => boolean;

// ---------------------------------------------------------------------------------------------
// Building and checking candidates

function newPair(env: MinimizeEnv): Pair {
  return { ours: env.ours.create(), theirs: env.theirs.create() };
}

function closePair(p: Pair): void {
  p.ours.close();
  p.theirs.close();
}

/** Replays history on both engines: null if it already differs somewhere (another failure). */
export function replay(env: MinimizeEnv, h: SetupItem[]): Pair | null {
  const p = newPair(env);
  if (runSetup(p, h) || compareState(p, env.tables, [])?.ok === false) {
    closePair(p);
    return null;
  }
  return p;
}

export class Tester {
  attempts = 0;
  private cachedKey: string | null = null;
  private cached: Pair | null = null;

  constructor(private readonly env: MinimizeEnv) {}

  /** Runs the check after the history; the outcome, or null if the history itself fails. */
  run(h: SetupItem[], c: Check): Outcome | null {
    this.attempts++;
    const readOnly = c.k !== "stmt";
    let pair: Pair | null;
    const key = JSON.stringify(h);
    if (readOnly && this.cachedKey === key && this.cached) pair = this.cached;
    else {
      pair = replay(this.env, h);
      if (readOnly) {
        this.dispose();
        this.cached = pair;
        this.cachedKey = key;
      }
    }
    if (!pair) return null;
    try {
      return evalCheck(c, pair, this.env.tables);
    } finally {
      if (!readOnly) closePair(pair);
    }
  }

  fails(r: Root, category: string): boolean {
    if (!validCheck(r.c, r.h)) return false;
    try {
      const o = this.run(r.h, r.c);
      if (category === "real-digits") return !!o && o.ok && !!o.approx;
      return !!o && !o.ok && o.category === category;
    } catch {
      return false;
    }
  }

  dispose(): void {
    if (this.cached) closePair(this.cached);
    this.cached = null;
    this.cachedKey = null;
  }
}

// ---------------------------------------------------------------------------------------------
// Edits

function getAt(root: unknown, path: Path): Loose {
  let x: Loose = root;
  for (const k of path) x = x?.[k];
  return x;
}

const EXPR_KINDS = new Set(["lit", "col", "un", "bin", "isnull", "is", "between", "in", "insub", "exists", "sub", "case", "cast", "like", "fn", "collate", "paren"]);

function isExpr(x: Loose): x is Expr {
  return x && typeof x === "object" && !Array.isArray(x) && EXPR_KINDS.has(x.k) && !("item" in x);
}

const LIT_RANK: Record<string, number> = { NULL: 0, "0": 1, "1": 2, "'a'": 3 };

function childPaths(e: Expr): Path[] {
  switch (e.k) {
    case "un":
    case "isnull":
    case "is":
    case "cast":
    case "collate":
    case "paren":
    case "insub":
      return [["e"]];
    case "bin":
      return [["l"], ["r"]];
    case "between":
      return [["e"], ["lo"], ["hi"]];
    case "in":
      return [["e"], ...e.list.map((_, i) => ["list", i])];
    case "case":
      return [...(e.base ? [["base"]] : []), ...e.whens.flatMap((_, i) => [["whens", i, "w"], ["whens", i, "t"]]), ...(e.els ? [["els"]] : [])];
    case "like":
      return [["e"], ["p"]];
    case "fn":
      return e.args.map((_, i) => ["args", i]);
    case "sub": {
      const s = e.q.arms[0]!;
      if (e.q.arms.length === 1 && !s.from.length && s.cols !== "*" && s.cols.length === 1) return [["q", "arms", 0, "cols", 0, "e"]];
      return [];
    }
    default:
      return [];
  }
}

const NULLABLE = ["where", "having", "limit", "offset", "on", "els", "base", "esc", "check", "dflt", "using"];
const FLAGS = ["distinct", "not", "unique", "notNull", "desc", "postfix", "np"];
const SIMPLER_JOIN: Record<string, string> = { "RIGHT JOIN": "JOIN", "FULL JOIN": "LEFT JOIN", "LEFT JOIN": "JOIN", "NATURAL LEFT JOIN": "NATURAL JOIN", "NATURAL JOIN": ",", "CROSS JOIN": ",", JOIN: "," };

function setAt(path: Path, v: unknown): Edit {
  return (r) => {
    const parent = getAt(r, path.slice(0, -1));
    if (!parent) return false;
    parent[path[path.length - 1]!] = structuredClone(v);
    return true;
  };
}

function replaceWithChild(path: Path, child: Path): Edit {
  return (r) => {
    const parent = getAt(r, path.slice(0, -1));
    const c = getAt(r, [...path, ...child]);
    if (!parent || !c) return false;
    parent[path[path.length - 1]!] = c;
    return true;
  };
}

function removeAt(path: Path, i: number): Edit {
  return (r) => {
    const a = getAt(r, path);
    if (!Array.isArray(a) || i >= a.length) return false;
    a.splice(i, 1);
    return true;
  };
}

/** Drops a column from a table and from every index and INSERT of that table. */
function dropColumn(table: string, col: string): Edit {
  return (r) => {
    const fixInsert = (d: Loose): boolean => {
      if (d.k !== "insert" || d.table !== table) return true;
      const j = d.cols.indexOf(col);
      if (j < 0) return true;
      d.cols.splice(j, 1);
      for (const row of d.rows) row.splice(j, 1);
      return d.cols.length > 0;
    };
    const out: SetupItem[] = [];
    for (const it of r.h) {
      if (it.k === "create" && it.t.name === table) {
        it.t.cols = it.t.cols.filter((c) => c.name !== col);
        if (!it.t.cols.length) return false;
        if (it.t.pk) {
          it.t.pk = it.t.pk.filter((c) => c !== col);
          if (!it.t.pk.length) it.t.pk = null;
        }
        it.t.uniques = it.t.uniques.map((u) => u.filter((c) => c !== col)).filter((u) => u.length);
      } else if (it.k === "index" && it.ix.table === table) {
        it.ix.cols = it.ix.cols.filter((c) => c.c !== col);
        if (!it.ix.cols.length) continue;
      } else if (it.k === "dml" && !fixInsert(it.d)) continue;
      out.push(it);
    }
    r.h = out;
    if (r.c.k === "stmt" && r.c.item.k === "dml" && !fixInsert(r.c.item.d)) return false;
    return true;
  };
}

function removeInsertCol(path: Path, j: number): Edit {
  return (r) => {
    const d = getAt(r, path);
    if (!d || d.cols.length <= 1) return false;
    d.cols.splice(j, 1);
    for (const row of d.rows) row.splice(j, 1);
    return true;
  };
}

function removeArm(path: Path, i: number): Edit {
  return (r) => {
    const q = getAt(r, path);
    if (!q || q.arms.length <= 1) return false;
    q.arms.splice(i, 1);
    q.ops.splice(i === 0 ? 0 : i - 1, 1);
    return true;
  };
}

/** Every candidate edit of the root, roughly biggest first (pre-order). */
export function collectEdits(root: Root, checkFirst = false): Edit[] {
  const out: Edit[] = [];
  const visit = (node: Loose, path: Path, parent: Loose): void => {
    if (Array.isArray(node)) {
      const key = path[path.length - 1];
      let minLen = -1;
      if (key === "cols") {
        if (parent && "uniques" in parent) {
          for (const c of node) out.push(dropColumn(parent.name, c.name));
        } else if (parent?.k === "insert") {
          node.forEach((_: unknown, j: number) => out.push(removeInsertCol(path.slice(0, -1), j)));
        } else if (parent && ("from" in parent || parent.k === "tlp" || "table" in parent)) minLen = 1;
      } else if (key === "arms") {
        node.forEach((_: unknown, i: number) => out.push(removeArm(path.slice(0, -1), i)));
      } else if (key === "h" || key === "group" || key === "order" || key === "list" || key === "uniques") minLen = 0;
      else if (key === "from" || key === "whens" || key === "sets" || key === "rows" || key === "using") minLen = 1;
      else if (key === "args" && parent?.name !== "printf" && parent?.name !== "format") minLen = 0;
      if (minLen >= 0 && node.length > minLen) for (let i = 0; i < node.length; i++) out.push(removeAt(path, i));
      node.forEach((x: unknown, i: number) => visit(x, [...path, i], node));
      return;
    }
    if (!node || typeof node !== "object") return;
    if (isExpr(node)) {
      for (const c of childPaths(node)) out.push(replaceWithChild(path, c));
      const rank = node.k === "lit" ? (LIT_RANK[node.v] ?? 9) : 10;
      for (const [v, r] of Object.entries(LIT_RANK)) if (r < rank) out.push(setAt(path, lit(v)));
    }
    if ("distinct" in node && Array.isArray(node.from) && node.from.length) out.push(setAt([...path, "from"], []));
    for (const prop of NULLABLE) if (node[prop] !== undefined && node[prop] !== null) out.push(setAt([...path, prop], null));
    if (node.pk === true) out.push(setAt([...path, "pk"], false));
    else if (Array.isArray(node.pk)) out.push(setAt([...path, "pk"], null));
    for (const f of FLAGS) if (node[f] === true) out.push(setAt([...path, f], false));
    if (node.nulls) out.push(setAt([...path, "nulls"], undefined));
    if (typeof node.join === "string" && SIMPLER_JOIN[node.join]) out.push(setAt([...path, "join"], SIMPLER_JOIN[node.join]));
    if (node.k === "insert" && node.or) out.push(setAt([...path, "or"], ""));
    if (node.k === "collate") out.push(replaceWithChild(path, ["e"]));
    for (const [k, v] of Object.entries(node)) if (v && typeof v === "object") visit(v, [...path, k], node);
  };
  if (checkFirst) {
    visit(root.c, ["c"], root);
    visit(root.h, ["h"], root);
  } else visit(root, [], null);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The loop

export interface MinimizeOptions {
  /** Wall-clock budget in milliseconds. */
  budgetMs: number;
  /** Called now and then with the current best (for progress reports). */
  onProgress?: (r: Repro) => void;
}

export function minimize(start: Repro, env: MinimizeEnv, o: MinimizeOptions): { repro: Repro; attempts: number; complete: boolean } {
  const tester = new Tester(env);
  const deadline = Date.now() + o.budgetMs;
  let cur: Root = { h: structuredClone(start.history), c: structuredClone(start.check) };
  const cat = start.category;
  let complete = false;
  const report = (): void => o.onProgress?.({ history: cur.h, check: cur.c, category: cat });
  try {
    if (!tester.fails(cur, cat)) return { repro: start, attempts: tester.attempts, complete: false };
    // ddmin over the statements before the check.
    for (let chunk = Math.max(1, Math.floor(cur.h.length / 2)); chunk >= 1 && Date.now() < deadline; chunk = Math.floor(chunk / 2)) {
      for (let i = 0; i < cur.h.length && Date.now() < deadline; ) {
        const cand: Root = { h: [...cur.h.slice(0, i), ...cur.h.slice(i + chunk)], c: cur.c };
        if (tester.fails(cand, cat)) cur = cand;
        else i += chunk;
      }
    }
    report();
    // Node-level edits to a fixpoint.
    let progress = true;
    while (progress && Date.now() < deadline) {
      progress = false;
      let edits = collectEdits(cur);
      for (let i = 0; i < edits.length && Date.now() < deadline; i++) {
        const cand = structuredClone(cur);
        if (!edits[i]!(cand)) continue;
        if (JSON.stringify(cand) === JSON.stringify(cur)) continue;
        if (tester.fails(cand, cat)) {
          cur = cand;
          progress = true;
          edits = collectEdits(cur);
          i--;
          report();
        }
      }
    }
    complete = !progress;
  } finally {
    tester.dispose();
  }
  return { repro: { history: cur.h, check: cur.c, category: cat }, attempts: tester.attempts, complete };
}

/** The statements of a repro, ready to paste into a shell. */
export function reproSql(r: Repro): string[] {
  return r.history.map((it) => renderSetup(it) + ";");
}
