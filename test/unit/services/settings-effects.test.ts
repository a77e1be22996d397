/**
 * Host settings that change behaviour: `default_dns` and `default_keepalive` fill new networks
 * and peers that do not say, `audit_retention_days` prunes the audit log (at start, daily and
 * when set), and an alert rule's `notify.desktop` travels with its alert events.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../agent/src/services/retention.js';
import { appCodeOfCall, testAgent, type TestAgent } from './harness.js';

let a: TestAgent;
beforeEach(() => {
  a = testAgent();
});
afterEach(async () => {
  await a.close();
});

describe('default_dns', () => {
  it('fills a new network that gives no DNS; an explicit list (even empty) wins', async () => {
    const plain = await a.caller.networks.create({ name: 'before', mode: 'hub-routed', subnet4: '10.7.0.0/24' });
    expect(plain.network.dns).toEqual([]);
    await a.caller.settings.set({ key: 'default_dns', value: ['10.8.0.1', 'fd00::53'] });
    const filled = await a.caller.networks.create({ name: 'office', mode: 'gateway', subnet4: '10.8.0.0/24' });
    expect(filled.network.dns).toEqual(['10.8.0.1', 'fd00::53']);
    const own = await a.caller.networks.create({ name: 'own', mode: 'gateway', subnet4: '10.9.0.0/24', dns: ['9.9.9.9'] });
    expect(own.network.dns).toEqual(['9.9.9.9']);
    const none = await a.caller.networks.create({ name: 'none', mode: 'gateway', subnet4: '10.10.0.0/24', dns: [] });
    expect(none.network.dns).toEqual([]);
  });

  it('is refused unless every entry is an IP address, naming it', async () => {
    const r = await appCodeOfCall(a.caller.settings.set({ key: 'default_dns', value: ['1.1.1.1', 'dns.example'] }));
    expect(r).toEqual({ appCode: 'INVALID_INPUT', message: "'dns.example' is not an IP address" });
    expect((await a.caller.settings.get()).default_dns).toBeUndefined();
  });
});

describe('default_keepalive', () => {
  it('fills new peers (one or many) that give no keepalive; an explicit 0 wins', async () => {
    const { network } = await a.caller.networks.create({ name: 'office', mode: 'hub-routed', subnet4: '10.8.0.0/24' });
    expect((await a.caller.peers.create({ networkId: network.id, name: 'before' })).peer.persistentKeepalive).toBe(0);
    await a.caller.settings.set({ key: 'default_keepalive', value: 21 });
    const p = await a.caller.peers.create({ networkId: network.id, name: 'laptop' });
    expect(p.peer.persistentKeepalive).toBe(21);
    expect(a.kernel.devices.get('wg0')!.peers.get(p.peer.publicKey)!.persistentKeepaliveInterval).toBe(21);
    expect((await a.caller.peers.create({ networkId: network.id, name: 'off', persistentKeepalive: 0 })).peer.persistentKeepalive).toBe(0);
    const many = await a.caller.peers.createMany({ networkId: network.id, peers: [{ name: 'm1' }, { name: 'm2', persistentKeepalive: 5 }] });
    expect(many.peers.map((x) => x.persistentKeepalive)).toEqual([21, 5]);
  });
});

describe('audit_retention_days', () => {
  const record = (daysAgo: number) => a.domain.core.repos.audit.record({ user: 'x', action: 'test.old', resourceType: 'test', ts: new Date(a.clock.now.getTime() - daysAgo * DAY_MS) });
  const actions = async () => (await a.caller.audit.list({ limit: 100 })).filter((e) => e.action === 'test.old').map((e) => e.ts);

  it('prunes entries older than the retention when set, and keeps everything at 0', async () => {
    record(40);
    record(29);
    await a.caller.settings.set({ key: 'audit_retention_days', value: 0 });
    expect(await actions()).toHaveLength(2);
    await a.caller.settings.set({ key: 'audit_retention_days', value: 30 });
    expect(await actions()).toEqual([new Date(a.clock.now.getTime() - 29 * DAY_MS).toISOString()]);
    // The setting change itself is audited (and young, so kept).
    expect((await a.caller.audit.list({ resourceType: 'setting' })).map((e) => e.resourceId)).toEqual(['audit_retention_days', 'audit_retention_days']);
  });

  it('prunes at start and then daily', async () => {
    a.domain.core.repos.settings.set('audit_retention_days', 7);
    record(8);
    await a.domain.start();
    expect(await actions()).toEqual([]);
    record(6);
    a.clock.advance(2 * DAY_MS);
    expect(a.domain.retention.prune()).toBe(1);
    expect(await actions()).toEqual([]);
  });
});

describe('notify.desktop on alert events', () => {
  it('travels with the alert, so desktops can stay quiet for rules that ask it', async () => {
    await a.caller.networks.create({ name: 'office', mode: 'hub-routed', subnet4: '10.8.0.0/24' });
    await a.caller.monitor.createAlertRule({ condition: { type: 'interface_down' }, notify: { desktop: false } });
    await a.caller.monitor.createAlertRule({ condition: { type: 'interface_down' } });
    const events: unknown[] = [];
    a.domain.core.events.on('event', (e) => events.push(e));
    a.kernel.links.get('wg0')!.up = false;
    await a.caller.monitor.tick();
    expect(events).toEqual([expect.objectContaining({ type: 'alert', ruleId: 1, desktop: false }), expect.objectContaining({ type: 'alert', ruleId: 2, desktop: true })]);
  });
});
