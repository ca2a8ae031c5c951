import { defineConfig } from "vitest/config";
const conditions = ["@db/source", "module", "node", "development|production"];
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: { include: ["tools/difftest/test/**/*.test.ts"], testTimeout: 60_000, pool: "forks" },
});
