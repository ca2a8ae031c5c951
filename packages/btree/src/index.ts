/**
 * @db/btree: a B+tree of byte-string keys (memcmp order) and byte-string values over pager
 * pages, and `KvStore`, an ordered key-value store built on it. Re-exports everything of
 * @db/pager. See FORMAT.md for the on-page format and README.md for the key-value API.
 */
export * from "@db/pager";
export { BTree } from "./btree.js";
export type { Cursor } from "./cursor.js";

export type { BulkLoadOptions, Entry } from "./bulk.js";
export { compactDatabase, repackTree } from "./vacuum.js";
export type { CompactOptions } from "./vacuum.js";
export { KvStore, RangeIterator, META_KV_ROOT } from "./kv.js";
export type { Bytes, KvOpenOptions, KvReader, KvWriter, RangeOptions, ReadTxn, WriteTxn } from "./kv.js";
export { MAX_KEY_SIZE, MAX_VALUE_SIZE, MAX_DEPTH } from "./layout.js";
