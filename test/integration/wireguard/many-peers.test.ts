/**
 * 1,000 peers configured on one wireguard-go device through UserspaceBackend, then compared
 * field by field with `wg show <if> dump`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, generatePresharedKey, type Key } from '../../../agent/src/wireguard/keys.js';
import type { PeerConfig } from '../../../agent/src/wireguard/types.js';
import { UserspaceBackend } from '../../../agent/src/wireguard/userspace.js';
import { deviceAsDump, parseWgDump, sortDump } from '../../support/wireguard/wg-dump.js';
import { NetnsLab, run } from './netns.js';

const lab = new NetnsLab();
let ns = '';
let ifname = '';
let backend: UserspaceBackend;

/** manyPeers builds n peers with distinct /32s (and a /128), mixed endpoints and keepalives. */
function manyPeers(n: number, ipsPerPeer: number): PeerConfig[] {
  return Array.from({ length: n }, (_, i): PeerConfig => ({
    publicKey: generateKeyPair().publicKey,
    ...(i % 3 === 0 ? { presharedKey: generatePresharedKey() } : {}),
    ...(i % 2 === 0
      ? { endpoint: { address: `198.18.${(i >> 8) & 255}.${i & 255}`, port: 10000 + i } }
      : { endpoint: { address: `fd00:1::${i.toString(16)}`, port: 20000 + i } }),
    persistentKeepaliveInterval: i % 5 === 0 ? 25 : 0,
    replaceAllowedIPs: true,
    allowedIPs: Array.from({ length: ipsPerPeer }, (_, j) => (j === 0 ? `fd10::${(i + 1).toString(16)}/128` : `10.${j}.${(i >> 8) & 255}.${i & 255}/32`)),
  }));
}

beforeAll(async () => {
  ns = await lab.ns('m');
  ifname = lab.ifname('m');
  backend = new UserspaceBackend({ daemon: { commandPrefix: ['ip', 'netns', 'exec', ns] } });
  await backend.createDevice(ifname);
});

afterAll(async () => {
  try {
    await backend?.close();
  } finally {
    await lab.cleanup();
  }
});

describe('1,000 peers on one userspace device', () => {
  it('configures them in one set and reads back exactly what wg(8) shows', async () => {
    const privateKey = generateKeyPair().privateKey;
    const peers = manyPeers(1000, 10);
    const started = performance.now();
    await backend.configureDevice(ifname, { privateKey, listenPort: 51900, replacePeers: true, peers });
    const setMs = performance.now() - started;
    const device = await backend.device(ifname);
    const oracle = sortDump(parseWgDump(await run(['ip', 'netns', 'exec', ns, 'wg', 'show', ifname, 'dump'])));
    expect(device.peers).toHaveLength(1000);
    expect(oracle.peers).toHaveLength(1000);
    expect(deviceAsDump(device)).toEqual(oracle);
    // And what we configured is what we read.
    const byKey = new Map(device.peers.map((p) => [p.publicKey.toBase64(), p]));
    for (const want of peers) {
      const got = byKey.get(want.publicKey.toBase64());
      expect(got?.allowedIPs).toEqual(want.allowedIPs);
      expect(got?.endpoint).toEqual(want.endpoint);
      expect(got?.persistentKeepaliveInterval).toBe(want.persistentKeepaliveInterval);
      expect(got?.presharedKey?.toBase64()).toBe((want.presharedKey as Key | undefined)?.toBase64());
    }
    console.info(`1,000 peers x 10 allowed IPs: set=1 ${setMs.toFixed(1)} ms`);
  });

  it('replaces all peers with replacePeers and an empty list', async () => {
    await backend.configureDevice(ifname, { replacePeers: true, peers: [] });
    expect((await backend.device(ifname)).peers).toEqual([]);
  });
});
