/**
 * NetlinkSocket: one AF_NETLINK socket with typed, throwing wrappers around the syscalls.
 * Receiving is always non-blocking (MSG_DONTWAIT) so the caller never blocks Node's event loop;
 * readiness comes from `watch()` (epoll via libuv). Datagram sizes are peeked with
 * MSG_PEEK|MSG_TRUNC before reading, because a plain recv silently drops what does not fit.
 */
import {
  AF_NETLINK,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_TRUNC,
  SIZEOF_SOCKADDR_NL,
  SOCK_CLOEXEC,
  SOCK_RAW,
} from './constants.js';
import { SyscallError, TruncatedError } from './errors.js';
import type { Libc, ReadableWatch } from './libc.js';
import { inNetns } from './netns.js';

const EAGAIN = 11;
const EINTR = 4;

export interface NetlinkSocketOptions {
  /** Network namespace: a name from `ip netns` or a path like /proc/<pid>/ns/net. */
  netns?: string;
  /** Legacy multicast bitmask bound in sockaddr_nl.nl_groups (prefer joinGroup). */
  groups?: number;
}

function sockaddrNl(pid: number, groups: number): Buffer {
  const b = Buffer.alloc(SIZEOF_SOCKADDR_NL);
  b.writeUInt16LE(AF_NETLINK, 0);
  b.writeUInt32LE(pid >>> 0, 4);
  b.writeUInt32LE(groups >>> 0, 8);
  return b;
}

export class NetlinkSocket {
  private closed = false;
  /** The kernel peer address (nl_pid 0), reused for every sendto. */
  private readonly kernel = sockaddrNl(0, 0);

  private constructor(
    private readonly libc: Libc,
    readonly fd: number,
    readonly protocol: number,
    /** nl_pid the kernel assigned at bind; replies are addressed to it. */
    readonly portId: number,
    readonly netns: string | undefined,
  ) {}

  /** open creates, binds and names a socket, inside options.netns when given. */
  static open(libc: Libc, protocol: number, options: NetlinkSocketOptions = {}): NetlinkSocket {
    const create = (): number => {
      const fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
      if (fd < 0) throw new SyscallError('socket', libc.errno());
      return fd;
    };
    const fd = options.netns === undefined ? create() : inNetns(libc, options.netns, create);
    try {
      const addr = sockaddrNl(0, options.groups ?? 0);
      if (libc.bind(fd, addr, addr.length) !== 0) throw new SyscallError('bind', libc.errno());
      const len = Buffer.alloc(4);
      len.writeUInt32LE(SIZEOF_SOCKADDR_NL);
      if (libc.getsockname(fd, addr, len) !== 0) throw new SyscallError('getsockname', libc.errno());
      return new NetlinkSocket(libc, fd, protocol, addr.readUInt32LE(4), options.netns);
    } catch (err) {
      libc.close(fd);
      throw err;
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** send writes one datagram (one or more messages) to the kernel. */
  send(data: Buffer): void {
    this.assertOpen('sendto');
    for (;;) {
      const n = this.libc.sendto(this.fd, data, data.length, 0, this.kernel, this.kernel.length);
      if (n >= 0) {
        if (n !== data.length) throw new SyscallError('sendto', 90 /* EMSGSIZE */, { detail: `sent ${n} of ${data.length}` });
        return;
      }
      const errno = this.libc.errno();
      if (errno !== EINTR) throw new SyscallError('sendto', errno);
    }
  }

  /**
   * pendingSize returns the size of the next queued datagram without consuming it, or null when
   * none is queued (EAGAIN). Throws SyscallError (e.g. ENOBUFS after a multicast overrun).
   */
  pendingSize(): number | null {
    this.assertOpen('recv');
    for (;;) {
      const n = this.libc.recv(this.fd, EMPTY, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
      if (n >= 0) return n;
      const errno = this.libc.errno();
      if (errno === EAGAIN) return null;
      if (errno !== EINTR) throw new SyscallError('recv', errno);
    }
  }

  /**
   * receive reads the next datagram into buf and returns its length, or null on EAGAIN. A
   * datagram larger than buf throws TruncatedError (call pendingSize first to size buf).
   */
  receive(buf: Buffer): number | null {
    this.assertOpen('recv');
    for (;;) {
      const n = this.libc.recv(this.fd, buf, buf.length, MSG_TRUNC | MSG_DONTWAIT);
      if (n >= 0) {
        if (n > buf.length) throw new TruncatedError(n, buf.length);
        return n;
      }
      const errno = this.libc.errno();
      if (errno === EAGAIN) return null;
      if (errno !== EINTR) throw new SyscallError('recv', errno);
    }
  }

  /** setInt sets an int-valued socket option. */
  setInt(level: number, option: number, value: number): void {
    this.assertOpen('setsockopt');
    const v = Buffer.alloc(4);
    v.writeInt32LE(value);
    if (this.libc.setsockopt(this.fd, level, option, v, 4) !== 0) {
      throw new SyscallError('setsockopt', this.libc.errno(), { detail: `level ${level} option ${option}` });
    }
  }

  /** getInt reads an int-valued socket option. */
  getInt(level: number, option: number): number {
    this.assertOpen('getsockopt');
    const v = Buffer.alloc(4);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(4);
    if (this.libc.getsockopt(this.fd, level, option, v, len) !== 0) {
      throw new SyscallError('getsockopt', this.libc.errno(), { detail: `level ${level} option ${option}` });
    }
    return v.readInt32LE(0);
  }

  /** watch returns a (stopped) readiness watch on this socket; see Libc.watchReadable. */
  watch(onReady: (status: number) => void): ReadableWatch {
    this.assertOpen('watch');
    return this.libc.watchReadable(this.fd, onReady);
  }

  /** close releases the descriptor; idempotent. Close any watch first. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.libc.close(this.fd);
  }

  private assertOpen(syscall: string): void {
    if (this.closed) throw new SyscallError(syscall, 9 /* EBADF */, { detail: 'socket is closed' });
  }
}

const EMPTY = Buffer.alloc(1);
