/** @db/repl — the `db` command-line shell, after the sqlite3 shell. */
export { runShell, type ShellIO } from "./shell.js";
export type { ShellConnection, ShellResult, ShellValue } from "./connection.js";
