/**
 * The desktop app end to end, in browser mode, against the lab host through real SSH and the
 * real agent (issue 6): add the host → accept its key → agent deployed → create a network (bad
 * input first: the host's own error on the field) → add a peer → QR and .conf appear → a lab
 * peer namespace comes up with the downloaded .conf → the peer turns online in the table within
 * 5 s with rx/tx moving. Every view is screenshotted into test-artifacts/ on the way.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Lab, type LabStatus } from '../lab/lab.js';
import { launchApp, type AppUnderTest } from '../support/browser.js';
import { bringUpClient, type WgClient } from '../support/wg-client.js';

const IFACE_PREFIX = 'wgl-e';
const SUBNET = '10.77.0.0/24';
const PORT = 51877;

/** Resolves when `child` prints its "bound" line; rejects if it exits first or takes over 10 s. */
function boundLine(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the port squatter did not bind within 10 s')), 10_000);
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('bound')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the port squatter exited (${code}) before binding`));
    });
  });
}

describe('desktop app (browser mode, lab host)', () => {
  const lab = new Lab({ name: process.env.WGPILOT_LAB_NAME });
  let status: LabStatus;
  let app: AppUnderTest;
  let stateDir: string;
  let installDir: string;
  let client: WgClient | undefined;
  let squatter: ChildProcess | undefined;
  let hostId = '';
  let conf = '';

  beforeAll(async () => {
    status = await lab.status();
    if (!status.up) throw new Error('the lab is not up: run the e2e tier through `npm test` (or `npm run lab -- up`)');
    stateDir = path.join(status.dir, 'e2e-desktop-state');
    installDir = path.join(status.dir, 'agent-install-desktop-e2e');
    for (const d of [stateDir, installDir]) fs.rmSync(d, { recursive: true, force: true });
    app = await launchApp({ WGPILOT_REMOTE_AGENT_DIR: installDir }, { sshConfigPath: status.host.sshConfigPath, userKnownHostsPaths: [], agentArgs: ['--state-dir', stateDir, '--interface-prefix', IFACE_PREFIX] });
  });

  afterAll(async () => {
    await client?.stop();
    squatter?.kill('SIGTERM');
    await app?.close();
    // The in-process agent leaves wireguard-go running detached; its interfaces are ours to remove.
    const links = await lab.exec(status.host.ns, ['ip', '-o', 'link', 'show']).catch(() => ({ stdout: '' }));
    for (const m of links.stdout.matchAll(new RegExp(`^\\d+: (${IFACE_PREFIX}\\d+)[:@]`, 'gm'))) await lab.exec(status.host.ns, ['ip', 'link', 'del', m[1]!]).catch(() => undefined);
    for (const d of [stateDir, installDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  // A failed step leaves a picture of the page, and the later steps (which build on it) skip.
  let failed = false;
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    failed = true;
    await app?.screenshot(`failed-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });
  const step = (name: string, fn: () => Promise<void>) => it(name, async (ctx) => (failed ? ctx.skip() : fn()));

  step('adds the host, trusts its key (fingerprint shown) and deploys the agent', async () => {
    const { page } = app;
    await page.getByRole('heading', { name: 'Hosts', exact: true }).waitFor();
    await page.getByTestId('add-host').click();
    const pf = page.getByTestId('host-profile-form');
    await pf.getByLabel('Profile name').fill('lab host');
    await pf.getByLabel('Address').fill(status.host.address);
    await pf.getByLabel('SSH user').fill('root');
    await pf.locator('.n-radio-button', { hasText: 'Key file' }).click();
    await pf.getByRole('textbox', { name: 'Key file' }).fill(status.host.keyPath);
    await app.screenshot('hosts-add-profile');
    await pf.getByRole('button', { name: 'Add host' }).click();
    const card = page.getByTestId('host-card-lab host');
    await card.waitFor();
    await app.screenshot('hosts-profiles');
    await card.getByRole('button', { name: 'Connect' }).click();

    const expected = execFileSync('ssh-keygen', ['-lf', `${status.host.hostKeyPath}.pub`], { encoding: 'utf8' }).split(' ')[1];
    const shown = page.getByTestId('host-key-fingerprint');
    await shown.waitFor({ timeout: 15_000 });
    expect(await shown.textContent()).toBe(expected);
    await app.screenshot('hosts-trust-key');
    await page.getByRole('button', { name: 'Trust and connect' }).click();

    await page.getByTestId('dashboard').waitFor({ timeout: 60_000 });
    hostId = /\/host\/([^/]+)\//.exec(page.url())![1]!;
    expect(await page.getByTestId('connection-status').first().textContent()).toContain(`Connected to ${status.host.address}`);
    expect(fs.existsSync(path.join(installDir))).toBe(true);
  });

  step("refuses bad network input with the host's own error on the field, then creates the network", async () => {
    const { page } = app;
    // A UDP socket held by another process on the host: the port check names it as you type.
    // It says so once bind() returned, and the form is checked only after that.
    squatter = lab.spawnIn(status.host.ns, ['python3', '-c', `import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', ${PORT + 1})); print('bound', flush=True); time.sleep(600)`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await boundLine(squatter);
    await page.goto(`${new URL(page.url()).origin}/#/host/${hostId}/networks`);
    await page.getByTestId('new-network').click();
    const form = page.getByTestId('network-form');
    await form.getByLabel('Network name').fill('e2e office');
    await form.getByLabel('Interface name').fill(`${IFACE_PREFIX}0`);
    await form.getByLabel('Listen port').fill(String(PORT + 1));
    await expect.poll(() => form.getByTestId('port-field').textContent(), { timeout: 5_000 }).toMatch(/in use .*python3/);
    await form.getByLabel('MTU').fill('1279');
    await expect.poll(() => form.getByTestId('mtu-field').textContent()).toContain('1280');
    await form.getByLabel('MTU').fill('1600');
    await expect.poll(() => form.getByTestId('mtu-field').textContent()).toContain('jumbo');
    await page.waitForTimeout(400);
    await app.screenshot('network-form-live-validation');

    // The host's own addresses are only known to the host: its error lands on the subnet field.
    await form.getByLabel('MTU').fill('1420');
    await form.getByLabel('Listen port').fill(String(PORT));
    await form.getByLabel('IPv4 subnet').fill('198.18.0.0/24');
    await form.getByLabel('Endpoint host').fill(status.peers[0]!.hostAddress);
    await form.getByTestId('network-submit').click();
    await expect.poll(() => form.textContent(), { timeout: 15_000 }).toMatch(/overlaps the host's own address 198\.18\.0\.2/);
    await page.waitForTimeout(400); // the field's feedback fades in
    await app.screenshot('network-form-host-error');

    await form.getByLabel('IPv4 subnet').fill(SUBNET);
    await form.getByTestId('network-submit').click();
    await page.waitForURL(/\/networks\/\d+$/, { timeout: 30_000 });
  });

  step('adds a peer and shows its QR code and .conf', async () => {
    const { page } = app;
    await page.getByTestId('new-peer').click();
    const form = page.getByTestId('peer-form');
    await form.getByLabel('Peer name').fill('alice');
    await form.getByLabel('Email').fill('alice@example.com');
    await app.screenshot('peer-form');
    await form.getByTestId('peer-submit').click();
    const dialog = page.getByTestId('peer-config-dialog');
    await dialog.waitFor({ timeout: 15_000 });
    await expect.poll(() => dialog.getByTestId('peer-config-qr').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(100);
    conf = (await dialog.getByTestId('peer-config-text').textContent()) ?? '';
    expect(conf).toMatch(/\[Interface\][\s\S]*PrivateKey = [A-Za-z0-9+/]{43}=[\s\S]*\[Peer\][\s\S]*Endpoint = 198\.18\.1\.1:51877/);
    await app.screenshot('peer-config-dialog');
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByTestId('peer-config-download').click()]);
    const file = await download.path();
    expect(fs.readFileSync(file, 'utf8')).toBe(conf);
    conf = fs.readFileSync(file, 'utf8');
    await page.keyboard.press('Escape');
  });

  step('brings a lab peer up with the downloaded .conf: online within 5 s, rx/tx moving', async () => {
    const { page } = app;
    const peerNs = status.peers[0]!.ns;
    client = await bringUpClient(lab, peerNs, 'wgl-e2ec1', conf, SUBNET);
    const started = Date.now();
    // Traffic through the tunnel to the server's address (the handshake happens on the first packet).
    const ping = spawn('ip', ['netns', 'exec', peerNs, 'ping', '-i', '0.2', '-c', '60', '10.77.0.1'], { stdio: 'ignore' });
    try {
      await page.locator('[data-testid="peer-status-alice"][data-status="online"]').waitFor({ timeout: 5_000 });
      const onlineAfter = Date.now() - started;
      expect(onlineAfter).toBeLessThan(5_000);
      const rx = page.getByTestId('peer-rx-alice');
      const first = await rx.textContent();
      await expect.poll(() => rx.textContent(), { timeout: 5_000 }).not.toBe(first);
      expect(await page.getByTestId('peer-tx-alice').textContent()).not.toMatch(/^0 B/);
      await app.hosts.agent(hostId)!.monitor.tick.mutate();
      await new Promise((r) => setTimeout(r, 1500));
      await app.hosts.agent(hostId)!.monitor.tick.mutate();
      await page.getByRole('button', { name: 'alice', exact: true }).click();
      await page.getByTestId('peer-history').waitFor();
      await page.waitForTimeout(500);
      await app.screenshot('network-peers-live');
    } finally {
      ping.kill('SIGTERM');
    }
  });

  step("'Open logs' shows the desktop log: the connection, and the agent's own lines", async () => {
    const { page } = app;
    await page.getByTestId('open-logs').click();
    await page.waitForURL(/#\/logs$/);
    const tail = page.getByTestId('log-tail');
    await expect.poll(() => tail.textContent(), { timeout: 10_000 }).toMatch(/INFO {2}host connected host=/);
    // The agent's stderr, relayed line by line at its own level (its stdio logs JSON).
    expect(await tail.textContent()).toMatch(/INFO {2}agent: connection open host="lab host" cmd=stdio/);
    expect(await page.getByTestId('log-file').textContent()).toBe(path.join(app.paths.logDir, 'wgpilot.log'));
    await app.screenshot('view-desktop-log');
  });

  step('shows every view (screenshots, light and dark)', async () => {
    const { page } = app;
    const origin = new URL(page.url()).origin;
    for (const view of ['dashboard', 'networks', 'import', 'bridges', 'events', 'audit', 'system']) {
      await page.goto(`${origin}/#/host/${hostId}/${view}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.waitForTimeout(view === 'dashboard' ? 2500 : 800);
      if (view === 'audit') await expect.poll(() => page.getByTestId('audit-table').textContent()).toMatch(/peer\.create/);
      await app.screenshot(`view-${view}`);
    }
    await page.goto(`${origin}/#/hosts`);
    await page.getByTestId('host-card-lab host').waitFor();
    await app.screenshot('view-hosts');
    await page.keyboard.press('Control+k');
    await page.getByRole('listbox', { name: 'Hosts' }).waitFor();
    await app.screenshot('host-switcher');
    await page.keyboard.press('Escape');
    await page.getByTestId('theme-toggle').click();
    await page.mouse.move(600, 500);
    for (const view of ['dashboard', 'networks']) {
      await page.goto(`${origin}/#/host/${hostId}/${view}`);
      await page.waitForTimeout(1500);
      await app.screenshot(`view-${view}-dark`);
    }
    await page.goto(`${origin}/#/host/${hostId}/networks`);
    await page.getByRole('link', { name: 'e2e office' }).first().click();
    await page.waitForTimeout(1200);
    await app.screenshot('network-peers-dark');
  });
});
