/**
 * What each side does with a peer that breaks the protocol (agent/PROTOCOL.md "Framing",
 * "Hello", "Limits"): garbage lines, oversized lines, duplicate ids, too many live requests,
 * a missing or foreign hello, and a slow reader (backpressure). Nothing may crash, hang, or
 * buffer without bound.
 */
import { Duplex, PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TRPCClientError } from '@trpc/client';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, MAX_LIVE_REQUESTS, MAX_SKIPPED_LINES } from '../../../agent/src/rpc/protocol.js';
import { PROTOCOL_VERSION } from '../../../agent/src/version.js';
import { connectAgent, type AgentLinkError } from '../../../src-main/core/agent-link.js';
import { until } from '../../support/until.js';
import { connectPair, memoryLogger, type Pair } from './harness.js';
import { newProbe, testRouter, type Probe, type TestRouter } from './test-router.js';

let probe: Probe;
let pair: Pair<TestRouter> | undefined;

async function open(opts: Parameters<typeof connectPair>[1] = {}) {
  probe = newProbe();
  pair = await connectPair(testRouter(probe), { identity: { user: 'root' }, ...opts });
  return pair;
}

afterEach(async () => {
  pair?.conn.close();
  await pair?.served.closed;
  pair = undefined;
});

/** Collects the parsed lines the agent sends to the client, by id. */
function replies(p: Pair<TestRouter>) {
  const all: Record<string, unknown>[] = [];
  p.wire.toClient.on('data', (b: Buffer) => all.push(...b.toString().split('\n').filter(Boolean).flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : []))));
  return (id: unknown) => all.filter((r) => r.id === id);
}


const line = (msg: unknown) => JSON.stringify(msg) + '\n';
const hello = (protocol = PROTOCOL_VERSION) => line({ hello: { version: '9.9.9', protocol, node: '20', platform: 'linux-x64', pid: 1, mode: 'daemon', capabilities: [], user: 'u', uid: 0, privileged: true } });

/** A fake agent: the client's end plus the streams to play the agent with. */
function fakeAgent() {
  const toClient = new PassThrough();
  const toAgent = new PassThrough();
  return { toClient, toAgent, clientEnd: Duplex.from({ readable: toClient, writable: toAgent }) };
}

const linkCode = (err: unknown) => ((err as TRPCClientError<TestRouter>).cause as AgentLinkError | undefined)?.code ?? (err as AgentLinkError).code;

describe('agent side', () => {
  it('logs a refusal (bad input, conflict) at debug and only an INTERNAL failure as an error, with its cause', async () => {
    const log = memoryLogger();
    const p = await open({ log });
    await p.client.test.fail.query({ appCode: 'CONFLICT' }).catch(() => undefined);
    await p.client.test.echo.mutate({ text: 'x'.repeat(30) }).catch(() => undefined);
    await p.client.test.fail.query({}).catch(() => undefined);
    const about = log.lines.filter((l) => l.msg.startsWith('procedure'));
    expect(about.map((l) => [l.level, l.msg, l.fields?.appCode])).toEqual([
      ['debug', 'procedure refused', 'CONFLICT'],
      ['debug', 'procedure refused', 'INVALID_INPUT'],
      ['error', 'procedure failed', undefined],
    ]);
    expect(((about[2]!.fields?.error as Error).cause as Error).message).toBe('plain failure');
  });

  it('skips and logs a garbage line and keeps serving; answers an invalid message under its id', async () => {
    const log = memoryLogger();
    const p = await open({ log });
    const byId = replies(p);
    p.wire.toAgent.write('this is not json\n[1,2]\n\n');
    p.wire.toAgent.write(line({ id: 7, method: 'frobnicate', params: {} }));
    expect(await p.client.system.ping.query()).toBe('pong');
    await until(() => byId(7).length === 1);
    expect(byId(7)[0]).toMatchObject({ error: { data: { code: 'PARSE_ERROR', appCode: 'INVALID_INPUT' } } });
    // One warning (rate-limited), with the length and never the contents.
    expect(log.lines.filter((l) => l.msg.startsWith('skipped')).map((l) => l.fields)).toEqual([{ kind: 'not JSON', bytes: 16, skipped: 1 }]);
    expect(JSON.stringify(log.lines)).not.toContain('this is not json');
  });

  it('never logs what a garbage or invalid line said (a sudo password sudo did not read ends up here)', async () => {
    const log = memoryLogger();
    const p = await open({ log });
    const secret = 'hunter2-sudo-password';
    p.wire.toAgent.write(`${secret}\n`);
    p.wire.toAgent.write(line({ id: 8, method: secret, params: { path: secret } }));
    p.wire.toAgent.write(`${secret}\n`.repeat(50));
    expect(await p.client.system.ping.query()).toBe('pong');
    const logged = JSON.stringify(log.lines);
    expect(logged).not.toContain('hunter2');
    expect(log.lines.filter((l) => l.level === 'warn').length).toBeLessThanOrEqual(2);
    expect(log.lines.find((l) => l.msg.startsWith('skipped'))?.fields).toEqual({ kind: 'not JSON', bytes: secret.length, skipped: 1 });
  });

  it(`closes the connection after ${MAX_SKIPPED_LINES} garbage lines, saying why`, async () => {
    const p = await open();
    p.wire.toAgent.write('garbage\n'.repeat(MAX_SKIPPED_LINES + 1));
    const why = await p.conn.closed;
    expect(why.code).toBe('AGENT_CLOSED');
    expect(why.message).toContain(`More than ${MAX_SKIPPED_LINES} lines that are not protocol messages`);
  });

  it('rejects a line over the limit with PAYLOAD_TOO_LARGE and closes, without buffering it whole', async () => {
    const p = await open();
    const byId = replies(p);
    const chunk = Buffer.alloc(1 << 20, 0x61); // 1 MiB of 'a', no newline
    let written = 0;
    while (written <= MAX_LINE_BYTES + chunk.length && !p.wire.toAgent.destroyed) {
      p.wire.toAgent.write(chunk);
      written += chunk.length;
      if ((p.wire.toClient.readableLength ?? 0) > 0 || byId(null).length > 0) break;
    }
    const why = await p.conn.closed;
    expect(byId(null)[0]).toMatchObject({ error: { data: { code: 'PAYLOAD_TOO_LARGE', appCode: 'TOO_LARGE' } } });
    expect(why.message).toContain(`Line longer than ${MAX_LINE_BYTES} bytes`);
  });

  it('refuses a request whose id is still live (duplicate id) and does not run it', async () => {
    const p = await open();
    const byId = replies(p);
    const sub = line({ id: 900, method: 'subscription', params: { path: 'test.ticks', input: { name: 'dup' } } });
    p.wire.toAgent.write(sub);
    await until(() => byId(900).some((r) => (r.result as { type?: string })?.type === 'data'));
    p.wire.toAgent.write(line({ id: 900, method: 'query', params: { path: 'system.ping' } }));
    await until(() => byId(900).some((r) => 'error' in r));
    expect(byId(900).find((r) => 'error' in r)).toMatchObject({ error: { message: 'Duplicate id 900', data: { appCode: 'INVALID_INPUT' } } });
    expect(byId(900).some((r) => (r.result as { data?: unknown })?.data === 'pong')).toBe(false);
    p.wire.toAgent.write(line({ id: 900, method: 'subscription.stop' }));
    await until(() => probe.cleanups.length === 1);
    expect(byId(900).at(-1)).toEqual({ id: 900, result: { type: 'stopped' } });
  });

  it(`answers BUSY beyond ${MAX_LIVE_REQUESTS} live requests on one connection`, async () => {
    const p = await open();
    const byId = replies(p);
    const subs = Array.from({ length: MAX_LIVE_REQUESTS + 1 }, (_, i) => line({ id: `s${i}`, method: 'subscription', params: { path: 'system.clock', input: { intervalMs: 60_000 } } }));
    p.wire.toAgent.write(subs.join(''));
    await until(() => byId(`s${MAX_LIVE_REQUESTS}`).length === 1);
    expect(byId(`s${MAX_LIVE_REQUESTS}`)[0]).toMatchObject({ error: { data: { code: 'TOO_MANY_REQUESTS', appCode: 'BUSY' } } });
    expect(byId('s0')).toEqual([{ id: 's0', result: { type: 'started' } }]);
  });

  it('does not advance a subscription while the carrier is full (backpressure), and loses nothing', async () => {
    const p = await open();
    const got: number[] = [];
    p.wire.clientEnd.pause(); // a reader that has stopped reading
    const done = new Promise<void>((resolve, reject) => p.client.test.counted.subscribe({ count: 20_000 }, { onData: (d) => got.push(d.i), onComplete: resolve, onError: reject }));
    await sleep(50);
    const whilePaused = probe.produced;
    expect(whilePaused).toBeGreaterThan(0);
    expect(whilePaused).toBeLessThan(2_000); // a few dozen KiB of buffer, not the whole stream
    p.wire.clientEnd.resume();
    await done;
    expect(got).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
  });

  it('closes a daemon-socket connection whose first line is not identify, and one that stays silent', async () => {
    const w = fakeAgent();
    const { serveConnection } = await import('../../../agent/src/rpc/adapter.js');
    const base = { router: testRouter(newProbe()), log: memoryLogger(), connectionId: 1, open: () => { throw new Error('must not open'); } };
    const served = serveConnection({ input: w.toAgent, output: w.toClient, endOutput: true }, base);
    w.toAgent.write(line({ id: 1, method: 'query', params: { path: 'system.ping' } }));
    await served.closed;
    expect(w.toClient.read()?.toString()).toContain('Expected {\\"identify\\"');
    const silent = fakeAgent();
    const served2 = serveConnection({ input: silent.toAgent, output: silent.toClient, endOutput: true }, { ...base, identifyTimeoutMs: 20 });
    await served2.closed;
    expect(silent.toClient.read()?.toString()).toContain('No identify line');
    const broken = fakeAgent(); // a context that cannot be built ends the connection, not the process
    const served3 = serveConnection({ input: broken.toAgent, output: broken.toClient, endOutput: true }, base);
    broken.toAgent.write(line({ identify: { user: 'alice' } }));
    await served3.closed;
    expect(JSON.parse(broken.toClient.read()?.toString() ?? '')).toMatchObject({ id: null, error: { message: 'must not open', data: { appCode: 'INTERNAL' } } });
  });

  it('still answers queries that arrive right before the input ends (printf … | wgpilot-agent stdio)', async () => {
    const w = fakeAgent();
    const { createAgentServer } = await import('../../../agent/src/rpc/server.js');
    const served = createAgentServer({ mode: 'in-process', services: {}, log: memoryLogger() }).serve({ input: w.toAgent, output: w.toClient, endOutput: true }, { user: 'root' });
    w.toAgent.end(line({ id: 1, method: 'query', params: { path: 'system.ping' } }) + line({ id: 2, method: 'query', params: { path: 'nope' } }));
    await served.closed;
    const out = (w.toClient.read() as Buffer).toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(out[0]!)).toEqual(['hello']);
    expect(out.find((m) => m.id === 1)).toEqual({ id: 1, result: { type: 'data', data: 'pong' } });
    expect(out.find((m) => m.id === 2)).toMatchObject({ error: { data: { appCode: 'NOT_FOUND' } } });
  });
});

describe('desktop side', () => {
  it('skips a login banner before the hello and reads a reply fed one byte at a time', async () => {
    const a = fakeAgent();
    const connecting = connectAgent(a.clientEnd);
    const feed = (text: string) => {
      for (const b of Buffer.from(text)) a.toClient.write(Buffer.from([b]));
    };
    feed('Welcome to the host!\r\n' + hello());
    const conn = await connecting;
    expect(conn.hello.version).toBe('9.9.9');
    const { createTRPCClient } = await import('@trpc/client');
    const reply = createTRPCClient<TestRouter>({ links: [conn.link as never] }).system.ping.query();
    feed(line({ id: 1, result: { type: 'data', data: 'ü 🚀' } }));
    expect(await reply).toBe('ü 🚀');
    conn.close();
  });

  it('fails with AGENT_PROTOCOL_MISMATCH naming both versions, and closes the carrier', async () => {
    const a = fakeAgent();
    a.toClient.write(hello(PROTOCOL_VERSION + 1));
    const err = await connectAgent(a.clientEnd, { peerName: 'h1' }).then(() => null, (e: unknown) => e as AgentLinkError);
    expect(err?.code).toBe('AGENT_PROTOCOL_MISMATCH');
    expect(err?.message).toBe(`The agent on h1 speaks protocol ${PROTOCOL_VERSION + 1} (agent 9.9.9, daemon); this app speaks protocol ${PROTOCOL_VERSION}. Redeploy the agent and restart its service (systemctl restart wgpilot-agent).`);
    expect(a.clientEnd.destroyed).toBe(true);
  });

  it('fails with AGENT_NO_HELLO when the agent exits or stays silent, with what it said', async () => {
    const a = fakeAgent();
    const connecting = connectAgent(a.clientEnd, { peerName: 'h1', describeEnd: () => 'exited with status 127: no Node.js runtime found' });
    a.toClient.end();
    const err = (await connecting.catch((e: unknown) => e)) as AgentLinkError;
    expect(err.code).toBe('AGENT_NO_HELLO');
    expect(err.message).toBe('The agent on h1 closed before saying hello (exited with status 127: no Node.js runtime found).');
    const silent = fakeAgent();
    expect(linkCode(await connectAgent(silent.clientEnd, { helloTimeoutMs: 30 }).catch((e: unknown) => e))).toBe('AGENT_NO_HELLO');
  });

  it('fails with AGENT_PROTOCOL when the first JSON line is not a hello', async () => {
    const a = fakeAgent();
    a.toClient.write(line({ id: 1, result: { type: 'data', data: 1 } }));
    expect(linkCode(await connectAgent(a.clientEnd).catch((e: unknown) => e))).toBe('AGENT_PROTOCOL');
  });

  it('a 100 MB line from a broken agent: clear error, connection closed, buffering stops at the limit', async () => {
    const a = fakeAgent();
    a.toClient.write(hello());
    const conn = await connectAgent(a.clientEnd, { peerName: 'h1' });
    const { createTRPCClient } = await import('@trpc/client');
    const pending = createTRPCClient<TestRouter>({ links: [conn.link as never] }).system.ping.query().catch((e: unknown) => e);
    const chunk = Buffer.alloc(1 << 20, 0x78);
    let sent = 0;
    for (; sent < 100 && !a.clientEnd.destroyed; sent++) {
      a.toClient.write(chunk);
      await new Promise(setImmediate);
    }
    const err = await pending;
    expect(linkCode(err)).toBe('AGENT_PROTOCOL');
    expect((err as Error).message).toBe(`The agent on h1 sent a line longer than ${MAX_LINE_BYTES} bytes; closed the connection.`);
    expect(sent).toBeLessThanOrEqual(MAX_LINE_BYTES / chunk.length + 2);
    expect((await conn.closed).code).toBe('AGENT_PROTOCOL');
  });

  it(`closes after more than ${MAX_SKIPPED_LINES} garbage lines from the agent`, async () => {
    const a = fakeAgent();
    a.toClient.write(hello());
    const conn = await connectAgent(a.clientEnd);
    a.toClient.write('\x00\x01binary garbage\n'.repeat(MAX_SKIPPED_LINES + 1));
    const why = await conn.closed;
    expect(why.code).toBe('AGENT_PROTOCOL');
    expect(why.message).toContain('lines that are not protocol messages');
  });
});
