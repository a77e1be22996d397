/**
 * The built agent (`wgpilot-agent stdio`, its own Node runtime) managing the guest as a host
 * with the WireGuard module, through its API — what test/integration/domain/ proves on
 * wireguard-go: a network's kernel device (type reported as kernel; key, port, MTU, address,
 * link up), peers with PSK, keepalive and v4/v6 endpoints, an endpoint changed by
 * peers.update (issue 12), a site gateway's allowed IPs replaced, disable/enable, a listen
 * port change, bulk creates past the 32 KiB SET_DEVICE fragment, and a client in another
 * namespace configured from the generated .conf that hand-shakes and pings through it.
 * Oracles: `wg show <if> dump`, `ip -d link`, `ip route`.
 */
import { afterAll, expect, it } from 'vitest';
import { parseWgDump, type DumpDevice } from '../support/wireguard/wg-dump.js';
import { kernelSuite } from './harness/suite.js';

const CLIENT_NS = 'ka-client';

kernelSuite('WireGuard networks through the agent', (k) => {
  const dump = async (iface: string, ns?: string): Promise<DumpDevice> => parseWgDump((await k.exec([...(ns ? ['ip', 'netns', 'exec', ns] : []), 'wg', 'show', iface, 'dump'])).stdout);
  const peerOf = async (iface: string, publicKey: string) => (await dump(iface)).peers.find((p) => p.publicKey === publicKey);
  let networkId = 0;
  let iface = '';

  afterAll(async () => {
    await k.sh(`ip netns del ${CLIENT_NS} 2>/dev/null || true`).catch(() => undefined);
    for (const n of await k.agent.networks.list.query().catch(() => [])) await k.agent.networks.delete.mutate({ id: n.id }).catch(() => undefined);
  });

  it('creates a network as a kernel WireGuard device and reports its type as kernel', async () => {
    const { network, kernel } = await k.agent.networks.create.mutate({ name: 'ka-hub', mode: 'hub-routed', subnet4: '10.71.0.0/24', subnet6: 'fd71::/64', listenPort: 51871, endpointHost: '198.18.71.1' });
    expect(kernel.applied).toBe(true);
    networkId = network.id;
    iface = network.interface;
    const link = await k.sh(`ip -d link show ${iface}`);
    expect(link).toMatch(/\n\s+wireguard /);
    expect(link).toMatch(/<POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 /);
    expect(await k.sh(`ip -br addr show ${iface}`)).toMatch(/10\.71\.0\.1\/24 .*fd71::1\/64/);
    const d = await dump(iface);
    expect(d).toMatchObject({ publicKey: network.publicKey, listenPort: 51871, fwmark: 0, peers: [] });
    const status = await k.agent.networks.status.query({ id: networkId });
    expect(status).toMatchObject({ kernelModule: true, newDevices: 'kernel' });
    expect(status.networks[0]).toMatchObject({ exists: true, up: true, deviceType: 'kernel', mtu: { matches: true }, listenPort: { actual: 51871, matches: true } });
  });

  it('adds peers with PSK, keepalive and v4/v6 endpoints, as the device shows them', async () => {
    const a = (await k.agent.peers.create.mutate({ networkId, name: 'a', presharedKey: true, persistentKeepalive: 25, endpoint: '198.18.71.10:51000' })).peer;
    const b = (await k.agent.peers.create.mutate({ networkId, name: 'b', endpoint: '[fd00:71::10]:51001' })).peer;
    const pa = await peerOf(iface, a.publicKey);
    const pb = await peerOf(iface, b.publicKey);
    const psk = /PresharedKey = (\S+)/.exec((await k.agent.peers.config.query({ id: a.id })).text)?.[1];
    expect(pa).toMatchObject({ presharedKey: psk, endpoint: '198.18.71.10:51000', persistentKeepalive: 25, allowedIPs: [`${a.address4}/32`, `${a.address6}/128`] });
    expect(pb).toMatchObject({ presharedKey: null, endpoint: '[fd00:71::10]:51001', persistentKeepalive: 0, allowedIPs: [`${b.address4}/32`, `${b.address6}/128`] });
    const [sa] = (await k.agent.peers.status.query({ networkId })).filter((s) => s.peerId === a.id);
    expect(sa).toMatchObject({ inDevice: true, keepalive: { configured: 25, device: 25, matches: true } });
  });

  it('pushes an endpoint changed by peers.update to the device (v4 → v4, v4 → v6)', async () => {
    const a = (await k.agent.peers.list.query({ networkId })).find((p) => p.name === 'a')!;
    const r = await k.agent.peers.update.mutate({ id: a.id, patch: { endpoint: '198.18.71.11:51002' } });
    expect(r.kernel.applied).toBe(true);
    expect((await peerOf(iface, a.publicKey))?.endpoint).toBe('198.18.71.11:51002');
    await k.agent.peers.update.mutate({ id: a.id, patch: { endpoint: '[fd00:71::11]:51003' } });
    expect((await peerOf(iface, a.publicKey))?.endpoint).toBe('[fd00:71::11]:51003');
  });

  it('removes a disabled peer from the device and puts it back when enabled; keepalive updates', async () => {
    const b = (await k.agent.peers.list.query({ networkId })).find((p) => p.name === 'b')!;
    await k.agent.peers.disable.mutate({ id: b.id });
    expect(await peerOf(iface, b.publicKey)).toBeUndefined();
    await k.agent.peers.enable.mutate({ id: b.id });
    await k.agent.peers.update.mutate({ id: b.id, patch: { persistentKeepalive: 15 } });
    expect(await peerOf(iface, b.publicKey)).toMatchObject({ endpoint: '[fd00:71::10]:51001', persistentKeepalive: 15 });
  });

  it('moves the device to a new listen port', async () => {
    await k.agent.networks.update.mutate({ id: networkId, patch: { listenPort: 51872 } });
    expect((await dump(iface)).listenPort).toBe(51872);
    expect(await k.sh('ss -Huln')).toMatch(/:51872\b/);
  });

  it('replaces a site gateway’s allowed IPs and routes when its site networks change', async () => {
    const { network } = await k.agent.networks.create.mutate({ name: 'ka-sites', mode: 'site-to-site', subnet4: '10.72.0.0/24', listenPort: 51873 });
    const gw = (await k.agent.peers.create.mutate({ networkId: network.id, name: 'branch', role: 'site-gateway', siteNetworks: ['192.168.72.0/24', '192.168.73.0/24'] })).peer;
    expect((await peerOf(network.interface, gw.publicKey))?.allowedIPs.sort()).toEqual([`${gw.address4}/32`, '192.168.72.0/24', '192.168.73.0/24'].sort());
    await k.agent.peers.update.mutate({ id: gw.id, patch: { siteNetworks: ['192.168.74.0/24'] } });
    expect((await peerOf(network.interface, gw.publicKey))?.allowedIPs.sort()).toEqual([`${gw.address4}/32`, '192.168.74.0/24'].sort());
    const routes = await k.sh(`ip route show dev ${network.interface} proto 119`);
    expect(routes).toMatch(/^192\.168\.74\.0\/24 /m);
    expect(routes).not.toMatch(/192\.168\.7[23]\.0/);
    await k.agent.networks.delete.mutate({ id: network.id });
    expect(await k.sh(`ip link show ${network.interface} 2>&1 || true`)).toMatch(/does not exist/);
  });

  it('creates 300 peers in one call: one device write past the 32 KiB fragment', async () => {
    // Dual-stack: a /32 and a /128 per peer put 300 peers well past one 32 KiB message.
    const { network } = await k.agent.networks.create.mutate({ name: 'ka-bulk', mode: 'hub-routed', subnet4: '10.73.0.0/22', subnet6: 'fd73::/64', listenPort: 51874 });
    const started = Date.now();
    const r = await k.agent.peers.createMany.mutate({ networkId: network.id, peers: Array.from({ length: 300 }, (_, i) => ({ name: `bulk-${i}`, persistentKeepalive: i % 2 ? 25 : 0 })) });
    k.note(`createMany 300: ${Date.now() - started} ms`);
    expect(r.kernel.applied).toBe(true);
    const d = await dump(network.interface);
    expect(d.peers).toHaveLength(300);
    const byKey = new Map(d.peers.map((p) => [p.publicKey, p]));
    for (const p of r.peers) expect(byKey.get(p.publicKey)).toMatchObject({ allowedIPs: [`${p.address4}/32`, `${p.address6}/128`], persistentKeepalive: p.persistentKeepalive });
    await k.agent.networks.delete.mutate({ id: network.id });
  });

  it('lets a client configured from the generated .conf hand-shake and ping through the kernel device', async () => {
    const client = (await k.agent.peers.create.mutate({ networkId, name: 'client', presharedKey: true, persistentKeepalive: 5 })).peer;
    const conf = (await k.agent.peers.config.query({ id: client.id })).text;
    // The client: a namespace with a veth to the host (the guest's root namespace) and a kernel
    // WireGuard device set up from the .conf as wg-quick would (wg setconf + ip for the rest).
    const setconf = conf.split('\n').filter((l) => !/^\s*(Address|DNS|MTU)\s*=/i.test(l)).join('\n');
    const address = /^Address = (.*)$/m.exec(conf)?.[1]?.split(',').map((s) => s.trim()) ?? [];
    await k.sh(
      [
        `ip netns add ${CLIENT_NS}`,
        `ip -n ${CLIENT_NS} link set lo up`,
        `ip link add kah type veth peer name kac netns ${CLIENT_NS}`,
        'ip addr add 198.18.71.1/24 dev kah && ip link set kah up',
        `ip -n ${CLIENT_NS} addr add 198.18.71.2/24 dev kac && ip -n ${CLIENT_NS} link set kac up`,
        `ip -n ${CLIENT_NS} link add wgc type wireguard`,
        `cat > /tmp/ka-client.conf <<'EOF'\n${setconf}\nEOF`,
        `ip netns exec ${CLIENT_NS} wg setconf wgc /tmp/ka-client.conf`,
        ...address.map((a) => `ip -n ${CLIENT_NS} addr add ${a} dev wgc`),
        `ip -n ${CLIENT_NS} link set wgc up`,
        `ip -n ${CLIENT_NS} route replace 10.71.0.0/24 dev wgc`,
      ].join('\n'),
    );
    expect(await pingFromClient('10.71.0.1')).toBe(true);
    const st = (await k.agent.peers.status.query({ networkId })).find((s) => s.peerId === client.id);
    expect(st).toMatchObject({ inDevice: true, online: true, endpoint: expect.stringMatching(/^198\.18\.71\.2:\d+$/) });
    expect(st?.rxBytes).toBeGreaterThan(0);
    expect(st?.txBytes).toBeGreaterThan(0);
    const clientSide = (await dump('wgc', CLIENT_NS)).peers[0];
    expect(clientSide?.latestHandshake).toBeGreaterThan(0);
    expect((await k.agent.networks.status.query({ id: networkId })).networks[0]?.peers.online).toBe(1);
  });

  it('deletes the network: the kernel device goes, and its name is free again', async () => {
    await k.agent.networks.delete.mutate({ id: networkId });
    expect(await k.sh(`ip link show ${iface} 2>&1 || true`)).toMatch(/does not exist/);
    const again = await k.agent.networks.create.mutate({ name: 'ka-again', mode: 'hub-routed', subnet4: '10.74.0.0/24', interface: iface, listenPort: 51875 });
    expect(again.network.interface).toBe(iface);
    await k.agent.networks.delete.mutate({ id: again.network.id });
  });

  /** A few single pings: the first one also carries the handshake (busybox-free: iputils ping). */
  async function pingFromClient(to: string): Promise<boolean> {
    for (let i = 0; i < 5; i++) {
      const r = await k.exec(['ip', 'netns', 'exec', CLIENT_NS, 'ping', '-c', '1', '-W', '3', to], { check: false });
      if (r.code === 0) return true;
    }
    return false;
  }
});
