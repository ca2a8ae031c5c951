/**
 * `@db/vfs/testing`: a simulated disk for crash and fault testing. See packages/vfs/TESTING.md.
 */
export { SimVfs, SimCrash } from "./sim.js";
export type { SimVfsOptions } from "./sim.js";
export type { CrashPolicy, CrashOptions, TornOptions, TornMode } from "./crash.js";
export { SimFault } from "./faults.js";
export type { SimFaultRule, SimFaultOp, SimFaultKind, FsyncMode } from "./faults.js";
export { SIM_OP_KINDS, MUTATING_OPS, formatTrace } from "./trace.js";
export type { SimOpKind, SimOpInfo, SimResult, SimTrace, SimTraceEntry } from "./trace.js";
export { Prng } from "./prng.js";
