/**
 * The renderer's one client of the desktop router. In browser mode it speaks over the loopback
 * WebSocket served next to the page (the session cookie authorizes it); the Electron shell will
 * provide the same message stream over its preload port.
 */
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import type { DesktopRouter } from '../src-main/core/router.js';

function rpcUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/rpc`;
}

export const wsClient = createWSClient({ url: rpcUrl, retryDelayMs: (attempt) => Math.min(10_000, 250 * 2 ** attempt) });

export const desktop = createTRPCClient<DesktopRouter>({ links: [wsLink({ client: wsClient })] });

/** The stable error code and host-key details the desktop attaches to its errors. */
export interface DesktopErrorData {
  appCode?: string;
  hostKey?: { host: string; port: number; keyType: string; fingerprint: string };
}

export function errorData(err: unknown): DesktopErrorData {
  const data = (err as { data?: DesktopErrorData } | null)?.data;
  return data ?? {};
}
