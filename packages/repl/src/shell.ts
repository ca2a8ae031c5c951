/**
 * The db shell, after the sqlite3 command-line shell: runs the command line's SQL, a script
 * on stdin, or an interactive session. A script (stdin, `.read` of a non-interactive run,
 * command-line SQL) stops at its first error with exit status 1; an interactive session
 * reports the error and goes on (unless `.bail on`).
 */
import { readFileSync } from "node:fs";
import { isComplete } from "@db/sql";
import { parseCommandLine, USAGE, version, type ShellSettings } from "./args.js";
import type { ShellConnection } from "./connection.js";
import { errorMessage, runDotCommand, ShellExit, type DotShell } from "./dot-commands.js";
import { isBlank, mayEndStatement, readLines, stripCR, terminalSession } from "./input.js";
import { formatResult } from "./modes/format.js";

export interface ShellIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** True for an interactive session (stdin is a terminal). */
  isTTY: boolean;
  /** A stream is read as text in arbitrary chunks; each string of another iterable is one or more whole lines. */
  stdin: NodeJS.ReadableStream | AsyncIterable<string>;
}

export const PROMPT = "db> ";
export const CONTINUE_PROMPT = "   ...> ";
const MAX_READ_DEPTH = 25;

/** Runs the shell; resolves to the process exit code. `open(path)` opens the database (":memory:" default). */
export async function runShell(argv: string[], open: (path: string) => ShellConnection, io: ShellIO = processIO()): Promise<number> {
  let cli;
  try {
    cli = parseCommandLine(argv);
  } catch (e) {
    io.stderr(`Error: ${errorMessage(e)}\nUse -help for a list of options.\n`);
    return 1;
  }
  if (cli.help || cli.version) {
    io.stdout(cli.help ? USAGE : `${version()}\n`);
    return 0;
  }
  let conn: ShellConnection;
  try {
    conn = open(cli.file);
  } catch (e) {
    io.stderr(`Error: unable to open database "${cli.file}": ${errorMessage(e)}\n`);
    return 1;
  }
  const interactive = cli.sql.length === 0 && io.isTTY;
  const shell = new Shell(conn, open, cli.settings, io);
  try {
    for (const command of cli.commands) {
      if (!shell.runCommand(command) && (!interactive || shell.settings.bail)) return 1;
    }
    if (cli.sql.length > 0) return cli.sql.every((sql) => shell.runCommand(sql)) ? 0 : 1;
    if (!interactive) return (await runScript(shell, readLines(io.stdin))) ? 0 : 1;
    return await runInteractive(shell, io);
  } catch (e) {
    if (e instanceof ShellExit) return e.code;
    io.stderr(`Error: ${errorMessage(e)}\n`);
    return 1;
  } finally {
    shell.close();
  }
}

/** A connection, the settings, and how to run SQL, dot-commands and files with them. */
export class Shell implements DotShell {
  private readDepth = 0;

  constructor(
    public conn: ShellConnection,
    private readonly opener: (path: string) => ShellConnection,
    readonly settings: ShellSettings,
    private readonly io: ShellIO,
  ) {}

  out(text: string): void {
    this.io.stdout(text);
  }

  err(text: string): void {
    this.io.stderr(text);
  }

  /** Runs `sql` (any number of statements), printing each result table; false if it failed (reported). */
  execSql(sql: string): boolean {
    const start = performance.now();
    let failure: { error: unknown } | null = null;
    try {
      this.conn.exec(sql, (result) => {
        const text = formatResult(result, this.settings);
        if (text !== "") this.out(text);
      });
    } catch (error) {
      failure = { error };
    }
    if (this.settings.timer) this.out(`Run Time: real ${((performance.now() - start) / 1000).toFixed(3)}\n`);
    if (failure) this.err(`Error: ${errorMessage(failure.error)}\n`);
    return failure === null;
  }

  /** A command-line argument or `-cmd`: a dot-command, or SQL run as it is (no ";" needed). */
  runCommand(text: string): boolean {
    if (text.trimStart().startsWith(".")) return runDotCommand(this, text);
    return isBlank(text) || this.execSql(text);
  }

  open(path: string): void {
    const conn = this.opener(path);
    this.close();
    this.conn = conn;
  }

  readFile(path: string): boolean {
    if (this.readDepth >= MAX_READ_DEPTH) {
      this.err(`Error: .read nested more than ${MAX_READ_DEPTH} deep\n`);
      return false;
    }
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      this.err(`Error: cannot open "${path}"\n`);
      return false;
    }
    const input = new LineInput(this);
    this.readDepth++;
    try {
      for (const line of text.split("\n")) if (!input.feed(stripCR(line))) return false;
      return input.finish();
    } finally {
      this.readDepth--;
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch (e) {
      this.err(`Error: ${errorMessage(e)}\n`);
    }
  }
}

/**
 * Gathers input lines into statements, as sqlite3's process_input: a dot-command is a line of
 * its own when no statement is pending; SQL runs once the text gathered is complete.
 * Lines are kept in an array and `isComplete` is only asked about lines that may end a
 * statement, so large scripts are read in linear time.
 */
export class LineInput {
  private lines: string[] = [];

  constructor(private readonly shell: Shell) {}

  get pending(): boolean {
    return this.lines.length > 0;
  }

  /** Feeds one line (without its newline); false when something in it failed (reported). */
  feed(line: string): boolean {
    if (this.lines.length === 0) {
      if (isBlank(line)) return true;
      if (line.trimStart().startsWith(".")) return runDotCommand(this.shell, line);
    }
    this.lines.push(line);
    if (!mayEndStatement(line)) return true;
    const sql = this.lines.join("\n");
    if (!isComplete(sql)) return true;
    this.lines = [];
    return this.shell.execSql(sql);
  }

  /** At the end of input, runs what is left even without its ";" (as sqlite3 does). */
  finish(): boolean {
    const sql = this.lines.join("\n");
    this.lines = [];
    return isBlank(sql) || this.shell.execSql(sql);
  }

  clear(): void {
    this.lines = [];
  }
}

async function runScript(shell: Shell, lines: AsyncIterable<string>): Promise<boolean> {
  const input = new LineInput(shell);
  for await (const line of lines) if (!input.feed(line)) return false;
  return input.finish();
}

async function runInteractive(shell: Shell, io: ShellIO): Promise<number> {
  shell.out(`db shell version ${version()}\nEnter ".help" for usage hints.\n`);
  if (shell.conn.path === ":memory:") {
    shell.out(`Connected to a transient in-memory database.\nUse ".open FILENAME" to reopen on a persistent database.\n`);
  }
  const input = new LineInput(shell);
  const terminal = io.stdin === process.stdin && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const session = terminal ? terminalSession(input, PROMPT) : { lines: readLines(io.stdin), prompt: (p: string) => io.stdout(p), close() {} };
  try {
    session.prompt(PROMPT);
    for await (const line of session.lines) {
      if (!input.feed(line) && shell.settings.bail) return 1;
      session.prompt(input.pending ? CONTINUE_PROMPT : PROMPT);
    }
    shell.out("\n");
    if (!input.finish() && shell.settings.bail) return 1;
    return 0;
  } finally {
    session.close();
  }
}

function processIO(): ShellIO {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e; // a closed pipe (db ... | head) just ends the output
  });
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: process.stdin.isTTY === true,
    stdin: process.stdin,
  };
}
