/**
 * The dot-commands (`.mode csv`, `.tables`, ...), each on a line of its own, as in sqlite3.
 * A command name may be abbreviated to any unambiguous prefix (`.sch` for `.schema`).
 */
import { resolveBackslashes, type ShellSettings } from "./args.js";
import type { ShellConnection } from "./connection.js";
import { isModeName, MODES, setMode } from "./modes/format.js";

/** What the commands need from the shell running them. */
export interface DotShell {
  readonly conn: ShellConnection;
  readonly settings: ShellSettings;
  out(text: string): void;
  err(text: string): void;
  /** Opens `path` and, once that succeeded, closes the current database. Throws on failure. */
  open(path: string): void;
  /** Runs a file's lines as input; false if it stopped at an error (already reported). */
  readFile(path: string): boolean;
}

/** Thrown by `.exit`/`.quit`: leave the shell (from any depth of `.read`) with `code`. */
export class ShellExit {
  constructor(readonly code: number) {}
}

/** A failed command; runDotCommand prints `text` as is (an "Error: ..." or "Usage: ..." line). */
class CommandError {
  constructor(readonly text: string) {}
}
const fail = (message: string) => new CommandError(`Error: ${message}`);

interface Command {
  args: string;
  help: string;
  /** Fewest and most arguments accepted; otherwise the usage line is printed. */
  min?: number;
  max: number;
  /** May return false for a failure it has reported itself. */
  run(shell: DotShell, args: string[]): void | boolean;
}

const COMMANDS: Record<string, Command> = {
  bail: {
    args: "on|off", help: "Stop after hitting an error.  Default OFF", min: 1, max: 1,
    run: (sh, [v]) => { sh.settings.bail = toBoolean(v); },
  },
  exit: {
    args: "?CODE?", help: "Exit this program with return-code CODE", max: 1,
    run: (_sh, [code]) => { throw new ShellExit(code === undefined ? 0 : parseInt(code, 10) || 0); },
  },
  headers: {
    args: "on|off", help: "Turn display of headers on or off", min: 1, max: 1,
    run: (sh, [v]) => { sh.settings.headers = toBoolean(v); sh.settings.headersSet = true; },
  },
  help: {
    args: "?PATTERN?", help: "Show help text for PATTERN", max: 1,
    run: (sh, [pattern = ""]) => {
      for (const [name, cmd] of Object.entries(COMMANDS)) {
        if (name.startsWith(pattern.replace(/^\./, ""))) sh.out(`.${name} ${cmd.args}`.padEnd(25) + cmd.help + "\n");
      }
    },
  },
  mode: {
    args: "MODE", help: `Set output mode: ${MODES.join(", ")}`, max: 1,
    run: (sh, [mode]) => {
      if (mode === undefined) return sh.out(`current output mode: ${sh.settings.mode}\n`);
      if (!isModeName(mode)) throw fail(`mode should be one of: ${MODES.join(" ")}`);
      setMode(sh.settings, mode);
    },
  },
  nullvalue: {
    args: "STRING", help: "Use STRING in place of NULL values", min: 1, max: 1,
    run: (sh, [v]) => { sh.settings.nullValue = resolveBackslashes(v); },
  },
  open: {
    args: "?FILE?", help: "Close existing database and reopen FILE (default :memory:)", max: 1,
    run: (sh, [file = ":memory:"]) => {
      try {
        sh.open(file);
      } catch (e) {
        throw fail(`unable to open database "${file}": ${errorMessage(e)}`);
      }
    },
  },
  quit: {
    args: "", help: "Exit this program", max: 0,
    run: () => { throw new ShellExit(0); },
  },
  read: {
    args: "FILE", help: "Read input from FILE", min: 1, max: 1,
    run: (sh, [file]) => sh.readFile(file),
  },
  schema: {
    args: "?TABLE?", help: "Show the CREATE statements (of TABLE and its indexes)", max: 1,
    run: (sh, [table]) => {
      for (const sql of sh.conn.schema(table)) sh.out(/;\s*$/.test(sql) ? `${sql}\n` : `${sql};\n`);
    },
  },
  separator: {
    args: "COL ?ROW?", help: "Change the column and row separators", min: 1, max: 2,
    run: (sh, [col, row]) => {
      sh.settings.colSep = resolveBackslashes(col);
      if (row !== undefined) sh.settings.rowSep = resolveBackslashes(row);
    },
  },
  tables: {
    args: "?PATTERN?", help: "List names of tables matching LIKE pattern", max: 1,
    run: (sh, [pattern]) => {
      const like = pattern === undefined ? null : likeRegExp(pattern);
      sh.out(columnize(sh.conn.tables().filter((t) => !like || like.test(t))));
    },
  },
  timer: {
    args: "on|off", help: "Turn SQL timer on or off", min: 1, max: 1,
    run: (sh, [v]) => { sh.settings.timer = toBoolean(v); },
  },
};

/** Runs one dot-command line; false when it failed (the error is already printed). */
export function runDotCommand(shell: DotShell, line: string): boolean {
  const [word = "", ...args] = splitArgs(line.trim().slice(1));
  const name = findCommand(word.toLowerCase());
  try {
    if (name === undefined) throw fail(`unknown command or invalid arguments:  "${word}". Enter ".help" for help`);
    const cmd = COMMANDS[name];
    if (args.length < (cmd.min ?? 0) || args.length > cmd.max) throw new CommandError(`Usage: .${name} ${cmd.args}`);
    return cmd.run(shell, args) !== false;
  } catch (e) {
    if (e instanceof ShellExit) throw e;
    shell.err(e instanceof CommandError ? `${e.text}\n` : `Error: ${errorMessage(e)}\n`);
    return false;
  }
}

/** The command named `word` exactly, or the only one it is a prefix of. */
function findCommand(word: string): string | undefined {
  if (word in COMMANDS) return word;
  const matches = Object.keys(COMMANDS).filter((name) => word !== "" && name.startsWith(word));
  return matches.length === 1 ? matches[0] : undefined;
}

/** Splits a command line into words; '…' quotes literally, "…" resolves backslash escapes. */
export function splitArgs(text: string): string[] {
  const args: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"?|'([^']*)'?|(\S+))/gy;
  for (let m = re.exec(text); m !== null && m[0] !== ""; m = re.exec(text)) {
    if (m[1] !== undefined) args.push(resolveBackslashes(m[1]));
    else args.push(m[2] ?? m[3]);
  }
  return args;
}

export function errorMessage(e: unknown): string {
  const message = (e as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(e);
}

function toBoolean(v: string): boolean {
  const lower = v.toLowerCase();
  if (["on", "yes", "true"].includes(lower)) return true;
  if (["off", "no", "false"].includes(lower)) return false;
  if (/^(0x[0-9a-f]+|\d+)$/.test(lower)) return Number(lower) !== 0;
  throw fail(`not a boolean value: "${v}"`);
}

/** A LIKE pattern as an anchored, case-insensitive RegExp (`%` any run, `_` one character). */
function likeRegExp(pattern: string): RegExp {
  const body = [...pattern]
    .map((c) => (c === "%" ? "[^]*" : c === "_" ? "." : c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, "isu");
}

/** Names in columns down the page, 80 characters wide, as sqlite3's `.tables`. */
function columnize(names: string[]): string {
  if (names.length === 0) return "";
  const width = Math.max(...names.map((n) => n.length));
  const cols = Math.max(1, Math.floor(80 / (width + 2)));
  const rows = Math.ceil(names.length / cols);
  let out = "";
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let i = r; i < names.length; i += rows) cells.push(names[i].padEnd(width));
    out += cells.join("  ") + "\n";
  }
  return out;
}
