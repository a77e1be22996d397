/**
 * OS notifications for alerts: every connected host's `monitor.events` (alerts only) becomes a
 * notification while the app runs, also when its window is hidden. No electron import: the
 * shell passes a `notify` function, the tests a fake.
 */
import type { AgentEvent } from '../../agent/src/services/events.js';
import type { HostManager, HostStateEvent } from '../core/hosts.js';

export interface Notification {
  title: string;
  body: string;
}

/**
 * The notification for an event, or null for events that do not deserve one — including alerts
 * whose rule says `notify.desktop: false` (they still show in the app's event feed).
 */
export function alertNotification(e: AgentEvent, hostLabel: string): Notification | null {
  if (e.type === 'alert' && e.desktop === false) return null;
  if (e.type === 'alert') return { title: `${e.state === 'firing' ? 'Alert' : 'Resolved'} on ${hostLabel}`, body: e.message };
  if (e.type === 'reconcile' && e.failed.length > 0) return { title: `Reconcile failed on ${hostLabel}`, body: e.failed.join('; ') };
  if (e.type === 'peer-expired') return { title: `Peer expired on ${hostLabel}`, body: `${e.name} was disabled (its expiry passed)` };
  return null;
}

type Watchable = Pick<HostManager, 'onState' | 'agent' | 'states'>;

/** Subscribes to each host once it is connected, until it disconnects; returns the stopper. */
export function watchAlerts(hosts: Watchable, notify: (n: Notification) => void): () => void {
  const subs = new Map<string, { unsubscribe(): void }>();
  const onState = (e: HostStateEvent) => {
    if (e.state.status === 'connected' && !subs.has(e.hostId)) {
      const agent = hosts.agent(e.hostId);
      if (!agent) return;
      subs.set(
        e.hostId,
        agent.monitor.events.subscribe(
          { types: ['alert', 'reconcile', 'peer-expired'] },
          {
            onData: (ev) => {
              const n = alertNotification(ev, e.label);
              if (n) notify(n);
            },
            onError: () => subs.delete(e.hostId),
          },
        ),
      );
    } else if (e.state.status === 'disconnected') {
      subs.get(e.hostId)?.unsubscribe();
      subs.delete(e.hostId);
    }
  };
  for (const s of hosts.states()) onState(s);
  const off = hosts.onState(onState);
  return () => {
    off();
    for (const s of subs.values()) s.unsubscribe();
    subs.clear();
  };
}
