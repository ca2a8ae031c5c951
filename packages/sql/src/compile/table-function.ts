/**
 * Table-valued functions in FROM (SQLite's eponymous virtual tables): json_each and json_tree
 * (json1.html#jeach), and the read-only pragmas as pragma_<name>(arg) (pragma.html#pragfunc).
 * The function runs each time its loop starts, so its arguments may read the tables to its left
 * (`FROM t, json_each(t.doc)`); its rows fill an in-memory table the loop scans.
 */
import { DbError, JSON_EACH_COLUMNS, Op, jsonEachRows, type PragmaContext, type SqlValue } from "@db/vm";
import type { TableFunctionRef } from "../ast.js";
import type { Ctx, Scope, Source } from "./context.js";
import { compileExpr } from "./expr.js";
import { pragmaTable } from "./pragma.js";

export interface TableFunction {
  columns: string[];
  maxArgs: number;
  run: (args: SqlValue[], c: PragmaContext) => SqlValue[][];
}

function tableFunction(ctx: Ctx, name: string): TableFunction | null {
  if (name === "json_each" || name === "json_tree") return { columns: [...JSON_EACH_COLUMNS], maxArgs: 2, run: (args) => jsonEachRows(args, name === "json_tree") };
  if (name.startsWith("pragma_")) return pragmaTable(ctx, name.slice("pragma_".length));
  return null;
}

/** The source of `item`. Throws DB_ERROR as SQLite: no such table (unknown function), too many arguments. */
export function tableFunctionSource(ctx: Ctx, item: TableFunctionRef): Source {
  const name = item.name.toLowerCase();
  const f = tableFunction(ctx, name);
  if (!f) throw new DbError("DB_ERROR", `no such table: ${item.name}`);
  if (item.args.length > f.maxArgs) throw new DbError("DB_ERROR", `too many arguments on ${item.name}() - max ${f.maxArgs}`);
  return {
    name: item.alias ?? item.name,
    table: null,
    columns: f.columns.map((c, i) => ({ name: c, affinity: null, collation: "BINARY", type: "", index: i })),
    cursor: ctx.b.cursor(),
    hidden: new Set(),
    join: "inner",
    on: null,
    tvf: { name, args: item.args, run: f.run },
  };
}

/** Runs the function into its source's cursor (at the start of the source's loop). */
export function emitTableFunction(ctx: Ctx, scope: Scope, src: Source): void {
  const b = ctx.b;
  const { args, run, name } = src.tvf!;
  const first = b.reg(Math.max(1, args.length));
  args.forEach((a, i) => compileExpr(ctx, scope, a, first + i));
  b.emit(Op.TableFunction, src.cursor, first, args.length, { run, explain: name });
}
