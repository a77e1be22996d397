/**
 * A small seeded pseudo-random generator (mulberry32) for property tests: deterministic per
 * seed, so a failing case is reproduced by its seed alone. No dependency on fast-check.
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
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
  bool(): boolean {
    return this.next() < 0.5;
  }

  bytes(length: number): Buffer {
    const b = Buffer.alloc(length);
    for (let i = 0; i < length; i++) b[i] = this.u8();
    return b;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
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

  /** ipv6 returns random bytes with runs of zero words, to exercise '::' compression. */
  ipv6Bytes(): Buffer {
    const b = this.bytes(16);
    const zeroFrom = this.int(0, 8);
    const zeroTo = this.int(zeroFrom, 8);
    for (let w = zeroFrom; w < zeroTo; w++) b.writeUInt16BE(0, w * 2);
    return b;
  }
}

/** SEEDS: how many random cases each property test runs. */
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
