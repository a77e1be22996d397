/**
 * A small seeded pseudo-random generator (mulberry32) for property tests: the same seed gives the
 * same cases on every run and machine, and a failing case names its seed (forSeeds) so it can be
 * replayed. One generator for every test tier; no dependency on fast-check.
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

  u8(): number {
    return this.int(0, 0xff);
  }

  u16(): number {
    return this.int(0, 0xffff);
  }

  u32(): number {
    return this.int(0, 0xffffffff);
  }

  /** u64 spreads over the whole 64-bit range, half the time below 2^32 (counters past 2^53 included). */
  u64(): bigint {
    const hi = BigInt(this.u32());
    const lo = BigInt(this.u32());
    return this.bool() ? lo : (hi << 32n) | lo;
  }

  /** bits returns a bigint in [0, 2^bits). */
  bits(bits: number): bigint {
    let v = 0n;
    for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(this.u16());
    return v & ((1n << BigInt(bits)) - 1n);
  }

  bool(pTrue = 0.5): boolean {
    return this.next() < pTrue;
  }

  bytes(length: number): Buffer {
    const b = Buffer.alloc(length);
    for (let i = 0; i < length; i++) b[i] = this.u8();
    return b;
  }

  /** pick returns one of items (which may include undefined). */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** string returns printable ASCII without NUL, of length [min, max]. */
  string(min: number, max: number): string {
    let s = '';
    const n = this.int(min, max);
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.int(0x21, 0x7e));
    return s;
  }

  ipv4(): string {
    return [this.u8(), this.u8(), this.u8(), this.u8()].join('.');
  }

  /** ipv6 returns IPv6 text, sometimes with zero runs so "::" compression is exercised. */
  ipv6(): string {
    const groups = Array.from({ length: 8 }, () => (this.bool(0.4) ? 0 : this.u16()));
    return groups.map((g) => g.toString(16)).join(':');
  }

  /** ipv6Bytes returns 16 random bytes with a run of zero words, for '::' compression. */
  ipv6Bytes(): Buffer {
    const b = this.bytes(16);
    const zeroFrom = this.int(0, 8);
    const zeroTo = this.int(zeroFrom, 8);
    for (let w = zeroFrom; w < zeroTo; w++) b.writeUInt16BE(0, w * 2);
    return b;
  }
}

/** rng is the functional spelling used by the domain tests. */
export const rng = (seed: number): Prng => new Prng(seed);
export type Rng = Prng;

/** How many random cases each property test runs. */
export const PROPERTY_RUNS = 500;

/** forSeeds runs fn once per seed; the seed is in the assertion message on failure. */
export function forSeeds(runs: number, fn: (rng: Prng) => void): void {
  for (let seed = 1; seed <= runs; seed++) {
    try {
      fn(new Prng(seed));
    } catch (err) {
      if (err instanceof Error) err.message = `[seed ${seed}] ${err.message}`;
      throw err;
    }
  }
}
