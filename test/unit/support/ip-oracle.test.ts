/**
 * The `ip -j addr` oracle of the "nothing changed" tests ignores DAD in progress and nothing
 * else: a tentative address equals its settled self, while a DAD failure, another address or
 * another prefix still differ.
 */
import { describe, expect, it } from 'vitest';
import { settledAddresses } from '../../support/ip-oracle.js';

const link = (addr: Record<string, unknown>) => JSON.stringify([{ ifindex: 2, ifname: 'wda', flags: ['UP'], addr_info: [{ family: 'inet', local: '198.18.180.1', prefixlen: 24 }, addr] }]);
const ll = { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link', valid_life_time: 4294967295, preferred_life_time: 4294967295 };

describe('settledAddresses', () => {
  it('treats an address under DAD (tentative, optimistic) as the settled one', () => {
    expect(settledAddresses(link({ ...ll, tentative: true }))).toEqual(settledAddresses(link(ll)));
    expect(settledAddresses(link({ ...ll, optimistic: true }))).toEqual(settledAddresses(link(ll)));
  });

  it('still sees a DAD failure, another address, another prefix, another flag', () => {
    const base = settledAddresses(link(ll));
    expect(settledAddresses(link({ ...ll, dadfailed: true }))).not.toEqual(base);
    expect(settledAddresses(link({ ...ll, local: 'fe80::2' }))).not.toEqual(base);
    expect(settledAddresses(link({ ...ll, prefixlen: 128 }))).not.toEqual(base);
    expect(settledAddresses(link({ ...ll, nodad: true }))).not.toEqual(base);
    expect(settledAddresses(JSON.stringify([{ ifname: 'lo' }]))).toEqual([{ ifname: 'lo' }]);
  });
});
