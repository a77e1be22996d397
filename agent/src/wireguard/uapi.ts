/**
 * The UAPI client: socket I/O for the text protocol in uapi-codec.ts. wireguard-go listens on
 * `<dir>/<name>.sock` (dir /var/run/wireguard by default); we open one connection per operation,
 * as wg(8) and wgctrl-go do, so a dead or restarted daemon never leaves us a half-used stream.
 *
 * Design decisions:
 * - Every exchange is bounded by a timeout: a wedged daemon must surface as ETIMEDOUT rather
 *   than hang the reconcile loop.
 * - Connection errors keep the Node error as `cause` and become WireGuardError with its errno:
 *   ENOENT (no socket: no such device) and ECONNREFUSED (stale socket: daemon gone) matter to
 *   callers, who otherwise cannot tell "not created" from "crashed".
 * - The socket directory is shared by every network namespace on the host, so `list()` returns
 *   devices of all namespaces; callers that care must use names unique across namespaces.
 */
import { lstat, readdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { WireGuardError, type WireGuardOp } from './errors.js';
import type { DeviceConfig } from './types.js';
import {
  encodeSetRequest,
  parseGetReply,
  parseSetReply,
  UapiProtocolError,
  UAPI_GET_REQUEST,
  type DeviceState,
} from './uapi-codec.js';
import { checkInterfaceName } from './validate.js';

/** Where wireguard-go creates its sockets (wireguard-go `ipc/uapi_linux.go`). */
export const DEFAULT_UAPI_SOCKET_DIR = '/var/run/wireguard';

/**
 * DEFAULT_UAPI_TIMEOUT_MS bounds one request/reply. A `set=1` of 1,000 peers with 10 allowed
 * IPs each takes well under a second on wireguard-go; 10 s leaves room for a loaded host.
 */
export const DEFAULT_UAPI_TIMEOUT_MS = 10_000;

export interface UapiClientOptions {
  socketDir?: string;
  timeoutMs?: number;
}

/** UapiClient talks to wireguard-go (or any UAPI implementation) over unix sockets. */
export class UapiClient {
  readonly socketDir: string;
  private readonly timeoutMs: number;

  constructor(opts: UapiClientOptions = {}) {
    this.socketDir = opts.socketDir ?? DEFAULT_UAPI_SOCKET_DIR;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_UAPI_TIMEOUT_MS;
  }

  socketPath(name: string): string {
    return join(this.socketDir, `${checkInterfaceName(name)}.sock`);
  }

  /**
   * list returns the names of the devices that have a socket (in any namespace).
   *
   * Equivalent to: `wg show interfaces` (userspace part).
   */
  async list(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.socketDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw toWireGuardError('*', 'devices', err);
    }
    const names: string[] = [];
    for (const entry of entries.sort()) {
      if (!entry.endsWith('.sock')) continue;
      const st = await lstat(join(this.socketDir, entry)).catch(() => undefined);
      if (st?.isSocket()) names.push(entry.slice(0, -'.sock'.length));
    }
    return names;
  }

  /**
   * get reads a device.
   *
   * Equivalent to: `wg show <name> dump`.
   */
  async get(name: string): Promise<DeviceState> {
    const text = await this.exchange(name, UAPI_GET_REQUEST, 'device');
    const reply = parseOrThrow(name, 'device', () => parseGetReply(text));
    if (reply.errno !== 0) {
      throw new WireGuardError({ device: name, op: 'device', errno: reply.errno, message: 'get=1 refused' });
    }
    return reply.device;
  }

  /**
   * set applies a configuration; see DeviceConfig for what absent fields mean.
   *
   * Equivalent to: `wg set <name> ...` (or `wg setconf` with replacePeers).
   */
  async set(name: string, config: DeviceConfig): Promise<void> {
    const request = encodeSetRequest(config);
    const text = await this.exchange(name, request, 'configure');
    const errno = parseOrThrow(name, 'configure', () => parseSetReply(text));
    if (errno !== 0) {
      throw new WireGuardError({
        device: name,
        op: 'configure',
        errno,
        message: 'set=1 refused by the device (lines before the bad one stay applied)',
      });
    }
  }

  /** exchange sends one request and returns the reply up to and including its empty line. */
  exchange(name: string, request: string, op: WireGuardOp): Promise<string> {
    const path = this.socketPath(name);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let tail = '';
      let settled = false;
      const sock = createConnection(path);
      const finish = (err: unknown, reply?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sock.destroy();
        if (err !== undefined) reject(err);
        else resolve(reply ?? '');
      };
      const timer = setTimeout(() => {
        finish(
          new WireGuardError({
            device: name,
            op,
            errno: osConstants.errno.ETIMEDOUT,
            message: `no complete reply on ${path} within ${this.timeoutMs} ms`,
          }),
        );
      }, this.timeoutMs);
      sock.on('connect', () => sock.write(request));
      sock.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        // Only the last two bytes can complete the reply; keep them across chunk boundaries.
        tail = (tail + chunk.subarray(-2).toString('latin1')).slice(-2);
        if (tail === '\n\n') finish(undefined, Buffer.concat(chunks).toString('utf8'));
      });
      sock.on('end', () => {
        const got = Buffer.concat(chunks).toString('utf8');
        finish(
          new WireGuardError({
            device: name,
            op,
            errno: osConstants.errno.EPROTO,
            message: `${path} closed the connection before a complete reply (${got.length} bytes)`,
          }),
        );
      });
      sock.on('error', (err) => finish(toWireGuardError(name, op, err, path)));
    });
  }
}

function parseOrThrow<T>(name: string, op: WireGuardOp, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof UapiProtocolError)) throw err;
    throw new WireGuardError({ device: name, op, errno: osConstants.errno.EPROTO, message: err.message, cause: err });
  }
}

/** toWireGuardError translates a socket error, naming the two cases callers act on. */
function toWireGuardError(name: string, op: WireGuardOp, err: unknown, path?: string): WireGuardError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const errno = (osConstants.errno as Record<string, number | undefined>)[code] ?? osConstants.errno.EIO;
  const message =
    code === 'ENOENT'
      ? `no UAPI socket at ${path ?? '?'} (device does not exist, or its wireguard-go is not running)`
      : code === 'ECONNREFUSED'
        ? `stale UAPI socket at ${path ?? '?'} (its wireguard-go has exited)`
        : `UAPI ${path ?? ''}: ${(err as Error).message}`;
  return new WireGuardError({ device: name, op, errno, message, cause: err });
}
