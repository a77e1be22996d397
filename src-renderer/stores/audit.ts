/**
 * useAuditStore: the audit log of each host (who — the SSH user —, what, which resource,
 * before/after), newest first, loaded a page at a time.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AuditEntry } from '../lib/agent-types.js';
import { describeError, type UiError } from '../lib/errors.js';
import { useRpcStore } from './rpc.js';

export const AUDIT_PAGE = 200;

export interface HostAudit {
  entries: AuditEntry[];
  done: boolean;
  loading: boolean;
  error: UiError | null;
}

export const useAuditStore = defineStore('audit', () => {
  const rpc = useRpcStore();
  const hosts = ref<Record<string, HostAudit>>({});

  /** Loads the newest page (again). */
  async function hydrate(hostId: string): Promise<void> {
    hosts.value[hostId] = { entries: [], done: false, loading: false, error: null };
    await more(hostId);
  }

  function dehydrate(hostId: string): void {
    delete hosts.value[hostId];
  }

  async function more(hostId: string): Promise<void> {
    const h = hosts.value[hostId];
    if (!h || h.loading || h.done) return;
    h.loading = true;
    try {
      const beforeId = h.entries.at(-1)?.id;
      const page = await rpc.agent(hostId).audit.list.query({ limit: AUDIT_PAGE, ...(beforeId !== undefined ? { beforeId } : {}) });
      h.entries.push(...page);
      h.done = page.length < AUDIT_PAGE;
      h.error = null;
    } catch (err) {
      h.error = describeError(err);
    } finally {
      h.loading = false;
    }
  }

  return { hosts, hydrate, dehydrate, more };
});
