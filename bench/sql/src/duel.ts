/**
 * The commit workloads (b) as a duel: the workers of the durable engines load and query their
 * files one after the other as usual, then wait; the harness then runs their commits in short
 * bursts, taking turns (A B, B A, A B, ...), so that each engine's commits are measured in the same
 * seconds as the other's. Commit rates are bound by the disk's flush latency, which drifts by
 * ±10% over tens of seconds on a shared machine; measured minutes apart (each engine in its own
 * window), that drift lands on the ratio, and alternating bursts cancel it. Each engine still runs
 * in its own process, and only one of them runs at a time.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import type { EngineId, WorkerOutput, WorkloadResult } from "./types.js";

/** A worker started with `duel: true`, driven over its stdin/stdout one line at a time. */
export class DuelWorker {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private buffered = "";
  private stderr = "";
  private exited = false;

  constructor(
    readonly engine: EngineId,
    nodePath: string,
    argv: string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.proc = spawn(nodePath, argv, { env, stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stdout.setEncoding("utf8");
    this.proc.stdout.on("data", (chunk: string) => {
      this.buffered += chunk;
      for (let nl = this.buffered.indexOf("\n"); nl >= 0; nl = this.buffered.indexOf("\n")) {
        this.push(this.buffered.slice(0, nl));
        this.buffered = this.buffered.slice(nl + 1);
      }
    });
    this.proc.stderr.setEncoding("utf8");
    this.proc.stderr.on("data", (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-4000)));
    this.proc.on("close", () => {
      this.exited = true;
      if (this.buffered) this.push(this.buffered);
      this.buffered = "";
      this.waiting?.(null);
      this.waiting = null;
    });
  }

  private push(line: string): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w(line);
    } else {
      this.lines.push(line);
    }
  }

  /** The next line the worker prints, or null once it has exited. */
  private next(): Promise<string | null> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.exited) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Skips output up to the first line starting with `prefix` and returns it; throws if the worker exits first. */
  async expect(prefix: string): Promise<string> {
    for (;;) {
      const line = await this.next();
      if (line === null) throw new Error(`${this.engine} worker exited before "${prefix}":\n${this.stderr.split("\n").slice(-15).join("\n")}`);
      if (line.startsWith(prefix)) return line;
    }
  }

  /** Sends one command; the reply is the next line starting with one of `replies`. */
  async ask(command: string, ...replies: string[]): Promise<string> {
    this.proc.stdin.write(`${command}\n`);
    for (;;) {
      const line = await this.expect("");
      if (replies.some((r) => line.startsWith(r))) return line;
    }
  }

  /** Ends the duel and returns the worker's RESULT. */
  async finish(): Promise<WorkerOutput> {
    this.proc.stdin.end("end\n");
    const line = await this.expect("RESULT ");
    return JSON.parse(line.slice(7)) as WorkerOutput;
  }

  kill(): void {
    if (!this.exited) this.proc.kill();
  }
}

export interface DuelTiming {
  /** Warm-up burst per engine before each level, ms. */
  warmMs: number;
  /** Commit time per engine and level, ms, cut into `bursts` turns. */
  totalMs: number;
  bursts: number;
}

/**
 * Runs b_full and b_normal as alternating bursts over `workers` (already past "DUEL READY").
 * Returns each engine's results: commits per second of its own burst time (no warm-up).
 */
export async function duel(workers: DuelWorker[], t: DuelTiming): Promise<Map<EngineId, Partial<Record<"b_full" | "b_normal", WorkloadResult>>>> {
  const out = new Map(workers.map((w) => [w.engine, {} as Partial<Record<"b_full" | "b_normal", WorkloadResult>>]));
  const burstMs = Math.max(1, Math.round(t.totalMs / t.bursts));
  for (const [id, level] of [["b_full", "FULL"], ["b_normal", "NORMAL"]] as const) {
    const active: DuelWorker[] = [];
    for (const w of workers) {
      const r = await w.ask(`level ${level}`, "OK", "SKIP ");
      if (r.startsWith("SKIP ")) out.get(w.engine)![id] = { skipped: r.slice(5) };
      else active.push(w);
    }
    for (const w of active) await w.ask(`burst ${t.warmMs}`, "BURST ");
    const sums = new Map(active.map((w) => [w.engine, { commits: 0, ms: 0, cpuMs: 0 }]));
    for (let k = 0; k < t.bursts; k++) {
      for (let j = 0; j < active.length; j++) {
        const w = active[(j + k) % active.length]!;
        const [, n, ms, cpu] = (await w.ask(`burst ${burstMs}`, "BURST ")).split(" ");
        const s = sums.get(w.engine)!;
        s.commits += Number(n);
        s.ms += Number(ms);
        s.cpuMs += Number(cpu);
      }
    }
    for (const w of active) {
      const s = sums.get(w.engine)!;
      out.get(w.engine)![id] = { value: s.commits / (s.ms / 1000), detail: { commits: s.commits, ms: s.ms, cpuMs: s.cpuMs, bursts: t.bursts, burstMs } };
    }
  }
  return out;
}
