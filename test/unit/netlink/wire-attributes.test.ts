import { describe, expect, it } from 'vitest';
import { Attribute, AttributeDecoder, NLA_TYPE_MASK, type RawAttribute } from '../../../agent/src/netlink/wire/attribute.js';
import { AttributeEncoder } from '../../../agent/src/netlink/wire/encoder.js';
import { WireError } from '../../../agent/src/netlink/wire/errors.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER } from '../../../agent/src/netlink/wire/uapi/netlink.js';
import { forSeeds, type Prng, PROPERTY_RUNS } from '../../support/prng.js';

describe('AttributeEncoder', () => {
  it('writes length without padding and pads the payload to 4 bytes with zeros', () => {
    const bytes = new AttributeEncoder().string(3, 'veth0').finish();
    // nla_len = 4 + 6 ("veth0\0"), padded to 12
    expect(bytes.toString('hex')).toBe('0a000300' + Buffer.from('veth0\0').toString('hex') + '0000');
  });

  it('encodes host-order and network-order integers', () => {
    const bytes = new AttributeEncoder().u16(1, 0x1234).u32(2, 0x01020304).be16(3, 0x1234).be32(4, 0x01020304).finish();
    const d = new AttributeDecoder(bytes);
    expect(d.get(1)?.data.toString('hex')).toBe('3412');
    expect(d.get(2)?.data.toString('hex')).toBe('04030201');
    expect(d.get(3)?.data.toString('hex')).toBe('1234');
    expect(d.get(4)?.data.toString('hex')).toBe('01020304');
  });

  it('keeps u64 counters above 2^53 exact as bigint', () => {
    const big = 0xfedcba9876543210n;
    const d = new AttributeDecoder(new AttributeEncoder().u64(1, big).be64(2, big).finish());
    expect(d.u64(1)).toBe(big);
    expect(d.be64(2)).toBe(big);
  });

  it('sets NLA_F_NESTED on nests by default and can omit it like iproute2', () => {
    const withFlag = new AttributeEncoder().nested(18, (n) => n.string(1, 'veth')).finish();
    const without = new AttributeEncoder().nested(18, (n) => n.string(1, 'veth'), { nestedFlag: false }).finish();
    expect(withFlag.readUInt16LE(2)).toBe(18 | NLA_F_NESTED);
    expect(without.readUInt16LE(2)).toBe(18);
    expect(new AttributeDecoder(withFlag).nested(18)?.string(1)).toBe('veth');
  });

  it('writes flags as empty attributes', () => {
    expect(new AttributeEncoder().flag(7).finish().toString('hex')).toBe('04000700');
  });

  it('rejects payloads that overflow nla_len and strings with NUL', () => {
    expect(() => new AttributeEncoder().bytes(1, Buffer.alloc(0xffff))).toThrow(WireError);
    expect(() => new AttributeEncoder().string(1, 'a\0b')).toThrow(WireError);
    expect(() => new AttributeEncoder().bytes(0x10000, Buffer.alloc(0))).toThrow(WireError);
  });
});

describe('AttributeDecoder', () => {
  it('masks NLA_F_NESTED and NLA_F_NET_BYTEORDER out of the type and reports them as flags', () => {
    const bytes = new AttributeEncoder().bytes(5 | NLA_F_NESTED | NLA_F_NET_BYTEORDER, Buffer.alloc(0)).finish();
    const [a] = new AttributeDecoder(bytes);
    expect(a?.type).toBe(5);
    expect(a?.isNested).toBe(true);
    expect(a?.isNetByteOrder).toBe(true);
    expect(NLA_TYPE_MASK).toBe(0x3fff);
  });

  it('iterates in wire order and looks up the first occurrence by type', () => {
    const d = new AttributeDecoder(new AttributeEncoder().u32(1, 10).u32(2, 20).u32(1, 30).finish());
    expect([...d].map((a) => [a.type, a.u32()])).toEqual([[1, 10], [2, 20], [1, 30]]);
    expect(d.u32(1)).toBe(10);
    expect(d.getAll(1).map((a) => a.u32())).toEqual([10, 30]);
    expect(d.u32(99)).toBeUndefined();
  });

  it('keeps unknown attributes verbatim, never throwing on them', () => {
    const d = new AttributeDecoder(new AttributeEncoder().bytes(0x3fff, Buffer.from([1, 2, 3])).finish());
    expect(d.get(0x3fff)?.raw()).toEqual({ type: 0x3fff, flags: 0, data: Buffer.from([1, 2, 3]) });
  });

  it('reads NUL-terminated strings and tolerates a missing NUL', () => {
    expect(new Attribute(1, 0, Buffer.from('eth0\0\0\0')).string()).toBe('eth0');
    expect(new Attribute(1, 0, Buffer.from('eth0')).string()).toBe('eth0');
  });

  it('throws WireError with the offset on a wrong-size typed read', () => {
    const [a] = new AttributeDecoder(new AttributeEncoder().u16(1, 1).finish());
    expect(() => a?.u32()).toThrow(/expected 4 bytes, got 2/);
  });

  it('throws WireError on truncated or malformed TLVs instead of reading garbage', () => {
    const good = new AttributeEncoder().u32(1, 1).finish();
    expect(() => new AttributeDecoder(good.subarray(0, 6))).toThrow(WireError); // nla_len 8 > 6 left
    expect(() => new AttributeDecoder(Buffer.from([2, 0, 1, 0]))).toThrow(/shorter than the header/);
    expect(() => new AttributeDecoder(Buffer.concat([good, Buffer.from([1, 2])]))).toThrow(/trailing/);
  });

  it('decodes an empty payload as no attributes', () => {
    expect(new AttributeDecoder(Buffer.alloc(0)).length).toBe(0);
  });
});

/** A random attribute tree; nested nodes carry children, leaves raw bytes. */
type Node = { type: number; flags: number; data: Buffer } | { type: number; nestedFlag: boolean; children: Node[] };

function randomTree(rng: Prng, depth: number): Node[] {
  const nodes: Node[] = [];
  const n = rng.int(0, 6);
  for (let i = 0; i < n; i++) {
    const type = rng.int(0, 0x3fff);
    if (depth > 0 && rng.next() < 0.3) nodes.push({ type, nestedFlag: rng.bool(), children: randomTree(rng, depth - 1) });
    else nodes.push({ type, flags: rng.pick([0, NLA_F_NET_BYTEORDER]), data: rng.bytes(rng.int(0, 40)) });
  }
  return nodes;
}

function encodeTree(e: AttributeEncoder, nodes: Node[]): AttributeEncoder {
  for (const n of nodes) {
    if ('children' in n) e.nested(n.type, (inner) => encodeTree(inner, n.children), { nestedFlag: n.nestedFlag });
    else e.bytes(n.type | n.flags, n.data);
  }
  return e;
}

function decodeTree(d: AttributeDecoder, shape: Node[]): Node[] {
  return [...d].map((a, i) => {
    const s = shape[i];
    if (s && 'children' in s) return { type: a.type, nestedFlag: a.isNested, children: decodeTree(a.nested(), s.children) };
    return { type: a.type, flags: a.flags, data: a.bytes() };
  });
}

describe('attribute properties', () => {
  it('encode → decode returns the same attribute tree (nested, flags, odd lengths)', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const tree = randomTree(rng, 3);
      const bytes = encodeTree(new AttributeEncoder(), tree).finish();
      expect(bytes.length % 4).toBe(0);
      expect(decodeTree(new AttributeDecoder(bytes), tree)).toEqual(tree);
    });
  });

  it('decode → raw → encode reproduces the bytes exactly', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const bytes = encodeTree(new AttributeEncoder(), randomTree(rng, 2)).finish();
      const again = new AttributeEncoder();
      for (const a of new AttributeDecoder(bytes)) again.raw(a.raw() satisfies RawAttribute);
      expect(again.finish().equals(bytes)).toBe(true);
    });
  });

  it('typed setters and getters agree for random values', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const v = { u8: rng.u8(), u16: rng.u16(), u32: rng.u32(), u64: rng.u64(), be16: rng.u16(), be32: rng.u32(), be64: rng.u64(), s: rng.string(0, 30) };
      const d = new AttributeDecoder(
        new AttributeEncoder().u8(1, v.u8).u16(2, v.u16).u32(3, v.u32).u64(4, v.u64).be16(5, v.be16).be32(6, v.be32).be64(7, v.be64).string(8, v.s).finish(),
      );
      expect([d.u8(1), d.u16(2), d.u32(3), d.u64(4), d.be16(5), d.be32(6), d.be64(7), d.string(8)]).toEqual([
        v.u8, v.u16, v.u32, v.u64, v.be16, v.be32, v.be64, v.s,
      ]);
    });
  });
});
