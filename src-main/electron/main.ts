/**
 * Electron main process (composition root of the desktop shell): one window with the security
 * settings of security.ts, the desktop router served over IPC, the same HostManager as browser
 * mode. Everything testable lives in src-main/core and security.ts.
 */
import { getWSConnectionHandler } from '@trpc/server/adapters/ws';
import { app, BrowserWindow, ipcMain, session, shell, type WebContents } from 'electron';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostManager } from '../core/hosts.js';
import { appPaths } from '../core/paths.js';
import { desktopRouter } from '../core/router.js';
import { keychainSecretStore } from './secrets.js';
import { CONTENT_SECURITY_POLICY, IPC_CHANNELS, isAllowedNavigation, windowWebPreferences } from './security.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const appRoot = path.resolve(here, '../..');
const paths = appPaths(appRoot, { ...process.env, WGPILOT_DATA_DIR: process.env.WGPILOT_DATA_DIR ?? app.getPath('userData') });
const hosts = new HostManager(paths, { secrets: keychainSecretStore(paths.dataDir) });

/** A WebSocket-shaped object over one renderer's IPC, for tRPC's ws connection handler. */
class IpcSocket extends EventEmitter {
  readyState = 1;
  static readonly OPEN = 1;
  constructor(private readonly contents: WebContents) {
    super();
  }
  send(data: string): void {
    if (!this.contents.isDestroyed()) this.contents.send(IPC_CHANNELS.rpcToRenderer, data);
  }
  close(): void {
    this.readyState = 3;
    this.emit('close');
  }
  terminate(): void {
    this.close();
  }
  ping(): void {}
}

// The connection handler never touches `wss` (only applyWSSHandler does); its type asks for one.
const handle = getWSConnectionHandler({ wss: undefined as never, router: desktopRouter, createContext: () => ({ hosts, mode: 'electron' as const, version: app.getVersion() }) });
const sockets = new Map<number, IpcSocket>();

function socketFor(contents: WebContents): IpcSocket {
  let socket = sockets.get(contents.id);
  if (!socket) {
    const s = new IpcSocket(contents);
    sockets.set(contents.id, s);
    contents.once('destroyed', () => {
      sockets.delete(contents.id);
      s.close();
    });
    handle(s as never, { headers: {}, url: '/rpc' } as never);
    socket = s;
  }
  return socket;
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'wgpilot',
    webPreferences: windowWebPreferences(path.join(here, '../preload/index.cjs')),
  });
  const rendererUrl = process.env.ELECTRON_RENDERER_URL;
  const appUrl = rendererUrl ?? `file://${path.join(here, '../renderer/index.html')}`;
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAllowedNavigation(url, appUrl)) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (rendererUrl) void win.loadURL(rendererUrl);
  else void win.loadFile(path.join(here, '../renderer/index.html'));
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } }),
  );
  ipcMain.on(IPC_CHANNELS.rpcToMain, (event, message: unknown) => {
    if (typeof message === 'string') socketFor(event.sender).emit('message', Buffer.from(message));
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  hosts.closeAll();
  if (process.platform !== 'darwin') app.quit();
});
