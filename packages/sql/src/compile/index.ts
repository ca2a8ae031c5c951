/** The compiler: a parsed statement and the catalog in, a vm Program out. */
import { DbError, EXPLAIN_COLUMNS, Op, explainRows, scalarFunctions, type Program, type ColumnMeta } from "@db/vm";
import type { CommonTableExpr, ParsedStatement, Statement } from "../ast.js";
import type { Schema } from "../schema.js";
import { Builder } from "./builder.js";
import { withCteScope, type Ctx, type FunctionDef } from "./context.js";
import { compileCreateIndex, compileCreateTable, compileCreateTrigger, compileCreateView, compileDrop } from "./ddl.js";
import { compileDelete, compileInsert, compileUpdate } from "./dml.js";
import { compilePragma, emitStaticRows } from "./pragma.js";
import { compileSelect } from "./select.js";
import { compileVacuum } from "./vacuum.js";
import { compileAlter } from "./alter.js";
import { compileAnalyze } from "./analyze.js";
import "./pragma-storage.js";
import "./pragma-wal.js";

export type { FunctionDef } from "./context.js";

/** The built-in scalar functions, as a registry the engine can extend with user functions. */
export function builtinFunctions(): Map<string, FunctionDef> {
  const m = new Map<string, FunctionDef>();
  for (const [name, f] of scalarFunctions) m.set(name, { nArgs: f.nArgs, minArgs: f.minArgs, maxArgs: f.maxArgs, fn: f.fn, deterministic: f.deterministic });
  return m;
}

export interface CompileOptions {
  functions?: Map<string, FunctionDef>;
}

/**
 * Compiles one statement against `schema`.
 * Throws DbError (DB_ERROR: unknown table/column/function, DB_CONSTRAINT never at compile time).
 */
export function compile(parsed: ParsedStatement, schema: Schema, options: CompileOptions = {}): Program {
  const b = new Builder();
  if (parsed.params) b.declareParams(parsed.params.count, parsed.params.names);
  const ctx: Ctx = { b, schema, functions: options.functions ?? builtinFunctions(), ctes: [], depth: 0 };
  const { columns, kind } = compileStatement(ctx, parsed.statement, parsed.text);
  b.emit(Op.Halt);
  return b.finish(columns, kind, schema.version);
}

const WRITES = new Set(["insert", "update", "delete", "create-table", "create-index", "create-view", "create-trigger", "drop", "alter-table"]);

function compileStatement(ctx: Ctx, st: Statement, text: string): { columns: ColumnMeta[]; kind: string } {
  const b = ctx.b;
  const kind = st.kind;
  if (st.kind === "explain") {
    const inner = new Builder();
    inner.declareParams(b.nParams, b.paramNames);
    const ictx: Ctx = { ...ctx, b: inner };
    const r = compileStatement(ictx, st.statement, text);
    inner.emit(Op.Halt);
    const program: Program = inner.finish(r.columns, r.kind, ctx.schema.version);
    b.nParams = inner.nParams;
    b.paramNames = inner.paramNames;
    if (st.queryPlan) {
      const rows = inner.plan.map((p, i) => {
        let parent = 0;
        for (let j = i - 1; j >= 0; j--) if (inner.plan[j]!.depth < p.depth) {
          parent = j + 1;
          break;
        }
        return [i + 1, parent, 0, p.text];
      });
      return { columns: emitStaticRows(ctx, ["id", "parent", "notused", "detail"], rows), kind: "explain" };
    }
    return { columns: emitStaticRows(ctx, EXPLAIN_COLUMNS, explainRows(program)), kind: "explain" };
  }
  if (WRITES.has(kind)) {
    b.writes = true;
    b.emit(Op.Transaction, 1);
  } else if (kind === "select" || kind === "pragma") {
    b.emit(Op.Transaction, 0);
  }
  switch (st.kind) {
    case "select": {
      const info = compileSelect(ctx, st, { kind: "output" }, null);
      return { columns: info.columns, kind };
    }
    case "insert": {
      const columns = withCtes(ctx, st.with, () => compileInsert(ctx, st));
      const t = ctx.schema.getTable(st.table);
      const oneRow = st.source.kind === "default" || (st.source.kind === "values" && st.source.rows.length === 1);
      // RETURNING is evaluated, and an upsert's DO UPDATE checked, after the write: either can fail later.
      if (oneRow && st.orAction !== "REPLACE" && !st.returning && !st.upsert && t?.kind === "table" && t.triggers.length === 0) b.stmtJournal = false;
      return { columns, kind };
    }
    case "update":
      return { columns: withCtes(ctx, st.with, () => compileUpdate(ctx, st)), kind };
    case "delete":
      return { columns: withCtes(ctx, st.with, () => compileDelete(ctx, st)), kind };
    case "create-table":
      return { columns: compileCreateTable(ctx, st, text), kind };
    case "create-index":
      return { columns: compileCreateIndex(ctx, st, text), kind };
    case "create-view":
      return { columns: compileCreateView(ctx, st, text), kind };
    case "alter-table":
      return { columns: compileAlter(ctx, st, text), kind };
    case "create-trigger":
      return { columns: compileCreateTrigger(ctx, st, text), kind };
    case "drop":
      return { columns: compileDrop(ctx, st), kind };
    case "pragma": {
      const columns = compilePragma(ctx, st);
      if (b.writes) b.instrs[0]!.p1 = 1;
      return { columns, kind };
    }
    case "begin":
      b.emit(Op.AutoCommit, st.mode === "IMMEDIATE" || st.mode === "EXCLUSIVE" ? 3 : 0);
      return { columns: [], kind };
    case "commit":
      b.emit(Op.AutoCommit, 1);
      return { columns: [], kind };
    case "rollback":
      if (st.savepoint) b.emit(Op.Savepoint, 2, 0, 0, st.savepoint);
      else b.emit(Op.AutoCommit, 2);
      return { columns: [], kind };
    case "savepoint":
      b.emit(Op.Savepoint, 0, 0, 0, st.name);
      return { columns: [], kind };
    case "release":
      b.emit(Op.Savepoint, 1, 0, 0, st.name);
      return { columns: [], kind };
    case "vacuum":
      b.writes = true;
      return { columns: compileVacuum(ctx, st), kind };
    case "reindex": {
      // Indexes use binary keys that never go stale; REINDEX only validates its target.
      const target = st.target?.toLowerCase();
      if (target && !ctx.schema.indexes.has(target) && !ctx.schema.getTable(target) && !["binary", "nocase", "rtrim"].includes(target)) {
        throw new DbError("DB_ERROR", `unable to identify the object to be reindexed`);
      }
      return { columns: [], kind };
    }
    case "analyze":
      b.writes = true;
      b.emit(Op.Transaction, 1);
      return { columns: compileAnalyze(ctx, st), kind };
    default: {
      const k = (st as { kind: string }).kind;
      throw new DbError("DB_ERROR", `${k.toUpperCase().replace("-", " ")} is not supported yet`);
    }
  }
}

/** Compiles a DML statement with its `WITH` prefix's CTEs in scope (lang_with.html: INSERT, UPDATE, DELETE). */
function withCtes<T>(ctx: Ctx, w: { ctes: CommonTableExpr[] } | undefined, compile: () => T): T {
  if (w === undefined) return compile();
  return withCteScope(ctx, [...ctx.ctes, new Map(w.ctes.map((c) => [c.name.toLowerCase(), c]))], compile);
}
