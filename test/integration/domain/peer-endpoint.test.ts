/**
 * A peer's endpoint through the services on the real kernel of a throwaway host namespace
 * (wireguard-go here; the kernel tier runs the same on the module): set at create, changed by
 * `peers.update` (issue 12: the change used to stay in the database only, because the planner
 * compares endpoints for presence alone), and a roamed endpoint left alone by reconcile.
 * The oracle is `wg show <if> dump` in the host namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainServices } from '../../../agent/src/services/index.js';
import { parseWgDump } from '../../support/wireguard/wg-dump.js';
import { DomainEnv, run } from './env.js';

const env = new DomainEnv(120);
let s: DomainServices;

/** endpointOnDevice reads the peer's endpoint with wg(8), as "address:port" (null when unset). */
async function endpointOnDevice(iface: string, publicKey: string): Promise<string | null> {
  const dump = parseWgDump(await run(['ip', 'netns', 'exec', env.host, 'wg', 'show', iface, 'dump']));
  const peer = dump.peers.find((p) => p.publicKey === publicKey);
  if (!peer) throw new Error(`peer ${publicKey} is not on ${iface}`);
  return peer.endpoint;
}

beforeAll(async () => {
  await env.up();
  s = await env.startAgent();
});

afterAll(async () => {
  await env.cleanup();
});

describe('peer endpoints on a live device', () => {
  it('pushes an endpoint changed by peers.update to the device (v4, then v6)', async () => {
    const { network } = await s.networks.create({ name: 'sites', mode: 'site-to-site', subnet4: '10.121.0.0/24' }, 'tester');
    const { peer } = await s.peers.create(network.id, { name: 'branch', role: 'site-gateway', endpoint: '198.18.121.2:51830' }, 'tester');
    expect(await endpointOnDevice(network.interface, peer.publicKey)).toBe('198.18.121.2:51830');

    const v4 = await s.peers.update(peer.id, { endpoint: '198.18.121.3:51831' }, 'tester');
    expect(v4.kernel.applied).toBe(true);
    expect(await endpointOnDevice(network.interface, peer.publicKey)).toBe('198.18.121.3:51831');

    await s.peers.update(peer.id, { endpoint: '[fd00:121::3]:51832' }, 'tester');
    expect(await endpointOnDevice(network.interface, peer.publicKey)).toBe('[fd00:121::3]:51832');
  });

  it('leaves an endpoint the device learned (roaming) alone on reconcile', async () => {
    const network = s.networks.list().find((n) => n.name === 'sites')!;
    const peer = s.peers.list(network.id)[0]!;
    // What WireGuard does when the peer's packets arrive from a new address.
    await run(['ip', 'netns', 'exec', env.host, 'wg', 'set', network.interface, 'peer', peer.publicKey, 'endpoint', '198.18.121.9:40000']);
    const report = await s.reconciler.reconcileOnce();
    expect(report.fixed).toEqual([]);
    expect(await endpointOnDevice(network.interface, peer.publicKey)).toBe('198.18.121.9:40000');
  });
});
