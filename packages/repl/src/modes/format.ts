/**
 * Renders result tables the way the sqlite3 shell prints them in each output mode.
 * Every function returns the complete text to write (possibly "" — sqlite3 prints
 * nothing at all, not even headers, for a result without rows).
 */
import Table from "cli-table3";
import { stringify } from "csv-stringify/sync";
import type { ShellResult, ShellValue } from "../connection.js";

export const MODES = ["box", "column", "csv", "json", "line", "list", "table", "tabs"] as const;
export type ModeName = (typeof MODES)[number];
/** `tabs` is list mode with a tab separator, as in sqlite3 (`.mode` then reports `list`). */
export type Mode = Exclude<ModeName, "tabs">;

export interface OutputSettings {
  mode: Mode;
  headers: boolean;
  /** Set once headers were chosen explicitly; `.mode column` then leaves them alone. */
  headersSet: boolean;
  colSep: string;
  rowSep: string;
  nullValue: string;
}

export function defaultOutput(): OutputSettings {
  return { mode: "list", headers: false, headersSet: false, colSep: "|", rowSep: "\n", nullValue: "" };
}

export function isModeName(name: string): name is ModeName {
  return (MODES as readonly string[]).includes(name);
}

/**
 * Switches mode like `.mode NAME` (`fromFlag`: like the command-line option `-NAME`, which in
 * sqlite3 only sets the column separator: `-csv` keeps "\n" rows while `.mode csv` uses "\r\n").
 */
export function setMode(s: OutputSettings, name: ModeName, fromFlag = false): void {
  s.mode = name === "tabs" ? "list" : name;
  if (name === "tabs") s.colSep = "\t";
  else if (name === "csv") s.colSep = ",";
  else if (name === "list" && !fromFlag) s.colSep = "|";
  if (fromFlag) return;
  s.rowSep = name === "csv" ? "\r\n" : "\n";
  if (name === "column" && !s.headersSet) s.headers = true;
}

/** A value as text: NULL as the null value, REAL and INTEGER as JS prints them, blobs as raw bytes. */
export function valueText(v: ShellValue, nullValue: string): string {
  if (v === null) return nullValue;
  if (typeof v === "string") return v;
  if (typeof v === "number") return v === Infinity ? "Inf" : v === -Infinity ? "-Inf" : String(v);
  if (typeof v === "bigint") return v.toString();
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("latin1");
}

export function formatResult(result: ShellResult, s: OutputSettings): string {
  const { columns, rows } = result;
  if (rows.length === 0 || columns.length === 0) return "";
  switch (s.mode) {
    case "list": return formatList(result, s);
    case "csv": return formatCsv(result, s);
    case "json": return formatJson(result);
    case "line": return formatLine(result, s);
    case "box":
    case "table":
    case "column": return formatTable(result, s);
  }
}

function formatList({ columns, rows }: ShellResult, s: OutputSettings): string {
  let out = s.headers ? columns.join(s.colSep) + s.rowSep : "";
  for (const row of rows) out += row.map((v) => valueText(v, s.nullValue)).join(s.colSep) + s.rowSep;
  return out;
}

/**
 * sqlite3 quotes a CSV field holding anything but printable ASCII other than `"` and `'`
 * (so spaces and non-ASCII text are quoted), or the separator; empty text is quoted as `""`
 * to tell it from NULL, which prints as the (unquoted) null value.
 */
const CSV_NEEDS_QUOTE = /[^!#-&(-~]/;

function formatCsv({ columns, rows }: ShellResult, s: OutputSettings): string {
  const records: (string | null)[][] = rows.map((row) =>
    row.map((v) => (v === null ? null : valueText(v, s.nullValue))),
  );
  if (s.headers) records.unshift(columns);
  return stringify(records, {
    delimiter: s.colSep,
    record_delimiter: s.rowSep,
    quoted_match: CSV_NEEDS_QUOTE,
    cast: {
      string: (value) => ({ value, quoted_empty: true }),
      null: () => ({ value: s.nullValue, quoted_match: null }),
    },
  });
}

/** One object per row, rows joined by ",\n", as sqlite3's `.mode json`. */
function formatJson({ columns, rows }: ShellResult): string {
  const names = columns.map((c) => JSON.stringify(c) + ":");
  const objects = rows.map((row) => "{" + row.map((v, i) => names[i] + jsonValue(v)).join(",") + "}");
  return "[" + objects.join(",\n") + "]\n";
}

function jsonValue(v: ShellValue): string {
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return v === Infinity ? "1e999" : v === -Infinity ? "-1e999" : String(v);
  return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex").toUpperCase());
}

/** `name = value`, names right-aligned (at least 5 wide), a blank line between rows. */
function formatLine({ columns, rows }: ShellResult, s: OutputSettings): string {
  const width = Math.max(5, ...columns.map((c) => c.length));
  return rows
    .map((row) => columns.map((c, i) => `${c.padStart(width)} = ${valueText(row[i], s.nullValue)}${s.rowSep}`).join(""))
    .join(s.rowSep);
}

const BOX_CHARS = {
  top: "─", "top-mid": "┬", "top-left": "┌", "top-right": "┐",
  bottom: "─", "bottom-mid": "┴", "bottom-left": "└", "bottom-right": "┘",
  left: "│", "left-mid": "├", mid: "─", "mid-mid": "┼", right: "│", "right-mid": "┤", middle: "│",
};
const TABLE_CHARS = {
  top: "-", "top-mid": "+", "top-left": "+", "top-right": "+",
  bottom: "-", "bottom-mid": "+", "bottom-left": "+", "bottom-right": "+",
  left: "|", "left-mid": "+", mid: "-", "mid-mid": "+", right: "|", "right-mid": "+", middle: "|",
};
/** Column mode: no borders, two spaces between columns, a dashed line under the headers. */
const COLUMN_CHARS = {
  top: "", "top-mid": "", "top-left": "", "top-right": "",
  bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
  left: "", "left-mid": "", mid: "-", "mid-mid": "  ", right: "", "right-mid": "", middle: "  ",
};

/**
 * box, table and column modes through cli-table3: values left-aligned, headers centred
 * (box, table) and always shown there; column mode obeys `.headers`. `compact` draws a rule
 * only under the header row, as sqlite3 does.
 */
function formatTable({ columns, rows }: ShellResult, s: OutputSettings): string {
  const column = s.mode === "column";
  const head = columns.map((c) => ({ content: c, hAlign: column ? "left" : "center" }));
  const table = new Table({
    // cli-table3 accepts cell objects as headers at run time; its typings say string[].
    head: head as unknown as string[],
    chars: column ? COLUMN_CHARS : s.mode === "box" ? BOX_CHARS : TABLE_CHARS,
    style: { head: [], border: [], compact: true, "padding-left": column ? 0 : 1, "padding-right": column ? 0 : 1 },
  });
  for (const row of rows) table.push(row.map((v) => valueText(v, s.nullValue)));
  let lines = table.toString().split("\n");
  if (column && !s.headers) {
    // sqlite3 sizes the columns to the headers even when it does not print them.
    const headHeight = Math.max(...columns.map((c) => c.split("\n").length));
    lines = lines.slice(headHeight + 1);
  }
  return lines.join("\n") + "\n";
}
