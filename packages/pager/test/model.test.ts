import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DbError, FaultVfs, MemoryVfs, Pager, Wal, type FaultOp } from "../src/index.js";
import { DB } from "./helpers.js";

/** A random step against the pager; `pick` chooses among the live pages. */
type Cmd =
  | { t: "alloc"; value: number }
  | { t: "write"; pick: number; value: number }
  | { t: "free"; pick: number }
  | { t: "meta"; slot: number; value: number }
  | { t: "read"; pick: number }
  | { t: "commit" }
  | { t: "rollback" }
  | { t: "reopen" }
  | { t: "crash" }
  | { t: "fault"; op: FaultOp; skip: number; times: number };

const u32 = fc.nat({ max: 0xffffffff });
const steps: fc.WeightedArbitrary<Cmd>[] = [
  { weight: 4, arbitrary: fc.record({ t: fc.constant("alloc" as const), value: u32 }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant("write" as const), pick: fc.nat(), value: u32 }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("free" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("meta" as const), slot: fc.nat({ max: 7 }), value: u32 }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("read" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.constant({ t: "commit" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "rollback" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "reopen" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "crash" as const }) },
];
const fault: fc.WeightedArbitrary<Cmd> = {
  weight: 4,
  arbitrary: fc.record({
    t: fc.constant("fault" as const),
    op: fc.constantFrom<FaultOp>("read", "write", "sync", "truncate"),
    skip: fc.nat({ max: 4 }),
    times: fc.integer({ min: 1, max: 3 }),
  }),
};

interface State {
  pages: Map<number, number>;
  meta: number[];
}

function copy(s: State): State {
  return { pages: new Map(s.pages), meta: [...s.meta] };
}

/** Runs commands against a pager and against a model (committed and current State). */
class Harness {
  readonly vfs = new FaultVfs(new MemoryVfs());
  pager: Pager;
  committed: State = { pages: new Map(), meta: new Array(8).fill(0) };
  current = copy(this.committed);

  constructor(
    private readonly cacheSizePages: number,
    private readonly autocheckpointFrames: number,
  ) {
    this.pager = this.open();
  }

  open(): Pager {
    const wal = Wal.open(this.vfs, DB, { create: true, autocheckpointFrames: this.autocheckpointFrames });
    return Pager.open(wal, { pageSize: 512, cacheSizePages: this.cacheSizePages });
  }

  /** Each page carries its value at the start and (xor-ed) at the end of the usable area. */
  put(data: Uint8Array, value: number): void {
    const v = new DataView(data.buffer, data.byteOffset);
    v.setUint32(0, value);
    v.setUint32(this.pager.usableSize - 4, (value ^ 0x5a5a5a5a) >>> 0);
  }

  /** The pager's content (pages of `like`, and the meta slots), read back. */
  actual(like: State = this.current): State {
    const p = this.pager;
    const pages = new Map<number, number>();
    for (const pgno of like.pages.keys()) {
      const page = p.get(pgno);
      const v = new DataView(page.data.buffer, page.data.byteOffset);
      expect((v.getUint32(0) ^ 0x5a5a5a5a) >>> 0).toBe(v.getUint32(p.usableSize - 4));
      pages.set(pgno, v.getUint32(0));
      p.release(page);
    }
    return { pages, meta: Array.from({ length: 8 }, (_, i) => p.getMeta(i)) };
  }

  check(expected: State = this.current): void {
    expect(this.actual(expected)).toEqual(expected);
    expect(this.pager.pageCount() - 1 - this.pager.freelistCount()).toBe(expected.pages.size);
  }

  private write(): void {
    if (!this.pager.inWrite) this.pager.beginWrite();
  }

  apply(c: Cmd): void {
    const p = this.pager;
    const live = [...this.current.pages.keys()];
    const pgno = "pick" in c && live.length > 0 ? live[c.pick % live.length] : 0;
    switch (c.t) {
      case "alloc": {
        this.write();
        const page = p.allocate();
        expect(this.current.pages.has(page.pgno)).toBe(false);
        this.put(page.data, c.value);
        p.release(page);
        this.current.pages.set(page.pgno, c.value);
        return;
      }
      case "read":
        if (pgno !== 0) p.release(p.get(pgno));
        return;
      case "free":
        if (pgno === 0) return;
        this.write();
        p.free(pgno);
        this.current.pages.delete(pgno);
        return;
      case "write": {
        if (pgno === 0) return;
        this.write();
        const page = p.get(pgno);
        p.markDirty(page);
        this.put(page.data, c.value);
        p.release(page);
        this.current.pages.set(pgno, c.value);
        return;
      }
      case "meta":
        this.write();
        p.setMeta(c.slot, c.value);
        this.current.meta[c.slot] = c.value;
        return;
      case "commit":
        if (p.inWrite) {
          p.commit();
          this.committed = copy(this.current);
        }
        return;
      case "rollback":
        p.rollback();
        this.current = copy(this.committed);
        return;
      case "reopen":
        p.close();
        this.pager = this.open();
        this.current = copy(this.committed);
        return;
      case "crash": // abandon the connection without closing it
        this.pager = this.open();
        this.current = copy(this.committed);
        return;
      case "fault":
        this.vfs.inject({ op: c.op, skip: c.skip, times: c.times, kind: c.skip % 2 ? "full" : "io", torn: true });
        return;
    }
  }

  /**
   * After a failed step: a failed commit must leave exactly the last committed state; other
   * failures leave the transaction to be rolled back by the caller. A poisoned or failed
   * connection is reopened (faults cleared); a commit whose fsync failed may or may not survive.
   */
  recover(c: Cmd, e: unknown): void {
    expect(e).toBeInstanceOf(DbError);
    const attempted = copy(this.current);
    const failedCommit = c.t === "commit";
    const reopening = c.t === "reopen" || c.t === "crash";
    this.vfs.clear();
    if (!reopening) {
      if (!failedCommit) this.pager.rollback();
      expect(this.pager.inWrite).toBe(false);
      this.current = copy(this.committed);
      this.check();
    }
    this.current = copy(this.committed);
    try {
      this.pager.close();
    } catch {
      // a checkpoint left over from the failure may fail too; reopening recovers
    }
    this.pager = this.open();
    if (failedCommit && (e as DbError).code === "DB_IOERR") {
      try {
        this.check(attempted);
        this.committed = attempted; // the frames reached the file although the fsync failed
      } catch {
        this.check(this.committed);
      }
    } else {
      this.check(this.committed);
    }
    this.current = copy(this.committed);
  }
}

function run(cmds: Cmd[], cacheSizePages: number, autocheckpointFrames: number): void {
  const h = new Harness(cacheSizePages, autocheckpointFrames);
  for (const c of cmds) {
    try {
      h.apply(c);
    } catch (e) {
      h.recover(c, e);
    }
    // a fault lives until the end of the transaction; then the pager must still be consistent
    if (c.t === "commit" || c.t === "rollback" || c.t === "reopen" || c.t === "crash") h.vfs.clear();
    if (h.vfs.active()) continue;
    h.check();
  }
  h.vfs.clear();
  h.pager.close();
  h.pager = h.open();
  h.current = copy(h.committed);
  h.check();
  h.pager.close();
}

describe("Pager model test (vs Map<pgno, value>)", () => {
  it("random writes, commits, rollbacks, reopens and crashes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(...steps), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 3, max: 12 }),
        fc.integer({ min: 2, max: 30 }),
        run,
      ),
      { numRuns: 150 },
    );
  });

  it("the same with injected I/O failures (DB_IOERR, DB_FULL, torn writes, failed fsyncs)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(...steps, fault), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 3, max: 12 }),
        fc.integer({ min: 2, max: 30 }),
        run,
      ),
      { numRuns: 150 },
    );
  });
});
