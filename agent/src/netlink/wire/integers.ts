/**
 * Integer reads for the decode hot paths (wire/ only; callers check bounds first).
 *
 * Node's Buffer#readUInt32LE and friends validate their offset on every call and are large
 * enough (~120 bytes of bytecode each) to exhaust TurboFan's inlining budget in a decoder that
 * calls several of them, which then also keeps the decoder's temporary objects (cursors, struct
 * headers) from being optimized away. These are a few bytecodes each and always inline.
 *
 * 64-bit reads build one bigint instead of three: Node's readBigUInt64LE/BE compose the value as
 * `BigInt(lo) + (BigInt(hi) << 32n)`. Interface counters are mostly zero or below 2^53, where
 * one `BigInt(number)` is exact; 0n is a shared constant.
 */

const TWO_POW_32 = 0x1_0000_0000;
/** hi < 2^21 keeps hi * 2^32 + lo below 2^53, where a double is exact. */
const EXACT_HI_LIMIT = 0x20_0000;

export function readU16LE(buf: Uint8Array, offset: number): number {
  return buf[offset]! | (buf[offset + 1]! << 8);
}

export function readU16BE(buf: Uint8Array, offset: number): number {
  return (buf[offset]! << 8) | buf[offset + 1]!;
}

export function readS32LE(buf: Uint8Array, offset: number): number {
  return buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16) | (buf[offset + 3]! << 24);
}

export function readU32LE(buf: Uint8Array, offset: number): number {
  return readS32LE(buf, offset) >>> 0;
}

export function readU32BE(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

function compose(hi: number, lo: number): bigint {
  if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
  if (hi < EXACT_HI_LIMIT) return BigInt(hi * TWO_POW_32 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** readU64LE reads a host-order (little-endian) u64 at offset. */
export function readU64LE(buf: Uint8Array, offset: number): bigint {
  return compose(readU32LE(buf, offset + 4), readU32LE(buf, offset));
}

/** readU64BE reads a network-order u64 at offset. */
export function readU64BE(buf: Uint8Array, offset: number): bigint {
  return compose(readU32BE(buf, offset), readU32BE(buf, offset + 4));
}
