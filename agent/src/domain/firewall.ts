/**
 * Firewall rules the topology modes and bridges need, in domain terms (what to match, what to
 * do). The nftables layer turns them into rules in the agent's own table; each rule carries
 * its `tag` so reconcile can find exactly the rules it owns.
 *
 * Rules per enabled network (iface = its interface):
 * - gateway: forward `iif iface accept`; forward `oif iface ct established accept` (replies);
 *   postrouting per family `saddr subnet oif uplink masquerade` (or `oif != iface` without an
 *   uplink). IPv6 is masqueraded too: a ULA subnet is not routable on the Internet.
 * - hub-routed: forward `iif iface oif iface accept` (clients reach each other, no NAT).
 * - site-to-site: forward `iif iface accept` and `oif iface accept` (sites ↔ server's LANs and
 *   site ↔ site).
 * Per enabled bridge between two enabled networks: forward `iif A oif B [daddr cidr] accept`
 * for each allowed direction (one rule per allowed CIDR), plus `ct established` replies for a
 * one-way bridge.
 * Isolation: for every ordered pair of enabled networks A ≠ B, forward `iif A oif B drop`, so
 * networks only reach each other through a bridge (the forward chain's policy is accept, and
 * a gateway network's `iif A accept` would otherwise let A into B).
 *
 * Order matters (the first matching accept or drop ends the chain), so the list is ordered:
 * bridge accepts, then isolation drops, then the networks' own rules. The apply step writes the
 * table in exactly this order.
 */
import { parseCidr } from './cidr.js';
import type { Bridge, Network } from './model.js';

/** Every tag the agent writes starts with this; rules without it are never touched. */
export const FIREWALL_TAG_PREFIX = 'wgpilot:';

export interface FirewallRule {
  /** Owner tag, unique per rule ("wgpilot:net:3:masq4"). */
  tag: string;
  chain: 'forward' | 'postrouting';
  /** 'inet' matches both IPv4 and IPv6. */
  family: 'inet' | 'ip' | 'ip6';
  iif?: string;
  oif?: string;
  oifNot?: string;
  saddr?: string;
  daddr?: string;
  /** Match only packets of connections already established (replies). */
  established?: boolean;
  verdict: 'accept' | 'drop' | 'masquerade';
}

/** sameRule compares two rules field by field (absent and undefined are the same). */
export function sameRule(a: FirewallRule, b: FirewallRule): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof FirewallRule)[]);
  return [...keys].every((k) => (a[k] ?? null) === (b[k] ?? null));
}

export function isOwnedTag(tag: string | null): tag is string {
  return tag !== null && tag.startsWith(FIREWALL_TAG_PREFIX);
}

type NetworkRuleInput = Pick<Network, 'id' | 'interface' | 'mode' | 'subnet4' | 'subnet6' | 'uplinkInterface' | 'enabled'>;

function networkRules(n: NetworkRuleInput): FirewallRule[] {
  const t = (suffix: string): string => `${FIREWALL_TAG_PREFIX}net:${n.id}:${suffix}`;
  switch (n.mode) {
    case 'gateway': {
      const rules: FirewallRule[] = [
        { tag: t('fwd-out'), chain: 'forward', family: 'inet', iif: n.interface, verdict: 'accept' },
        { tag: t('fwd-back'), chain: 'forward', family: 'inet', oif: n.interface, established: true, verdict: 'accept' },
      ];
      for (const [family, subnet] of [['ip', n.subnet4], ['ip6', n.subnet6]] as const) {
        if (subnet === null) continue;
        const out: Pick<FirewallRule, 'oif' | 'oifNot'> = n.uplinkInterface ? { oif: n.uplinkInterface } : { oifNot: n.interface };
        rules.push({ tag: t(family === 'ip' ? 'masq4' : 'masq6'), chain: 'postrouting', family, saddr: subnet, ...out, verdict: 'masquerade' });
      }
      return rules;
    }
    case 'hub-routed':
      return [{ tag: t('hub'), chain: 'forward', family: 'inet', iif: n.interface, oif: n.interface, verdict: 'accept' }];
    case 'site-to-site':
      return [
        { tag: t('site-in'), chain: 'forward', family: 'inet', iif: n.interface, verdict: 'accept' },
        { tag: t('site-out'), chain: 'forward', family: 'inet', oif: n.interface, verdict: 'accept' },
      ];
  }
}

function bridgeRules(b: Bridge, a: NetworkRuleInput, z: NetworkRuleInput): FirewallRule[] {
  const rules: FirewallRule[] = [];
  const oneWay = (from: NetworkRuleInput, to: NetworkRuleInput, dir: string): void => {
    const base = { chain: 'forward', iif: from.interface, oif: to.interface, verdict: 'accept' } as const;
    if (b.allowedCidrs.length === 0) {
      rules.push({ ...base, tag: `${FIREWALL_TAG_PREFIX}bridge:${b.id}:${dir}`, family: 'inet' });
    }
    for (const [i, cidr] of b.allowedCidrs.entries()) {
      const family = parseCidr(cidr).family === 4 ? 'ip' : 'ip6';
      rules.push({ ...base, tag: `${FIREWALL_TAG_PREFIX}bridge:${b.id}:${dir}:${i}`, family, daddr: cidr });
    }
    if (b.direction !== 'bidirectional') {
      rules.push({
        tag: `${FIREWALL_TAG_PREFIX}bridge:${b.id}:${dir}:back`,
        chain: 'forward',
        family: 'inet',
        iif: to.interface,
        oif: from.interface,
        established: true,
        verdict: 'accept',
      });
    }
  };
  if (b.direction !== 'b_to_a') oneWay(a, z, 'a_to_b');
  if (b.direction !== 'a_to_b') oneWay(z, a, 'b_to_a');
  return rules;
}

function isolationRules(networks: readonly NetworkRuleInput[]): FirewallRule[] {
  return networks.flatMap((a) =>
    networks
      .filter((b) => b.id !== a.id)
      .map((b): FirewallRule => ({ tag: `${FIREWALL_TAG_PREFIX}iso:${a.id}:${b.id}`, chain: 'forward', family: 'inet', iif: a.interface, oif: b.interface, verdict: 'drop' })),
  );
}

/**
 * desiredFirewallRules lists every rule the enabled networks and bridges need, in evaluation
 * order: bridge accepts, isolation drops, network rules.
 */
export function desiredFirewallRules(networks: readonly NetworkRuleInput[], bridges: readonly Bridge[]): FirewallRule[] {
  const enabled = new Map(networks.filter((n) => n.enabled).map((n) => [n.id, n]));
  const rules: FirewallRule[] = [];
  for (const b of bridges) {
    const a = enabled.get(b.networkAId);
    const z = enabled.get(b.networkBId);
    if (b.enabled && a && z) rules.push(...bridgeRules(b, a, z));
  }
  rules.push(...isolationRules([...enabled.values()]));
  rules.push(...[...enabled.values()].flatMap(networkRules));
  return rules;
}
