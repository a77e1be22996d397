/**
 * KernelBackend and WireGuardClient on a fake WireGuard kernel (fake-wireguard-kernel.ts): the
 * genl round trips, multipart reads, fragmented writes, error translation and backend choice.
 */
import { describe, expect, it } from 'vitest';
import { decodeWgMessage } from '../../../agent/src/netlink/families/wireguard/codec.js';
import * as C from '../../../agent/src/netlink/families/wireguard/constants.js';
import { WG_SET_MESSAGE_MAX_BYTES } from '../../../agent/src/netlink/families/wireguard/fragment.js';
import { WireGuardError } from '../../../agent/src/wireguard/errors.js';
import { KernelBackend } from '../../../agent/src/wireguard/kernel.js';
import { generatePresharedKey, Key } from '../../../agent/src/wireguard/keys.js';
import { WireGuardClient } from '../../../agent/src/wireguard/select.js';
import type { DeviceConfig, PeerConfig } from '../../../agent/src/wireguard/types.js';
import { UserspaceBackend } from '../../../agent/src/wireguard/userspace.js';
import { FakeWireGuardKernel } from '../../support/wireguard/fake-wireguard-kernel.js';
import { Prng } from '../../support/prng.js';

const key = (rng: Prng): Key => Key.fromBytes(rng.bytes(32));

function peers(rng: Prng, n: number, ips: number): PeerConfig[] {
  return Array.from({ length: n }, (_, i) => ({
    publicKey: key(rng),
    ...(i % 2 === 0 ? { presharedKey: key(rng) } : {}),
    endpoint: i % 3 === 0 ? { address: `fd00::${(i + 1).toString(16)}`, port: 51820 } : { address: `198.18.${i >> 8}.${i & 255}`, port: 1000 + i },
    persistentKeepaliveInterval: i % 25,
    replaceAllowedIPs: true,
    allowedIPs: Array.from({ length: ips }, (_, j) => `10.${j}.${i >> 8}.${i & 255}/32`),
  }));
}

async function open(kernel: FakeWireGuardKernel): Promise<KernelBackend> {
  return KernelBackend.open({ genl: kernel.genl, route: kernel.route });
}

describe('KernelBackend on a fake kernel', () => {
  it('resolves the family id, creates, lists and deletes devices', async () => {
    const kernel = new FakeWireGuardKernel();
    const b = await open(kernel);
    expect(b.familyId).toBe(kernel.familyId);
    expect(b.type).toBe('kernel');
    await b.createDevice('wg0');
    await b.createDevice('wg1');
    expect(await b.devices()).toEqual(['wg0', 'wg1']);
    await expect(b.createDevice('wg0')).rejects.toMatchObject({ name: 'WireGuardError', op: 'create', code: 'EEXIST' });
    await b.deleteDevice('wg1');
    expect(await b.devices()).toEqual(['wg0']);
    expect(await b.device('wg0')).toEqual({ name: 'wg0', type: 'kernel', listenPort: 0, firewallMark: 0, peers: [] });
  });

  it('says ENOENT when the module is missing', async () => {
    const err = await open(new FakeWireGuardKernel({ moduleLoaded: false })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WireGuardError);
    expect(err).toMatchObject({ op: 'probe', code: 'ENOENT' });
  });

  it('writes 1,000 peers x 10 IPs in bounded fragments and reads them back through a multipart dump', async () => {
    const rng = new Prng(2024);
    const kernel = new FakeWireGuardKernel({ peersPerMessage: 37, ipsPerPart: 4 });
    const b = await open(kernel);
    await b.createDevice('wg0');
    const privateKey = key(rng);
    const cfg: DeviceConfig = { privateKey, listenPort: 51820, firewallMark: 0x42, replacePeers: true, peers: peers(rng, 1000, 10) };
    await b.configureDevice('wg0', cfg);

    expect(kernel.setMessages.length).toBeGreaterThan(5);
    for (const m of kernel.setMessages) expect(16 + m.length).toBeLessThanOrEqual(WG_SET_MESSAGE_MAX_BYTES);
    const flags = kernel.setMessages.map((m) => decodeWgMessage(m).device.flags ?? 0);
    expect(flags[0]).toBe(C.WGDEVICE_F_REPLACE_PEERS);
    expect(flags.slice(1).every((f) => f === 0)).toBe(true);

    const d = await b.device('wg0');
    expect(d.privateKey?.equals(privateKey)).toBe(true);
    expect(d.publicKey?.equals(privateKey.publicKey())).toBe(true);
    expect(d.listenPort).toBe(51820);
    expect(d.firewallMark).toBe(0x42);
    expect(d.peers).toHaveLength(1000);
    d.peers.forEach((p, i) => {
      const want = cfg.peers?.[i];
      expect(p.publicKey.equals(want?.publicKey as Key)).toBe(true);
      expect(p.allowedIPs).toEqual(want?.allowedIPs);
      expect(p.endpoint).toEqual(want?.endpoint);
      expect(p.persistentKeepaliveInterval).toBe(want?.persistentKeepaliveInterval);
      expect(p.presharedKey?.toHex()).toBe((want?.presharedKey as Key | undefined)?.toHex());
      expect(p.lastHandshakeTime).toBeNull();
      expect(p.protocolVersion).toBe(1);
    });
  });

  it('applies partial updates with kernel semantics (remove, update-only, replace IPs, clear PSK)', async () => {
    const rng = new Prng(7);
    const kernel = new FakeWireGuardKernel({ peersPerMessage: 1, ipsPerPart: 1 });
    const b = await open(kernel);
    await b.createDevice('wg0');
    const [a, c] = [key(rng), key(rng)];
    await b.configureDevice('wg0', { peers: [{ publicKey: a, presharedKey: generatePresharedKey(), allowedIPs: ['10.0.0.1/32', '10.0.1.0/24'] }, { publicKey: c, allowedIPs: ['10.0.0.3/32'] }] });
    await b.configureDevice('wg0', { peers: [{ publicKey: a, presharedKey: null, replaceAllowedIPs: true, allowedIPs: ['10.9.0.0/16'] }] });
    await b.configureDevice('wg0', { peers: [{ publicKey: key(rng), updateOnly: true, allowedIPs: ['10.8.0.0/16'] }, { publicKey: c, remove: true }] });
    const d = await b.device('wg0');
    expect(d.peers).toHaveLength(1);
    expect(d.peers[0]?.publicKey.equals(a)).toBe(true);
    expect(d.peers[0]?.presharedKey).toBeUndefined();
    expect(d.peers[0]?.allowedIPs).toEqual(['10.9.0.0/16']);
  });

  it('translates kernel errors into WireGuardError with the NetlinkError as cause', async () => {
    const kernel = new FakeWireGuardKernel();
    const b = await open(kernel);
    const err = (await b.device('wgmissing').catch((e: unknown) => e)) as WireGuardError;
    expect(err).toMatchObject({ name: 'WireGuardError', op: 'device', code: 'ENODEV', device: 'wgmissing' });
    expect((err.cause as Error).name).toBe('NetlinkError');
    await expect(b.configureDevice('wgmissing', { listenPort: 1 })).rejects.toMatchObject({ code: 'ENODEV', op: 'configure' });
  });

  it('names the failed fragment when a fragmented configure stops half way', async () => {
    const kernel = new FakeWireGuardKernel();
    const b = await open(kernel);
    await b.createDevice('wg0');
    kernel.failSetAt = { n: 3, errno: 12 /* ENOMEM */ };
    const err = await b.configureDevice('wg0', { peers: peers(new Prng(3), 500, 10) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENOMEM', message: expect.stringMatching(/fragment 3 of \d+ refused \(earlier fragments stay applied\)/) });
    expect((await b.device('wg0')).peers.length).toBeGreaterThan(0);
  });

  it('validates before sending anything', async () => {
    const kernel = new FakeWireGuardKernel();
    const b = await open(kernel);
    await b.createDevice('wg0');
    await expect(b.configureDevice('wg0', { listenPort: -1 })).rejects.toMatchObject({ name: 'ConfigError', field: 'listenPort' });
    expect(kernel.setMessages).toEqual([]);
  });
});

describe('WireGuardClient backend choice', () => {
  const userspace = (): UserspaceBackend => new UserspaceBackend({ socketDir: '/nonexistent-wgpilot-test' });

  it('creates kernel devices when RTM_NEWLINK kind wireguard works, and reports the module', async () => {
    const kernel = new FakeWireGuardKernel();
    const client = await WireGuardClient.open({ genl: kernel.genl, route: kernel.route, userspace: userspace() });
    expect(client.support()).toEqual({ kernelModule: true, newDevices: 'kernel' });
    expect(await client.createDevice('wg0')).toBe('kernel');
    await client.configureDevice('wg0', { listenPort: 7 });
    expect(await client.device('wg0')).toMatchObject({ type: 'kernel', listenPort: 7 });
    expect(await client.devices()).toEqual([{ name: 'wg0', type: 'kernel' }]);
    await expect(client.device('wgnone')).rejects.toMatchObject({ code: 'ENODEV', message: expect.stringMatching(/no WireGuard device/) });
    await client.close();
  });

  it('falls back to wireguard-go on EOPNOTSUPP and remembers it', async () => {
    const kernel = new FakeWireGuardKernel({ moduleLoaded: false });
    const created: string[] = [];
    const us = userspace();
    us.createDevice = async (name: string) => void created.push(name);
    const client = await WireGuardClient.open({ genl: kernel.genl, route: kernel.route, userspace: us });
    expect(client.support()).toMatchObject({ kernelModule: false, kernelReason: expect.stringMatching(/not registered/), newDevices: 'try-kernel' });
    expect(await client.createDevice('wg0')).toBe('userspace');
    expect(await client.createDevice('wg1')).toBe('userspace');
    expect(created).toEqual(['wg0', 'wg1']);
    expect(client.support().newDevices).toBe('userspace');
  });
});
