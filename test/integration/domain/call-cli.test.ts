// `wgpilot-agent call` from the shell, through the built agent bundle (the artifact admins run),
// in-process against a throwaway namespace: list procedures, create a network and a peer,
// download the config, bad input, delete. `wg`/`ip` are the oracles.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/browser.js';

const tag = randomBytes(2).toString('hex');
const ns = `callt-${tag}`;
const prefix = `cl${tag}`;
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgpilot-call-'));
const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const launcher = path.join(repoRoot, 'dist/agent', `wgpilot-agent-${pkg.version}-linux-x64`, 'wgpilot-agent');

function call(...args: string[]): { status: number | null; json: unknown; stderr: string } {
  const r = spawnSync(launcher, ['call', '--in-process', ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      WGPILOT_STATE_DIR: stateDir,
      WGPILOT_NETNS: ns,
      WGPILOT_INTERFACE_PREFIX: prefix,
      WGPILOT_RECONCILE_INTERVAL_MS: '0',
      WGPILOT_MONITOR_INTERVAL_MS: '0',
    },
    timeout: 60_000,
  });
  let json: unknown = null;
  try {
    json = JSON.parse(r.status === 0 ? r.stdout : r.stderr);
  } catch {
    json = null;
  }
  return { status: r.status, json, stderr: r.stderr };
}

beforeAll(() => {
  if (!fs.existsSync(launcher)) throw new Error(`no agent bundle at ${launcher}: run npm run build`);
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
});

afterAll(() => {
  // In-process `call` leaves wireguard-go running on purpose (interfaces outlive the command).
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean);
  for (const pid of pids) spawnSync('kill', ['-9', pid]);
  spawnSync('ip', ['netns', 'del', ns]);
  for (const f of fs.readdirSync('/var/run/wireguard').filter((f) => f.startsWith(prefix))) fs.rmSync(`/var/run/wireguard/${f}`, { force: true });
  fs.rmSync(stateDir, { recursive: true, force: true });
});

describe('wgpilot-agent call', () => {
  let networkId = 0;
  let ifname = '';

  it('lists every procedure with its input as JSON Schema', () => {
    const r = call();
    expect(r.status).toBe(0);
    const text = JSON.stringify(r.json);
    for (const p of ['networks.create', 'networks.delete', 'peers.create', 'peers.config', 'peers.status', 'system.backup']) expect(text).toContain(p);
  });

  it('creates a network whose interface the kernel and wireguard-go then have', () => {
    const r = call('networks.create', JSON.stringify({ name: 'cli', mode: 'hub-routed', subnet4: '10.91.0.0/24', listenPort: 51991, endpointHost: 'vpn.example.net' }));
    expect(r.status, r.stderr).toBe(0);
    const out = r.json as { network: { id: number; interface: string; mtu: number } };
    networkId = out.network.id;
    ifname = out.network.interface;
    expect(ifname.startsWith(prefix)).toBe(true);
    const link = JSON.parse(execFileSync('ip', ['-j', '-n', ns, 'link', 'show', ifname], { encoding: 'utf8' })) as { mtu: number }[];
    expect(link[0]?.mtu).toBe(out.network.mtu);
    expect(execFileSync('ip', ['netns', 'exec', ns, 'wg', 'show', ifname, 'listen-port'], { encoding: 'utf8' }).trim()).toBe('51991');
  });

  it('adds a peer the device knows, and downloads its config with the private key', () => {
    const r = call('peers.create', JSON.stringify({ networkId, name: 'laptop', persistentKeepalive: 25 }));
    expect(r.status, r.stderr).toBe(0);
    const peer = (r.json as { peer: { id: number; publicKey: string; address4: string } }).peer;
    expect(execFileSync('ip', ['netns', 'exec', ns, 'wg', 'show', ifname, 'peers'], { encoding: 'utf8' })).toContain(peer.publicKey);
    const conf = call('peers.config', JSON.stringify({ id: peer.id }));
    expect(conf.status, conf.stderr).toBe(0);
    expect(JSON.stringify(conf.json)).toMatch(/\[Interface\][\s\S]*PrivateKey = [A-Za-z0-9+/]{43}=/);
    expect(JSON.stringify(conf.json)).toContain(`Address = ${peer.address4}`);
  });

  it('refuses bad input with a specific error and exit status 1', () => {
    const r = call('networks.create', JSON.stringify({ name: 'bad', mode: 'hub-routed', subnet4: '10.92.0.1/24' }));
    expect(r.status).toBe(1);
    expect(JSON.stringify(r.json)).toContain('did you mean 10.92.0.0/24');
    expect((call('networks.list').json as unknown[]).length).toBe(1);
  });

  it('deletes the network and its interface', () => {
    const r = call('networks.delete', JSON.stringify({ id: networkId }));
    expect(r.status, r.stderr).toBe(0);
    expect(spawnSync('ip', ['-n', ns, 'link', 'show', ifname]).status).not.toBe(0);
  });
});
