export { DbError, corruptError, ioError } from "./errors.js";
export type { ErrorCode, ConstraintKind, DbErrorOptions } from "./errors.js";
export type { Vfs, VfsFile, OpenOptions } from "./vfs.js";
export { NodeVfs } from "./node.js";
export { MemoryVfs } from "./memory.js";
export { FaultVfs } from "./fault.js";
export type { FaultOp, FaultRule } from "./fault.js";
