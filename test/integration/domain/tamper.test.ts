/**
 * Tampering with the C tools: delete the interface, change its MTU, remove a peer, flush our
 * nftables table — one `reconcileOnce` restores each and reports what it fixed; the kernel then
 * matches the database again (checked with the same tools).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '../../../agent/src/domain/model.js';
import type { DomainServices } from '../../../agent/src/services/index.js';
import { DomainEnv, run } from './env.js';

const env = new DomainEnv(170);
let s: DomainServices;
let net: Network;
const peerKeys: string[] = [];

const inHost = (...argv: string[]) => run(['ip', 'netns', 'exec', env.host, ...argv]);

/** expectInSync checks the kernel against the database with wg, ip and nft. */
async function expectInSync(): Promise<void> {
  const dump = (await inHost('wg', 'show', net.interface, 'dump')).trim().split('\n');
  expect(dump[0]?.split('\t')[2]).toBe(String(net.listenPort));
  expect(dump.slice(1).map((l) => l.split('\t')[0]).sort()).toEqual([...peerKeys].sort());
  expect(await run(['ip', '-n', env.host, 'link', 'show', net.interface])).toMatch(/mtu 1420 .*state UNKNOWN|mtu 1420 /);
  expect(await run(['ip', '-n', env.host, 'addr', 'show', net.interface])).toContain('inet 10.171.0.1/24');
  const nft = await inHost('nft', 'list', 'table', 'inet', 'wgpilot');
  for (const tag of ['fwd-out', 'fwd-back', 'masq4']) expect(nft).toContain(`wgpilot:net:${net.id}:${tag}`);
  expect((await s.reconciler.reconcileOnce()).fixed).toEqual([]);
}

beforeAll(async () => {
  await env.up();
  s = await env.startAgent();
  net = (await s.networks.create({ name: 'office', mode: 'gateway', subnet4: '10.171.0.0/24', endpointHost: env.publicAddress }, 'tester')).network;
  for (const name of ['a', 'b', 'c']) peerKeys.push((await s.peers.create(net.id, { name, persistentKeepalive: 10 }, 'tester')).peer.publicKey);
});

afterAll(async () => {
  await env.cleanup();
});

describe('reconcile repairs what the C tools changed', () => {
  it('starts in sync', async () => {
    await expectInSync();
  });

  it('restores a deleted interface with key, port, MTU, address and peers', async () => {
    await run(['ip', '-n', env.host, 'link', 'del', net.interface]);
    // wireguard-go exits when its tun goes away; give it the moment it needs.
    for (let i = 0; i < 50 && (await inHost('wg', 'show', 'interfaces')).includes(net.interface); i++) await new Promise((r) => setTimeout(r, 50));
    const report = await s.reconciler.reconcileOnce();
    expect(report.failed).toEqual([]);
    expect(report.fixed).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^createInterface ${net.interface}: network 'office' is enabled but ${net.interface} does not exist`)),
      expect.stringMatching(/^setPrivateKey /),
      expect.stringMatching(/^setMtu /),
      expect.stringMatching(/^setAddress .*10\.171\.0\.1\/24/),
      expect.stringMatching(/^upsertPeer .*peer 'a' is missing/),
    ]));
    await expectInSync();
  });

  it('restores the MTU changed with ip', async () => {
    await run(['ip', '-n', env.host, 'link', 'set', net.interface, 'mtu', '1300']);
    const report = await s.reconciler.reconcileOnce();
    expect(report.fixed).toEqual([`setMtu ${net.interface}: MTU is 1300 on ${net.interface}, want 1420`]);
    await expectInSync();
  });

  it('restores a peer removed with wg set … remove', async () => {
    await inHost('wg', 'set', net.interface, 'peer', peerKeys[1] ?? '', 'remove');
    const report = await s.reconciler.reconcileOnce();
    expect(report.fixed).toEqual([`upsertPeer ${net.interface}: peer 'b' is missing from ${net.interface}`]);
    await expectInSync();
  });

  it('restores a keepalive changed with wg set', async () => {
    await inHost('wg', 'set', net.interface, 'peer', peerKeys[2] ?? '', 'persistent-keepalive', '99');
    const report = await s.reconciler.reconcileOnce();
    expect(report.fixed).toEqual([`upsertPeer ${net.interface}: peer 'c' on ${net.interface}: keepalive is 99, want 10`]);
    await expectInSync();
  });

  it('restores the rules after nft flush table inet wgpilot', async () => {
    await inHost('nft', 'flush', 'table', 'inet', 'wgpilot');
    const report = await s.reconciler.reconcileOnce();
    expect(report.fixed.sort()).toEqual(
      ['fwd-back', 'fwd-out', 'masq4'].map((t) => `ensureFirewallRule: firewall rule wgpilot:net:${net.id}:${t} is missing`).sort(),
    );
    await expectInSync();
  });

  it('recreates the table after nft delete table; every fix is audited as system', async () => {
    await inHost('nft', 'delete', 'table', 'inet', 'wgpilot');
    expect((await s.reconciler.reconcileOnce()).fixed).toHaveLength(3);
    await expectInSync();
    // The audit log has every fix, as user 'system'.
    const fixes = s.core.repos.audit.list({ resourceType: 'host' });
    expect(fixes.length).toBeGreaterThanOrEqual(6);
    expect(fixes.every((e) => e.user === 'system' && e.action === 'reconcile.fix')).toBe(true);
  });
});
