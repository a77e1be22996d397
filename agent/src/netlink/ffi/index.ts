/** ffi/: the only layer that imports koffi — libc bindings, sockets, namespaces, errno. */
export { loadLibc, type Libc, type ReadableWatch } from './libc.js';
export { NetlinkSocket, type NetlinkSocketOptions } from './socket.js';
export { inNetns, netnsPath, NETNS_RUN_DIR } from './netns.js';
export { SyscallError, TruncatedError } from './errors.js';
export { errnoCode, errnoNumber, strerror, type ErrnoCode } from './errno.js';
export * from './constants.js';
