/**
 * The page cache's index: page number -> cached page, as a two-level table (4096 slots per
 * chunk, chunks made on first use) instead of a Map. A lookup is two array loads, with no
 * hashing, and touches fewer cache lines: it runs for every page a b-tree descent visits, and
 * on large databases the Map's hash table missed the CPU caches on most of them. Memory is one
 * slot per page number in the chunks touched (32 KiB per 4096 pages), freed when a chunk empties.
 */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;

export class PageTable<T> {
  private readonly chunks: ((T | undefined)[] | undefined)[] = [];
  private readonly counts: number[] = [];
  private n = 0;

  get size(): number {
    return this.n;
  }

  get(pgno: number): T | undefined {
    const c = this.chunks[pgno >>> CHUNK_BITS];
    return c === undefined ? undefined : c[pgno & (CHUNK - 1)];
  }

  /** Sets the entry of `pgno` (which must not have one). */
  set(pgno: number, v: T): void {
    const i = pgno >>> CHUNK_BITS;
    let c = this.chunks[i];
    if (c === undefined) {
      while (this.chunks.length <= i) {
        this.chunks.push(undefined);
        this.counts.push(0);
      }
      c = this.chunks[i] = new Array<T | undefined>(CHUNK).fill(undefined);
    }
    const j = pgno & (CHUNK - 1);
    if (c[j] === undefined) {
      this.counts[i]++;
      this.n++;
    }
    c[j] = v;
  }

  delete(pgno: number): void {
    const i = pgno >>> CHUNK_BITS;
    const c = this.chunks[i];
    const j = pgno & (CHUNK - 1);
    if (c === undefined || c[j] === undefined) return;
    c[j] = undefined;
    this.n--;
    if (--this.counts[i] === 0) this.chunks[i] = undefined;
  }

  /** Every entry, in page-number order (a copy: safe to modify the table meanwhile). */
  values(): T[] {
    const out: T[] = [];
    for (const c of this.chunks) {
      if (c === undefined) continue;
      for (const v of c) if (v !== undefined) out.push(v);
    }
    return out;
  }

  clear(): void {
    this.chunks.length = 0;
    this.counts.length = 0;
    this.n = 0;
  }
}
