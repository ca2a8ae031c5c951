/**
 * @db/sql: tokenizer, parser (SQLite dialect) to a typed AST, the catalog, and the compiler to
 * vm programs. Re-exports @db/vm (and the layers beneath) for the layer above.
 */
export * from "@db/vm";
export type * from "./ast.js";
export { tokenize } from "./tokenizer.js";
export type { Token, TokenType } from "./tokenizer.js";
export { parse, parseOne, parseStatements, MAX_EXPR_DEPTH } from "./parser.js";
export { isComplete } from "./complete.js";
export { Schema, loadSchema, SCHEMA_TABLE_SQL } from "./schema.js";
export type { Table, View, Index, Column } from "./schema.js";
export { compile, builtinFunctions } from "./compile/index.js";
export type { CompileOptions, FunctionDef } from "./compile/index.js";
