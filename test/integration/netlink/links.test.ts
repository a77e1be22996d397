/**
 * Live link tests in throwaway namespaces, checked against `ip -j [-s] link`.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NetlinkError } from '../../../agent/src/netlink/conn/errors.js';
import * as route from '../../../agent/src/netlink/families/route/index.js';
import { useLiveContext } from './netns.js';

type IpLink = { ifindex: number; ifname: string; mtu: number; flags: string[]; operstate: string; address: string; link_index?: number; master?: string };
type IpLinkStats = IpLink & { stats64: { rx: Record<string, number>; tx: Record<string, number> } };

const ctx = useLiveContext();

describe('links', () => {
  const ns = ctx.netns();
  const nl = ctx.connect(ns);

  it('creates a veth pair that ip sees, with the requested MTU', async () => {
    await route.createVeth(nl, 'nlta0', 'nltb0', { mtu: 1400, peer: { mtu: 1300 } });
    const oracle = ns.json<IpLink[]>(['link', 'show']);
    const a = oracle.find((l) => l.ifname === 'nlta0');
    const b = oracle.find((l) => l.ifname === 'nltb0');
    expect(a?.mtu).toBe(1400);
    expect(b?.mtu).toBe(1300);
    const link = await route.getLink(nl, 'nlta0');
    expect(link).toMatchObject({ index: a?.ifindex, kind: 'veth', mtu: 1400, link: b?.ifindex, address: a?.address, up: false });
  });

  it('lists every link exactly as ip does (index, name, mtu, operstate, address)', async () => {
    const ours = await route.listLinks(nl);
    const oracle = ns.json<IpLink[]>(['link', 'show']);
    expect(ours.map((l) => [l.index, l.name, l.mtu, l.operState.toUpperCase(), l.address])).toEqual(
      oracle.map((l) => [l.ifindex, l.ifname, l.mtu, l.operstate, l.address]),
    );
  });

  it('sets links up and down', async () => {
    await route.setLinkUp(nl, 'nlta0');
    await route.setLinkUp(nl, 'nltb0');
    expect(ns.json<IpLink[]>(['link', 'show', 'dev', 'nlta0'])[0]?.flags).toContain('UP');
    expect((await route.getLink(nl, 'nlta0')).up).toBe(true);
    await route.setLinkDown(nl, 'nlta0');
    expect(ns.json<IpLink[]>(['link', 'show', 'dev', 'nlta0'])[0]?.flags).not.toContain('UP');
    expect((await route.getLink(nl, 'nlta0')).up).toBe(false);
  });

  it('sets the MTU by name and by index', async () => {
    await route.setLinkMtu(nl, 'nlta0', 1280);
    expect(ns.json<IpLink[]>(['link', 'show', 'dev', 'nlta0'])[0]?.mtu).toBe(1280);
    const { index } = await route.getLink(nl, 'nltb0');
    await route.setLinkMtu(nl, index, 9000);
    expect(ns.json<IpLink[]>(['link', 'show', 'dev', 'nltb0'])[0]?.mtu).toBe(9000);
  });

  it('creates an ifb device', async () => {
    await route.createIfb(nl, 'nltifb0', { up: true });
    expect(ns.json<IpLink[]>(['link', 'show', 'dev', 'nltifb0'])[0]?.flags).toContain('UP');
    expect((await route.getLink(nl, 'nltifb0')).kind).toBe('ifb');
  });

  it('deletes links (both veth ends go)', async () => {
    await route.deleteLink(nl, 'nltifb0');
    await route.deleteLink(nl, 'nlta0');
    const names = ns.json<IpLink[]>(['link', 'show']).map((l) => l.ifname);
    expect(names).not.toContain('nltifb0');
    expect(names).not.toContain('nlta0');
    expect(names).not.toContain('nltb0');
  });
});

describe('link errors are typed NetlinkErrors with the kernel text', () => {
  const ns = ctx.netns();
  const nl = ctx.connect(ns);

  it('unknown interface → ENODEV', async () => {
    const err = await route.getLink(nl, 'nosuch0').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: 'ENODEV', errno: 19, op: 'RTM_GETLINK', message: 'No such device' });
    await expect(route.deleteLink(nl, 'nosuch0')).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(route.setLinkUp(nl, 987654)).rejects.toMatchObject({ code: 'ENODEV' });
  });

  it('duplicate name → EEXIST', async () => {
    await route.createIfb(nl, 'nltdup0');
    await expect(route.createIfb(nl, 'nltdup0')).rejects.toMatchObject({ name: 'NetlinkError', code: 'EEXIST', message: 'File exists' });
  });

  it('MTU below the device minimum → EINVAL "mtu less than device minimum"', async () => {
    await route.createVeth(nl, 'nltm0', 'nltm1'); // ethernet-like: min_mtu 68 (an ifb has none)
    await expect(route.setLinkMtu(nl, 'nltm0', 50)).rejects.toMatchObject({ code: 'EINVAL', message: 'mtu less than device minimum' });
  });

  it('link kind "wireguard" on a kernel without the module → EOPNOTSUPP "Unknown device type"', async () => {
    const err = await route.createWireguard(nl, 'nltwg0').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: 'EOPNOTSUPP', errno: 95, message: 'Unknown device type', op: 'RTM_NEWLINK' });
    expect(ns.json<IpLink[]>(['link', 'show']).map((l) => l.ifname)).not.toContain('nltwg0');
  });
});

describe('IFLA_STATS64 after real traffic', () => {
  const left = ctx.netns();
  const right = ctx.netns();
  const nlLeft = ctx.connect(left);
  const nlRight = ctx.connect(right);

  it('matches ip -s -j link byte and packet counters after ping between two namespaces', async () => {
    const fd = openSync(right.path, 'r');
    try {
      // The peer is created directly in the other namespace (IFLA_NET_NS_FD in VETH_INFO_PEER).
      await route.createVeth(nlLeft, 'nltl0', 'nltr0', { peer: { netns: { fd } } });
    } finally {
      closeSync(fd);
    }
    const l = await route.getLink(nlLeft, 'nltl0');
    const r = await route.getLink(nlRight, 'nltr0');
    await route.addAddress(nlLeft, { index: l.index, address: '198.18.7.1/30' });
    await route.addAddress(nlRight, { index: r.index, address: '198.18.7.2/30' });
    await route.setLinkUp(nlLeft, l.index);
    await route.setLinkUp(nlRight, r.index);
    execFileSync('ip', ['netns', 'exec', left.name, 'ping', '-c', '20', '-i', '0.01', '-s', '1000', '-W', '1', '198.18.7.2'], { stdio: 'ignore' });
    await new Promise((res) => setTimeout(res, 100));

    const ours = (await route.listLinks(nlLeft)).find((x) => x.name === 'nltl0')!;
    const oracle = left.json<IpLinkStats[]>(['-s', 'link', 'show', 'dev', 'nltl0'])[0]!;
    expect(ours.stats?.txPackets).toBeGreaterThanOrEqual(20n);
    expect(ours.stats?.txBytes).toBeGreaterThan(20n * 1000n);
    expect({
      rxBytes: Number(ours.stats?.rxBytes),
      rxPackets: Number(ours.stats?.rxPackets),
      txBytes: Number(ours.stats?.txBytes),
      txPackets: Number(ours.stats?.txPackets),
      rxErrors: Number(ours.stats?.rxErrors),
      txDropped: Number(ours.stats?.txDropped),
      multicast: Number(ours.stats?.multicast),
    }).toEqual({
      rxBytes: oracle.stats64.rx.bytes,
      rxPackets: oracle.stats64.rx.packets,
      txBytes: oracle.stats64.tx.bytes,
      txPackets: oracle.stats64.tx.packets,
      rxErrors: oracle.stats64.rx.errors,
      txDropped: oracle.stats64.tx.dropped,
      multicast: oracle.stats64.rx.multicast,
    });
    // the other end saw the mirror image
    const peer = await route.getLink(nlRight, 'nltr0');
    expect(peer.stats?.rxPackets).toBe(ours.stats?.txPackets);
  });
});
