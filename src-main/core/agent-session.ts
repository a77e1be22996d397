/**
 * openAgentSession starts `wgpilot-agent stdio` on a host over an SSH exec channel and returns a
 * typed tRPC client on it. One long-lived channel per host: an exec costs ~0.2 s (shell rc files,
 * Node start), a call over the open channel ~0.1 ms.
 *
 * The agent's stderr is for humans: its tail is kept for error messages ("exited with status
 * 127: no Node.js runtime found") and handed to `onStderr`. It must be read either way, or a
 * chatty agent would fill the SSH window and stall the protocol.
 */
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import type { AgentHello } from '../../agent/src/rpc/protocol.js';
import type { AgentRouter } from '../../agent/src/rpc/router.js';
import { connectAgent, type AgentLinkError, type AgentLinkOptions } from './agent-link.js';
import { shellQuote, type SshSession } from './ssh.js';

/** How much of the agent's stderr to keep for error messages. */
const STDERR_TAIL_BYTES = 2048;

export interface AgentSession {
  hello: AgentHello;
  client: TRPCClient<AgentRouter>;
  /** Resolves with the reason once the agent connection has ended (agent exit, channel close). */
  closed: Promise<AgentLinkError>;
  close(): void;
}

export interface AgentSessionOptions extends Pick<AgentLinkOptions, 'helloTimeoutMs' | 'log'> {
  onStderr?: (text: string) => void;
}

export async function openAgentSession(ssh: SshSession, launcher: string, opts: AgentSessionOptions = {}): Promise<AgentSession> {
  // `exec` so the agent replaces the login shell: its pid and signals are the channel's own.
  const channel = await ssh.openChannel(`exec ${shellQuote(launcher)} stdio`);
  let stderrTail = '';
  let exit: string | undefined;
  channel.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stderrTail = (stderrTail + text).slice(-STDERR_TAIL_BYTES);
    opts.onStderr?.(text);
  });
  channel.on('exit', (code: number | null, signal?: string) => {
    exit = signal ? `killed by ${signal}` : `exited with status ${code}`;
  });
  const conn = await connectAgent(channel, {
    ...opts,
    peerName: ssh.host,
    describeEnd: () => [exit, lastWords(stderrTail)].filter(Boolean).join(': ') || undefined,
  });
  return {
    hello: conn.hello,
    client: createTRPCClient<AgentRouter>({ links: [conn.link] }),
    closed: conn.closed,
    close: () => conn.close(),
  };
}

/**
 * The line of the agent's stderr that best says why it ended: the last one that is not routine
 * (a JSON log line below warn, a stack frame, Node's closing "Node.js v20…"); a JSON log line
 * is reduced to its `msg`.
 */
function lastWords(text: string): string | undefined {
  for (const raw of text.split('\n').reverse()) {
    const line = raw.trim();
    if (!line || line.startsWith('at ') || /^Node\.js v\d/.test(line)) continue;
    if (!line.startsWith('{')) return line.slice(0, 300);
    try {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
      if ((entry.level === 'warn' || entry.level === 'error') && typeof entry.msg === 'string') return entry.msg;
    } catch {
      return line.slice(0, 300); // cut off mid-line: still the agent's own words
    }
  }
  return undefined;
}
