// `npm test`: the whole suite with its own set-up.
//   1. Debian packages (installed when root), npm dependencies, build
//   2. lint (rooms rule + type checks)
//   3. unit tier (vitest, no root)
//   4. the lab up, integration and end-to-end tiers (root: network namespaces), the lab down —
//      always, on failure and on Ctrl-C too
//   5. the kernel tier: stock Debian kernels (WireGuard module, flower, fq_codel…) under qemu,
//      the built agent driven inside them (test/kernel/README.md)
// Ends with one summary line "tests: N passed, N failed, N skipped"; exits non-zero when
// anything failed or when no test ran at all.
//
// Options: --unit (unit tier only, no root needed), --tier unit|integration|e2e|kernel (repeatable),
// --skip-setup (no apt/npm/build/lint: for quick reruns and the runner's own test), and
// anything after `--` goes to vitest (e.g. a file filter). WGPILOT_LAB_NAME / WGPILOT_LAB_BLOCK
// pick another lab than the default `wgl` (the runner's self-test uses that).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build, ensureDebianPackages, ensureNodeModules, isRoot, KERNEL_TEST_PACKAGES, log, root, TEST_PACKAGES } from './setup.mjs';

const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const passthrough = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
const tiers = own.includes('--unit') ? ['unit'] : own.flatMap((a, i) => (own[i - 1] === '--tier' ? [a] : []));
const selected = tiers.length > 0 ? tiers : ['unit', 'integration', 'e2e', 'kernel'];
const live = selected.some((t) => t !== 'unit');
const needsLab = selected.some((t) => t === 'integration' || t === 'e2e');
const skipSetup = own.includes('--skip-setup');
const labArgs = [
  ...(process.env.WGPILOT_LAB_NAME ? ['--name', process.env.WGPILOT_LAB_NAME] : []),
  ...(process.env.WGPILOT_LAB_BLOCK ? ['--block', process.env.WGPILOT_LAB_BLOCK] : []),
];
const artifacts = process.env.WGPILOT_ARTIFACTS ?? path.join(root, 'test-artifacts');

function spawnP(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
    current = child;
    child.on('exit', (code, signal) => {
      current = null;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}
let current = null;
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const totals = { passed: 0, failed: 0, skipped: 0 };
const problems = [];

async function vitest(tier) {
  const report = path.join(artifacts, `vitest-${tier}.json`);
  fs.rmSync(report, { force: true });
  const code = await spawnP(bin('vitest'), ['run', '--project', tier, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, '--passWithNoTests=false', ...passthrough]);
  let failed = 0;
  if (fs.existsSync(report)) {
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    totals.passed += r.numPassedTests;
    // A file that fails to load has no failed test of its own: count it as one failure.
    const brokenFiles = r.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length;
    failed = r.numFailedTests + brokenFiles;
    totals.skipped += r.numPendingTests + r.numTodoTests;
    if (r.numTotalTests === 0) problems.push(`${tier}: no tests ran`);
  }
  // A tier that failed before any test could (global setup: no qemu, no kernel) is one failure.
  if (code !== 0 && failed === 0) failed = 1;
  totals.failed += failed;
  if (code !== 0) problems.push(`${tier}: vitest exited ${code}`);
}

let labUp = false;
async function labDown() {
  if (!labUp) return;
  labUp = false;
  log('bringing the lab down');
  await spawnP(bin('tsx'), ['test/lab/cli.ts', 'down', ...labArgs]);
}

async function onSignal(sig) {
  log(`${sig}: stopping and cleaning up`);
  current?.kill(sig);
  await labDown();
  process.exit(130);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  if (live && !isRoot()) {
    log('the integration, end-to-end and kernel tiers need root (network namespaces, apt):');
    log('  run `sudo npm test`, or `npm test -- --unit` for the unit tier alone.');
    return 1;
  }
  if (!skipSetup) {
    if (live) ensureDebianPackages({ ...TEST_PACKAGES, ...(selected.includes('kernel') ? KERNEL_TEST_PACKAGES : {}) });
    ensureNodeModules();
    build();
    log('lint: rooms rule and type checks');
    if ((await spawnP('npm', ['run', '--silent', 'lint'])) !== 0) problems.push('lint failed');
  }

  if (selected.includes('unit')) await vitest('unit');
  if (needsLab) {
    try {
      log('bringing the lab up');
      labUp = true;
      if ((await spawnP(bin('tsx'), ['test/lab/cli.ts', 'up', ...labArgs], { stdio: ['ignore', 'ignore', 'inherit'] })) !== 0) {
        problems.push('lab up failed');
      } else {
        for (const tier of ['integration', 'e2e']) if (selected.includes(tier)) await vitest(tier);
      }
    } finally {
      await labDown();
    }
  }
  // No lab: the guests under qemu build their own namespaces.
  if (selected.includes('kernel')) await vitest('kernel');

  const ran = totals.passed + totals.failed;
  if (ran === 0) problems.push('no test ran');
  for (const p of problems) log(`FAILED: ${p}`);
  process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
  return problems.length === 0 && totals.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    log(err instanceof Error ? err.message : String(err));
    await labDown();
    process.exit(1);
  },
);
