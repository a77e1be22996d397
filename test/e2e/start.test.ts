// `npm start` on a machine without the Electron runtime: one line saying so, a browser-mode
// URL, and the app shell behind it — loaded without CSP warnings, refusing to be framed by
// another local origin, and reachable from a second browser through `npm start -- --new-url`
// while the first one stays connected.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactsDir, CHROMIUM_ARGS, repoRoot } from '../support/browser.js';

describe('npm start', () => {
  let child: ChildProcess | undefined;
  let browser: Browser;
  /** The first browser's profile: it holds the app's session cookie. */
  let first: BrowserContext;
  let url = '';
  let output = '';

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    // npm runs start.mjs which runs the server: stop the whole process group.
    if (child?.pid && child.exitCode === null) {
      process.kill(-child.pid, 'SIGTERM');
      await once(child, 'exit');
    }
  });

  it('falls back to browser mode and serves the app shell, with no CSP warning', async () => {
    child = spawn('npm', ['start', '--silent'], { cwd: repoRoot, env: { ...process.env, DISPLAY: '' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 60 s; output:\n${output}`)), 60_000);
      const onData = (d: Buffer) => {
        output += d.toString();
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(output);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child?.stdout?.on('data', onData);
      child?.stderr?.on('data', onData);
    });
    expect(output).toMatch(/serving browser mode instead/);

    first = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await first.newPage();
    const console: string[] = [];
    page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
    await page.goto(url);
    await page.getByRole('heading', { name: 'Hosts', exact: true }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).textContent()).toContain('Dashboard');
    expect(await page.getByRole('status').textContent()).toContain('Not connected');
    await page.screenshot({ path: `${artifactsDir}/start-shell.png` });
    expect(console.filter((l) => /Content.Security.Policy/i.test(l))).toEqual([]);
  });

  it('cannot be framed by another local origin (the session cookie would go along: same site)', async () => {
    const app = new URL(url).origin;
    const evil = http.createServer((_req, res) => res.end(`<!doctype html><title>evil</title><iframe id="f" src="${app}/" width="800" height="600"></iframe>`));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const page = await first.newPage();
      const refusals: string[] = [];
      page.on('console', (m) => refusals.push(m.text()));
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      await page.waitForTimeout(1_500);
      const frame = page.frames().find((f) => f !== page.mainFrame());
      expect(frame).toBeDefined();
      // Chromium shows its own error page in place of the app.
      expect(await frame!.getByRole('heading', { name: 'Hosts', exact: true }).count()).toBe(0);
      expect(frame!.url()).toMatch(/^chrome-error:/);
      expect(refusals.join('\n')).toMatch(/frame-ancestors|X-Frame-Options/);
      await page.close();
    } finally {
      evil.close();
    }
  });

  it('npm start -- --new-url mints a URL for a second browser; the first keeps its connection', async () => {
    const firstPage = first.pages()[0]!;
    const r = spawnSync('npm', ['start', '--silent', '--', '--new-url'], { cwd: repoRoot, env: { ...process.env, DISPLAY: '' }, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const fresh = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(r.stdout)?.[1];
    expect(fresh).toBeDefined();
    expect(new URL(fresh!).origin).toBe(new URL(url).origin);
    const second = await (await browser.newContext()).newPage();
    await second.goto(fresh!);
    await second.getByRole('heading', { name: 'Hosts', exact: true }).waitFor();
    expect(await firstPage.getByRole('status').textContent()).toContain('Not connected');
    expect(await firstPage.evaluate(async () => (await fetch('/')).status)).toBe(200);
  });
});
