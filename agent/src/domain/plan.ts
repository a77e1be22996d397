/**
 * Reconcile planner: `plan(desired, observed) → ops`, pure. The apply step (later, with
 * netlink) executes the ops in order; the next reconcile observes again and plans again, so a
 * failed op is simply planned again (level-triggered, as kubernetes controllers do).
 *
 * What is planned, per enabled network (only for interfaces the planner may touch):
 * create the interface, private key, listen port, MTU, addresses, link up, peers (allowed IPs,
 * keepalive, endpoint, preshared key presence), routes to site networks; then firewall rules for
 * networks and bridges. Disabled networks' interfaces are deleted, and so are orphans: interfaces
 * the agent created (owned_interfaces) that no network uses any more.
 *
 * Design decisions:
 * - Ops carry ids and public data only; the apply step unseals keys by network/peer id, so a
 *   plan can be logged, shown in `diagnose` and compared in tests as is.
 * - Every op has a human `reason` ("MTU is 1500 on wg0, want 1420"): reconcile reports every
 *   discrepancy it fixes.
 * - Order: deletions first (they may free listen ports and names), then each network top-down
 *   (an interface exists before it is configured; the device is keyed before it gets peers),
 *   then stale firewall rules out, missing ones in.
 * - Foreign things are never touched: an interface of kind 'other' under a network's name is a
 *   conflict (reported, not fixed); interfaces not in the database are not ours; routes and
 *   firewall rules are ours only when the observer says so (route protocol, owner tag).
 * - Endpoints: a peer's configured endpoint is set when the device has none. A different
 *   observed endpoint is left alone, because WireGuard updates it when the peer roams.
 * - IPv6 link-local addresses (fe80::/10) that the kernel adds on its own are ignored.
 */
import { contains, formatCidr, formatInterfaceAddress, parseCidr, parseCidrLoose, parseInterfaceAddress } from './cidr.js';
import { desiredFirewallRules, isOwnedTag, sameRule, type FirewallRule } from './firewall.js';
import { isPeerActive, peerHostCidrs, serverInterfaceAddresses, type Bridge, type Network, type Peer } from './model.js';
import type { ObservedInterface, ObservedPeer, ObservedState } from './observed.js';

export interface DesiredState {
  networks: readonly Network[];
  peers: readonly Peer[];
  bridges: readonly Bridge[];
  /** Interface names the agent created (owned_interfaces). */
  ownedInterfaces: readonly string[];
}

interface Base {
  reason: string;
}
interface OnIface extends Base {
  interface: string;
}

export type Op =
  | (OnIface & { kind: 'createInterface'; networkId: number })
  | (OnIface & { kind: 'deleteInterface'; networkId: number })
  | (OnIface & { kind: 'deleteOrphanInterface' })
  | (OnIface & { kind: 'setPrivateKey'; networkId: number })
  | (OnIface & { kind: 'setListenPort'; listenPort: number })
  | (OnIface & { kind: 'setMtu'; mtu: number })
  | (OnIface & { kind: 'setAddress'; address: string })
  | (OnIface & { kind: 'removeAddress'; address: string })
  | (OnIface & { kind: 'setLinkUp' })
  | (OnIface & { kind: 'upsertPeer'; peer: DesiredPeer })
  | (OnIface & { kind: 'removePeer'; publicKey: string })
  | (OnIface & { kind: 'addRoute'; destination: string })
  | (OnIface & { kind: 'removeRoute'; destination: string })
  | (Base & { kind: 'ensureFirewallRule'; rule: FirewallRule })
  | (Base & { kind: 'removeFirewallRule'; tag: string });

export type OpKind = Op['kind'];

/** DesiredPeer is a peer as the server's device should hold it. */
export interface DesiredPeer {
  peerId: number;
  publicKey: string;
  allowedIps: string[];
  persistentKeepalive: number;
  endpoint: string | null;
  presharedKey: boolean;
}

/** Conflict is a discrepancy the planner will not fix because it is not ours to fix. */
export interface Conflict {
  interface: string;
  reason: string;
}

export interface Plan {
  ops: Op[];
  conflicts: Conflict[];
}

const short = (key: string | null): string => (key === null ? 'none' : `${key.slice(0, 8)}…`);

const LINK_LOCAL_V6 = parseCidr('fe80::/10');

function canonAddresses(list: readonly string[]): string[] {
  return list
    .map(parseInterfaceAddress)
    .filter((a) => !contains(LINK_LOCAL_V6, a.address))
    .map(formatInterfaceAddress);
}

function canonCidrs(list: readonly string[]): string[] {
  return [...new Set(list.map((c) => formatCidr(parseCidrLoose(c).cidr)))].sort();
}

/** desiredPeer derives what the device should hold for a peer: its /32 and /128, plus site networks. */
export function desiredPeer(peer: Peer, network: Pick<Network, 'mode'>): DesiredPeer {
  const sites = peer.role === 'site-gateway' && network.mode === 'site-to-site' ? peer.siteNetworks : [];
  return {
    peerId: peer.id,
    publicKey: peer.publicKey,
    allowedIps: canonCidrs([...peerHostCidrs(peer), ...sites]),
    persistentKeepalive: peer.persistentKeepalive,
    endpoint: peer.endpoint,
    presharedKey: peer.hasPresharedKey,
  };
}

/** peerDifferences lists why the observed peer is not the desired one (empty = equal). */
function peerDifferences(want: DesiredPeer, have: ObservedPeer): string[] {
  const out: string[] = [];
  const haveIps = canonCidrs(have.allowedIps);
  if (haveIps.join(',') !== want.allowedIps.join(',')) {
    out.push(`allowed IPs are ${haveIps.join(', ') || 'none'}, want ${want.allowedIps.join(', ')}`);
  }
  if (have.persistentKeepalive !== want.persistentKeepalive) {
    out.push(`keepalive is ${have.persistentKeepalive}, want ${want.persistentKeepalive}`);
  }
  if (want.endpoint !== null && have.endpoint === null) out.push(`no endpoint, want ${want.endpoint}`);
  if (have.hasPresharedKey !== want.presharedKey) {
    out.push(want.presharedKey ? 'preshared key missing' : 'has a preshared key it should not have');
  }
  return out;
}

function planNetwork(n: Network, have: ObservedInterface | undefined, peers: readonly Peer[], now: Date): Op[] {
  const ops: Op[] = [];
  const iface = n.interface;
  const net = `network '${n.name}'`;
  const isNew = have === undefined;
  if (isNew) ops.push({ kind: 'createInterface', interface: iface, networkId: n.id, reason: `${net} is enabled but ${iface} does not exist` });
  const wg = have?.wireguard ?? { listenPort: 0, publicKey: null, peers: [] };

  if (wg.publicKey !== n.publicKey) {
    const reason = isNew ? `new ${iface}: set the private key of ${net}` : `${iface} has public key ${short(wg.publicKey)}, want ${short(n.publicKey)} (${net})`;
    ops.push({ kind: 'setPrivateKey', interface: iface, networkId: n.id, reason });
  }
  if (wg.listenPort !== n.listenPort) {
    const reason = isNew ? `new ${iface}: listen port ${n.listenPort}` : `listen port is ${wg.listenPort} on ${iface}, want ${n.listenPort}`;
    ops.push({ kind: 'setListenPort', interface: iface, listenPort: n.listenPort, reason });
  }
  if (have?.mtu !== n.mtu) {
    const reason = have === undefined ? `new ${iface}: MTU ${n.mtu}` : `MTU is ${have.mtu} on ${iface}, want ${n.mtu}`;
    ops.push({ kind: 'setMtu', interface: iface, mtu: n.mtu, reason });
  }
  const wantAddrs = canonAddresses(serverInterfaceAddresses(n));
  const haveAddrs = canonAddresses(have?.addresses ?? []);
  for (const a of haveAddrs.filter((a) => !wantAddrs.includes(a))) {
    ops.push({ kind: 'removeAddress', interface: iface, address: a, reason: `${iface} has address ${a}, which ${net} does not use` });
  }
  for (const a of wantAddrs.filter((a) => !haveAddrs.includes(a))) {
    ops.push({ kind: 'setAddress', interface: iface, address: a, reason: isNew ? `new ${iface}: address ${a}` : `${iface} lacks address ${a}` });
  }
  if (!have?.up) ops.push({ kind: 'setLinkUp', interface: iface, reason: isNew ? `new ${iface}: bring it up` : `${iface} is down` });

  const mine = peers.filter((p) => p.networkId === n.id);
  const active = mine.filter((p) => isPeerActive(p, now));
  const byKey = new Map(mine.map((p) => [p.publicKey, p]));
  for (const hp of wg.peers) {
    const p = byKey.get(hp.publicKey);
    if (p && active.includes(p)) continue;
    const why =
      p === undefined
        ? `${iface} has peer ${short(hp.publicKey)}, which is not in ${net}`
        : !p.enabled
          ? `peer '${p.name}' is disabled`
          : `peer '${p.name}' expired at ${p.expiresAt?.toISOString() ?? '?'}`;
    ops.push({ kind: 'removePeer', interface: iface, publicKey: hp.publicKey, reason: why });
  }
  const haveByKey = new Map(wg.peers.map((hp) => [hp.publicKey, hp]));
  for (const p of active) {
    const want = desiredPeer(p, n);
    const hp = haveByKey.get(p.publicKey);
    const diffs = hp ? peerDifferences(want, hp) : [];
    if (hp && diffs.length === 0) continue;
    const reason = hp ? `peer '${p.name}' on ${iface}: ${diffs.join('; ')}` : `peer '${p.name}' is missing from ${iface}`;
    ops.push({ kind: 'upsertPeer', interface: iface, peer: want, reason });
  }

  // Routes to site networks: the device accepts them (allowed IPs), the kernel must route them.
  const wantRoutes = canonCidrs(active.flatMap((p) => (p.role === 'site-gateway' && n.mode === 'site-to-site' ? p.siteNetworks : [])));
  const haveRoutes = (have?.routes ?? []).map((r) => ({ ...r, destination: formatCidr(parseCidrLoose(r.destination).cidr) }));
  for (const r of haveRoutes.filter((r) => r.owned && !wantRoutes.includes(r.destination))) {
    ops.push({ kind: 'removeRoute', interface: iface, destination: r.destination, reason: `route to ${r.destination} via ${iface} is no longer a site network of ${net}` });
  }
  for (const d of wantRoutes.filter((d) => !haveRoutes.some((r) => r.destination === d))) {
    ops.push({ kind: 'addRoute', interface: iface, destination: d, reason: `no route to site network ${d} via ${iface}` });
  }
  return ops;
}

/** plan computes the ops that make `observed` match `desired` at instant `now` (for expiry). */
export function plan(desired: DesiredState, observed: ObservedState, now: Date): Plan {
  const conflicts: Conflict[] = [];
  const deletions: Op[] = [];
  const updates: Op[] = [];
  const observedByName = new Map(observed.interfaces.map((i) => [i.name, i]));
  const networkByIface = new Map(desired.networks.map((n) => [n.interface, n]));

  for (const n of desired.networks) {
    const have = observedByName.get(n.interface);
    if (have && have.kind !== 'wireguard') {
      conflicts.push({ interface: n.interface, reason: `${n.interface} exists but is not a WireGuard interface; network '${n.name}' cannot use it` });
      continue;
    }
    if (!n.enabled) {
      if (have) deletions.push({ kind: 'deleteInterface', interface: n.interface, networkId: n.id, reason: `network '${n.name}' is disabled` });
      continue;
    }
    updates.push(...planNetwork(n, have, desired.peers, now));
  }
  const owned = new Set(desired.ownedInterfaces);
  for (const i of observed.interfaces) {
    if (i.kind === 'wireguard' && owned.has(i.name) && !networkByIface.has(i.name)) {
      deletions.push({ kind: 'deleteOrphanInterface', interface: i.name, reason: `${i.name} was created by wgpilot but no network uses it any more` });
    }
  }

  return { ops: [...deletions, ...updates, ...planFirewall(desired, observed)], conflicts };
}

/**
 * planFirewall: owned rules no one wants go; wanted rules that are missing, different or
 * duplicated are (re)written — the apply step replaces every rule with that tag by one.
 */
function planFirewall(desired: DesiredState, observed: ObservedState): Op[] {
  const wantRules = desiredFirewallRules(desired.networks, desired.bridges);
  const wantTags = new Set(wantRules.map((r) => r.tag));
  const haveByTag = new Map<string, (FirewallRule | null)[]>();
  for (const o of observed.firewallRules) {
    if (isOwnedTag(o.tag)) haveByTag.set(o.tag, [...(haveByTag.get(o.tag) ?? []), o.rule]);
  }
  const ops: Op[] = [];
  for (const tag of haveByTag.keys()) {
    if (!wantTags.has(tag)) ops.push({ kind: 'removeFirewallRule', tag, reason: `firewall rule ${tag} belongs to no enabled network or bridge` });
  }
  for (const r of wantRules) {
    const have = haveByTag.get(r.tag) ?? [];
    const first = have[0];
    if (have.length === 1 && first && sameRule(first, r)) continue;
    const owner = r.tag.includes(':bridge:') ? 'bridge' : 'network';
    const reason =
      have.length === 0
        ? `firewall rule ${r.tag} is missing`
        : have.length > 1
          ? `firewall rule ${r.tag} is present ${have.length} times`
          : `firewall rule ${r.tag} differs from what its ${owner} needs`;
    ops.push({ kind: 'ensureFirewallRule', rule: r, reason });
  }
  return ops;
}
