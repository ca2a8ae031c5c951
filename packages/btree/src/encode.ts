/** Building new cells (and their overflow chains) from keys and values. */
import { copyBytes, put32 } from "./bytes.js";
import type { TreeCtx } from "./ctx.js";
import { copyPayload, writeChain } from "./overflow.js";
import { putVarint } from "./varint.js";

const EMPTY = new Uint8Array(0);

/**
 * Encodes a leaf cell for `key`/`value` into `dst` (>= cellMax bytes), writing the part of
 * the payload that does not fit to a new overflow chain. Returns the cell size in bytes.
 */
export function encodeLeafCell(t: TreeCtx, dst: Uint8Array, key: Uint8Array, value: Uint8Array): number {
  const kl = key.length;
  const vl = value.length;
  let p = putVarint(dst, 0, kl);
  p += putVarint(dst, p, vl);
  const local = t.layout.localSize(p, kl, kl + vl);
  if (local === kl + vl) {
    copyBytes(dst, p, key, 0, kl);
    copyBytes(dst, p + kl, value, 0, vl);
    return p + local;
  }
  copyPayload(key, value, 0, dst, p, local);
  put32(dst, p + local, writeChain(t, key, value, local));
  return p + local + 4;
}

/**
 * Encodes an interior cell (left child `child`, separator `key`) into `dst`, writing an
 * overflow chain for long keys. Returns the cell size in bytes.
 */
export function encodeInteriorCell(t: TreeCtx, dst: Uint8Array, child: number, key: Uint8Array): number {
  const kl = key.length;
  put32(dst, 0, child);
  const p = 4 + putVarint(dst, 4, kl);
  const local = t.layout.localSize(p, kl, kl);
  copyBytes(dst, p, key, 0, local);
  if (local === kl) return p + local;
  put32(dst, p + local, writeChain(t, key, EMPTY, local));
  return p + local + 4;
}

