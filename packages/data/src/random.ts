// Seeded randomness: every split, shuffle and synthetic image is a pure
// function of its seed, on any machine and in any order of calls.

const doubleBits = new DataView(new ArrayBuffer(8));

/** A 32-bit mixing hash (splitmix/murmur finaliser) of several integers. */
export function hashSeed(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const value of values) {
    // Integers (1e10 too) hash by their two 32-bit halves; any other number
    // (0.5, -1.25) by the two words of its float64 bits, so it stays distinct.
    let low = value | 0;
    let high = Math.floor(value / 4294967296) | 0;
    if (!Number.isInteger(value)) {
      doubleBits.setFloat64(0, value);
      high = doubleBits.getInt32(0) ^ 0x7ff00000;
      low = doubleBits.getInt32(4);
    }
    h = Math.imul(h ^ low, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ high, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = hashSeed(seed) || 1;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** A standard normal sample (Box-Muller). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const swap = items[i]!;
      items[i] = items[j]!;
      items[j] = swap;
    }
    return items;
  }
}
