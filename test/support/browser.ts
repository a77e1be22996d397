/**
 * End-to-end harness: browser mode served in-process (the real desktop core and router), and
 * Debian's Chromium driven by playwright-core. Screenshots go to test-artifacts/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HostManager, type HostManagerOptions } from '../../src-main/core/hosts.js';
import { openDesktopLog } from '../../src-main/core/log-file.js';
import { appPaths, type AppPaths } from '../../src-main/core/paths.js';
import { startWebServer, type WebServer } from '../../src-main/web/server.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const artifactsDir = path.join(repoRoot, 'test-artifacts');

/** Flags for Debian's Chromium on a closed network as root (see README, "Tests"). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface AppUnderTest {
  page: Page;
  /** The desktop core behind the page (tests drive the agent directly through it, e.g. a monitor tick). */
  hosts: HostManager;
  paths: AppPaths;
  server: WebServer;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchApp(env: Record<string, string> = {}, options: HostManagerOptions & { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<AppUnderTest> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgpilot-e2e-'));
  const paths = appPaths(repoRoot, { ...process.env, WGPILOT_DATA_DIR: dataDir, ...env });
  const { colorScheme, viewport, ...hostOptions } = options;
  // The desktop log, as browser mode keeps it (its "Open logs" view reads it).
  const { log, logs } = openDesktopLog(paths.logDir);
  const hosts = new HostManager(paths, { log, ...hostOptions });
  const server = await startWebServer({ rendererDir: path.join(repoRoot, 'out/renderer'), context: { hosts, mode: 'browser', version: 'test', logs } });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: viewport ?? { width: 1280, height: 800 }, colorScheme: colorScheme ?? 'light', acceptDownloads: true });
    await page.goto(server.url);
    const b = browser;
    return {
      page,
      hosts,
      paths,
      server,
      async screenshot(name) {
        fs.mkdirSync(artifactsDir, { recursive: true });
        const file = path.join(artifactsDir, `${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      async close() {
        await b.close();
        hosts.closeAll();
        await server.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close();
    hosts.closeAll();
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
