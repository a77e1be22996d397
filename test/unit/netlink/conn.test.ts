/**
 * NetlinkConnection and NetlinkSubscription against a scripted in-memory kernel (FakeTransport):
 * ACKs, ext-ack warnings and errors, multipart dumps, NLM_F_DUMP_INTR, interleaved replies,
 * batching, buffer growth, time slicing, ENOBUFS, close.
 */
import { describe, expect, it } from 'vitest';
import { NetlinkConnection, BATCH_WINDOW, MAX_DUMP_ATTEMPTS, RECEIVE_BUFFER_SIZE } from '../../../agent/src/netlink/conn/connection.js';
import { ConnectionClosedError, DumpInterruptedError, NetlinkError } from '../../../agent/src/netlink/conn/errors.js';
import { NetlinkSubscription } from '../../../agent/src/netlink/conn/subscription.js';
import { SyscallError } from '../../../agent/src/netlink/ffi/errors.js';
import {
  decodeMessages,
  encodeMessage,
  encodeMessages,
  messageDecoder,
  type MessageView,
  type NetlinkMessage,
  type OutgoingMessage,
} from '../../../agent/src/netlink/wire/message.js';
import { encodeDone, encodeNlmsgerr, type ExtAck } from '../../../agent/src/netlink/wire/nlmsgerr.js';
import {
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
} from '../../../agent/src/netlink/wire/uapi/netlink.js';
import { FakeTransport } from './fake.js';
import { loadFixture } from './fixture.js';

const PORT = 4242;

function ack(req: NetlinkMessage, error = 0, extAck?: ExtAck): Buffer {
  const { flags, data } = encodeNlmsgerr({ error, request: req.header, ...(extAck ? { extAck } : {}) });
  return encodeMessage({ type: NLMSG_ERROR, flags, seq: req.header.seq, pid: PORT, data });
}

function part(req: NetlinkMessage, payload: number, extraFlags = 0): OutgoingMessage {
  const data = Buffer.alloc(4);
  data.writeUInt32LE(payload);
  return { type: 100, flags: NLM_F_MULTI | extraFlags, seq: req.header.seq, pid: PORT, data };
}

function done(req: NetlinkMessage, error = 0, extraFlags = 0): OutgoingMessage {
  const d = encodeDone({ error });
  return { type: NLMSG_DONE, flags: NLM_F_MULTI | d.flags | extraFlags, seq: req.header.seq, pid: PORT, data: d.data };
}

const u32 = (m: NetlinkMessage): number => m.data.readUInt32LE(0);

describe('request', () => {
  it('adds NLM_F_REQUEST|NLM_F_ACK, uses a fresh non-zero seq, resolves on the ACK', async () => {
    const t = new FakeTransport((msgs) => msgs.map((m) => ack(m)));
    const nl = new NetlinkConnection(t);
    await nl.request({ type: 16, flags: 0x400 });
    await nl.request({ type: 16, flags: 0 });
    const [[a], [b]] = t.sent as [[NetlinkMessage], [NetlinkMessage]];
    expect(a.header.flags).toBe(0x400 | NLM_F_REQUEST | NLM_F_ACK);
    expect(a.header.seq).not.toBe(0);
    expect(b.header.seq).toBe((a.header.seq + 1) >>> 0);
  });

  it('returns ext-ack warnings attached to a successful ACK', async () => {
    const t = new FakeTransport((msgs) => msgs.map((m) => ack(m, 0, { message: 'sch_htb: quantum of class 10001 is big. Consider r2q change.', unknown: [] })));
    const res = await new NetlinkConnection(t).request({ type: 36, flags: 0 });
    expect(res.warnings).toEqual(['sch_htb: quantum of class 10001 is big. Consider r2q change.']);
  });

  it('returns the replies that precede the ACK (a GET answer)', async () => {
    const t = new FakeTransport((msgs) => msgs.map((m) => encodeMessages([{ type: 16, flags: 0, seq: m.header.seq, pid: PORT, data: Buffer.from([1, 0, 0, 0]) }, { type: NLMSG_ERROR, flags: 0x100, seq: m.header.seq, pid: PORT, data: encodeNlmsgerr({ error: 0, request: m.header }).data }])));
    const res = await new NetlinkConnection(t).request({ type: 18, flags: 0 });
    expect(res.messages.map((m) => m.header.type)).toEqual([16]);
  });

  it('rejects with a typed NetlinkError carrying the kernel text, errno, code, offset and seq', async () => {
    const t = new FakeTransport((msgs) => msgs.map((m) => ack(m, -22, { message: 'mtu less than device minimum', offset: 20, unknown: [] })));
    const err = await new NetlinkConnection(t).request({ type: 16, flags: 0 }, { op: 'RTM_NEWLINK' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ op: 'RTM_NEWLINK', errno: 22, code: 'EINVAL', message: 'mtu less than device minimum', extAckOffset: 20 });
    expect((err as NetlinkError).seq).toBe(t.sent[0]?.[0]?.header.seq);
  });

  it('falls back to strerror when the kernel sent no text', async () => {
    const t = new FakeTransport((msgs) => msgs.map((m) => ack(m, -17)));
    await expect(new NetlinkConnection(t).request({ type: 32, flags: 0 })).rejects.toMatchObject({ code: 'EEXIST', message: 'File exists' });
  });

  it('decodes the captured capped kernel error of this machine into NetlinkError', async () => {
    const [captured] = decodeMessages(loadFixture('agent-set-mtu-capped').received[0]!);
    const t = new FakeTransport((msgs) => {
      const data = Buffer.from(captured!.data);
      data.writeUInt32LE(msgs[0]!.header.seq, 4 + 8); // echo our seq in the embedded header
      return [encodeMessage({ ...captured!.header, seq: msgs[0]!.header.seq, pid: PORT, data })];
    });
    await expect(new NetlinkConnection(t).request({ type: 16, flags: 0 })).rejects.toMatchObject({ code: 'EINVAL', message: 'mtu less than device minimum' });
  });

  it('routes interleaved replies by sequence number', async () => {
    const t = new FakeTransport();
    const nl = new NetlinkConnection(t);
    const first = nl.request({ type: 16, flags: 0 });
    const second = nl.request({ type: 16, flags: 0 });
    const [[r1], [r2]] = t.sent as [[NetlinkMessage], [NetlinkMessage]];
    t.push(ack(r2, -19)); // the second answer arrives first
    t.push(ack(r1));
    await expect(second).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(first).resolves.toMatchObject({ warnings: [] });
  });

  it('never routes a message from another port to a pending request', async () => {
    const t = new FakeTransport();
    const nl = new NetlinkConnection(t);
    const events: NetlinkMessage[] = [];
    nl.onEvent = (m) => events.push(m);
    const pending = nl.request({ type: 16, flags: 0 });
    const [[req]] = t.sent as [[NetlinkMessage]];
    // An event with the same seq from another process's request (pid 999) is not our reply.
    t.push(encodeMessage({ type: NLMSG_ERROR, flags: 0, seq: req.header.seq, pid: 999, data: encodeNlmsgerr({ error: -1, request: req.header }).data }));
    t.push(ack(req));
    await expect(pending).resolves.toBeDefined();
    expect(events).toHaveLength(1);
  });
});

describe('dump', () => {
  it('collects multipart replies across datagrams until NLMSG_DONE, skipping undefined', async () => {
    const t = new FakeTransport(([m]) => [encodeMessages([part(m!, 1), part(m!, 2)]), encodeMessages([part(m!, 3), part(m!, 4), done(m!)])]);
    const out = await new NetlinkConnection(t).dump({ type: 18, flags: 0 }, (m) => (u32(m) === 3 ? undefined : u32(m)));
    expect(out).toEqual([1, 2, 4]);
    expect(t.sent[0]?.[0]?.header.flags).toBe(NLM_F_REQUEST | NLM_F_DUMP);
  });

  it('retries a dump flagged NLM_F_DUMP_INTR and returns only the consistent attempt', async () => {
    let attempt = 0;
    const t = new FakeTransport(([m]) => {
      attempt++;
      return attempt === 1 ? [encodeMessages([part(m!, 1, NLM_F_DUMP_INTR), done(m!, 0, NLM_F_DUMP_INTR)])] : [encodeMessages([part(m!, 7), done(m!)])];
    });
    await expect(new NetlinkConnection(t).dump({ type: 18, flags: 0 }, u32)).resolves.toEqual([7]);
    expect(attempt).toBe(2);
  });

  it('gives up with DumpInterruptedError after MAX_DUMP_ATTEMPTS interrupted attempts', async () => {
    const t = new FakeTransport(([m]) => [encodeMessages([part(m!, 1), done(m!, 0, NLM_F_DUMP_INTR)])]);
    const err = await new NetlinkConnection(t).dump({ type: 18, flags: 0 }, u32, { op: 'RTM_GETROUTE' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DumpInterruptedError);
    expect(t.sent).toHaveLength(MAX_DUMP_ATTEMPTS);
  });

  it('rejects with NetlinkError for an error in NLMSG_DONE or an NLMSG_ERROR at the start', async () => {
    const t1 = new FakeTransport(([m]) => [encodeMessages([part(m!, 1), done(m!, -4)])]);
    await expect(new NetlinkConnection(t1).dump({ type: 18, flags: 0 }, u32)).rejects.toMatchObject({ code: 'EINTR' });
    const t2 = new FakeTransport(([m]) => [ack(m!, -22, { message: 'Invalid values in header for FIB dump request', unknown: [] })]);
    await expect(new NetlinkConnection(t2).dump({ type: 26, flags: 0 }, u32)).rejects.toMatchObject({ code: 'EINVAL', message: 'Invalid values in header for FIB dump request' });
  });

  it('drains the rest of a dump when decoding fails, then rejects with the decode error', async () => {
    const t = new FakeTransport(([m]) => [encodeMessages([part(m!, 1), part(m!, 2)]), encodeMessages([part(m!, 3), done(m!)])]);
    const nl = new NetlinkConnection(t);
    await expect(nl.dump({ type: 18, flags: 0 }, () => { throw new Error('bad'); })).rejects.toThrow('bad');
    expect(t.queue).toHaveLength(0);
  });

  it('queues concurrent dumps: the kernel runs one per socket', async () => {
    const t = new FakeTransport();
    const nl = new NetlinkConnection(t);
    const a = nl.dump({ type: 18, flags: 0 }, u32);
    const b = nl.dump({ type: 22, flags: 0 }, u32);
    await new Promise((r) => setImmediate(r));
    expect(t.sent).toHaveLength(1);
    t.push(encodeMessages([part(t.sent[0]![0]!, 1), done(t.sent[0]![0]!)]));
    await expect(a).resolves.toEqual([1]);
    await new Promise((r) => setImmediate(r));
    expect(t.sent).toHaveLength(2);
    t.push(encodeMessages([part(t.sent[1]![0]!, 2), done(t.sent[1]![0]!)]));
    await expect(b).resolves.toEqual([2]);
  });

  it('grows the receive buffer for a datagram larger than RECEIVE_BUFFER_SIZE', async () => {
    const big = Buffer.alloc(RECEIVE_BUFFER_SIZE * 3);
    const t = new FakeTransport(([m]) => [encodeMessages([{ type: 100, flags: NLM_F_MULTI, seq: m!.header.seq, pid: PORT, data: big }, done(m!)])]);
    await expect(new NetlinkConnection(t).dump({ type: 18, flags: 0 }, (m) => m.data.length)).resolves.toEqual([big.length]);
  });

  it('reads replies in place with a view decoder, never building NetlinkMessages for it', async () => {
    const t = new FakeTransport(([m]) => [encodeMessages([part(m!, 1), part(m!, 2)]), encodeMessages([part(m!, 3), done(m!)])]);
    const views: number[] = [];
    const decode = messageDecoder((v: MessageView) => {
      views.push(v.seq);
      return v.data().readUInt32LE(0);
    });
    let called = 0;
    const plain = Object.assign((m: NetlinkMessage) => (called++, decode(m)), { read: decode.read });
    await expect(new NetlinkConnection(t).dump({ type: 18, flags: 0 }, plain)).resolves.toEqual([1, 2, 3]);
    expect(called).toBe(0);
    expect(views).toEqual(Array(3).fill(t.sent[0]?.[0]?.header.seq));
  });

  it('receives into RECEIVE_BUFFER_SIZE buffers (the kernel sizes dump datagrams by the largest recv)', async () => {
    const big = Buffer.alloc(RECEIVE_BUFFER_SIZE - 64, 7);
    const t = new FakeTransport(([m]) => [
      encodeMessage({ type: 100, flags: NLM_F_MULTI, seq: m!.header.seq, pid: PORT, data: big }),
      encodeMessage({ type: 100, flags: NLM_F_MULTI, seq: m!.header.seq, pid: PORT, data: Buffer.alloc(4, 1) }),
      encodeMessage(done(m!)),
    ]);
    await new NetlinkConnection(t).dump({ type: 18, flags: 0 }, (m) => m.data.length);
    expect(t.receiveLengths).toEqual([RECEIVE_BUFFER_SIZE, RECEIVE_BUFFER_SIZE, RECEIVE_BUFFER_SIZE]);
  });

  it('hands out every datagram in a buffer of its own, so kept payload views stay intact', async () => {
    // Large datagrams take over the receive buffer, small ones are copied: neither is ever
    // overwritten by a later receive.
    const sizes = [RECEIVE_BUFFER_SIZE - 100, 40, RECEIVE_BUFFER_SIZE / 2, 8, RECEIVE_BUFFER_SIZE - 16];
    const t = new FakeTransport(([m]) => [
      ...sizes.map((n, i) => encodeMessage({ type: 100, flags: NLM_F_MULTI, seq: m!.header.seq, pid: PORT, data: Buffer.alloc(n, i + 1) })),
      encodeMessage(done(m!)),
    ]);
    const kept = await new NetlinkConnection(t).dump({ type: 18, flags: 0 }, messageDecoder((v) => v.data()));
    expect(kept.map((b) => [b.length, b.every((x) => x === b[0]) ? b[0] : 'overwritten'])).toEqual(sizes.map((n, i) => [n, i + 1]));
  });

  it('yields to the event loop while a long dump is decoded', async () => {
    const t = new FakeTransport(([m]) => Array.from({ length: 400 }, (_, i) => encodeMessages([part(m!, i)])).concat([encodeMessage(done(m!))]));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const slowDecode = (m: NetlinkMessage): number => {
      const until = performance.now() + 0.1;
      while (performance.now() < until);
      return u32(m);
    };
    const out = await new NetlinkConnection(t).dump({ type: 26, flags: 0 }, slowDecode);
    clearInterval(timer);
    expect(out).toHaveLength(400);
    expect(ticks).toBeGreaterThan(3); // ~40 ms of decoding let the 1 ms timer run repeatedly
  });
});

describe('batch', () => {
  it('sends BATCH_WINDOW requests per datagram and settles each one in order', async () => {
    const t = new FakeTransport((msgs) => [encodeMessages(msgs.map((m) => decodeMessages(ack(m, m.data[0] === 13 ? -17 : 0))[0]!).map((m) => ({ ...m.header, data: m.data })))]);
    const reqs = Array.from({ length: 150 }, (_, i) => ({ type: 24, flags: 0, data: Buffer.from([i, 0, 0, 0]) }));
    const results = await new NetlinkConnection(t).batch(reqs);
    expect(t.sent.map((d) => d.length)).toEqual([BATCH_WINDOW, BATCH_WINDOW, 150 - 2 * BATCH_WINDOW]);
    expect(results).toHaveLength(150);
    expect(results[13]).toMatchObject({ code: 'EEXIST' });
    expect(results.filter((r) => r instanceof Error)).toHaveLength(1);
  });
});

describe('failures and close', () => {
  it('fails pending requests when a request socket overruns (ENOBUFS)', async () => {
    const t = new FakeTransport();
    const nl = new NetlinkConnection(t);
    const p = nl.request({ type: 16, flags: 0 });
    t.nextError = new SyscallError('recv', 105);
    t.push(Buffer.alloc(0));
    await expect(p).rejects.toMatchObject({ code: 'ENOBUFS' });
  });

  it('close rejects pending requests, stops watching and closes the socket', async () => {
    const t = new FakeTransport();
    const nl = new NetlinkConnection(t);
    const p = nl.request({ type: 16, flags: 0 }, { op: 'RTM_NEWLINK' });
    expect(t.watchActive).toBe(true);
    nl.close();
    await expect(p).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(t.closed).toBe(true);
    expect(t.watchActive).toBe(false);
    await expect(nl.request({ type: 16, flags: 0 })).rejects.toBeInstanceOf(ConnectionClosedError);
  });
});

describe('subscription', () => {
  it('delivers events, reports an ENOBUFS overrun and keeps delivering afterwards', async () => {
    const t = new FakeTransport();
    const sub = NetlinkSubscription.fromConnection(new NetlinkConnection(t));
    const got: number[] = [];
    let overruns = 0;
    sub.on('message', (m) => got.push(u32(m)));
    sub.on('overrun', () => overruns++);
    const event = (n: number): Buffer => encodeMessage({ type: 16, flags: 0, seq: 0, pid: 0, data: Buffer.from([n, 0, 0, 0]) });
    t.push(event(1));
    await new Promise((r) => setTimeout(r, 5));
    t.nextError = new SyscallError('recv', 105);
    t.push(event(2));
    await new Promise((r) => setTimeout(r, 5));
    t.push(event(3));
    await new Promise((r) => setTimeout(r, 5));
    expect(overruns).toBe(1);
    expect(sub.overruns).toBe(1);
    expect(got).toEqual([1, 2, 3]);
    sub.close();
    expect(t.closed).toBe(true);
  });

  it('is async-iterable until closed', async () => {
    const t = new FakeTransport();
    const sub = NetlinkSubscription.fromConnection(new NetlinkConnection(t));
    const seen: number[] = [];
    const loop = (async () => {
      for await (const m of sub) {
        seen.push(u32(m));
        if (seen.length === 2) sub.close();
      }
    })();
    for (const n of [5, 6]) t.push(encodeMessage({ type: 16, flags: 0, data: Buffer.from([n, 0, 0, 0]) }));
    await loop;
    expect(seen).toEqual([5, 6]);
  });
});

describe('subscription close', () => {
  it('ends a pending async iteration when closed from outside', async () => {
    const sub = NetlinkSubscription.fromConnection(new NetlinkConnection(new FakeTransport()));
    const loop = (async () => {
      for await (const _ of sub) void _;
      return 'ended';
    })();
    await new Promise((r) => setImmediate(r));
    sub.close();
    await expect(loop).resolves.toBe('ended');
  });
});

describe('malformed datagrams', () => {
  it('a subscription reports a malformed datagram as an error and keeps delivering', async () => {
    const t = new FakeTransport();
    const sub = NetlinkSubscription.fromConnection(new NetlinkConnection(t));
    const errors: Error[] = [];
    const got: number[] = [];
    sub.on('error', (e) => errors.push(e));
    sub.on('message', (m) => got.push(u32(m)));
    const bad = Buffer.alloc(20);
    bad.writeUInt32LE(64, 0); // nlmsg_len past the end of the datagram
    t.push(bad);
    t.push(encodeMessage({ type: 16, flags: 0, data: Buffer.from([9, 0, 0, 0]) }));
    await new Promise((r) => setTimeout(r, 10));
    expect(errors.map((e) => e.name)).toEqual(['WireError']);
    expect(got).toEqual([9]);
    sub.close();
  });
});
