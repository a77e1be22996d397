/**
 * Two wireguard-go devices in two namespaces, configured only through UserspaceBackend, hand-shake
 * and carry ping; the backend's view then matches `wg show <if> dump` (the oracle).
 * Tunnel addresses and link state go through the route family (netlink), not `ip`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetlinkConnection } from '../../../agent/src/netlink/conn/index.js';
import { addAddress } from '../../../agent/src/netlink/families/route/addresses.js';
import { getLink, setLinkUp } from '../../../agent/src/netlink/families/route/links.js';
import { loadLibc } from '../../../agent/src/netlink/ffi/index.js';
import { NETLINK_ROUTE } from '../../../agent/src/netlink/wire/uapi/netlink.js';
import { generateKeyPair, generatePresharedKey } from '../../../agent/src/wireguard/keys.js';
import type { Device } from '../../../agent/src/wireguard/types.js';
import { UserspaceBackend } from '../../../agent/src/wireguard/userspace.js';
import { UapiClient } from '../../../agent/src/wireguard/uapi.js';
import { parseSetReply } from '../../../agent/src/wireguard/uapi-codec.js';
import { WireGuardError } from '../../../agent/src/wireguard/errors.js';
import { deviceAsDump, parseWgDump, sortDump } from '../../support/wireguard/wg-dump.js';
import { NetnsLab, nsPids, run } from './netns.js';

const lab = new NetnsLab();
const libc = loadLibc();
const UNDERLAY_A = '198.18.250.1';
const UNDERLAY_B = '198.18.250.2';
const TUNNEL_A = '10.250.0.1';
const TUNNEL_B = '10.250.0.2';

let nsA = '';
let nsB = '';
let ifA = '';
let ifB = '';
let backendA: UserspaceBackend;
let backendB: UserspaceBackend;
const keysA = generateKeyPair();
const keysB = generateKeyPair();
const psk = generatePresharedKey();

/** upWithAddress gives a tun device its tunnel address and sets it up, over rtnetlink. */
async function upWithAddress(ns: string, ifname: string, cidr: string): Promise<void> {
  const nl = NetlinkConnection.open(libc, NETLINK_ROUTE, { netns: ns });
  try {
    const link = await getLink(nl, ifname);
    await addAddress(nl, { index: link.index, address: cidr });
    await setLinkUp(nl, link.index);
  } finally {
    nl.close();
  }
}

/** oracle reads the device with wg(8) in its namespace. */
async function oracle(ns: string, ifname: string): Promise<ReturnType<typeof parseWgDump>> {
  return sortDump(parseWgDump(await run(['ip', 'netns', 'exec', ns, 'wg', 'show', ifname, 'dump'])));
}

/**
 * sameAsOracle reads both views until they agree: a keepalive or handshake retry may land
 * between the two reads and move a counter, so a few attempts are allowed.
 */
async function expectSameAsOracle(backend: UserspaceBackend, ns: string, ifname: string): Promise<Device> {
  let ours: Device | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    ours = await backend.device(ifname);
    const theirs = await oracle(ns, ifname);
    if (JSON.stringify(deviceAsDump(ours), bigints) === JSON.stringify(theirs, bigints)) return ours;
  }
  expect(deviceAsDump(ours as Device)).toEqual(await oracle(ns, ifname));
  return ours as Device;
}
const bigints = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

beforeAll(async () => {
  nsA = await lab.ns('a');
  nsB = await lab.ns('b');
  ifA = lab.ifname('a');
  ifB = lab.ifname('b');
  await lab.veth(nsA, `${UNDERLAY_A}/24`, nsB, `${UNDERLAY_B}/24`);
  backendA = new UserspaceBackend({ daemon: { commandPrefix: ['ip', 'netns', 'exec', nsA] } });
  backendB = new UserspaceBackend({ daemon: { commandPrefix: ['ip', 'netns', 'exec', nsB] } });
  await backendA.createDevice(ifA);
  await backendB.createDevice(ifB);
});

afterAll(async () => {
  try {
    await backendA?.close();
    await backendB?.close();
  } finally {
    await lab.cleanup();
  }
});

describe('userspace tunnel between two namespaces', () => {
  it('starts one wireguard-go per namespace, reported as userspace devices', async () => {
    expect(backendA.supervisor(ifA)?.pid).toBeGreaterThan(0);
    expect(await nsPids(nsA)).toContain(backendA.supervisor(ifA)?.pid);
    expect(await backendA.devices()).toEqual(expect.arrayContaining([ifA, ifB]));
    const fresh = await backendA.device(ifA);
    expect(fresh).toMatchObject({ name: ifA, type: 'userspace', firewallMark: 0, peers: [] });
    expect(fresh.privateKey).toBeUndefined();
  });

  it('configures both ends only through the backend', async () => {
    await backendA.configureDevice(ifA, {
      privateKey: keysA.privateKey,
      listenPort: 51820,
      firewallMark: 0x42,
      replacePeers: true,
      peers: [
        {
          publicKey: keysB.publicKey,
          presharedKey: psk,
          endpoint: { address: UNDERLAY_B, port: 51821 },
          persistentKeepaliveInterval: 25,
          replaceAllowedIPs: true,
          allowedIPs: [`${TUNNEL_B}/32`, 'fd77::2/128'],
        },
      ],
    });
    await backendB.configureDevice(ifB, {
      privateKey: keysB.privateKey,
      listenPort: 51821,
      replacePeers: true,
      peers: [
        {
          publicKey: keysA.publicKey,
          presharedKey: psk,
          endpoint: { address: UNDERLAY_A, port: 51820 },
          persistentKeepaliveInterval: 25,
          replaceAllowedIPs: true,
          allowedIPs: [`${TUNNEL_A}/32`],
        },
      ],
    });
    const a = await backendA.device(ifA);
    expect(a.publicKey?.equals(keysA.publicKey)).toBe(true);
    expect(a.listenPort).toBe(51820);
    expect(a.firewallMark).toBe(0x42);
    expect(a.peers).toHaveLength(1);
    expect(a.peers[0]).toMatchObject({
      endpoint: { address: UNDERLAY_B, port: 51821 },
      persistentKeepaliveInterval: 25,
      allowedIPs: [`${TUNNEL_B}/32`, 'fd77::2/128'],
    });
    // No assertion on lastHandshakeTime here: with a persistent keepalive, wireguard-go may
    // hand-shake as soon as both ends are configured, before the tun links are up.
    expect(a.peers[0]?.presharedKey?.equals(psk)).toBe(true);
  });

  it('hand-shakes and carries `ping -c 3` through the tunnel', async () => {
    await upWithAddress(nsA, ifA, `${TUNNEL_A}/24`);
    await upWithAddress(nsB, ifB, `${TUNNEL_B}/24`);
    const out = await run(['ip', 'netns', 'exec', nsA, 'ping', '-c', '3', '-i', '0.2', '-W', '10', TUNNEL_B], 60_000);
    expect(out).toMatch(/3 packets transmitted, 3 received/);
  });

  it('then reports traffic and a handshake on both ends, as `wg show dump` does', async () => {
    for (const [backend, ns, ifname] of [[backendA, nsA, ifA], [backendB, nsB, ifB]] as const) {
      const d = await expectSameAsOracle(backend, ns, ifname);
      const [peer] = d.peers;
      expect(peer?.receiveBytes).toBeGreaterThan(0n);
      expect(peer?.transmitBytes).toBeGreaterThan(0n);
      expect(peer?.lastHandshakeTime).toBeInstanceOf(Date);
      expect(Math.abs((peer?.lastHandshakeTime?.getTime() ?? 0) - Date.now())).toBeLessThan(120_000);
      expect(peer?.protocolVersion).toBe(1);
    }
  });

  it('applies partial updates: endpoint, keepalive, remove a peer', async () => {
    const extra = generateKeyPair().publicKey;
    await backendA.configureDevice(ifA, { peers: [{ publicKey: extra, allowedIPs: ['10.250.9.0/24'] }] });
    await backendA.configureDevice(ifA, { peers: [{ publicKey: keysB.publicKey, persistentKeepaliveInterval: 0 }] });
    let d = await backendA.device(ifA);
    expect(d.peers.map((p) => p.publicKey.toBase64()).sort()).toEqual([extra.toBase64(), keysB.publicKey.toBase64()].sort());
    expect(d.peers.find((p) => p.publicKey.equals(keysB.publicKey))?.persistentKeepaliveInterval).toBe(0);
    await backendA.configureDevice(ifA, { peers: [{ publicKey: extra, remove: true }] });
    await backendA.configureDevice(ifA, { peers: [{ publicKey: generateKeyPair().publicKey, updateOnly: true }] });
    d = await backendA.device(ifA);
    expect(d.peers.map((p) => p.publicKey.toBase64())).toEqual([keysB.publicKey.toBase64()]);
  });

  it('shows wireguard-go refusing a bad line with errno=-22 after applying the lines before it', async () => {
    const uapi = new UapiClient();
    const reply = await uapi.exchange(ifB, 'set=1\nlisten_port=51829\nprivate_key=zz\n\n', 'configure');
    expect(parseSetReply(reply)).toBe(-22);
    expect((await backendB.device(ifB)).listenPort).toBe(51829);
    await backendB.configureDevice(ifB, { listenPort: 51821 });
  });

  it('reports a device without a socket as WireGuardError ENOENT', async () => {
    const err = await backendB.device('wgtnosuchdev').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WireGuardError);
    expect(err).toMatchObject({ op: 'device', code: 'ENOENT', errno: 2, device: 'wgtnosuchdev' });
  });
});
