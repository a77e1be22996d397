/**
 * Constants from <linux/sock_diag.h>, <linux/inet_diag.h> and the TCP state enum, named exactly
 * as in the uapi headers. Generated once from this machine's uapi headers (values evaluated by
 * the C compiler, /tmp gen.c in the helper's notes), then committed: they are ABI.
 *
 * Local to this family until wire/uapi/ grows an inet_diag.ts (see README, "Needs").
 */

// <linux/sock_diag.h>
export const SOCK_DIAG_BY_FAMILY = 20;
export const SOCK_DESTROY = 21;

// <linux/inet_diag.h>: request attributes (after struct inet_diag_req_v2)
export const INET_DIAG_REQ_NONE = 0;
export const INET_DIAG_REQ_BYTECODE = 1;
export const INET_DIAG_REQ_SK_BPF_STORAGES = 2;
export const INET_DIAG_REQ_PROTOCOL = 3;

// Bytecode operations (struct inet_diag_bc_op codes).
export const INET_DIAG_BC_NOP = 0;
export const INET_DIAG_BC_JMP = 1;
export const INET_DIAG_BC_S_GE = 2;
export const INET_DIAG_BC_S_LE = 3;
export const INET_DIAG_BC_D_GE = 4;
export const INET_DIAG_BC_D_LE = 5;
export const INET_DIAG_BC_AUTO = 6;
export const INET_DIAG_BC_S_COND = 7;
export const INET_DIAG_BC_D_COND = 8;
export const INET_DIAG_BC_DEV_COND = 9;
export const INET_DIAG_BC_MARK_COND = 10;
export const INET_DIAG_BC_S_EQ = 11;
export const INET_DIAG_BC_D_EQ = 12;

// Reply attributes (after struct inet_diag_msg).
export const INET_DIAG_NONE = 0;
export const INET_DIAG_MEMINFO = 1;
export const INET_DIAG_INFO = 2;
export const INET_DIAG_VEGASINFO = 3;
export const INET_DIAG_CONG = 4;
export const INET_DIAG_TOS = 5;
export const INET_DIAG_TCLASS = 6;
export const INET_DIAG_SKMEMINFO = 7;
export const INET_DIAG_SHUTDOWN = 8;
export const INET_DIAG_DCTCPINFO = 9;
export const INET_DIAG_PROTOCOL = 10;
export const INET_DIAG_SKV6ONLY = 11;
export const INET_DIAG_LOCALS = 12;
export const INET_DIAG_PEERS = 13;
export const INET_DIAG_PAD = 14;
export const INET_DIAG_MARK = 15;
export const INET_DIAG_BBRINFO = 16;
export const INET_DIAG_CLASS_ID = 17;
export const INET_DIAG_MD5SIG = 18;
export const INET_DIAG_ULP_INFO = 19;
export const INET_DIAG_SK_BPF_STORAGES = 20;
export const INET_DIAG_CGROUP_ID = 21;
export const INET_DIAG_SOCKOPT = 22;
export const INET_DIAG_NOCOOKIE = 4294967295;

// Structure sizes (x86_64 and arm64 alike: no pointers, natural alignment).
export const SIZEOF_INET_DIAG_SOCKID = 48;
export const SIZEOF_INET_DIAG_REQ_V2 = 56;
export const SIZEOF_INET_DIAG_MSG = 72;
export const SIZEOF_INET_DIAG_BC_OP = 4;
export const SIZEOF_INET_DIAG_HOSTCOND = 8;

// TCP states (<netinet/tcp.h>; the kernel's enum in include/net/tcp_states.h).
export const TCP_ESTABLISHED = 1;
export const TCP_SYN_SENT = 2;
export const TCP_SYN_RECV = 3;
export const TCP_FIN_WAIT1 = 4;
export const TCP_FIN_WAIT2 = 5;
export const TCP_TIME_WAIT = 6;
export const TCP_CLOSE = 7;
export const TCP_CLOSE_WAIT = 8;
export const TCP_LAST_ACK = 9;
export const TCP_LISTEN = 10;
export const TCP_CLOSING = 11;

// IP protocols (<netinet/in.h>).
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
