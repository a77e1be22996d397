/**
 * Browser mode: the renderer and the desktop router served on loopback, for machines without
 * a display (and for end-to-end tests in Chromium).
 *
 * Access is by a one-time token: the printed URL carries `?token=…`; the first request with it
 * gets a session cookie (HttpOnly, SameSite=Strict) and is redirected to `/`, and the token is
 * spent. Every other request, and the WebSocket upgrade at `/rpc`, needs that cookie, and the
 * upgrade also needs an Origin equal to the server's own, so another page in the same browser
 * cannot drive the app.
 */
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { desktopRouter, type DesktopContext } from '../core/router.js';

export interface WebServerOptions {
  rendererDir: string;
  context: DesktopContext;
  /** Loopback only unless the caller really means it. */
  host?: string;
  port?: number;
}

export interface WebServer {
  /** The one-time URL to open. */
  url: string;
  port: number;
  close(): Promise<void>;
}

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

const COOKIE = 'wgpilot_session';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieOf(req: http.IncomingMessage): string | undefined {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === COOKIE) return v;
  }
  return undefined;
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  let oneTimeToken: string | null = randomBytes(24).toString('base64url');
  const session = randomBytes(32).toString('base64url');
  const rendererDir = path.resolve(opts.rendererDir);
  let origin = '';

  const authorized = (req: http.IncomingMessage) => {
    const c = cookieOf(req);
    return c !== undefined && sameSecret(c, session);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const token = url.searchParams.get('token');
    if (token !== null) {
      if (oneTimeToken !== null && sameSecret(token, oneTimeToken)) {
        oneTimeToken = null;
        res.writeHead(302, { 'Set-Cookie': `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`, Location: '/' });
        return res.end();
      }
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      return res.end('This link was already used or is wrong. Restart `npm start` for a new one.\n');
    }
    if (!authorized(req)) {
      res.writeHead(401, { 'Content-Type': 'text/plain' });
      return res.end('Open the URL printed by `npm start` (it carries a one-time token).\n');
    }
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(rendererDir, rel);
    if (!file.startsWith(rendererDir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found\n');
    }
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    fs.createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  const handler = applyWSSHandler({ wss, router: desktopRouter, createContext: () => opts.context, keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 } });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== '/rpc' || !authorized(req) || req.headers.origin !== origin) {
      socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
      return socket.destroy();
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${host}:${port}`;

  return {
    url: `${origin}/?token=${oneTimeToken}`,
    port,
    close: async () => {
      handler.broadcastReconnectNotification();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
