import { DbError, type VfsFile } from "@db/vfs";
import type { ChecksumState } from "./checksum.js";
import { FrameIndex } from "./frame-index.js";
import { decodeFrame, decodeWalHeader, FRAME_HEADER_SIZE, nextFrameOffset, WAL_HEADER_SIZE, type WalHeader } from "./format.js";

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
  const size = file.size();
  const running = { ...header.cksum };
  let committed = { ...running };
  const pending: number[] = []; // pgno, offset, pgno, offset, ...
  const perBatch = Math.max(1, Math.floor(SCAN_BATCH_BYTES / frameSize));
  const buf = new Uint8Array(Math.max(frameSize, Math.min(perBatch * frameSize, size - WAL_HEADER_SIZE)));
  let bufStart = 0; // file offset of buf[0]
  let bufLen = 0; // bytes of buf holding file data
  // Frames are read in runs of up to SCAN_BATCH_BYTES; an aligned commit moves the next frame
  // to the next alignment boundary, possibly outside the run read so far.
  for (let offset = WAL_HEADER_SIZE; offset + frameSize <= size; ) {
    if (offset < bufStart || offset + frameSize > bufStart + bufLen) {
      bufStart = offset;
      bufLen = readAt(file, buf.subarray(0, Math.min(buf.length, size - offset)), offset, "the WAL");
      if (bufLen < frameSize) break;
    }
    const info = decodeFrame(buf, offset - bufStart, pageSize, header, running);
    if (info === null) break;
    pending.push(info.pgno, offset);
    offset += frameSize;
    if (info.commitSize > 0) {
      for (let i = 0; i < pending.length; i += 2) index.append(pending[i], pending[i + 1]);
      index.markCommit(info.commitSize, info.aligned);
      pending.length = 0;
      committed = { ...running };
      offset = nextFrameOffset(offset, info.aligned, pageSize);
    }
  }
  return { header, index, running: committed };
}
