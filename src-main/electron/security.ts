/**
 * The Electron shell's security settings, kept free of `electron` imports so unit tests can
 * assert them without the Electron binary (docs/architecture.md, "Electron security").
 */
import { contentSecurityPolicy } from '../core/csp.js';

/** Channels the preload may use; anything else is dropped by the main process. */
export const IPC_CHANNELS = { rpcToMain: 'wgpilot:rpc:to-main', rpcToRenderer: 'wgpilot:rpc:to-renderer' } as const;

export function windowWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}

/** CSP for the renderer (app:// origin, or the dev server): nothing remote, no inline scripts. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/**
 * Whether `url` is the app itself: the same origin as `appUrl`, with a real host (an empty host —
 * `file://` — never counts as one, or every file on disk would be "the app"). A `file:` app URL
 * matches only its own file (any fragment or query), compared by full path.
 */
export function isAllowedNavigation(url: string, appUrl: string): boolean {
  try {
    const target = new URL(url);
    const app = new URL(appUrl);
    if (target.protocol !== app.protocol) return false;
    if (app.protocol === 'file:') return target.host === '' && app.host === '' && decodeURIComponent(target.pathname) === decodeURIComponent(app.pathname);
    return app.host !== '' && target.host === app.host;
  } catch {
    return false;
  }
}

/**
 * The IPC allow-list: a message is accepted only on a known channel, as a string, and from the
 * window's main frame showing the app itself (not a page it was navigated, redirected or dragged
 * to, and not a frame inside it).
 */
export function acceptIpcMessage(channel: string, message: unknown, senderUrl: string, appUrl: string, fromMainFrame = true): message is string {
  return channel === IPC_CHANNELS.rpcToMain && typeof message === 'string' && fromMainFrame && isAllowedNavigation(senderUrl, appUrl);
}

/** What guardNavigation needs of a WebContents (duck-typed, so it is tested without Electron). */
export interface GuardedContents {
  on(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', listener: (e: { preventDefault(): void; url?: string }, url?: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (e: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * Keeps a window on the app: every navigation — link, script, server redirect, a file dragged
 * onto the window (Chromium navigates to it), any frame's — is cancelled unless it stays within
 * the app; webviews are never attached; new windows are denied, https links go to the browser.
 */
export function guardNavigation(contents: GuardedContents, appUrl: string, openExternal: (url: string) => void): void {
  const guard = (e: { preventDefault(): void; url?: string }, url?: string) => {
    if (!isAllowedNavigation(url ?? e.url ?? '', appUrl)) e.preventDefault();
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-frame-navigate', guard);
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) openExternal(url);
    return { action: 'deny' };
  });
}

/** Web permissions the page may get: notifications only (alerts); no camera, mic, geolocation… */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['notifications']);

export function isAllowedPermission(permission: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission);
}
