import fc from "fast-check";
import { it } from "vitest";
it("stats", () => {
  const u32 = fc.nat({ max: 0xffffffff });
  const pick = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: fc.nat() });
  const cmd = fc.oneof(
    { weight: 5, arbitrary: fc.record({ t: fc.constant("alloc" as const), value: u32 }) },
    { weight: 6, arbitrary: fc.record({ t: fc.constant("write" as const), pick, value: u32 }) },
    { weight: 3, arbitrary: fc.constant({ t: "savepoint" as const }) },
  );
  const samples = fc.sample(fc.array(cmd, { minLength: 1, maxLength: 120 }), 5);
  for (const s of samples) console.log(s.length, s.slice(0, 8).map((c) => c.t).join(","));
});
