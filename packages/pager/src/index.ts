export * from "@db/wal";
export { Pager } from "./pager.js";
export type { PagerOptions } from "./pager.js";
export type { Page, Pgno } from "./page.js";
export { RESERVED_BYTES } from "./page.js";
