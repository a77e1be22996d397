// `npm test` tears the lab down even when a test fails: run the runner on a failing fixture
// with a lab of its own name and check that nothing of that lab is left.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/browser.js';

const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

describe('test runner', () => {
  it('brings its lab down after a failing test', () => {
    const r = spawnSync(process.execPath, ['scripts/test.mjs', '--tier', 'integration', '--skip-setup', '--', 'test/integration/runner-fixture.test.ts'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, WGPILOT_ARTIFACTS: fs.mkdtempSync(path.join(os.tmpdir(), 'wgpilot-runner-')), WGPILOT_RUNNER_SELFTEST: '1', WGPILOT_LAB_NAME: 'wgf', WGPILOT_LAB_BLOCK: '19' },
      timeout: 120_000,
    });
    const output = r.stdout + r.stderr;
    expect(r.status, output).toBe(1);
    expect(output).toContain('bringing the lab up');
    expect(output).toMatch(/^tests: 0 passed, 1 failed/m);
    expect(namespaces()).not.toMatch(/^wgf-/m);
    expect(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })).not.toContain('wgf-root');
    expect(fs.existsSync(path.join('/run/wgpilot-lab', 'wgf'))).toBe(false);
    expect(fs.readFileSync('/etc/passwd', 'utf8')).not.toMatch(/^wgf-/m);
    expect(fs.existsSync('/etc/sudoers.d/wgpilot-lab-wgf')).toBe(false);
  });
});
