/**
 * Regimen A, power loss: every workload crashed at every mutating VFS operation, several images
 * per crash point, invariants I1-I6 (see harness.ts).
 *
 * Environment (all optional; `pnpm test:crash --count N` sets them):
 *   CRASH_COUNT     crash images to generate in all (default: 4 rounds of every crash point and image spec, about 40,000)
 *   CRASH_SEED      seed of the image choices (default 1; printed)
 *   CRASH_WORKLOAD  run only the workload with this name; with CRASH_AT / CRASH_SPEC, replay one case
 *   CRASH_SHARD     i/n: only every n-th workload, from the i-th
 */
import { afterAll, describe, expect, it } from "vitest";
import { MUTATING_OPS } from "@db/vfs/testing";
import { checkImage, imageSpecs, powerLoss, reference, runWorkload, startDisk, type Tally } from "./harness.js";
import { ALL_WORKLOADS, processCrashOff } from "./workloads.js";

const env = process.env;
const seed = Number(env.CRASH_SEED ?? 1);
const onlyWorkload = env.CRASH_WORKLOAD;
const onlyAt = env.CRASH_AT === undefined ? undefined : Number(env.CRASH_AT);
const onlySpec = env.CRASH_SPEC === undefined ? undefined : Number(env.CRASH_SPEC);
const DEFAULT_ROUNDS = 4;

/** CRASH_SHARD=i/n runs every n-th workload from the i-th (the long run splits the work over cores). */
const [shard, shards] = (env.CRASH_SHARD ?? "0/1").split("/").map(Number);
const workloads = ALL_WORKLOADS.filter((w, i) => (onlyWorkload === undefined ? i % shards === shard : w.name === onlyWorkload));

/** Rounds per (point, spec) so that the whole suite generates about CRASH_COUNT images. */
function roundsFor(): number {
  if (env.CRASH_COUNT === undefined) return DEFAULT_ROUNDS;
  const perRound = workloads.reduce((sum, w) => sum + (reference(w, seed).points + 1) * imageSpecs(w.pageSize ?? 1024).length, 0);
  return Math.max(1, Math.ceil(Number(env.CRASH_COUNT) / perRound));
}
const rounds = roundsFor();
const tallies: Tally[] = [];

describe(`power loss (seed ${seed}, ${rounds} round(s) per crash point and image spec)`, () => {
  for (const w of workloads) {
    it(w.name, () => {
      const t = powerLoss(w, { seed, rounds, onlyAt, onlySpec });
      tallies.push(t);
      expect(t.points).toBeGreaterThan(onlyAt === undefined ? 10 : 0);
      expect(t.checked).toBeGreaterThan(0);
    });
  }

  it.runIf(onlyWorkload === undefined && shard === 0)("synchronous=OFF survives a process crash (every write reached the OS)", () => {
    const w = processCrashOff;
    const ref = reference(w, seed);
    let checked = 0;
    for (let at = 1; at <= ref.points + 1; at++) {
      const run = startDisk(w, seed);
      run.setCrashAt(at, MUTATING_OPS);
      const { acked } = runWorkload(run, w);
      checkImage(run.crash("keep-all", at), { w, ref, acked, deep: at % 4 === 0, where: `process crash at ${at}`, run });
      checked++;
    }
    tallies.push({ workload: w.name, points: ref.points + 1, images: checked, checked, deep: 0, ms: 0 });
  });

  afterAll(() => {
    const sum = (k: "points" | "images" | "checked" | "deep") => tallies.reduce((s, t) => s + t[k], 0);
    const lines = tallies.map((t) => `  ${t.workload}: ${t.points} crash points, ${t.images} images, ${t.checked} distinct checked (${t.deep} deep), ${(t.ms / 1000).toFixed(1)} s`);
    console.log(
      `power loss, seed ${seed}, ${rounds} round(s):\n${lines.join("\n")}\n` +
        `  total: ${sum("points")} crash points, ${sum("images")} images generated, ${sum("checked")} distinct images checked, failures: 0`,
    );
    if (onlyWorkload === undefined && onlyAt === undefined && onlySpec === undefined && shards === 1) {
      // The CI budget of the regimen: at least 10,000 distinct crash images.
      expect(sum("checked")).toBeGreaterThanOrEqual(10_000);
    }
  });
});
