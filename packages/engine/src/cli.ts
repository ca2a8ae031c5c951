#!/usr/bin/env node
/** The `db` command: the shell of @db/repl over a real database. */
import { runShell } from "@db/repl";
import { ShellAdapter } from "./shell-adapter.js";

const code = await runShell(process.argv.slice(2), (path) => new ShellAdapter(path));
process.exitCode = code;
