/**
 * Emits MULTI-INDEX OR (planner Access "or"): each arm's seek runs in turn and records the rowids
 * it finds, skipping those an earlier arm found (SQLite's RowSet test), so rows come in arm order
 * as SQLite yields them; the level then visits the table at each recorded rowid.
 */
import { Op } from "@db/vm";
import type { Ctx, Scope, Source } from "./context.js";
import type { Access, Level } from "./planner.js";

type Or = Extract<Access, { kind: "or" }>;
type EmitLoops = (ctx: Ctx, scope: Scope, levels: Level[], i: number, body: () => void) => void;

/** Fills a new ephemeral list with the arms' rowids and returns its cursor. */
export function emitOrRowids(ctx: Ctx, scope: Scope, src: Source, acc: Or, emitLoops: EmitLoops): number {
  const b = ctx.b;
  const seen = b.cursor();
  const list = b.cursor();
  b.emit(Op.OpenEphemeral, seen, 1);
  b.emit(Op.OpenEphemeral, list, 0);
  const rid = b.reg();
  b.planDepth++;
  acc.arms.forEach((arm, i) => {
    b.note(`INDEX ${i + 1}`);
    b.planDepth++;
    // An index arm reads rowids from the index alone: the table is visited once, afterwards.
    if (arm.kind === "index") src.cover = { cursor: arm.cursor, pos: new Map() };
    emitLoops(ctx, scope, [{ source: src, access: arm, onTerms: [], terms: [], orArm: true }], 0, () => {
      const skip = b.label();
      b.emit(Op.Rowid, src.cover ? src.cover.cursor : src.cursor, rid);
      b.emit(Op.EphInsert, seen, rid, 1, skip);
      b.emit(Op.EphInsert, list, rid, 1);
      b.place(skip);
    });
    delete src.cover;
    b.planDepth--;
  });
  b.planDepth--;
  return list;
}
