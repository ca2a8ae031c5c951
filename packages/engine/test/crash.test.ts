import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Database } from "../src/index.js";
import { repoRoot, spawnTs, tempDir } from "./helpers.js";

describe("a killed process", () => {
  it("keeps every committed row and none of an uncommitted transaction", async () => {
    const file = join(tempDir(), "crash.db");
    const committed = 300;
    const child = spawnTs(join(repoRoot, "packages/engine/test/crash-child.ts"), [file, String(committed)]);
    let err = "";
    child.stderr.on("data", (d) => (err += String(d)));
    await new Promise<void>((resolveReady, reject) => {
      child.stdout.on("data", (d) => {
        if (String(d).includes("ready")) resolveReady();
      });
      child.on("exit", (code) => reject(new Error(`child exited early (${code}): ${err}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));

    const db = new Database(file);
    try {
      const rows = db.prepare("SELECT id, v FROM t ORDER BY id").raw().all() as [number, string][];
      expect(rows.length).toBe(committed);
      expect(rows[0]).toEqual([1, "committed-1"]);
      expect(rows[committed - 1]).toEqual([committed, `committed-${committed}`]);
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      // The database is writable again after recovery.
      db.prepare("INSERT INTO t(id, v) VALUES (?, ?)").run(committed + 1, "after");
      expect(db.prepare("SELECT count(*) FROM t").pluck().get()).toBe(committed + 1);
    } finally {
      db.close();
    }
  });
});
