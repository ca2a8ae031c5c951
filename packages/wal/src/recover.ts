import { DbError, type VfsFile } from "@db/vfs";
import type { ChecksumState } from "./checksum.js";
import { FrameIndex } from "./frame-index.js";
import { decodeFrame, decodeWalHeader, FRAME_HEADER_SIZE, WAL_HEADER_SIZE, type WalHeader } from "./format.js";

/** What recovery found in a WAL file. */
export interface Recovered {
  /** The valid header, or null if the file is empty or its header is garbage (the WAL is then empty). */
  header: WalHeader | null;
  /** Committed frames only. */
  index: FrameIndex;
  /** Cumulative checksum after the last commit frame (the header checksum if none). */
  running: ChecksumState;
}

/** Frames read per I/O call during the scan. */
const SCAN_BATCH_BYTES = 1 << 20;

/**
 * Reads `buf.length` bytes at `offset`, retrying after a short read. Returns the bytes read, fewer
 * only at the end of the file. A read that stops short before the end of the file (the OS
 * returned less than it had) is DB_IOERR: taking it for the end of the file could make recovery
 * drop committed frames, or a reader see a page half zeroed.
 */
export function readAt(file: VfsFile, buf: Uint8Array, offset: number, what: string): number {
  let got = 0;
  while (got < buf.length) {
    const n = file.read(got === 0 ? buf : buf.subarray(got), offset + got);
    if (n <= 0) break;
    got += n;
  }
  if (got < buf.length && offset + got < file.size()) {
    throw new DbError("DB_IOERR", `disk I/O error: short read of ${what} at byte ${offset + got}`, {
      subcode: "DB_IOERR_SHORT_READ",
    });
  }
  return got;
}

/**
 * Scans the WAL: accepts frames while their salts match the header and the checksum chain holds,
 * and keeps only those up to the last valid commit frame. See FORMAT.md, "Recovery".
 * Reads only; DB_IOERR if a read fails (never a shortened WAL).
 */
export function recoverWal(file: VfsFile): Recovered {
  const index = new FrameIndex();
  const head = new Uint8Array(WAL_HEADER_SIZE);
  const header = readAt(file, head, 0, "the WAL header") === WAL_HEADER_SIZE ? decodeWalHeader(head) : null;
  if (header === null) return { header: null, index, running: { s0: 0, s1: 0 } };

  const pageSize = header.pageSize;
  const frameSize = FRAME_HEADER_SIZE + pageSize;
  const total = Math.floor((file.size() - WAL_HEADER_SIZE) / frameSize);
  const running = { ...header.cksum };
  let committed = { ...running };
  const pending: number[] = [];
  const perBatch = Math.max(1, Math.floor(SCAN_BATCH_BYTES / frameSize));
  const buf = new Uint8Array(Math.min(perBatch, Math.max(total, 1)) * frameSize);

  scan: for (let first = 1; first <= total; first += perBatch) {
    const count = Math.min(perBatch, total - first + 1);
    const got = readAt(file, buf.subarray(0, count * frameSize), WAL_HEADER_SIZE + (first - 1) * frameSize, "the WAL");
    for (let i = 0; i < count; i++) {
      if ((i + 1) * frameSize > got) break scan;
      const info = decodeFrame(buf, i * frameSize, pageSize, header, running);
      if (info === null) break scan;
      pending.push(info.pgno);
      if (info.commitSize > 0) {
        for (const pgno of pending) index.append(pgno);
        index.markCommit(info.commitSize);
        pending.length = 0;
        committed = { ...running };
      }
    }
  }
  return { header, index, running: committed };
}
