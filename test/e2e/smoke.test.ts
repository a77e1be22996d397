// First end-to-end path through real parts: browser mode in Chromium → desktop core → ssh2 →
// the lab host's OpenSSH → the agent bundle deployed over SFTP → `wgpilot-agent version`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, type LabStatus } from '../lab/lab.js';
import { launchApp, repoRoot, type AppUnderTest } from '../support/browser.js';

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

describe('smoke: connect to the lab host in the browser', () => {
  let lab: LabStatus;
  let app: AppUnderTest;
  let installDir: string;

  beforeAll(async () => {
    lab = await new Lab({ name: process.env.WGPILOT_LAB_NAME }).status();
    if (!lab.up) throw new Error('the lab is not up: run the e2e tier through `npm test` (or `npm run lab -- up`)');
    installDir = path.join(lab.dir, 'agent-install-smoke');
    fs.rmSync(installDir, { recursive: true, force: true });
    app = await launchApp({ WGPILOT_REMOTE_AGENT_DIR: installDir });
  });

  afterAll(async () => {
    await app?.close();
    if (installDir) fs.rmSync(installDir, { recursive: true, force: true });
  });

  it('shows the host key for trust, deploys the agent and reports its version', async () => {
    const { page } = app;
    const form = page.getByTestId('quick-connect');
    await form.getByLabel('Host').fill(lab.host.address);
    await form.getByLabel('Port').fill(String(lab.host.sshPort));
    await form.getByLabel('User').fill(lab.host.user);
    await form.getByLabel('Private key file').fill(lab.host.keyPath);
    await form.getByRole('button', { name: 'Connect' }).click();

    // Unknown host: the dialog shows the fingerprint that ssh-keygen computes from the lab's key.
    const expected = execFileSync('ssh-keygen', ['-lf', `${lab.host.hostKeyPath}.pub`], { encoding: 'utf8' }).split(' ')[1];
    const shown = page.getByTestId('host-key-fingerprint');
    await shown.waitFor({ timeout: 15_000 });
    expect(await shown.textContent()).toBe(expected);
    await app.screenshot('smoke-host-key');
    await page.getByRole('button', { name: 'Trust and connect' }).click();

    const status = page.getByTestId('connection-status');
    await status.waitFor({ timeout: 30_000 });
    expect(await status.textContent()).toContain(`Connected to ${lab.host.address} — agent ${pkg.version}`);
    await app.screenshot('smoke-connected');

    // The agent really was deployed into the install dir on the host, verified by its manifest.
    const manifest = JSON.parse(fs.readFileSync(path.join(installDir, `${pkg.version}-linux-x64`, 'manifest.json'), 'utf8')) as { version: string };
    expect(manifest.version).toBe(pkg.version);
    // And the accepted key is now in the app's own known_hosts (hashed).
    expect(fs.readFileSync(app.paths.knownHostsPath, 'utf8')).toMatch(/^\|1\|/);
  });
});
