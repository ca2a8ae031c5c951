// Crash images: each policy, torn sectors, grown garbage, synced data survival, determinism.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { VfsFile } from "../src/index.js";
import { type CrashOptions, type CrashPolicy, SimVfs, type TornMode } from "@db/vfs/testing";

const POLICIES: CrashPolicy[] = ["lose-all", "keep-all", "prefix", "random-subset"];
const SEEDS = Array.from({ length: 200 }, (_, i) => i);

function durableFile(vfs: SimVfs, path: string, content?: Uint8Array): VfsFile {
  const f = vfs.open(path, { create: true });
  vfs.syncDir(path);
  if (content) {
    f.write(content, 0);
    f.sync();
  }
  return f;
}

/**
 * A 16-byte file of synced 0xAA, then 16 pending one-byte writes: op i stores i+1 at offset i.
 * In any image, byte i is 0xAA (op i lost) or i+1 (op i kept), so the image spells the kept set.
 */
function sixteenOps(): SimVfs {
  const vfs = new SimVfs();
  const f = durableFile(vfs, "/f", new Uint8Array(16).fill(0xaa));
  for (let i = 0; i < 16; i++) f.write(new Uint8Array([i + 1]), i);
  return vfs;
}

function keptMask(img: SimVfs): boolean[] {
  const b = img.snapshot("/f")!;
  expect(b.length).toBe(16);
  return [...b].map((v, i) => {
    expect([0xaa, i + 1]).toContain(v);
    return v === i + 1;
  });
}

const isPrefix = (mask: boolean[]) => mask.every((k, i) => i === 0 || k <= mask[i - 1]);

describe("crash policies", () => {
  it("lose-all keeps nothing pending, keep-all everything", () => {
    const vfs = sixteenOps();
    expect(keptMask(vfs.crash("lose-all", 1)).some(Boolean)).toBe(false);
    expect(keptMask(vfs.crash("keep-all", 1)).every(Boolean)).toBe(true);
  });

  it("prefix keeps the oldest k ops, k drawn at random", () => {
    const vfs = sixteenOps();
    const lengths = new Set<number>();
    for (const seed of SEEDS) {
      const mask = keptMask(vfs.crash("prefix", seed));
      expect(isPrefix(mask)).toBe(true);
      lengths.add(mask.filter(Boolean).length);
    }
    expect(lengths.size).toBeGreaterThan(10); // k spans 0..16
  });

  it("prefix is drawn per file", () => {
    const vfs = new SimVfs();
    const a = durableFile(vfs, "/a", new Uint8Array(8));
    const b = durableFile(vfs, "/b", new Uint8Array(8));
    for (let i = 0; i < 8; i++) {
      a.write(new Uint8Array([1]), i);
      b.write(new Uint8Array([1]), i);
    }
    const differs = SEEDS.some((seed) => {
      const img = vfs.crash("prefix", seed);
      return img.snapshot("/a")!.join() !== img.snapshot("/b")!.join();
    });
    expect(differs).toBe(true);
  });

  it("random-subset keeps each op independently, in any pattern", () => {
    const vfs = sixteenOps();
    let nonPrefix = 0;
    let keptTotal = 0;
    for (const seed of SEEDS) {
      const mask = keptMask(vfs.crash("random-subset", seed));
      if (!isPrefix(mask)) nonPrefix++;
      keptTotal += mask.filter(Boolean).length;
    }
    expect(nonPrefix).toBeGreaterThan(150);
    const rate = keptTotal / (16 * SEEDS.length);
    expect(rate).toBeGreaterThan(0.4);
    expect(rate).toBeLessThan(0.6);
  });

  it("random-subset applies the kept ops in issue order (a later overwrite wins)", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/f", new Uint8Array([0]));
    f.write(new Uint8Array([1]), 0);
    f.write(new Uint8Array([2]), 0);
    const seen = new Set(SEEDS.map((seed) => vfs.crash("random-subset", seed).snapshot("/f")![0]));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it("unknown policies are refused", () => {
    expect(() => new SimVfs().crash("most" as CrashPolicy)).toThrow(/unknown crash policy/);
  });
});

describe("torn sectors", () => {
  const S = 512;
  /** 4 sectors of synced 0x11; one pending write of 0x22 over sectors 0-2; sector 3 untouched. */
  function fourSectors(): SimVfs {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/f", new Uint8Array(4 * S).fill(0x11));
    f.write(new Uint8Array(3 * S - 10).fill(0x22), 5);
    return vfs;
  }
  const sector = (b: Uint8Array, i: number) => b.subarray(i * S, (i + 1) * S);
  const uniform = (b: Uint8Array, v: number) => b.every((x) => x === v);

  const torn = (mode: TornMode, fraction = 1, sectorSize: 512 | 4096 = 512): CrashOptions => ({
    torn: { sectorSize, mode, fraction },
  });

  it('"old": damaged sectors hold their synced bytes', () => {
    const img = fourSectors().crash("keep-all", 1, torn("old")).snapshot("/f")!;
    expect(uniform(img, 0x11)).toBe(true);
  });

  it('"new": damaged sectors hold the bytes of every pending write, even under lose-all', () => {
    const img = fourSectors().crash("lose-all", 1, torn("new")).snapshot("/f")!;
    // Sector 0 keeps its 5 synced bytes, then the new data (the "new" version of the whole sector).
    expect([...img.subarray(0, 6)]).toEqual([0x11, 0x11, 0x11, 0x11, 0x11, 0x22]);
    expect(uniform(sector(img, 1), 0x22)).toBe(true);
    expect(img[3 * S - 6]).toBe(0x22);
    expect(img[3 * S - 5]).toBe(0x11);
    expect(uniform(sector(img, 3), 0x11)).toBe(true);
  });

  it('"zero": damaged sectors are zeroed, untouched sectors intact, size unchanged', () => {
    const img = fourSectors().crash("keep-all", 1, torn("zero")).snapshot("/f")!;
    expect(img.length).toBe(4 * S);
    for (let i = 0; i < 3; i++) expect(uniform(sector(img, i), 0)).toBe(true);
    expect(uniform(sector(img, 3), 0x11)).toBe(true);
  });

  it('"garbage": damaged sectors hold random bytes', () => {
    const img = fourSectors().crash("keep-all", 1, torn("garbage")).snapshot("/f")!;
    for (let i = 0; i < 3; i++) {
      const s = sector(img, i);
      expect(new Set(s).size).toBeGreaterThan(100);
    }
    expect(uniform(sector(img, 3), 0x11)).toBe(true);
  });

  it('"mixed": each damaged sector is old, new, zero or garbage, all four occurring', () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/f", new Uint8Array(64 * S).fill(0x11));
    f.write(new Uint8Array(64 * S).fill(0x22), 0);
    const img = vfs.crash("keep-all", 3, torn("mixed")).snapshot("/f")!;
    const fates = new Set<string>();
    for (let i = 0; i < 64; i++) {
      const s = sector(img, i);
      if (uniform(s, 0x11)) fates.add("old");
      else if (uniform(s, 0x22)) fates.add("new");
      else if (uniform(s, 0)) fates.add("zero");
      else fates.add("garbage");
    }
    expect([...fates].sort()).toEqual(["garbage", "new", "old", "zero"]);
  });

  it("fraction: about that share of touched sectors is damaged, each sector whole", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/f", new Uint8Array(200 * S).fill(0x11));
    f.write(new Uint8Array(200 * S).fill(0x22), 0);
    const img = vfs.crash("keep-all", 9, torn("old", 0.25)).snapshot("/f")!;
    let old = 0;
    for (let i = 0; i < 200; i++) {
      const s = sector(img, i);
      expect(uniform(s, 0x11) || uniform(s, 0x22)).toBe(true); // sector-atomic
      if (uniform(s, 0x11)) old++;
    }
    expect(old).toBeGreaterThan(25);
    expect(old).toBeLessThan(75);
  });

  it("4096-byte sectors: a small write can damage synced neighbours in its sector", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/f", new Uint8Array(3 * 4096).fill(0x11));
    f.write(new Uint8Array(10).fill(0x22), 5000);
    const img = vfs.crash("keep-all", 1, torn("zero", 1, 4096)).snapshot("/f")!;
    expect(uniform(img.subarray(0, 4096), 0x11)).toBe(true);
    expect(uniform(img.subarray(4096, 8192), 0)).toBe(true);
    expect(uniform(img.subarray(8192), 0x11)).toBe(true);
  });

  it("never extends the file: sectors past the policy's size are ignored", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/f", new Uint8Array(S).fill(0x11));
    f.write(new Uint8Array(4 * S).fill(0x22), S);
    const img = vfs.crash("lose-all", 1, torn("new")).snapshot("/f")!;
    expect(img.length).toBe(S);
    expect(uniform(img, 0x11)).toBe(true);
  });
});

describe("growGarbage", () => {
  it("a lost append may leave the file extended with garbage", () => {
    const vfs = new SimVfs();
    const f = durableFile(vfs, "/log", new Uint8Array(100).fill(7));
    f.write(new Uint8Array(1000).fill(0x5a), 100);
    const sizes = new Set<number>();
    for (const seed of SEEDS.slice(0, 50)) {
      const img = vfs.crash("lose-all", seed, { growGarbage: true }).snapshot("/log")!;
      sizes.add(img.length);
      expect(img.subarray(0, 100).every((b) => b === 7)).toBe(true);
      if (img.length > 100) expect(img.subarray(100).every((b) => b === 0x5a)).toBe(false);
    }
    expect([...sizes].sort()).toEqual([100, 1100]);
    // Without the option, or when the append is kept, no garbage.
    expect(vfs.crash("lose-all", 1).snapshot("/log")!.length).toBe(100);
    const kept = vfs.crash("keep-all", 1, { growGarbage: true }).snapshot("/log")!;
    expect(kept.subarray(100).every((b) => b === 0x5a)).toBe(true);
  });
});

describe("synced data survives every policy", () => {
  const cmd = fc.oneof(
    fc.record({
      t: fc.constant("write" as const),
      file: fc.nat(2),
      offset: fc.nat(6000),
      length: fc.integer({ min: 0, max: 3000 }),
      value: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({ t: fc.constant("truncate" as const), file: fc.nat(2), size: fc.nat(9000) }),
    fc.record({ t: fc.constant("sync" as const), file: fc.nat(2) }),
  );
  const cmds = fc.array(cmd, { maxLength: 30 });
  const damage = fc.record({
    torn: fc.option(
      fc.record({
        sectorSize: fc.constantFrom(512 as const, 4096 as const),
        mode: fc.constantFrom<TornMode>("old", "new", "zero", "garbage", "mixed"),
      }),
      { nil: undefined },
    ),
    growGarbage: fc.boolean(),
  });

  it("bytes synced and not touched since (nor sharing a sector with a pending write) are intact", () => {
    fc.assert(
      fc.property(cmds, fc.constantFrom(...POLICIES), fc.nat(), damage, (commands, policy, seed, opts) => {
        const vfs = new SimVfs();
        const files = [0, 1, 2].map((i) => durableFile(vfs, `/f${i}`));
        type Model = { durable: Uint8Array; touched: [number, number][] };
        const model = files.map((): Model => ({ durable: new Uint8Array(0), touched: [] }));
        for (const c of commands) {
          const f = files[c.file];
          const m = model[c.file];
          if (c.t === "write") {
            f.write(new Uint8Array(c.length).fill(c.value), c.offset);
            m.touched.push([c.offset, c.offset + c.length]);
          } else if (c.t === "truncate") {
            f.truncate(c.size);
            m.touched.push([c.size, Infinity]);
          } else {
            f.sync();
            m.durable = vfs.snapshot(`/f${c.file}`)!;
            m.touched = [];
          }
        }
        const img = vfs.crash(policy, seed, opts);
        const sector = opts.torn?.sectorSize ?? 1;
        model.forEach((m, i) => {
          const got = img.snapshot(`/f${i}`)!;
          // Not in a (sector-rounded) range touched since the last sync.
          const safe = (at: number) =>
            !m.touched.some(([lo, hi]) => hi > lo && at >= lo - (lo % sector) && at < Math.ceil(hi / sector) * sector);
          let lost = -1;
          for (let at = 0; at < m.durable.length && lost < 0; at++) {
            if (safe(at) && (at >= got.length || got[at] !== m.durable[at])) lost = at;
          }
          expect(lost, `synced byte ${lost} of /f${i} lost`).toBe(-1);
          if (policy === "lose-all" && !opts.torn && !opts.growGarbage) expect(got).toEqual(m.durable);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe("determinism", () => {
  function busyDisk(): SimVfs {
    const vfs = new SimVfs();
    for (let i = 0; i < 4; i++) {
      const f = durableFile(vfs, `/d/f${i}`, new Uint8Array(3000).fill(i + 1));
      for (let j = 0; j < 10; j++) f.write(new Uint8Array(700).fill(j * 16 + i), (j * 613 + i * 97) % 5000);
      if (i === 2) f.truncate(1234);
    }
    vfs.open("/d/new", { create: true }).write(new Uint8Array(10).fill(9), 0);
    return vfs;
  }
  const image = (vfs: SimVfs) => vfs.list().map((p) => `${p}:${Buffer.from(vfs.snapshot(p)!).toString("base64")}`);
  const options: CrashOptions = { torn: { sectorSize: 512, mode: "mixed" }, growGarbage: true };

  it("the same state, policy, seed and options give the same image", () => {
    for (const policy of POLICIES) {
      for (const seed of [0, 1, 42, 0xdeadbeef]) {
        const a = image(busyDisk().crash(policy, seed, options));
        const b = image(busyDisk().crash(policy, seed, options));
        expect(a).toEqual(b);
      }
    }
  });

  it("different seeds give different images", () => {
    const vfs = busyDisk();
    for (const policy of ["prefix", "random-subset"] as const) {
      const images = new Set(SEEDS.slice(0, 20).map((seed) => image(vfs.crash(policy, seed, options)).join()));
      expect(images.size).toBeGreaterThan(15);
    }
  });

  it("crash defaults to lose-all with the run's seed", () => {
    const vfs = new SimVfs({ seed: 77 });
    durableFile(vfs, "/a").write(new Uint8Array([1]), 0);
    const img = vfs.crash();
    expect(img.seed).toBe(77);
    expect(img.snapshot("/a")!.length).toBe(0);
  });
});
