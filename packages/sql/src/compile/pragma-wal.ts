/**
 * WAL pragmas, with SQLite's meaning (sqlite.org/pragma.html):
 * - `PRAGMA synchronous` reads 2 (FULL), 1 (NORMAL) or 0 (OFF); `PRAGMA synchronous = FULL |
 *   NORMAL | OFF | EXTRA | 0..3` sets it for this connection (EXTRA and 3 behave as FULL). Any
 *   other value is DB_ERROR (SQLite would quietly pick NORMAL; a durability setting should not
 *   be mistyped silently).
 * - `PRAGMA wal_autocheckpoint` reads the threshold in frames; `= N` sets it (N <= 0: never) and
 *   returns the new value.
 * - `PRAGMA wal_checkpoint[(PASSIVE | FULL | RESTART | TRUNCATE)]` checkpoints and returns one row
 *   (busy, log, checkpointed). Inside a write transaction nothing is copied and busy is 1.
 */
import { DbError, type PragmaContext } from "@db/vm";
import { extraPragmas } from "./pragma.js";

type WalHandle = PragmaContext["pager"]["wal"];
type SyncLevel = WalHandle["synchronous"];
type CheckpointMode = NonNullable<Parameters<WalHandle["checkpoint"]>[0]>;

const SYNC_READ: Record<SyncLevel, number> = { off: 0, normal: 1, full: 2 };
const SYNC_SET: Record<string, SyncLevel> = {
  "0": "off",
  off: "off",
  "1": "normal",
  normal: "normal",
  "2": "full",
  full: "full",
  "3": "full",
  extra: "full",
};
const CHECKPOINT_MODES: readonly CheckpointMode[] = ["passive", "full", "restart", "truncate"];

extraPragmas.set("synchronous", (_ctx, p) => {
  if (p.value === undefined) {
    return { columns: ["synchronous"], rows: (c) => [[SYNC_READ[c.pager.wal.synchronous]]] };
  }
  const level = SYNC_SET[p.value.toLowerCase()];
  if (level === undefined) throw new DbError("DB_ERROR", `invalid value for PRAGMA synchronous: ${p.value}`);
  return {
    columns: [],
    rows: (c) => {
      c.pager.wal.synchronous = level;
      return [];
    },
  };
});

extraPragmas.set("wal_autocheckpoint", (_ctx, p) => {
  if (p.value === undefined) {
    return { columns: ["wal_autocheckpoint"], rows: (c) => [[c.pager.wal.autocheckpointFrames]] };
  }
  const n = Number(p.value);
  if (!Number.isFinite(n)) throw new DbError("DB_ERROR", `invalid value for PRAGMA wal_autocheckpoint: ${p.value}`);
  const frames = Math.max(0, Math.min(Math.trunc(n), 0x7fffffff));
  return {
    columns: ["wal_autocheckpoint"],
    rows: (c) => {
      c.pager.wal.autocheckpointFrames = frames;
      return [[frames]];
    },
  };
});

extraPragmas.set("wal_checkpoint", (_ctx, p) => {
  // SQLite runs an unknown mode as PASSIVE.
  const asked = (p.value ?? "passive").toLowerCase() as CheckpointMode;
  const mode = CHECKPOINT_MODES.includes(asked) ? asked : "passive";
  return {
    columns: ["busy", "log", "checkpointed"],
    rows: (c) => {
      const wal = c.pager.wal;
      if (c.vm.txnState === "write" || c.pager.inWrite) {
        return [[1, wal.committedFrames, wal.backfilledFrames]];
      }
      const r = wal.checkpoint(mode);
      return [[r.busy ? 1 : 0, r.log, r.checkpointed]];
    },
  };
});
