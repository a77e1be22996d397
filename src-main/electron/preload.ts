/**
 * Preload: exposes one frozen, narrow object to the renderer — a message port carrying the
 * desktop router's tRPC messages. Nothing else of Electron or Node reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CHANNELS } from './security.js';

const bridge = Object.freeze({
  send(message: string): void {
    if (typeof message === 'string') ipcRenderer.send(IPC_CHANNELS.rpcToMain, message);
  },
  onMessage(listener: (message: string) => void): () => void {
    const wrapped = (_e: IpcRendererEvent, message: unknown) => {
      if (typeof message === 'string') listener(message);
    };
    ipcRenderer.on(IPC_CHANNELS.rpcToRenderer, wrapped);
    return () => ipcRenderer.removeListener(IPC_CHANNELS.rpcToRenderer, wrapped);
  },
});

contextBridge.exposeInMainWorld('wgpilot', bridge);
