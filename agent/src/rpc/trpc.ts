/**
 * The agent's one tRPC instance (`initTRPC` once) and the context every procedure receives.
 * The instance is immutable configuration, not state; per-connection state lives in the context
 * that the carrier builds for each connection.
 */
import { initTRPC } from '@trpc/server';
import type { AgentMode } from './protocol.js';
import { formatError } from './errors.js';

/**
 * AgentServices is what the composition root (the `serve`/`stdio` command) hands to procedures:
 * the domain services (networks, peers, monitor, …) as they land. Handlers delegate to these and
 * never touch SQL or netlink themselves. Empty until those services exist.
 */
export interface AgentServices {}

/** Facts about the connection a call arrived on (diagnostics, audit). */
export interface ConnectionInfo {
  /** Per-process sequence number of the connection. */
  id: number;
  /** Live subscriptions on this connection right now. */
  subscriptions(): number;
}

export interface AgentContext {
  /** Who is on the other end (SSH user), for audit. */
  user: string;
  /** SSH client address, when known. */
  from?: string | undefined;
  /** Whether this process can change the kernel. */
  privileged: boolean;
  mode: AgentMode;
  connection: ConnectionInfo;
  services: AgentServices;
}

// isDev off: stack traces stay in the agent's log, never on the wire.
const t = initTRPC.context<AgentContext>().create({ errorFormatter: formatError, isDev: false });

export const router = t.router;
export const procedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
