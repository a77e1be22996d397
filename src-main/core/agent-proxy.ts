/**
 * A tRPC link to "whatever agent session a host has right now". Queries and mutations go to the
 * current session (waiting a moment while the host reconnects); subscriptions survive reconnects:
 * when the session under them ends, they are subscribed again on the next one, passing the last
 * `tracked()` event id they saw as `lastEventId`, so a stream that supports it resumes where it
 * stopped and one that does not simply starts over.
 *
 * Messages are forwarded unchanged; the agent's AgentRouter type stays the one contract.
 *
 * Design decisions:
 * - Only a lost connection (AgentLinkError) triggers a resubscribe; an error the agent reports
 *   for the subscription itself ends it, as it would without the proxy.
 * - The consumer sees `started` once; later `started` messages of resubscriptions are dropped.
 * - Calls are not retried after being sent (a mutation may have run); they only wait before
 *   sending, while the host is reconnecting.
 */
import { TRPCClientError, type Operation, type TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import type { AgentRouter } from '../../agent/src/rpc/router.js';
import { AgentLinkError } from './agent-link.js';
import type { AgentSession } from './agent-session.js';

/** What the proxy needs from a host connection. */
export interface SessionSource {
  /** The live session, if the host is connected. */
  current(): AgentSession | undefined;
  /** Resolves with the next live session; rejects when the host is gone for good or after `timeoutMs`. */
  next(timeoutMs?: number): Promise<AgentSession>;
  /** Calls `listener` with each new session; returns the unsubscriber. */
  onSession(listener: (s: AgentSession) => void): () => void;
  /** Calls `listener` once when the host is disconnected for good. */
  onGone(listener: (err: Error) => void): () => void;
}

/** How long a call waits for a reconnecting host before it fails. */
export const CALL_WAIT_MS = 5_000;

type AnyOp = Operation<unknown>;

const isConnectionLoss = (err: unknown): boolean => (err as { cause?: unknown } | null)?.cause instanceof AgentLinkError;

/** Runs one operation on one session's raw link. */
function run(session: AgentSession, op: AnyOp) {
  return (session.link as TRPCLink<AnyRouter>)({} as never)({ op, next: () => { throw new Error('the agent link is terminating'); } });
}

export function resilientLink(source: SessionSource, callWaitMs = CALL_WAIT_MS): TRPCLink<AgentRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        if (op.type !== 'subscription') {
          let inner: Unsubscribable | undefined;
          let cancelled = false;
          const live = source.current();
          const ready = live ? Promise.resolve(live) : source.next(callWaitMs);
          ready.then(
            (s) => {
              if (!cancelled) inner = run(s, op).subscribe(observer);
            },
            (err: Error) => observer.error(TRPCClientError.from(err)),
          );
          return () => {
            cancelled = true;
            inner?.unsubscribe();
          };
        }

        let inner: Unsubscribable | undefined;
        let on: AgentSession | undefined;
        let stopped = false;
        let started = false;
        let lastEventId = typeof op.context.lastEventId === 'string' ? op.context.lastEventId : undefined;
        const attach = (s: AgentSession) => {
          if (stopped || inner) return;
          on = s;
          inner = run(s, { ...op, context: { ...op.context, lastEventId } }).subscribe({
            next(env) {
              const result = env.result;
              if ('type' in result && result.type === 'started') {
                if (started) return;
                started = true;
              }
              if ('type' in result && result.type === 'data' && 'id' in result && typeof result.id === 'string') lastEventId = result.id;
              observer.next(env);
            },
            error(err) {
              inner = undefined;
              if (stopped) return;
              if (!isConnectionLoss(err)) return observer.error(err);
              const cur = source.current();
              if (cur && cur !== on) attach(cur); // else: wait for onSession
            },
            complete() {
              inner = undefined;
              if (!stopped) observer.complete();
            },
          });
        };
        const offSession = source.onSession(attach);
        const offGone = source.onGone((err) => {
          if (!stopped) observer.error(TRPCClientError.from(err));
        });
        const cur = source.current();
        if (cur) attach(cur);
        return () => {
          stopped = true;
          offSession();
          offGone();
          inner?.unsubscribe();
        };
      });
}
