/**
 * Live address tests (IPv4 and IPv6), checked against `ip -j addr`.
 */
import { describe, expect, it } from 'vitest';
import * as route from '../../../agent/src/netlink/families/route/index.js';
import { IFA_F_NODAD } from '../../../agent/src/netlink/wire/uapi/if_addr.js';
import { AF_INET, AF_INET6 } from '../../../agent/src/netlink/wire/uapi/socket.js';
import { useLiveContext } from './netns.js';

type IpAddr = { ifindex: number; ifname: string; addr_info: { family: string; local: string; prefixlen: number; scope: string; label?: string; address?: string }[] };

const ctx = useLiveContext();

describe('addresses', () => {
  const ns = ctx.netns();
  ns.enableIpv6();
  const nl = ctx.connect(ns);
  let index = 0;

  const oracle = (): string[] =>
    ns
      .json<IpAddr[]>(['addr', 'show', 'dev', 'nltad0'])
      .flatMap((l) => l.addr_info)
      .filter((a) => a.scope !== 'link')
      .map((a) => `${a.local}/${a.prefixlen}${a.address ? ` peer ${a.address}` : ''}`)
      .sort();

  const ours = async (filter: route.AddressFilter = {}): Promise<string[]> =>
    (await route.listAddresses(nl, { index, ...filter }))
      .filter((a) => a.scope !== 253)
      .map((a) => `${a.address}/${a.prefixLength}${a.peer ? ` peer ${a.peer}` : ''}`)
      .sort();

  it('adds IPv4 and IPv6 addresses that ip lists', async () => {
    await route.createVeth(nl, 'nltad0', 'nltad1');
    index = (await route.getLink(nl, 'nltad0')).index;
    await route.addAddress(nl, { index, address: '198.18.1.1/24' });
    await route.addAddress(nl, { index, address: '198.18.2.1', prefixLength: 32, peer: '198.18.2.2' });
    await route.addAddress(nl, { index, address: 'fd00:18::1/64', flags: IFA_F_NODAD });
    expect(oracle()).toEqual(['198.18.1.1/24', '198.18.2.1/32 peer 198.18.2.2', 'fd00:18::1/64']);
    expect(await ours()).toEqual(oracle());
  });

  it('filters by family and interface in the kernel', async () => {
    expect(await ours({ family: AF_INET })).toEqual(['198.18.1.1/24', '198.18.2.1/32 peer 198.18.2.2']);
    expect(await ours({ family: AF_INET6 })).toEqual(['fd00:18::1/64']);
    const other = (await route.getLink(nl, 'nltad1')).index;
    expect((await route.listAddresses(nl, { index: other })).every((a) => a.index === other)).toBe(true);
  });

  it('reports labels, scope and flags as ip does', async () => {
    const v4 = (await route.listAddresses(nl, { index, family: AF_INET })).find((a) => a.address === '198.18.1.1');
    const ip = ns.json<IpAddr[]>(['addr', 'show', 'dev', 'nltad0'])[0]!.addr_info.find((a) => a.local === '198.18.1.1');
    expect(v4).toMatchObject({ label: ip?.label, scope: 0 });
    const v6 = (await route.listAddresses(nl, { index, family: AF_INET6 })).find((a) => a.address === 'fd00:18::1');
    expect(v6!.flags & IFA_F_NODAD).toBe(IFA_F_NODAD);
  });

  it('rejects a duplicate with EEXIST and the kernel text', async () => {
    await expect(route.addAddress(nl, { index, address: '198.18.1.1/24' })).rejects.toMatchObject({
      name: 'NetlinkError',
      code: 'EEXIST',
      message: 'ipv4: Address already assigned',
    });
  });

  it('replaces without error when asked to', async () => {
    await expect(route.addAddress(nl, { index, address: '198.18.1.1/24' }, { replace: true })).resolves.toEqual({ warnings: [] });
  });

  it('deletes IPv4 and IPv6 addresses; deleting again → EADDRNOTAVAIL', async () => {
    await route.deleteAddress(nl, { index, address: '198.18.1.1/24' });
    await route.deleteAddress(nl, { index, address: 'fd00:18::1/64' });
    expect(oracle()).toEqual(['198.18.2.1/32 peer 198.18.2.2']);
    await expect(route.deleteAddress(nl, { index, address: '198.18.1.1/24' })).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
  });

  it('adding to a missing interface → ENODEV', async () => {
    await expect(route.addAddress(nl, { index: 999999, address: '198.18.9.1/24' })).rejects.toMatchObject({ code: 'ENODEV' });
  });
});
