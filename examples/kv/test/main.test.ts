/** Runs the example as a program (as a user would) and checks what it prints. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const tsx = createRequire(import.meta.url).resolve("tsx");

it("runs the README example and prints the expected output (twice on the same file)", () => {
  const dir = mkdtempSync(join(tmpdir(), "db-example-kv-"));
  try {
    const run = () =>
      execFileSync(process.execPath, ["--import", tsx, "--conditions=@db/source", join(here, "..", "main.ts"), join(dir, "kv.db")], {
        encoding: "utf8",
      });
    const expected = [
      "apple is red",
      "banana: null",
      "  fruit:apple = red",
      "  fruit:cherry = dark red",
      "  fruit:fig = purple",
      "last two before veg: fruit:fig, fruit:cherry",
      "count: 100000 window: value 41998 | value 41999 | value 42000",
      "read txn: value 0 .. value 99999",
      "integrity: ok",
      "",
    ].join("\n");
    expect(run()).toBe(expected);
    expect(run()).toBe(expected); // reopening the existing file gives the same result
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
