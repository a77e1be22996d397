/**
 * The Electron shell's security settings, kept free of `electron` imports so unit tests can
 * assert them without the Electron binary (docs/architecture.md, "Electron security").
 */

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

/** CSP for the packaged renderer (file:// or app origin): nothing remote, no inline scripts. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

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
