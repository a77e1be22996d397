/**
 * Acceptance 3 of issue 4: no procedure output contains a private key or preshared key, except
 * the config download. Calls EVERY procedure of the root router (the test fails when a new one
 * is not covered) with valid input on a FakeKernel agent, and scans each output — deep, as the
 * JSON that goes on the wire — for every secret the host holds (base64 and hex), harvested from
 * the database (unsealed) after each step and from the inputs that carried keys.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listing } from '../../../agent/src/commands/call.js';
import { SEAL } from '../../../agent/src/services/core.js';
import type { Key } from '../../../agent/src/wireguard/keys.js';
import { generateKeyPair, generatePresharedKey } from '../../../agent/src/wireguard/keys.js';
import { testAgent, type TestAgent } from './harness.js';

let a: TestAgent;
const secrets = new Set<string>();
const outputs = new Map<string, string[]>();
let tmp = '';

function addSecret(k: Key): void {
  secrets.add(k.toBase64());
  secrets.add(k.toHex());
}

/** harvest unseals every secret in the database into `secrets`. */
function harvest(): void {
  const r = a.domain.core.repos;
  for (const n of r.networks.list()) addSecret(a.domain.core.unseal(r.networks.sealedPrivateKey(n.id), SEAL.networkKey));
  for (const p of r.peers.list()) {
    const s = r.peers.secrets(p.id);
    if (s.privateKey) addSecret(a.domain.core.unseal(s.privateKey, SEAL.peerKey));
    if (s.presharedKey) addSecret(a.domain.core.unseal(s.presharedKey, SEAL.psk));
  }
}

async function call<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const out = await fn();
  outputs.set(name, [...(outputs.get(name) ?? []), JSON.stringify(out)]);
  harvest();
  return out;
}

async function first<T>(name: string, it: AsyncIterable<T>, trigger?: () => Promise<unknown>): Promise<T> {
  const iter = it[Symbol.asyncIterator]();
  const next = iter.next();
  if (trigger) await trigger();
  const r = await next;
  await iter.return?.();
  outputs.set(name, [...(outputs.get(name) ?? []), JSON.stringify(r.value)]);
  return r.value as T;
}

const importKey = generateKeyPair();
const importPeer = generateKeyPair();
const importPsk = generatePresharedKey();
const serverConf = `[Interface]
PrivateKey = ${importKey.privateKey.toBase64()}
ListenPort = 51900
Address = 10.60.0.1/24

[Peer]
# Name = imported-laptop
PublicKey = ${importPeer.publicKey.toBase64()}
PresharedKey = ${importPsk.toBase64()}
AllowedIPs = 10.60.0.2/32
`;

beforeAll(async () => {
  a = testAgent();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wgpilot-leak-'));
  addSecret(importKey.privateKey);
  addSecret(importPsk);
  const c = a.caller;
  await call('settings.set', () => c.settings.set({ key: 'public_host', value: 'vpn.example.net' }));
  await call('settings.get', () => c.settings.get());
  const gw = await call('networks.create', () => c.networks.create({ name: 'office', mode: 'gateway', subnet4: '10.8.0.0/24', subnet6: 'fd42::/64', dns: ['10.8.0.1'] }));
  const hub = await call('networks.create', () => c.networks.create({ name: 'lab', mode: 'hub-routed', subnet4: '10.9.0.0/24' }));
  const laptop = await call('peers.create', () => c.peers.create({ networkId: gw.network.id, name: 'laptop', presharedKey: true, persistentKeepalive: 25 }));
  await call('peers.create', () => c.peers.create({ networkId: hub.network.id, name: 'byo', publicKey: generateKeyPair().publicKey.toBase64() }));
  await call('peers.createMany', () => c.peers.createMany({ networkId: hub.network.id, peers: [{ name: 'm1', presharedKey: true }, { name: 'm2' }] }));
  await call('networks.import', () => c.networks.import({ text: serverConf, name: 'imported', mode: 'hub-routed' }));
  // A running interface to adopt, with a key and a peer with a preshared key.
  const adoptKey = generateKeyPair().privateKey;
  const adoptPsk = generatePresharedKey();
  addSecret(adoptKey);
  addSecret(adoptPsk);
  a.kernel.addLink('wgold', { kind: 'tun', addresses: ['10.70.0.1/24'] });
  const pk = generateKeyPair().publicKey;
  a.kernel.devices.set('wgold', {
    privateKey: adoptKey,
    listenPort: 51999,
    peers: new Map([[pk.toBase64(), { publicKey: pk, presharedKey: adoptPsk, persistentKeepaliveInterval: 0, lastHandshakeTime: null, receiveBytes: 0n, transmitBytes: 0n, allowedIPs: ['10.70.0.2/32'], protocolVersion: 1 }]]),
  });
  await call('networks.adopt', () => c.networks.adopt({ interface: 'wgold', name: 'old', mode: 'gateway' }));

  await call('networks.list', () => c.networks.list());
  await call('networks.get', () => c.networks.get({ id: gw.network.id }));
  await call('networks.update', () => c.networks.update({ id: gw.network.id, patch: { mtu: 1400, dns: ['1.1.1.1'] } }));
  await call('networks.disable', () => c.networks.disable({ id: hub.network.id }));
  await call('networks.enable', () => c.networks.enable({ id: hub.network.id }));
  await call('networks.status', () => c.networks.status());
  await call('peers.list', () => c.peers.list());
  await call('peers.get', () => c.peers.get({ id: laptop.peer.id }));
  await call('peers.update', () => c.peers.update({ id: laptop.peer.id, patch: { persistentKeepalive: 15 } }));
  await call('peers.disable', () => c.peers.disable({ id: laptop.peer.id }));
  await call('peers.enable', () => c.peers.enable({ id: laptop.peer.id }));
  await call('peers.status', () => c.peers.status({ networkId: gw.network.id }));
  await call('peers.config', () => c.peers.config({ id: laptop.peer.id }));
  const bridge = await call('bridges.create', () => c.bridges.create({ networkAId: gw.network.id, networkBId: hub.network.id, direction: 'a_to_b', allowedCidrs: ['10.9.0.0/25'] }));
  await call('bridges.list', () => c.bridges.list());
  await call('bridges.get', () => c.bridges.get({ id: bridge.bridge.id }));
  await call('bridges.update', () => c.bridges.update({ id: bridge.bridge.id, patch: { direction: 'bidirectional' } }));
  await call('bridges.disable', () => c.bridges.disable({ id: bridge.bridge.id }));
  await call('bridges.enable', () => c.bridges.enable({ id: bridge.bridge.id }));
  const rule = await call('monitor.createAlertRule', () => c.monitor.createAlertRule({ condition: { type: 'peer_offline', offlineSeconds: 60 } }));
  await call('monitor.alertRules', () => c.monitor.alertRules());
  await call('monitor.setAlertRuleEnabled', () => c.monitor.setAlertRuleEnabled({ id: rule.id, enabled: true }));
  a.clock.advance(120_000);
  await call('monitor.tick', () => c.monitor.tick());
  await call('monitor.alerts', () => c.monitor.alerts({ open: true }));
  await call('monitor.history', () => c.monitor.history({ peerId: laptop.peer.id, from: 0, to: Date.now() + 1e9 }));
  a.kernel.links.get(gw.network.interface)!.mtu = 1500;
  await call('reconcile.pending', () => c.reconcile.pending());
  await call('reconcile.run', () => c.reconcile.run());
  await call('audit.list', () => c.audit.list({ limit: 1000 }));
  await call('system.info', () => c.system.info());
  await call('system.ping', () => c.system.ping());
  await call('system.ports', () => c.system.ports());
  const backupFile = path.join(tmp, 'backup.db');
  await call('system.backup', () => c.system.backup({ path: backupFile }));
  await call('system.restore', () => c.system.restore({ path: backupFile }));
  await first('monitor.events', await c.monitor.events(), async () => {
    a.kernel.links.get(gw.network.interface)!.mtu = 1300;
    await c.reconcile.run();
  });
  await first('peers.watchStatus', await c.peers.watchStatus({ networkId: gw.network.id, intervalMs: 250 }));
  await first('system.clock', await c.system.clock({ intervalMs: 10, count: 1 }));
  await first('system.burst', await c.system.burst({ count: 1 }));
  await call('monitor.deleteAlertRule', () => c.monitor.deleteAlertRule({ id: rule.id }));
  await call('bridges.delete', () => c.bridges.delete({ id: bridge.bridge.id }));
  await call('peers.delete', () => c.peers.delete({ id: laptop.peer.id }));
  await call('networks.delete', () => c.networks.delete({ id: hub.network.id }));
});

afterAll(async () => {
  await a?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('no procedure output carries key material', () => {
  it('calls every procedure of the root router', () => {
    const all = listing().map((p) => p.procedure).sort();
    expect([...outputs.keys()].sort()).toEqual(all);
  });

  it('harvested the keys the host holds (the scan has something to find)', () => {
    // 5 networks' keys and 6 peers' keys/PSKs at least, each in base64 and hex.
    expect(secrets.size).toBeGreaterThan(20);
  });

  it('no output but peers.config contains a private or preshared key', () => {
    const leaks: string[] = [];
    for (const [name, list] of outputs) {
      if (name === 'peers.config') continue;
      for (const text of list) for (const s of secrets) if (text.includes(s)) leaks.push(`${name}: ${s.slice(0, 6)}…`);
    }
    expect(leaks).toEqual([]);
  });

  it('peers.config does contain the peer private key and PSK (the scan works)', () => {
    const text = outputs.get('peers.config')?.[0] ?? '';
    expect([...secrets].filter((s) => text.includes(s)).length).toBe(2);
  });
});
