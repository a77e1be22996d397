// `npm start` on a machine without the Electron runtime: one line saying so, a browser-mode
// URL, and the app shell behind it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { artifactsDir, CHROMIUM_ARGS, repoRoot } from '../support/browser.js';

describe('npm start', () => {
  let child: ChildProcess | undefined;

  afterAll(async () => {
    // npm runs start.mjs which runs the server: stop the whole process group.
    if (child?.pid && child.exitCode === null) {
      process.kill(-child.pid, 'SIGTERM');
      await once(child, 'exit');
    }
  });

  it('falls back to browser mode and serves the app shell', async () => {
    child = spawn('npm', ['start', '--silent'], { cwd: repoRoot, env: { ...process.env, DISPLAY: '' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
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

    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(url);
      await page.getByRole('heading', { name: 'Hosts', exact: true }).waitFor();
      expect(await page.getByRole('navigation', { name: 'Main' }).textContent()).toContain('Dashboard');
      expect(await page.getByRole('status').textContent()).toContain('Not connected');
      await page.screenshot({ path: `${artifactsDir}/start-shell.png` });
    } finally {
      await browser.close();
    }
  });
});
