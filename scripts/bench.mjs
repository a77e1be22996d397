// `npm run bench`: every test/bench/*.bench.ts, each timing our code against the C tool on the
// same data in the same run, printed as ratios. Needs root (throwaway namespaces).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build, ensureDebianPackages, ensureNodeModules, isRoot, log, root } from './setup.mjs';

if (!isRoot()) {
  log('benchmarks create network namespaces and need root: sudo npm run bench');
  process.exit(1);
}
ensureDebianPackages();
ensureNodeModules();
build();
const r = spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['test/bench/run.ts', ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
