/**
 * The end-to-end proof: the real Chinook script loaded through the shell into a file, then
 * queried from a new process and compared row by row with real SQLite (sql.js, computed here).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import initSqlJs, { type Database as SqlJsDatabase } from "sql.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../src/index.js";
import { CHINOOK_QUERIES } from "./chinook-queries.js";
import { chinookScript, hasChinook, runCli, tempDir } from "./helpers.js";

if (!hasChinook) console.warn(`skipping Chinook tests: ${chinookScript} not found (../shared is absent)`);

type Row = unknown[];

function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number" && !Number.isInteger(v)) return Number(v.toPrecision(12));
  return v;
}

function canon(rows: Row[], ordered: boolean): string[] {
  const out = rows.map((r) => JSON.stringify(r.map(normalize)));
  return ordered ? out : out.sort();
}

function oracleRows(db: SqlJsDatabase, sql: string): Row[] {
  const res = db.exec(sql);
  return res.length ? (res[0]!.values as Row[]) : [];
}

describe.skipIf(!hasChinook)("Chinook through @db, compared with SQLite", () => {
  let oracle: SqlJsDatabase;
  let file: string;
  let loadOutput = "";

  beforeAll(async () => {
    const SQL = await initSqlJs();
    oracle = new SQL.Database();
    oracle.exec(readFileSync(chinookScript, "utf8"));
    file = join(tempDir(), "chinook.db");
    // Load through the shell, in its own process.
    const r = runCli([file, `.read ${chinookScript}`]);
    loadOutput = `${r.stdout}\n${r.stderr}`;
    expect(r.status, loadOutput).toBe(0);
  });

  afterAll(() => oracle?.close());

  it("loads the script without errors", () => {
    expect(loadOutput).not.toMatch(/Error/);
  });

  describe("in a new process, from the file", () => {
    let db: Database;
    beforeAll(() => {
      db = new Database(file);
    });
    afterAll(() => db?.close());

    for (const q of CHINOOK_QUERIES) {
      it(q.name, () => {
        const ours = db.prepare(q.sql).raw().all() as Row[];
        const theirs = oracleRows(oracle, q.sql);
        expect(theirs.length).toBeGreaterThan(0);
        expect(canon(ours, q.ordered)).toEqual(canon(theirs, q.ordered));
      });
    }

    it("passes the integrity check", () => {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    });
  });

  describe("on the in-memory VFS", () => {
    let db: Database;
    beforeAll(() => {
      db = new Database(":memory:");
      db.exec(readFileSync(chinookScript, "utf8"));
    });
    afterAll(() => db?.close());

    for (const q of CHINOOK_QUERIES) {
      it(q.name, () => {
        const ours = db.prepare(q.sql).raw().all() as Row[];
        expect(canon(ours, q.ordered)).toEqual(canon(oracleRows(oracle, q.sql), q.ordered));
      });
    }
  });
});
