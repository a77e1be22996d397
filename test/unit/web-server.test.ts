// Browser mode's access rules: one-time token → session cookie; everything else refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HostManager } from '../../src-main/core/hosts.js';
import { appPaths } from '../../src-main/core/paths.js';
import { startWebServer, type WebServer } from '../../src-main/web/server.js';

let server: WebServer;
let rendererDir: string;

beforeAll(async () => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-renderer-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<title>wgpilot</title>');
  const hosts = new HostManager(appPaths(rendererDir, { WGPILOT_DATA_DIR: rendererDir }));
  server = await startWebServer({ rendererDir, context: { hosts, mode: 'browser', version: 'test' } });
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
});
