/**
 * Row triggers (lang_createtrigger.html): each firing is compiled inline at the point where the
 * row is written, with NEW and OLD as rows held in registers. Recursive firing of a trigger from
 * its own body is off, as with SQLite's default `recursive_triggers = OFF`.
 */
import type { Statement } from "../ast.js";
import type { Table } from "../schema.js";
import { Scope, tableSource, withCteScope, type Ctx, type Source } from "./context.js";
import { compileDelete, compileInsert, compileUpdate } from "./dml.js";
import { compileCondition } from "./expr.js";
import { compileSelect } from "./select.js";

export interface TriggerRows {
  newBase?: number;
  newRowid?: number;
  oldBase?: number;
  oldRowid?: number;
}

/** A source over a row of `t` held in registers base..base+n-1 (rowid in `rowid`): NEW, OLD, RETURNING. */
export function rowSource(name: string, t: Table, base: number, rowid: number): Source {
  return { ...tableSource(t, name, -1), regBase: base, regRowid: rowid };
}

/** The scope statements of the current trigger body see (NEW/OLD), or null outside triggers. */
export function outerScope(ctx: Ctx): Scope | null {
  return ctx.trigger?.scope ?? null;
}

export function hasTriggers(t: Table, event: string): boolean {
  return t.triggers.some((tr) => tr.ast.event === event);
}

/** Emits the bodies of `t`'s triggers for `event` at `timing`. `skip` is where RAISE(IGNORE) jumps. */
export function fireTriggers(ctx: Ctx, t: Table, event: "INSERT" | "UPDATE" | "DELETE", timing: "BEFORE" | "AFTER" | "INSTEAD OF", rows: TriggerRows, skip: number, setCols?: Set<number>): void {
  const b = ctx.b;
  // SQLite fires the most recently created trigger first.
  for (let ti = t.triggers.length - 1; ti >= 0; ti--) {
    const trig = t.triggers[ti]!;
    const a = trig.ast;
    if (a.event !== event || a.timing !== timing) continue;
    if (a.updateOf && setCols) {
      const hit = a.updateOf.some((name) => setCols.has(t.columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase())));
      if (!hit) continue;
    }
    const key = trig.name.toLowerCase();
    if (ctx.trigger?.stack.includes(key)) continue;
    const sources: Source[] = [];
    if (rows.newBase !== undefined) sources.push(rowSource("new", t, rows.newBase, rows.newRowid!));
    if (rows.oldBase !== undefined) sources.push(rowSource("old", t, rows.oldBase, rows.oldRowid!));
    const scope = new Scope(sources, ctx.trigger?.scope ?? null);
    const saved = ctx.trigger;
    ctx.trigger = { scope, stack: [...(saved?.stack ?? []), key], ignore: skip };
    const end = b.label();
    try {
      // A trigger program names the schema's tables, not the CTEs of the statement that fired it.
      withCteScope(ctx, [], () => {
        if (a.when) compileCondition(ctx, scope, a.when, end, false, true);
        for (const st of a.body) compileBody(ctx, st, scope);
      });
    } finally {
      ctx.trigger = saved;
    }
    b.place(end);
  }
}

function compileBody(ctx: Ctx, st: Statement, scope: Scope): void {
  switch (st.kind) {
    case "insert":
      compileInsert(ctx, st);
      break;
    case "update":
      compileUpdate(ctx, st);
      break;
    case "delete":
      compileDelete(ctx, st);
      break;
    case "select":
      compileSelect(ctx, st, { kind: "discard" }, scope);
      break;
    default:
      break;
  }
}
