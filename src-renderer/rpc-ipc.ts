/**
 * IpcWebSocket: a WebSocket-shaped object over the preload's message port (`window.wgpilot`),
 * so the renderer keeps one tRPC client (wsLink) for both carriers. The Electron main process
 * feeds the same messages to tRPC's WebSocket connection handler (src-main/electron/main.ts),
 * so the message shapes are tRPC's own either way; only the carrier differs.
 */

/** What the preload exposes (src-main/electron/preload.ts): one frozen object, two functions. */
export interface PreloadBridge {
  send(message: string): void;
  onMessage(listener: (message: string) => void): () => void;
}

export function preloadBridge(): PreloadBridge | undefined {
  return (globalThis as { wgpilot?: PreloadBridge }).wgpilot;
}

/** A class (tRPC's client constructs it with `new`) bound to one bridge. */
export function ipcWebSocketClass(bridge: PreloadBridge): typeof WebSocket {
  class IpcWebSocket extends EventTarget {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readonly CONNECTING = 0;
    readonly OPEN = 1;
    readonly CLOSING = 2;
    readonly CLOSED = 3;
    readyState = 0;
    binaryType = 'arraybuffer';
    readonly url: string;
    #off: (() => void) | undefined;

    constructor(url: string | URL) {
      super();
      this.url = String(url);
      this.#off = bridge.onMessage((data) => {
        // The desktop router answers tRPC's keep-alive itself only over real sockets.
        if (this.readyState === 1) this.dispatchEvent(new MessageEvent('message', { data }));
      });
      // Open on the next turn, after the client attached its listeners (as a socket would).
      queueMicrotask(() => {
        if (this.readyState !== 0) return;
        this.readyState = 1;
        this.dispatchEvent(new Event('open'));
      });
    }

    send(data: string): void {
      if (this.readyState !== 1) throw new Error('IPC port is not open');
      // tRPC's keep-alive "PING" is a WebSocket-level nicety; the IPC carrier cannot drop silently.
      if (data === 'PING') {
        queueMicrotask(() => this.dispatchEvent(new MessageEvent('message', { data: 'PONG' })));
        return;
      }
      bridge.send(data);
    }

    close(): void {
      if (this.readyState >= 2) return;
      this.readyState = 3;
      this.#off?.();
      this.#off = undefined;
      this.dispatchEvent(new CloseEvent('close', { code: 1000 }));
    }
  }
  return IpcWebSocket as unknown as typeof WebSocket;
}
