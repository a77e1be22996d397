/**
 * openAgentSession starts `wgpilot-agent stdio` on a host over an SSH exec channel and returns a
 * typed tRPC client on it. One long-lived channel per host: an exec costs ~0.2 s (shell rc files,
 * Node start), a call over the open channel ~0.1 ms.
 *
 * Non-root users get root through sudo (privilege.ts): `sudo -n` first, and `sudo -S` with the
 * session's password only when sudo says it needs one. The mode that worked is returned, so a
 * reconnect goes straight to it.
 *
 * The agent's stderr is for humans: its tail is kept for error messages ("exited with status
 * 127: no Node.js runtime found") and handed to `onStderr`. It must be read either way, or a
 * chatty agent would fill the SSH window and stall the protocol.
 */
import { createTRPCClient, type TRPCClient, type TRPCLink } from '@trpc/client';
import type { AgentHello } from '../../agent/src/rpc/protocol.js';
import type { AgentRouter } from '../../agent/src/rpc/router.js';
import { DeployError } from './agent-deploy.js';
import { AgentLinkError, connectAgent, type AgentLinkOptions } from './agent-link.js';
import { agentCommand, classifySudoFailure, PrivilegeError, sudoPrompt, type PrivilegeMode } from './privilege.js';
import { watchSudo } from './root-exec.js';
import type { SshSession } from './ssh.js';

export interface AgentSession {
  hello: AgentHello;
  client: TRPCClient<AgentRouter>;
  /** The raw terminating link (the desktop's agent proxy forwards operations through it). */
  link: TRPCLink<AgentRouter>;
  /** How the agent got its privileges. */
  privilege: PrivilegeMode;
  /** Resolves with the reason once the agent connection has ended (agent exit, channel close). */
  closed: Promise<AgentLinkError>;
  close(): void;
}

export interface AgentSessionOptions extends Pick<AgentLinkOptions, 'helloTimeoutMs' | 'log'> {
  onStderr?: (text: string) => void;
  /** Extra arguments of `stdio` (e.g. `--state-dir D`). */
  args?: readonly string[];
  /** Start with this mode (a reconnect reuses what worked); default: root for root, else `sudo -n`. */
  privilege?: PrivilegeMode;
  /** The user's sudo password, used only when sudo asks for one. */
  sudoPassword?: string;
  /** The SHA-256 of the install's SHA256SUMS: the launcher checks the install against it first. */
  verify?: string;
}

export async function openAgentSession(ssh: SshSession, launcher: string, opts: AgentSessionOptions = {}): Promise<AgentSession> {
  const first: PrivilegeMode = ssh.username === 'root' ? 'root' : opts.privilege === 'sudo-password' && opts.sudoPassword !== undefined ? 'sudo-password' : 'sudo';
  try {
    return await start(ssh, launcher, first, opts);
  } catch (err) {
    if (!(err instanceof PrivilegeError) || err.code !== 'SUDO_PASSWORD_REQUIRED' || first !== 'sudo' || opts.sudoPassword === undefined) throw err;
    return start(ssh, launcher, 'sudo-password', opts);
  }
}

async function start(ssh: SshSession, launcher: string, mode: PrivilegeMode, opts: AgentSessionOptions): Promise<AgentSession> {
  const prompt = sudoPrompt();
  const channel = await ssh.openChannel(agentCommand(launcher, opts.args ?? [], mode, prompt, opts.verify));
  const sudo = watchSudo(channel, { mode, prompt, password: opts.sudoPassword, onStderr: opts.onStderr });
  let exit: string | undefined;
  let exitCode: number | null = null;
  channel.on('exit', (code: number | null, signal?: string) => {
    exitCode = code;
    exit = signal ? `killed by ${signal}` : `exited with status ${code}`;
  });
  let conn;
  try {
    conn = await connectAgent<AgentRouter>(channel, {
      ...opts,
      peerName: ssh.host,
      describeEnd: () => [exit, lastWords(sudo.tail())].filter(Boolean).join(': ') || undefined,
    });
  } catch (err) {
    if (err instanceof AgentLinkError && err.code === 'AGENT_NO_HELLO') {
      const refusal = /wgpilot-agent: refusing to run[^\n]*/.exec(sudo.tail());
      if (refusal) throw new DeployError('AGENT_UNVERIFIED', `The agent installed on ${ssh.host} failed its check and was not run: ${refusal[0]}.`, { cause: err });
      const why = mode === 'root' ? null : classifySudoFailure(sudo.tail(), exitCode, { user: ssh.username, host: ssh.host });
      if (why) throw why;
    }
    throw err;
  }
  return {
    hello: conn.hello,
    client: createTRPCClient<AgentRouter>({ links: [conn.link] }),
    link: conn.link,
    privilege: mode,
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
