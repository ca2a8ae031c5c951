/** Runs parsed records against one @db database, as the reference driver does against SQLite. */
import { Database, DbError } from "@db/engine";
import { check } from "./check.js";
import type { SltRecord } from "./parse.js";
import { renderValue, type Value } from "./render.js";

export type Outcome = "pass" | "fail" | "skip" | "none";

export interface Failure {
  file: string;
  line: number;
  sql: string;
  /** Why the record failed: "statement error", "query failed", "wrong result", ... */
  reason: string;
  expected: string[];
  got: string[];
  /** The error thrown by the engine, if any (for a query, also one ignored while stepping). */
  error?: string;
  /** For a hashed result: the first values that were hashed. */
  gotSample?: string[];
}

const MAX_GOT = 50;

/** The text of an error for the report: DbError messages as is, other exceptions with their class. */
export function errorText(e: unknown): string {
  if (e instanceof DbError) return e.message;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

export class FileRunner {
  private db = new Database(":memory:");
  private hashThreshold = 8;
  private labels = new Map<string, string>();
  /** The failure of the last record that failed. */
  lastFailure: Failure | null = null;

  constructor(private readonly file: string) {}

  /** Runs one record; "none" for records that are not tests (hash-threshold, halt). */
  run(rec: SltRecord): Outcome {
    if (rec.kind === "hash-threshold" || rec.kind === "halt") {
      if (rec.kind === "hash-threshold" && !rec.skip) this.hashThreshold = rec.n;
      return "none";
    }
    if (rec.skip) return "skip";
    this.lastFailure = null;
    if (rec.kind === "unknown") return this.fail(rec.line, rec.text, "unknown record type", [], []);
    if (rec.kind === "statement") return this.statement(rec);
    return this.query(rec);
  }

  close(): void {
    this.db.close();
  }

  private fail(line: number, sql: string, reason: string, expected: string[], got: string[], extra: Partial<Failure> = {}): Outcome {
    const trimmed = got.length > MAX_GOT ? [...got.slice(0, MAX_GOT), `... (${got.length} values)`] : got;
    this.lastFailure = { file: this.file, line, sql, reason, expected, got: trimmed, ...extra };
    return "fail";
  }

  private statement(rec: Extract<SltRecord, { kind: "statement" }>): Outcome {
    let error: string | undefined;
    try {
      this.db.exec(rec.sql);
    } catch (e) {
      error = errorText(e);
    }
    if (rec.expectError) return error === undefined ? this.fail(rec.line, rec.sql, "statement succeeded, error expected", [], []) : "pass";
    return error === undefined ? "pass" : this.fail(rec.line, rec.sql, "statement error", [], [], { error });
  }

  private query(rec: Extract<SltRecord, { kind: "query" }>): Outcome {
    const { line, sql, types, expected } = rec;
    if (!/^[TIR]+$/.test(types)) return this.fail(line, sql, `bad type string '${types}'`, expected, []);
    let stmt;
    try {
      stmt = this.db.prepare(sql);
    } catch (e) {
      return this.fail(line, sql, "query failed", expected, [], { error: errorText(e) });
    }
    const nColumns = stmt.reader ? stmt.columns().length : 0;
    if (nColumns !== types.length) {
      return this.fail(line, sql, `wrong number of result columns: expected ${types.length} but got ${nColumns}`, expected, []);
    }
    // The reference driver stops at a stepping error and keeps the rows produced so far.
    const values: string[] = [];
    let stepError: string | undefined;
    try {
      for (const row of stmt.raw().safeIntegers().iterate() as Iterable<Value[]>) {
        for (let i = 0; i < nColumns; i++) values.push(renderValue(row[i]!, types[i]!));
      }
    } catch (e) {
      stepError = errorText(e);
    }
    const r = check({ values, nColumns, sort: rec.sort, label: rec.label, expected, hashThreshold: this.hashThreshold, labels: this.labels });
    if (r.ok) return "pass";
    const extra: Partial<Failure> = {};
    if (stepError !== undefined) extra.error = stepError;
    if (r.hashed) extra.gotSample = r.values.slice(0, 20);
    return this.fail(line, sql, r.reason!, expected, r.got, extra);
  }
}
