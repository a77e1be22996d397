/**
 * Who is on the other end of a connection and what this process may do, as the hello and the
 * context report them (agent/PROTOCOL.md "Hello").
 */
import fs from 'node:fs';
import os from 'node:os';
import type { AgentMode, AgentHello, ClientIdentity } from './protocol.js';
import { AGENT_VERSION, PROTOCOL_VERSION } from '../version.js';

/** Linux capability number of CAP_NET_ADMIN (linux/capability.h): enough to drive netlink. */
const CAP_NET_ADMIN = 12n;

/**
 * clientIdentityFromEnv names the SSH user behind this process: SUDO_USER first (the login that
 * ran `sudo wgpilot-agent stdio`), then LOGNAME/USER as sshd sets them, then the uid's own name.
 * SSH_CONNECTION ("client-ip client-port server-ip server-port") gives the client address.
 */
export function clientIdentityFromEnv(env: NodeJS.ProcessEnv = process.env): ClientIdentity {
  const user = env.SUDO_USER || env.LOGNAME || env.USER || safeUserName();
  const from = env.SSH_CONNECTION?.split(' ')[0] || undefined;
  return { user, from };
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** isPrivileged: uid 0, or CAP_NET_ADMIN in the effective set (read from /proc/self/status). */
export function isPrivileged(uid = process.getuid?.() ?? -1, statusPath = '/proc/self/status'): boolean {
  if (uid === 0) return true;
  try {
    const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(statusPath, 'utf8'))?.[1];
    return capEff !== undefined && ((BigInt(`0x${capEff}`) >> CAP_NET_ADMIN) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** The hello this process sends for a connection acting for `client`. */
export function makeHello(mode: AgentMode, client: ClientIdentity, capabilities: string[]): AgentHello {
  const uid = process.getuid?.() ?? -1;
  return {
    version: AGENT_VERSION,
    protocol: PROTOCOL_VERSION,
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    pid: process.pid,
    mode,
    capabilities,
    user: client.user,
    uid,
    privileged: isPrivileged(uid),
  };
}
