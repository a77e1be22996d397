/**
 * Browser-mode entry (composition root): `npm start` runs this when the Electron runtime is
 * missing, and `node out/web/index.mjs` runs it directly. Prints the one-time URL and serves
 * until interrupted. With `--new-url` it instead asks the server already running for this data
 * folder for a new one-time URL (control.ts) and prints it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostManager } from '../core/hosts.js';
import { openDesktopLog } from '../core/log-file.js';
import { appPaths } from '../core/paths.js';
import { requestNewUrl, startControlServer, type ControlServer } from './control.js';
import { startWebServer } from './server.js';

declare const __WGPILOT_VERSION__: string | undefined;

export async function runBrowserMode(argv: readonly string[]): Promise<void> {
  const appRoot = process.env.WGPILOT_APP_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const paths = appPaths(appRoot);
  if (argv.includes('--new-url')) {
    process.stdout.write(`wgpilot browser mode: open ${await requestNewUrl(paths.dataDir)}\n`);
    return;
  }
  const portArg = argv.indexOf('--port');
  const port = portArg >= 0 ? Number(argv[portArg + 1]) : Number(process.env.WGPILOT_PORT ?? 0);
  // The desktop log (<data dir>/logs/wgpilot.log, rotated); "Open logs" shows its tail in the page.
  const { log, logs } = openDesktopLog(paths.logDir);
  const version = typeof __WGPILOT_VERSION__ === 'string' ? __WGPILOT_VERSION__ : '0.0.0-dev';
  const hosts = new HostManager(paths, { log });
  const server = await startWebServer({
    rendererDir: path.join(appRoot, 'out', 'renderer'),
    port,
    context: { hosts, mode: 'browser', version, logs },
  });
  let control: ControlServer | undefined;
  try {
    control = await startControlServer(paths.dataDir, () => server.newUrl());
  } catch (err) {
    process.stderr.write(`wgpilot: no control socket, so \`npm start -- --new-url\` will not work: ${(err as Error).message}\n`);
  }
  // The URL carries the one-time token: printed for the user, never logged.
  log('wgpilot started', { version, mode: 'browser', port: server.port, pid: process.pid });
  process.stdout.write(`wgpilot browser mode: open ${server.url}\n`);
  if (control) process.stdout.write('wgpilot browser mode: a new one-time URL (second browser, lost cookie): npm start -- --new-url\n');
  const stop = () => {
    log('wgpilot stopping');
    hosts.closeAll();
    void Promise.all([control?.close(), server.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

runBrowserMode(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`wgpilot: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
