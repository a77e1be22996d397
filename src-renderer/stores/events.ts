/**
 * useEventsStore: each connected host's live event feed (`monitor.events`: kernel link changes,
 * reconcile fixes, alerts, expiries) and its open alerts. Alerts also become notices, so they are
 * seen from any view, unless their rule says `notify.desktop: false`; the Electron shell raises
 * OS notifications for them itself (same rule).
 */
import type { AgentEvent } from '../../agent/src/services/events.js';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AlertEvent } from '../lib/agent-types.js';
import { useNoticesStore } from './notices.js';
import { useRpcStore } from './rpc.js';

/** Events kept per host; older ones remain in the host's audit log and alert history. */
export const EVENTS_KEPT = 500;

export type FeedEvent = AgentEvent & { seq: number };

export interface HostEvents {
  feed: FeedEvent[];
  alerts: AlertEvent[];
  unseen: number;
}

export const useEventsStore = defineStore('events', () => {
  const rpc = useRpcStore();
  const notices = useNoticesStore();
  const hosts = ref<Record<string, HostEvents>>({});
  const subs = new Map<string, { unsubscribe(): void }>();
  let seq = 0;

  async function hydrate(hostId: string): Promise<void> {
    hosts.value[hostId] ??= { feed: [], alerts: [], unseen: 0 };
    if (!subs.has(hostId)) {
      subs.set(hostId, rpc.agent(hostId).monitor.events.subscribe(undefined, { onData: (e) => push(hostId, e), onError: (err) => notices.report(err, 'Event feed') }));
    }
    await loadAlerts(hostId);
  }

  function dehydrate(hostId: string): void {
    subs.get(hostId)?.unsubscribe();
    subs.delete(hostId);
    delete hosts.value[hostId];
  }

  async function loadAlerts(hostId: string): Promise<void> {
    const h = hosts.value[hostId];
    if (!h) return;
    try {
      h.alerts = await rpc.agent(hostId).monitor.alerts.query({ open: true });
    } catch {
      // Older agents or no services: the feed still works.
    }
  }

  function push(hostId: string, e: AgentEvent): void {
    const h = hosts.value[hostId];
    if (!h) return;
    h.feed.unshift({ ...e, seq: ++seq });
    if (h.feed.length > EVENTS_KEPT) h.feed.length = EVENTS_KEPT;
    h.unseen++;
    if (e.type === 'alert') {
      // A rule with notify.desktop false stays in the feed and the open alerts, without a notice.
      if (e.desktop !== false) notices.push({ kind: e.state === 'firing' ? 'warning' : 'success', title: e.state === 'firing' ? 'Alert' : 'Alert resolved', message: e.message });
      void loadAlerts(hostId);
    }
  }

  function markSeen(hostId: string): void {
    const h = hosts.value[hostId];
    if (h) h.unseen = 0;
  }

  return { hosts, hydrate, dehydrate, push, markSeen, loadAlerts };
});
