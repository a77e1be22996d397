/**
 * The renderer's one client of the desktop router. Inside Electron it speaks over the preload's
 * message port (rpc-ipc.ts); in browser mode over the loopback WebSocket served next to the page
 * (the session cookie authorizes it). Either way the messages are tRPC's own.
 */
import { createTRPCClient, createWSClient, wsLink, type TRPCClient } from '@trpc/client';
import type { DesktopRouter } from '../src-main/core/router.js';
import { ipcWebSocketClass, preloadBridge } from './rpc-ipc.js';

export type DesktopClient = TRPCClient<DesktopRouter>;

function rpcUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/rpc`;
}

/** Builds the desktop client for this page: IPC when the preload is there, else the WebSocket. */
export function createDesktopClient(): { client: DesktopClient; carrier: 'ipc' | 'websocket'; close(): void } {
  const bridge = preloadBridge();
  const ws = createWSClient({
    url: bridge ? 'ipc://wgpilot' : rpcUrl,
    ...(bridge ? { WebSocket: ipcWebSocketClass(bridge) } : {}),
    retryDelayMs: (attempt) => Math.min(10_000, 250 * 2 ** attempt),
  });
  return { client: createTRPCClient<DesktopRouter>({ links: [wsLink({ client: ws })] }), carrier: bridge ? 'ipc' : 'websocket', close: () => ws.close() };
}
