/**
 * useNetworksStore: each connected host's networks, their live status (interface state, device
 * type, peers online, counters) polled once a second while the host is hydrated, and the host's
 * throughput derived from the interface counters for the dashboard chart.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { HostStatus, ImportResult, Network, NetworkAdopt, NetworkCreate, NetworkImport, NetworkStatus, NetworkWrite, UdpListener } from '../lib/agent-types.js';
import { describeError, type UiError } from '../lib/errors.js';
import { optimistic } from '../lib/optimistic.js';
import { useNoticesStore } from './notices.js';
import { useRpcStore } from './rpc.js';

/** Throughput samples kept per host: 5 minutes at one per second. */
const THROUGHPUT_SAMPLES = 300;
const STATUS_INTERVAL_MS = 1000;

export interface ThroughputSample {
  /** Seconds since the epoch (uPlot's x unit). */
  t: number;
  rxBps: number;
  txBps: number;
}

export interface HostNetworks {
  networks: Network[];
  status: Record<number, NetworkStatus>;
  kernelModule: boolean | null;
  kernelReason: string | null;
  newDevices: HostStatus['newDevices'] | null;
  throughput: ThroughputSample[];
  loaded: boolean;
  error: UiError | null;
}

const empty = (): HostNetworks => ({ networks: [], status: {}, kernelModule: null, kernelReason: null, newDevices: null, throughput: [], loaded: false, error: null });

export const useNetworksStore = defineStore('networks', () => {
  const rpc = useRpcStore();
  const notices = useNoticesStore();
  const hosts = ref<Record<string, HostNetworks>>({});
  const timers = new Map<string, ReturnType<typeof setInterval>>();
  const lastCounters = new Map<string, { t: number; rx: number; tx: number }>();

  const of = (hostId: string): HostNetworks => (hosts.value[hostId] ??= empty());

  async function hydrate(hostId: string): Promise<void> {
    of(hostId);
    await refresh(hostId);
    if (!timers.has(hostId)) timers.set(hostId, setInterval(() => void pollStatus(hostId), STATUS_INTERVAL_MS));
  }

  function dehydrate(hostId: string): void {
    clearInterval(timers.get(hostId));
    timers.delete(hostId);
    lastCounters.delete(hostId);
    delete hosts.value[hostId];
  }

  async function refresh(hostId: string): Promise<void> {
    const h = of(hostId);
    try {
      h.networks = await rpc.agent(hostId).networks.list.query();
      h.error = null;
      await pollStatus(hostId);
    } catch (err) {
      h.error = describeError(err);
    } finally {
      h.loaded = true;
    }
  }

  /** Applies one status reading: per-network state and the host's rx/tx rate since the last. */
  function applyStatus(hostId: string, s: HostStatus, now = Date.now()): void {
    const h = hosts.value[hostId];
    if (!h) return;
    h.kernelModule = s.kernelModule;
    h.kernelReason = s.kernelReason;
    h.newDevices = s.newDevices;
    h.status = Object.fromEntries(s.networks.map((n) => [n.networkId, n]));
    const rx = s.networks.reduce((a, n) => a + n.rxBytes, 0);
    const tx = s.networks.reduce((a, n) => a + n.txBytes, 0);
    const prev = lastCounters.get(hostId);
    lastCounters.set(hostId, { t: now, rx, tx });
    if (!prev || now <= prev.t) return;
    const dt = (now - prev.t) / 1000;
    // A counter that went down was reset (interface re-created): count from zero, not negative.
    const rate = (cur: number, old: number) => (cur >= old ? (cur - old) / dt : cur / dt);
    h.throughput.push({ t: now / 1000, rxBps: rate(rx, prev.rx), txBps: rate(tx, prev.tx) });
    if (h.throughput.length > THROUGHPUT_SAMPLES) h.throughput.splice(0, h.throughput.length - THROUGHPUT_SAMPLES);
  }

  async function pollStatus(hostId: string): Promise<void> {
    try {
      applyStatus(hostId, await rpc.agent(hostId).networks.status.query());
    } catch {
      // The host is reconnecting or gone; the hosts store shows that. Keep the last reading.
    }
  }

  async function create(hostId: string, input: NetworkCreate): Promise<NetworkWrite | UiError> {
    try {
      const r = await rpc.agent(hostId).networks.create.mutate(input);
      of(hostId).networks.push(r.network);
      void pollStatus(hostId);
      return r;
    } catch (err) {
      return describeError(err);
    }
  }

  async function update(hostId: string, id: number, patch: Partial<NetworkCreate>): Promise<NetworkWrite | UiError> {
    try {
      const { interface: _ignored, ...rest } = patch;
      const r = await rpc.agent(hostId).networks.update.mutate({ id, patch: rest });
      replace(hostId, r.network);
      return r;
    } catch (err) {
      return describeError(err);
    }
  }

  function replace(hostId: string, n: Network): void {
    const list = of(hostId).networks;
    const at = list.findIndex((x) => x.id === n.id);
    if (at === -1) list.push(n);
    else list[at] = n;
  }

  function setEnabled(hostId: string, network: Network, enabled: boolean) {
    const api = rpc.agent(hostId).networks;
    return optimistic(
      () => {
        replace(hostId, { ...network, enabled });
        return () => replace(hostId, network);
      },
      async () => {
        const r = await (enabled ? api.enable : api.disable).mutate({ id: network.id });
        replace(hostId, r.network);
        return r;
      },
      (err) => notices.report(err, `${enabled ? 'Enable' : 'Disable'} network ${network.name}`),
    );
  }

  function remove(hostId: string, network: Network) {
    return optimistic(
      () => {
        const h = of(hostId);
        const before = h.networks;
        h.networks = before.filter((n) => n.id !== network.id);
        return () => (h.networks = before);
      },
      () => rpc.agent(hostId).networks.delete.mutate({ id: network.id }),
      (err) => notices.report(err, `Delete network ${network.name}`),
    );
  }

  /** Imports a wg-quick server file, or adopts a running interface, as a new network. */
  async function importNetwork(hostId: string, how: { kind: 'file'; input: NetworkImport } | { kind: 'adopt'; input: NetworkAdopt }): Promise<ImportResult | UiError> {
    try {
      const api = rpc.agent(hostId).networks;
      const r = how.kind === 'file' ? await api.import.mutate(how.input) : await api.adopt.mutate(how.input);
      replace(hostId, r.network);
      void pollStatus(hostId);
      return r;
    } catch (err) {
      return describeError(err);
    }
  }

  /** The host's UDP listeners right now (for the port check as the admin types). */
  async function ports(hostId: string): Promise<UdpListener[]> {
    return rpc.agent(hostId).system.ports.query();
  }

  return { hosts, of, hydrate, dehydrate, refresh, applyStatus, create, update, setEnabled, remove, ports, replace, importNetwork };
});
