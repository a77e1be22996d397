/**
 * usePeersStore: the peers of the networks the admin has open, with their live status from the
 * agent's `peers.watchStatus` subscription (one a second) — online, last handshake, rx/tx and
 * the rates between readings. Hydrated per network when its detail view opens, dehydrated when
 * it closes or the host disconnects.
 *
 * Design decision: status is kept apart from the peers (a shallow Map replaced per reading),
 * so 5,000 peers updating at 1 Hz cost one reactive trigger, not 5,000 deep ones.
 */
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import type { Peer, PeerConfig, PeerCreate, PeerStatus, TransferSample } from '../lib/agent-types.js';
import { describeError, type UiError } from '../lib/errors.js';
import { optimistic } from '../lib/optimistic.js';
import { useNoticesStore } from './notices.js';
import { useRpcStore } from './rpc.js';

export const STATUS_INTERVAL_MS = 1000;

export interface LiveStatus extends PeerStatus {
  /** Bytes per second since the previous reading (0 on the first). */
  rxRate: number;
  txRate: number;
}

export interface NetworkPeers {
  peers: Peer[];
  /** peerId → live status; replaced as a whole per reading. */
  status: Map<number, LiveStatus>;
  /** Time of the last status reading (ms). */
  statusAt: number;
  loaded: boolean;
  error: UiError | null;
}

export const peersKey = (hostId: string, networkId: number) => `${hostId}/${networkId}`;

export const usePeersStore = defineStore('peers', () => {
  const rpc = useRpcStore();
  const notices = useNoticesStore();
  const networks = shallowRef<Record<string, NetworkPeers>>({});
  const subs = new Map<string, { unsubscribe(): void }>();
  /** The peer whose config dialog is open (after creation or on request). */
  const config = ref<{ hostId: string; peer: Peer; config: PeerConfig } | null>(null);

  const get = (hostId: string, networkId: number): NetworkPeers | undefined => networks.value[peersKey(hostId, networkId)];

  function entry(hostId: string, networkId: number): NetworkPeers {
    const e = networks.value[peersKey(hostId, networkId)];
    return e ?? set(hostId, networkId, { peers: [], status: new Map(), statusAt: 0, loaded: false, error: null });
  }

  /**
   * Every change replaces the network's entry (and the record holding it), so views that hold
   * the entry see a new object; the peers array and status map inside are never deep-reactive.
   */
  function set(hostId: string, networkId: number, patch: Partial<NetworkPeers>): NetworkPeers {
    const key = peersKey(hostId, networkId);
    const next = { ...(networks.value[key] ?? { peers: [], status: new Map(), statusAt: 0, loaded: false, error: null }), ...patch };
    if (next.peers) next.peers = markRaw(next.peers);
    next.status = markRaw(next.status);
    networks.value = { ...networks.value, [key]: next };
    return next;
  }

  async function hydrate(hostId: string, networkId: number): Promise<void> {
    const key = peersKey(hostId, networkId);
    entry(hostId, networkId);
    try {
      set(hostId, networkId, { peers: await rpc.agent(hostId).peers.list.query({ networkId }), error: null, loaded: true });
    } catch (err) {
      set(hostId, networkId, { error: describeError(err), loaded: true });
    }
    if (!subs.has(key)) {
      subs.set(
        key,
        rpc.agent(hostId).peers.watchStatus.subscribe(
          { networkId, intervalMs: STATUS_INTERVAL_MS },
          { onData: (d) => applyStatus(hostId, networkId, d.peers, d.time), onError: (err) => void set(hostId, networkId, { error: describeError(err) }) },
        ),
      );
    }
  }

  function dehydrate(hostId: string, networkId?: number): void {
    for (const key of Object.keys(networks.value)) {
      if (!key.startsWith(`${hostId}/`) || (networkId !== undefined && key !== peersKey(hostId, networkId))) continue;
      subs.get(key)?.unsubscribe();
      subs.delete(key);
      const { [key]: _gone, ...rest } = networks.value;
      networks.value = rest;
    }
  }

  /** Joins one status reading in, computing rates from the previous one. */
  function applyStatus(hostId: string, networkId: number, readings: readonly PeerStatus[], time = Date.now()): void {
    const e = entry(hostId, networkId);
    const dt = e.statusAt ? (time - e.statusAt) / 1000 : 0;
    const next = new Map<number, LiveStatus>();
    for (const s of readings) {
      const prev = e.status.get(s.peerId);
      const rate = (cur: number, old: number | undefined) => (dt > 0 && old !== undefined && cur >= old ? (cur - old) / dt : 0);
      next.set(s.peerId, { ...s, rxRate: rate(s.rxBytes, prev?.rxBytes), txRate: rate(s.txBytes, prev?.txBytes) });
    }
    set(hostId, networkId, { status: next, statusAt: time });
  }

  function replace(hostId: string, p: Peer): void {
    const e = entry(hostId, p.networkId);
    const at = e.peers.findIndex((x) => x.id === p.id);
    set(hostId, p.networkId, { peers: at === -1 ? [...e.peers, p] : e.peers.map((x) => (x.id === p.id ? p : x)) });
  }

  /** Creates a peer; the caller then offers its config (QR, .conf) when the host holds its key. */
  async function create(hostId: string, input: PeerCreate): Promise<Peer | UiError> {
    try {
      const r = await rpc.agent(hostId).peers.create.mutate(input);
      replace(hostId, r.peer);
      return r.peer;
    } catch (err) {
      return describeError(err);
    }
  }

  async function update(hostId: string, id: number, patch: Omit<Partial<PeerCreate>, 'networkId' | 'publicKey' | 'presharedKey'>): Promise<Peer | UiError> {
    try {
      const r = await rpc.agent(hostId).peers.update.mutate({ id, patch });
      replace(hostId, r.peer);
      return r.peer;
    } catch (err) {
      return describeError(err);
    }
  }

  function setEnabled(hostId: string, peer: Peer, enabled: boolean) {
    const api = rpc.agent(hostId).peers;
    return optimistic(
      () => {
        replace(hostId, { ...peer, enabled });
        return () => replace(hostId, peer);
      },
      async () => {
        const r = await (enabled ? api.enable : api.disable).mutate({ id: peer.id });
        replace(hostId, r.peer);
        return r;
      },
      (err) => notices.report(err, `${enabled ? 'Enable' : 'Disable'} peer ${peer.name}`),
    );
  }

  function remove(hostId: string, peer: Peer) {
    return optimistic(
      () => {
        const before = entry(hostId, peer.networkId).peers;
        set(hostId, peer.networkId, { peers: before.filter((p) => p.id !== peer.id) });
        return () => void set(hostId, peer.networkId, { peers: before });
      },
      () => rpc.agent(hostId).peers.delete.mutate({ id: peer.id }),
      (err) => notices.report(err, `Delete peer ${peer.name}`),
    );
  }

  async function showConfig(hostId: string, peer: Peer): Promise<void> {
    try {
      config.value = { hostId, peer, config: await rpc.agent(hostId).peers.config.query({ id: peer.id }) };
    } catch (err) {
      notices.report(err, `Config of ${peer.name}`);
    }
  }

  /** Transfer history of a peer from the host's snapshots. */
  function history(hostId: string, peerId: number, from: Date, to = new Date()): Promise<TransferSample[]> {
    return rpc.agent(hostId).monitor.history.query({ peerId, from: from.toISOString(), to: to.toISOString() });
  }

  return { networks, config, get, hydrate, dehydrate, applyStatus, create, update, setEnabled, remove, showConfig, history, replace };
});
