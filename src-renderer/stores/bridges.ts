/**
 * useBridgesStore: forwarding rules between two networks of a host (direction, allowed CIDRs),
 * loaded when the bridges view opens; enable / disable / delete are optimistic.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AgentIn, Bridge } from '../lib/agent-types.js';
import { describeError, type UiError } from '../lib/errors.js';
import { optimistic } from '../lib/optimistic.js';
import { useNoticesStore } from './notices.js';
import { useRpcStore } from './rpc.js';

export type BridgeCreate = AgentIn['bridges']['create'];

export const useBridgesStore = defineStore('bridges', () => {
  const rpc = useRpcStore();
  const notices = useNoticesStore();
  const hosts = ref<Record<string, { bridges: Bridge[]; error: UiError | null; loaded: boolean }>>({});

  async function hydrate(hostId: string): Promise<void> {
    const h = (hosts.value[hostId] ??= { bridges: [], error: null, loaded: false });
    try {
      h.bridges = await rpc.agent(hostId).bridges.list.query();
      h.error = null;
    } catch (err) {
      h.error = describeError(err);
    }
    h.loaded = true;
  }

  function dehydrate(hostId: string): void {
    delete hosts.value[hostId];
  }

  function replace(hostId: string, b: Bridge): void {
    const list = hosts.value[hostId]?.bridges;
    if (!list) return;
    const at = list.findIndex((x) => x.id === b.id);
    if (at === -1) list.push(b);
    else list[at] = b;
  }

  async function create(hostId: string, input: BridgeCreate): Promise<Bridge | UiError> {
    try {
      const r = await rpc.agent(hostId).bridges.create.mutate(input);
      replace(hostId, r.bridge);
      return r.bridge;
    } catch (err) {
      return describeError(err);
    }
  }

  function setEnabled(hostId: string, b: Bridge, enabled: boolean) {
    const api = rpc.agent(hostId).bridges;
    return optimistic(
      () => {
        replace(hostId, { ...b, enabled });
        return () => replace(hostId, b);
      },
      () => (enabled ? api.enable : api.disable).mutate({ id: b.id }),
      (err) => notices.report(err, `${enabled ? 'Enable' : 'Disable'} bridge`),
    );
  }

  function remove(hostId: string, b: Bridge) {
    return optimistic(
      () => {
        const h = hosts.value[hostId];
        const before = h?.bridges ?? [];
        if (h) h.bridges = before.filter((x) => x.id !== b.id);
        return () => h && (h.bridges = before);
      },
      () => rpc.agent(hostId).bridges.delete.mutate({ id: b.id }),
      (err) => notices.report(err, 'Delete bridge'),
    );
  }

  return { hosts, hydrate, dehydrate, create, setEnabled, remove };
});
