/**
 * Bringing existing WireGuard setups under wgpilot, on the real kernel of a throwaway host
 * namespace: import of a wg-quick server file (keys made with `wg genkey`), adoption of a
 * wireguard-go interface the test started and configured itself with `wg set` + `ip`, and a
 * dual-stack network a client reaches over IPv6 with exactly the generated .conf.
 * `wg show <if> dump` and `ip` are the oracles; clients are real wireguard-go devices.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainServices } from '../../../agent/src/services/index.js';
import { DomainEnv, run, type Client } from './env.js';

const env = new DomainEnv(110);
let s: DomainServices;
let c1: Client;
let c2: Client;
let c3: Client;
/** The wireguard-go the adoption test starts in the host namespace (killed in afterAll). */
let adoptDaemon: ChildProcess | undefined;

async function genKey(): Promise<{ priv: string; pub: string }> {
  const priv = (await run(['wg', 'genkey'])).trim();
  const child = spawn('wg', ['pubkey'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(`${priv}\n`);
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`wg pubkey exited ${code}`))));
  });
  return { priv, pub: out.trim() };
}

interface DumpPeer {
  publicKey: string;
  allowedIps: string[];
  latestHandshake: number;
}

/** dump parses `wg show <if> dump` inside the host namespace. */
async function dump(iface: string): Promise<{ privateKey: string; publicKey: string; listenPort: number; peers: DumpPeer[] }> {
  const lines = (await run(['ip', 'netns', 'exec', env.host, 'wg', 'show', iface, 'dump'])).trim().split('\n');
  const [priv = '', pub = '', port = '0'] = (lines[0] ?? '').split('\t');
  const peers = lines.slice(1).map((l) => {
    const f = l.split('\t');
    return { publicKey: f[0] ?? '', allowedIps: (f[3] ?? '').split(',').filter((x) => x !== '(none)'), latestHandshake: Number(f[4] ?? 0) };
  });
  return { privateKey: priv, publicKey: pub, listenPort: Number(port), peers };
}

async function linkExists(ns: string, iface: string): Promise<boolean> {
  try {
    await run(['ip', '-n', ns, 'link', 'show', iface]);
    return true;
  } catch {
    return false;
  }
}

async function enableIpv6(ns: string): Promise<void> {
  await run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=0']);
  await run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=0']);
}

async function ping6(ns: string, to: string, tries = 4): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    try {
      await run(['ip', 'netns', 'exec', ns, 'ping', '-6', '-c', '1', '-W', '1', to], 5_000);
      return true;
    } catch {
      // retry: the first handshake takes a moment
    }
  }
  return false;
}

/** clientConf is what the imported/adopted peer's own client would hold (the agent has no key to render it). */
function clientConf(o: { priv: string; address: string; serverPub: string; port: number; allowed: string }): string {
  return [
    '[Interface]',
    `PrivateKey = ${o.priv}`,
    `Address = ${o.address}`,
    '',
    '[Peer]',
    `PublicKey = ${o.serverPub}`,
    `Endpoint = ${env.publicAddress}:${o.port}`,
    `AllowedIPs = ${o.allowed}`,
    'PersistentKeepalive = 5',
    '',
  ].join('\n');
}

beforeAll(async () => {
  await env.up();
  await enableIpv6(env.host);
  s = await env.startAgent();
  c1 = await env.client('c1');
  c2 = await env.client('c2');
  c3 = await env.client('c3');
  for (const c of [c1, c2, c3]) await enableIpv6(c.ns);
});

afterAll(async () => {
  if (adoptDaemon && adoptDaemon.exitCode === null) adoptDaemon.kill('SIGKILL');
  await env.cleanup();
});

describe('import of a wg-quick server file', () => {
  it('creates the network and its key-less peers, the interface carries them, and a peer client connects', async () => {
    const server = await genKey();
    const laptop = await genKey();
    const phone = await genKey();
    const port = 51861;
    const text = [
      '[Interface]',
      `PrivateKey = ${server.priv}`,
      'Address = 10.111.0.1/24',
      `ListenPort = ${port}`,
      '',
      '# Name = laptop',
      '[Peer]',
      `PublicKey = ${laptop.pub}`,
      'AllowedIPs = 10.111.0.2/32',
      '',
      '# Name = phone',
      '[Peer]',
      `PublicKey = ${phone.pub}`,
      'AllowedIPs = 10.111.0.3/32',
      '',
    ].join('\n');
    const result = await s.imports.importConfig({ text, name: 'imported', mode: 'hub-routed', endpointHost: env.publicAddress }, 'tester');
    expect(result.peers).toBe(2);
    expect(result.kernel.applied).toBe(true);
    const network = s.networks.get(result.network.id);
    expect(network).toMatchObject({ name: 'imported', subnet4: '10.111.0.0/24', address4: '10.111.0.1', listenPort: port, publicKey: server.pub });
    expect(network.interface.startsWith(env.prefix)).toBe(true);

    const peers = s.peers.list(network.id);
    expect(peers.map((p) => [p.name, p.publicKey, p.address4, p.hasPrivateKey]).sort()).toEqual([
      ['laptop', laptop.pub, '10.111.0.2', false],
      ['phone', phone.pub, '10.111.0.3', false],
    ]);
    // No key, no config to download.
    await expect(s.peers.config(peers[0]!.id, 'tester')).rejects.toThrow(/no private key/);

    const d = await dump(network.interface);
    expect(d).toMatchObject({ privateKey: server.priv, publicKey: server.pub, listenPort: port });
    expect(d.peers.map((p) => [p.publicKey, p.allowedIps]).sort()).toEqual(
      [
        [laptop.pub, ['10.111.0.2/32']],
        [phone.pub, ['10.111.0.3/32']],
      ].sort(),
    );

    await env.applyConf(c1, clientConf({ priv: laptop.priv, address: '10.111.0.2/24', serverPub: server.pub, port, allowed: '10.111.0.0/24' }));
    expect(await env.ping(c1.ns, '10.111.0.1')).toBe(true);
    const seen = (await dump(network.interface)).peers.find((p) => p.publicKey === laptop.pub);
    expect(seen?.latestHandshake).toBeGreaterThan(0);

    await s.networks.delete(network.id, 'tester');
    expect(await linkExists(env.host, network.interface)).toBe(false);
  });
});

describe('adoption of a running interface', () => {
  it('takes over key, port, addresses and peers, then reconciles to nothing and deletes it with the network', async () => {
    const iface = `${env.prefix}ad`;
    const server = await genKey();
    const peer = await genKey();
    const port = 51871;
    adoptDaemon = spawn('ip', ['netns', 'exec', env.host, 'wireguard-go', '-f', iface], { stdio: 'ignore' });
    for (let i = 0; i < 250 && !fs.existsSync(`/var/run/wireguard/${iface}.sock`); i++) await sleep(20);
    const keyFile = `${env.stateDir}/adopt.key`;
    fs.writeFileSync(keyFile, `${server.priv}\n`, { mode: 0o600 });
    await run(['ip', 'netns', 'exec', env.host, 'wg', 'set', iface, 'private-key', keyFile, 'listen-port', String(port), 'peer', peer.pub, 'allowed-ips', '10.112.0.2/32']);
    await run(['ip', '-n', env.host, 'addr', 'add', '10.112.0.1/24', 'dev', iface]);
    await run(['ip', '-n', env.host, 'link', 'set', iface, 'up']);
    const before = await dump(iface);

    const result = await s.imports.adopt({ interface: iface, name: 'adopted', mode: 'hub-routed', endpointHost: env.publicAddress }, 'tester');
    expect(result.peers).toBe(1);
    expect(result.kernel.applied).toBe(true);
    const network = s.networks.get(result.network.id);
    expect(network).toMatchObject({ name: 'adopted', interface: iface, listenPort: port, publicKey: server.pub, subnet4: '10.112.0.0/24', address4: '10.112.0.1', mtu: 1420 });
    const peers = s.peers.list(network.id);
    expect(peers).toHaveLength(1);
    expect(peers[0]).toMatchObject({ publicKey: peer.pub, address4: '10.112.0.2', hasPrivateKey: false, role: 'client' });
    // Adoption changed nothing on the device.
    expect(await dump(iface)).toEqual(before);

    const report = await s.reconciler.reconcileOnce('test');
    expect(report.fixed).toEqual([]);
    expect(report.failed).toEqual([]);
    expect(report.conflicts).toEqual([]);
    expect(report.pending).toEqual([]);

    // The adopted device still works for its peer's own client.
    await env.applyConf(c2, clientConf({ priv: peer.priv, address: '10.112.0.2/24', serverPub: server.pub, port, allowed: '10.112.0.0/24' }));
    expect(await env.ping(c2.ns, '10.112.0.1')).toBe(true);

    const again = await s.reconciler.reconcileOnce('test');
    expect(again.fixed).toEqual([]);
    expect(again.failed).toEqual([]);

    const deleted = await s.networks.delete(network.id, 'tester');
    expect(deleted.kernel.applied).toBe(true);
    expect(await linkExists(env.host, iface)).toBe(false);
  });
});

describe('a dual-stack network', () => {
  it('gives the client both families in Address, and the client pings the server over IPv6', async () => {
    const tag = randomBytes(2).toString('hex');
    const subnet6 = `fd42:${tag}::/64`;
    const { network } = await s.networks.create({ name: 'dual', mode: 'hub-routed', subnet4: '10.113.0.0/24', subnet6, endpointHost: env.publicAddress }, 'tester');
    expect(network.address6).not.toBeNull();
    const addrs = await run(['ip', '-n', env.host, '-6', 'addr', 'show', 'dev', network.interface]);
    expect(addrs).toContain(`${network.address6}/64`);

    const { peer } = await s.peers.create(network.id, { name: 'dual-client', persistentKeepalive: 5 }, 'tester');
    expect(peer.address4).not.toBeNull();
    expect(peer.address6).not.toBeNull();
    const conf = await s.peers.config(peer.id, 'tester');
    const address = /^Address\s*=\s*(.*)$/m.exec(conf.text)?.[1]?.split(',').map((x) => x.trim()) ?? [];
    expect(address).toHaveLength(2);
    expect(address.some((a) => a.startsWith(`${peer.address4}/`))).toBe(true);
    expect(address.some((a) => a.startsWith(`${peer.address6}/`))).toBe(true);
    await env.applyConf(c3, conf.text);

    expect(await ping6(c3.ns, network.address6!)).toBe(true);
    expect(await env.ping(c3.ns, network.address4!)).toBe(true);
    await s.networks.delete(network.id, 'tester');
  });
});
