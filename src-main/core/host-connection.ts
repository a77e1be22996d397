/**
 * One managed host, from the first SSH handshake to the last reconnect: the SSH hops (jump hosts,
 * then the target), the agent deployed and started on it, and the state the UI shows
 * (connecting → deploying → connected ⇄ reconnecting → disconnected).
 *
 * Reconnect: when the agent connection ends without the app asking (the agent died, the channel
 * or the TCP connection dropped, SSH keepalive gave up), the host goes `reconnecting` and retries
 * with backoff (backoff.ts). An attempt reuses the SSH connection when it is still up (a dead
 * agent costs one exec), otherwise opens the hops again; it deploys nothing when the agent is
 * installed. Errors that another attempt cannot fix (a changed host key, refused credentials,
 * sudo refusing, a protocol mismatch) end the retries with `disconnected` and the reason.
 * Secrets (SSH password, passphrase, sudo password) stay in this object's memory for the
 * session's reconnects, and nowhere else.
 */
import type { AgentHello } from '../../agent/src/rpc/protocol.js';
import { agentStderrRelay } from './agent-stderr.js';
import { DeployError, ensureAgent, type AgentBundle, type DeployProgress } from './agent-deploy.js';
import { AgentLinkError } from './agent-link.js';
import type { SessionSource } from './agent-proxy.js';
import { openAgentSession, type AgentSession } from './agent-session.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { LogFn } from './log-file.js';
import type { ConnectTarget, Hop } from './host-target.js';
import { PrivilegeError, type PrivilegeMode } from './privilege.js';
import { execAsRoot } from './root-exec.js';
import { HostKeyError, SshError, SshSession, type HostKeyInfo } from './ssh.js';

export type HostState =
  | { status: 'connecting' }
  | { status: 'deploying'; phase: DeployProgress['phase']; sent?: number; total?: number }
  | { status: 'connected' }
  | { status: 'reconnecting'; attempt: number; delayMs: number; error: string }
  | { status: 'disconnected'; error?: { code: string; message: string } };

export interface HostInfo {
  id: string;
  label: string;
  profileId?: string | undefined;
  alias?: string | undefined;
  host: string;
  port: number;
  username: string;
  hostKey: HostKeyInfo;
  /** Host keys of the jump hosts, in order (each checked on its own). */
  jumpHostKeys: HostKeyInfo[];
  /** The agent's hello: version, protocol, mode (daemon / in-process), user, privileged. */
  agent: AgentHello;
  deployed: boolean;
  privilege: PrivilegeMode;
}

/** Secrets for one session, kept in memory only. */
export interface SessionSecrets {
  password?: string | undefined;
  passphrase?: string | undefined;
  sudoPassword?: string | undefined;
}

export interface HostConnectionDeps {
  bundle: () => AgentBundle;
  appKnownHostsPath: string;
  /** User known_hosts files for hops whose ssh config names none (default ~/.ssh/known_hosts). */
  userKnownHostsPaths?: string[] | undefined;
  /** Global known_hosts files for hops whose ssh config names none. */
  globalKnownHostsPaths?: string[] | undefined;
  agentSocket?: string | undefined;
  remoteAgentDir: string;
  /** Extra `stdio` arguments, e.g. `--state-dir D` to reach a daemon in a test state dir. */
  agentArgs?: string[] | undefined;
  backoff?: BackoffOptions | undefined;
  keepalive?: { intervalMs: number; countMax: number } | undefined;
  readyTimeoutMs?: number | undefined;
  /** The desktop log (log-file.ts); never receives a secret. */
  log: LogFn;
}

/** Errors another attempt cannot fix; `code` of each is the stable UI code. */
function isPermanent(err: unknown): boolean {
  if (err instanceof HostKeyError || err instanceof PrivilegeError) return true;
  if (err instanceof SshError) return err.code !== 'CONNECT_FAILED' && err.code !== 'TIMEOUT' && err.code !== 'CHANNEL_FAILED';
  if (err instanceof DeployError) return err.code !== 'INSTALL_FAILED';
  if (err instanceof AgentLinkError) return err.code === 'AGENT_PROTOCOL_MISMATCH';
  return false;
}

export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : 'INTERNAL';
}

export class HostConnection implements SessionSource {
  #state: HostState = { status: 'connecting' };
  #info: HostInfo | undefined;
  #chain: SshSession[] = [];
  #session: AgentSession | undefined;
  #launcher: string | undefined;
  /** SHA-256 of the install's SHA256SUMS, which the launcher checks as root before each start. */
  #verify: string | undefined;
  #privilege: PrivilegeMode | undefined;
  #gone: Error | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #sessionListeners = new Set<(s: AgentSession) => void>();
  readonly #goneListeners = new Set<(err: Error) => void>();

  constructor(
    readonly id: string,
    readonly target: ConnectTarget,
    private readonly secrets: SessionSecrets,
    private readonly deps: HostConnectionDeps,
    private readonly emit: (state: HostState) => void,
  ) {}

  get state(): HostState {
    return this.#state;
  }

  get info(): HostInfo | undefined {
    return this.#info;
  }

  /** The first connection; its errors go to the caller (no retries: the admin is watching). */
  async open(acceptHostKey?: string): Promise<HostInfo> {
    this.#set({ status: 'connecting' });
    try {
      await this.#establish(acceptHostKey);
      return this.#info!;
    } catch (err) {
      this.#closeChain();
      this.#end(err);
      throw err;
    }
  }

  current(): AgentSession | undefined {
    return this.#state.status === 'connected' ? this.#session : undefined;
  }

  next(timeoutMs = 5_000): Promise<AgentSession> {
    if (this.#gone) return Promise.reject(this.#gone);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new AgentLinkError('AGENT_CLOSED', `${this.target.label} did not reconnect within ${timeoutMs / 1000} s.`)), timeoutMs);
      const done = (err?: Error, s?: AgentSession) => {
        clearTimeout(timer);
        offS();
        offG();
        if (s) resolve(s);
        else reject(err!);
      };
      const offS = this.onSession((s) => done(undefined, s));
      const offG = this.onGone((err) => done(err));
    });
  }

  onSession(listener: (s: AgentSession) => void): () => void {
    this.#sessionListeners.add(listener);
    return () => this.#sessionListeners.delete(listener);
  }

  onGone(listener: (err: Error) => void): () => void {
    this.#goneListeners.add(listener);
    return () => this.#goneListeners.delete(listener);
  }

  /** Disconnects for good (the admin asked). */
  close(): void {
    this.#end(undefined);
  }

  async #establish(acceptHostKey?: string): Promise<void> {
    if (this.#chain.length === 0 || this.#chain.some((s) => s.closed)) {
      this.#closeChain();
      await this.#openChain(acceptHostKey);
    }
    const ssh = this.#chain.at(-1)!;
    let deployed = false;
    let session: AgentSession;
    for (let attempt = 0; ; attempt++) {
      if (!this.#launcher) deployed = (await this.#deploy(ssh, attempt > 0)) || deployed;
      try {
        session = await openAgentSession(ssh, this.#launcher!, {
          args: this.deps.agentArgs,
          privilege: this.#privilege,
          sudoPassword: this.secrets.sudoPassword,
          verify: this.#verify,
          log: this.deps.log,
          onStderr: agentStderrRelay(this.deps.log, this.target.label),
        });
        break;
      } catch (err) {
        // The installed agent did not start: check (and redeploy) on the next attempt. One that
        // failed its own check is reinstalled at once, once (a damaged file); a second refusal stands.
        if (!isPermanent(err)) this.#launcher = undefined;
        if (err instanceof DeployError && err.code === 'AGENT_UNVERIFIED' && attempt === 0) {
          this.deps.log('installed agent failed its check; reinstalling', { host: this.target.label, message: err.message });
          this.#launcher = undefined;
          continue;
        }
        throw err;
      }
    }
    if (this.#gone) {
      session.close();
      throw this.#gone;
    }
    this.#session = session;
    this.#privilege = session.privilege;
    const previous = this.#info;
    this.#info = {
      id: this.id,
      label: this.target.label,
      profileId: this.target.profileId,
      alias: this.target.alias,
      host: ssh.host,
      port: ssh.port,
      username: ssh.username,
      hostKey: ssh.hostKey,
      jumpHostKeys: this.#chain.slice(0, -1).map((s) => s.hostKey),
      agent: session.hello,
      deployed: previous ? previous.deployed : deployed,
      privilege: session.privilege,
    };
    void session.closed.then((why) => {
      if (this.#session === session && !this.#gone) this.#lost(why);
    });
    this.#set({ status: 'connected' });
    for (const l of this.#sessionListeners) l(session);
  }

  /** Installs the agent when the host lacks this bundle (as root: sudo with the session's password if it asks). */
  async #deploy(ssh: SshSession, force: boolean): Promise<boolean> {
    let lastPct = -1;
    const r = await ensureAgent(
      ssh,
      this.deps.bundle(),
      (p) => {
        if (p.phase === 'uploading') {
          const pct = Math.floor((p.sent / p.total) * 100);
          if (pct === lastPct) return;
          lastPct = pct;
        }
        this.#set(p.phase === 'uploading' ? { status: 'deploying', phase: p.phase, sent: p.sent, total: p.total } : { status: 'deploying', phase: p.phase });
      },
      {
        installDir: this.deps.remoteAgentDir,
        force,
        asRoot: async (argv) => {
          const { result, mode } = await execAsRoot(ssh, argv, { mode: this.#privilege, sudoPassword: this.secrets.sudoPassword });
          this.#privilege = mode;
          return result;
        },
      },
    );
    this.#launcher = r.launcher;
    this.#verify = r.verify;
    return r.deployed;
  }

  async #openChain(acceptHostKey?: string): Promise<void> {
    const chain: SshSession[] = [];
    try {
      for (const hop of this.target.hops) chain.push(await this.#connectHop(hop, chain.at(-1), acceptHostKey));
    } catch (err) {
      for (const s of chain.reverse()) s.close();
      throw err;
    }
    this.#chain = chain;
  }

  #connectHop(hop: Hop, via: SshSession | undefined, acceptHostKey: string | undefined): Promise<SshSession> {
    const d = this.deps;
    return SshSession.connect({
      host: hop.host,
      port: hop.port,
      username: hop.username,
      privateKeyPath: hop.auth === 'key' ? hop.privateKeyPath : undefined,
      passphrase: hop.auth === 'key' ? this.secrets.passphrase : undefined,
      password: hop.auth === 'password' ? this.secrets.password : undefined,
      agentSocket: hop.auth === 'agent' ? (d.agentSocket ?? process.env.SSH_AUTH_SOCK) : undefined,
      appKnownHostsPath: d.appKnownHostsPath,
      userKnownHostsPaths: hop.hostKeys?.userKnownHostsPaths ?? d.userKnownHostsPaths,
      globalKnownHostsPaths: hop.hostKeys?.globalKnownHostsPaths ?? d.globalKnownHostsPaths,
      strictHostKeyChecking: hop.hostKeys?.strictHostKeyChecking,
      hostKeyAlias: hop.hostKeys?.hostKeyAlias,
      confirmHostKey: async (info) => acceptHostKey !== undefined && info.fingerprint === acceptHostKey,
      keepaliveIntervalMs: d.keepalive?.intervalMs,
      keepaliveCountMax: d.keepalive?.countMax,
      readyTimeoutMs: d.readyTimeoutMs,
      via,
    });
  }

  #lost(why: AgentLinkError): void {
    this.deps.log('agent connection lost; reconnecting', { host: this.target.label, code: why.code, message: why.message }, 'warn');
    this.#session = undefined;
    void this.#retry(1, why.message);
  }

  async #retry(attempt: number, reason: string): Promise<void> {
    if (this.#gone) return;
    const delayMs = backoffDelay(attempt, this.deps.backoff);
    this.#set({ status: 'reconnecting', attempt, delayMs, error: reason });
    await new Promise<void>((resolve) => (this.#timer = setTimeout(resolve, delayMs)));
    if (this.#gone) return;
    try {
      await this.#establish();
    } catch (err) {
      if (this.#gone) return;
      this.deps.log('reconnect attempt failed', { host: this.target.label, attempt, code: errorCode(err), message: (err as Error).message }, 'warn');
      if (isPermanent(err)) {
        this.#closeChain();
        return this.#end(err);
      }
      void this.#retry(attempt + 1, (err as Error).message);
    }
  }

  #set(state: HostState): void {
    this.#state = state;
    this.emit(state);
  }

  #closeChain(): void {
    for (const s of this.#chain.reverse()) s.close();
    this.#chain = [];
  }

  /** Ends the host for good: with `err` when something failed, without when the admin asked. */
  #end(err: unknown): void {
    if (this.#gone) return;
    clearTimeout(this.#timer);
    const message = err instanceof Error ? err.message : `${this.target.label} was disconnected.`;
    this.#gone = err instanceof Error ? err : new AgentLinkError('AGENT_CLOSED', message);
    this.#session?.close();
    this.#session = undefined;
    this.#closeChain();
    this.#set(err === undefined ? { status: 'disconnected' } : { status: 'disconnected', error: { code: errorCode(err), message } });
    for (const l of this.#goneListeners) l(this.#gone);
    this.#goneListeners.clear();
    this.#sessionListeners.clear();
  }
}
