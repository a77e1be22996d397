/**
 * The resilient agent link (src-main/core/agent-proxy.ts) over in-memory agent connections: a
 * subscription rides out a session swap (resubscribed on the next session with the last tracked
 * id as lastEventId), calls wait for a reconnecting host, and a host gone for good fails them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import { tracked } from '@trpc/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { procedure, router } from '../../../agent/src/rpc/trpc.js';
import { resilientLink, type SessionSource } from '../../../src-main/core/agent-proxy.js';
import type { AgentSession } from '../../../src-main/core/agent-session.js';
import { AgentLinkError } from '../../../src-main/core/agent-link.js';
import { connectPair, type Pair } from '../rpc/harness.js';
import { until } from '../../support/until.js';

const testRouter = router({
  t: router({
    ping: procedure.query(() => 'pong' as const),
    /** Tracked ticks from lastEventId + 1, every 5 ms. */
    ticks: procedure.input(z.object({ lastEventId: z.string().optional() }).optional()).subscription(async function* ({ input, signal }) {
      for (let i = Number(input?.lastEventId ?? 0) + 1; ; i++) {
        await sleep(5, undefined, { signal });
        yield tracked(String(i), { n: i });
      }
    }),
  }),
});
type TestRouter = typeof testRouter;

/** A SessionSource whose session the test swaps by hand, as HostConnection does on reconnect. */
class FakeHost implements SessionSource {
  session: AgentSession | undefined;
  readonly sessionListeners = new Set<(s: AgentSession) => void>();
  readonly goneListeners = new Set<(e: Error) => void>();
  current() {
    return this.session;
  }
  next(timeoutMs = 1_000) {
    return new Promise<AgentSession>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      const off = this.onSession((s) => (clearTimeout(t), off(), resolve(s)));
      this.onGone((e) => (clearTimeout(t), reject(e)));
    });
  }
  onSession(l: (s: AgentSession) => void) {
    this.sessionListeners.add(l);
    return () => void this.sessionListeners.delete(l);
  }
  onGone(l: (e: Error) => void) {
    this.goneListeners.add(l);
    return () => void this.goneListeners.delete(l);
  }
  attach(p: Pair<TestRouter>) {
    this.session = { hello: p.hello, client: p.client as never, link: p.conn.link as never, privilege: 'root', closed: p.conn.closed, close: () => p.conn.close() };
    for (const l of this.sessionListeners) l(this.session);
  }
  drop(p: Pair<TestRouter>) {
    this.session = undefined;
    p.wire.toClient.destroy(); // the carrier dies under the link
  }
  gone(err: Error) {
    for (const l of this.goneListeners) l(err);
  }
}

const pairs: Pair<TestRouter>[] = [];
afterEach(() => {
  for (const p of pairs.splice(0)) p.conn.close();
});

async function pair(): Promise<Pair<TestRouter>> {
  const p = await connectPair(testRouter, { identity: { user: 'alice' } });
  pairs.push(p);
  return p;
}

function client(host: FakeHost, callWaitMs?: number): TRPCClient<TestRouter> {
  return createTRPCClient<TestRouter>({ links: [resilientLink(host, callWaitMs) as never] });
}

describe('resilientLink', () => {
  it('resubscribes on the next session with the last tracked id, so the stream continues without gaps', async () => {
    const host = new FakeHost();
    const first = await pair();
    host.attach(first);
    const seen: number[] = [];
    let started = 0;
    const sub = client(host).t.ticks.subscribe(undefined, { onStarted: () => started++, onData: (e) => seen.push(e.data.n) });
    await until(() => seen.length >= 3, 2_000, 'ticks on the first session');
    host.drop(first);
    const second = await pair();
    host.attach(second);
    await until(() => seen.length >= 8, 2_000, 'ticks on the second session');
    sub.unsubscribe();
    expect(seen.slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]); // resumed after the last id seen
    expect(started).toBe(1);
  });

  it('a query waits for a reconnecting host, and fails once the wait is over', async () => {
    const host = new FakeHost();
    const c = client(host, 200);
    const waiting = c.t.ping.query();
    host.attach(await pair());
    expect(await waiting).toBe('pong');
    host.session = undefined;
    await expect(c.t.ping.query()).rejects.toThrow('timeout');
  });

  it('a host gone for good ends live subscriptions with its reason', async () => {
    const host = new FakeHost();
    const first = await pair();
    host.attach(first);
    const failed = new Promise<unknown>((resolve) => client(host).t.ticks.subscribe(undefined, { onError: resolve }));
    await sleep(20);
    host.drop(first);
    host.gone(new AgentLinkError('AGENT_CLOSED', 'host removed'));
    expect(await failed).toMatchObject({ message: 'host removed' });
  });
});
