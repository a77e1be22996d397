/**
 * useHostSessions: hydrates the per-host stores when a host connects and dehydrates them when it
 * goes away. Called once, by the app shell; the stores themselves never watch the hosts, so a
 * test can hydrate one directly.
 */
import { watch } from 'vue';
import { useAuditStore } from '../stores/audit.js';
import { useEventsStore } from '../stores/events.js';
import { useHostsStore } from '../stores/hosts.js';
import { useNetworksStore } from '../stores/networks.js';
import { usePeersStore } from '../stores/peers.js';

export function useHostSessions(): void {
  const hosts = useHostsStore();
  const networks = useNetworksStore();
  const events = useEventsStore();
  const peers = usePeersStore();
  const audit = useAuditStore();
  watch(
    () => [...hosts.liveIds],
    (now, before = []) => {
      for (const id of now.filter((x) => !before.includes(x))) {
        void networks.hydrate(id);
        void events.hydrate(id);
      }
      for (const id of before.filter((x) => !now.includes(x))) {
        networks.dehydrate(id);
        events.dehydrate(id);
        peers.dehydrate(id);
        audit.dehydrate(id);
      }
    },
    { immediate: true },
  );
}
