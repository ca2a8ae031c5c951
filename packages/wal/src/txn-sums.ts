/**
 * The frames of the open (uncommitted) transaction, as far as the checksum chain needs them:
 * each frame's own checksum (over frame-header bytes [0, 8) and the page, from (0, 0)), and the
 * first frame overwritten in place since the chain was last valid. With these the chain can be
 * redone at commit from the last commit's checksum (`checksumAdvance`), without reading frames.
 * Entry i is frame `lastCommit + 1 + i`.
 */
export class TxnSums {
  private sums = new Uint32Array(256);
  /** Frames recorded (the open transaction's frames so far). */
  count = 0;
  /** Lowest frame overwritten in place whose chain (and every later frame's) is stale; 0: none. */
  staleFrom = 0;

  /** Records the own checksum of entry `i` (i <= count; i == count appends). */
  set(i: number, s0: number, s1: number): void {
    if (2 * i + 2 > this.sums.length) {
      const grown = new Uint32Array(Math.max(2 * this.sums.length, 2 * i + 2));
      grown.set(this.sums);
      this.sums = grown;
    }
    this.sums[2 * i] = s0;
    this.sums[2 * i + 1] = s1;
    if (i >= this.count) this.count = i + 1;
  }

  s0(i: number): number {
    return this.sums[2 * i];
  }

  s1(i: number): number {
    return this.sums[2 * i + 1];
  }

  /** Forgets entries from `n` on. */
  truncate(n: number): void {
    if (n < this.count) this.count = n;
  }

  clear(): void {
    this.count = 0;
    this.staleFrom = 0;
  }
}
