// The Electron shell's main-process logic without the Electron binary: window state, menu,
// IPC allow-list, permissions, and OS notifications for alerts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { alertNotification, watchAlerts } from '../../src-main/electron/alerts.js';
import { acceleratorToKey, menuTemplate, PAGE_SHORTCUTS, SECTIONS, type MenuItemSpec } from '../../src-main/electron/menu.js';
import { acceptIpcMessage, IPC_CHANNELS, isAllowedPermission } from '../../src-main/electron/security.js';
import { DEFAULT_STATE, loadWindowState, MIN_SIZE, placeWindow, SAVE_DEBOUNCE_MS, trackWindowState, type TrackedWindow } from '../../src-main/electron/window-state.js';

const dirs: string[] = [];
const tmpFile = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-winstate-'));
  dirs.push(d);
  return path.join(d, 'window-state.json');
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('window state', () => {
  const screenA = { x: 0, y: 0, width: 1920, height: 1080 };

  it('starts from the default without a file and from it when the file is damaged', () => {
    const file = tmpFile();
    expect(loadWindowState(file)).toEqual(DEFAULT_STATE);
    fs.writeFileSync(file, '{"bounds": {"x": "left"}}');
    expect(loadWindowState(file)).toEqual(DEFAULT_STATE);
  });

  it('saves on changes (debounced) and at close; the next start reads it back', () => {
    const file = tmpFile();
    const listeners = new Map<string, () => void>();
    let bounds = { x: 100, y: 80, width: 1400, height: 900 };
    let maximized = false;
    const win: TrackedWindow = { getNormalBounds: () => bounds, isMaximized: () => maximized, on: (e, l) => listeners.set(e, l) };
    vi.useFakeTimers();
    try {
      trackWindowState(win, file);
      listeners.get('move')!();
      bounds = { ...bounds, x: 120 };
      listeners.get('resize')!();
      expect(fs.existsSync(file)).toBe(false);
      vi.advanceTimersByTime(SAVE_DEBOUNCE_MS + 1);
      expect(loadWindowState(file)).toEqual({ bounds: { x: 120, y: 80, width: 1400, height: 900 }, maximized: false });
      maximized = true;
      listeners.get('close')!();
      expect(loadWindowState(file).maximized).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reopens where it was when that is still on a display, else centred with the same size', () => {
    expect(placeWindow({ bounds: { x: 100, y: 80, width: 1400, height: 900 }, maximized: true }, [screenA])).toEqual({ x: 100, y: 80, width: 1400, height: 900, maximized: true });
    // Saved on a second monitor that is gone now.
    expect(placeWindow({ bounds: { x: 2500, y: 100, width: 1400, height: 900 }, maximized: false }, [screenA])).toEqual({ width: 1400, height: 900, maximized: false });
    expect(placeWindow({ bounds: { x: 0, y: 0, width: 200, height: 100 }, maximized: false }, [screenA])).toMatchObject({ width: MIN_SIZE.width, height: MIN_SIZE.height });
  });
});

describe('menu', () => {
  const flat = (items: MenuItemSpec[]): MenuItemSpec[] => items.flatMap((i) => [i, ...flat(i.submenu ?? [])]);

  it('offers the page commands with the accelerators the page listens for', () => {
    const items = flat(menuTemplate({ platform: 'linux', appName: 'wgpilot' }));
    const page = items.filter((i) => i.pageShortcut);
    expect(page.map((i) => i.accelerator)).toEqual(expect.arrayContaining(Object.values(PAGE_SHORTCUTS)));
    expect(SECTIONS.map((s, i) => items.find((x) => x.label === s)?.accelerator)).toEqual(SECTIONS.map((_s, i) => `CmdOrCtrl+${i + 1}`));
    expect(items.some((i) => i.role === 'toggleDevTools')).toBe(false);
    expect(items.some((i) => i.role === 'quit')).toBe(true);
  });

  it('has the app menu on macOS and dev tools in development', () => {
    const mac = menuTemplate({ platform: 'darwin', appName: 'wgpilot', dev: true });
    expect(mac[0]!.label).toBe('wgpilot');
    expect(flat(mac).some((i) => i.role === 'toggleDevTools')).toBe(true);
  });

  it('turns an accelerator into the key press sent to the page', () => {
    expect(acceleratorToKey('CmdOrCtrl+Shift+L', 'linux')).toEqual({ keyCode: 'L', modifiers: ['control', 'shift'] });
    expect(acceleratorToKey('CmdOrCtrl+K', 'darwin')).toEqual({ keyCode: 'K', modifiers: ['meta'] });
  });
});

describe('IPC allow-list and permissions', () => {
  const app = 'file:///opt/wgpilot/out/renderer/index.html';
  it('accepts string messages on the RPC channel from the app only', () => {
    expect(acceptIpcMessage(IPC_CHANNELS.rpcToMain, '{"id":1}', 'file:///opt/wgpilot/out/renderer/index.html#/hosts', app)).toBe(true);
    expect(acceptIpcMessage('wgpilot:other', '{"id":1}', app, app)).toBe(false);
    expect(acceptIpcMessage(IPC_CHANNELS.rpcToMain, { id: 1 }, app, app)).toBe(false);
    expect(acceptIpcMessage(IPC_CHANNELS.rpcToMain, '{"id":1}', 'https://evil.example/', app)).toBe(false);
    expect(acceptIpcMessage(IPC_CHANNELS.rpcToMain, '{"id":1}', 'file:///tmp/other.html', app)).toBe(false);
  });
  it('grants notifications and nothing else', () => {
    expect(isAllowedPermission('notifications')).toBe(true);
    for (const p of ['media', 'geolocation', 'clipboard-read', 'openExternal']) expect(isAllowedPermission(p)).toBe(false);
  });
});

describe('alert notifications', () => {
  it('words alerts, failed reconciles and expiries; ignores link events', () => {
    expect(alertNotification({ type: 'alert', time: 0, state: 'firing', ruleId: 1, alertId: 2, resourceType: 'peer', resourceId: '3', message: "peer 'a' offline" }, 'lab')).toEqual({ title: 'Alert on lab', body: "peer 'a' offline" });
    expect(alertNotification({ type: 'reconcile', time: 0, trigger: 'timer', fixed: [], failed: ['setMtu wg0: EPERM'], conflicts: [] }, 'lab')?.title).toBe('Reconcile failed on lab');
    expect(alertNotification({ type: 'link', time: 0, action: 'new', interface: 'wg0', up: true, mtu: 1420 }, 'lab')).toBeNull();
  });

  it('honours the rule: notify.desktop false raises no OS notification', () => {
    const alert = { type: 'alert', time: 0, state: 'firing', ruleId: 1, alertId: 2, resourceType: 'peer', resourceId: '3', message: 'x' } as const;
    expect(alertNotification({ ...alert, desktop: false }, 'lab')).toBeNull();
    expect(alertNotification({ ...alert, desktop: true }, 'lab')).not.toBeNull();
  });

  it('subscribes per connected host and stops at disconnect', () => {
    let onState: ((e: never) => void) | undefined;
    const unsubscribe = vi.fn();
    let onData: ((e: unknown) => void) | undefined;
    const subscribe = vi.fn((_i: unknown, o: { onData: (e: unknown) => void }) => ((onData = o.onData), { unsubscribe }));
    const hosts = { states: () => [], onState: (l: (e: never) => void) => ((onState = l), () => undefined), agent: () => ({ monitor: { events: { subscribe } } }) };
    const notify = vi.fn();
    watchAlerts(hosts as never, notify);
    onState!({ hostId: 'h1', label: 'lab', state: { status: 'connected' } } as never);
    onState!({ hostId: 'h1', label: 'lab', state: { status: 'connected' } } as never);
    expect(subscribe).toHaveBeenCalledTimes(1);
    onData!({ type: 'alert', time: 0, state: 'resolved', ruleId: 1, alertId: 2, resourceType: 'network', resourceId: '1', message: 'wg0 up again' });
    expect(notify).toHaveBeenCalledWith({ title: 'Resolved on lab', body: 'wg0 up again' });
    onState!({ hostId: 'h1', label: 'lab', state: { status: 'disconnected' } } as never);
    expect(unsubscribe).toHaveBeenCalled();
  });
});
