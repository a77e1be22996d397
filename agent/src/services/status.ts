/**
 * Network status: each network's interface as the kernel has it (exists, up, MTU, listen port,
 * counters), the device type running it (kernel module or wireguard-go, roadmap feat-010) and
 * whether this host's kernel has the WireGuard module at all. Read from one fresh observation.
 * Equivalent to: `ip -s link show <if>; wg show <if>` per network, plus `modinfo wireguard`.
 */
import { isPeerActive } from '../domain/model.js';
import type { DeviceType } from '../wireguard/types.js';
import type { Core } from './core.js';
import { ONLINE_WINDOW_MS } from './peers.js';

export interface NetworkStatus {
  networkId: number;
  name: string;
  interface: string;
  enabled: boolean;
  exists: boolean;
  up: boolean;
  operState: string | null;
  deviceType: DeviceType | null;
  mtu: { desired: number; actual: number | null; matches: boolean };
  listenPort: { desired: number; actual: number | null; matches: boolean };
  peers: { total: number; active: number; inDevice: number; online: number };
  rxBytes: number;
  txBytes: number;
}

export interface HostStatus {
  /** The kernel's WireGuard module is loaded (genl family "wireguard" resolves). */
  kernelModule: boolean;
  kernelReason: string | null;
  /** What new interfaces will use. */
  newDevices: DeviceType | 'try-kernel';
  networks: NetworkStatus[];
}

export async function hostStatus(core: Core, networkId?: number): Promise<HostStatus> {
  const r = core.repos;
  const networks = networkId === undefined ? r.networks.list() : [r.networks.require(networkId)];
  const observation = await core.kernel.observe({ interfaces: networks.map((n) => n.interface) });
  const now = core.now();
  const support = core.kernel.support();
  return {
    kernelModule: support.kernelModule,
    kernelReason: support.kernelReason ?? null,
    newDevices: support.newDevices,
    networks: networks.map((n): NetworkStatus => {
      const link = observation.links.find((l) => l.name === n.interface);
      const device = observation.devices.get(n.interface);
      const peers = r.peers.listByNetwork(n.id);
      const keys = new Set(peers.map((p) => p.publicKey));
      const inDevice = device?.peers.filter((p) => keys.has(p.publicKey.toBase64())) ?? [];
      return {
        networkId: n.id,
        name: n.name,
        interface: n.interface,
        enabled: n.enabled,
        exists: link !== undefined,
        up: link?.up ?? false,
        operState: link?.operState ?? null,
        deviceType: device?.type ?? null,
        mtu: { desired: n.mtu, actual: link?.mtu ?? null, matches: link?.mtu === n.mtu },
        listenPort: { desired: n.listenPort, actual: device?.listenPort ?? null, matches: device?.listenPort === n.listenPort },
        peers: {
          total: peers.length,
          active: peers.filter((p) => isPeerActive(p, now)).length,
          inDevice: inDevice.length,
          online: inDevice.filter((p) => p.lastHandshakeTime !== null && now.getTime() - p.lastHandshakeTime.getTime() < ONLINE_WINDOW_MS).length,
        },
        rxBytes: Number(link?.rxBytes ?? 0n),
        txBytes: Number(link?.txBytes ?? 0n),
      };
    }),
  };
}
