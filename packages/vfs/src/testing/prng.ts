/**
 * A small seeded pseudo-random generator (mulberry32): the same seed always gives the same
 * sequence, on every platform, so every random choice of the simulated disk can be replayed.
 * Not for cryptography.
 */
export class Prng {
  private state: number;

  /** `seed` is any number; only its low 32 bits are used. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next value, an unsigned 32-bit integer. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 0x1_0000_0000;
  }

  /** An integer in [0, n), for 1 <= n <= 2^32. */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** True with probability `p` (default 1/2). */
  chance(p = 0.5): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Fills `buf` with random bytes. */
  fill(buf: Uint8Array): Uint8Array {
    for (let i = 0; i < buf.length; i++) buf[i] = this.next() & 0xff;
    return buf;
  }
}
