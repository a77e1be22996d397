/**
 * Browser mode: the renderer and the desktop router served on loopback, for machines without
 * a display (and for end-to-end tests in Chromium).
 *
 * Access is by a one-time token: a URL carries `?token=…`; the first request with it gets a
 * session cookie (HttpOnly, SameSite=Strict) and is redirected to `/`, and the token is spent.
 * Every other request, and the WebSocket upgrade at `/rpc`, needs a session cookie, and the
 * upgrade also needs an Origin equal to the server's own, so another page in the same browser
 * cannot drive the app. `newUrl()` mints another one-time URL (the terminal asks for it through
 * control.ts) for a second browser or a lost cookie; earlier sessions stay valid.
 *
 * Nothing a client sends may end the server: both handlers answer malformed requests with 400
 * and log unexpected failures without details for the client (test/unit/web-server-fuzz).
 */
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { securityHeaders } from '../core/csp.js';
import { desktopRouter, type DesktopContext } from '../core/router.js';

export interface WebServerOptions {
  rendererDir: string;
  context: DesktopContext;
  /** Loopback only unless the caller really means it. */
  host?: string;
  port?: number;
  /** Where unexpected handler failures are reported (default: stderr). */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface WebServer {
  /** The first one-time URL to open. */
  url: string;
  port: number;
  /** Mints a new one-time URL (the previous unused one stops working); sessions already open stay. */
  newUrl(): string;
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
/** Open sessions kept at most (each `newUrl` redeemed adds one); the oldest goes first. */
const MAX_SESSIONS = 16;

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

/** Thrown for a request the server cannot make sense of; answered 400. */
class BadRequest extends Error {}

/** The request target as path + query; origin-form only (`/…`), as a browser sends it. */
function parseTarget(raw: string | undefined): URL {
  if (raw === undefined || !raw.startsWith('/') || raw.startsWith('//')) throw new BadRequest('not an origin-form request target');
  try {
    return new URL(raw, 'http://browser-mode.invalid');
  } catch {
    throw new BadRequest('unparseable request target');
  }
}

/** The renderer file a path names, or null when there is none (outside the folder, not a file). */
function rendererFile(rendererDir: string, pathname: string): string | null {
  let rel: string;
  try {
    rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
  } catch {
    throw new BadRequest('bad percent-encoding');
  }
  if (rel.includes('\0')) throw new BadRequest('NUL in path');
  const file = path.resolve(rendererDir, rel);
  if (!file.startsWith(rendererDir + path.sep)) return null;
  try {
    return fs.statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? ((msg, fields) => process.stderr.write(`wgpilot browser mode: ${msg} ${JSON.stringify(fields ?? {})}\n`));
  let oneTimeToken: string | null = randomBytes(24).toString('base64url');
  const sessions: string[] = [];
  const rendererDir = path.resolve(opts.rendererDir);
  let origin = '';
  let headers: Record<string, string> = {};

  const authorized = (req: http.IncomingMessage) => {
    const c = cookieOf(req);
    return c !== undefined && sessions.some((s) => sameSecret(c, s));
  };

  const reply = (res: http.ServerResponse, status: number, text: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
    res.end(text);
  };

  function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = parseTarget(req.url);
    const token = url.searchParams.get('token');
    if (token !== null) {
      if (oneTimeToken !== null && sameSecret(token, oneTimeToken)) {
        oneTimeToken = null;
        const session = randomBytes(32).toString('base64url');
        sessions.push(session);
        if (sessions.length > MAX_SESSIONS) sessions.shift();
        return reply(res, 302, '', { 'Set-Cookie': `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`, Location: '/' });
      }
      return reply(res, 403, 'This link was already used or is wrong. Get a new one with `npm start -- --new-url`.\n');
    }
    if (!authorized(req)) return reply(res, 401, 'Open the URL printed by `npm start` (it carries a one-time token), or get a new one with `npm start -- --new-url`.\n');
    const file = rendererFile(rendererDir, url.pathname);
    if (!file) return reply(res, 404, 'not found\n');
    const stream = fs.createReadStream(file);
    stream.once('error', () => res.destroy());
    stream.once('open', () => {
      res.writeHead(200, { ...headers, 'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
      stream.pipe(res);
    });
  }

  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (!(err instanceof BadRequest)) log('request handler failed', { error: (err as Error).message, stack: (err as Error).stack });
      if (res.headersSent) res.destroy();
      else reply(res, err instanceof BadRequest ? 400 : 500, err instanceof BadRequest ? 'bad request\n' : 'internal error\n');
    }
  });
  // Malformed HTTP (bad request line, header overflow): Node answers 400 itself when nobody
  // listens; a listener must end the socket on its own, and must not throw on a dead one.
  server.on('clientError', (_err, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  const handler = applyWSSHandler({ wss, router: desktopRouter, createContext: () => opts.context, keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 } });
  const refuse = (socket: Duplex, status: string) => {
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  };
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // A reset socket must not become an uncaught 'error' (ws listens only once it has the socket).
    socket.on('error', () => socket.destroy());
    try {
      const url = parseTarget(req.url);
      if (url.pathname !== '/rpc' || !authorized(req) || req.headers.origin !== origin) return refuse(socket, '403 Forbidden');
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } catch (err) {
      if (!(err instanceof BadRequest)) log('upgrade handler failed', { error: (err as Error).message, stack: (err as Error).stack });
      refuse(socket, '400 Bad Request');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${host}:${port}`;
  headers = securityHeaders({ connectSrc: [`ws://${host}:${port}`] });

  const urlWith = (token: string) => `${origin}/?token=${token}`;
  return {
    url: urlWith(oneTimeToken),
    port,
    newUrl: () => urlWith((oneTimeToken = randomBytes(24).toString('base64url'))),
    close: async () => {
      handler.broadcastReconnectNotification();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
