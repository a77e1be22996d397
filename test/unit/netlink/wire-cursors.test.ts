/**
 * The in-place decoding paths of wire/ (what a big dump runs through): AttributeCursor and
 * MessageView must agree with AttributeDecoder and decodeMessages on every input, including
 * the malformed ones, and the hand-written integer and address readers with Node's own.
 */
import { describe, expect, it } from 'vitest';
import { formatIp, formatIpAt, parseIp } from '../../../agent/src/netlink/wire/address.js';
import { AttributeCursor, AttributeDecoder } from '../../../agent/src/netlink/wire/attribute.js';
import { AttributeEncoder } from '../../../agent/src/netlink/wire/encoder.js';
import { WireError } from '../../../agent/src/netlink/wire/errors.js';
import {
  decodeIfinfomsg,
  decodeRtmsg,
  encodeIfinfomsg,
  encodeRtmsg,
  SIZEOF_IFINFOMSG,
  SIZEOF_RTMSG,
} from '../../../agent/src/netlink/wire/family_headers.js';
import { readS32LE, readU16BE, readU16LE, readU32BE, readU32LE, readU64BE, readU64LE } from '../../../agent/src/netlink/wire/integers.js';
import { decodeLinkStats64, encodeLinkStats64, LINK_STATS64_FIELDS, type LinkStats64 } from '../../../agent/src/netlink/wire/link_stats.js';
import { decodeMessages, encodeMessage, encodeMessages, messageDecoder, MessageView } from '../../../agent/src/netlink/wire/message.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER } from '../../../agent/src/netlink/wire/uapi/netlink.js';
import { forSeeds, type Prng, PROPERTY_RUNS } from '../../support/prng.js';

/** A run of random attributes (some nested, some with NLA_F_NET_BYTEORDER, odd lengths). */
function randomAttributes(rng: Prng): Buffer {
  const e = new AttributeEncoder();
  for (let i = rng.int(0, 8); i > 0; i--) {
    const type = rng.int(0, 0x3fff);
    if (rng.next() < 0.2) e.nested(type, (n) => n.u32(1, rng.u32()).bytes(2, rng.bytes(rng.int(0, 9))), { nestedFlag: rng.bool() });
    else e.bytes(type | rng.pick([0, NLA_F_NET_BYTEORDER]), rng.bytes(rng.int(0, 40)));
  }
  return e.finish();
}

/** What fails, and how, when a decoder runs to completion over bytes. */
function outcome(run: () => unknown): unknown {
  try {
    return { value: run() };
  } catch (err) {
    return { error: err instanceof WireError ? `${err.name}: ${err.message}` : String(err) };
  }
}

function walkCursor(bytes: Buffer): unknown[] {
  const out: unknown[] = [];
  for (const a = new AttributeCursor(bytes); a.next(); ) out.push({ type: a.type, flags: a.flags, offset: a.offset, data: a.bytes() });
  return out;
}

function walkDecoder(bytes: Buffer): unknown[] {
  return [...new AttributeDecoder(bytes)].map((a) => ({ type: a.type, flags: a.flags, offset: a.offset, data: a.bytes() }));
}

describe('AttributeCursor', () => {
  it('walks exactly what AttributeDecoder parses, and fails exactly where it fails', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const bytes = randomAttributes(rng);
      // Intact, truncated anywhere, or with garbage appended.
      const cut = rng.pick([bytes, bytes.subarray(0, rng.int(0, bytes.length)), Buffer.concat([bytes, rng.bytes(rng.int(1, 7))])]);
      expect(outcome(() => walkCursor(cut))).toEqual(outcome(() => walkDecoder(cut)));
    });
  });

  it('reads the typed getters like Attribute, checking payload sizes', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const v = { u8: rng.u8(), u16: rng.u16(), u32: rng.u32(), u64: rng.u64(), be16: rng.u16(), be32: rng.u32(), be64: rng.u64(), s32: rng.u32() | 0 };
      const bytes = new AttributeEncoder()
        .u8(1, v.u8).u16(2, v.u16).u32(3, v.u32).u64(4, v.u64).be16(5, v.be16).be32(6, v.be32).be64(7, v.be64).s32(8, v.s32)
        .finish();
      const readers: ((a: AttributeCursor) => number | bigint)[] = [
        (a) => a.u8(),
        (a) => a.u16(),
        (a) => a.u32(),
        (a) => a.u64(),
        (a) => a.be16(),
        (a) => a.be32(),
        (a) => a.be64(),
        (a) => a.s32(),
      ];
      const got: unknown[] = [];
      for (const a = new AttributeCursor(bytes); a.next(); ) got.push(readers[a.type - 1]!(a));
      expect(got).toEqual([v.u8, v.u16, v.u32, v.u64, v.be16, v.be32, v.be64, v.s32]);
    });
    const a = new AttributeCursor(new AttributeEncoder().u16(9, 1).finish());
    a.next();
    expect(() => a.u32()).toThrow(/attribute 9: expected 4 bytes, got 2/);
  });

  it('reads strings, addresses and nests in place', () => {
    const bytes = new AttributeEncoder()
      .string(1, 'veth0')
      .bytes(2, Buffer.from('wg0')) // no NUL, as iproute2 sends IFLA_INFO_KIND
      .ip(3, '10.1.2.3')
      .ip(4, 'fd00::1')
      .nested(5, (n) => n.u32(7, 42), { nestedFlag: false })
      .bytes(6, Buffer.from([1, 2, 3]))
      .finish();
    const a = new AttributeCursor(bytes, 0, bytes.length);
    const got: unknown[] = [];
    while (a.next()) {
      if (a.type <= 2) got.push(a.string());
      else if (a.type <= 4) got.push(a.ip());
      else if (a.type === 5) {
        const n = a.nested();
        n.next();
        got.push([n.type, n.u32(), n.next()]);
      } else expect(() => a.ip()).toThrow(/address of 3 bytes/);
    }
    expect(got).toEqual(['veth0', 'wg0', '10.1.2.3', 'fd00::1', [7, 42, false]]);
    expect(() => new AttributeCursor(bytes, 4, bytes.length + 1)).toThrow(WireError);
  });

  it('rawView aliases the input and raw copies it; NLA_F_* bits stay in flags', () => {
    const bytes = new AttributeEncoder().bytes(3 | NLA_F_NESTED, Buffer.from([9, 9])).finish();
    const a = new AttributeCursor(bytes);
    a.next();
    const view = a.rawView();
    const copy = a.raw();
    expect(view).toEqual({ type: 3, flags: NLA_F_NESTED, data: Buffer.from([9, 9]) });
    bytes[4] = 7;
    expect([view.data[0], copy.data[0]]).toEqual([7, 9]);
  });
});

describe('MessageView', () => {
  it('walks exactly what decodeMessages splits, and fails exactly where it fails', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const msgs = Array.from({ length: rng.int(1, 5) }, () => ({
        type: rng.int(16, 0xffff),
        flags: rng.u16(),
        seq: rng.u32(),
        pid: rng.u32(),
        data: rng.bytes(rng.int(0, 60)),
      }));
      const bytes = encodeMessages(msgs);
      // Intact, truncated anywhere, zero-padded (as iproute2 sends), or with garbage appended.
      const cut = rng.pick([
        bytes,
        bytes.subarray(0, rng.int(0, bytes.length)),
        Buffer.concat([bytes, Buffer.alloc(rng.int(1, 40))]),
        Buffer.concat([bytes, rng.bytes(rng.int(1, 20))]),
      ]);
      const viaView = (): unknown[] => {
        const out: unknown[] = [];
        for (const v = new MessageView(cut); v.next(); ) out.push({ header: v.header(), data: Buffer.from(v.data()), length: v.payloadLength });
        return out;
      };
      const viaSplit = (): unknown[] => decodeMessages(cut).map((m) => ({ header: m.header, data: Buffer.from(m.data), length: m.data.length }));
      expect(outcome(viaView)).toEqual(outcome(viaSplit));
    });
  });

  it('reads the family header and the attributes after it in place', () => {
    const data = Buffer.concat([encodeRtmsg({ family: 2, dstLength: 24, table: 254, type: 1 }), new AttributeEncoder().ip(1, '10.0.0.0').u32(4, 3).finish()]);
    const datagram = encodeMessages([{ type: 24, flags: 2, seq: 5, pid: 6, data }, { type: 3, flags: 2, seq: 5, pid: 6, data: Buffer.alloc(4) }]);
    const v = new MessageView(datagram);
    expect(v.next()).toBe(true);
    expect([v.type, v.flags, v.seq, v.pid, v.length]).toEqual([24, 2, 5, 6, 16 + data.length]);
    expect(v.familyHeader(decodeRtmsg)).toEqual(decodeRtmsg(data));
    const attrs: unknown[] = [];
    for (const a = v.attributes(SIZEOF_RTMSG); a.next(); ) attrs.push(a.type === 1 ? a.ip() : a.u32());
    expect(attrs).toEqual(['10.0.0.0', 3]);
    expect(v.next()).toBe(true);
    expect(v.type).toBe(3);
    expect(() => v.attributes(SIZEOF_IFINFOMSG)).toThrow(/4-byte payload is shorter than its 16-byte header/);
    expect(() => v.familyHeader(decodeRtmsg)).toThrow(/rtmsg needs 12 bytes, got 4/);
    expect(v.next()).toBe(false);
  });

  it('MessageView.of positions a view on a split message', () => {
    const data = Buffer.concat([encodeIfinfomsg({ index: 7 }), new AttributeEncoder().string(3, 'lo').finish()]);
    const [msg] = decodeMessages(encodeMessage({ type: 16, flags: 0, seq: 1, pid: 2, data }));
    const v = MessageView.of(msg!);
    expect(v.header()).toEqual(msg!.header);
    expect(v.familyHeader(decodeIfinfomsg).index).toBe(7);
    expect(v.data()).toEqual(data);
    expect(v.next()).toBe(false);
  });

  it('messageDecoder gives one decoding for NetlinkMessages and views', () => {
    const decode = messageDecoder((v) => ({ type: v.type, index: v.familyHeader(decodeIfinfomsg).index }));
    const datagram = encodeMessage({ type: 16, flags: 0, data: encodeIfinfomsg({ index: 3 }) });
    const [msg] = decodeMessages(datagram);
    const v = new MessageView(datagram);
    v.next();
    expect(decode(msg!)).toEqual({ type: 16, index: 3 });
    expect(decode.read?.(v)).toEqual({ type: 16, index: 3 });
  });
});

describe('family headers at an offset', () => {
  it('decode the same struct wherever it sits, and check its size against the end given', () => {
    const rt = encodeRtmsg({ family: 10, dstLength: 64, srcLength: 0, tos: 0, table: 252, protocol: 4, scope: 0, type: 7, flags: 0x80000000 });
    const buf = Buffer.concat([Buffer.alloc(5, 0xff), rt, Buffer.alloc(3, 0xff)]);
    expect(decodeRtmsg(buf, 5, 5 + SIZEOF_RTMSG)).toEqual(decodeRtmsg(rt));
    expect(decodeRtmsg(rt).flags).toBe(0x80000000);
    expect(() => decodeRtmsg(buf, 5, 5 + SIZEOF_RTMSG - 1)).toThrow(WireError);
    expect(() => decodeRtmsg(buf, 10)).toThrow(/rtmsg needs 12 bytes, got 10/);
    expect(decodeIfinfomsg(encodeIfinfomsg({ index: -5, flags: 0xffffffff, change: 0xffffffff, type: 0xfffe }))).toEqual({
      family: 0,
      type: 0xfffe,
      index: -5,
      flags: 0xffffffff,
      change: 0xffffffff,
    });
  });
});

describe('integer readers', () => {
  it('agree with Buffer#read* for random and edge values', () => {
    const edges = [0n, 1n, 0xffffffffn, 0x100000000n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, 0xfedcba9876543210n, (1n << 64n) - 1n];
    forSeeds(PROPERTY_RUNS, (rng) => {
      const b = Buffer.alloc(16);
      const v = rng.pick([...edges, rng.u64(), BigInt(rng.u32())]);
      b.writeBigUInt64LE(v, 3);
      expect(readU64LE(b, 3)).toBe(b.readBigUInt64LE(3));
      expect(readU64BE(b, 3)).toBe(b.readBigUInt64BE(3));
      expect([readU32LE(b, 3), readU32BE(b, 7), readS32LE(b, 5), readU16LE(b, 9), readU16BE(b, 4)]).toEqual([
        b.readUInt32LE(3), b.readUInt32BE(7), b.readInt32LE(5), b.readUInt16LE(9), b.readUInt16BE(4),
      ]);
    });
  });
});

describe('address formatting in place', () => {
  it('formatIpAt equals formatIp on a copy, for any offset and any order of addresses', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      // Runs of addresses sharing a.b.c. (as in a route dump) interleaved with unrelated ones.
      const prefix = rng.bytes(3);
      const addrs = Array.from({ length: rng.int(1, 12) }, () =>
        rng.pick([Buffer.concat([prefix, rng.bytes(1)]), rng.bytes(4), rng.bytes(16), Buffer.concat([Buffer.alloc(10), Buffer.from([0xff, 0xff]), prefix, rng.bytes(1)])]),
      );
      const pad = rng.int(0, 5);
      const buf = Buffer.concat([Buffer.alloc(pad), ...addrs]);
      let offset = pad;
      for (const a of addrs) {
        expect(formatIpAt(buf, offset, a.length)).toBe(formatIp(Buffer.from(a)));
        expect(parseIp(formatIpAt(buf, offset, a.length))).toEqual(a);
        offset += a.length;
      }
    });
    expect(() => formatIpAt(Buffer.alloc(8), 0, 8)).toThrow(/IP address of 8 bytes/);
  });
});

describe('rtnl_link_stats64', () => {
  it('maps every counter to its field, in struct order, for 23 to 25 counters', () => {
    for (let count = 23; count <= 25; count++) {
      const stats = Object.fromEntries(LINK_STATS64_FIELDS.slice(0, count).map((f, i) => [f, BigInt(i + 1) * 0x1_0000_0001n])) as LinkStats64;
      const decoded = decodeLinkStats64(encodeLinkStats64(stats));
      expect(decoded).toEqual(stats);
      expect(Object.keys(decoded)).toEqual(LINK_STATS64_FIELDS.slice(0, count));
    }
    expect(() => decodeLinkStats64(Buffer.alloc(22 * 8))).toThrow(WireError);
  });
});
