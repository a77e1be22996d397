/**
 * Live connections to managed hosts: SSH session + installed agent, keyed by a connection id.
 * The Electron shell and browser mode both hold one HostManager (built by their composition root).
 */
import { randomUUID } from 'node:crypto';
import type { AgentHello } from '../../agent/src/rpc/protocol.js';
import { ensureAgent, findAgentBundle, type DeployProgress } from './agent-deploy.js';
import { openAgentSession, type AgentSession } from './agent-session.js';
import type { AppPaths } from './paths.js';
import { SshSession, type HostKeyInfo } from './ssh.js';

export interface ConnectRequest {
  host: string;
  port: number;
  username: string;
  privateKeyPath?: string | undefined;
  password?: string | undefined;
  /** The fingerprint the admin accepted in the trust dialog for an unknown host key. */
  acceptHostKey?: string | undefined;
}

export interface HostConnection {
  id: string;
  host: string;
  port: number;
  username: string;
  hostKey: HostKeyInfo;
  /** The agent's hello: version, protocol, mode (daemon / in-process), user, privileged. */
  agent: AgentHello;
  deployed: boolean;
}

export class HostManager {
  private readonly sessions = new Map<string, { session: SshSession; agent: AgentSession; info: HostConnection }>();

  constructor(private readonly paths: AppPaths) {}

  async connect(req: ConnectRequest, onProgress?: (p: DeployProgress) => void): Promise<HostConnection> {
    const session = await SshSession.connect({
      host: req.host,
      port: req.port,
      username: req.username,
      privateKeyPath: req.privateKeyPath,
      password: req.password,
      appKnownHostsPath: this.paths.knownHostsPath,
      confirmHostKey: async (info) => req.acceptHostKey !== undefined && info.fingerprint === req.acceptHostKey,
    });
    try {
      const bundle = findAgentBundle(this.paths.agentDistDir);
      const { launcher, deployed } = await ensureAgent(session, bundle, onProgress, { installDir: this.paths.remoteAgentDir });
      const agent = await openAgentSession(session, launcher);
      const info: HostConnection = { id: randomUUID(), host: req.host, port: req.port, username: req.username, hostKey: session.hostKey, agent: agent.hello, deployed };
      this.sessions.set(info.id, { session, agent, info });
      session.onClose(() => this.sessions.delete(info.id));
      // No reconnect yet: a host whose agent went away is no longer connected.
      void agent.closed.then(() => this.disconnect(info.id));
      return info;
    } catch (err) {
      session.close();
      throw err;
    }
  }

  /** The typed agent client of a connected host (for the renderer's proxy). */
  agent(id: string): AgentSession['client'] | undefined {
    return this.sessions.get(id)?.agent.client;
  }

  list(): HostConnection[] {
    return [...this.sessions.values()].map((s) => s.info);
  }

  disconnect(id: string): void {
    const s = this.sessions.get(id);
    s?.agent.close();
    s?.session.close();
    this.sessions.delete(id);
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.disconnect(id);
  }
}
