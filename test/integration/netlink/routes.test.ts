/**
 * Live route tests (IPv4 and IPv6, tables above 255, route types), checked against
 * `ip -j [-6] route show table N`.
 */
import { describe, expect, it } from 'vitest';
import * as route from '../../../agent/src/netlink/families/route/index.js';
import { RTPROT_STATIC, RT_SCOPE_HOST } from '../../../agent/src/netlink/wire/uapi/rtnetlink.js';
import { AF_INET, AF_INET6 } from '../../../agent/src/netlink/wire/uapi/socket.js';
import { useLiveContext } from './netns.js';

type IpRoute = { type?: string; dst: string; gateway?: string; dev?: string; protocol?: string; scope?: string; prefsrc?: string; metric?: number; table?: string };

const ctx = useLiveContext();

/** Renders a route the way `ip -j route` identifies it, for comparing sets. */
function key(r: { dst: string; type?: string; gateway?: string; metric?: number; prefsrc?: string }): string {
  return [r.type ?? 'unicast', r.dst, r.gateway ?? '-', r.metric ?? 0, r.prefsrc ?? '-'].join(' ');
}

function oursKey(r: route.Route): string {
  const dst = r.dst === undefined ? 'default' : r.dstLength === (r.family === AF_INET ? 32 : 128) ? r.dst : `${r.dst}/${r.dstLength}`;
  return key({ dst, type: r.type, gateway: r.gateway, metric: r.metric ?? 0, prefsrc: r.prefsrc });
}

describe('routes', () => {
  const ns = ctx.netns();
  ns.enableIpv6();
  const nl = ctx.connect(ns);
  let oif = 0;

  const oracle = (table: number, v6 = false): string[] =>
    ns
      .json<IpRoute[]>([...(v6 ? ['-6'] : []), 'route', 'show', 'table', String(table)])
      .filter((r) => !r.dst.startsWith('fe80'))
      .map((r) => key({ ...r, metric: r.metric ?? 0 }))
      .sort();

  const ours = async (table: number, family = AF_INET): Promise<string[]> =>
    (await route.listRoutes(nl, { table, family }))
      .filter((r) => !(r.dst ?? '').startsWith('fe80'))
      .map(oursKey)
      .sort();

  it('adds IPv4 routes with gateway, prefsrc and metric into tables ≤ 255 and > 255', async () => {
    await route.createVeth(nl, 'nltrt0', 'nltrt1');
    oif = (await route.getLink(nl, 'nltrt0')).index;
    await route.setLinkUp(nl, oif);
    await route.setLinkUp(nl, 'nltrt1');
    await route.addAddress(nl, { index: oif, address: '198.18.10.1/24' });
    await route.addRoute(nl, { dst: '198.19.0.0/16', gateway: '198.18.10.2', prefsrc: '198.18.10.1', metric: 5, table: 100, oif });
    await route.addRoute(nl, { dst: '198.19.1.0/24', gateway: '198.18.10.2', table: 1000, oif });
    await route.addRoute(nl, { dst: '198.19.2.0/24', oif, table: 1000 });
    expect(oracle(100)).toEqual(['unicast 198.19.0.0/16 198.18.10.2 5 198.18.10.1']);
    expect(await ours(100)).toEqual(oracle(100));
    expect(await ours(1000)).toEqual(oracle(1000));
    expect(oracle(1000)).toHaveLength(2);
  });

  it('filters strictly by table and by interface (NETLINK_GET_STRICT_CHK)', async () => {
    const t1000 = await route.listRoutes(nl, { table: 1000 });
    expect(new Set(t1000.map((r) => r.table))).toEqual(new Set([1000]));
    const byOif = await route.listRoutes(nl, { table: 1000, oif });
    expect(byOif.every((r) => r.oif === oif)).toBe(true);
    const main = await route.listRoutes(nl, { table: 254, family: AF_INET });
    expect(main.map((r) => `${r.dst}/${r.dstLength}`)).toEqual(['198.18.10.0/24']);
  });

  it('reports scope, protocol and type like ip', async () => {
    await route.addRoute(nl, { dst: '198.19.3.0/24', oif, table: 101, protocol: RTPROT_STATIC });
    const [r] = await route.listRoutes(nl, { table: 101 });
    const [ip] = ns.json<IpRoute[]>(['route', 'show', 'table', '101']);
    expect(ip).toMatchObject({ dst: '198.19.3.0/24', dev: 'nltrt0', protocol: 'static', scope: 'link' });
    expect(r).toMatchObject({ dst: '198.19.3.0', dstLength: 24, oif, protocol: RTPROT_STATIC, scope: 253, type: 'unicast', table: 101 });
  });

  it('adds blackhole, unreachable, prohibit and local routes', async () => {
    await route.addRoute(nl, { dst: '198.19.4.0/24', type: 'blackhole', table: 2000 });
    await route.addRoute(nl, { dst: '198.19.5.0/24', type: 'unreachable', table: 2000 });
    await route.addRoute(nl, { dst: '198.19.6.0/24', type: 'prohibit', table: 2000, metric: 9 });
    await route.addRoute(nl, { dst: '198.19.7.7', type: 'local', table: 2000, oif });
    expect(oracle(2000)).toEqual([
      'blackhole 198.19.4.0/24 - 0 -',
      'local 198.19.7.7 - 0 -',
      'prohibit 198.19.6.0/24 - 9 -',
      'unreachable 198.19.5.0/24 - 0 -',
    ]);
    expect(await ours(2000)).toEqual(oracle(2000));
    const local = (await route.listRoutes(nl, { table: 2000 })).find((r) => r.type === 'local');
    expect(local?.scope).toBe(RT_SCOPE_HOST);
  });

  it('replaces a route in place and rejects a duplicate add with EEXIST', async () => {
    await expect(route.addRoute(nl, { dst: '198.19.4.0/24', type: 'blackhole', table: 2000 })).rejects.toMatchObject({ code: 'EEXIST' });
    await route.replaceRoute(nl, { dst: '198.19.4.0/24', type: 'unreachable', table: 2000 });
    expect(oracle(2000)).toContain('unreachable 198.19.4.0/24 - 0 -');
    expect(oracle(2000)).not.toContain('blackhole 198.19.4.0/24 - 0 -');
  });

  it('adds, lists and deletes IPv6 routes', async () => {
    await route.addAddress(nl, { index: oif, address: 'fd00:19::1/64', flags: 0x2 });
    await route.addRoute(nl, { dst: 'fd00:20::/48', gateway: 'fd00:19::2', metric: 1024, table: 3000, oif });
    await route.addRoute(nl, { dst: 'fd00:21::/48', type: 'blackhole', table: 3000 });
    await route.addRoute(nl, { dst: 'default', gateway: 'fd00:19::2', table: 3000, oif });
    expect(oracle(3000, true)).toEqual(['blackhole fd00:21::/48 - 1024 -', 'unicast default fd00:19::2 1024 -', 'unicast fd00:20::/48 fd00:19::2 1024 -']);
    expect(await ours(3000, AF_INET6)).toEqual(oracle(3000, true));
    await route.deleteRoute(nl, { dst: 'fd00:20::/48', table: 3000 });
    await route.deleteRoute(nl, { dst: 'default', family: AF_INET6, table: 3000 });
    expect(oracle(3000, true)).toEqual(['blackhole fd00:21::/48 - 1024 -']);
  });

  it('deletes IPv4 routes; a missing route → ESRCH; a missing table lists as empty', async () => {
    await route.deleteRoute(nl, { dst: '198.19.1.0/24', table: 1000 });
    expect(oracle(1000)).toEqual(['unicast 198.19.2.0/24 - 0 -']);
    await expect(route.deleteRoute(nl, { dst: '198.19.1.0/24', table: 1000 })).rejects.toMatchObject({ code: 'ESRCH' });
    await expect(route.listRoutes(nl, { table: 424242, family: AF_INET })).resolves.toEqual([]);
  });

  it('rejects a gateway that is not reachable with the kernel text', async () => {
    const err = await route.addRoute(nl, { dst: '198.19.9.0/24', gateway: '203.0.113.1', table: 1000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'NetlinkError', code: 'ENETUNREACH' });
    expect((err as Error).message).toMatch(/Nexthop has invalid gateway|Network is unreachable/);
  });
});
