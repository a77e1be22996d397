import { describe, expect, it } from 'vitest';
import { AttributeEncoder } from '../../../agent/src/netlink/wire/encoder.js';
import { WireError } from '../../../agent/src/netlink/wire/errors.js';
import { decodeHeader, encodeHeader, NLMSG_HDRLEN } from '../../../agent/src/netlink/wire/header.js';
import { decodeMessages, encodeMessage, encodeMessages } from '../../../agent/src/netlink/wire/message.js';
import { decodeDone, decodeNlmsgerr, encodeDone, encodeNlmsgerr, type Nlmsgerr } from '../../../agent/src/netlink/wire/nlmsgerr.js';
import {
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
} from '../../../agent/src/netlink/wire/uapi/netlink.js';
import { loadFixture } from './fixture.js';
import { forSeeds, PROPERTY_RUNS } from '../../support/prng.js';

describe('nlmsghdr', () => {
  it('is 16 bytes of host-order fields', () => {
    const b = Buffer.alloc(NLMSG_HDRLEN);
    encodeHeader({ length: 0x11223344, type: 0x5566, flags: 0x0305, seq: 0xdeadbeef, pid: 7 }, b);
    expect(b.toString('hex')).toBe('44332211' + '6655' + '0503' + 'efbeadde' + '07000000');
    expect(decodeHeader(b)).toEqual({ length: 0x11223344, type: 0x5566, flags: 0x0305, seq: 0xdeadbeef, pid: 7 });
  });

  it('round-trips random headers', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const h = { length: rng.u32(), type: rng.u16(), flags: rng.u16(), seq: rng.u32(), pid: rng.u32() };
      const b = Buffer.alloc(16);
      encodeHeader(h, b);
      expect(decodeHeader(b)).toEqual(h);
    });
  });
});

describe('messages', () => {
  it('sets nlmsg_len without padding and pads each message in a batch to 4 bytes', () => {
    const b = encodeMessages([
      { type: 16, flags: 1, seq: 1, data: Buffer.from([1, 2, 3]) },
      { type: 17, flags: 1, seq: 2, data: Buffer.from([4]) },
    ]);
    expect(b.length).toBe(20 + 20);
    const [a, c] = decodeMessages(b);
    expect(a?.header.length).toBe(19);
    expect(a?.data).toEqual(Buffer.from([1, 2, 3]));
    expect(c?.header).toMatchObject({ type: 17, seq: 2, length: 17 });
  });

  it('never accepts a truncated datagram silently', () => {
    const b = encodeMessage({ type: 16, flags: 0, data: Buffer.alloc(20) });
    expect(() => decodeMessages(b.subarray(0, 30))).toThrow(/exceeds the 30 bytes/);
    expect(() => decodeMessages(Buffer.from([1, 2, 3]))).toThrow(WireError);
  });

  it('treats trailing zero bytes as padding, as the kernel does', () => {
    const b = Buffer.concat([encodeMessage({ type: 16, flags: 0, data: Buffer.alloc(4) }), Buffer.alloc(64)]);
    expect(decodeMessages(b)).toHaveLength(1);
  });

  it('round-trips random batches of messages', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const msgs = Array.from({ length: rng.int(1, 5) }, () => ({
        type: rng.int(16, 0xffff),
        flags: rng.u16(),
        seq: rng.u32(),
        pid: rng.u32(),
        data: rng.bytes(rng.int(0, 100)),
      }));
      const decoded = decodeMessages(encodeMessages(msgs));
      expect(decoded.map((m) => ({ ...m.header, data: Buffer.from(m.data) }))).toEqual(
        msgs.map((m) => ({ length: 16 + m.data.length, type: m.type, flags: m.flags, seq: m.seq, pid: m.pid, data: m.data })),
      );
    });
  });
});

describe('nlmsgerr (captured from this kernel)', () => {
  it('decodes an uncapped error: echoed request, then NLMSGERR_ATTR_MSG (iproute2 socket)', () => {
    const fx = loadFixture('link-set-mtu-too-small');
    const sentMtu = decodeMessages(fx.sent[2] ?? Buffer.alloc(0))[0];
    const [reply] = decodeMessages(fx.received[2] ?? Buffer.alloc(0));
    expect(reply?.header.type).toBe(NLMSG_ERROR);
    expect(reply?.header.flags).toBe(NLM_F_ACK_TLVS); // not capped
    const err = decodeNlmsgerr(reply!);
    expect(err.error).toBe(-22);
    expect(err.request).toEqual(sentMtu?.header);
    expect(err.requestData).toEqual(sentMtu?.data);
    expect(err.extAck?.message).toBe('mtu less than device minimum');
  });

  it('decodes a capped error with ext-ack (agent socket with NETLINK_CAP_ACK)', () => {
    const fx = loadFixture('agent-set-mtu-capped');
    const [reply] = decodeMessages(fx.received[0] ?? Buffer.alloc(0));
    expect(reply?.header.flags).toBe(NLM_F_CAPPED | NLM_F_ACK_TLVS);
    const err = decodeNlmsgerr(reply!);
    expect(err.requestData).toBeUndefined();
    expect(err.request.seq).toBe(reply?.header.seq);
    expect(err.extAck?.message).toBe('mtu less than device minimum');
  });

  it('decodes an error without ext-ack and a capped success ACK', () => {
    const dup = decodeNlmsgerr(decodeMessages(loadFixture('rule-add-duplicate').received[0]!)[0]!);
    expect(dup.error).toBe(-17);
    expect(dup.extAck).toBeUndefined();
    const ok = decodeMessages(loadFixture('route-add-blackhole').received[0]!)[0]!;
    expect(ok.header.flags).toBe(NLM_F_CAPPED);
    expect(decodeNlmsgerr(ok)).toMatchObject({ error: 0 });
  });

  it('re-encodes every captured NLMSG_ERROR byte for byte', () => {
    for (const name of ['link-set-mtu-too-small', 'agent-set-mtu-capped', 'link-add-wireguard-unsupported', 'addr-add-duplicate', 'rule-add-duplicate', 'link-add-veth']) {
      for (const d of loadFixture(name).received) {
        for (const m of decodeMessages(d)) {
          if (m.header.type !== NLMSG_ERROR) continue;
          const { flags, data } = encodeNlmsgerr(decodeNlmsgerr(m));
          expect({ name, flags, data: data.toString('hex') }).toEqual({ name, flags: m.header.flags, data: m.data.toString('hex') });
        }
      }
    }
  });

  it('round-trips synthetic errors, capped and uncapped, with every ext-ack TLV', () => {
    forSeeds(200, (rng) => {
      const requestData = rng.bool() ? rng.bytes(rng.int(0, 64)) : undefined;
      const err: Nlmsgerr = {
        error: 0 - rng.int(0, 133) || 0, // never -0
        request: { length: 16 + (requestData?.length ?? rng.int(0, 64)), type: rng.u16(), flags: rng.u16(), seq: rng.u32(), pid: rng.u32() },
      };
      if (requestData) err.requestData = requestData;
      if (rng.bool()) {
        err.extAck = { unknown: [] };
        if (rng.bool()) err.extAck.message = rng.string(1, 60);
        if (rng.bool()) err.extAck.offset = rng.u32();
        if (rng.bool()) err.extAck.cookie = rng.bytes(8);
        if (rng.bool()) err.extAck.missingType = rng.u16();
        if (rng.bool()) err.extAck.missingNest = rng.u32();
      }
      const { flags, data } = encodeNlmsgerr(err);
      expect(Boolean(flags & NLM_F_CAPPED)).toBe(requestData === undefined);
      const back = decodeNlmsgerr({ header: { length: 16 + data.length, type: NLMSG_ERROR, flags, seq: 0, pid: 0 }, data });
      expect(back).toEqual(err);
    });
  });

  it('places TLVs after the aligned echoed request when uncapped', () => {
    const tlvs = new AttributeEncoder().string(NLMSGERR_ATTR_MSG, 'bad').u32(NLMSGERR_ATTR_OFFS, 20).finish();
    const head = Buffer.alloc(20);
    head.writeInt32LE(-22, 0);
    encodeHeader({ length: 23, type: 16, flags: 5, seq: 9, pid: 0 }, head, 4);
    const data = Buffer.concat([head, Buffer.from([1, 2, 3, 4, 5, 6, 7, 0]), tlvs]); // 7-byte payload padded to 8
    const err = decodeNlmsgerr({ header: { length: 16 + data.length, type: NLMSG_ERROR, flags: NLM_F_ACK_TLVS, seq: 9, pid: 0 }, data });
    expect(err.requestData).toEqual(Buffer.from([1, 2, 3, 4, 5, 6, 7]));
    expect(err.extAck).toEqual({ message: 'bad', offset: 20, unknown: [] });
  });
});

describe('NLMSG_DONE', () => {
  it('decodes the final status of captured dumps, including NLM_F_DUMP_FILTERED ones', () => {
    const msgs = loadFixture('agent-route-dump-table-1000').received.flatMap((d) => decodeMessages(d));
    const done = msgs.find((m) => m.header.type === NLMSG_DONE)!;
    expect(done.header.flags & 0x20).toBe(0x20);
    expect(decodeDone(done)).toEqual({ error: 0 });
    expect(encodeDone(decodeDone(done)).data).toEqual(done.data);
  });

  it('round-trips an error status with an ext-ack message and treats an empty DONE as success', () => {
    const { flags, data } = encodeDone({ error: -2, extAck: { message: 'ipv4: FIB table does not exist', unknown: [] } });
    expect(flags).toBe(NLM_F_ACK_TLVS);
    expect(decodeDone({ header: { length: 16 + data.length, type: NLMSG_DONE, flags, seq: 0, pid: 0 }, data })).toEqual({
      error: -2,
      extAck: { message: 'ipv4: FIB table does not exist', unknown: [] },
    });
    expect(decodeDone({ header: { length: 16, type: NLMSG_DONE, flags: 0, seq: 0, pid: 0 }, data: Buffer.alloc(0) })).toEqual({ error: 0 });
  });
});
