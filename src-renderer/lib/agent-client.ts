/**
 * A typed client of one host's agent, for the renderer. Its terminating link sends every
 * operation through the desktop router's proxy (`agent.invoke` / `agent.subscribe`), which
 * forwards path and input unchanged to the host; so `AgentRouter` types the calls end to end
 * (`agent.networks.list.query()`), while the renderer still has exactly one connection — to
 * the desktop.
 */
import { createTRPCClient, TRPCClientError, type TRPCClient, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { AgentRouter } from '../../agent/src/rpc/router.js';
import type { DesktopClient } from '../rpc.js';

export type AgentClient = TRPCClient<AgentRouter>;

function proxyLink(desktop: DesktopClient, hostId: string): TRPCLink<AgentRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        if (op.type === 'subscription') {
          const lastEventId = (op.context as { lastEventId?: string } | undefined)?.lastEventId;
          const sub = desktop.agent.subscribe.subscribe(
            { hostId, path: op.path, input: op.input, ...(lastEventId !== undefined ? { lastEventId } : {}) },
            {
              onStarted: () => observer.next({ result: { type: 'started' } }),
              onData: (data) => observer.next({ result: { type: 'data', data } }),
              onError: (err) => observer.error(TRPCClientError.from(err)),
              onComplete: () => observer.complete(),
            },
          );
          return () => sub.unsubscribe();
        }
        const ac = new AbortController();
        desktop.agent.invoke
          .mutate({ hostId, path: op.path, type: op.type, input: op.input }, { signal: ac.signal })
          .then((data) => {
            observer.next({ result: { type: 'data', data } });
            observer.complete();
          })
          .catch((err: unknown) => observer.error(TRPCClientError.from(err as Error)));
        return () => ac.abort();
      });
}

export function createAgentClient(desktop: DesktopClient, hostId: string): AgentClient {
  return createTRPCClient<AgentRouter>({ links: [proxyLink(desktop, hostId)] });
}
