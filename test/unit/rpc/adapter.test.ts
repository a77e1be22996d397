/**
 * The agent's NDJSON adapter and the desktop's link, end to end over an in-memory wire: every
 * message kind agent/PROTOCOL.md lists, the error shapes with app codes, cancellation by
 * `subscription.stop` and by carrier close. The last test parses PROTOCOL.md's list of message
 * kinds and fails if one of them does not cross the wire in a conversation it holds itself (so
 * it passes alone, in any order: it used to count what the other tests had sent).
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TRPCClientError } from '@trpc/client';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_CODES } from '../../../agent/src/rpc/errors.js';
import { PROTOCOL_VERSION } from '../../../agent/src/version.js';
import { AgentLinkError } from '../../../src-main/core/agent-link.js';
import { until } from '../../support/until.js';
import { connectPair, type Pair } from './harness.js';
import { newProbe, testRouter, type Probe, type TestRouter } from './test-router.js';

const repo = path.resolve(import.meta.dirname, '../../..');
let probe: Probe;
let pair: Pair<TestRouter> | undefined;

async function open(opts: Parameters<typeof connectPair>[1] = { identity: { user: 'root' } }) {
  probe = newProbe();
  pair = await connectPair(testRouter(probe), opts);
  return pair;
}

afterEach(async () => {
  pair?.conn.close();
  await pair?.served.closed;
  pair = undefined;
});


async function errorOf(p: Promise<unknown>): Promise<TRPCClientError<TestRouter>> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(TRPCClientError);
  return err as TRPCClientError<TestRouter>;
}

describe('hello', () => {
  it('is the first line and describes the agent, in-process on stdio', async () => {
    const { hello } = await open();
    expect(hello).toMatchObject({ protocol: PROTOCOL_VERSION, mode: 'in-process', user: 'root', pid: process.pid, capabilities: ['system', 'test'] });
    expect(typeof hello.version).toBe('string');
    expect(typeof hello.privileged).toBe('boolean');
    expect(hello.uid).toBe(process.getuid?.());
  });

  it('follows the identify line on the daemon socket and names that user', async () => {
    const { hello, client } = await open({});
    expect(hello).toMatchObject({ mode: 'daemon', user: 'alice' });
    expect(await client.test.echo.mutate({ text: 'hi' })).toEqual({ text: 'hi', user: 'alice', from: '198.18.0.1' });
  });
});

describe('queries and mutations', () => {
  it('answers a query with result.data', async () => {
    const { client } = await open();
    expect(await client.system.ping.query()).toBe('pong');
    const info = await client.system.info.query();
    expect(info).toMatchObject({ protocol: PROTOCOL_VERSION, pid: process.pid, mode: 'in-process', user: 'root', subscriptions: 0 });
  });

  it('runs a mutation with input and context; input with newlines and non-ASCII survives', async () => {
    const { client } = await open();
    expect(await client.test.echo.mutate({ text: 'a\nb — ü 🚀' })).toEqual({ text: 'a\nb — ü 🚀', user: 'root', from: null });
  });
});

describe('subscriptions', () => {
  it('delivers started, data and stopped, then completes', async () => {
    const { client } = await open();
    const events: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client.test.finite.subscribe(undefined, {
        onStarted: () => events.push('started'),
        onData: (d) => events.push(`data ${d}`),
        onStopped: () => events.push('stopped'),
        onComplete: () => resolve(),
        onError: reject,
      });
    });
    expect(events).toEqual(['started', 'data 1', 'data 2', 'data 3', 'stopped']);
  });

  it('stops on unsubscribe: subscription.stop runs the generator finally with the signal aborted', async () => {
    const { client } = await open();
    const got: number[] = [];
    const sub = client.test.ticks.subscribe({ name: 'a' }, { onData: (n) => got.push(n) });
    await until(() => got.length >= 3);
    sub.unsubscribe();
    await until(() => probe.cleanups.length === 1);
    expect(probe.cleanups).toEqual([{ name: 'a', aborted: true }]);
    expect((await client.system.info.query()).subscriptions).toBe(0);
    const count = got.length;
    await sleep(30);
    expect(got.length).toBe(count);
  });

  it('ends with an error carrying the app code when the stream fails mid-way', async () => {
    const { client } = await open();
    const got: number[] = [];
    const err = await new Promise<TRPCClientError<TestRouter>>((resolve) => {
      client.test.failing.subscribe(undefined, { onData: (n) => got.push(n), onError: (e) => resolve(e) });
    });
    expect(got).toEqual([1]);
    expect(err.message).toBe('kernel went away');
    expect(err.data).toMatchObject({ appCode: 'UNSUPPORTED', code: 'NOT_IMPLEMENTED', httpStatus: 501 });
  });

  it('carries tracked ids, and resumes after lastEventId', async () => {
    const { wire } = await open();
    const replies: unknown[] = [];
    wire.toClient.on('data', (b: Buffer) => replies.push(...b.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown)));
    wire.toAgent.write(JSON.stringify({ id: 'r1', method: 'subscription', params: { path: 'test.tracked', input: {}, lastEventId: '5' } }) + '\n');
    await until(() => replies.some((r) => (r as { result?: { type: string } }).result?.type === 'stopped'));
    expect(replies).toEqual([
      { id: 'r1', result: { type: 'started' } },
      { id: 'r1', result: { type: 'data', id: '6', data: { id: '6', data: { n: 6 } } } },
      { id: 'r1', result: { type: 'data', id: '7', data: { id: '7', data: { n: 7 } } } },
      { id: 'r1', result: { type: 'stopped' } },
    ]);
  });
});

describe('errors', () => {
  it.each(APP_CODES)('an error with appCode %s arrives with that code and the matching tRPC code', async (appCode) => {
    const { client } = await open();
    const err = await errorOf(client.test.fail.query({ appCode }));
    expect(err.message).toBe(`failed with ${appCode}`);
    expect(err.data?.appCode).toBe(appCode);
    expect(err.data?.path).toBe('test.fail');
    expect(err.data).not.toHaveProperty('stack');
  });

  it('maps tRPC codes to app codes, and anything else to INTERNAL', async () => {
    const { client } = await open();
    expect((await errorOf(client.test.fail.query({ trpcCode: 'CONFLICT' }))).data).toMatchObject({ code: 'CONFLICT', appCode: 'CONFLICT', httpStatus: 409 });
    expect((await errorOf(client.test.fail.query({ trpcCode: 'UNAUTHORIZED' }))).data?.appCode).toBe('FORBIDDEN');
    const plain = await errorOf(client.test.fail.query({}));
    expect(plain.message).toBe('plain failure');
    expect(plain.data).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', appCode: 'INTERNAL' });
  });

  it('reports invalid input (zod) as BAD_REQUEST / INVALID_INPUT', async () => {
    const { client } = await open();
    const err = await errorOf(client.test.echo.mutate({ text: 'x'.repeat(21) }));
    expect(err.data).toMatchObject({ code: 'BAD_REQUEST', appCode: 'INVALID_INPUT', httpStatus: 400 });
    const subErr = await new Promise<TRPCClientError<TestRouter>>((resolve) => client.system.clock.subscribe({ intervalMs: 5 }, { onError: resolve }));
    expect(subErr.data).toMatchObject({ code: 'BAD_REQUEST', appCode: 'INVALID_INPUT', path: 'system.clock' });
  });

  it('reports an unknown path as NOT_FOUND', async () => {
    const { client } = await open();
    const err = await errorOf((client as unknown as { nope: { query: { query(): Promise<unknown> } } }).nope.query.query());
    expect(err.data).toMatchObject({ code: 'NOT_FOUND', appCode: 'NOT_FOUND' });
  });

  it('answers an unserializable result with INTERNAL instead of hanging', async () => {
    const { client } = await open();
    expect((await errorOf(client.test.bigint.query())).data?.appCode).toBe('INTERNAL');
  });
});

describe('carrier close', () => {
  it('closing the link aborts every live subscription on the agent (finally runs) and fails them locally', async () => {
    const { client, conn, served } = await open();
    const errors: unknown[] = [];
    for (const name of ['x', 'y']) client.test.ticks.subscribe({ name }, { onError: (e) => errors.push(e) });
    await until(() => served !== undefined && probe.cleanups.length === 0);
    await sleep(30);
    conn.close();
    await served.closed;
    expect([...probe.cleanups].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'x', aborted: true },
      { name: 'y', aborted: true },
    ]);
    expect(errors).toHaveLength(2);
    expect((errors[0] as TRPCClientError<TestRouter>).cause).toBeInstanceOf(AgentLinkError);
    expect(((errors[0] as TRPCClientError<TestRouter>).cause as AgentLinkError).code).toBe('AGENT_CLOSED');
  });

  it('the agent closing its side fails live subscriptions and later calls with AGENT_CLOSED', async () => {
    const { client, conn, served } = await open();
    const err = new Promise<TRPCClientError<TestRouter>>((resolve) => client.test.ticks.subscribe({ name: 'z' }, { onError: resolve }));
    await sleep(20);
    served.close('test');
    expect(((await err).cause as AgentLinkError).code).toBe('AGENT_CLOSED');
    expect((await conn.closed).code).toBe('AGENT_CLOSED');
    expect(((await errorOf(client.system.ping.query())).cause as AgentLinkError).code).toBe('AGENT_CLOSED');
    expect(probe.cleanups).toEqual([{ name: 'z', aborted: true }]);
  });
});

describe('PROTOCOL.md', () => {
  it('every message kind it lists crosses the wire', async () => {
    const doc = fs.readFileSync(path.join(repo, 'agent/PROTOCOL.md'), 'utf8');
    const section = doc.split('### Message kinds')[1]?.split(/\n#/)[0] ?? '';
    const kinds = [...section.matchAll(/^- `([^`]+)`/gm)].map((m) => m[1]);
    expect(kinds.length).toBeGreaterThanOrEqual(10);

    // One conversation of every kind, on a daemon-style connection (identify, then hello).
    const seen = new Set<string>();
    probe = newProbe();
    pair = await connectPair(testRouter(probe), { seen });
    const { client } = pair;
    expect(await client.system.ping.query()).toBe('pong');
    await client.test.echo.mutate({ text: 'x' });
    await errorOf(client.test.fail.query({ appCode: 'CONFLICT' }));
    const ticks: number[] = [];
    const sub = client.test.ticks.subscribe({ name: 'kinds' }, { onData: (n) => ticks.push(n) });
    await until(() => ticks.length > 0);
    sub.unsubscribe();
    await until(() => seen.has('result.stopped'));
    expect(kinds.filter((k) => !seen.has(k!))).toEqual([]);
  });
});
