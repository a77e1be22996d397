// @vitest-environment happy-dom
// useNetworksStore (status → throughput, create errors) and useEventsStore (feed, alerts → notices).
import { beforeEach, describe, expect, it } from 'vitest';
import { EVENTS_KEPT, useEventsStore } from '../../../src-renderer/stores/events.js';
import { useNetworksStore } from '../../../src-renderer/stores/networks.js';
import { useNoticesStore } from '../../../src-renderer/stores/notices.js';
import { fakeClient, hostError, network, setupStores, type FakeTree } from './fake-agent.js';

const reading = (rx: number, tx: number) => ({
  kernelModule: false,
  kernelReason: 'no module',
  newDevices: 'userspace' as const,
  networks: [{ networkId: 1, name: 'office', interface: 'wg0', enabled: true, exists: true, up: true, operState: 'unknown', deviceType: 'userspace' as const, mtu: { desired: 1420, actual: 1420, matches: true }, listenPort: { desired: 51820, actual: 51820, matches: true }, peers: { total: 2, active: 2, inDevice: 2, online: 1 }, rxBytes: rx, txBytes: tx }],
});

describe('useNetworksStore', () => {
  let agent: FakeTree;
  beforeEach(() => {
    agent = fakeClient();
    setupStores(agent);
    agent.networks!.list.query.mockResolvedValue([network()]);
    agent.networks!.status.query.mockResolvedValue(reading(0, 0));
  });

  it('turns counter readings into throughput samples', async () => {
    const store = useNetworksStore();
    await store.refresh('h1');
    store.applyStatus('h1', reading(1000, 500), 1_000);
    store.applyStatus('h1', reading(3000, 1500), 3_000);
    const h = store.hosts.h1!;
    expect(h.throughput.at(-1)).toEqual({ t: 3, rxBps: 1000, txBps: 500 });
    expect(h.status[1]?.deviceType).toBe('userspace');
    expect(h.kernelModule).toBe(false);
    store.dehydrate('h1');
    expect(store.hosts.h1).toBeUndefined();
  });

  it("hands a refused create back as a UiError with the host's field", async () => {
    const store = useNetworksStore();
    await store.refresh('h1');
    agent.networks!.create.mutate.mockRejectedValue(hostError("listenPort: listen port 51820 is already used by network 'office'", 'INVALID_INPUT'));
    const r = await store.create('h1', { name: 'x', mode: 'gateway', subnet4: '10.9.0.0/24', listenPort: 51820 });
    expect(r).toMatchObject({ fields: { listenPort: "listen port 51820 is already used by network 'office'" } });
    expect(store.hosts.h1!.networks).toHaveLength(1);
  });
});

describe('useEventsStore', () => {
  let agent: FakeTree;
  beforeEach(() => {
    agent = fakeClient();
    setupStores(agent);
    agent.monitor!.alerts.query.mockResolvedValue([]);
  });

  it('keeps the newest events first, bounded, and raises alerts as notices', async () => {
    const store = useEventsStore();
    await store.hydrate('h1');
    for (let i = 0; i < EVENTS_KEPT + 5; i++) store.push('h1', { type: 'link', time: i, action: 'new', interface: 'wg0', up: true, mtu: 1420 });
    store.push('h1', { type: 'alert', time: 1, state: 'firing', ruleId: 1, alertId: 1, resourceType: 'peer', resourceId: '1', message: "peer 'alice' has been offline for 600 s" });
    const h = store.hosts.h1!;
    expect(h.feed).toHaveLength(EVENTS_KEPT);
    expect(h.feed[0]!.type).toBe('alert');
    expect(useNoticesStore().queue.at(-1)).toMatchObject({ kind: 'warning', message: "peer 'alice' has been offline for 600 s" });
    store.markSeen('h1');
    expect(h.unseen).toBe(0);
  });

  it('keeps quiet for alerts whose rule says notify.desktop false, but lists them', async () => {
    const store = useEventsStore();
    await store.hydrate('h1');
    const before = useNoticesStore().queue.length;
    store.push('h1', { type: 'alert', time: 1, state: 'firing', ruleId: 2, alertId: 3, resourceType: 'network', resourceId: '1', message: 'wg0 down', desktop: false });
    expect(useNoticesStore().queue).toHaveLength(before);
    expect(store.hosts.h1!.feed[0]).toMatchObject({ type: 'alert', alertId: 3 });
  });
});
