import type { VfsFile } from "@db/vfs";
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
 * Scans the WAL: accepts frames while their salts match the header and the checksum chain holds,
 * and keeps only those up to the last valid commit frame. See FORMAT.md, "Recovery".
 */
export function recoverWal(file: VfsFile): Recovered {
  const index = new FrameIndex();
  const head = new Uint8Array(WAL_HEADER_SIZE);
  const header = file.read(head, 0) === WAL_HEADER_SIZE ? decodeWalHeader(head) : null;
  if (header === null) return { header: null, index, running: { s0: 0, s1: 0 } };

  const pageSize = header.pageSize;
  const frameSize = FRAME_HEADER_SIZE + pageSize;
  const total = Math.floor((file.size() - WAL_HEADER_SIZE) / frameSize);
  const running = { ...header.cksum };
  let committed = { ...running };
  const pending: number[] = [];
  const perBatch = Math.max(1, Math.floor(SCAN_BATCH_BYTES / frameSize));
  const buf = new Uint8Array(perBatch * frameSize);

  scan: for (let first = 1; first <= total; first += perBatch) {
    const count = Math.min(perBatch, total - first + 1);
    const got = file.read(buf.subarray(0, count * frameSize), WAL_HEADER_SIZE + (first - 1) * frameSize);
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
