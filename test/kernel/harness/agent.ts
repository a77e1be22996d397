/**
 * agentSession runs the built agent in the guest the way the desktop runs it over SSH —
 * `wgpilot-agent stdio` — and connects the desktop's own link (src-main/core/agent-link.ts) to
 * its stdin/stdout through the control channel, so scenarios call the real API, typed:
 * `await session.client.networks.create.mutate({…})`.
 *
 * Timers are off (reconcile and monitor run when a scenario asks), so a scenario sees only
 * the changes it makes; link events still trigger reconcile, as in production.
 */
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import type { AgentRouter } from '../../../agent/src/rpc/router.js';
import { connectAgent, type AgentConnection } from '../../../src-main/core/agent-link.js';
import type { GuestProcess, GuestVm } from './vm.js';

/** The agent under TCG answers its hello after loading its bundle: seconds, not milliseconds. */
const HELLO_TIMEOUT_MS = 120_000;

export interface AgentSession {
  client: TRPCClient<AgentRouter>;
  conn: AgentConnection;
  process: GuestProcess;
  stateDir: string;
  close(): Promise<void>;
}

export interface AgentSessionOptions {
  /** State directory in the guest (default: a fresh one under /tmp). */
  stateDir?: string;
  /** Manage this network namespace instead of the guest's own (`--netns`). */
  netns?: string;
  /** Auto-named interfaces are <prefix><n> (default wg). */
  interfacePrefix?: string;
  env?: Record<string, string>;
}

let sessions = 0;

export async function agentSession(vm: GuestVm, opts: AgentSessionOptions = {}): Promise<AgentSession> {
  const stateDir = opts.stateDir ?? `/tmp/wgpilot-state-${++sessions}`;
  const argv = [
    '/opt/wgpilot-agent/wgpilot-agent',
    'stdio',
    '--state-dir',
    stateDir,
    ...(opts.netns ? ['--netns', opts.netns] : []),
    ...(opts.interfacePrefix ? ['--interface-prefix', opts.interfacePrefix] : []),
  ];
  const proc = vm.spawn(argv, { WGPILOT_RECONCILE_INTERVAL_MS: '0', WGPILOT_MONITOR_INTERVAL_MS: '0', LOGNAME: 'kernel-tier', ...opts.env });
  const conn = await connectAgent(proc, {
    peerName: `the agent in the ${vm.release} guest`,
    helloTimeoutMs: HELLO_TIMEOUT_MS,
    describeEnd: () => proc.stderr().slice(-2000) || undefined,
  });
  return {
    client: createTRPCClient<AgentRouter>({ links: [conn.link] }),
    conn,
    process: proc,
    stateDir,
    async close() {
      conn.close();
      proc.end();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}
