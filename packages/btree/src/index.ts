/**
 * @db/btree: a B+tree of byte-string keys (memcmp order) and byte-string values over pager
 * pages. Re-exports everything of @db/pager. See FORMAT.md for the on-page format.
 */
export * from "@db/pager";
export { BTree } from "./btree.js";
export type { Cursor } from "./cursor.js";
export { MAX_KEY_SIZE, MAX_VALUE_SIZE, MAX_DEPTH } from "./layout.js";
