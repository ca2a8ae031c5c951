/** VACUUM: rebuild the database compactly (issue 3). */
import type { ColumnMeta } from "@db/vm";
import type { Vacuum } from "../ast.js";
import type { Ctx } from "./context.js";

export function compileVacuum(_ctx: Ctx, _st: Vacuum): ColumnMeta[] {
  return []; // Accepted; does nothing yet.
}
