/**
 * The renderer's own origin in Electron: `app://wgpilot/`, a privileged custom scheme served
 * from out/renderer, instead of `file://`. No `electron` import (the shell registers it), so the
 * request handling is unit tested.
 *
 * Design decision: with `file://` every local file shares the app's "origin" (the host is empty,
 * and an empty host matched every file URL in the navigation and IPC checks), so a page the
 * window was navigated or dragged to from anywhere on disk counted as the app. `app://wgpilot`
 * is one origin only this handler serves, and it sends the CSP (core/csp.ts) as a header.
 */
import fs from 'node:fs';
import path from 'node:path';
import { securityHeaders } from '../core/csp.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'wgpilot';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** What Electron's protocol.registerSchemesAsPrivileged needs for it (module scripts, fetch). */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface AppResponse {
  status: 200 | 400 | 404;
  headers: Record<string, string>;
  /** The file to send with a 200. */
  file?: string;
}

/** Answers one `app://` request from `rendererDir`: only its own files, only on its own host. */
export function resolveAppRequest(url: string, rendererDir: string): AppResponse {
  const headers = { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8' };
  let target: URL;
  let rel: string;
  try {
    target = new URL(url);
    rel = target.pathname === '/' ? 'index.html' : decodeURIComponent(target.pathname).replace(/^\/+/, '');
  } catch {
    return { status: 400, headers };
  }
  if (target.protocol !== `${APP_SCHEME}:` || target.host !== APP_HOST || rel.includes('\0')) return { status: 404, headers };
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, rel);
  if (!file.startsWith(root + path.sep)) return { status: 404, headers };
  try {
    if (!fs.statSync(file).isFile()) return { status: 404, headers };
  } catch {
    return { status: 404, headers };
  }
  return { status: 200, file, headers: { ...headers, 'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' } };
}
