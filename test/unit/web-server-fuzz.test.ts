/**
 * Fuzzes browser mode's two entry points — the HTTP request handler and the WebSocket upgrade
 * handler (and the tRPC socket behind it) — with random request lines, paths, headers, bytes and
 * frames, against the server running in a child process. Whatever arrives, the process must stay
 * up and keep serving its session. Known killers first (`GET //[`, `GET /%` with a cookie, issue
 * 11), then seeded random cases for a bounded time: WGPILOT_FUZZ_SECONDS (default 20, at most 60),
 * split between the handlers; a failure names its seed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Prng } from '../support/prng.js';

const BUDGET_S = Math.min(60, Number(process.env.WGPILOT_FUZZ_SECONDS ?? 20));
const root = path.resolve(import.meta.dirname, '../..');
let child: ChildProcess;
let dir: string;
let port = 0;
let cookie = '';
let stderr = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-fuzz-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<title>wgpilot</title>');
  child = spawn(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'test/support/web/server-child.ts'), dir, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const started = JSON.parse(line.toString()) as { url: string; port: number };
  port = started.port;
  const first = await fetch(started.url, { redirect: 'manual' });
  cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  expect(cookie).toMatch(/^wgpilot_session=/);
}, 30_000);

afterAll(() => {
  child?.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Sends raw bytes on a fresh connection; resolves with what came back (closed or after `waitMs`). */
function raw(bytes: Buffer | string, waitMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, waitMs);
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.write(bytes);
  });
}

/** The server process is up and still serves the session's page. */
async function assertAlive(context: string): Promise<void> {
  expect(child.exitCode, `server exited after ${context}; stderr:\n${stderr}`).toBeNull();
  const r = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie } });
  expect(r.status, `after ${context}`).toBe(200);
}

const PATH_BITS = ['/', '//', '[', ']', '%', '%2', '%zz', '%00', '%2F..', '..', '?', '?token=', '#', '@', ':', '\\', 'é', '%C0%AF', 'rpc', 'index.html', '\u0000', '*', ';', '"'];
const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'OPTIONS', 'CONNECT', 'GE T', 'get', ''];

function randomPath(r: Prng): string {
  let p = r.bool(0.8) ? '/' : '';
  for (let i = r.int(0, 6); i > 0; i--) p += r.pick(PATH_BITS);
  if (r.bool(0.2)) p += r.string(0, 20);
  return p;
}

function randomHeaders(r: Prng, upgrade: boolean): string[] {
  const h = [`Host: ${r.pick(['127.0.0.1', `127.0.0.1:${port}`, '', 'evil.example', '[', '%'])}`];
  if (r.bool(0.7)) h.push(`Cookie: ${r.pick([cookie, 'wgpilot_session=', 'wgpilot_session=%', '=;;=', r.string(0, 40)])}`);
  if (upgrade || r.bool(0.2)) {
    h.push('Upgrade: websocket', 'Connection: Upgrade');
    if (r.bool(0.7)) h.push(`Sec-WebSocket-Key: ${r.pick(['dGhlIHNhbXBsZSBub25jZQ==', '', r.string(1, 30)])}`);
    if (r.bool(0.7)) h.push(`Sec-WebSocket-Version: ${r.pick(['13', '8', '', 'x'])}`);
    if (r.bool(0.7)) h.push(`Origin: ${r.pick([`http://127.0.0.1:${port}`, 'http://evil.example', 'null', '', r.string(0, 20)])}`);
  }
  for (let i = r.int(0, 3); i > 0; i--) h.push(`${r.string(1, 12)}: ${r.string(0, 30)}`);
  if (r.bool(0.1)) h.push(`Content-Length: ${r.pick(['5', '-1', 'x', '99999999999'])}`);
  return h;
}

function randomRequest(r: Prng, upgrade: boolean): Buffer {
  if (r.bool(0.1)) return r.bytes(r.int(1, 200));
  const line = `${r.pick(METHODS)} ${randomPath(r)} ${r.pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/9', ''])}`;
  return Buffer.from([line, ...randomHeaders(r, upgrade), '', r.bool(0.1) ? r.string(0, 10) : ''].join('\r\n'), 'latin1');
}

/** Runs seeded cases, `parallel` at a time, until the time budget is spent. */
async function fuzz(budgetMs: number, parallel: number, one: (r: Prng) => Promise<void>): Promise<number> {
  const until = Date.now() + budgetMs;
  let seed = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const s = ++seed;
      try {
        await one(new Prng(s));
      } catch (err) {
        if (err instanceof Error) err.message = `[seed ${s}] ${err.message}`;
        throw err;
      }
      if (s % 100 === 0) await assertAlive(`case ${s}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return seed;
}

describe('browser mode handlers under fuzzing', () => {
  it('answers the requests that used to end the server with 400, and stays up', async () => {
    for (const upgrade of [false, true]) {
      for (const target of ['//[', '/%', '/%zz', '//evil.example/', '*', 'http://x/']) {
        const h = upgrade ? `\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:${port}` : '';
        const answer = await raw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}${h}\r\n\r\n`);
        expect(answer, `${upgrade ? 'upgrade' : 'request'} ${target}`).toMatch(/^HTTP\/1\.1 (400|403|404) /);
        await assertAlive(`${upgrade ? 'upgrade' : 'request'} ${target}`);
      }
    }
  });

  it(`survives random HTTP requests (${BUDGET_S / 2} s)`, async () => {
    const cases = await fuzz((BUDGET_S / 2) * 1000, 8, async (r) => void (await raw(randomRequest(r, false), 150)));
    await assertAlive('the HTTP fuzzing');
    expect(cases).toBeGreaterThan(50);
  }, 90_000);

  it(`survives random upgrade requests and random frames on an accepted socket (${BUDGET_S / 2} s)`, async () => {
    const budget = (BUDGET_S / 2) * 1000;
    await fuzz(budget * 0.25, 8, async (r) => void (await raw(randomRequest(r, true), 150)));
    await fuzz(budget * 0.25, 4, async (r) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc`, { headers: { cookie, origin: `http://127.0.0.1:${port}` } });
      ws.on('error', () => {});
      await once(ws, 'open');
      for (let i = r.int(1, 8); i > 0; i--) {
        const pick = r.int(0, 3);
        if (pick === 0) ws.send(r.bytes(r.int(0, 300)));
        else if (pick === 1) ws.send(r.string(0, 200));
        else {
          const id = r.pick([1, 'x', null, -1, 1e308, {}, []]);
          const method = r.pick(['query', 'mutation', 'subscription', 'subscription.stop', 'nope', 1]);
          const procedure = r.pick(['app.info', 'profiles.list', 'hosts.list', 'no.such', '', '__proto__.x', 'agent.invoke']);
          const input = r.pick([undefined, null, {}, { hostId: 'nope', path: 'system.info', type: 'query' }, r.string(0, 20), [1, 2]]);
          ws.send(JSON.stringify({ id, jsonrpc: r.pick(['2.0', undefined]), method, params: { path: procedure, input } }));
        }
      }
      await new Promise((res) => setTimeout(res, r.int(0, 30)));
      ws.terminate();
    });
    // The same socket, abused at the frame level: raw garbage after a valid handshake.
    await fuzz(budget * 0.5, 8, async (r) => {
      const key = 'dGhlIHNhbXBsZSBub25jZQ==';
      await raw(Buffer.concat([Buffer.from(`GET /rpc HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nOrigin: http://127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`), r.bytes(r.int(0, 400))]), 100);
    });
    await assertAlive('the upgrade fuzzing');
  }, 90_000);
});
