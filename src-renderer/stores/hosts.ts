import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { HostConnection } from '../../src-main/core/hosts.js';
import { desktop, errorData, type DesktopErrorData } from '../rpc.js';

export interface ConnectForm {
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
}

/** Host connections and the connect flow, including the unknown-host-key trust step. */
export const useHostsStore = defineStore('hosts', () => {
  const connections = ref<HostConnection[]>([]);
  const connecting = ref(false);
  const error = ref<string | null>(null);
  const pendingHostKey = ref<NonNullable<DesktopErrorData['hostKey']> | null>(null);

  async function connect(form: ConnectForm, acceptHostKey?: string): Promise<HostConnection | null> {
    connecting.value = true;
    error.value = null;
    try {
      const conn = await desktop.hosts.connect.mutate({ ...form, privateKeyPath: form.privateKeyPath || undefined, acceptHostKey });
      connections.value = [...connections.value.filter((c) => c.id !== conn.id), conn];
      pendingHostKey.value = null;
      return conn;
    } catch (err) {
      const data = errorData(err);
      if (data.appCode === 'HOST_KEY_UNKNOWN' && data.hostKey) pendingHostKey.value = data.hostKey;
      else error.value = err instanceof Error ? err.message : String(err);
      return null;
    } finally {
      connecting.value = false;
    }
  }

  async function disconnect(id: string): Promise<void> {
    await desktop.hosts.disconnect.mutate({ id });
    connections.value = connections.value.filter((c) => c.id !== id);
  }

  return { connections, connecting, error, pendingHostKey, connect, disconnect };
});
