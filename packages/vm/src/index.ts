/**
 * @db/vm: record encoding, the catalog's storage, and the virtual machine that runs compiled
 * programs over B+tree cursors. Re-exports @db/btree (and the layers beneath) for the SQL layer.
 */
export * from "@db/btree";
export * from "./value.js";
export * from "./affinity.js";
export * from "./compare.js";
export * from "./record.js";
export * from "./key.js";
export * from "./functions.js";
export * from "./aggregates.js";
export * from "./like.js";
export { Op, COLUMN_LENGTH, explainRows, EXPLAIN_COLUMNS } from "./program.js";
export type { Instr, Program, ColumnMeta } from "./program.js";
export { Vm, Execution, FLAG_COUNT, FLAG_COUNT_TOTAL, FLAG_LASTROWID, FLAG_NEW_ROWID, RECORD_TRANSIENT } from "./vm.js";
export type { ScalarFn, CompareP4, PragmaContext } from "./vm.js";
export type { IndexSpec, SortKeySpec } from "./cursors.js";
export type { AggDef } from "./accumulators.js";
export { accumulatorKind } from "./accumulators.js";
export { WINDOW_FUNCTIONS } from "./window.js";
export { jsonExtractAsJson, jsonScalar, JSON_RESULT_FUNCTIONS, JSON_VALUE_FUNCTIONS } from "./json-funcs.js";
export { jsonEachRows, JSON_EACH_COLUMNS } from "./json-each.js";
export type { WindowPassSpec, WindowFuncSpec, FrameSpec, BoundKind } from "./window.js";
export { DEFAULT_SORT_BUDGET_BYTES } from "./tempstore.js";
export type { TempFile, TempStore, SortOptions } from "./tempstore.js";
export { initSchemaTable, readSchemaRows, META_SCHEMA_ROOT, META_SCHEMA_VERSION, META_USER_VERSION } from "./schema-rows.js";
export type { SchemaRow } from "./schema-rows.js";
