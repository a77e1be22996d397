/**
 * A small seeded PRNG (mulberry32) for property tests: the same seed gives the same cases on
 * every run and machine, and a failing case names its seed so it can be replayed.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** Uniform bigint in [0, 2^bits). */
  bits(bits: number): bigint;
  pick<T>(list: readonly T[]): T;
}

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r: Rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    bits: (bits) => {
      let v = 0n;
      for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(Math.floor(next() * 65536));
      return v & ((1n << BigInt(bits)) - 1n);
    },
    pick: (list) => {
      const v = list[Math.floor(next() * list.length)];
      if (v === undefined) throw new Error('pick from an empty list');
      return v;
    },
  };
  return r;
}
