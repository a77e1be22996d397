/**
 * The agent's WireGuard client on the kernel module (what test/integration/wireguard/ proves on
 * wireguard-go): backend selection with module autoload, device fields, peers (PSK, endpoints
 * v4 and v6, keepalive, allowed IPs with replace, remove, update-only, a prefix moving to its
 * new owner), SET_DEVICE fragmentation past 32 KiB (one peer with 1,801 allowed IPs; 1,000
 * peers × 10 IPs in one write), multipart dump merges, and parity with wireguard-go on the same
 * kernel. The client runs inside the guest (guest/ops/wireguard.ts); `wg show <if> dump` and
 * `ip -d link` are the oracles.
 */
import { afterAll, expect, it } from 'vitest';
import { generateKeyPair, generatePresharedKey, type Key } from '../../agent/src/wireguard/keys.js';
import type { Device, DeviceConfig, PeerConfig } from '../../agent/src/wireguard/types.js';
import { deviceAsDump, parseWgDump, sortDump } from '../support/wireguard/wg-dump.js';
import { kernelSuite, type KernelContext } from './harness/suite.js';

const NS = 'kb';

kernelSuite('WireGuard client on the kernel module', (k) => {
  afterAll(() => cleanup(k));
  const dump = async (ifname: string) => sortDump(parseWgDump((await k.exec(['ip', 'netns', 'exec', NS, 'wg', 'show', ifname, 'dump'])).stdout));
  const device = (name: string): Promise<Device> => k.call('wireguard.device', { netns: NS, name });
  const configure = async (name: string, config: DeviceConfig): Promise<void> => {
    k.note(`configure ${name}: ${await k.call('wireguard.configureDevice', { netns: NS, name, config })} ms in the guest`);
  };
  const expectSameAsOracle = async (name: string): Promise<Device> => {
    const d = await device(name);
    expect(deviceAsDump(d)).toEqual(await dump(name));
    return d;
  };

  it('resolves the "wireguard" genl family by loading the module on demand', async () => {
    await k.sh(`ip netns add ${NS} && ip -n ${NS} link set lo up`);
    expect(await k.call('wireguard.resolveFamily', { netns: NS, name: 'wireguard' })).toMatchObject({ available: true, family: { name: 'wireguard' } });
    expect(await k.sh('cat /sys/module/wireguard/initstate')).toBe('live\n');
    expect(await k.call('wireguard.support', { netns: NS })).toEqual({ kernelModule: true, newDevices: 'kernel' });
  });

  it('creates kernel devices (kind wireguard), lists, reads and deletes them', async () => {
    expect(await k.call('wireguard.createDevice', { netns: NS, name: 'wgsel' })).toBe('kernel');
    expect(await k.sh(`ip -n ${NS} -d link show wgsel`)).toMatch(/\n\s+wireguard /);
    expect(await k.call('wireguard.devices', { netns: NS })).toContainEqual({ name: 'wgsel', type: 'kernel' });
    expect(await device('wgsel')).toMatchObject({ name: 'wgsel', type: 'kernel', listenPort: 0, firewallMark: 0, peers: [] });
    await k.call('wireguard.deleteDevice', { netns: NS, name: 'wgsel' });
    await expect(device('wgsel')).rejects.toMatchObject({ code: 'ENODEV' });
    expect(await k.sh(`ip -n ${NS} link show wgsel 2>&1 || true`)).toMatch(/does not exist/);
  });

  const pub = (): Key => generateKeyPair().publicKey;
  const [a, b, c, d, e] = [pub(), pub(), pub(), pub(), pub()];
  const steps: Array<[string, DeviceConfig]> = [
    [
      'private key, listen port, fwmark, and peers with PSK, v4/v6 endpoints, keepalive',
      {
        privateKey: generateKeyPair().privateKey,
        listenPort: 51870,
        firewallMark: 0x77,
        replacePeers: true,
        peers: [
          { publicKey: a, presharedKey: generatePresharedKey(), endpoint: { address: '198.18.7.1', port: 51871 }, persistentKeepaliveInterval: 25, allowedIPs: ['10.7.0.1/32', '10.7.1.0/24'] },
          { publicKey: b, endpoint: { address: 'fd00:7::2', port: 51872 }, allowedIPs: ['fd77::/64'] },
          { publicKey: c, allowedIPs: ['10.7.3.0/24', '10.7.4.0/24', '10.7.5.0/24'] },
        ],
      },
    ],
    [
      'replace allowed IPs, clear a PSK, remove a peer, update-only of an unknown peer, keepalive',
      {
        peers: [
          { publicKey: a, replaceAllowedIPs: true, allowedIPs: ['10.7.9.0/24'], presharedKey: null },
          { publicKey: b, remove: true },
          { publicKey: d, updateOnly: true, allowedIPs: ['10.7.8.0/24'] },
          { publicKey: c, persistentKeepaliveInterval: 5 },
        ],
      },
    ],
    ['a prefix moves to its new owner', { peers: [{ publicKey: e, allowedIPs: ['10.7.4.0/24'] }] }],
    ['a new endpoint on an existing peer', { peers: [{ publicKey: a, endpoint: { address: 'fd00:7::9', port: 51879 } }] }],
    ['device fields only: listen port, fwmark off', { listenPort: 51873, firewallMark: 0 }],
    ['host bits masked by the kernel', { peers: [{ publicKey: c, allowedIPs: ['10.7.6.77/24', 'fd77:1::99/64'] }] }],
    ['replace peers with a new set', { replacePeers: true, peers: [{ publicKey: d, allowedIPs: ['0.0.0.0/0', '::/0'] }] }],
  ];

  it('applies each step as wg(8) then shows it, and as wireguard-go on the same kernel does', async () => {
    await k.call('wireguard.createDevice', { netns: NS, name: 'wgk' });
    await k.call('wireguard.createDevice', { netns: NS, name: 'wgu', backend: 'userspace' });
    for (const [name, cfg] of steps) {
      k.note(`step: ${name}`);
      await configure('wgk', cfg);
      await configure('wgu', cfg);
      const kernel = await expectSameAsOracle('wgk');
      // wireguard-go against wg(8) is the integration tier's; here it is the reference.
      const userspace = await device('wgu');
      expect(kernel.type).toBe('kernel');
      expect(userspace.type).toBe('userspace');
      expect(comparable(kernel), `after step: ${name}`).toEqual(comparable(userspace));
    }
    const final = await device('wgk');
    expect(final).toMatchObject({ listenPort: 51873, firewallMark: 0 });
    expect(await k.sh(`ip -n ${NS} -d link show wgk`)).toMatch(/\n\s+wireguard /);
    await k.call('wireguard.deleteDevice', { netns: NS, name: 'wgu' });
  });

  it('writes one peer with 1,801 allowed IPs (SET_DEVICE fragments past 32 KiB) and reads it back whole', async () => {
    const allowedIPs = Array.from({ length: 1801 }, (_, i) => (i === 0 ? 'fd42::/64' : `10.${(i >> 8) & 255}.${i & 255}.0/24`));
    const peer = pub();
    await configure('wgk', { replacePeers: true, peers: [{ publicKey: peer, replaceAllowedIPs: true, allowedIPs }] });
    const d = await expectSameAsOracle('wgk');
    expect(d.peers).toHaveLength(1);
    expect(new Set(d.peers[0]?.allowedIPs)).toEqual(new Set(allowedIPs));
  });

  it('writes 1,000 peers × 10 allowed IPs in one configure and reads them back through a multipart dump', async () => {
    const peers = manyPeers(1000, 10);
    await configure('wgk', { privateKey: generateKeyPair().privateKey, listenPort: 51900, replacePeers: true, peers });
    const d = await expectSameAsOracle('wgk');
    expect(d.peers).toHaveLength(1000);
    const byKey = new Map(d.peers.map((p) => [p.publicKey.toBase64(), p]));
    for (const want of peers) {
      const got = byKey.get(want.publicKey.toBase64());
      expect(new Set(got?.allowedIPs)).toEqual(new Set(want.allowedIPs));
      expect(got?.endpoint).toEqual(want.endpoint);
      expect(got?.persistentKeepaliveInterval).toBe(want.persistentKeepaliveInterval);
      expect(got?.presharedKey?.toBase64()).toBe((want.presharedKey as Key | undefined)?.toBase64());
    }
    await configure('wgk', { replacePeers: true, peers: [] });
    expect((await device('wgk')).peers).toEqual([]);
  });
});

/** comparable drops what legitimately differs between backends: type, counters, peer order. */
function comparable(d: Device): unknown {
  const { type: _type, name: _name, ...rest } = d;
  return {
    ...rest,
    peers: d.peers
      .map(({ receiveBytes: _r, transmitBytes: _t, lastHandshakeTime: _h, ...p }) => p)
      .sort((x, y) => x.publicKey.toBase64().localeCompare(y.publicKey.toBase64())),
  };
}

/** manyPeers: n peers with distinct /32s and a /128, mixed v4/v6 endpoints, keepalives and PSKs. */
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

/** cleanup stops the namespace's wireguard-go, closes its sockets and deletes it (and its devices). */
async function cleanup(k: KernelContext): Promise<void> {
  await k.call('wireguard.close', { netns: NS }).catch(() => undefined);
  await k.sh(`ip netns del ${NS} 2>/dev/null || true`).catch(() => undefined);
}
