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

/** Navigation is only allowed within the app itself. */
export function isAllowedNavigation(url: string, appUrl: string): boolean {
  try {
    const target = new URL(url);
    const app = new URL(appUrl);
    return target.protocol === app.protocol && target.host === app.host;
  } catch {
    return false;
  }
}

/**
 * The IPC allow-list: a message is accepted only on a known channel, as a string, and from a
 * frame showing the app itself (not a page it was navigated or redirected to).
 */
export function acceptIpcMessage(channel: string, message: unknown, senderUrl: string, appUrl: string): message is string {
  return channel === IPC_CHANNELS.rpcToMain && typeof message === 'string' && isAllowedNavigation(senderUrl, appUrl);
}

/** Web permissions the page may get: notifications only (alerts); no camera, mic, geolocation… */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['notifications']);

export function isAllowedPermission(permission: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission);
}
