/**
 * SyscallError is raised when a libc call fails. It carries the errno both as a number and as
 * its symbolic code, so callers branch on `code === 'EPERM'` rather than on message text.
 */
import { errnoCode, strerror } from './errno.js';

export class SyscallError extends Error {
  override readonly name = 'SyscallError';
  readonly syscall: string;
  readonly errno: number;
  readonly code: string;

  constructor(syscall: string, errno: number, options?: { cause?: unknown; detail?: string }) {
    const detail = options?.detail ? ` (${options.detail})` : '';
    super(`${syscall}: ${strerror(errno)}${detail}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.syscall = syscall;
    this.errno = errno;
    this.code = errnoCode(errno);
  }
}

/**
 * TruncatedError is raised when a datagram did not fit the receive buffer. The socket layer
 * sizes buffers with MSG_PEEK|MSG_TRUNC first, so seeing this means a bug, never silent loss.
 */
export class TruncatedError extends Error {
  override readonly name = 'TruncatedError';
  constructor(
    readonly size: number,
    readonly bufferSize: number,
  ) {
    super(`netlink datagram of ${size} bytes truncated to ${bufferSize}`);
  }
}
