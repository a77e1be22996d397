/**
 * libc ABI constants the ffi layer passes to syscalls. Values are those of Linux on x86_64 and
 * arm64 (the asm-generic socket and fcntl numbers); other architectures (mips, sparc, parisc)
 * differ and are not supported by the agent.
 */

export const AF_NETLINK = 16;

export const SOCK_RAW = 3;
export const SOCK_CLOEXEC = 0o2000000;

export const SOL_SOCKET = 1;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;

/** recv(2) flags. */
export const MSG_PEEK = 0x2;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;

/** setns(2) namespace type. */
export const CLONE_NEWNET = 0x40000000;

/** sizeof(struct sockaddr_nl): u16 family, u16 pad, u32 pid, u32 groups. */
export const SIZEOF_SOCKADDR_NL = 12;
