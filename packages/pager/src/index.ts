export * from "@db/wal";
export { Pager } from "./pager.js";
export type { PagerOptions } from "./pager.js";
export type { Page, Pgno } from "./page.js";
export { RESERVED_BYTES } from "./page.js";
export { DEFAULT_CACHE_SIZE } from "./pager.js";
export type { CachePolicy } from "./cache.js";
export { pageChecksum } from "./checksum.js";
