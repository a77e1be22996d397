/**
 * A fake agent client for store tests: every procedure a vi.fn, arranged in the client's shape
 * (`agent.peers.list.query`), so stores run their real code against canned answers.
 */
import { createPinia, setActivePinia } from 'pinia';
import { vi } from 'vitest';
import type { AgentClient } from '../../../src-renderer/lib/agent-client.js';
import type { Network, Peer } from '../../../src-renderer/lib/agent-types.js';
import type { DesktopClient } from '../../../src-renderer/rpc.js';
import { useRpcStore } from '../../../src-renderer/stores/rpc.js';

/** Any path of the client (`tree.peers.list.query`) — a vi.fn at the leaves. Typed loosely on purpose: it stands in for every procedure. */
export type FakeTree = any;
type Fn = ReturnType<typeof vi.fn>;

/** A proxy that creates a vi.fn for any `a.b.query|mutate|subscribe` on first use. */
export function fakeClient(): FakeTree {
  const fns = new Map<string, Fn>();
  const node = (path: string): unknown =>
    new Proxy(
      {},
      {
        get(_t, key: string) {
          const p = path ? `${path}.${key}` : key;
          if (key === 'query' || key === 'mutate' || key === 'subscribe') {
            if (!fns.has(p)) fns.set(p, vi.fn(key === 'subscribe' ? () => ({ unsubscribe: vi.fn() }) : async () => undefined));
            return fns.get(p);
          }
          return node(p);
        },
      },
    );
  return node('') as FakeTree;
}

/** Fresh Pinia with the fake agent (and optionally a fake desktop) installed. */
export function setupStores(agent = fakeClient(), desktop = fakeClient()) {
  setActivePinia(createPinia());
  useRpcStore().useClients({ agent: () => agent as unknown as AgentClient, desktop: desktop as unknown as DesktopClient });
  return { agent, desktop };
}

export function network(over: Partial<Network> = {}): Network {
  return { id: 1, name: 'office', interface: 'wg0', mode: 'gateway', subnet4: '10.8.0.0/24', subnet6: null, address4: '10.8.0.1', address6: null, listenPort: 51820, publicKey: 'pk', dns: [], mtu: 1420, endpointHost: null, uplinkInterface: null, enabled: true, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...over };
}

export function peer(over: Partial<Peer> = {}): Peer {
  return { id: 1, networkId: 1, name: 'alice', email: null, role: 'client', address4: '10.8.0.2', address6: null, publicKey: 'AAAA', hasPrivateKey: true, hasPresharedKey: false, siteNetworks: [], allowedIps: null, endpoint: null, persistentKeepalive: 25, enabled: true, expiresAt: null, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...over };
}

/** An error as the desktop router delivers it to the renderer. */
export function hostError(message: string, appCode: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { data: { appCode, code: 'BAD_REQUEST', ...extra } });
}
