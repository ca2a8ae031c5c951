/** Groups failures by cause: the engine's error message (numbers and literals blurred), or the kind of wrong result. */
import type { Failure } from "./execute.js";

export interface Cause {
  cause: string;
  count: number;
  /** The first failure of this cause: file, line and SQL to reproduce it. */
  example: Failure;
}

const HASH = /^(\d+) values hashing to /;

/** How a wrong result differs: no rows, rows where none were expected, fewer/more values, or other values. */
function resultShape(f: Failure): string {
  const count = (lines: string[]): number => {
    const m = lines.length === 1 ? HASH.exec(lines[0]!) : null;
    return m ? Number(m[1]) : lines.length;
  };
  const want = count(f.expected);
  const got = count(f.got);
  if (got === 0 && want > 0) return "no rows";
  if (want === 0 && got > 0) return "rows where none expected";
  if (got !== want) return got < want ? "fewer values" : "more values";
  return "different values";
}

export function causeOf(f: Failure): string {
  const kind = f.reason.startsWith("wrong result") ? `${f.reason} (${resultShape(f)})` : f.reason.replace(/; running at or after line \d+$/, "");
  if (f.reason.startsWith("crashed")) {
    const thrown = f.error?.split("\n").find((l) => /^\w*Error\b/.test(l));
    return thrown ? `${kind}: ${thrown}` : kind;
  }
  if (f.error === undefined || f.reason.startsWith("timeout")) return kind;
  const error = f.error.split("\n")[0]!.replace(/'[^']*'/g, "'…'").replace(/\d+/g, "N");
  return f.reason === "statement error" || f.reason === "query failed" ? `${f.reason}: ${error}` : `${kind} [error while stepping: ${error}]`;
}

/** Causes, most frequent first. */
export function groupCauses(failures: Failure[]): Cause[] {
  const by = new Map<string, Cause>();
  for (const f of failures) {
    const cause = causeOf(f);
    const c = by.get(cause);
    if (c) c.count++;
    else by.set(cause, { cause, count: 1, example: f });
  }
  return [...by.values()].sort((a, b) => b.count - a.count);
}
