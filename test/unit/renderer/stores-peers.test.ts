// @vitest-environment happy-dom
// usePeersStore: hydrate + live status with rates, optimistic enable/delete with rollback.
import { beforeEach, describe, expect, it } from 'vitest';
import { useNoticesStore } from '../../../src-renderer/stores/notices.js';
import { usePeersStore } from '../../../src-renderer/stores/peers.js';
import { fakeClient, hostError, peer, setupStores, type FakeTree } from './fake-agent.js';

const status = (rx: number, online = true) => ({ peerId: 1, name: 'alice', publicKey: 'AAAA', enabled: true, active: true, inDevice: true, online, lastHandshake: null, rxBytes: rx, txBytes: rx / 2, endpoint: '198.18.1.2:5000', keepalive: { configured: 25, device: 25, matches: true } });

describe('usePeersStore', () => {
  let agent: FakeTree;
  beforeEach(() => {
    agent = fakeClient();
    setupStores(agent);
    agent.peers!.list.query.mockResolvedValue([peer()]);
  });

  it('hydrates a network and subscribes to its status once', async () => {
    const store = usePeersStore();
    await store.hydrate('h1', 1);
    await store.hydrate('h1', 1);
    expect(store.get('h1', 1)?.peers.map((p) => p.name)).toEqual(['alice']);
    expect(agent.peers!.watchStatus.subscribe).toHaveBeenCalledTimes(1);
    expect(agent.peers!.watchStatus.subscribe.mock.calls[0]![0]).toEqual({ networkId: 1, intervalMs: 1000 });
  });

  it('computes rates between readings and treats a counter reset as zero', async () => {
    const store = usePeersStore();
    await store.hydrate('h1', 1);
    store.applyStatus('h1', 1, [status(1000)], 10_000);
    expect(store.get('h1', 1)?.status.get(1)?.rxRate).toBe(0);
    store.applyStatus('h1', 1, [status(3000)], 12_000);
    expect(store.get('h1', 1)?.status.get(1)?.rxRate).toBe(1000);
    store.applyStatus('h1', 1, [status(10)], 13_000);
    expect(store.get('h1', 1)?.status.get(1)?.rxRate).toBe(0);
  });

  it('disables optimistically and rolls back with a notice when the host refuses', async () => {
    const store = usePeersStore();
    await store.hydrate('h1', 1);
    let release!: (e: Error) => void;
    agent.peers!.disable.mutate.mockReturnValue(new Promise((_r, reject) => (release = reject)));
    const p = store.get('h1', 1)!.peers[0]!;
    const pending = store.setEnabled('h1', p, false);
    expect(store.get('h1', 1)!.peers[0]!.enabled).toBe(false);
    release(hostError('peer 1 not found', 'NOT_FOUND'));
    await pending;
    expect(store.get('h1', 1)!.peers[0]!.enabled).toBe(true);
    expect(useNoticesStore().queue[0]).toMatchObject({ kind: 'error', title: 'Disable peer alice: Not found on the host' });
  });

  it('removes at once and keeps the removal when the host agrees', async () => {
    const store = usePeersStore();
    await store.hydrate('h1', 1);
    agent.peers!.delete.mutate.mockResolvedValue({ deleted: peer(), kernel: { applied: true, error: null, pendingOpId: null } });
    await store.remove('h1', store.get('h1', 1)!.peers[0]!);
    expect(store.get('h1', 1)!.peers).toEqual([]);
    expect(agent.peers!.delete.mutate).toHaveBeenCalledWith({ id: 1 });
  });

  it('returns the UiError of a refused create for the form', async () => {
    const store = usePeersStore();
    await store.hydrate('h1', 1);
    agent.peers!.create.mutate.mockRejectedValue(hostError("address4: 10.9.0.5 is not inside 10.8.0.0/24", 'INVALID_INPUT'));
    const r = await store.create('h1', { networkId: 1, name: 'bob', address4: '10.9.0.5' });
    expect(r).toMatchObject({ code: 'INVALID_INPUT', fields: { address4: '10.9.0.5 is not inside 10.8.0.0/24' } });
  });

  it('dehydrates: unsubscribes and forgets the network', async () => {
    const store = usePeersStore();
    await store.hydrate('h1', 1);
    const sub = agent.peers!.watchStatus.subscribe.mock.results[0]!.value as { unsubscribe: () => void };
    store.dehydrate('h1');
    expect(sub.unsubscribe).toHaveBeenCalled();
    expect(store.get('h1', 1)).toBeUndefined();
  });
});
