/**
 * The command line: `db [OPTIONS] [FILE] [SQL...]`, options spelled with one dash or two as
 * in sqlite3, applied in the order given (`-csv -separator ;` differs from the reverse).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { defaultOutput, setMode, type ModeName, type OutputSettings } from "./modes/format.js";

export interface ShellSettings extends OutputSettings {
  timer: boolean;
  bail: boolean;
}

export function defaultSettings(): ShellSettings {
  return { ...defaultOutput(), timer: false, bail: false };
}

export interface CommandLine {
  /** Database to open; ":memory:" when none is named. */
  file: string;
  /** SQL statements and dot-commands to run, then exit. */
  sql: string[];
  /** `-cmd` commands, run before anything else. */
  commands: string[];
  settings: ShellSettings;
  help: boolean;
  version: boolean;
}

/** A bad command line; the message is printed after "Error: ". */
export class UsageError extends Error {}

const OPTIONS = {
  bail: { type: "boolean" },
  box: { type: "boolean" },
  cmd: { type: "string", multiple: true },
  column: { type: "boolean" },
  csv: { type: "boolean" },
  header: { type: "boolean" },
  headers: { type: "boolean" },
  help: { type: "boolean" },
  json: { type: "boolean" },
  line: { type: "boolean" },
  list: { type: "boolean" },
  noheader: { type: "boolean" },
  nullvalue: { type: "string" },
  separator: { type: "string" },
  table: { type: "boolean" },
  tabs: { type: "boolean" },
  version: { type: "boolean" },
} as const;

export const USAGE = `Usage: db [OPTIONS] [FILENAME [SQL...]]
FILENAME is the name of a database file; it is created if it does not exist.
Without FILENAME an in-memory database is used. Each SQL argument (a statement or
a dot-command) is run in turn, then the shell exits; without any, statements are
read from standard input, interactively when it is a terminal.
OPTIONS include:
   -bail                stop after hitting an error
   -box                 set output mode to 'box'
   -cmd COMMAND         run "COMMAND" before reading stdin
   -column              set output mode to 'column'
   -csv                 set output mode to 'csv'
   -header              turn headers on
   -help                show this message
   -json                set output mode to 'json'
   -line                set output mode to 'line'
   -list                set output mode to 'list'
   -noheader            turn headers off
   -nullvalue TEXT      set text string for NULL values. Default ''
   -separator SEP       set output column separator. Default: '|'
   -table               set output mode to 'table'
   -tabs                set output mode to 'tabs'
   -version             show the version
`;

/**
 * sqlite3 spells long options with one dash: rewrite `-name` to `--name` for parseArgs, and
 * join a string option to its value (`--separator=-`) so a value starting with "-" is kept.
 */
function normalize(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") return out.concat(argv.slice(i));
    const m = /^--?([A-Za-z][\w-]*)$/.exec(arg);
    if (!m) {
      out.push(arg);
      continue;
    }
    const name = m[1].toLowerCase();
    const spec = (OPTIONS as Record<string, { type: string }>)[name];
    if (!spec) throw new UsageError(`unknown option: ${arg}`);
    if (spec.type === "string") {
      if (i + 1 >= argv.length) throw new UsageError(`missing argument to ${arg}`);
      out.push(`--${name}=${argv[++i]}`);
    } else {
      out.push(`--${name}`);
    }
  }
  return out;
}

export function parseCommandLine(argv: string[]): CommandLine {
  let tokens;
  try {
    ({ tokens } = parseArgs({ args: normalize(argv), options: OPTIONS, allowPositionals: true, strict: true, tokens: true }));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
  const line: CommandLine = { file: ":memory:", sql: [], commands: [], settings: defaultSettings(), help: false, version: false };
  const s = line.settings;
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    const { name, value = "" } = token;
    switch (name) {
      case "header": case "headers": s.headers = true; s.headersSet = true; break;
      case "noheader": s.headers = false; s.headersSet = true; break;
      case "separator": s.colSep = resolveBackslashes(value); break;
      case "nullvalue": s.nullValue = value; break;
      case "cmd": line.commands.push(value); break;
      case "bail": s.bail = true; break;
      case "help": line.help = true; break;
      case "version": line.version = true; break;
      default: setMode(s, name as ModeName, true);
    }
  }
  if (positionals.length > 0) line.file = positionals[0];
  line.sql = positionals.slice(1);
  return line;
}

/** `\t`, `\n`, `\r`, `\\`, `\"`, `\'` as in sqlite3's separators. */
export function resolveBackslashes(s: string): string {
  const map: Record<string, string> = { t: "\t", n: "\n", r: "\r", "\\": "\\", '"': '"', "'": "'" };
  return s.replace(/\\(.)/g, (all, c: string) => map[c] ?? all);
}

/** The version of @db/repl, from its package.json (beside both src/ and dist/). */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}
