/**
 * @db/engine: the embedded SQL database. `Database` and `Statement` mirror better-sqlite3's API.
 *
 *   import Database from "@db/engine";
 *   const db = new Database("app.db");
 *   db.prepare("SELECT * FROM t WHERE id = ?").get(1);
 */
import { Database } from "./database.js";

export { Database } from "./database.js";
export type { DatabaseOptions, FunctionOptions } from "./database.js";
export { Statement } from "./statement.js";
export type { RunResult, ColumnDefinition } from "./statement.js";
export { DbError } from "@db/sql";
export type { ErrorCode } from "@db/sql";
export { MemoryVfs, NodeVfs } from "@db/vfs";
export type { Vfs, VfsFile } from "@db/vfs";
export default Database;
export { ShellAdapter } from "./shell-adapter.js";
