/**
 * useRpcStore: the renderer's connections — the desktop client (created on first use, or handed
 * in by tests and the bench) and one typed agent client per host. Keeping them in a store
 * rather than in module variables lets every test start from a fresh Pinia and a fake client.
 */
import { defineStore } from 'pinia';
import { markRaw, shallowRef } from 'vue';
import { createAgentClient, type AgentClient } from '../lib/agent-client.js';
import { createDesktopClient, type DesktopClient } from '../rpc.js';

export const useRpcStore = defineStore('rpc', () => {
  const desktopClient = shallowRef<DesktopClient | null>(null);
  const carrier = shallowRef<'ipc' | 'websocket' | 'test'>('test');
  const agents = new Map<string, AgentClient>();
  const agentOverride = shallowRef<((hostId: string) => AgentClient) | null>(null);

  function desktop(): DesktopClient {
    if (!desktopClient.value) {
      const created = createDesktopClient();
      desktopClient.value = markRaw(created.client);
      carrier.value = created.carrier;
    }
    return desktopClient.value;
  }

  /** The typed client of a host's agent, through the desktop router's proxy. */
  function agent(hostId: string): AgentClient {
    if (agentOverride.value) return agentOverride.value(hostId);
    let client = agents.get(hostId);
    if (!client) {
      client = markRaw(createAgentClient(desktop(), hostId));
      agents.set(hostId, client);
    }
    return client;
  }

  /** Tests and the bench: replace the clients (a fake desktop, or agents mocked per host). */
  function useClients(clients: { desktop?: DesktopClient; agent?: (hostId: string) => AgentClient }): void {
    if (clients.desktop) desktopClient.value = markRaw(clients.desktop);
    if (clients.agent) agentOverride.value = clients.agent;
    agents.clear();
  }

  return { carrier, desktop, agent, useClients };
});

/**
 * hostSettings reads a host's settings (the proposals for new networks and peers); {} when the
 * host cannot say (not connected, an older agent): the forms then propose their own defaults.
 */
export async function hostSettings(rpc: { agent(hostId: string): AgentClient }, hostId: string): Promise<Awaited<ReturnType<AgentClient['settings']['get']['query']>>> {
  try {
    return await rpc.agent(hostId).settings.get.query();
  } catch {
    return {};
  }
}
