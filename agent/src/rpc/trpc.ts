/**
 * The agent's one tRPC instance (`initTRPC` once) and the context every procedure receives.
 * The instance is immutable configuration, not state; per-connection state lives in the context
 * that the carrier builds for each connection.
 */
import { initTRPC } from '@trpc/server';
import type { DomainServices } from '../services/index.js';
import type { AgentMode } from './protocol.js';
import { formatError } from './errors.js';

/**
 * AgentServices is what the composition root (the `serve`/`stdio`/`call` command) hands to
 * procedures. Handlers delegate to these and never touch SQL or netlink themselves. `domain`
 * (networks, peers, bridges, reconcile, monitor, admin) is absent in a process that only
 * serves the protocol (carrier tests); its procedures then answer UNSUPPORTED.
 */
export interface AgentServices {
  domain?: DomainServices;
  /**
   * Opens `domain` on first use (in-process carriers: a session that only pings creates no
   * database and touches no kernel). Memoized by the composition root.
   */
  openDomain?: () => Promise<DomainServices | undefined>;
}

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
