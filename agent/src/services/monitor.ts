/**
 * Monitor: the periodic work besides reconcile — every tick (default 30 s) it disables expired
 * peers, stores transfer snapshots (per-peer byte deltas from the devices' cumulative counters,
 * compacted hourly: raw 24 h, hourly 30 d, daily 365 d), and evaluates the alert rules, firing
 * and resolving alert events and emitting them on the event bus.
 *
 * Design decisions:
 * - Counters are turned into deltas in memory (`counterDelta` treats a counter that went down
 *   as a reset). The first sample after start only sets the baseline, so a restart never books
 *   a device's whole history into one interval.
 * - Only non-zero deltas are stored: an idle peer costs no rows; a chart reads gaps as zero.
 * - Alerts are level conditions: an event opens when the condition becomes true (one open event
 *   per rule and resource, enforced by the schema) and resolves when it stops being true.
 *   "Offline" counts from the last handshake, or from the peer's creation if it never had one.
 */
import type { AlertEvent, AlertRule } from '../db/alerts.js';
import { isPeerActive, type Network, type Peer } from '../domain/model.js';
import { counterDelta, HOUR_MS, type TransferSnapshot } from '../domain/snapshots.js';
import type { Core } from './core.js';
import { errorMessage } from './errors.js';
import type { HostObservation } from './kernel.js';
import type { PeersService } from './peers.js';

export const DEFAULT_SNAPSHOT_INTERVAL_MS = 30_000;

export interface MonitorOptions {
  /** Period of the monitor tick; 0 disables the timer (tests call tick()). */
  intervalMs?: number;
  /** Called for each alert that fires or resolves (webhooks, notify.ts); must not block. */
  notify?: (state: 'firing' | 'resolved', event: AlertEvent) => void;
}

export interface TickResult {
  expired: number;
  snapshots: number;
  fired: AlertEvent[];
  resolved: AlertEvent[];
}

interface Condition {
  resourceType: 'peer' | 'network';
  resourceId: string;
  message: string;
}

export class Monitor {
  private timer: NodeJS.Timeout | undefined;
  private readonly counters = new Map<number, { rx: bigint; tx: bigint }>();
  private lastCompaction = 0;
  private ticking: Promise<TickResult> | undefined;

  constructor(
    private readonly core: Core,
    private readonly peers: PeersService,
    private readonly options: MonitorOptions = {},
  ) {}

  start(): void {
    const interval = this.options.intervalMs ?? DEFAULT_SNAPSHOT_INTERVAL_MS;
    if (interval <= 0) return;
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = this.tick().finally(() => (this.ticking = undefined));
      this.ticking.catch((err: unknown) => this.core.log.error('monitor tick failed', { error: errorMessage(err) }));
    }, interval);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** tick runs one round: expiry, snapshots, compaction, alerts. */
  async tick(): Promise<TickResult> {
    const expired = await this.peers.expireDue();
    const r = this.core.repos;
    const networks = r.networks.list().filter((n) => n.enabled);
    const observation = await this.core.kernel.observe({ interfaces: networks.map((n) => n.interface) });
    const now = this.core.now();
    const snapshots = this.snapshots(networks, observation, now);
    if (snapshots.length > 0) r.snapshots.insert(snapshots);
    if (now.getTime() - this.lastCompaction >= HOUR_MS) {
      r.snapshots.compact(now);
      this.lastCompaction = now.getTime();
    }
    const { fired, resolved } = this.evaluate(observation, now);
    return { expired: expired.length, snapshots: snapshots.length, fired, resolved };
  }

  private snapshots(networks: readonly Network[], observation: HostObservation, now: Date): TransferSnapshot[] {
    const out: TransferSnapshot[] = [];
    for (const n of networks) {
      const device = observation.devices.get(n.interface);
      if (!device) continue;
      const byKey = new Map(device.peers.map((p) => [p.publicKey.toBase64(), p]));
      for (const peer of this.core.repos.peers.listByNetwork(n.id)) {
        const d = byKey.get(peer.publicKey);
        if (!d) continue;
        const prev = this.counters.get(peer.id);
        this.counters.set(peer.id, { rx: d.receiveBytes, tx: d.transmitBytes });
        const rx = counterDelta(prev?.rx, d.receiveBytes);
        const tx = counterDelta(prev?.tx, d.transmitBytes);
        if (rx > 0n || tx > 0n) out.push({ peerId: peer.id, resolution: 'raw', ts: now, rxBytes: Number(rx), txBytes: Number(tx) });
      }
    }
    return out;
  }

  /** evaluate fires and resolves alert events for every enabled rule. */
  evaluate(observation: HostObservation, now: Date): { fired: AlertEvent[]; resolved: AlertEvent[] } {
    const r = this.core.repos;
    const fired: AlertEvent[] = [];
    const resolved: AlertEvent[] = [];
    const open = r.alertEvents.listOpen();
    for (const rule of r.alertRules.list().filter((x) => x.enabled)) {
      const conditions = this.conditions(rule, observation, now);
      const active = new Set(conditions.map((c) => `${c.resourceType}:${c.resourceId}`));
      for (const c of conditions) {
        const { event, created } = r.alertEvents.fire({ ruleId: rule.id, resourceType: c.resourceType, resourceId: c.resourceId, message: c.message, at: now });
        if (created) {
          fired.push(event);
          this.emitAlert('firing', event);
        }
      }
      for (const e of open.filter((x) => x.ruleId === rule.id && !active.has(`${x.resourceType}:${x.resourceId}`))) {
        const done = r.alertEvents.resolve(e.id, now);
        resolved.push(done);
        this.emitAlert('resolved', done);
      }
    }
    return { fired, resolved };
  }

  private emitAlert(state: 'firing' | 'resolved', e: AlertEvent): void {
    const desktop = this.core.repos.alertRules.get(e.ruleId)?.notify.desktop ?? true;
    this.core.emit({ type: 'alert', time: this.core.now().getTime(), state, ruleId: e.ruleId, alertId: e.id, resourceType: e.resourceType, resourceId: e.resourceId, message: e.message, desktop });
    this.options.notify?.(state, e);
  }

  private conditions(rule: AlertRule, observation: HostObservation, now: Date): Condition[] {
    const r = this.core.repos;
    const networks = r.networks.list().filter((n) => n.enabled && (rule.networkId === null || n.id === rule.networkId));
    const peersOf = (n: Network): Peer[] => r.peers.listByNetwork(n.id).filter((p) => isPeerActive(p, now) && (rule.peerId === null || p.id === rule.peerId));
    const c = rule.condition;
    switch (c.type) {
      case 'interface_down':
        return networks.flatMap((n) => {
          const link = observation.links.find((l) => l.name === n.interface);
          if (link?.up) return [];
          return [{ resourceType: 'network', resourceId: String(n.id), message: `interface ${n.interface} of network '${n.name}' is ${link ? 'down' : 'missing'}` }];
        });
      case 'peer_offline':
        return networks.flatMap((n) => {
          const device = observation.devices.get(n.interface);
          const hs = new Map((device?.peers ?? []).map((p) => [p.publicKey.toBase64(), p.lastHandshakeTime]));
          return peersOf(n).flatMap((p) => {
            const since = hs.get(p.publicKey) ?? p.createdAt;
            const seconds = Math.floor((now.getTime() - since.getTime()) / 1000);
            if (seconds < c.offlineSeconds) return [];
            return [{ resourceType: 'peer', resourceId: String(p.id), message: `peer '${p.name}' of network '${n.name}' has been offline for ${seconds} s` }];
          });
        });
      case 'transfer_spike':
        return networks.flatMap((n) =>
          peersOf(n).flatMap((p) => {
            const t = r.snapshots.totals(p.id, new Date(now.getTime() - HOUR_MS), new Date(now.getTime() + 1));
            const bytes = t.rxBytes + t.txBytes;
            if (bytes <= c.bytesPerHour) return [];
            return [{ resourceType: 'peer', resourceId: String(p.id), message: `peer '${p.name}' moved ${bytes} bytes in the last hour (limit ${c.bytesPerHour})` }];
          }),
        );
    }
  }
}
