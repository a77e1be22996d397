/**
 * applyOps executes the planner's ops against the kernel, in order, and returns one report line
 * per op (applied, or failed with the kernel's error). It never throws for a failed op: the
 * next reconcile observes again and plans the rest again (level-triggered).
 *
 * | op                       | kernel call                          | C-tool equivalent                 |
 * |--------------------------|--------------------------------------|-----------------------------------|
 * | createInterface          | WireGuardClient.createDevice         | `ip link add wg0 type wireguard` / `wireguard-go wg0` |
 * | delete(Orphan)Interface  | WireGuardClient.deleteDevice         | `ip link del wg0`                 |
 * | setPrivateKey/ListenPort | configureDevice                      | `wg set wg0 private-key … listen-port …` |
 * | setMtu                   | RTM_NEWLINK IFLA_MTU                 | `ip link set wg0 mtu 1420`        |
 * | set/removeAddress        | RTM_NEWADDR / RTM_DELADDR            | `ip addr add/del 10.8.0.1/24 dev wg0` |
 * | setLinkUp                | RTM_NEWLINK IFF_UP                   | `ip link set wg0 up`              |
 * | upsertPeer / removePeer  | configureDevice (batched per device) | `wg set wg0 peer … [remove]`      |
 * | add/removeRoute          | RTM_NEWROUTE / RTM_DELROUTE, proto 119 | `ip route replace 192.168.50.0/24 dev wg0 proto 119` |
 * | ensure/removeFirewallRule| one nft transaction: flush + all rules in order | `nft -f` (flush table + add rules) |
 *
 * Design decisions:
 * - Consecutive peer ops on one device go out as one configureDevice (one UAPI `set=1` or a
 *   few genl messages): re-adding 1,000 peers after a crash is one write, not 1,000. When the
 *   batch fails, the ops are retried one by one so each report names its own error.
 * - Firewall ops rewrite the whole table in the desired order in one transaction, because rule
 *   order decides verdicts (bridge accepts before isolation drops) and nft can only append.
 * - Ops on an interface whose creation failed are skipped with that reason.
 */
import { lookup } from 'node:dns/promises';
import type { DesiredPeer, Op } from '../domain/plan.js';
import { NetlinkError } from '../netlink/conn/errors.js';
import { addAddress, deleteAddress } from '../netlink/families/route/addresses.js';
import { getLink, setLinkMtu, setLinkUp } from '../netlink/families/route/links.js';
import { deleteRoute, replaceRoute } from '../netlink/families/route/routes.js';
import { WireGuardError } from '../wireguard/errors.js';
import { parseEndpoint } from '../wireguard/ip.js';
import { Key } from '../wireguard/keys.js';
import type { Endpoint, PeerConfig } from '../wireguard/types.js';
import { errorMessage } from './errors.js';
import { toRuleSpec } from './firewall-nft.js';
import type { HostKernel } from './host.js';
import type { ApplyContext, ApplySecrets, OpReport } from './kernel.js';
import { RTPROT_WGPILOT } from './observe.js';

type PeerOp = Extract<Op, { kind: 'upsertPeer' | 'removePeer' }>;
const isPeerOp = (o: Op | undefined): o is PeerOp => o?.kind === 'upsertPeer' || o?.kind === 'removePeer';
const isFirewallOp = (o: Op): boolean => o.kind === 'ensureFirewallRule' || o.kind === 'removeFirewallRule';

export async function applyOps(k: HostKernel, ops: readonly Op[], ctx: ApplyContext): Promise<OpReport[]> {
  const reports: OpReport[] = [];
  const brokenInterfaces = new Map<string, string>();
  const firewall = ops.filter(isFirewallOp);
  for (let i = 0; i < ops.length; ) {
    const op = ops[i] as Op;
    if (isFirewallOp(op)) {
      i++;
      continue;
    }
    const broken = 'interface' in op ? brokenInterfaces.get(op.interface) : undefined;
    if (broken !== undefined) {
      reports.push({ op, ok: false, error: `skipped: ${broken}` });
      i++;
      continue;
    }
    if (isPeerOp(op)) {
      let j = i;
      while (isPeerOp(ops[j]) && (ops[j] as PeerOp).interface === op.interface) j++;
      reports.push(...(await applyPeerOps(k, ops.slice(i, j) as PeerOp[], ctx.secrets)));
      i = j;
      continue;
    }
    try {
      await applyOne(k, op, ctx.secrets);
      reports.push({ op, ok: true });
    } catch (err) {
      reports.push({ op, ok: false, error: errorMessage(err), cause: err });
      if (op.kind === 'createInterface') brokenInterfaces.set(op.interface, `creating ${op.interface} failed: ${errorMessage(err)}`);
    }
    i++;
  }
  if (firewall.length > 0) {
    try {
      // Equivalent to: `nft add table inet wgpilot` + base chains, then `nft -f` flush + rules.
      await k.nft.ensureTable();
      await k.nft.replaceRules(ctx.firewallRules.map(toRuleSpec));
      reports.push(...firewall.map((op) => ({ op, ok: true })));
    } catch (err) {
      reports.push(...firewall.map((op) => ({ op, ok: false, error: errorMessage(err), cause: err })));
    }
  }
  return reports;
}

async function ifindex(k: HostKernel, name: string): Promise<number> {
  return (await getLink(k.route, name)).index;
}

async function applyOne(k: HostKernel, op: Exclude<Op, PeerOp>, secrets: ApplySecrets): Promise<void> {
  switch (op.kind) {
    case 'createInterface':
      await k.forgetStaleDaemon(op.interface);
      await k.wg.createDevice(op.interface);
      return;
    case 'deleteInterface':
    case 'deleteOrphanInterface':
      try {
        await k.wg.deleteDevice(op.interface);
      } catch (err) {
        if (!isGone(err)) throw err;
      }
      return;
    case 'setPrivateKey':
      await k.wg.configureDevice(op.interface, { privateKey: secrets.networkPrivateKey(op.networkId) });
      return;
    case 'setListenPort':
      await k.wg.configureDevice(op.interface, { listenPort: op.listenPort });
      return;
    case 'setMtu':
      await setLinkMtu(k.route, op.interface, op.mtu);
      return;
    case 'setAddress':
      await addAddress(k.route, { index: await ifindex(k, op.interface), address: op.address }, { replace: true });
      return;
    case 'removeAddress':
      await deleteAddress(k.route, { index: await ifindex(k, op.interface), address: op.address });
      return;
    case 'setLinkUp':
      await setLinkUp(k.route, op.interface);
      return;
    case 'addRoute':
      await replaceRoute(k.route, { dst: op.destination, oif: await ifindex(k, op.interface), protocol: RTPROT_WGPILOT });
      return;
    case 'removeRoute':
      try {
        await deleteRoute(k.route, { dst: op.destination, oif: await ifindex(k, op.interface), protocol: RTPROT_WGPILOT });
      } catch (err) {
        if (!(err instanceof NetlinkError && err.code === 'ESRCH')) throw err;
      }
      return;
    case 'ensureFirewallRule':
    case 'removeFirewallRule':
      return; // handled as one transaction by applyOps
  }
}

/** Equivalent to: `wg set <if> peer A … peer B … [remove]` — one write for the whole batch. */
async function applyPeerOps(k: HostKernel, ops: readonly PeerOp[], secrets: ApplySecrets): Promise<OpReport[]> {
  const iface = ops[0]?.interface ?? '';
  const configs: PeerConfig[] = [];
  try {
    for (const op of ops) configs.push(await peerConfig(op, secrets));
    await k.wg.configureDevice(iface, { peers: configs });
    return ops.map((op) => ({ op, ok: true }));
  } catch (batchErr) {
    if (ops.length === 1) return [{ op: ops[0] as PeerOp, ok: false, error: errorMessage(batchErr), cause: batchErr }];
  }
  const out: OpReport[] = [];
  for (const op of ops) {
    try {
      await k.wg.configureDevice(iface, { peers: [await peerConfig(op, secrets)] });
      out.push({ op, ok: true });
    } catch (err) {
      out.push({ op, ok: false, error: errorMessage(err), cause: err });
    }
  }
  return out;
}

/** peerConfig turns an op into the device's PeerConfig, unsealing the preshared key. */
export async function peerConfig(op: PeerOp, secrets: ApplySecrets): Promise<PeerConfig> {
  if (op.kind === 'removePeer') return { publicKey: Key.fromBase64(op.publicKey, 'publicKey'), remove: true };
  return desiredPeerConfig(op.peer, secrets);
}

export async function desiredPeerConfig(p: DesiredPeer, secrets: ApplySecrets): Promise<PeerConfig> {
  return {
    publicKey: Key.fromBase64(p.publicKey, 'publicKey'),
    presharedKey: p.presharedKey ? secrets.peerPresharedKey(p.peerId) : null,
    ...(p.endpoint ? { endpoint: await resolveEndpoint(p.endpoint) } : {}),
    persistentKeepaliveInterval: p.persistentKeepalive,
    replaceAllowedIPs: true,
    allowedIPs: p.allowedIps,
  };
}

/** resolveEndpoint accepts "1.2.3.4:51820", "[fd00::1]:51820" or "host.example:51820" (resolved as wg(8) does). */
export async function resolveEndpoint(text: string): Promise<Endpoint> {
  try {
    return parseEndpoint(text);
  } catch {
    const m = /^(.*):(\d+)$/.exec(text);
    if (!m || !m[1]) throw new Error(`endpoint ${text}: not host:port`);
    const { address } = await lookup(m[1]);
    return { address, port: Number(m[2]) };
  }
}

function isGone(err: unknown): boolean {
  return (err instanceof WireGuardError || err instanceof NetlinkError) && (err.code === 'ENODEV' || err.code === 'ENOENT');
}
