/**
 * Live policy-routing rule tests (IPv4 and IPv6), checked against `ip -j [-6] rule`.
 */
import { describe, expect, it } from 'vitest';
import * as route from '../../../agent/src/netlink/families/route/index.js';
import { AF_INET, AF_INET6 } from '../../../agent/src/netlink/wire/uapi/socket.js';
import { useLiveContext } from './netns.js';

type IpRule = { priority: number; src: string; srclen?: number; dst?: string; dstlen?: number; fwmark?: string; fwmask?: string; iif?: string; oif?: string; table?: string; action?: string; not?: null };

const ctx = useLiveContext();

function ipKey(r: IpRule): string {
  const src = r.src === 'all' ? 'all' : `${r.src}/${r.srclen ?? (r.src.includes(':') ? 128 : 32)}`;
  const dst = r.dst ? `${r.dst}/${r.dstlen}` : '-';
  return [r.priority, 'not' in r ? 'not' : '', src, dst, r.fwmark === undefined ? '-' : `${r.fwmark}${r.fwmask ? `/${r.fwmask}` : ''}`, r.iif ?? '-', r.oif ?? '-', r.table ?? r.action ?? '-'].join(' ');
}

function ourKey(r: route.Rule): string {
  const src = r.src ? `${r.src}/${r.srcLength}` : 'all';
  const dst = r.dst ? `${r.dst}/${r.dstLength}` : '-';
  const fwmark = r.fwmark === undefined ? '-' : `0x${r.fwmark.toString(16)}${r.fwmask !== undefined && r.fwmask !== 0xffffffff ? `/0x${r.fwmask.toString(16)}` : ''}`;
  const table = r.action === 'lookup' ? ({ 255: 'local', 254: 'main', 253: 'default' } as Record<number, string>)[r.table] ?? String(r.table) : r.action;
  return [r.priority, r.invert ? 'not' : '', src, dst, fwmark, r.iifName ?? '-', r.oifName ?? '-', table].join(' ');
}

describe('rules', () => {
  const ns = ctx.netns();
  ns.enableIpv6();
  const nl = ctx.connect(ns);

  const oracle = (v6 = false): string[] => ns.json<IpRule[]>([...(v6 ? ['-6'] : []), 'rule', 'show']).map(ipKey);
  const ours = async (family: number): Promise<string[]> => (await route.listRules(nl, { family })).map(ourKey);

  it('lists the default rules exactly as ip does', async () => {
    expect(await ours(AF_INET)).toEqual(oracle());
    expect(await ours(AF_INET6)).toEqual(oracle(true));
  });

  it('adds IPv4 rules: fwmark/mask, src/dst, iif/oif, not, blackhole/unreachable/prohibit, table > 255', async () => {
    await route.addRule(nl, { priority: 1000, fwmark: 0x42, fwmask: 0xff, table: 1000 });
    await route.addRule(nl, { priority: 1001, src: '198.18.0.0/15', dst: '198.19.5.0/24', table: 100 });
    await route.addRule(nl, { priority: 1002, iifName: 'lo', oifName: 'nltx0', table: 70000 });
    await route.addRule(nl, { priority: 1003, src: '10.0.0.0/8', invert: true, action: 'blackhole' });
    await route.addRule(nl, { priority: 1004, dst: '192.0.2.0/24', action: 'unreachable' });
    await route.addRule(nl, { priority: 1005, fwmark: 7, action: 'prohibit' });
    expect(await ours(AF_INET)).toEqual(oracle());
    expect(oracle()).toHaveLength(3 + 6);
  });

  it('adds IPv6 rules', async () => {
    await route.addRule(nl, { priority: 2000, src: 'fd00:1::/64', table: 1000 });
    await route.addRule(nl, { priority: 2001, family: AF_INET6, fwmark: 0x10, table: 200 });
    expect(await ours(AF_INET6)).toEqual(oracle(true));
    expect(oracle(true)).toHaveLength(2 + 2);
  });

  it('lists both families when no family is given, and no multicast-routing rules', async () => {
    const all = await route.listRules(nl);
    expect(new Set(all.map((r) => r.family))).toEqual(new Set([AF_INET, AF_INET6]));
    expect(all).toHaveLength(oracle().length + oracle(true).length);
  });

  it('rejects an identical rule with EEXIST (NLM_F_EXCL)', async () => {
    await expect(route.addRule(nl, { priority: 1000, fwmark: 0x42, fwmask: 0xff, table: 1000 })).rejects.toMatchObject({ name: 'NetlinkError', code: 'EEXIST' });
  });

  it('deletes rules; deleting a missing rule → ENOENT', async () => {
    await route.deleteRule(nl, { priority: 1000, fwmark: 0x42, fwmask: 0xff, table: 1000 });
    await route.deleteRule(nl, { priority: 1003, src: '10.0.0.0/8', invert: true, action: 'blackhole' });
    await route.deleteRule(nl, { priority: 2000, src: 'fd00:1::/64', table: 1000 });
    expect(oracle().map((k) => k.split(' ')[0])).not.toContain('1000');
    expect(oracle().map((k) => k.split(' ')[0])).not.toContain('1003');
    expect(oracle(true).map((k) => k.split(' ')[0])).not.toContain('2000');
    await expect(route.deleteRule(nl, { priority: 1000, fwmark: 0x42, fwmask: 0xff, table: 1000 })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
