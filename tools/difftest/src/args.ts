/** Command-line options of `pnpm fuzz:sql`. */
import { cpus } from "node:os";
import { FEATURES } from "./gen.js";

export interface Options {
  seed: number;
  /** Cases to run (each: a schema, data, then --checks checks); null: until --time runs out. */
  count: number | null;
  timeSec: number | null;
  /** Run only this case of the seed. */
  caseIndex: number | null;
  checks: number;
  jobs: number;
  minimize: boolean;
  minimizeSec: number;
  /** A check (or a minimization) that runs longer than this is reported as a hang. */
  timeoutSec: number;
  strictReal: boolean;
  disable: string[];
  json: string | null;
  verbose: boolean;
  inProcess: boolean;
  solo: boolean;
}

export const USAGE = `usage: pnpm fuzz:sql [options]
  --seed N            run seed (default: random, printed); the same seed replays the same cases
  --count N           number of cases (default 50 unless --time is given)
  --time SEC          run cases until SEC seconds have passed
  --case K            run only case K of the seed (as printed with a failure)
  --checks N          checks per case (default 40)
  --jobs N            parallel worker processes (default: CPUs, at most 4)
  --no-minimize       report failures as generated
  --minimize-time SEC minimizer budget per failure (default 20)
  --timeout SEC       a check running longer is reported as a hang (default 60)
  --strict-real       count REAL last-digit differences as failures
  --disable F,F       do not generate these features: ${Object.keys(FEATURES).join(", ")}
  --json FILE         write the failures as JSON
  --solo              no SQLite: only TLP and NoREC (and crashes, integrity) on @db alone
  --in-process        no worker processes (no hang detection)
  --verbose           print every failure's original (unminimized) check too`;

export function parseArgs(argv: string[]): Options {
  const o: Options = {
    seed: Math.floor(Math.random() * 2 ** 31),
    count: null,
    timeSec: null,
    caseIndex: null,
    checks: 40,
    jobs: Math.max(1, Math.min(4, cpus().length)),
    minimize: true,
    minimizeSec: 20,
    timeoutSec: 60,
    strictReal: false,
    disable: [],
    json: null,
    verbose: false,
    inProcess: false,
    solo: false,
  };
  const num = (i: number, name: string): number => {
    const v = Number(argv[i]);
    if (argv[i] === undefined || !Number.isFinite(v) || v < 0) throw new Error(`${name} needs a non-negative number\n${USAGE}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    switch (a) {
      case "--seed":
        o.seed = Math.floor(num(++i, a)) >>> 0;
        break;
      case "--count":
        o.count = Math.floor(num(++i, a));
        break;
      case "--time":
        o.timeSec = num(++i, a);
        break;
      case "--case":
        o.caseIndex = Math.floor(num(++i, a));
        break;
      case "--checks":
        o.checks = Math.floor(num(++i, a));
        break;
      case "--jobs":
        o.jobs = Math.max(1, Math.floor(num(++i, a)));
        break;
      case "--no-minimize":
        o.minimize = false;
        break;
      case "--minimize-time":
        o.minimizeSec = num(++i, a);
        break;
      case "--timeout":
        o.timeoutSec = num(++i, a);
        break;
      case "--strict-real":
        o.strictReal = true;
        break;
      case "--disable":
        o.disable = (argv[++i] ?? "").split(",").filter(Boolean);
        for (const f of o.disable) if (!(f in FEATURES)) throw new Error(`unknown feature ${f}; known: ${Object.keys(FEATURES).join(", ")}`);
        break;
      case "--json":
        o.json = argv[++i] ?? null;
        break;
      case "--solo":
        o.solo = true;
        break;
      case "--in-process":
        o.inProcess = true;
        break;
      case "--verbose":
        o.verbose = true;
        break;
      case "--help":
      case "-h":
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  if (o.count === null && o.timeSec === null && o.caseIndex === null) o.count = 50;
  return o;
}
