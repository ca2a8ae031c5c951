import type { CachedPage, Pgno } from "./page.js";

/**
 * The page cache: a Map in least-recently-used order (JS Maps iterate in insertion order;
 * `touch` re-inserts a page at the most-recent end). Eviction policy lives in the pager.
 */
export class PageCache {
  private readonly pages = new Map<Pgno, CachedPage>();

  get size(): number {
    return this.pages.size;
  }

  /** The cached page, without changing its LRU position. */
  peek(pgno: Pgno): CachedPage | undefined {
    return this.pages.get(pgno);
  }

  /** The cached page, made most recently used. */
  touch(pgno: Pgno): CachedPage | undefined {
    const page = this.pages.get(pgno);
    if (page !== undefined) {
      this.pages.delete(pgno);
      this.pages.set(pgno, page);
    }
    return page;
  }

  add(page: CachedPage): void {
    this.pages.delete(page.pgno);
    this.pages.set(page.pgno, page);
  }

  remove(pgno: Pgno): void {
    this.pages.delete(pgno);
  }

  /** Every cached page, least recently used first (a copy: safe to modify the cache meanwhile). */
  all(): CachedPage[] {
    return [...this.pages.values()];
  }

  /** Evicts unpinned clean pages, least recently used first, until at most `limit` remain. */
  evictClean(limit: number): void {
    if (this.pages.size <= limit) return;
    for (const page of this.pages.values()) {
      if (page.pins === 0 && !page.dirty) {
        this.pages.delete(page.pgno);
        if (this.pages.size <= limit) return;
      }
    }
  }

  clear(): void {
    this.pages.clear();
  }
}
