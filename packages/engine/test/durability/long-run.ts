/**
 * The long version of the durability suites: `pnpm test:crash [--count N] [--mutants M] [--seed S]`.
 *
 *   --count N    crash images to generate in the power-loss suite (default 1,000,000)
 *   --mutants M  corrupt-file mutants per variant (default: N / 20)
 *   --seed S     seed of the crash images and mutants (default: random; printed, so a failure replays)
 *   --jobs J     processes to spread the power-loss workloads over (default: 2, one per core)
 *
 * Runs the power-loss suite in J shards in parallel, then the I/O-error, fsync, known-bug and
 * corrupt-file suites, each with the same seed. Exits non-zero if any of them fails.
 */
import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../../..");
const rel = (f: string) => `packages/engine/test/durability/${f}`;

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

const count = Number(option("count") ?? 1_000_000);
const seed = Number(option("seed") ?? Math.floor(Math.random() * 2 ** 31));
const mutants = Number(option("mutants") ?? Math.max(1000, Math.floor(count / 20)));
const jobs = Math.max(1, Number(option("jobs") ?? 2));
if (![count, seed, mutants, jobs].every(Number.isFinite)) {
  console.error("usage: pnpm test:crash [--count N] [--mutants M] [--seed S] [--jobs J]");
  process.exit(2);
}

console.log(`durability long run: ${count} crash images, ${mutants} mutants per variant, seed ${seed}, ${jobs} job(s)`);
console.log(`replay with: pnpm test:crash --count ${count} --mutants ${mutants} --seed ${seed}`);

function vitest(files: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolveExit) => {
    const child = spawn("pnpm", ["exec", "vitest", "run", ...files, "--testTimeout=0", "--hookTimeout=0"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, ...env },
    });
    child.on("exit", (code) => resolveExit(code ?? 1));
  });
}

const started = Date.now();
const shared = {
  CRASH_SEED: String(seed),
  IOERR_SEED: String(seed),
  FSYNC_SEED: String(seed),
  CORRUPT_SEED: String(seed),
  CORRUPT_MUTANTS: String(mutants),
};
const shards = Array.from({ length: jobs }, (_, i) =>
  vitest([rel("power-loss.test.ts")], { ...shared, CRASH_COUNT: String(Math.ceil(count / jobs)), CRASH_SHARD: `${i}/${jobs}` }),
);
const powerLoss = await Promise.all(shards);
const rest = await vitest([rel("io-errors.test.ts"), rel("fsync.test.ts"), rel("known-bugs.test.ts"), rel("pragmas.test.ts"), rel("corrupt.test.ts")], shared);
const failed = [...powerLoss, rest].some((code) => code !== 0);
console.log(`durability long run ${failed ? "FAILED" : "passed"} in ${((Date.now() - started) / 1000).toFixed(0)} s (seed ${seed})`);
process.exit(failed ? 1 : 0);
