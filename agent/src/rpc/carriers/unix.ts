/**
 * The daemon's carrier: a unix socket `<state-dir>/agent.sock` serving many connections at once.
 *
 * Access control is the file system's first: the state dir is 0700 and the socket 0600, both
 * owned by the daemon's user (root), so the window between listen() and chmod() is closed by the
 * directory. When the peer's uid can be read (SO_PEERCRED, `peerUid`), anything but the daemon's
 * own uid or root is refused as well.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../../log.js';
import type { ServedConnection } from '../adapter.js';
import type { PeerUidReader } from './peercred.js';

/** After close(), how long connections get to finish before their sockets are destroyed. */
const SHUTDOWN_GRACE_MS = 3_000;

export interface UnixServerOptions {
  socketPath: string;
  log: Logger;
  /** Serves one accepted connection (the adapter over the socket). */
  serve(socket: net.Socket): ServedConnection;
  /** Reads a peer's uid; null or absent: the file permissions are the only check. */
  peerUid?: PeerUidReader | null;
}

export interface UnixServer {
  readonly socketPath: string;
  /** Open connections right now. */
  connections(): number;
  /** Stops accepting, closes every connection (aborting subscriptions), removes the socket. */
  close(): Promise<void>;
}

/** Creates `dir` as 0700, or tightens it to 0700; refuses a dir owned by someone else. */
export async function prepareStateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await fs.stat(dir);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new Error(`state dir ${dir} is owned by uid ${st.uid}, not by this process (uid ${uid}); refusing to serve from it`);
  }
  if ((st.mode & 0o777) !== 0o700) await fs.chmod(dir, 0o700);
}

/** Removes a socket file no daemon answers on; refuses if one does, or if it is not a socket. */
async function clearStaleSocket(socketPath: string): Promise<void> {
  const st = await fs.lstat(socketPath).catch(() => null);
  if (!st) return;
  if (!st.isSocket()) throw new Error(`${socketPath} exists and is not a socket; refusing to replace it`);
  const answered = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (answered) throw new Error(`another wgpilot-agent daemon is already serving on ${socketPath}`);
  await fs.rm(socketPath, { force: true });
}

function refusal(uid: number): string {
  const error = { code: -32003, message: `Peer uid ${uid} may not use this socket`, data: { code: 'FORBIDDEN', httpStatus: 403, appCode: 'FORBIDDEN' } };
  return JSON.stringify({ id: null, error }) + '\n';
}

export async function listenUnix(opts: UnixServerOptions): Promise<UnixServer> {
  const { socketPath, log } = opts;
  await prepareStateDir(path.dirname(socketPath));
  await clearStaleSocket(socketPath);
  if (!opts.peerUid) log.warn('peer uid check unavailable (no SO_PEERCRED); relying on socket file permissions', { socketPath });

  const selfUid = process.getuid?.() ?? -1;
  const live = new Map<net.Socket, ServedConnection>();
  const server = net.createServer((socket) => {
    // Errors are the adapter's to report; this keeps a refused socket's EPIPE from crashing the daemon.
    socket.on('error', () => {});
    const uid = opts.peerUid?.(socket) ?? null;
    if (uid !== null && uid !== selfUid && uid !== 0) {
      log.warn('refused a connection from another user', { uid });
      socket.end(refusal(uid));
      return;
    }
    const served = opts.serve(socket);
    live.set(socket, served);
    socket.once('close', () => live.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await fs.chmod(socketPath, 0o600);
  server.on('error', (error) => log.error('socket server error', { error }));
  log.info('listening', { socketPath });

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    connections: () => live.size,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        const served = [...live.values()];
        for (const s of served) s.close('daemon shutting down');
        const grace = new Promise<void>((r) => setTimeout(r, SHUTDOWN_GRACE_MS).unref());
        await Promise.race([Promise.all(served.map((s) => s.closed)), grace]);
        for (const socket of live.keys()) socket.destroy();
        await stopped;
        await fs.rm(socketPath, { force: true });
        log.info('stopped listening', { socketPath });
      })();
      return closing;
    },
  };
}
