/**
 * The sqllogictest script format, as the reference C driver reads it
 * (see /work/shared/sqllogictest/README.md): `\r` stripped, `#` lines dropped,
 * records separated by blank lines, `skipif`/`onlyif` conditions before a record.
 */

/** The engine name matched by `skipif` / `onlyif`. */
export const ENGINE = "sqlite";

export type SortMode = "nosort" | "rowsort" | "valuesort";

interface Base {
  /** 1-based line of the record's command (after any conditions). */
  line: number;
  /** True if a skipif/onlyif condition excludes this record. */
  skip: boolean;
}

export type SltRecord =
  | (Base & { kind: "statement"; expectError: boolean; sql: string })
  | (Base & { kind: "query"; types: string; sort: SortMode; label: string; sql: string; expected: string[] })
  | (Base & { kind: "hash-threshold"; n: number })
  | (Base & { kind: "halt" })
  | (Base & { kind: "unknown"; text: string });

/** True for the records that count as passed, failed or skipped. */
export function isTest(r: SltRecord): boolean {
  return r.kind === "statement" || r.kind === "query" || r.kind === "unknown";
}

/** Splits the script into records (each a list of [lineNumber, text]). */
function splitRecords(text: string): Array<Array<[number, string]>> {
  const out: Array<Array<[number, string]>> = [];
  let cur: Array<[number, string]> = [];
  const lines = text.replace(/\r/g, "").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("#")) continue;
    if (line.trim() === "") {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push([i + 1, line]);
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Parses a whole script. Records after a (non-skipped) `halt` are not returned.
 */
export function parseScript(text: string): SltRecord[] {
  const records: SltRecord[] = [];
  for (const lines of splitRecords(text)) {
    let skip = false;
    let i = 0;
    for (; i < lines.length; i++) {
      const [cmd, arg] = lines[i]![1].trim().split(/\s+/);
      if (cmd === "skipif") skip ||= arg === ENGINE;
      else if (cmd === "onlyif") skip ||= arg !== ENGINE;
      else break;
    }
    if (i >= lines.length) continue; // conditions only
    const rec = parseRecord(lines.slice(i), skip);
    records.push(rec);
    if (rec.kind === "halt" && !rec.skip) break;
  }
  return records;
}

function parseRecord(lines: Array<[number, string]>, skip: boolean): SltRecord {
  const [line, head] = lines[0]!;
  const tok = head.trim().split(/\s+/);
  const body = lines.slice(1).map(([, t]) => t);
  switch (tok[0]) {
    case "statement":
      if (tok[1] === "ok" || tok[1] === "error") {
        return { kind: "statement", line, skip, expectError: tok[1] === "error", sql: body.join("\n") };
      }
      break;
    case "query": {
      const sort = (tok[2] ?? "nosort") as SortMode;
      if (!tok[1] || !["nosort", "rowsort", "valuesort"].includes(sort)) break;
      const sep = body.indexOf("----");
      const sql = (sep < 0 ? body : body.slice(0, sep)).join("\n");
      const expected = sep < 0 ? [] : body.slice(sep + 1);
      return { kind: "query", line, skip, types: tok[1], sort, label: tok[3] ?? "", sql, expected };
    }
    case "hash-threshold":
      return { kind: "hash-threshold", line, skip, n: Number(tok[1] ?? 0) };
    case "halt":
      return { kind: "halt", line, skip };
  }
  return { kind: "unknown", line, skip, text: head };
}
