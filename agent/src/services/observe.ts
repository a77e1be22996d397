/**
 * observeHost builds the planner's `ObservedState` (plus host facts) from a fresh dump: links,
 * addresses and main-table routes over rtnetlink, WireGuard devices through the WireGuard
 * client, and the rules of our own nftables table. Nothing is cached between calls, so a
 * reconcile always plans against what the kernel says now (level-triggered).
 *
 * Equivalent to: `ip -s link; ip addr; ip route show table main; wg show all dump;
 * nft -a list table inet wgpilot`.
 *
 * Design decisions:
 * - A WireGuard device is only "here" when its link is in this namespace: wireguard-go's
 *   sockets are shared by all namespaces, so a socket alone says nothing about this host.
 * - Routes are ours by protocol number (RTPROT_WGPILOT), like kilo marks its routes.
 * - A missing nftables table is an empty rule list (first start, or `nft delete table`).
 */
import { formatCidr, parseCidrLoose } from '../domain/cidr.js';
import type { ObservedInterface, ObservedPeer, ObservedRoute } from '../domain/observed.js';
import { NetlinkError } from '../netlink/conn/errors.js';
import { listAddresses } from '../netlink/families/route/addresses.js';
import type { Link } from '../netlink/families/route/link.js';
import { listLinks } from '../netlink/families/route/links.js';
import { listRoutes } from '../netlink/families/route/routes.js';
import { RT_TABLE_MAIN } from '../netlink/wire/uapi/rtnetlink.js';
import { formatEndpoint } from '../wireguard/ip.js';
import type { Device } from '../wireguard/types.js';
import { fromNftRule } from './firewall-nft.js';
import type { HostKernel } from './host.js';
import type { HostObservation, LinkFact, ObserveScope } from './kernel.js';

/**
 * RTPROT_WGPILOT marks routes the agent installs (rtm_protocol), so reconcile can tell its
 * own routes from anyone else's. 0x77 is unassigned in iproute2's rt_protos and in
 * <linux/rtnetlink.h>; `ip route` prints it as "proto 119".
 */
export const RTPROT_WGPILOT = 0x77;

export async function observeHost(k: HostKernel, scope: ObserveScope): Promise<HostObservation> {
  const [links, addresses, routes, wgDevices, nftRules] = await Promise.all([
    listLinks(k.route),
    listAddresses(k.route),
    listRoutes(k.route, { table: RT_TABLE_MAIN }),
    k.wg.devices(),
    k.nft.listRules().catch((err: unknown) => {
      if (err instanceof NetlinkError && err.code === 'ENOENT') return [];
      throw err;
    }),
  ]);
  const byIndex = new Map(links.map((l) => [l.index, l]));
  const wgNames = new Set(wgDevices.map((d) => d.name).filter((n) => links.some((l) => l.name === n)));
  const wanted = scope.interfaces ? new Set(scope.interfaces) : undefined;
  const devices = new Map<string, Device>();
  await Promise.all(
    [...wgNames]
      .filter((n) => !wanted || wanted.has(n))
      .map(async (n) => {
        const d = await k.device(n);
        if (d) devices.set(n, d);
      }),
  );

  const hostAddresses = addresses.flatMap((a) => {
    const link = byIndex.get(a.index);
    return link ? [{ interface: link.name, address: `${a.address}/${a.prefixLength}` }] : [];
  });
  const interfaces: ObservedInterface[] = links.map((l) => {
    const device = devices.get(l.name);
    const isWg = wgNames.has(l.name);
    return {
      name: l.name,
      kind: isWg ? 'wireguard' : 'other',
      up: l.up,
      mtu: l.mtu ?? 0,
      addresses: hostAddresses.filter((a) => a.interface === l.name).map((a) => a.address),
      routes: routes.filter((r) => r.oif === l.index && r.dst !== undefined).map((r): ObservedRoute => ({
        destination: formatCidr(parseCidrLoose(`${r.dst}/${r.dstLength}`).cidr),
        owned: r.protocol === RTPROT_WGPILOT,
      })),
      // A device outside the scope was not read: report it as in sync-unknown (no peers).
      wireguard: isWg ? (device ? observedDevice(device) : { listenPort: 0, publicKey: null, peers: [] }) : null,
    };
  });
  const defaultRoute = [4, 6].map((family) =>
    routes.find((r) => r.dst === undefined && r.dstLength === 0 && r.family === (family === 4 ? 2 : 10) && r.oif !== undefined),
  ).find((r) => r !== undefined);
  return {
    interfaces,
    firewallRules: nftRules.map(fromNftRule),
    links: links.map(linkFact),
    hostAddresses,
    defaultRouteInterface: defaultRoute?.oif !== undefined ? (byIndex.get(defaultRoute.oif)?.name ?? null) : null,
    devices,
    takenNames: [...new Set([...links.map((l) => l.name), ...wgDevices.map((d) => d.name)])],
  };
}

function observedDevice(d: Device): NonNullable<ObservedInterface['wireguard']> {
  return {
    listenPort: d.listenPort,
    publicKey: d.publicKey?.toBase64() ?? null,
    peers: d.peers.map((p): ObservedPeer => ({
      publicKey: p.publicKey.toBase64(),
      allowedIps: p.allowedIPs,
      persistentKeepalive: p.persistentKeepaliveInterval,
      endpoint: p.endpoint ? formatEndpoint(p.endpoint) : null,
      hasPresharedKey: p.presharedKey !== undefined,
    })),
  };
}

function linkFact(l: Link): LinkFact {
  return {
    index: l.index,
    name: l.name,
    up: l.up,
    operState: l.operState,
    mtu: l.mtu ?? 0,
    kind: l.kind ?? null,
    rxBytes: l.stats?.rxBytes ?? 0n,
    txBytes: l.stats?.txBytes ?? 0n,
  };
}
