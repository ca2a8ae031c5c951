/** Storage pragmas (page size, cache size) and their runtime effects. */
import { extraPragmas } from "./pragma.js";

// Registered here: page_size/cache_size setters (owned by the storage work, issue 3).
void extraPragmas;
