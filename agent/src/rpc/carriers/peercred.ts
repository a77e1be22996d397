/**
 * peerUidReader reads a connected unix socket's peer uid with getsockopt(SO_PEERCRED). Node has
 * no API for it, so it goes through the agent's libc bindings (koffi, netlink/ffi) on the fd of
 * the socket's libuv handle. It is loaded only by the daemon, so `stdio` never loads koffi.
 *
 * Returns null where it cannot run (koffi or libc missing); the daemon then relies on the socket's
 * file permissions alone and says so in its log (agent/PROTOCOL.md "Carriers").
 */
import type { Socket } from 'node:net';
import type * as Ffi from '../../netlink/ffi/index.js';

/** SO_PEERCRED from asm-generic/socket.h (x86_64, arm64). */
const SO_PEERCRED = 17;
/** struct ucred { pid_t pid; uid_t uid; gid_t gid; } */
const UCRED_SIZE = 12;

export type PeerUidReader = (socket: Socket) => number | null;

export async function peerUidReader(): Promise<PeerUidReader | null> {
  let ffi: typeof Ffi;
  let libc: Ffi.Libc;
  try {
    ffi = await import('../../netlink/ffi/index.js');
    libc = ffi.loadLibc();
  } catch {
    return null;
  }
  return (socket) => {
    // libuv's Pipe handle exposes its file descriptor as `fd` (-1 once closed).
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) return null;
    const cred = Buffer.alloc(UCRED_SIZE);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(UCRED_SIZE);
    if (libc.getsockopt(fd, ffi.SOL_SOCKET, SO_PEERCRED, cred, len) !== 0) return null;
    return cred.readUInt32LE(4);
  };
}
