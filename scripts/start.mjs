// `npm start`: sets itself up, builds, and runs the desktop app. Where the Electron runtime is
// missing (as on headless machines, or when its download was skipped), says so in one line and
// serves browser mode on 127.0.0.1 instead.
//
// `npm start -- --new-url` asks the browser-mode server already running (same user, same data
// folder) for a new one-time URL, without building anything or touching its SSH sessions.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build, ensureNodeModules, log, root } from './setup.mjs';

if (process.argv.includes('--new-url')) {
  const entry = path.join(root, 'out/web/index.mjs');
  if (!fs.existsSync(entry)) {
    log('browser mode is not built, so no server can be running: run `npm start` first.');
    process.exit(1);
  }
  process.exit(spawnSync(process.execPath, [entry, '--new-url'], { stdio: 'inherit' }).status ?? 1);
}

ensureNodeModules();
build();

function electronBinary() {
  const dir = path.join(root, 'node_modules', 'electron');
  const pathTxt = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathTxt)) return null;
  const bin = path.join(dir, 'dist', fs.readFileSync(pathTxt, 'utf8').trim());
  return fs.existsSync(bin) ? bin : null;
}

const electron = electronBinary();
const canShowWindow = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const child =
  electron && canShowWindow
    ? spawn(electron, [root], { stdio: 'inherit' })
    : (log(
        electron
          ? 'no display found: serving browser mode instead of the Electron window.'
          : 'Electron runtime not installed (node_modules/electron has no binary): serving browser mode instead.',
      ),
      spawn(process.execPath, [path.join(root, 'out/web/index.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
