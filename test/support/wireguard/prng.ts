/**
 * A small seeded PRNG (mulberry32) for property tests: the same seed gives the same cases, so a
 * failure names its seed and reproduces without new dependencies.
 */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** next returns a float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** int returns an integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  bool(pTrue = 0.5): boolean {
    return this.next() < pTrue;
  }

  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(0, 255));
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list');
    return xs[this.int(0, xs.length - 1)] as T;
  }

  /** u64 returns a bigint spread over the whole 64-bit range (counters past 2^53 included). */
  u64(): bigint {
    const hi = BigInt(this.int(0, 0xffffffff));
    const lo = BigInt(this.int(0, 0xffffffff));
    return this.bool() ? lo : (hi << 32n) | lo;
  }

  /** ipv4 returns a random dotted quad. */
  ipv4(): string {
    return Array.from(this.bytes(4)).join('.');
  }

  /** ipv6 returns random IPv6 text, sometimes with zero runs so "::" compression is exercised. */
  ipv6(): string {
    const groups = Array.from({ length: 8 }, () => (this.bool(0.4) ? 0 : this.int(0, 0xffff)));
    return groups.map((g) => g.toString(16)).join(':');
  }
}
