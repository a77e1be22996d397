// domain/plan.ts: the reconcile planner. A hand-written host that matches the desired state
// exactly, then one discrepancy at a time: each must produce exactly the op that fixes it, with a
// reason a person can read, and nothing foreign may ever be touched.
import { describe, expect, it } from 'vitest';
import type { FirewallRule } from '../../../agent/src/domain/firewall.js';
import type { Bridge, Network, Peer } from '../../../agent/src/domain/model.js';
import type { ObservedInterface, ObservedState } from '../../../agent/src/domain/observed.js';
import { plan, type DesiredState, type Op } from '../../../agent/src/domain/plan.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const T0 = new Date('2026-01-01T00:00:00Z');
const K = {
  office: 'CP4XsP8XobMSUTnBAy+2qMXC/uMsBXwY7ZMmWx0ZJgU=',
  sites: 'TemuMdPcQZCg8Y4ZgZGBjaQn8cbagTxNr6DTgLKRHUQ=',
  alice: '7eW9qSovyB4mmLZHpM8D3d3w6b+kxUELvLtgJ36YTRA=',
  bob: 'sXQ7gFB5nrTvlC0Fzl+gwr0AjzLnmc2INBRFldOnsh8=',
  branch: 'T1LeIpHLltMD9LHCc+9w5uzEI77jU+T4L9VLSLWWDhM=',
  stranger: 'QOZyXUWUPn31wtk/wYAOy5k2wUSRDwKpDCd3mBNCQkk=',
};

const base = { dns: [], mtu: 1420, endpointHost: null, uplinkInterface: null, routingTable: 0, firewallMark: 0, enabled: true, createdAt: T0, updatedAt: T0 };
const office: Network = { ...base, id: 1, name: 'office', interface: 'wg0', mode: 'gateway', subnet4: '10.8.0.0/24', subnet6: 'fd42:42:42::/64', address4: '10.8.0.1', address6: 'fd42:42:42::1', listenPort: 51820, publicKey: K.office, uplinkInterface: 'eth0' };
const sites: Network = { ...base, id: 2, name: 'sites', interface: 'wg1', mode: 'site-to-site', subnet4: '10.9.0.0/24', subnet6: null, address4: '10.9.0.1', address6: null, listenPort: 51821, publicKey: K.sites };

const peerBase = { email: null, role: 'client' as const, address6: null, hasPrivateKey: true, hasPresharedKey: false, siteNetworks: [], allowedIps: null, endpoint: null, persistentKeepalive: 0, bandwidthUpKbps: 0, bandwidthDownKbps: 0, enabled: true, expiresAt: null, createdAt: T0, updatedAt: T0 };
const alice: Peer = { ...peerBase, id: 11, networkId: 1, name: 'alice', address4: '10.8.0.2', address6: 'fd42:42:42::2', publicKey: K.alice, hasPresharedKey: true, persistentKeepalive: 25 };
const bob: Peer = { ...peerBase, id: 12, networkId: 1, name: 'bob', address4: '10.8.0.3', publicKey: K.bob };
const branch: Peer = { ...peerBase, id: 21, networkId: 2, name: 'branch', role: 'site-gateway', address4: '10.9.0.4', publicKey: K.branch, siteNetworks: ['192.168.50.0/24'], endpoint: 'branch.example.org:51820', persistentKeepalive: 25 };
const bridge: Bridge = { id: 5, networkAId: 1, networkBId: 2, direction: 'a_to_b', allowedCidrs: [], enabled: true, createdAt: T0, updatedAt: T0 };

const desired = (over: Partial<DesiredState> = {}): DesiredState => ({
  networks: [office, sites],
  peers: [alice, bob, branch],
  bridges: [bridge],
  ownedInterfaces: ['wg0', 'wg1'],
  ...over,
});

const rules: FirewallRule[] = [
  { tag: 'wgpilot:net:1:fwd-out', chain: 'forward', family: 'inet', iif: 'wg0', verdict: 'accept' },
  { tag: 'wgpilot:net:1:fwd-back', chain: 'forward', family: 'inet', oif: 'wg0', established: true, verdict: 'accept' },
  { tag: 'wgpilot:net:1:masq4', chain: 'postrouting', family: 'ip', saddr: '10.8.0.0/24', oif: 'eth0', verdict: 'masquerade' },
  { tag: 'wgpilot:net:1:masq6', chain: 'postrouting', family: 'ip6', saddr: 'fd42:42:42::/64', oif: 'eth0', verdict: 'masquerade' },
  { tag: 'wgpilot:net:2:site-in', chain: 'forward', family: 'inet', iif: 'wg1', verdict: 'accept' },
  { tag: 'wgpilot:net:2:site-out', chain: 'forward', family: 'inet', oif: 'wg1', verdict: 'accept' },
  { tag: 'wgpilot:bridge:5:a_to_b', chain: 'forward', family: 'inet', iif: 'wg0', oif: 'wg1', verdict: 'accept' },
  { tag: 'wgpilot:bridge:5:a_to_b:back', chain: 'forward', family: 'inet', iif: 'wg1', oif: 'wg0', established: true, verdict: 'accept' },
  // Networks are isolated from each other except through bridges (evaluated after them).
  { tag: 'wgpilot:iso:1:2', chain: 'forward', family: 'inet', iif: 'wg0', oif: 'wg1', verdict: 'drop' },
  { tag: 'wgpilot:iso:2:1', chain: 'forward', family: 'inet', iif: 'wg1', oif: 'wg0', verdict: 'drop' },
];

/** A host exactly as the desired state wants it, written out by hand (plus foreign things). */
function host(): ObservedState {
  const wg0: ObservedInterface = {
    name: 'wg0',
    kind: 'wireguard',
    up: true,
    mtu: 1420,
    addresses: ['10.8.0.1/24', 'fd42:42:42::1/64', 'fe80::1234/64', 'febf::1/64'],
    routes: [],
    wireguard: {
      listenPort: 51820,
      publicKey: K.office,
      peers: [
        { publicKey: K.alice, allowedIps: ['fd42:42:42:0:0:0:0:2/128', '10.8.0.2/32'], persistentKeepalive: 25, endpoint: '198.51.100.9:40000', hasPresharedKey: true },
        { publicKey: K.bob, allowedIps: ['10.8.0.3/32'], persistentKeepalive: 0, endpoint: null, hasPresharedKey: false },
      ],
    },
  };
  const wg1: ObservedInterface = {
    name: 'wg1',
    kind: 'wireguard',
    up: true,
    mtu: 1420,
    addresses: ['10.9.0.1/24'],
    routes: [
      { destination: '192.168.50.0/24', owned: true },
      { destination: '172.16.0.0/12', owned: false },
    ],
    wireguard: {
      listenPort: 51821,
      publicKey: K.sites,
      peers: [{ publicKey: K.branch, allowedIps: ['10.9.0.4/32', '192.168.50.0/24'], persistentKeepalive: 25, endpoint: '203.0.113.5:51820', hasPresharedKey: false }],
    },
  };
  // Foreign things: an admin's own wg-quick interface, the uplink, a rule of another tool.
  const wgAdmin: ObservedInterface = { name: 'wg-admin', kind: 'wireguard', up: true, mtu: 1500, addresses: ['10.99.0.1/24'], routes: [], wireguard: { listenPort: 4000, publicKey: K.stranger, peers: [] } };
  const eth0: ObservedInterface = { name: 'eth0', kind: 'other', up: true, mtu: 1500, addresses: ['198.51.100.2/24'], routes: [], wireguard: null };
  return {
    interfaces: [wg0, wg1, wgAdmin, eth0],
    firewallRules: [...rules.map((rule) => ({ tag: rule.tag, rule })), { tag: null, rule: null }, { tag: 'docker:abc', rule: null }],
  };
}

const iface = (s: ObservedState, name: string): ObservedInterface => {
  const i = s.interfaces.find((x) => x.name === name);
  if (!i) throw new Error(name);
  return i;
};
const summary = (ops: Op[]) => ops.map((o) => [o.kind, o.reason]);

describe('plan', () => {
  it('is a no-op when the host matches (foreign interfaces, routes and rules ignored)', () => {
    expect(plan(desired(), host(), NOW)).toEqual({ ops: [], conflicts: [] });
  });

  it.each<[string, (h: ObservedState) => void, [string, string][]]>([
    ['MTU', (h) => void (iface(h, 'wg0').mtu = 1500), [['setMtu', 'MTU is 1500 on wg0, want 1420']]],
    ['link down', (h) => void (iface(h, 'wg1').up = false), [['setLinkUp', 'wg1 is down']]],
    ['listen port', (h) => void (iface(h, 'wg0').wireguard!.listenPort = 51999), [['setListenPort', 'listen port is 51999 on wg0, want 51820']]],
    ['private key', (h) => void (iface(h, 'wg0').wireguard!.publicKey = K.stranger), [['setPrivateKey', "wg0 has public key QOZyXUWU…, want CP4XsP8X… (network 'office')"]]],
    ['no private key', (h) => void (iface(h, 'wg1').wireguard!.publicKey = null), [['setPrivateKey', "wg1 has public key none, want TemuMdPc… (network 'sites')"]]],
    ['missing address', (h) => void (iface(h, 'wg0').addresses = ['10.8.0.1/24']), [['setAddress', 'wg0 lacks address fd42:42:42::1/64']]],
    ['extra address', (h) => void iface(h, 'wg1').addresses.push('192.0.2.1/24'), [['removeAddress', "wg1 has address 192.0.2.1/24, which network 'sites' does not use"]]],
    ['wrong prefix length', (h) => void (iface(h, 'wg1').addresses = ['10.9.0.1/16']), [
      ['removeAddress', "wg1 has address 10.9.0.1/16, which network 'sites' does not use"],
      ['setAddress', 'wg1 lacks address 10.9.0.1/24'],
    ]],
    ['missing peer', (h) => void iface(h, 'wg0').wireguard!.peers.pop(), [['upsertPeer', "peer 'bob' is missing from wg0"]]],
    ['unknown peer', (h) => void iface(h, 'wg1').wireguard!.peers.push({ publicKey: K.stranger, allowedIps: [], persistentKeepalive: 0, endpoint: null, hasPresharedKey: false }), [
      ['removePeer', "wg1 has peer QOZyXUWU…, which is not in network 'sites'"],
    ]],
    ['allowed IPs', (h) => void (iface(h, 'wg0').wireguard!.peers[1]!.allowedIps = ['10.8.0.99/32']), [
      ['upsertPeer', "peer 'bob' on wg0: allowed IPs are 10.8.0.99/32, want 10.8.0.3/32"],
    ]],
    ['site network missing from allowed IPs', (h) => void (iface(h, 'wg1').wireguard!.peers[0]!.allowedIps = ['10.9.0.4/32']), [
      ['upsertPeer', "peer 'branch' on wg1: allowed IPs are 10.9.0.4/32, want 10.9.0.4/32, 192.168.50.0/24"],
    ]],
    ['keepalive', (h) => void (iface(h, 'wg0').wireguard!.peers[0]!.persistentKeepalive = 0), [['upsertPeer', "peer 'alice' on wg0: keepalive is 0, want 25"]]],
    ['missing preshared key', (h) => void (iface(h, 'wg0').wireguard!.peers[0]!.hasPresharedKey = false), [['upsertPeer', "peer 'alice' on wg0: preshared key missing"]]],
    ['extra preshared key', (h) => void (iface(h, 'wg0').wireguard!.peers[1]!.hasPresharedKey = true), [['upsertPeer', "peer 'bob' on wg0: has a preshared key it should not have"]]],
    ['endpoint never set', (h) => void (iface(h, 'wg1').wireguard!.peers[0]!.endpoint = null), [['upsertPeer', "peer 'branch' on wg1: no endpoint, want branch.example.org:51820"]]],
    ['missing site route', (h) => void (iface(h, 'wg1').routes = []), [['addRoute', 'no route to site network 192.168.50.0/24 via wg1']]],
    ['stale owned route', (h) => void iface(h, 'wg1').routes.push({ destination: '192.168.77.0/24', owned: true }), [
      ['removeRoute', "route to 192.168.77.0/24 via wg1 is no longer a site network of network 'sites'"],
    ]],
    ['missing firewall rule', (h) => void h.firewallRules.splice(2, 1), [['ensureFirewallRule', 'firewall rule wgpilot:net:1:masq4 is missing']]],
    ['changed firewall rule', (h) => void (h.firewallRules[2] = { tag: 'wgpilot:net:1:masq4', rule: { ...rules[2]!, oif: 'eth1' } }), [
      ['ensureFirewallRule', 'firewall rule wgpilot:net:1:masq4 differs from what its network needs'],
    ]],
    ['unreadable firewall rule of ours', (h) => void (h.firewallRules[6] = { tag: 'wgpilot:bridge:5:a_to_b', rule: null }), [
      ['ensureFirewallRule', 'firewall rule wgpilot:bridge:5:a_to_b differs from what its bridge needs'],
    ]],
    ['duplicated firewall rule', (h) => void h.firewallRules.push({ tag: rules[0]!.tag, rule: rules[0]! }), [
      ['ensureFirewallRule', 'firewall rule wgpilot:net:1:fwd-out is present 2 times'],
    ]],
    ['stale firewall rule', (h) => void h.firewallRules.push({ tag: 'wgpilot:net:9:hub', rule: null }), [
      ['removeFirewallRule', 'firewall rule wgpilot:net:9:hub belongs to no enabled network or bridge'],
    ]],
    ['orphan interface we created', (h) => void h.interfaces.push({ ...iface(h, 'wg-admin'), name: 'wg7' }), [
      ['deleteOrphanInterface', 'wg7 was created by wgpilot but no network uses it any more'],
    ]],
  ])('fixes one discrepancy: %s', (_name, mutate, want) => {
    const h = host();
    mutate(h);
    const owned = [...desired().ownedInterfaces, 'wg7'];
    expect(summary(plan(desired({ ownedInterfaces: owned }), h, NOW).ops)).toEqual(want);
  });

  it('leaves a roamed endpoint alone', () => {
    const h = host();
    iface(h, 'wg1').wireguard!.peers[0]!.endpoint = '192.0.2.200:1234';
    expect(plan(desired(), h, NOW).ops).toEqual([]);
  });

  it('upsertPeer carries what apply needs, and no secrets', () => {
    const h = host();
    iface(h, 'wg0').wireguard!.peers.shift();
    const [op] = plan(desired(), h, NOW).ops;
    expect(op).toEqual({
      kind: 'upsertPeer',
      interface: 'wg0',
      peer: { peerId: 11, publicKey: K.alice, allowedIps: ['10.8.0.2/32', 'fd42:42:42::2/128'], persistentKeepalive: 25, endpoint: null, presharedKey: true },
      reason: "peer 'alice' is missing from wg0",
    });
  });

  it('creates a missing interface and configures it completely, in order', () => {
    const h = host();
    h.interfaces = h.interfaces.filter((i) => i.name !== 'wg1');
    expect(summary(plan(desired(), h, NOW).ops)).toEqual([
      ['createInterface', "network 'sites' is enabled but wg1 does not exist"],
      ['setPrivateKey', "new wg1: set the private key of network 'sites'"],
      ['setListenPort', 'new wg1: listen port 51821'],
      ['setMtu', 'new wg1: MTU 1420'],
      ['setAddress', 'new wg1: address 10.9.0.1/24'],
      ['setLinkUp', 'new wg1: bring it up'],
      ['upsertPeer', "peer 'branch' is missing from wg1"],
      ['addRoute', 'no route to site network 192.168.50.0/24 via wg1'],
    ]);
  });

  it('removes disabled and expired peers; an expired peer that is gone stays gone', () => {
    const peers = [{ ...alice, enabled: false }, { ...bob, expiresAt: new Date('2026-11-01T00:00:00Z') }, branch];
    expect(summary(plan(desired({ peers }), host(), NOW).ops)).toEqual([
      ['removePeer', "peer 'alice' is disabled"],
      ['removePeer', "peer 'bob' expired at 2026-11-01T00:00:00.000Z"],
    ]);
    const h = host();
    iface(h, 'wg0').wireguard!.peers = [];
    expect(plan(desired({ peers: [{ ...alice, enabled: false }, { ...bob, expiresAt: new Date('2026-11-01T00:00:00Z') }, branch] }), h, NOW).ops).toEqual([]);
  });

  it('a peer that expires later is still active now', () => {
    expect(plan(desired({ peers: [alice, { ...bob, expiresAt: new Date('2027-01-01T00:00:00Z') }, branch] }), host(), NOW).ops).toEqual([]);
  });

  it('tears down a disabled network: interface, its rules and the bridge rules', () => {
    const ops = plan(desired({ networks: [office, { ...sites, enabled: false }] }), host(), NOW).ops;
    expect(summary(ops)).toEqual([
      ['deleteInterface', "network 'sites' is disabled"],
      ...['wgpilot:net:2:site-in', 'wgpilot:net:2:site-out', 'wgpilot:bridge:5:a_to_b', 'wgpilot:bridge:5:a_to_b:back', 'wgpilot:iso:1:2', 'wgpilot:iso:2:1'].map((t) => [
        'removeFirewallRule',
        `firewall rule ${t} belongs to no enabled network or bridge`,
      ]),
    ]);
  });

  it('a disabled network without an interface needs nothing', () => {
    const h = host();
    h.interfaces = h.interfaces.filter((i) => i.name !== 'wg1');
    h.firewallRules = h.firewallRules.filter((r) => !r.tag?.includes(':2:') && !r.tag?.includes('bridge') && !r.tag?.includes(':iso:'));
    expect(plan(desired({ networks: [office, { ...sites, enabled: false }] }), h, NOW).ops).toEqual([]);
  });

  it('never touches interfaces it does not own, nor a name taken by a non-WireGuard link', () => {
    const h = host();
    iface(h, 'wg1').kind = 'other';
    iface(h, 'wg1').wireguard = null;
    const result = plan(desired({ ownedInterfaces: ['wg0', 'wg1', 'eth0'] }), h, NOW);
    expect(result.conflicts).toEqual([{ interface: 'wg1', reason: "wg1 exists but is not a WireGuard interface; network 'sites' cannot use it" }]);
    expect(result.ops.every((o) => !('interface' in o) || o.interface !== 'wg1')).toBe(true);
    expect(result.ops.some((o) => 'interface' in o && ['wg-admin', 'eth0'].includes(o.interface))).toBe(false);
  });

  it('does not delete an owned name that a network still uses, even when disabled', () => {
    const h = host();
    const ops = plan(desired({ networks: [office, { ...sites, enabled: false }] }), h, NOW).ops;
    expect(ops.filter((o) => o.kind === 'deleteOrphanInterface')).toEqual([]);
  });

  it('puts deletions first so a freed listen port can be reused', () => {
    const moved: Network = { ...sites, id: 3, name: 'new', interface: 'wg2' };
    const h = host();
    const ops = plan(desired({ networks: [office, { ...sites, enabled: false }, moved], peers: [alice, bob], bridges: [] }), h, NOW).ops;
    expect(ops[0]?.kind).toBe('deleteInterface');
    expect(ops.findIndex((o) => o.kind === 'createInterface')).toBeGreaterThan(0);
  });

  it('derives bridge rules per allowed CIDR and direction', () => {
    const h = host();
    const b: Bridge = { ...bridge, direction: 'bidirectional', allowedCidrs: ['10.9.0.0/24'] };
    const ensured = plan(desired({ bridges: [b] }), h, NOW).ops.filter((o) => o.kind === 'ensureFirewallRule');
    expect(ensured.map((o) => (o.kind === 'ensureFirewallRule' ? o.rule : null))).toEqual([
      { tag: 'wgpilot:bridge:5:a_to_b:0', chain: 'forward', family: 'ip', iif: 'wg0', oif: 'wg1', daddr: '10.9.0.0/24', verdict: 'accept' },
      { tag: 'wgpilot:bridge:5:b_to_a:0', chain: 'forward', family: 'ip', iif: 'wg1', oif: 'wg0', daddr: '10.9.0.0/24', verdict: 'accept' },
    ]);
  });

  it('hub-routed networks forward between peers; gateway without uplink masquerades out of anything else', () => {
    const hub: Network = { ...office, mode: 'hub-routed' };
    const noUplink: Network = { ...office, uplinkInterface: null };
    const rulesOf = (n: Network) =>
      plan({ networks: [n], peers: [], bridges: [], ownedInterfaces: [] }, { interfaces: [], firewallRules: [] }, NOW).ops.flatMap((o) =>
        o.kind === 'ensureFirewallRule' ? [o.rule] : [],
      );
    expect(rulesOf(hub)).toEqual([{ tag: 'wgpilot:net:1:hub', chain: 'forward', family: 'inet', iif: 'wg0', oif: 'wg0', verdict: 'accept' }]);
    expect(rulesOf(noUplink).filter((r) => r.verdict === 'masquerade').map((r) => r.oifNot)).toEqual(['wg0', 'wg0']);
  });
});
