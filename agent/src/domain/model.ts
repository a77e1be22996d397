/**
 * The desired-state model: networks, peers and bridges as the database stores them and the
 * rest of the agent reasons about them. Repositories return these shapes (camelCase, Date,
 * boolean, parsed JSON), never raw rows.
 *
 * Design decisions:
 * - Secrets are not part of these objects. Sealed private/preshared keys are read through
 *   dedicated repository calls (`NetworksRepo.sealedPrivateKey`, `PeersRepo.secrets`) by the
 *   few places that need them, so a `Network` or `Peer` can be logged, diffed, audited or sent
 *   to the desktop without leaking anything; `hasPrivateKey`/`hasPresharedKey` say what exists.
 * - Addresses are canonical text (inet_ntop form) so that equality is string equality.
 *   A peer's address has no prefix length: it owns exactly that one address.
 */

export const NETWORK_MODES = ['gateway', 'site-to-site', 'hub-routed'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export const PEER_ROLES = ['client', 'site-gateway'] as const;
export type PeerRole = (typeof PEER_ROLES)[number];

export const BRIDGE_DIRECTIONS = ['a_to_b', 'b_to_a', 'bidirectional'] as const;
export type BridgeDirection = (typeof BRIDGE_DIRECTIONS)[number];

/** DEFAULT_MTU is 1500 (Ethernet) minus 80 bytes of WireGuard-over-IPv6 overhead. */
export const DEFAULT_MTU = 1420;
export const DEFAULT_LISTEN_PORT = 51820;

export interface Network {
  id: number;
  name: string;
  /** Kernel interface name (wg0, wg1, …). */
  interface: string;
  mode: NetworkMode;
  /** Normalized CIDRs; at least one is set. */
  subnet4: string | null;
  subnet6: string | null;
  /** The server's address inside subnet4/subnet6 (set exactly when the subnet is). */
  address4: string | null;
  address6: string | null;
  listenPort: number;
  publicKey: string;
  /** DNS servers pushed to clients (IP addresses). */
  dns: string[];
  mtu: number;
  /** Host or address clients connect to; null = the host-wide default setting. */
  endpointHost: string | null;
  /** Interface NAT leaves through in gateway mode; null = any but the tunnel. */
  uplinkInterface: string | null;
  /** Policy routing (v0.3.0 feat-002): 0 = main table / no mark. */
  routingTable: number;
  firewallMark: number;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface Peer {
  id: number;
  networkId: number;
  name: string;
  email: string | null;
  role: PeerRole;
  address4: string | null;
  address6: string | null;
  publicKey: string;
  /** False for imported peers whose private key we never had (no client config possible). */
  hasPrivateKey: boolean;
  hasPresharedKey: boolean;
  /** Subnets behind a site gateway (normalized CIDRs). */
  siteNetworks: string[];
  /** Client-side AllowedIPs override (split tunnel); null = what the network mode implies. */
  allowedIps: string[] | null;
  /** Known endpoint (host:port) for peers that are reachable, e.g. site gateways. */
  endpoint: string | null;
  /** Seconds, 0 = off. */
  persistentKeepalive: number;
  /** kbit/s, 0 = unlimited (v0.3.0 feat-001). */
  bandwidthUpKbps: number;
  bandwidthDownKbps: number;
  enabled: boolean;
  /** After this instant the peer is treated as disabled. */
  expiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Bridge {
  id: number;
  networkAId: number;
  networkBId: number;
  direction: BridgeDirection;
  /** Optional destination filter; empty = all traffic between the two networks. */
  allowedCidrs: string[];
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** isPeerActive: enabled and not expired at `now`; only active peers exist in the kernel. */
export function isPeerActive(peer: Pick<Peer, 'enabled' | 'expiresAt'>, now: Date): boolean {
  return peer.enabled && (peer.expiresAt === null || peer.expiresAt.getTime() > now.getTime());
}

/** networkSubnets lists a network's configured subnets, IPv4 first. */
export function networkSubnets(n: Pick<Network, 'subnet4' | 'subnet6'>): string[] {
  return [n.subnet4, n.subnet6].filter((s): s is string => s !== null);
}

/** peerHostCidrs is what a peer owns inside the tunnel: its /32 and/or /128. */
export function peerHostCidrs(p: Pick<Peer, 'address4' | 'address6'>): string[] {
  return [p.address4 ? `${p.address4}/32` : null, p.address6 ? `${p.address6}/128` : null].filter(
    (s): s is string => s !== null,
  );
}

/** serverInterfaceAddresses are the addresses the server's interface carries ("10.0.0.1/24"). */
export function serverInterfaceAddresses(n: Pick<Network, 'subnet4' | 'subnet6' | 'address4' | 'address6'>): string[] {
  const out: string[] = [];
  if (n.subnet4 && n.address4) out.push(`${n.address4}/${n.subnet4.split('/')[1] ?? '32'}`);
  if (n.subnet6 && n.address6) out.push(`${n.address6}/${n.subnet6.split('/')[1] ?? '128'}`);
  return out;
}
