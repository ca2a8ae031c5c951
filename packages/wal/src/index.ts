export * from "@db/vfs";
export { Wal } from "./wal.js";
export type { Snapshot, Synchronous, WalFrame, WalOpenOptions } from "./wal.js";
export { checksum, checksumUpdate } from "./checksum.js";
export type { ChecksumState } from "./checksum.js";
export { isValidPageSize, MIN_PAGE_SIZE, MAX_PAGE_SIZE } from "./format.js";
