/**
 * Checks against the live host that the pure validators (domain/validate.ts) cannot make:
 * does a subnet overlap an address the host already has, is a UDP port held by some other
 * process (roadmap feat-007, through sock_diag), which interface name is free.
 */
import { contains, overlaps, parseCidr, parseInterfaceAddress, subnetOf } from '../domain/cidr.js';
import type { Issue } from '../domain/validate.js';
import { nextInterfaceName } from '../domain/validate.js';
import type { PortHolder } from '../netlink/families/sockdiag/types.js';
import type { HostObservation, Kernel } from './kernel.js';

const LINK_LOCAL_V6 = parseCidr('fe80::/10');

/**
 * hostAddressIssues: a network's subnet must not overlap a network the host is already on
 * (its own interfaces' prefixes), except on `ownInterface` (the network being edited).
 */
export function hostAddressIssues(
  subnets: Array<{ field: string; cidr: string }>,
  observation: Pick<HostObservation, 'hostAddresses'>,
  ignoreInterfaces: ReadonlySet<string>,
): Issue[] {
  const issues: Issue[] = [];
  for (const { field, cidr } of subnets) {
    const mine = parseCidr(cidr);
    for (const a of observation.hostAddresses) {
      if (ignoreInterfaces.has(a.interface)) continue;
      const addr = parseInterfaceAddress(a.address);
      if (contains(LINK_LOCAL_V6, addr.address)) continue;
      if (addr.address.family !== mine.family) continue;
      if (overlaps(mine, subnetOf(addr))) {
        issues.push({ field, message: `subnet ${cidr} overlaps the host's own address ${a.address} on ${a.interface}` });
      }
    }
  }
  return issues;
}

/** describeHolder words who holds a UDP port: process, pid, address. */
export function describeHolder(h: PortHolder): string {
  const who = h.pid !== undefined ? `process '${h.command ?? '?'}' (pid ${h.pid})` : 'a kernel socket (no process; e.g. a kernel WireGuard interface)';
  return `UDP port ${h.port} is already in use on ${h.family === 6 ? `[${h.address}]` : h.address} by ${who}`;
}

/**
 * portConflict returns the first foreign holder of a UDP port, or undefined when the port is
 * free or held by `ownInterface`'s own device (a network keeping its port on update).
 * Equivalent to: `ss -uanp sport = :PORT`.
 */
export async function portConflict(kernel: Kernel, port: number, ownInterface?: string): Promise<PortHolder | undefined> {
  const holders = await kernel.udpListeners(port);
  if (holders.length === 0) return undefined;
  if (ownInterface !== undefined) {
    const device = await kernel.device(ownInterface);
    if (device?.listenPort === port) return undefined;
  }
  return holders[0];
}

/** FIRST_LISTEN_PORT is WireGuard's customary port; auto-picked ports count up from it. */
export const FIRST_LISTEN_PORT = 51820;

/** freeListenPort picks the lowest port ≥ 51820 that no network uses and no socket holds. */
export async function freeListenPort(kernel: Kernel, usedByNetworks: ReadonlySet<number>): Promise<number> {
  const held = new Set((await kernel.udpListeners()).map((h) => h.port));
  for (let p = FIRST_LISTEN_PORT; p <= 65535; p++) if (!usedByNetworks.has(p) && !held.has(p)) return p;
  throw new Error('no free UDP port above 51820');
}

/** freeInterfaceName picks `<prefix><n>`, skipping names in the DB, owned, or taken on the host. */
export function freeInterfaceName(prefix: string, taken: Iterable<string>): string {
  return nextInterfaceName(taken, prefix);
}
