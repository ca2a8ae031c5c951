/**
 * `pnpm start`: loads the Chinook sample database into chinook.db (first run only), then opens
 * the interactive shell on it. Usage: pnpm start [FILE]
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ShellAdapter } from "@db/engine";
import { runShell } from "@db/repl";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const file = resolve(process.cwd(), process.argv[2] ?? "chinook.db");
const script = resolve(root, "../shared/data/chinook/Chinook_Sqlite.sql");
const open = (path: string) => new ShellAdapter(path);

if (!existsSync(file) && existsSync(script)) {
  const t0 = performance.now();
  process.stdout.write(`Loading ${script}\n   into ${file} ... `);
  const code = await runShell([file, `.read ${script}`], open);
  if (code !== 0) process.exit(code);
  process.stdout.write(`done in ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
}
process.stdout.write(`@db shell on ${file}. Try: .tables   SELECT * FROM Artist LIMIT 5;   .help\n`);
process.exitCode = await runShell([file], open);
