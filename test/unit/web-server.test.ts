// Browser mode's access rules (one-time token → session cookie; everything else refused), its
// security headers, error replies without stack traces, and new one-time URLs from the terminal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HostManager } from '../../src-main/core/hosts.js';
import { appPaths } from '../../src-main/core/paths.js';
import { requestNewUrl, startControlServer } from '../../src-main/web/control.js';
import { startWebServer, type WebServer } from '../../src-main/web/server.js';

let server: WebServer;
let rendererDir: string;

beforeAll(async () => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-renderer-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<title>wgpilot</title>');
  const hosts = new HostManager(appPaths(rendererDir, { WGPILOT_DATA_DIR: rendererDir }));
  server = await startWebServer({ rendererDir, context: { hosts, mode: 'browser', version: 'test' }, log: () => {} });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

const origin = () => new URL(server.url).origin;

function openSocket(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/rpc`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

describe('browser mode server', () => {
  let cookie = '';

  it('listens on loopback only', () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
  });

  it('refuses requests without the session', async () => {
    expect((await fetch(`${origin()}/`)).status).toBe(401);
    expect((await fetch(`${origin()}/?token=wrong`, { redirect: 'manual' })).status).toBe(403);
  });

  it('trades the one-time token for a session cookie, once', async () => {
    const first = await fetch(server.url, { redirect: 'manual' });
    expect(first.status).toBe(302);
    cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await fetch(server.url, { redirect: 'manual' })).status).toBe(403);
    const page = await fetch(`${origin()}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('wgpilot');
  });

  it('does not serve files outside the renderer folder', async () => {
    expect((await fetch(`${origin()}/..%2F..%2Fetc%2Fpasswd`, { headers: { cookie } })).status).toBe(404);
  });

  it('accepts the WebSocket only with the session and its own origin', async () => {
    expect(await openSocket({ cookie, origin: origin() })).toBe(101);
    expect(await openSocket({ origin: origin() })).toBe(403);
    expect(await openSocket({ cookie, origin: 'http://evil.example' })).toBe(403);
  });

  it('sends the CSP as a header (frame-ancestors none) and refuses framing on every response', async () => {
    for (const [url, headers] of [[`${origin()}/`, { cookie }], [`${origin()}/`, {}], [`${origin()}/?token=x`, {}], [`${origin()}/missing`, { cookie }]] as const) {
      const r = await fetch(url, { headers, redirect: 'manual' });
      expect(r.headers.get('content-security-policy'), url).toMatch(/frame-ancestors 'none'/);
      expect(r.headers.get('content-security-policy')).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('answers malformed targets with 400 (GET /% with the cookie used to throw URIError)', async () => {
    expect((await fetch(`${origin()}/%`, { headers: { cookie } })).status).toBe(400);
    expect((await fetch(`${origin()}/%E0%A4%A`, { headers: { cookie } })).status).toBe(400);
    expect((await fetch(`${origin()}/`, { headers: { cookie } })).status).toBe(200);
  });

  it('sends error replies without stack traces', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/rpc`, { headers: { cookie, origin: origin() } });
    await new Promise((r) => ws.once('open', r));
    const reply = new Promise<string>((r) => ws.once('message', (d: Buffer) => r(d.toString())));
    ws.send(JSON.stringify({ id: 1, method: 'mutation', params: { path: 'profiles.remove', input: { id: 'no-such-profile' } } }));
    const text = await reply;
    ws.close();
    expect(JSON.parse(text)).toMatchObject({ id: 1, error: { data: { appCode: 'PROFILE_NOT_FOUND' } } });
    expect(text).not.toMatch(/stack|\bat .*\.(ts|js):\d+/);
  });

  it('mints a new one-time URL through the owner-only control socket; earlier sessions stay valid', async () => {
    const control = await startControlServer(rendererDir, () => server.newUrl());
    try {
      expect(fs.statSync(path.dirname(control.path)).mode & 0o777).toBe(0o700);
      expect(fs.statSync(control.path).mode & 0o777).toBe(0o600);
      const stale = await requestNewUrl(rendererDir);
      const url = await requestNewUrl(rendererDir);
      expect(url).not.toBe(stale);
      expect((await fetch(stale, { redirect: 'manual' })).status).toBe(403); // replaced before use
      const second = await fetch(url, { redirect: 'manual' });
      expect(second.status).toBe(302);
      const cookie2 = (second.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      expect(cookie2).not.toBe(cookie);
      for (const c of [cookie, cookie2]) expect((await fetch(`${origin()}/`, { headers: { cookie: c } })).status).toBe(200);
      expect(await openSocket({ cookie: cookie2, origin: origin() })).toBe(101);
    } finally {
      await control.close();
    }
    await expect(requestNewUrl(rendererDir)).rejects.toThrow(/no browser-mode server is running/);
  });
});
