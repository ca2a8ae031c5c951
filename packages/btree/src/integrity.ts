/**
 * Whole-tree consistency check (read-only). Reports problems instead of throwing, each
 * message starting with "page N:" for the page at fault. See the invariants in FORMAT.md.
 */
import { DbError } from "@db/pager";
import { compareBytes, get16, get32 } from "./bytes.js";
import { CellInfo, parseInteriorCell, parseLeafCell } from "./cell.js";
import type { TreeCtx } from "./ctx.js";
import { cellKey } from "./keys.js";
import { MAX_DEPTH, MAX_KEY_SIZE, OFF_CONTENT, OFF_FRAG, OFF_NCELLS } from "./layout.js";
import { cellPtr, headerProblem, isLeaf, rightChild } from "./node.js";

function cmp(a: Uint8Array, b: Uint8Array): number {
  return compareBytes(a, 0, a.length, b, 0, b.length);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Checks: page numbers in range and no page reached twice (tree or overflow pages); valid
 * headers; cell pointers inside the content area, cells in bounds and non-overlapping, and the
 * free-byte count matching the unused bytes; keys strictly increasing within each page and
 * within the bounds set by the parent's separators; separators bounding their subtrees; all
 * leaves at one depth, depth <= MAX_DEPTH; no empty non-root pages; overflow chains of the
 * expected length ending with a 0 pointer. Returns [] when the tree is sound.
 */
export function checkIntegrity(t: TreeCtx): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  const pageCount = t.pager.pageCount();
  const usable = t.usable;
  const L = t.layout;
  const c = new CellInfo();
  let leafDepth = -1;

  /** Validates the overflow chain of a cell on page `owner`; false if it cannot be read. */
  const checkChain = (owner: number, first: number, bytes: number): boolean => {
    const pages = Math.ceil(bytes / L.overflowData);
    let pgno = first;
    for (let k = 0; k < pages; k++) {
      if (pgno < 2 || pgno > pageCount) {
        problems.push(`page ${owner}: overflow chain reaches invalid page ${pgno}`);
        return false;
      }
      if (seen.has(pgno)) {
        problems.push(`page ${pgno}: overflow page reached twice (chain of a cell on page ${owner})`);
        return false;
      }
      seen.add(pgno);
      let next: number;
      try {
        const page = t.pager.get(pgno);
        next = get32(page.data, 0);
        t.pager.release(page);
      } catch (e) {
        problems.push(`page ${pgno}: ${message(e)}`);
        return false;
      }
      if (k < pages - 1 && next === 0) {
        problems.push(`page ${owner}: overflow chain ends early at page ${pgno} (${k + 1} of ${pages} pages)`);
        return false;
      }
      if (k === pages - 1 && next !== 0) problems.push(`page ${pgno}: last overflow page has next pointer ${next}`);
      pgno = next;
    }
    return true;
  };

  const walk = (pgno: number, from: number, depth: number, lower: Uint8Array | null, upper: Uint8Array | null): void => {
    if (depth > MAX_DEPTH) {
      problems.push(`page ${from}: tree deeper than ${MAX_DEPTH} levels`);
      return;
    }
    if (pgno < 2 || pgno > pageCount) {
      problems.push(`page ${from}: child page ${pgno} out of range 2..${pageCount}`);
      return;
    }
    if (seen.has(pgno)) {
      problems.push(`page ${pgno}: reached twice (again from page ${from})`);
      return;
    }
    seen.add(pgno);
    let page;
    try {
      page = t.pager.get(pgno);
    } catch (e) {
      problems.push(`page ${pgno}: ${message(e)}`);
      return;
    }
    const keys: Uint8Array[] = [];
    const children: number[] = [];
    try {
      const d = page.data;
      const hp = headerProblem(d, usable);
      if (hp !== null) {
        problems.push(`page ${pgno}: ${hp}`);
        return;
      }
      const n = get16(d, OFF_NCELLS);
      const content = get16(d, OFF_CONTENT);
      const leaf = isLeaf(d);
      if (leaf) {
        if (leafDepth < 0) leafDepth = depth;
        else if (depth !== leafDepth) problems.push(`page ${pgno}: leaf at depth ${depth}, other leaves at depth ${leafDepth}`);
        if (n === 0 && pgno !== t.root) problems.push(`page ${pgno}: empty non-root leaf`);
      } else if (n === 0) {
        problems.push(`page ${pgno}: interior page with no cells`);
      }
      const starts: number[] = [];
      const sizes = new Map<number, number>();
      let used = 0;
      for (let i = 0; i < n; i++) {
        const off = cellPtr(d, i);
        if (off < content || off >= usable) {
          problems.push(`page ${pgno}: cell ${i} pointer ${off} outside the content area ${content}..${usable}`);
          return;
        }
        try {
          if (leaf) parseLeafCell(L, d, off, usable, pgno, c);
          else parseInteriorCell(L, d, off, usable, pgno, c);
        } catch (e) {
          problems.push(`page ${pgno}: cell ${i}: ${message(e)}`);
          return;
        }
        if (sizes.has(off)) {
          problems.push(`page ${pgno}: cells share offset ${off}`);
          return;
        }
        sizes.set(off, c.size);
        starts.push(off);
        used += c.size;
        if (c.keyLen > MAX_KEY_SIZE) problems.push(`page ${pgno}: cell ${i} key of ${c.keyLen} bytes exceeds the maximum`);
        if (c.overflow !== 0 && !checkChain(pgno, c.overflow, c.keyLen + c.valueLen - c.local)) return;
        const key = cellKey(t, d, c, pgno);
        if (keys.length > 0 && cmp(keys[keys.length - 1], key) >= 0) {
          problems.push(`page ${pgno}: keys out of order at cell ${i}`);
        }
        if (lower !== null && cmp(key, lower) < 0) {
          problems.push(`page ${pgno}: cell ${i} key is below the parent's separator`);
        }
        if (upper !== null && cmp(key, upper) >= 0) {
          problems.push(`page ${pgno}: cell ${i} key is not below the parent's separator`);
        }
        keys.push(key);
        if (!leaf) children.push(c.child);
      }
      starts.sort((a, b) => a - b);
      for (let j = 1; j < starts.length; j++) {
        const prevEnd = starts[j - 1] + (sizes.get(starts[j - 1]) ?? 0);
        if (starts[j] < prevEnd) problems.push(`page ${pgno}: cells at offsets ${starts[j - 1]} and ${starts[j]} overlap`);
      }
      const frag = get16(d, OFF_FRAG);
      if (usable - content - used !== frag) {
        problems.push(`page ${pgno}: free-byte count ${frag} but ${usable - content - used} content bytes are unused`);
      }
      if (!leaf) children.push(rightChild(d));
    } catch (e) {
      if (!(e instanceof DbError)) throw e;
      problems.push(`page ${pgno}: ${message(e)}`);
      return;
    } finally {
      t.pager.release(page);
    }
    for (let i = 0; i < children.length; i++) {
      walk(children[i], pgno, depth + 1, i === 0 ? lower : keys[i - 1], i < keys.length ? keys[i] : upper);
    }
  };

  walk(t.root, t.root, 1, null, null);
  return problems;
}
