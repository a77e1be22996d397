/**
 * Backend parity: the same sequence of DeviceConfigs applied to a real wireguard-go device
 * (UserspaceBackend) and to the fake kernel (KernelBackend over fake-wireguard-kernel.ts) must
 * read back as the same Device. This checks the two mappings against each other and keeps the
 * fake kernel's semantics honest against a real implementation (remove, update-only, replace
 * peers / allowed IPs, PSK clear, prefix ownership moving between peers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelBackend } from '../../../agent/src/wireguard/kernel.js';
import { generateKeyPair, generatePresharedKey, type Key } from '../../../agent/src/wireguard/keys.js';
import type { Device, DeviceConfig } from '../../../agent/src/wireguard/types.js';
import { UserspaceBackend } from '../../../agent/src/wireguard/userspace.js';
import { FakeWireGuardKernel } from '../../support/wireguard/fake-wireguard-kernel.js';
import { NetnsLab } from './netns.js';

const lab = new NetnsLab();
let ifname = '';
let userspace: UserspaceBackend;
let kernel: KernelBackend;

beforeAll(async () => {
  const ns = await lab.ns('p');
  ifname = lab.ifname('p');
  userspace = new UserspaceBackend({ daemon: { commandPrefix: ['ip', 'netns', 'exec', ns] } });
  await userspace.createDevice(ifname);
  const fake = new FakeWireGuardKernel({ peersPerMessage: 2, ipsPerPart: 2 });
  kernel = await KernelBackend.open({ genl: fake.genl, route: fake.route });
  await kernel.createDevice(ifname);
});

afterAll(async () => {
  try {
    await userspace?.close();
  } finally {
    await lab.cleanup();
  }
});

/** comparable drops what legitimately differs: the type, live counters, and peer order. */
function comparable(d: Device): unknown {
  const { type: _type, ...rest } = d;
  return {
    ...rest,
    peers: d.peers
      .map(({ receiveBytes: _r, transmitBytes: _t, lastHandshakeTime: _h, ...p }) => p)
      .sort((a, b) => a.publicKey.toBase64().localeCompare(b.publicKey.toBase64())),
  };
}

const pub = (): Key => generateKeyPair().publicKey;
const [a, b, c, d, e] = [pub(), pub(), pub(), pub(), pub()];
const steps: Array<[string, DeviceConfig]> = [
  [
    'initial setconf',
    {
      privateKey: generateKeyPair().privateKey,
      listenPort: 51870,
      firewallMark: 7,
      replacePeers: true,
      peers: [
        { publicKey: a, presharedKey: generatePresharedKey(), endpoint: { address: '198.18.7.1', port: 51871 }, persistentKeepaliveInterval: 25, allowedIPs: ['10.7.0.1/32', '10.7.1.0/24'] },
        { publicKey: b, endpoint: { address: 'fd00:7::2', port: 51872 }, allowedIPs: ['fd77::/64'] },
        { publicKey: c, allowedIPs: ['10.7.3.0/24', '10.7.4.0/24', '10.7.5.0/24'] },
      ],
    },
  ],
  [
    'replace IPs, remove, update-only, keepalive',
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
  ['device fields only', { listenPort: 51873, firewallMark: 0 }],
  ['host bits are masked by the device', { peers: [{ publicKey: c, allowedIPs: ['10.7.6.77/24', 'fd77:1::99/64'] }] }],
  ['replace peers with a new set', { replacePeers: true, peers: [{ publicKey: d, allowedIPs: ['0.0.0.0/0', '::/0'] }] }],
];

describe('userspace (wireguard-go) and kernel (fake) backends agree', () => {
  it.each(steps)('after step: %s', async (_name, cfg) => {
    await userspace.configureDevice(ifname, cfg);
    await kernel.configureDevice(ifname, cfg);
    const [u, k] = [await userspace.device(ifname), await kernel.device(ifname)];
    expect(u.type).toBe('userspace');
    expect(k.type).toBe('kernel');
    expect(comparable(k)).toEqual(comparable(u));
  });
});
