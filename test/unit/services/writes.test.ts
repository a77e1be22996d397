/**
 * The write rule on a FakeKernel: validate → DB transaction (journal) → kernel apply; a kernel
 * refusal rolls the database back (and undoes the partial kernel change), a failed delete is
 * kept as a pending op that reconcile retries; plus expiry, alerts and the audit trail.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appCodeOfCall, stateOf, testAgent, type TestAgent } from './harness.js';

let a: TestAgent;
beforeEach(() => {
  a = testAgent('bob');
});
afterEach(async () => {
  await a.close();
});

describe('writes', () => {
  it('creates the interface, keys, port, MTU, address, firewall, and audits as the SSH user', async () => {
    const { network, kernel } = await a.caller.networks.create({ name: 'office', mode: 'gateway', subnet4: '10.8.0.0/24' });
    expect(kernel).toEqual({ applied: true, error: null, pendingOpId: null });
    expect(network).toMatchObject({ interface: 'wg0', listenPort: 51820, address4: '10.8.0.1', mtu: 1420 });
    const link = a.kernel.links.get('wg0');
    expect(link).toMatchObject({ up: true, mtu: 1420, addresses: ['10.8.0.1/24'] });
    expect(a.kernel.devices.get('wg0')?.listenPort).toBe(51820);
    expect(a.kernel.firewall.map((r) => r.tag)).toEqual(['wgpilot:net:1:fwd-out', 'wgpilot:net:1:fwd-back', 'wgpilot:net:1:masq4']);
    expect(a.kernel.firewall.find((r) => r.verdict === 'masquerade')?.oif).toBe('eth0');
    const [entry] = a.domain.core.repos.audit.list({ resourceType: 'network' });
    expect(entry).toMatchObject({ user: 'bob', action: 'network.create', resourceId: '1' });
  });

  it('warns about an unusual MTU and applies MTU changes live', async () => {
    const { network } = await a.caller.networks.create({ name: 'office', mode: 'hub-routed', subnet4: '10.8.0.0/24' });
    const r = await a.caller.networks.update({ id: network.id, patch: { mtu: 1300 } });
    expect(r.warnings).toEqual([{ field: 'mtu', message: expect.stringMatching(/^MTU 1300 is below 1380/) }]);
    expect(a.kernel.links.get('wg0')?.mtu).toBe(1300);
  });

  it('rolls the database back when the kernel refuses, and undoes the partial apply', async () => {
    a.kernel.failOn.set('setListenPort', 'bind: address already in use');
    const before = await stateOf(a);
    const e = await appCodeOfCall(a.caller.networks.create({ name: 'office', mode: 'gateway', subnet4: '10.8.0.0/24' }));
    expect(e.message).toMatch(/^the kernel refused the change, nothing was changed: new wg0: listen port 51820: bind: address already in use/);
    expect(await stateOf(a)).toEqual(before);
    expect(a.kernel.links.has('wg0')).toBe(false);
  });

  it('keeps a failed delete as a pending op, and reconcile finishes it', async () => {
    const { network } = await a.caller.networks.create({ name: 'office', mode: 'hub-routed', subnet4: '10.8.0.0/24' });
    a.kernel.failOn.set('deleteOrphanInterface', 'EBUSY');
    const r = await a.caller.networks.delete({ id: network.id });
    expect(r.kernel).toMatchObject({ applied: false, error: expect.stringContaining('EBUSY') });
    expect((await a.caller.reconcile.pending()).map((p) => p.op)).toEqual(['network.delete']);
    a.kernel.failOn.clear();
    const report = await a.caller.reconcile.run();
    expect(report.fixed).toEqual(expect.arrayContaining(['deleteOrphanInterface wg0: wg0 was created by wgpilot but no network uses it any more']));
    expect(report.pending.map((p) => p.op)).toEqual(['network.delete']);
    expect(await a.caller.reconcile.pending()).toEqual([]);
    expect(a.kernel.links.has('wg0')).toBe(false);
    expect(a.domain.core.repos.ownedInterfaces.names()).toEqual([]);
  });

  it('releases the name of a create whose interface never came to be, so the name can be used again', async () => {
    // A host with neither the WireGuard module nor wireguard-go: the interface cannot be created.
    a.kernel.failOn.set('createInterface', 'Operation not supported');
    const before = await stateOf(a);
    const e = await appCodeOfCall(a.caller.networks.create({ name: 'office', mode: 'hub-routed', subnet4: '10.8.0.0/24', interface: 'wg7' }));
    expect(e.message).toMatch(/^the kernel refused the change, nothing was changed: /);
    expect(await stateOf(a)).toEqual(before);
    expect(a.domain.core.repos.ownedInterfaces.names()).toEqual([]);
    a.kernel.failOn.clear();
    await a.caller.reconcile.run();
    const { network } = await a.caller.networks.create({ name: 'office', mode: 'hub-routed', subnet4: '10.8.0.0/24', interface: 'wg7' });
    expect(network.interface).toBe('wg7');
    expect(a.kernel.links.get('wg7')?.up).toBe(true);
  });

  it('releases the name of a disabled network when it is deleted (its interface was already gone)', async () => {
    const { network } = await a.caller.networks.create({ name: 'office', mode: 'hub-routed', subnet4: '10.8.0.0/24', interface: 'wg7' });
    await a.caller.networks.disable({ id: network.id });
    expect(a.kernel.links.has('wg7')).toBe(false);
    await a.caller.networks.delete({ id: network.id });
    expect(a.domain.core.repos.ownedInterfaces.names()).toEqual([]);
    expect((await a.caller.networks.create({ name: 'again', mode: 'hub-routed', subnet4: '10.8.0.0/24', interface: 'wg7' })).network.interface).toBe('wg7');
  });

  it('pushes an explicit endpoint change to the device; reconcile still leaves a roamed endpoint alone', async () => {
    const { network } = await a.caller.networks.create({ name: 'sites', mode: 'site-to-site', subnet4: '10.8.0.0/24' });
    const { peer } = await a.caller.peers.create({ networkId: network.id, name: 'branch', role: 'site-gateway', endpoint: '198.51.100.1:51820' });
    const devicePeer = () => a.kernel.devices.get('wg0')?.peers.get(peer.publicKey);
    expect(devicePeer()?.endpoint).toEqual({ address: '198.51.100.1', port: 51820 });
    const r = await a.caller.peers.update({ id: peer.id, patch: { endpoint: '198.51.100.2:51821' } });
    expect(r.kernel.applied).toBe(true);
    expect(devicePeer()?.endpoint).toEqual({ address: '198.51.100.2', port: 51821 });
    // The peer roams: WireGuard learns a new source address; reconcile must not put it back.
    devicePeer()!.endpoint = { address: '203.0.113.9', port: 40000 };
    expect((await a.caller.reconcile.run()).fixed).toEqual([]);
    expect(devicePeer()?.endpoint).toEqual({ address: '203.0.113.9', port: 40000 });
    // Setting the same endpoint again is no change: nothing is pushed.
    await a.caller.peers.update({ id: peer.id, patch: { endpoint: '198.51.100.2:51821' } });
    expect(devicePeer()?.endpoint).toEqual({ address: '203.0.113.9', port: 40000 });
  });

  it('allocates addresses, applies peers live, and disables expired peers', async () => {
    const { network } = await a.caller.networks.create({ name: 'office', mode: 'hub-routed', subnet4: '10.8.0.0/24' });
    const p1 = await a.caller.peers.create({ networkId: network.id, name: 'a', expiresAt: new Date(a.clock.now.getTime() + 60_000).toISOString() });
    const p2 = await a.caller.peers.create({ networkId: network.id, name: 'b', persistentKeepalive: 25 });
    expect([p1.peer.address4, p2.peer.address4]).toEqual(['10.8.0.2', '10.8.0.3']);
    expect([...(a.kernel.devices.get('wg0')?.peers.keys() ?? [])].sort()).toEqual([p1.peer.publicKey, p2.peer.publicKey].sort());
    a.clock.advance(61_000);
    const tick = await a.caller.monitor.tick();
    expect(tick.expired).toBe(1);
    expect((await a.caller.peers.get({ id: p1.peer.id })).enabled).toBe(false);
    expect([...(a.kernel.devices.get('wg0')?.peers.keys() ?? [])]).toEqual([p2.peer.publicKey]);
    expect(a.domain.core.repos.audit.list({ resourceType: 'peer' })[0]).toMatchObject({ user: 'system', action: 'peer.expire' });
  });

  it('reads keepalive back from the device and compares it with the database', async () => {
    const { network } = await a.caller.networks.create({ name: 'office', mode: 'hub-routed', subnet4: '10.8.0.0/24' });
    const p = await a.caller.peers.create({ networkId: network.id, name: 'a', persistentKeepalive: 25 });
    a.kernel.devices.get('wg0')!.peers.get(p.peer.publicKey)!.persistentKeepaliveInterval = 7;
    const [st] = await a.caller.peers.status({ networkId: network.id });
    expect(st?.keepalive).toEqual({ configured: 25, device: 7, matches: false });
  });

  it('fires and resolves alerts, as events', async () => {
    const { network } = await a.caller.networks.create({ name: 'office', mode: 'hub-routed', subnet4: '10.8.0.0/24' });
    await a.caller.monitor.createAlertRule({ condition: { type: 'interface_down' } });
    const events: unknown[] = [];
    a.domain.core.events.on('event', (e) => events.push(e));
    a.kernel.links.get('wg0')!.up = false;
    expect((await a.caller.monitor.tick()).fired.map((e) => e.message)).toEqual(["interface wg0 of network 'office' is down"]);
    expect((await a.caller.monitor.tick()).fired).toEqual([]);
    a.kernel.links.get('wg0')!.up = true;
    expect((await a.caller.monitor.tick()).resolved).toHaveLength(1);
    expect(events).toEqual([
      expect.objectContaining({ type: 'alert', state: 'firing', resourceId: String(network.id) }),
      expect.objectContaining({ type: 'alert', state: 'resolved' }),
    ]);
  });

  it('refuses a port a foreign process holds, naming it', async () => {
    a.kernel.holdPort(51820, 'nc', 4242);
    const before = await stateOf(a);
    expect(await appCodeOfCall(a.caller.networks.create({ name: 'office', mode: 'gateway', subnet4: '10.8.0.0/24', listenPort: 51820 }))).toEqual({
      appCode: 'CONFLICT',
      message: "UDP port 51820 is already in use on 0.0.0.0 by process 'nc' (pid 4242)",
    });
    expect(await stateOf(a)).toEqual(before);
    // Auto-picked ports skip it.
    expect((await a.caller.networks.create({ name: 'office', mode: 'gateway', subnet4: '10.8.0.0/24' })).network.listenPort).toBe(51821);
  });

  it('without host services, domain procedures answer UNSUPPORTED', async () => {
    const { createCallerFactory } = await import('../../../agent/src/rpc/trpc.js');
    const { agentRouter } = await import('../../../agent/src/rpc/router.js');
    const bare = createCallerFactory(agentRouter)({ user: 'x', privileged: false, mode: 'in-process', connection: { id: 1, subscriptions: () => 0 }, services: {} });
    expect((await appCodeOfCall(bare.networks.list())).appCode).toBe('UNSUPPORTED');
  });
});
