/**
 * IP address management for peers: pick the first free host address after the server's.
 *
 * This module is the pure half. The other half is the database: PeersRepo.createAllocating
 * reads the used addresses and inserts the peer inside one `BEGIN IMMEDIATE` transaction, so
 * two writers (daemon and a `wgpilot-agent call` process, say) are serialized by SQLite's
 * write lock and cannot both pick the same address; the unique indexes on
 * (network_id, address4/6) are the backstop that turns any bug here into a typed conflict
 * rather than two peers with one address.
 *
 * Design decisions:
 * - Search starts right after the server address and wraps around to the first host, so a
 *   server placed at the end of the range (10.0.0.254) still leaves the rest usable, while the
 *   usual layout (server .1, peers .2, .3, …) stays predictable.
 * - The scan is over the sorted used list, not over the range, so a /64 costs the same as a
 *   /30: O(used · log used).
 */
import {
  CidrError,
  contains,
  firstHost,
  formatCidr,
  formatIp,
  hostCount,
  lastHost,
  parseIp,
  parseNetworkSubnet,
  type Cidr,
  type IpAddress,
} from './cidr.js';

/** IpamError: the pool is exhausted or the inputs are inconsistent. */
export class IpamError extends Error {
  override readonly name = 'IpamError';
  constructor(
    readonly subnet: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AllocationPool {
  /** The network's subnet ("10.0.0.0/24"). */
  subnet: string;
  /** The server's own address in that subnet ("10.0.0.1"). */
  server: string;
}

/**
 * allocateAddress returns the first host address of `pool` that is neither the server's nor in
 * `used`, searching upward from the server's address and wrapping around. Used addresses
 * outside the subnet or of the other family are ignored. Throws IpamError when full.
 */
export function allocateAddress(pool: AllocationPool, used: Iterable<string>): string {
  const subnet = parseNetworkSubnet(pool.subnet);
  const server = parseIp(pool.server);
  if (!contains(subnet, server)) {
    throw new IpamError(pool.subnet, `server address ${pool.server} is not inside ${pool.subnet}`);
  }
  const taken = new Set<bigint>([server.value]);
  for (const text of used) {
    const a = parseIp(text);
    if (contains(subnet, a)) taken.add(a.value);
  }
  const lo = firstHost(subnet).value;
  const hi = lastHost(subnet).value;
  const found = firstFreeFrom(server.value + 1n, hi, taken) ?? firstFreeFrom(lo, server.value - 1n, taken);
  if (found === undefined) {
    throw new IpamError(
      pool.subnet,
      `no free IPv${subnet.family} address left in ${formatCidr(subnet)} (${hostCount(subnet)} host addresses, all in use)`,
    );
  }
  return formatIp({ family: subnet.family, value: found });
}

/** firstFreeFrom finds the smallest value in [from, to] that is not in `taken`. */
function firstFreeFrom(from: bigint, to: bigint, taken: ReadonlySet<bigint>): bigint | undefined {
  if (from > to) return undefined;
  const sorted = [...taken].filter((v) => v >= from && v <= to).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let candidate = from;
  for (const v of sorted) {
    if (v > candidate) break;
    if (v === candidate) candidate++;
  }
  return candidate <= to ? candidate : undefined;
}

export interface DualStackPools {
  v4?: AllocationPool | null;
  v6?: AllocationPool | null;
}

export interface UsedAddresses {
  address4: string | null;
  address6: string | null;
}

/**
 * allocateDualStack picks one address per configured family, as a network may be IPv4-only,
 * IPv6-only or dual-stack. `peers` are the addresses already taken in the network.
 */
export function allocateDualStack(
  pools: DualStackPools,
  peers: readonly UsedAddresses[],
): { address4: string | null; address6: string | null } {
  const v4 = pools.v4 ? allocateAddress(pools.v4, peers.flatMap((p) => (p.address4 ? [p.address4] : []))) : null;
  const v6 = pools.v6 ? allocateAddress(pools.v6, peers.flatMap((p) => (p.address6 ? [p.address6] : []))) : null;
  if (v4 === null && v6 === null) throw new IpamError('', 'the network has neither an IPv4 nor an IPv6 subnet');
  return { address4: v4, address6: v6 };
}

/** defaultServerAddress is where a new network's server sits: the first host of its subnet. */
export function defaultServerAddress(subnet: string): string {
  return formatIp(firstHost(parseNetworkSubnet(subnet)));
}

/** checkAddressInSubnet verifies a manually chosen address fits the subnet and is a host address. */
export function checkAddressInSubnet(address: string, subnet: string): IpAddress {
  const c: Cidr = parseNetworkSubnet(subnet);
  const a = parseIp(address);
  if (!contains(c, a) || a.value < firstHost(c).value || a.value > lastHost(c).value) {
    throw new CidrError(address, `${address} is not a host address of ${subnet}`);
  }
  return a;
}
