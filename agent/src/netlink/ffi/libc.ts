/**
 * Libc binds the handful of glibc functions the netlink stack needs, with TypeScript types.
 * `loadLibc()` is called once by the composition root and the result passed down; nothing here
 * is a module-level singleton. koffi passes Buffers as pointers without copying, so the kernel
 * writes straight into them.
 *
 * All functions return the raw C result; `errno()` must be read immediately after a call that
 * returned -1 (koffi saves errno per call, so intervening JS is harmless but other FFI calls are
 * not).
 */
import koffi from 'koffi';

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, addrlen: number): number;
  getsockname(fd: number, addr: Buffer, addrlen: Buffer): number;
  sendto(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrlen: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  setsockopt(fd: number, level: number, option: number, value: Buffer, len: number): number;
  getsockopt(fd: number, level: number, option: number, value: Buffer, len: Buffer): number;
  close(fd: number): number;
  setns(fd: number, nstype: number): number;
  /** errno of the last failed call on this thread. */
  errno(): number;
  /**
   * watchReadable registers fd with Node's own event loop (libuv uv_poll, i.e. epoll) and calls
   * onReady on the main thread whenever fd is readable. No thread-pool thread is used.
   */
  watchReadable(fd: number, onReady: (status: number) => void): ReadableWatch;
}

/** ReadableWatch is a libuv poll handle: active while started, gone after close(). */
export interface ReadableWatch {
  start(): void;
  stop(): void;
  close(): void;
}

/** The PollHandle API of koffi 3 (koffi's .d.ts omits the leading status argument). */
interface KoffiPollHandle {
  start(opts: { readable: boolean }, cb: (status: number, events: { readable: boolean }) => void): void;
  stop(): void;
  close(): void;
}

type PollFn = (fd: number, opts: { readable: boolean }, cb: (status: number) => void) => KoffiPollHandle;

export function loadLibc(): Libc {
  const lib = koffi.load('libc.so.6');
  const socket = lib.func('int socket(int, int, int)');
  const bind = lib.func('int bind(int, const void *, uint32_t)');
  const getsockname = lib.func('int getsockname(int, void *, void *)');
  const sendto = lib.func('intptr_t sendto(int, const void *, size_t, int, const void *, uint32_t)');
  const recv = lib.func('intptr_t recv(int, void *, size_t, int)');
  const setsockopt = lib.func('int setsockopt(int, int, int, const void *, uint32_t)');
  const getsockopt = lib.func('int getsockopt(int, int, int, void *, void *)');
  const close = lib.func('int close(int)');
  const setns = lib.func('int setns(int, int)');
  const poll = koffi.node.poll as unknown as PollFn;

  return {
    socket: (d, t, p) => socket(d, t, p) as number,
    bind: (fd, a, l) => bind(fd, a, l) as number,
    getsockname: (fd, a, l) => getsockname(fd, a, l) as number,
    sendto: (fd, b, n, f, a, l) => Number(sendto(fd, b, n, f, a, l)),
    recv: (fd, b, n, f) => Number(recv(fd, b, n, f)),
    setsockopt: (fd, lv, o, v, l) => setsockopt(fd, lv, o, v, l) as number,
    getsockopt: (fd, lv, o, v, l) => getsockopt(fd, lv, o, v, l) as number,
    close: (fd) => close(fd) as number,
    setns: (fd, t) => setns(fd, t) as number,
    errno: () => koffi.errno(),
    watchReadable(fd, onReady) {
      let handle: KoffiPollHandle | undefined;
      let active = false;
      // On EPOLLERR (a netlink socket with a pending ENOBUFS) libuv stops the handle itself and
      // reports UV_EBADF; mark it inactive so the next start() re-arms it after the error is read.
      const cb = (status: number): void => {
        if (status < 0) active = false;
        onReady(status);
      };
      return {
        start() {
          if (active) return;
          if (handle) handle.start({ readable: true }, cb);
          else handle = poll(fd, { readable: true }, cb);
          active = true;
        },
        stop() {
          if (active) handle?.stop();
          active = false;
        },
        close() {
          handle?.close();
          handle = undefined;
          active = false;
        },
      };
    },
  };
}
