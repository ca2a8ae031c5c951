/** Command-line options of `pnpm test:slt`. */
import { availableParallelism } from "node:os";

export interface Options {
  paths: string[];
  jobs: number;
  timeoutSec: number;
  json: string | null;
  maxFailuresPerFile: number;
  quiet: boolean;
}

export const USAGE = `usage: pnpm test:slt [files or folders...] [--jobs N] [--timeout SEC] [--json FILE]
                    [--max-failures-per-file N] [--quiet]
Runs sqllogictest files (default: ../shared/sqllogictest/test from the repository root), each in its own process.`;

export function parseArgs(argv: string[]): Options {
  const o: Options = { paths: [], jobs: availableParallelism(), timeoutSec: 120, json: null, maxFailuresPerFile: 20, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const count = (min: number): number => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < min) throw new Error(`${flag} needs a number >= ${min}`);
      return n;
    };
    switch (flag) {
      case "--jobs": case "-j": o.jobs = Math.floor(count(1)); break;
      case "--timeout": o.timeoutSec = count(0.001); break;
      case "--json": o.json = value(); break;
      case "--max-failures-per-file": o.maxFailuresPerFile = Math.floor(count(0)); break;
      case "--quiet": case "-q": o.quiet = true; break;
      case "--help": case "-h": throw new Error(USAGE);
      default:
        if (a.startsWith("-")) throw new Error(`unknown option ${a}\n${USAGE}`);
        o.paths.push(a);
    }
  }
  return o;
}
