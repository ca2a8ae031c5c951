/** Fulfils the shell's ShellConnection with a real database. */
import type { ShellConnection, ShellResult, ShellValue } from "@db/repl";
import { Real, toText, type SqlValue } from "@db/sql";
import { Database } from "./database.js";
import { Statement } from "./statement.js";

/** REALs go to the shell as SQLite renders them (2.0, 0.3, 1.0e+20), not as JavaScript would. */
function shellValue(v: SqlValue): ShellValue {
  if (v instanceof Real || (typeof v === "number" && !Number.isInteger(v))) return toText(v) as string;
  return v as ShellValue;
}

export class ShellAdapter implements ShellConnection {
  private readonly db: Database;

  constructor(readonly path: string) {
    this.db = new Database(path);
  }

  exec(sql: string, onResult: (result: ShellResult) => void): void {
    const conn = this.db.conn;
    for (const parsed of conn.statements(sql)) {
      const stmt = new Statement(conn, parsed, parsed.text);
      if (!stmt.reader) {
        stmt.run();
        continue;
      }
      const columns = stmt.columns().map((c) => c.name);
      const rows: ShellValue[][] = [];
      const program = conn.compile(parsed);
      const ex = conn.vm.execute(program, []);
      try {
        while (ex.step()) rows.push(ex.row.map(shellValue));
      } finally {
        conn.afterStatement(program);
      }
      onResult({ columns, rows });
    }
  }

  tables(): string[] {
    return (this.db.prepare("SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);
  }

  schema(table?: string): string[] {
    const rows = table
      ? this.db.prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND (name = ? COLLATE NOCASE OR tbl_name = ? COLLATE NOCASE) ORDER BY rowid").pluck().all(table, table)
      : this.db.prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid").pluck().all();
    return (rows as string[]).map((s) => `${s};`);
  }

  close(): void {
    this.db.close();
  }
}
