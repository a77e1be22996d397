/**
 * usePortCheck: is this UDP port free on the host? Asked as the admin types (debounced), from
 * the host's own socket table (`system.ports`, i.e. `ss -uanp`), so the answer names the
 * process holding it before the form is sent.
 */
import { ref, watch, type Ref } from 'vue';
import type { UdpListener } from '../lib/agent-types.js';

export const PORT_CHECK_DEBOUNCE_MS = 300;

export type PortCheck = { state: 'idle' | 'checking' | 'free' } | { state: 'taken'; message: string } | { state: 'unknown'; message: string };

export function describeListener(l: UdpListener): string {
  if (l.network) return `used by network '${l.network.name}' (${l.network.interface})`;
  return `in use on ${l.family === 6 ? `[${l.address}]` : l.address} by ${l.pid !== null ? `'${l.command ?? '?'}' (pid ${l.pid})` : 'a kernel socket'}`;
}

export function usePortCheck(port: Ref<number | null>, load: () => Promise<UdpListener[]>, ownPort?: () => number | undefined): Ref<PortCheck> {
  const result = ref<PortCheck>({ state: 'idle' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  watch(
    port,
    (p) => {
      clearTimeout(timer);
      if (p === null || !Number.isInteger(p) || p < 1 || p > 65535) {
        result.value = { state: 'idle' };
        return;
      }
      if (p === ownPort?.()) {
        result.value = { state: 'free' };
        return;
      }
      result.value = { state: 'checking' };
      const mine = ++asked;
      timer = setTimeout(async () => {
        try {
          const holders = (await load()).filter((l) => l.port === p);
          if (mine !== asked) return;
          result.value = holders.length ? { state: 'taken', message: `Port ${p} is ${describeListener(holders[0]!)}` } : { state: 'free' };
        } catch (err) {
          if (mine === asked) result.value = { state: 'unknown', message: `Could not check the port on the host: ${(err as Error).message}` };
        }
      }, PORT_CHECK_DEBOUNCE_MS);
    },
    { immediate: true },
  );
  return result;
}
