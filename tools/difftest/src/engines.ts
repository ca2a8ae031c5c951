/**
 * The two engines behind one interface: @db (in-process) and SQLite (sql.js, WASM). Values come
 * back typed: INTEGER as bigint, REAL as number, TEXT as string, BLOB as Uint8Array, NULL as null.
 */
import { Database, DbError } from "@db/engine";
import initSqlJs from "sql.js";

export type Value = null | bigint | number | string | Uint8Array;

export type ExecResult =
  | { ok: true; rows: Value[][]; changes: number }
  | { ok: false; error: string; /** not a DbError: a crash inside @db */ internal?: boolean };

export interface Engine {
  readonly name: string;
  exec(sql: string): ExecResult;
  close(): void;
}

export interface EngineFactory {
  readonly name: string;
  create(): Engine;
}

/** @db, in memory. */
export const ourFactory: EngineFactory = {
  name: "@db",
  create(): Engine {
    const db = new Database(":memory:");
    return {
      name: "@db",
      exec(sql: string): ExecResult {
        try {
          const st = db.prepare(sql);
          if (st.reader) {
            const rows = st.raw().safeIntegers(true).all() as Value[][];
            return { ok: true, rows: rows.map((r) => r.map(normalizeOurs)), changes: 0 };
          }
          const r = st.run();
          return { ok: true, rows: [], changes: r.changes };
        } catch (e) {
          if (e instanceof DbError) return { ok: false, error: `${e.code}: ${e.message}` };
          const err = e as Error;
          return { ok: false, error: `${err?.name ?? "Error"}: ${err?.message ?? String(e)}\n${(err?.stack ?? "").split("\n").slice(1, 6).join("\n")}`, internal: true };
        }
      },
      close(): void {
        try {
          db.close();
        } catch {
          /* ignore */
        }
      },
    };
  },
};

function normalizeOurs(v: unknown): Value {
  if (v === null || typeof v === "bigint" || typeof v === "number" || typeof v === "string") return v;
  if (v instanceof Uint8Array) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return String(v);
}

type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;
let sqlJs: SqlJs | null = null;

/** Loads sql.js once (native SQLite math functions, not sql.js's legacy extension functions). */
export async function loadSqlite(): Promise<EngineFactory> {
  sqlJs ??= await initSqlJs({ useOldExtensionFunctions: false } as never);
  const SQL = sqlJs;
  return {
    name: "SQLite",
    create(): Engine {
      const db = new SQL.Database();
      return {
        name: "SQLite",
        exec(sql: string): ExecResult {
          let st: ReturnType<typeof db.prepare> | null = null;
          try {
            st = db.prepare(sql);
            const rows: Value[][] = [];
            const get = st.get.bind(st) as unknown as (params: null, config: { useBigInt: boolean }) => Value[];
            while (st.step()) rows.push(get(null, { useBigInt: true }));
            const changes = db.getRowsModified();
            return { ok: true, rows, changes };
          } catch (e) {
            return { ok: false, error: (e as Error).message };
          } finally {
            st?.free();
          }
        },
        close(): void {
          db.close();
        },
      };
    },
  };
}

export function sqliteVersion(f: EngineFactory): string {
  const e = f.create();
  try {
    const r = e.exec("SELECT sqlite_version()");
    return r.ok ? String(r.rows[0]?.[0]) : "?";
  } finally {
    e.close();
  }
}

/**
 * No second engine (`--solo`): the checks compare @db with itself, so only the oracles (TLP,
 * NoREC), crashes and @db's integrity check can fail.
 */
export const SOLO = "none";
export const soloFactory: EngineFactory = {
  name: SOLO,
  create(): Engine {
    return { name: SOLO, exec: () => ({ ok: true, rows: [], changes: 0 }), close: () => undefined };
  },
};
