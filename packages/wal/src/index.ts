export * from "@db/vfs";
export { Wal, DEFAULT_SECTOR_SIZE } from "./wal.js";
export type { CheckpointMode, CheckpointResult, Snapshot, Synchronous, WalFrame, WalOpenOptions } from "./wal.js";
export { checksum, checksumAdvance, checksumShift, checksumUpdate, checksumUpdateView } from "./checksum.js";
export type { ChecksumShift, ChecksumState } from "./checksum.js";
export { isValidPageSize, MIN_PAGE_SIZE, MAX_PAGE_SIZE, MAX_COMMIT_SIZE } from "./format.js";
