/**
 * Guest ops for the WireGuard backends: the agent's own WireGuardClient (kernel module first,
 * wireguard-go otherwise) and its UserspaceBackend, per network namespace, so a host-side test
 * drives exactly the code the agent runs against the guest's kernel. One client per namespace
 * ("" = the guest's initial one), opened on first use and closed by `wireguard.close`.
 */
import { NetlinkConnection } from '../../../../agent/src/netlink/conn/index.js';
import { resolveFamily } from '../../../../agent/src/netlink/families/genl/controller.js';
import { loadLibc } from '../../../../agent/src/netlink/ffi/index.js';
import { NETLINK_GENERIC, NETLINK_ROUTE } from '../../../../agent/src/netlink/wire/uapi/netlink.js';
import { WireGuardClient } from '../../../../agent/src/wireguard/select.js';
import type { DeviceConfig } from '../../../../agent/src/wireguard/types.js';
import { UserspaceBackend } from '../../../../agent/src/wireguard/userspace.js';

interface Handles {
  route: NetlinkConnection;
  genl: NetlinkConnection;
  userspace: UserspaceBackend;
  client: WireGuardClient;
}

const libc = loadLibc();
const byNetns = new Map<string, Promise<Handles>>();

function handles(netns = ''): Promise<Handles> {
  let h = byNetns.get(netns);
  if (!h) {
    h = (async () => {
      const ns = netns ? { netns } : {};
      const route = NetlinkConnection.open(libc, NETLINK_ROUTE, ns);
      const genl = NetlinkConnection.open(libc, NETLINK_GENERIC, ns);
      const userspace = new UserspaceBackend({ daemon: netns ? { commandPrefix: ['ip', 'netns', 'exec', netns] } : {} });
      return { route, genl, userspace, client: await WireGuardClient.open({ route, genl, userspace }) };
    })();
    byNetns.set(netns, h);
  }
  return h;
}

interface On {
  netns?: string;
}

/** How long a write took inside the guest (TCG), for the test's log. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - t) };
}

export const wireguardOps = {
  /** Equivalent to: `genl ctrl get name <name>` (loads the module on demand). */
  'wireguard.resolveFamily': async (a: On & { name: string }) => resolveFamily((await handles(a.netns)).genl, a.name),
  'wireguard.support': async (a: On) => (await handles(a.netns)).client.support(),
  /** Equivalent to: `ip link add <name> type wireguard` (or `wireguard-go <name>` with backend 'userspace'). */
  'wireguard.createDevice': async (a: On & { name: string; backend?: 'auto' | 'userspace' }) => {
    const h = await handles(a.netns);
    if (a.backend === 'userspace') {
      await h.userspace.createDevice(a.name);
      return 'userspace' as const;
    }
    return h.client.createDevice(a.name);
  },
  /** Equivalent to: `wg set <name> …` / `wg setconf`. */
  'wireguard.configureDevice': async (a: On & { name: string; config: DeviceConfig }) => {
    const h = await handles(a.netns);
    return (await timed(() => h.client.configureDevice(a.name, a.config))).ms;
  },
  /** Equivalent to: `wg show <name> dump`. */
  'wireguard.device': async (a: On & { name: string }) => (await handles(a.netns)).client.device(a.name),
  'wireguard.devices': async (a: On) => (await handles(a.netns)).client.devices(),
  'wireguard.deleteDevice': async (a: On & { name: string }) => (await handles(a.netns)).client.deleteDevice(a.name),
  /** close stops the namespace's wireguard-go daemons and closes its sockets. */
  'wireguard.close': async (a: On) => {
    const h = byNetns.get(a.netns ?? '');
    if (!h) return;
    byNetns.delete(a.netns ?? '');
    const { client, route, genl } = await h;
    await client.close();
    route.close();
    genl.close();
  },
};
