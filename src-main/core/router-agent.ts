/**
 * agent.invoke / agent.subscribe: the renderer's way to any procedure of a connected host's agent.
 * A thin proxy: path, input and results are forwarded unchanged (the agent's AgentRouter type is
 * the contract; the renderer types its calls with it), and `tracked()` event ids keep their
 * shape, so the renderer's own reconnects resume with lastEventId like a direct client would.
 * Behind it, the host's resilient link (agent-proxy.ts) rides out agent reconnects.
 */
import type { OperationResultEnvelope, TRPCClientError } from '@trpc/client';
import { tracked, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { t, translate } from './desktop-trpc.js';
import type { HostManager } from './hosts.js';

/** Events a slow renderer may fall behind by before its subscription is ended (bounds memory). */
const MAX_QUEUED_EVENTS = 10_000;

const procedurePath = z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$/, 'a procedure path like system.info');

function notConnected(hostId: string): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: `Host ${hostId} is not connected.`, cause: Object.assign(new Error('not connected'), { appCode: 'HOST_NOT_CONNECTED' }) });
}

type Envelope = OperationResultEnvelope<unknown, TRPCClientError<never>>;

/** Subscribes through the host's link and yields its data events, ending with it. */
async function* relay(hosts: HostManager, hostId: string, path: string, input: unknown, lastEventId: string | undefined, signal: AbortSignal | undefined) {
  const link = hosts.agentLink(hostId);
  if (!link) throw notConnected(hostId);
  const queue: Envelope[] = [];
  let failure: unknown;
  let done = false;
  let wake: (() => void) | undefined;
  const poke = () => wake?.();
  const sub = link({} as never)({
    op: { id: 0, type: 'subscription', path, input, context: lastEventId !== undefined ? { lastEventId } : {}, signal: null },
    next: () => {
      throw new Error('terminating link');
    },
  }).subscribe({
    next(env) {
      if (queue.length >= MAX_QUEUED_EVENTS) {
        failure = new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `The subscription to ${path} fell more than ${MAX_QUEUED_EVENTS} events behind; subscribe again.` });
        sub.unsubscribe();
      } else queue.push(env as Envelope);
      poke();
    },
    error(err) {
      failure = err;
      poke();
    },
    complete() {
      done = true;
      poke();
    },
  });
  signal?.addEventListener('abort', poke);
  try {
    for (;;) {
      for (let env = queue.shift(); env; env = queue.shift()) {
        const r = env.result as { type?: string; id?: string; data?: unknown };
        if (r.type !== 'data' && r.type !== undefined) continue;
        // A tracked event arrives as {id, data}; re-wrap it so the wire shape stays the agent's.
        if (typeof r.id === 'string') yield tracked(r.id, (r.data as { data: unknown }).data);
        else yield r.data;
      }
      if (failure) translate(failure);
      if (done || signal?.aborted) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    signal?.removeEventListener('abort', poke);
    sub.unsubscribe();
  }
}

export const agentProxyRouter = t.router({
  /**
   * A query or mutation of the host's agent, e.g. `{ path: 'system.info', type: 'query' }`.
   * (Named `invoke`: tRPC reserves `call` in routers.)
   */
  invoke: t.procedure
    .input(z.object({ hostId: z.string().min(1), path: procedurePath, type: z.enum(['query', 'mutation']), input: z.unknown().optional() }))
    .mutation(async ({ ctx, input }) => {
      const client = ctx.hosts.agentUntyped(input.hostId);
      if (!client) throw notConnected(input.hostId);
      try {
        return (await (input.type === 'query' ? client.query(input.path, input.input) : client.mutation(input.path, input.input))) as unknown;
      } catch (err) {
        return translate(err);
      }
    }),

  /** A subscription of the host's agent; survives agent reconnects. */
  subscribe: t.procedure
    .input(z.object({ hostId: z.string().min(1), path: procedurePath, input: z.unknown().optional(), lastEventId: z.string().optional() }))
    .subscription(({ ctx, input, signal }) => relay(ctx.hosts, input.hostId, input.path, input.input, input.lastEventId, signal)),
});
