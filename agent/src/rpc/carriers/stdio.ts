/**
 * The stdio carrier: what the desktop reaches over an SSH exec channel. Either a byte bridge to
 * the daemon's socket (the daemon's hello and replies pass through unparsed), or — with no
 * daemon to reach — the router served on this process's own stdin/stdout.
 */
import net from 'node:net';
import { Console } from 'node:console';
import type { Readable, Writable } from 'node:stream';
import type { ClientIdentity, IdentifyMessage } from '../protocol.js';

/** Errors that mean "no daemon for me here", as opposed to a broken one. */
const NO_DAEMON = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ENOTDIR', 'ENOTSOCK']);

/**
 * redirectConsoleToStderr keeps stdout for protocol only: a library's stray console.log would
 * otherwise be a non-protocol line in the middle of the stream.
 */
export function redirectConsoleToStderr(): void {
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
}

/** Connects to the daemon socket; null when there is no daemon this user can reach. */
export function connectDaemon(socketPath: string): Promise<net.Socket | null> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (err: NodeJS.ErrnoException) => (NO_DAEMON.has(err.code ?? '') ? resolve(null) : reject(err));
    socket.once('error', onError);
  });
}

/**
 * bridge introduces the client to the daemon (`identify`) and then copies bytes both ways until
 * either side closes. Resolves when the socket is closed.
 */
export function bridge(socket: net.Socket, identity: ClientIdentity, input: Readable, output: Writable): Promise<void> {
  return new Promise((resolve) => {
    const hello: IdentifyMessage = { identify: identity };
    socket.write(JSON.stringify(hello) + '\n');
    input.pipe(socket);
    socket.pipe(output);
    socket.on('error', () => socket.destroy());
    // The desktop may close its end while the daemon is still sending (a subscription's last
    // events race its stop): EPIPE on stdout then means "the client is gone", not a failure.
    output.on('error', () => socket.destroy());
    socket.once('close', () => {
      input.unpipe(socket);
      resolve();
    });
  });
}
