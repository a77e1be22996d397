/**
 * Networks and peers through the services, on the real kernel of a throwaway host namespace,
 * with real wireguard-go clients configured from exactly the generated .conf:
 * the handshake and the status report, gateway NAT to an outside namespace, hub-routed peers
 * reaching each other, a subnet behind a site gateway, and a one-way bridge limited to CIDRs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainServices } from '../../../agent/src/services/index.js';
import { expectedDeviceType } from '../../support/wireguard/module.js';
import { DomainEnv, run, type Client } from './env.js';

const env = new DomainEnv(160);
let s: DomainServices;
let c1: Client;
let c2: Client;

/** connect creates a peer, downloads its config and applies it on the client. */
async function connect(networkId: number, c: Client, over: Record<string, unknown> = {}): Promise<{ id: number; address4: string }> {
  const { peer } = await s.peers.create(networkId, { name: `p-${c.wg}-${networkId}`, persistentKeepalive: 5, presharedKey: true, ...over }, 'tester');
  const conf = await s.peers.config(peer.id, 'tester');
  await env.applyConf(c, conf.text);
  return { id: peer.id, address4: peer.address4 ?? '' };
}

beforeAll(async () => {
  await env.up();
  s = await env.startAgent();
  c1 = await env.client('c1');
  c2 = await env.client('c2');
});

afterAll(async () => {
  await env.cleanup();
});

describe('a client configured from the generated .conf', () => {
  it('hand-shakes, pings the server tunnel address, and shows online with traffic', async () => {
    const { network } = await s.networks.create({ name: 'office', mode: 'gateway', subnet4: '10.161.0.0/24', endpointHost: env.publicAddress }, 'tester');
    const p = await connect(network.id, c1);
    expect(await env.ping(c1.ns, '10.161.0.1')).toBe(true);
    const status = (await s.peers.status(network.id)).find((x) => x.peerId === p.id);
    expect(status).toMatchObject({ inDevice: true, online: true, keepalive: { configured: 5, device: 5, matches: true } });
    expect(status?.rxBytes).toBeGreaterThan(0);
    expect(status?.txBytes).toBeGreaterThan(0);
    expect(status?.lastHandshake).not.toBeNull();
    const net = (await s.status(network.id)).networks[0];
    expect(net).toMatchObject({ exists: true, up: true, deviceType: expectedDeviceType(), mtu: { actual: 1420, matches: true }, peers: { online: 1 } });
  });

  it('gateway mode: the client reaches an outside namespace through NAT', async () => {
    // The outside has no route to 10.161.0.0/24: only masquerade out of the uplink gets replies home.
    expect(await env.ping(c1.ns, env.outsideAddress)).toBe(true);
    const nft = await run(['ip', 'netns', 'exec', env.host, 'nft', 'list', 'table', 'inet', 'wgpilot']);
    expect(nft).toMatch(/oifname "wda\w+" ip saddr 10\.161\.0\.0\/24 counter packets [1-9]\d* bytes \d+ masquerade comment "wgpilot:net:\d+:masq4"/);
    await s.networks.delete(s.networks.list().find((n) => n.name === 'office')!.id, 'tester');
  });
});

describe('topology modes', () => {
  it('hub-routed: two peers reach each other through the host', async () => {
    const { network } = await s.networks.create({ name: 'hub', mode: 'hub-routed', subnet4: '10.162.0.0/24', endpointHost: env.publicAddress }, 'tester');
    const a = await connect(network.id, c1);
    const b = await connect(network.id, c2);
    expect(await env.ping(c1.ns, '10.162.0.1')).toBe(true);
    expect(await env.ping(c2.ns, '10.162.0.1')).toBe(true);
    expect(await env.ping(c1.ns, b.address4)).toBe(true);
    expect(await env.ping(c2.ns, a.address4)).toBe(true);
    await s.networks.delete(network.id, 'tester');
  });

  it('site-to-site: a subnet behind a site gateway is reachable from the host and from another peer', async () => {
    const { network } = await s.networks.create({ name: 'sites', mode: 'site-to-site', subnet4: '10.163.0.0/24', endpointHost: env.publicAddress }, 'tester');
    await run(['ip', '-n', c1.ns, 'addr', 'add', '10.200.163.1/24', 'dev', 'lo']);
    await connect(network.id, c1, { role: 'site-gateway', siteNetworks: ['10.200.163.0/24'] });
    await connect(network.id, c2);
    const routes = await run(['ip', '-n', env.host, 'route', 'show', '10.200.163.0/24']);
    expect(routes).toContain(`dev ${network.interface} proto 119`);
    expect(await env.ping(env.host, '10.200.163.1')).toBe(true);
    expect(await env.ping(c2.ns, '10.200.163.1')).toBe(true);
    await s.networks.delete(network.id, 'tester');
    expect(await run(['ip', '-n', env.host, 'route', 'show', '10.200.163.0/24'])).toBe('');
  });

  it('bridge: traffic crosses between two networks only in its direction and to its CIDRs', async () => {
    const n1 = (await s.networks.create({ name: 'left', mode: 'hub-routed', subnet4: '10.164.0.0/24', endpointHost: env.publicAddress }, 'tester')).network;
    const n2 = (await s.networks.create({ name: 'right', mode: 'hub-routed', subnet4: '10.165.0.0/24', endpointHost: env.publicAddress }, 'tester')).network;
    // Split-tunnel AllowedIPs so each client routes the other network into its tunnel.
    const a = await connect(n1.id, c1, { allowedIps: ['10.165.0.0/24'] });
    const b = await connect(n2.id, c2, { allowedIps: ['10.164.0.0/24'] });
    expect(await env.ping(c1.ns, '10.164.0.1')).toBe(true);
    expect(await env.ping(c2.ns, '10.165.0.1')).toBe(true);
    // Isolated without a bridge.
    expect(await env.ping(c1.ns, b.address4, 1)).toBe(false);
    const { bridge } = await s.bridges.create({ networkAId: n1.id, networkBId: n2.id, direction: 'a_to_b', allowedCidrs: [`${b.address4}/32`] }, 'tester');
    expect(await env.ping(c1.ns, b.address4)).toBe(true);
    expect(await env.ping(c2.ns, a.address4, 1)).toBe(false);
    await s.bridges.update(bridge.id, { allowedCidrs: ['10.165.0.200/32'] }, 'tester');
    expect(await env.ping(c1.ns, b.address4, 1)).toBe(false);
    await s.bridges.update(bridge.id, { direction: 'b_to_a', allowedCidrs: [] }, 'tester');
    expect(await env.ping(c2.ns, a.address4)).toBe(true);
    expect(await env.ping(c1.ns, b.address4, 1)).toBe(false);
    await s.bridges.delete(bridge.id, 'tester');
    expect(await env.ping(c2.ns, a.address4, 1)).toBe(false);
  });
});
