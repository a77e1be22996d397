// The Electron shell's security settings, asserted without the Electron binary: window options,
// CSP, which URLs count as the app (navigation, IPC), the navigation guard on every route a page
// can leave by, and the app:// protocol handler.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_URL, resolveAppRequest } from '../../src-main/electron/app-protocol.js';
import { acceptIpcMessage, CONTENT_SECURITY_POLICY, guardNavigation, IPC_CHANNELS, isAllowedNavigation, windowWebPreferences, type GuardedContents } from '../../src-main/electron/security.js';

describe('electron security', () => {
  it('isolates and sandboxes the renderer', () => {
    const prefs = windowWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
  });

  it('has a CSP without remote or inline scripts, refusing to be framed', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:/);
  });

  it('allows navigation only within the app', () => {
    expect(isAllowedNavigation('http://localhost:5173/#/hosts', 'http://localhost:5173/')).toBe(true);
    expect(isAllowedNavigation('https://evil.example/', 'http://localhost:5173/')).toBe(false);
    expect(isAllowedNavigation('not a url', 'http://localhost:5173/')).toBe(false);
    expect(isAllowedNavigation('app://wgpilot/index.html#/host/1/peers', APP_URL)).toBe(true);
    expect(isAllowedNavigation('app://other/index.html', APP_URL)).toBe(false);
  });

  it('never takes another file:// page for the app (an empty host used to match every file)', () => {
    const fileApp = 'file:///opt/wgpilot/out/renderer/index.html';
    for (const url of ['file:///tmp/evil.html', 'file:///etc/passwd', 'file:///home/admin/Downloads/dropped.html', 'file://evil.example/share/x.html']) {
      expect(isAllowedNavigation(url, fileApp), url).toBe(false);
      expect(isAllowedNavigation(url, APP_URL), url).toBe(false);
      expect(acceptIpcMessage(IPC_CHANNELS.rpcToMain, '{"id":1}', url, fileApp), url).toBe(false);
      expect(acceptIpcMessage(IPC_CHANNELS.rpcToMain, '{"id":1}', url, APP_URL), url).toBe(false);
    }
    expect(isAllowedNavigation('file:///opt/wgpilot/out/renderer/index.html#/hosts', fileApp)).toBe(true);
  });

  it('accepts IPC from the main frame showing the app only', () => {
    expect(acceptIpcMessage(IPC_CHANNELS.rpcToMain, '{"id":1}', 'app://wgpilot/index.html#/hosts', APP_URL)).toBe(true);
    expect(acceptIpcMessage(IPC_CHANNELS.rpcToMain, '{"id":1}', 'app://wgpilot/index.html', APP_URL, false)).toBe(false);
  });
});

/** A WebContents stand-in: records the listeners and the window-open handler. */
function fakeContents() {
  const emitter = new EventEmitter();
  let openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined;
  const contents: GuardedContents = {
    on: (event: string, listener: (...a: never[]) => void) => emitter.on(event, listener as (...a: unknown[]) => void),
    setWindowOpenHandler: (h) => (openHandler = h),
  };
  /** Fires `event` like Electron does (an event object with `url`, and the url as second argument for the older events). */
  const fire = (event: string, url: string) => {
    let prevented = false;
    const e = { url, preventDefault: () => (prevented = true) };
    emitter.emit(event, e, event === 'will-frame-navigate' ? undefined : url);
    return prevented;
  };
  return { contents, fire, open: (url: string) => openHandler!({ url }) };
}

describe('guardNavigation', () => {
  it('cancels leaving the app by link, redirect, frame navigation and a dropped file; attaches no webview', () => {
    const { contents, fire } = fakeContents();
    guardNavigation(contents, APP_URL, () => {});
    expect(fire('will-navigate', 'app://wgpilot/index.html#/hosts')).toBe(false);
    expect(fire('will-navigate', 'https://evil.example/')).toBe(true);
    // Dropping a file on the window makes Chromium navigate to it.
    expect(fire('will-navigate', 'file:///home/admin/Downloads/evil.html')).toBe(true);
    expect(fire('will-redirect', 'http://127.0.0.1:8080/')).toBe(true);
    expect(fire('will-frame-navigate', 'file:///tmp/frame.html')).toBe(true);
    expect(fire('will-frame-navigate', 'app://wgpilot/index.html')).toBe(false);
    expect(fire('will-attach-webview', 'app://wgpilot/index.html')).toBe(true);
  });

  it('denies new windows and hands https links to the browser', () => {
    const opened: string[] = [];
    const { contents, open } = fakeContents();
    guardNavigation(contents, APP_URL, (u) => opened.push(u));
    expect(open('https://www.wireguard.com/')).toEqual({ action: 'deny' });
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://www.wireguard.com/']);
  });
});

describe('app:// protocol', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-app-'));
    fs.mkdirSync(path.join(dir, 'renderer', 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'renderer', 'index.html'), '<title>wgpilot</title>');
    fs.writeFileSync(path.join(dir, 'renderer', 'assets', 'a.js'), '');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves the renderer folder with the CSP header', () => {
    const r = resolveAppRequest('app://wgpilot/', path.join(dir, 'renderer'));
    expect(r).toMatchObject({ status: 200, file: path.join(dir, 'renderer', 'index.html'), headers: { 'Content-Type': 'text/html; charset=utf-8', 'X-Frame-Options': 'DENY' } });
    expect(r.headers['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    expect(resolveAppRequest('app://wgpilot/assets/a.js', path.join(dir, 'renderer'))).toMatchObject({ status: 200, headers: { 'Content-Type': 'text/javascript; charset=utf-8' } });
  });

  it('serves nothing outside the folder, on another host, or for malformed paths', () => {
    const root = path.join(dir, 'renderer');
    for (const url of ['app://wgpilot/../secret.txt', 'app://wgpilot/%2e%2e/secret.txt', 'app://wgpilot/..%2Fsecret.txt', 'app://other/index.html', 'app://wgpilot/assets', 'app://wgpilot/missing.js', 'app://wgpilot/a%00b']) {
      expect(resolveAppRequest(url, root).status, url).toBe(404);
    }
    expect(resolveAppRequest('app://wgpilot/%', root).status).toBe(400);
  });
});
