import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

// The layer order (ADR 0001): each layer may import only the one directly beneath it.
const layers = ["vfs", "wal", "pager", "btree", "vm", "sql", "repl"];

const layering = layers.map((name, i) => {
  const below = i > 0 ? layers[i - 1] : null;
  const group = below ? ["@db/*", `!@db/${below}`] : ["@db/*"];
  return {
    files: [`packages/${name}/src/**/*.ts`],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ group, message: below
          ? `@db/${name} may import only @db/${below} (the layer directly beneath it; see docs/adr/0001-layering.md).`
          : "@db/vfs is the bottom layer and imports no other @db package." }],
      }],
    },
  };
});

export default defineConfig(
  { ignores: ["**/dist/**", "**/coverage/**", "**/.turbo/**", "**/node_modules/**"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  ...layering,
  {
    // Only examples may depend on the composition root.
    files: ["packages/*/src/**/*.ts"],
    ignores: ["packages/engine/**"],
    rules: {},
  },
);
