/**
 * Network namespace switching for socket creation. A socket belongs to the namespace of the
 * thread that created it, for its whole life; so we setns(2) the main thread into the target,
 * create the socket, and setns back — all synchronously, so no other JS runs in between and no
 * libuv pool thread is affected (namespaces are per thread).
 */
import { closeSync, openSync } from 'node:fs';
import { CLONE_NEWNET } from './constants.js';
import { SyscallError } from './errors.js';
import type { Libc } from './libc.js';

/** Where `ip netns add NAME` bind-mounts a namespace. */
export const NETNS_RUN_DIR = '/var/run/netns';

/** netnsPath resolves "name" to /var/run/netns/name; paths (containing '/') are kept as given. */
export function netnsPath(netns: string): string {
  return netns.includes('/') ? netns : `${NETNS_RUN_DIR}/${netns}`;
}

function openNs(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SyscallError('open', typeof e.errno === 'number' ? Math.abs(e.errno) : 2, { cause: err, detail: path });
  }
}

/**
 * inNetns runs fn with the calling (main) thread inside the namespace at path, then restores the
 * original namespace even when fn throws. Failing to restore is unrecoverable for the process
 * (later sockets would land in the wrong namespace), so that case throws with both errors.
 */
export function inNetns<T>(libc: Libc, netns: string, fn: () => T): T {
  const original = openNs('/proc/thread-self/ns/net');
  let target = -1;
  try {
    target = openNs(netnsPath(netns));
    if (libc.setns(target, CLONE_NEWNET) !== 0) throw new SyscallError('setns', libc.errno(), { detail: netns });
    try {
      return fn();
    } finally {
      if (libc.setns(original, CLONE_NEWNET) !== 0) {
        throw new SyscallError('setns', libc.errno(), { detail: 'restoring the original network namespace' });
      }
    }
  } finally {
    if (target >= 0) closeSync(target);
    closeSync(original);
  }
}
