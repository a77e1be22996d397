// `npm run build`: main + preload + renderer (electron-vite), browser-mode server (esbuild),
// and the host agent bundle (build/agent-bundle.mjs).
import { build as esbuild } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { buildAgentBundle } from '../build/agent-bundle.mjs';
import { log, root, run } from './setup.mjs';

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const started = Date.now();
run(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--logLevel', 'warn']);
await esbuild({
  entryPoints: [path.join(root, 'src-main/web/main.ts')],
  outfile: path.join(root, 'out/web/index.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  define: { __WGPILOT_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
const agent = await buildAgentBundle({ quiet: true });
log(`built desktop (out/), browser mode (out/web) and agent ${agent.version} (${path.relative(root, agent.tarball)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
