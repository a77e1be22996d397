/**
 * HostManager: the desktop's hosts — saved profiles, `~/.ssh/config` aliases, and the live
 * connections (several at once), each a HostConnection with its own state and reconnects. The
 * Electron shell and browser mode each build one (their composition roots); tests build several
 * to act as several desktops.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { createTRPCClient, createTRPCUntypedClient, type TRPCClient, type TRPCLink, type TRPCUntypedClient } from '@trpc/client';
import type { AgentRouter } from '../../agent/src/rpc/router.js';
import { findAgentBundle, type AgentBundle } from './agent-deploy.js';
import { resilientLink } from './agent-proxy.js';
import type { BackoffOptions } from './backoff.js';
import { summarizeKnownKey } from './host-key-check.js';
import { HostConnection as Connection, type HostConnectionDeps, type HostInfo, type HostState, type SessionSecrets } from './host-connection.js';
import { resolveTarget, type AdHocTarget, type ConnectTarget, type Hop } from './host-target.js';
import { knownHostsName, lookupKnownHost, removeKnownHost } from './known-hosts.js';
import type { LogFn } from './log-file.js';
import type { AppPaths } from './paths.js';
import { ProfileError, ProfileStore, type HostProfile } from './profiles.js';
import { noSecretStore, type SecretKind, type SecretStore } from './secrets.js';
import { listSshAliases } from './ssh-config.js';

export type { HostInfo, HostState } from './host-connection.js';

const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
/** A connected host as the renderer lists it (the name its store imports). */
export type HostConnection = HostInfo;

/** What to connect to: a saved profile, an ssh-config alias, or the form's fields. */
export interface ConnectRequest extends Partial<AdHocTarget>, SessionSecrets {
  profileId?: string | undefined;
  /** The fingerprint the admin accepted in the trust dialog for an unknown host key. */
  acceptHostKey?: string | undefined;
  /**
   * Keep the SSH password / key passphrase in the SecretStore (only where it is persistent: a
   * real OS keychain). The sudo password is never kept.
   */
  remember?: boolean | undefined;
}

/** "Forget the old key": which hop of a target, and the fingerprints the admin saw and checked. */
export interface ForgetHostKeyRequest extends Partial<AdHocTarget> {
  profileId?: string | undefined;
  /** The hop whose key changed (HostKeyInfo.host/port of the HOST_KEY_CHANGED error). */
  keyHost: { host: string; port: number };
  /** Only keys with these fingerprints are forgotten (those the dialog showed). */
  fingerprints: string[];
}

export interface ForgetHostKeyResult {
  /** `file` of each line removed. */
  removed: string[];
  /** Keys still on file where the app does not write (system-wide files), as `file:line`. */
  remaining: string[];
}

export interface HostStateEvent {
  hostId: string;
  label: string;
  state: HostState;
}

export interface HostManagerOptions {
  secrets?: SecretStore;
  /** The desktop log (log-file.ts): connection states, reconnects, the agents' stderr; never a secret. */
  log?: LogFn;
  /** Default: ~/.ssh/config. */
  sshConfigPath?: string;
  /** For hops whose ssh config names none. Default: ~/.ssh/known_hosts. */
  userKnownHostsPaths?: string[];
  /** For hops whose ssh config names none. Default: /etc/ssh/ssh_known_hosts, …2. */
  globalKnownHostsPaths?: string[];
  /** Resolves ssh-config aliases (`ssh -G`); null = wgpilot's parser. Default: `ssh` on PATH. */
  sshBinary?: string | null;
  agentSocket?: string;
  /** Overrides paths.remoteAgentDir. */
  remoteAgentDir?: string;
  agentArgs?: string[];
  backoff?: BackoffOptions;
  keepalive?: { intervalMs: number; countMax: number };
  readyTimeoutMs?: number;
  /** Overrides the bundle found in paths.agentDistDir. */
  bundle?: AgentBundle;
}

export class HostManager {
  readonly profiles: ProfileStore;
  readonly #hosts = new Map<string, { conn: Connection; link: TRPCLink<AgentRouter>; client: TRPCClient<AgentRouter>; untyped: TRPCUntypedClient<AgentRouter> }>();
  /** Emits 'state' with a HostStateEvent on every host state change. */
  readonly events = new EventEmitter();
  readonly #secrets: SecretStore;
  #bundle: AgentBundle | undefined;

  constructor(
    private readonly paths: AppPaths,
    private readonly opts: HostManagerOptions = {},
  ) {
    this.profiles = new ProfileStore(path.join(paths.dataDir, 'profiles.json'));
    this.#secrets = opts.secrets ?? noSecretStore;
    this.#bundle = opts.bundle;
    this.events.setMaxListeners(0);
  }

  /** Concrete Host aliases of the ssh config, for the "add host" form. */
  aliases(): string[] {
    return listSshAliases({ configPath: this.opts.sshConfigPath });
  }

  /** Connects a host; progress and later reconnects are reported through `onState`. */
  async connect(req: ConnectRequest, opts: { hostId?: string } = {}): Promise<HostInfo> {
    const { profile, target } = this.#resolve(req);
    const secrets = await this.#sessionSecrets(profile?.id, req);
    const id = opts.hostId ?? randomUUID();
    if (this.#hosts.has(id)) throw new Error(`host id ${id} is in use`);
    const conn = new Connection(id, target, secrets, this.#deps(), (state) => {
      this.#logState(target.label, state);
      this.events.emit('state', { hostId: id, label: target.label, state } satisfies HostStateEvent);
      if (state.status === 'disconnected') this.#hosts.delete(id);
    });
    const link = resilientLink(conn);
    this.#hosts.set(id, { conn, link, client: createTRPCClient<AgentRouter>({ links: [link] }), untyped: createTRPCUntypedClient<AgentRouter>({ links: [link] }) });
    const info = await conn.open(req.acceptHostKey);
    if (profile && req.remember) await this.#remember(profile.id, req);
    return info;
  }

  /** The typed agent client of a host; it follows the host through reconnects. */
  agent(id: string): TRPCClient<AgentRouter> | undefined {
    return this.#hosts.get(id)?.client;
  }

  /** The untyped client the desktop router's agent proxy forwards through. */
  agentUntyped(id: string): TRPCUntypedClient<AgentRouter> | undefined {
    return this.#hosts.get(id)?.untyped;
  }

  /** The raw (resilient) link, for proxying subscriptions with their event ids. */
  agentLink(id: string): TRPCLink<AgentRouter> | undefined {
    return this.#hosts.get(id)?.link;
  }

  list(): HostInfo[] {
    return [...this.#hosts.values()].flatMap((h) => (h.conn.info ? [h.conn.info] : []));
  }

  states(): HostStateEvent[] {
    return [...this.#hosts.values()].map((h) => ({ hostId: h.conn.id, label: h.conn.target.label, state: h.conn.state }));
  }

  /** Calls `listener` on every state change of every host; returns the unsubscriber. */
  onState(listener: (e: HostStateEvent) => void): () => void {
    this.events.on('state', listener);
    return () => void this.events.off('state', listener);
  }

  disconnect(id: string): void {
    this.#hosts.get(id)?.conn.close();
    this.#hosts.delete(id);
  }

  closeAll(): void {
    for (const id of [...this.#hosts.keys()]) this.disconnect(id);
  }

  /**
   * Forgets a host key the admin has checked after HOST_KEY_CHANGED, like `ssh-keygen -R`: the
   * keys with the given fingerprints filed under that hop's name are removed from the app's
   * known_hosts and the user's known_hosts files of its ssh config. System-wide files are left
   * alone and reported in `remaining` (they need root: `sudo ssh-keygen -R name -f file`).
   */
  forgetHostKey(req: ForgetHostKeyRequest): ForgetHostKeyResult {
    const { target } = this.#resolve(req);
    const hop = target.hops.find((h) => h.host === req.keyHost.host && h.port === req.keyHost.port);
    if (!hop) throw new ProfileError('PROFILE_INVALID', `${req.keyHost.host}:${req.keyHost.port} is not a hop of ${target.label}.`);
    const { name, userFiles, globalFiles } = this.#keyFiles(hop);
    const app = this.paths.knownHostsPath;
    const wanted = new Set(req.fingerprints);
    const keys = new Set(lookupKnownHost([...userFiles, ...globalFiles, app], name).filter((k) => !k.revoked && wanted.has(summarizeKnownKey(k).fingerprint)).map((k) => k.key));
    const removed: string[] = [];
    if (keys.size > 0) {
      for (const file of new Set([app, ...userFiles])) {
        for (let n = removeKnownHost(file, name, keys); n > 0; n--) removed.push(file);
      }
    }
    const remaining = lookupKnownHost([...userFiles, ...globalFiles, app], name).filter((k) => keys.has(k.key)).map((k) => k.source);
    this.opts.log?.('host key forgotten', { host: hop.host, port: hop.port, removed, remaining });
    return { removed, remaining };
  }

  /**
   * Removes a saved profile and what the app kept for it: its remembered secrets, and its host's
   * keys in the app's own known_hosts (unless another profile still reaches the same host).
   * The user's own ~/.ssh/known_hosts belongs to OpenSSH and is not touched.
   */
  async removeProfile(id: string): Promise<void> {
    const profile = this.profiles.get(id);
    this.profiles.remove(id);
    await this.#secrets.delete(id);
    const nameOf = (p: HostProfile) => {
      try {
        return this.#keyFiles(this.#resolve({ profileId: p.id }, p).target.hops.at(-1)!).name;
      } catch {
        return undefined;
      }
    };
    const name = nameOf(profile);
    if (name !== undefined && !this.profiles.list().some((p) => nameOf(p) === name)) removeKnownHost(this.paths.knownHostsPath, name);
  }

  /** The profile (if any) and the hops a request stands for. */
  #resolve(req: Partial<AdHocTarget> & { profileId?: string | undefined; password?: string | undefined }, known?: HostProfile): { profile: HostProfile | undefined; target: ConnectTarget } {
    const profile = known ?? (req.profileId ? this.profiles.get(req.profileId) : undefined);
    const base: AdHocTarget & { id?: string } = profile ?? {
      host: req.host ?? '',
      port: req.port ?? 22,
      user: req.user ?? '',
      auth: req.auth ?? (req.keyPath ? 'key' : req.password !== undefined ? 'password' : 'agent'),
      keyPath: req.keyPath,
      jump: req.jump,
      alias: req.alias,
      name: req.name,
    };
    return { profile, target: resolveTarget(base, { sshConfigPath: this.opts.sshConfigPath, sshBinary: this.opts.sshBinary }) };
  }

  /** The name a hop's keys are filed under and the known_hosts files that apply to it. */
  #keyFiles(hop: Hop): { name: string; userFiles: string[]; globalFiles: string[] } {
    const d = this.#deps();
    return {
      name: knownHostsName(hop.host, hop.port, hop.hostKeys?.hostKeyAlias),
      userFiles: hop.hostKeys?.userKnownHostsPaths ?? d.userKnownHostsPaths ?? [],
      globalFiles: hop.hostKeys?.globalKnownHostsPaths ?? d.globalKnownHostsPaths ?? [],
    };
  }

  #deps(): HostConnectionDeps {
    const o = this.opts;
    return {
      bundle: () => (this.#bundle ??= findAgentBundle(this.paths.agentDistDir)),
      appKnownHostsPath: this.paths.knownHostsPath,
      userKnownHostsPaths: o.userKnownHostsPaths ?? [path.join(os.homedir(), '.ssh', 'known_hosts')],
      globalKnownHostsPaths: o.globalKnownHostsPaths ?? DEFAULT_GLOBAL_KNOWN_HOSTS,
      agentSocket: o.agentSocket,
      remoteAgentDir: o.remoteAgentDir ?? this.paths.remoteAgentDir,
      agentArgs: o.agentArgs,
      backoff: o.backoff,
      keepalive: o.keepalive,
      readyTimeoutMs: o.readyTimeoutMs,
      log: o.log ?? (() => {}),
    };
  }

  /** Whether "remember" is offered, and if not, why (the UI shows it). */
  secretStorage(): { persistent: boolean; reason?: string | undefined } {
    return { persistent: this.#secrets.persistent, reason: this.#secrets.persistent ? undefined : this.#secrets.unavailableReason };
  }

  /** One line per state change; deploy progress only at its phases, not per percent. */
  #logState(host: string, state: HostState): void {
    const log = this.opts.log;
    if (!log || (state.status === 'deploying' && state.phase === 'uploading' && state.sent !== 0)) return;
    const { status, ...details } = state;
    const level = status === 'reconnecting' || (status === 'disconnected' && state.error) ? 'warn' : 'info';
    log(`host ${status}`, { host, ...details }, level);
  }

  /** This session's secrets: what the request carries, else what the store kept for the profile (never sudo's). */
  async #sessionSecrets(profileId: string | undefined, req: ConnectRequest): Promise<SessionSecrets> {
    const kept = async (kind: SecretKind) => (profileId ? this.#secrets.get(profileId, kind) : undefined);
    return {
      password: req.password ?? (await kept('password')),
      passphrase: req.passphrase ?? (await kept('passphrase')),
      sudoPassword: req.sudoPassword,
    };
  }

  async #remember(profileId: string, req: ConnectRequest): Promise<void> {
    if (!this.#secrets.persistent) return;
    if (req.password !== undefined) await this.#secrets.set(profileId, 'password', req.password);
    if (req.passphrase !== undefined) await this.#secrets.set(profileId, 'passphrase', req.passphrase);
  }
}
