/**
 * Protocol types and limits shared by the agent's carriers and (as types only) the desktop's
 * link. The prose contract is agent/PROTOCOL.md; the numbers here are the ones it names. Limits
 * are literal-typed so the desktop can restate them as constants that fail to type-check when
 * they drift (`const X: typeof MAX_LINE_BYTES = 16_777_216`).
 */
import type { AgentInfo } from '../version.js';

/** Longest line either side buffers (newline excluded): bounds per-connection memory. */
export const MAX_LINE_BYTES = 16_777_216;
/** Non-JSON lines tolerated per connection (shell banners) before it counts as garbage. */
export const MAX_SKIPPED_LINES = 100;
/** Live requests + subscriptions per connection; more are answered `BUSY`. */
export const MAX_LIVE_REQUESTS = 1024;
/** How long the daemon waits for a socket client's `identify` line. */
export const IDENTIFY_TIMEOUT_MS = 10_000;

export type AgentMode = 'daemon' | 'in-process';

/** The agent's first line on every connection, under the key `hello`. */
export interface AgentHello extends AgentInfo {
  pid: number;
  mode: AgentMode;
  /** Top-level router namespaces served ("system", later "networks", …). */
  capabilities: string[];
  /** Who is on the other end (SSH user), for audit. */
  user: string;
  /** uid of the process serving the connection. */
  uid: number;
  /** Whether that process can change the kernel (uid 0 or CAP_NET_ADMIN). */
  privileged: boolean;
}

export interface HelloMessage {
  hello: AgentHello;
}

/** Who a connection acts for: from the stdio process's environment, or an `identify` line. */
export interface ClientIdentity {
  user: string;
  /** The SSH client's address, from SSH_CONNECTION, when known. */
  from?: string | undefined;
}

/** The first line a daemon-socket client sends. */
export interface IdentifyMessage {
  identify: ClientIdentity;
}
