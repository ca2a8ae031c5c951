/**
 * Minimizing a hang: candidates run on @db in a child process (hang-worker.ts) that is killed
 * after a time limit; a candidate "still hangs" if @db does not finish within the limit and 30
 * times SQLite's time for the same statements.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { renderSetup, type SetupItem } from "./ast.js";
import { checkSql } from "./checks.js";
import type { EngineFactory } from "./engines.js";
import type { Check } from "./gen.js";
import { collectEdits, type Root } from "./minimize.js";
import { validCheck } from "./validate.js";

const WORKER = fileURLToPath(new URL("./hang-worker.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

class HangProbe {
  private child: ChildProcessWithoutNullStreams | null = null;
  private pending = "";
  private waiting: ((m: { ms?: number; built?: boolean }) => void) | null = null;
  private nextId = 0;
  attempts = 0;

  private start(): ChildProcessWithoutNullStreams {
    const c = spawn(process.execPath, ["--import", "tsx", "--conditions=@db/source", WORKER], { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    c.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      this.pending += chunk;
      let nl;
      while ((nl = this.pending.indexOf("\n")) >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        if (line.startsWith("{")) this.waiting?.(JSON.parse(line) as { ms?: number; built?: boolean });
      }
    });
    c.stderr.resume();
    return c;
  }

  /** @db's time for the candidate's check, Infinity if it ran past the limit, -1 if building its history did. */
  run(h: SetupItem[], c: Check, limitMs: number): Promise<number> {
    this.attempts++;
    this.child ??= this.start();
    const child = this.child;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout;
      const kill = (result: number): void => {
        this.waiting = null;
        child.kill("SIGKILL");
        this.child = null;
        this.pending = "";
        resolve(result);
      };
      timer = setTimeout(() => kill(-1), 60_000);
      this.waiting = (m) => {
        clearTimeout(timer);
        if (m.built) {
          timer = setTimeout(() => kill(Infinity), limitMs);
          return;
        }
        this.waiting = null;
        resolve(m.ms ?? 0);
      };
      child.stdin.write(JSON.stringify({ id: this.nextId++, history: h, check: c }) + "\n");
    });
  }

  close(): void {
    this.child?.kill("SIGKILL");
    this.child = null;
  }
}

/** SQLite's time for the candidate's check (after its history). */
function sqliteMs(theirs: EngineFactory, h: SetupItem[], c: Check): number {
  const e = theirs.create();
  try {
    for (const it of h) e.exec(renderSetup(it));
    const t0 = Date.now();
    for (const sql of checkSql(c)) e.exec(sql);
    return Date.now() - t0;
  } finally {
    e.close();
  }
}

export interface HangResult {
  history: SetupItem[];
  check: Check;
  attempts: number;
  /** Whether the start still hung (else the hang did not reproduce in isolation). */
  reproduced: boolean;
}

/**
 * Shrinks (history, check) while @db needs more than `limitMs`, and more than 30 times SQLite's
 * time, for the check's statements.
 */
export async function minimizeHang(theirs: EngineFactory, history: SetupItem[], check: Check, limitMs: number, budgetMs: number): Promise<HangResult> {
  const probe = new HangProbe();
  const deadline = Date.now() + budgetMs;
  const hangs = async (r: Root): Promise<boolean> => {
    if (!validCheck(r.c, r.h)) return false;
    const limit = Math.max(limitMs, 30 * sqliteMs(theirs, r.h, r.c));
    return (await probe.run(r.h, r.c, limit)) === Infinity;
  };
  let cur: Root = { h: structuredClone(history), c: structuredClone(check) };
  try {
    if (!(await hangs(cur))) return { history, check, attempts: probe.attempts, reproduced: false };
    const ddmin = async (): Promise<void> => {
      for (let chunk = Math.max(1, Math.floor(cur.h.length / 2)); chunk >= 1 && Date.now() < deadline; chunk = Math.floor(chunk / 2)) {
        for (let i = 0; i < cur.h.length && Date.now() < deadline; ) {
          const cand: Root = { h: [...cur.h.slice(0, i), ...cur.h.slice(i + chunk)], c: cur.c };
          if (await hangs(cand)) cur = cand;
          else i += chunk;
        }
      }
    };
    // The check first (a hang is usually in one subquery), then the statements before it.
    for (let round = 0; Date.now() < deadline; round++) {
      let progress = false;
      if (round === 1) {
        const before = cur.h.length;
        await ddmin();
        progress = cur.h.length < before;
      }
      let edits = collectEdits(cur, true);
      for (let i = 0; i < edits.length && Date.now() < deadline; i++) {
        const cand = structuredClone(cur);
        if (!edits[i]!(cand) || JSON.stringify(cand) === JSON.stringify(cur)) continue;
        if (await hangs(cand)) {
          cur = cand;
          progress = true;
          edits = collectEdits(cur, true);
          i--;
        }
      }
      if (!progress && round >= 1) break;
    }
  } finally {
    probe.close();
  }
  return { history: cur.h, check: cur.c, attempts: probe.attempts, reproduced: true };
}
