/**
 * Backend selection on this host's kernel, whichever it is (hostWireGuardModule() reads it
 * from the kernel's files): without the module the genl family does not resolve, RTM_NEWLINK
 * kind "wireguard" answers EOPNOTSUPP, and new devices land on wireguard-go; with it the family
 * resolves (loaded on demand) and new devices are kernel ones. The kernel tier
 * (test/kernel/) runs the module side on stock Debian kernels.
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
import { hostWireGuardModule } from '../../support/wireguard/module.js';
import { NetnsLab } from './netns.js';

const lab = new NetnsLab();
const hasModule = hostWireGuardModule();
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

describe(`backend selection on this kernel (${hasModule ? 'with' : 'without'} the WireGuard module)`, () => {
  it('resolves other genl families, and "wireguard" exactly when the kernel has the module', async () => {
    const nlctrl = await resolveFamily(genl, 'nlctrl');
    expect(nlctrl).toMatchObject({ available: true, family: { id: 16, name: 'nlctrl' } });
    if (hasModule) {
      // Resolving the family loads the module on demand (genl's request_module).
      expect(await resolveFamily(genl, 'wireguard')).toMatchObject({ available: true, family: { name: 'wireguard' } });
      await expect(KernelBackend.open({ genl, route })).resolves.toBeInstanceOf(KernelBackend);
    } else {
      expect(await resolveFamily(genl, 'wireguard')).toMatchObject({ available: false, errno: 2 });
      await expect(KernelBackend.open({ genl, route })).rejects.toMatchObject({ name: 'WireGuardError', code: 'ENOENT', op: 'probe' });
    }
  });

  it('reports the kernel module as it is', () => {
    if (hasModule) expect(client.support()).toEqual({ kernelModule: true, newDevices: 'kernel' });
    else expect(client.support()).toMatchObject({ kernelModule: false, kernelReason: expect.stringMatching(/not registered/), newDevices: 'try-kernel' });
  });

  it(`creates a device with ${hasModule ? 'the module (RTM_NEWLINK kind wireguard)' : 'wireguard-go after RTM_NEWLINK kind wireguard says EOPNOTSUPP'}`, async () => {
    const name = lab.ifname('s');
    const type = hasModule ? 'kernel' : 'userspace';
    expect(await client.createDevice(name)).toBe(type);
    expect(client.support().newDevices).toBe(type);
    const link = await getLink(route, name);
    expect(link.kind).toBe(hasModule ? 'wireguard' : 'tun');
    await client.configureDevice(name, { privateKey: generateKeyPair().privateKey, listenPort: 51960 });
    const d = await client.device(name);
    expect(d).toMatchObject({ name, type, listenPort: 51960 });
    expect(await client.typeOf(name)).toBe(type);
    expect(await client.devices()).toContainEqual({ name, type });
    await client.deleteDevice(name);
    await expect(client.device(name)).rejects.toMatchObject({ code: 'ENODEV' });
  });
});
