/**
 * SockDiag lists UDP and TCP sockets through NETLINK_SOCK_DIAG: one SOCK_DIAG_BY_FAMILY dump
 * per (protocol, address family), decoded in the receive slices by the connection layer.
 * Owner processes come from /proc only when asked (see owners.ts).
 *
 * It works in whatever network namespace its connection was opened in; the composition root
 * opens one per namespace (`NetlinkConnection.open(libc, NETLINK_SOCK_DIAG, { netns })`).
 */
import { NetlinkConnection, type NetlinkRequester } from '../../conn/index.js';
import type { Libc } from '../../ffi/libc.js';
import type { NetlinkMessage } from '../../wire/index.js';
import { NETLINK_SOCK_DIAG } from '../../wire/uapi/netlink.js';
import { ALL_STATES, LISTENING_STATES, decodeInetDiagMessage, encodeInetDiagRequest } from './codec.js';
import { type OwnerScanOptions, findSocketOwners } from './owners.js';
import type { IpVersion, PortHolder, SocketFilter, SocketInfo, SocketProtocol } from './types.js';
import { SOCK_DIAG_BY_FAMILY } from './uapi.js';

export interface ListOptions extends SocketFilter {
  /** Also resolve the processes holding each socket (`ss -p`). Default false. */
  owners?: boolean;
}

export interface SockDiagOptions extends OwnerScanOptions {}

export class SockDiag {
  /** Set only by open(): a connection passed in belongs to the caller and is never closed here. */
  private ownedConnection: NetlinkConnection | undefined;

  /**
   * Use `SockDiag.open` to own a connection, or pass any NetlinkRequester (a shared
   * NETLINK_SOCK_DIAG connection, or a fake kernel in tests).
   */
  constructor(
    private readonly conn: NetlinkRequester,
    private readonly options: SockDiagOptions = {},
  ) {}

  /** open creates a NETLINK_SOCK_DIAG connection (inside netns when given) owned by this object. */
  static open(libc: Libc, options: SockDiagOptions & { netns?: string } = {}): SockDiag {
    const { netns, ...rest } = options;
    const conn = NetlinkConnection.open(libc, NETLINK_SOCK_DIAG, netns === undefined ? {} : { netns });
    const diag = new SockDiag(conn, rest);
    diag.ownedConnection = conn;
    return diag;
  }

  /**
   * list returns sockets matching filter, IPv4 before IPv6, UDP before TCP, each dump in kernel
   * order (the order ss prints).
   * Equivalent to: `ss -uan` / `ss -tan` (`-l` for listening, `sport = :PORT`, `-p` for owners).
   */
  async list(filter: ListOptions = {}): Promise<SocketInfo[]> {
    const protocols: SocketProtocol[] = filter.protocol ? [filter.protocol] : ['udp', 'tcp'];
    const families: IpVersion[] = filter.family ? [filter.family] : [4, 6];
    const out: SocketInfo[] = [];
    for (const protocol of protocols) {
      for (const family of families) {
        out.push(...(await this.dump(protocol, family, filter)));
      }
    }
    if (filter.owners) await this.attachOwners(out);
    return out;
  }

  /**
   * findUdpListener answers "who holds UDP port N?" for port conflict checks: the first socket
   * bound to the local port (unconnected before connected, IPv4 before IPv6) with its owner, or
   * undefined when the port is free. Equivalent to: `ss -uanp sport = :PORT`.
   */
  async findUdpListener(port: number): Promise<PortHolder | undefined> {
    return (await this.findUdpListeners(port))[0];
  }

  /** findUdpListeners returns every socket holding UDP port N (v4 and v6, SO_REUSEPORT groups). */
  async findUdpListeners(port: number): Promise<PortHolder[]> {
    const sockets = await this.list({ protocol: 'udp', port, owners: true });
    const rank = (s: SocketInfo): number => (s.state === 'UNCONN' ? 0 : 1);
    return sockets
      .map((s, i) => ({ s, i }))
      .sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i)
      .map(({ s }) => holderOf(s));
  }

  /** close closes the connection if this object opened it (a shared one stays open). */
  close(): void {
    this.ownedConnection?.close();
  }

  private dump(protocol: SocketProtocol, family: IpVersion, filter: SocketFilter): Promise<SocketInfo[]> {
    const data = encodeInetDiagRequest({
      family,
      protocol,
      states: filter.listening ? LISTENING_STATES : ALL_STATES,
      ...(filter.port === undefined ? {} : { localPort: filter.port }),
    });
    const decode = (m: NetlinkMessage): SocketInfo | undefined =>
      m.header.type === SOCK_DIAG_BY_FAMILY ? decodeInetDiagMessage(m.data, protocol) : undefined;
    return this.conn.dump({ type: SOCK_DIAG_BY_FAMILY, flags: 0, data }, decode, {
      op: `sock_diag ${protocol}${family}`,
    });
  }

  private async attachOwners(sockets: SocketInfo[]): Promise<void> {
    const owners = await findSocketOwners(sockets.map((s) => s.inode), this.options);
    for (const s of sockets) s.processes = owners.get(s.inode) ?? [];
  }
}

function holderOf(s: SocketInfo): PortHolder {
  const first = s.processes?.[0];
  return {
    family: s.family,
    address: s.localAddress,
    port: s.localPort,
    state: s.state,
    ...(first ? { pid: first.pid, command: first.command } : {}),
    socket: s,
  };
}
