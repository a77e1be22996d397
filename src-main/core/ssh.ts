/**
 * SSH sessions to managed hosts (ssh2), with OpenSSH-style host key checking.
 *
 * Host keys are checked against the known_hosts files the ssh config names for the host (user
 * and global; `~/.ssh/known_hosts` by default) and the app's own known_hosts, under the host's
 * `HostKeyAlias` when it has one. The decision is host-key-check.ts's: a known key connects; a
 * key that differs from any known key (of any type) is refused like OpenSSH's "REMOTE HOST
 * IDENTIFICATION HAS CHANGED"; an unknown key is shown to the admin by fingerprint
 * (`confirmHostKey`) or accepted/refused at once per StrictHostKeyChecking, and once trusted
 * appended to the app's file.
 */
import fs from 'node:fs';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { judgeHostKey, preferredHostKeyAlgorithms, type KnownKeySummary, type StrictHostKeyChecking } from './host-key-check.js';
import { addKnownHost, fingerprint, keyTypeOfBlob, knownHostsName, lookupKnownHost } from './known-hosts.js';

export interface HostKeyInfo {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  /** The ssh config's HostKeyAlias for this host, when its keys are filed under that name. */
  hostKeyAlias?: string | undefined;
  /** HOST_KEY_CHANGED: the keys on file for the host, which the presented key does not match. */
  knownKeys?: KnownKeySummary[] | undefined;
}

/** Where a host's keys are looked up and how unknown keys are treated (from the ssh config). */
export interface HostKeyPolicy {
  /** User known_hosts files (default: ~/.ssh/known_hosts). */
  userKnownHostsPaths?: string[] | undefined;
  /** System-wide known_hosts files (default: none). */
  globalKnownHostsPaths?: string[] | undefined;
  /** Default: ask (through `confirmHostKey`). */
  strictHostKeyChecking?: StrictHostKeyChecking | undefined;
  hostKeyAlias?: string | undefined;
}

export interface ConnectOptions extends HostKeyPolicy {
  host: string;
  port?: number;
  username: string;
  /** Path of a private key file; `passphrase` unlocks an encrypted one. */
  privateKeyPath?: string;
  passphrase?: string;
  password?: string;
  /** Use the ssh-agent at this socket (default: $SSH_AUTH_SOCK when no key or password is given). */
  agentSocket?: string;
  /** The app's own known_hosts file; unknown keys the admin trusts are appended here. */
  appKnownHostsPath: string;
  /** Asked when the host key is unknown; resolve true to trust it. Absent: unknown keys are refused. */
  confirmHostKey?: (info: HostKeyInfo) => Promise<boolean>;
  readyTimeoutMs?: number;
  /**
   * SSH keepalive: a peer silent for interval × countMax is declared dead and the connection
   * closed (default 15 s × 3). Reconnect tests shorten it to notice a pulled link quickly.
   */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Reach the host through this already connected session (ProxyJump); its host key is checked on its own. */
  via?: SshSession;
}

/** A host key problem that stops the connection; `code` is stable for the UI. */
export class HostKeyError extends Error {
  constructor(
    readonly code: 'HOST_KEY_UNKNOWN' | 'HOST_KEY_CHANGED' | 'HOST_KEY_REVOKED',
    readonly info: HostKeyInfo,
    message: string,
  ) {
    super(message);
    this.name = 'HostKeyError';
  }
}

export class SshError extends Error {
  constructor(
    readonly code: 'AUTH_FAILED' | 'PASSPHRASE_REQUIRED' | 'PASSPHRASE_WRONG' | 'KEY_UNREADABLE' | 'CONNECT_FAILED' | 'TIMEOUT' | 'CHANNEL_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SshError';
  }
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export const defaultUserKnownHosts = (): string[] => [`${process.env.HOME ?? ''}/.ssh/known_hosts`];

/** Every known_hosts file consulted for a host: the config's user and global files, then the app's. */
export function knownHostsFiles(policy: HostKeyPolicy, appKnownHostsPath: string): string[] {
  return [...(policy.userKnownHostsPaths ?? defaultUserKnownHosts()), ...(policy.globalKnownHostsPaths ?? []), appKnownHostsPath];
}

type Check = { ok: true } | { ok: false; error: HostKeyError } | { ok: 'ask' | 'accept'; info: HostKeyInfo };

function checkHostKey(opts: ConnectOptions, port: number, blob: Buffer): Check {
  const name = knownHostsName(opts.host, port, opts.hostKeyAlias);
  const info: HostKeyInfo = { host: opts.host, port, keyType: keyTypeOfBlob(blob), fingerprint: fingerprint(blob), hostKeyAlias: opts.hostKeyAlias };
  const verdict = judgeHostKey(lookupKnownHost(knownHostsFiles(opts, opts.appKnownHostsPath), name), blob.toString('base64'), opts.strictHostKeyChecking ?? 'ask');
  const where = opts.hostKeyAlias ? `${opts.host}:${port} (HostKeyAlias ${opts.hostKeyAlias})` : `${opts.host}:${port}`;
  switch (verdict.kind) {
    case 'trusted':
      return { ok: true };
    case 'revoked':
      return { ok: false, error: new HostKeyError('HOST_KEY_REVOKED', info, `The host key of ${where} (${info.fingerprint}) is marked @revoked.`) };
    case 'changed':
      return {
        ok: false,
        error: new HostKeyError(
          'HOST_KEY_CHANGED',
          { ...info, knownKeys: verdict.known },
          `The host key of ${where} has CHANGED: it presented ${info.keyType} ${info.fingerprint}, but ${verdict.known
            .map((k) => `${k.keyType} ${k.fingerprint} (${k.source})`)
            .join(', ')} is on file. Someone could be eavesdropping, or the host was reinstalled. Connection refused; forget the old key only once you have checked the new fingerprint on the host.`,
        ),
      };
    case 'unknown':
      if (verdict.action === 'refuse') {
        return { ok: false, error: new HostKeyError('HOST_KEY_UNKNOWN', info, `The host key of ${where} (${info.keyType} ${info.fingerprint}) is not on file, and the ssh config says StrictHostKeyChecking yes.`) };
      }
      return { ok: verdict.action, info };
  }
}

/** One authenticated SSH connection to a host. */
export class SshSession {
  #closed = false;

  private constructor(
    private readonly client: Client,
    readonly host: string,
    readonly port: number,
    readonly username: string,
    readonly hostKey: HostKeyInfo,
  ) {
    client.on('close', () => (this.#closed = true));
    // After 'ready', errors (a reset, a keepalive timeout) are followed by 'close'; without a
    // listener an 'error' event would be thrown and take the process down.
    client.on('error', () => {});
  }

  /** True once the connection has ended (closed by either side, or declared dead by keepalive). */
  get closed(): boolean {
    return this.#closed;
  }

  static async connect(opts: ConnectOptions): Promise<SshSession> {
    const port = opts.port ?? 22;
    const client = new Client();
    let hostKeyInfo: HostKeyInfo | undefined;
    let hostKeyFailure: HostKeyError | undefined;

    const config: ConnectConfig = {
      host: opts.host,
      port,
      username: opts.username,
      readyTimeout: opts.readyTimeoutMs ?? 15_000,
      // A dead peer ends the agent channel within ~45 s instead of hanging it (agent/PROTOCOL.md, Keepalive).
      keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: opts.keepaliveCountMax ?? 3,
      hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
        const check = checkHostKey(opts, port, blob);
        hostKeyInfo = { host: opts.host, port, keyType: keyTypeOfBlob(blob), fingerprint: fingerprint(blob), hostKeyAlias: opts.hostKeyAlias };
        if (check.ok === true) return verify(true);
        if (check.ok === false) {
          hostKeyFailure = check.error;
          return verify(false);
        }
        const trust = () => addKnownHost(opts.appKnownHostsPath, knownHostsName(opts.host, port, opts.hostKeyAlias), check.info.keyType, blob.toString('base64'));
        if (check.ok === 'accept') {
          trust();
          return verify(true);
        }
        const unknown = new HostKeyError(
          'HOST_KEY_UNKNOWN',
          check.info,
          `The authenticity of ${opts.host}:${port} can't be established: ${check.info.keyType} key fingerprint is ${check.info.fingerprint}.`,
        );
        if (!opts.confirmHostKey) {
          hostKeyFailure = unknown;
          return verify(false);
        }
        opts.confirmHostKey(check.info).then(
          (accepted) => {
            if (accepted) trust();
            else hostKeyFailure = unknown;
            verify(accepted);
          },
          () => {
            hostKeyFailure = unknown;
            verify(false);
          },
        );
      },
    };
    const serverHostKey = preferredHostKeyAlgorithms(lookupKnownHost(knownHostsFiles(opts, opts.appKnownHostsPath), knownHostsName(opts.host, port, opts.hostKeyAlias)));
    if (serverHostKey) config.algorithms = { serverHostKey: serverHostKey as NonNullable<NonNullable<ConnectConfig['algorithms']>['serverHostKey']> };
    if (opts.privateKeyPath) {
      try {
        config.privateKey = fs.readFileSync(opts.privateKeyPath);
      } catch (err) {
        throw new SshError('KEY_UNREADABLE', `Cannot read the key file ${opts.privateKeyPath}: ${(err as Error).message}`, { cause: err });
      }
      if (opts.passphrase !== undefined) config.passphrase = opts.passphrase;
    }
    if (opts.via) config.sock = await opts.via.forwardOut(opts.host, port);
    if (opts.password !== undefined) config.password = opts.password;
    const agent = opts.agentSocket ?? (!opts.privateKeyPath && opts.password === undefined ? process.env.SSH_AUTH_SOCK : undefined);
    if (agent) config.agent = agent;

    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', (err: Error & { level?: string }) => {
        if (hostKeyFailure) return reject(hostKeyFailure);
        if (err.level === 'client-authentication') {
          return reject(new SshError('AUTH_FAILED', `SSH authentication as ${opts.username}@${opts.host} failed (tried: ${describeAuth(config)}).`, { cause: err }));
        }
        if (/Timed out/i.test(err.message)) {
          return reject(new SshError('TIMEOUT', `Timed out connecting to ${opts.host}:${port}.`, { cause: err }));
        }
        reject(new SshError('CONNECT_FAILED', `Cannot connect to ${opts.host}:${port}: ${err.message}`, { cause: err }));
      });
      try {
        client.connect(config);
      } catch (err) {
        // ssh2 parses the key synchronously; say which of the admin's inputs is wrong.
        config.sock?.destroy();
        reject(keyError(opts.privateKeyPath ?? 'the key', err as Error));
      }
    });
    if (!hostKeyInfo) throw new SshError('CONNECT_FAILED', 'SSH handshake finished without a host key check');
    return new SshSession(client, opts.host, port, opts.username, hostKeyInfo);
  }

  /** Runs a command to completion and collects its output (for short commands only). */
  exec(command: string, stdin?: string | Buffer): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => {
        if (err) return reject(new SshError('CHANNEL_FAILED', `Cannot run a command on ${this.host}: ${err.message}`, { cause: err }));
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | null = null;
        let signal: string | null = null;
        channel.on('data', (d: Buffer) => out.push(d));
        channel.stderr.on('data', (d: Buffer) => errOut.push(d));
        channel.on('exit', (c: number | null, s?: string) => {
          code = c;
          signal = s ?? null;
        });
        channel.on('close', () =>
          resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') }),
        );
        if (stdin !== undefined) channel.end(stdin);
        else channel.end();
      });
    });
  }

  /** Opens a long-lived command channel (the agent's stdio carrier). */
  openChannel(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) =>
        err ? reject(new SshError('CHANNEL_FAILED', `Cannot start '${command}' on ${this.host}: ${err.message}`, { cause: err })) : resolve(channel),
      );
    });
  }

  /** A TCP stream from the host to `host:port` (direct-tcpip), as ProxyJump uses it. */
  forwardOut(host: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) =>
        err ? reject(new SshError('CONNECT_FAILED', `Jump host ${this.host} cannot reach ${host}:${port}: ${err.message}`, { cause: err })) : resolve(stream),
      );
    });
  }

  sftp(): Promise<SFTPWrapper> {
    return new Promise((resolve, reject) => {
      this.client.sftp((err, sftp) => (err ? reject(new SshError('CHANNEL_FAILED', `SFTP is not available on ${this.host}: ${err.message}`, { cause: err })) : resolve(sftp)));
    });
  }

  onClose(listener: () => void): void {
    if (this.#closed) queueMicrotask(listener);
    else this.client.on('close', listener);
  }

  close(): void {
    this.client.end();
  }
}

function keyError(keyPath: string, err: Error): SshError {
  if (/no passphrase given/i.test(err.message)) return new SshError('PASSPHRASE_REQUIRED', `The key ${keyPath} is encrypted; its passphrase is needed.`, { cause: err });
  if (/bad passphrase/i.test(err.message)) return new SshError('PASSPHRASE_WRONG', `The passphrase does not unlock the key ${keyPath}.`, { cause: err });
  return new SshError('KEY_UNREADABLE', `The key ${keyPath} cannot be used: ${err.message}`, { cause: err });
}

function describeAuth(config: ConnectConfig): string {
  const methods = [config.privateKey ? 'key file' : '', config.agent ? 'ssh-agent' : '', config.password !== undefined ? 'password' : ''].filter(Boolean);
  return methods.length > 0 ? methods.join(', ') : 'no method configured';
}

/** Quotes a value for a POSIX shell command line on the host. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
