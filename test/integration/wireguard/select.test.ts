/**
 * Backend selection on this kernel (no WireGuard module): the genl family does not resolve,
 * RTM_NEWLINK kind "wireguard" answers EOPNOTSUPP, and new devices land on wireguard-go.
 * The agent-side netlink sockets are opened inside the test namespace (setns), the daemon is
 * started there with `ip netns exec`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetlinkConnection } from '../../../agent/src/netlink/conn/index.js';
import { resolveFamily } from '../../../agent/src/netlink/families/genl/controller.js';
import { getLink } from '../../../agent/src/netlink/families/route/links.js';
import { loadLibc } from '../../../agent/src/netlink/ffi/index.js';
import { NETLINK_GENERIC, NETLINK_ROUTE } from '../../../agent/src/netlink/wire/uapi/netlink.js';
import { KernelBackend } from '../../../agent/src/wireguard/kernel.js';
import { generateKeyPair } from '../../../agent/src/wireguard/keys.js';
import { WireGuardClient } from '../../../agent/src/wireguard/select.js';
import { UserspaceBackend } from '../../../agent/src/wireguard/userspace.js';
import { NetnsLab } from './netns.js';

const lab = new NetnsLab();
const libc = loadLibc();
let ns = '';
let route: NetlinkConnection;
let genl: NetlinkConnection;
let client: WireGuardClient;

beforeAll(async () => {
  ns = await lab.ns('sel');
  route = NetlinkConnection.open(libc, NETLINK_ROUTE, { netns: ns });
  genl = NetlinkConnection.open(libc, NETLINK_GENERIC, { netns: ns });
  const userspace = new UserspaceBackend({ daemon: { commandPrefix: ['ip', 'netns', 'exec', ns] } });
  client = await WireGuardClient.open({ route, genl, userspace });
});

afterAll(async () => {
  try {
    await client?.close();
    route?.close();
    genl?.close();
  } finally {
    await lab.cleanup();
  }
});

describe('backend selection without a WireGuard kernel module', () => {
  it('resolves other genl families but reports "wireguard" as not available (ENOENT)', async () => {
    const nlctrl = await resolveFamily(genl, 'nlctrl');
    expect(nlctrl).toMatchObject({ available: true, family: { id: 16, name: 'nlctrl' } });
    expect(await resolveFamily(genl, 'wireguard')).toMatchObject({ available: false, errno: 2 });
    await expect(KernelBackend.open({ genl, route })).rejects.toMatchObject({ name: 'WireGuardError', code: 'ENOENT', op: 'probe' });
  });

  it('reports the kernel module as missing', () => {
    expect(client.support()).toMatchObject({ kernelModule: false, kernelReason: expect.stringMatching(/not registered/), newDevices: 'try-kernel' });
  });

  it('creates a device with wireguard-go after RTM_NEWLINK kind wireguard says EOPNOTSUPP', async () => {
    const name = lab.ifname('s');
    expect(await client.createDevice(name)).toBe('userspace');
    expect(client.support().newDevices).toBe('userspace');
    const link = await getLink(route, name);
    expect(link.kind).toBe('tun');
    await client.configureDevice(name, { privateKey: generateKeyPair().privateKey, listenPort: 51960 });
    const d = await client.device(name);
    expect(d).toMatchObject({ name, type: 'userspace', listenPort: 51960 });
    expect(await client.typeOf(name)).toBe('userspace');
    expect(await client.devices()).toContainEqual({ name, type: 'userspace' });
    await client.deleteDevice(name);
    await expect(client.device(name)).rejects.toMatchObject({ code: 'ENODEV' });
  });
});
