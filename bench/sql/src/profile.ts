/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function and per source file.
 * Functions of the @db bundle are mapped back to their package source file through the
 * `// ../../packages/x/src/y.ts` comments esbuild writes at the start of each module.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Sorted module start lines of a bundle. */
function moduleIndex(bundlePath: string): { line: number; module: string }[] {
  const lines = fs.readFileSync(bundlePath, "utf8").split("\n");
  const out: { line: number; module: string }[] = [];
  lines.forEach((l, i) => {
    const m = /^\/\/ (?:\.\.\/)*(packages\/\S+|bench\/\S+|node_modules\/\S+)$/.exec(l);
    if (m) out.push({ line: i, module: m[1]! });
  });
  return out;
}

function moduleAt(index: { line: number; module: string }[], line: number): string {
  let lo = 0;
  let hi = index.length - 1;
  let best = "?";
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (index[mid]!.line <= line) {
      best = index[mid]!.module;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

export interface ProfileSummary {
  totalMs: number;
  functions: { name: string; where: string; selfMs: number; pct: number }[];
  files: { file: string; selfMs: number; pct: number }[];
}

export function summarize(profilePath: string, bundlePath: string, top = 20): ProfileSummary {
  const prof = JSON.parse(fs.readFileSync(profilePath, "utf8")) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const index = moduleIndex(bundlePath);
  const bundleUrl = bundlePath;
  const fns = new Map<string, { name: string; where: string; us: number }>();
  const files = new Map<string, number>();
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    let url = cf.url;
    if (url.startsWith("file://")) url = fileURLToPath(url);
    let file: string;
    let where: string;
    if (url === bundleUrl) {
      file = moduleAt(index, cf.lineNumber);
      where = `${file}`;
    } else if (url === "") {
      file = cf.functionName.startsWith("(") ? cf.functionName : "(native)";
      where = "";
    } else {
      file = url.startsWith("node:") ? "(node internals)" : url.includes("/node_modules/") ? url.replace(/^.*\/node_modules\//, "") : path.basename(url);
      where = `${url.replace(/^.*\//, "")}:${cf.lineNumber + 1}`;
    }
    const name = cf.functionName || "(anonymous)";
    const key = `${name}\u0000${where}\u0000${cf.lineNumber}`;
    const f = fns.get(key) ?? { name, where, us: 0 };
    f.us += us;
    fns.set(key, f);
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const pct = (us: number) => (100 * us) / total;
  return {
    totalMs: total / 1000,
    functions: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, pct: pct(f.us) })),
    files: [...files.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([file, us]) => ({ file, selfMs: us / 1000, pct: pct(us) })),
  };
}

export function formatSummary(title: string, s: ProfileSummary): string {
  const lines = [`${title} — ${s.totalMs.toFixed(0)} ms sampled`, "  top self time, by function:"];
  for (const f of s.functions) lines.push(`    ${f.pct.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}  ${f.where}`);
  lines.push("  self time, by source file:");
  for (const f of s.files) lines.push(`    ${f.pct.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.file}`);
  return lines.join("\n");
}
