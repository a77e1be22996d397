/**
 * Domain types of the sock_diag family: sockets as `ss` shows them, with idiomatic names.
 */

export type SocketProtocol = 'udp' | 'tcp';
export type IpVersion = 4 | 6;

/**
 * SocketState is the state name exactly as `ss` prints it (iproute2 `sstate_name`): a UDP
 * socket that is not connected is in TCP_CLOSE, which ss calls UNCONN; a connected UDP socket
 * is ESTAB.
 */
export type SocketState =
  | 'UNKNOWN'
  | 'ESTAB'
  | 'SYN-SENT'
  | 'SYN-RECV'
  | 'FIN-WAIT-1'
  | 'FIN-WAIT-2'
  | 'TIME-WAIT'
  | 'UNCONN'
  | 'CLOSE-WAIT'
  | 'LAST-ACK'
  | 'LISTEN'
  | 'CLOSING';

/** SocketInfo is one inet_diag_msg, decoded. Addresses are inet_ntop strings, ports numbers. */
export interface SocketInfo {
  protocol: SocketProtocol;
  family: IpVersion;
  state: SocketState;
  localAddress: string;
  localPort: number;
  /** 0.0.0.0 / :: with port 0 for an unconnected socket (ss prints `0.0.0.0:*`, `*:*`). */
  remoteAddress: string;
  remotePort: number;
  /** Owner uid (sock_i_uid: the creator's fsuid). */
  uid: number;
  /** Socket inode: the `socket:[inode]` a process's fd links to; 0 for TIME-WAIT/SYN-RECV. */
  inode: number;
  /**
   * ifindex of the device the socket is bound to (SO_BINDTODEVICE, ss's `%dev`); absent when
   * unbound. Names come from the route family (links live per namespace; /sys shows ours only).
   */
  interface?: number;
  /** idiag_rqueue: bytes queued to read (UDP, TCP), or the accept queue length (TCP LISTEN). */
  rqueue: number;
  /** idiag_wqueue: bytes queued to send, or the accept backlog limit (TCP LISTEN). */
  wqueue: number;
  /** IPV6_V6ONLY for IPv6 sockets (INET_DIAG_SKV6ONLY); false means `::` also takes IPv4. */
  v6only?: boolean;
  /** Processes holding the socket; only filled when asked (owners: true). */
  processes?: SocketProcess[];
}

/** SocketProcess is one fd that refers to a socket, as in ss's `users:(("comm",pid=,fd=))`. */
export interface SocketProcess {
  pid: number;
  /** /proc/<pid>/comm: the 15-character kernel task name ss prints. */
  command: string;
  fd: number;
}

/** SocketFilter selects sockets; the kernel applies states and port, not the agent. */
export interface SocketFilter {
  /** Default both. */
  protocol?: SocketProtocol;
  /** Default both. */
  family?: IpVersion;
  /** Only listening sockets (`ss -l`: TCP LISTEN, UDP UNCONN). */
  listening?: boolean;
  /** Only sockets whose local port is this (`ss sport = :PORT`), filtered in the kernel. */
  port?: number;
}

/** PortHolder answers "who holds this UDP port?" for conflict checks. */
export interface PortHolder {
  family: IpVersion;
  address: string;
  port: number;
  state: SocketState;
  /** First process holding the socket, when one could be found (absent for kernel sockets). */
  pid?: number;
  command?: string;
  socket: SocketInfo;
}
