/**
 * Electron main process (composition root of the desktop shell): one window with the security
 * settings of security.ts and its remembered state (window-state.ts), the renderer served from
 * the `app://wgpilot` origin (app-protocol.ts), the native menu (menu.ts), OS notifications for
 * alerts (alerts.ts), and the desktop router served over IPC to the same HostManager as browser
 * mode. Everything testable lives in those files and src-main/core.
 */
import { getWSConnectionHandler } from '@trpc/server/adapters/ws';
import { app, BrowserWindow, ipcMain, Menu, Notification, protocol, screen, session, shell, type MenuItemConstructorOptions, type WebContents } from 'electron';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostManager } from '../core/hosts.js';
import { openDesktopLog } from '../core/log-file.js';
import { appPaths } from '../core/paths.js';
import { desktopRouter } from '../core/router.js';
import { watchAlerts } from './alerts.js';
import { acceleratorToKey, menuTemplate, type MenuItemSpec } from './menu.js';
import { keychainSecretStore } from './secrets.js';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, APP_URL, resolveAppRequest } from './app-protocol.js';
import { acceptIpcMessage, CONTENT_SECURITY_POLICY, guardNavigation, IPC_CHANNELS, isAllowedPermission, windowWebPreferences } from './security.js';
import { loadWindowState, MIN_SIZE, placeWindow, trackWindowState } from './window-state.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const appRoot = path.resolve(here, '../..');
const paths = appPaths(appRoot, { ...process.env, WGPILOT_DATA_DIR: process.env.WGPILOT_DATA_DIR ?? app.getPath('userData') });
// The desktop log (<userData>/logs/wgpilot.log, rotated): "Open logs" opens its folder.
const { log, logs } = openDesktopLog(paths.logDir, {
  openFolder: async (dir) => {
    const failure = await shell.openPath(dir);
    if (failure) throw new Error(`could not open ${dir}: ${failure}`);
  },
});
const hosts = new HostManager(paths, { secrets: keychainSecretStore(paths.dataDir), log });
const windowStateFile = path.join(paths.dataDir, 'window-state.json');
const rendererUrl = process.env.ELECTRON_RENDERER_URL;
const rendererDir = path.join(here, '../renderer');
const appUrl = rendererUrl ?? APP_URL;

// Before `ready`: app:// behaves as a standard, secure origin (module scripts, fetch).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

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
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close');
  }
  terminate(): void {
    this.close();
  }
  ping(): void {}
}

// The connection handler never touches `wss` (only applyWSSHandler does); its type asks for one.
const handle = getWSConnectionHandler({ wss: undefined as never, router: desktopRouter, createContext: () => ({ hosts, mode: 'electron' as const, version: app.getVersion(), logs }) });
const sockets = new Map<number, IpcSocket>();

function dropSocket(id: number): void {
  sockets.get(id)?.close();
  sockets.delete(id);
}

function socketFor(contents: WebContents): IpcSocket {
  let socket = sockets.get(contents.id);
  if (!socket) {
    socket = new IpcSocket(contents);
    sockets.set(contents.id, socket);
    handle(socket as never, { headers: {}, url: '/rpc' } as never);
  }
  return socket;
}

function buildMenu(win: BrowserWindow): Menu {
  const toItem = (spec: MenuItemSpec): MenuItemConstructorOptions => {
    const { pageShortcut, submenu, ...rest } = spec;
    const item = { ...rest, ...(submenu ? { submenu: submenu.map(toItem) } : {}) } as MenuItemConstructorOptions;
    if (pageShortcut && spec.accelerator) {
      // The page handles the key itself; a click on the item sends that key to the page.
      item.registerAccelerator = false;
      const key = acceleratorToKey(spec.accelerator, process.platform);
      item.click = () => {
        win.webContents.sendInputEvent({ type: 'keyDown', keyCode: key.keyCode, modifiers: key.modifiers as never });
        win.webContents.sendInputEvent({ type: 'keyUp', keyCode: key.keyCode, modifiers: key.modifiers as never });
      };
    }
    return item;
  };
  return Menu.buildFromTemplate(menuTemplate({ platform: process.platform, appName: app.getName(), dev: !!rendererUrl }).map(toItem));
}

function createWindow(): void {
  const placed = placeWindow(loadWindowState(windowStateFile), screen.getAllDisplays().map((d) => d.workArea));
  const win = new BrowserWindow({
    ...(placed.x !== undefined ? { x: placed.x, y: placed.y } : {}),
    width: placed.width,
    height: placed.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'wgpilot',
    show: false,
    webPreferences: windowWebPreferences(path.join(here, '../preload/index.cjs')),
  });
  if (placed.maximized) win.maximize();
  trackWindowState(win, windowStateFile);
  win.once('ready-to-show', () => win.show());
  Menu.setApplicationMenu(buildMenu(win));
  const contents = win.webContents;
  guardNavigation(
    { on: (event: string, listener: (...args: never[]) => void) => contents.on(event as never, listener), setWindowOpenHandler: (h) => contents.setWindowOpenHandler(h) },
    appUrl,
    (url) => void shell.openExternal(url),
  );
  // A reload starts a new page with a new client: end the old page's subscriptions.
  contents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) dropSocket(contents.id);
  });
  contents.once('destroyed', () => dropSocket(contents.id));
  void win.loadURL(appUrl);
}

void app.whenReady().then(() => {
  log('wgpilot started', { version: app.getVersion(), mode: 'electron', pid: process.pid });
  protocol.handle(APP_SCHEME, (request) => {
    const r = resolveAppRequest(request.url, rendererDir);
    return new Response(r.file ? fs.readFileSync(r.file) : r.status === 404 ? 'not found' : 'bad request', { status: r.status, headers: r.headers });
  });
  // The dev server (electron-vite dev) sends no CSP of its own; app:// responses carry theirs.
  if (rendererUrl) {
    session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } }),
    );
  }
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(isAllowedPermission(permission)));
  ipcMain.on(IPC_CHANNELS.rpcToMain, (event, message: unknown) => {
    const frame = event.senderFrame;
    if (acceptIpcMessage(IPC_CHANNELS.rpcToMain, message, frame?.url ?? '', appUrl, frame !== null && frame === event.sender.mainFrame)) socketFor(event.sender).emit('message', Buffer.from(message));
  });
  watchAlerts(hosts, (n) => {
    if (Notification.isSupported()) new Notification({ title: n.title, body: n.body }).show();
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
