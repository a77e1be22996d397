// domain/ipam.ts: the pure half of address allocation (the DB half is in test/unit/db/peers.test.ts).
import { describe, expect, it } from 'vitest';
import { contains, firstHost, formatIp, lastHost, parseCidr, parseIp } from '../../../agent/src/domain/cidr.js';
import {
  IpamError,
  allocateAddress,
  allocateDualStack,
  checkAddressInSubnet,
  defaultServerAddress,
} from '../../../agent/src/domain/ipam.js';
import { rng } from '../../support/prng.js';

const v4 = { subnet: '10.0.0.0/24', server: '10.0.0.1' };
const v6 = { subnet: 'fd42:42:42::/64', server: 'fd42:42:42::1' };

describe('allocateAddress', () => {
  it.each<[string, { subnet: string; server: string }, string[], string]>([
    ['first after the server', v4, [], '10.0.0.2'],
    ['skips used ones', v4, ['10.0.0.2', '10.0.0.3'], '10.0.0.4'],
    ['fills the lowest gap', v4, ['10.0.0.2', '10.0.0.4', '10.0.0.3', '10.0.0.6'], '10.0.0.5'],
    ['ignores addresses outside the subnet', v4, ['10.0.1.2', 'fd42:42:42::2'], '10.0.0.2'],
    ['searches upward from a server in the middle', { subnet: '10.0.0.0/24', server: '10.0.0.100' }, ['10.0.0.2'], '10.0.0.101'],
    ['wraps around below the server when the top is full', { subnet: '10.0.0.0/29', server: '10.0.0.5' }, ['10.0.0.6'], '10.0.0.1'],
    ['IPv6', v6, [], 'fd42:42:42::2'],
    ['IPv6 with used', v6, ['fd42:42:42::2', 'FD42:42:42:0::3'], 'fd42:42:42::4'],
  ])('%s', (_name, pool, used, want) => {
    expect(allocateAddress(pool, used)).toBe(want);
  });

  it('never hands out the broadcast address', () => {
    expect(() => allocateAddress({ subnet: '10.0.0.0/30', server: '10.0.0.1' }, ['10.0.0.2'])).toThrow(
      'no free IPv4 address left in 10.0.0.0/30 (2 host addresses, all in use)',
    );
  });

  it('reports exhaustion as an IpamError', () => {
    const used = Array.from({ length: 253 }, (_, i) => `10.0.0.${i + 2}`);
    expect(() => allocateAddress(v4, used)).toThrow(IpamError);
  });

  it('refuses a server outside its subnet', () => {
    expect(() => allocateAddress({ subnet: '10.0.0.0/24', server: '10.0.1.1' }, [])).toThrow(
      'server address 10.0.1.1 is not inside 10.0.0.0/24',
    );
  });

  it('property: the result is the first free host address at or after server+1 (wrapping)', () => {
    const r = rng(0x1a3);
    for (let i = 0; i < 400; i++) {
      const prefix = r.int(26, 30);
      const subnet = parseCidr(`10.${r.int(0, 255)}.${r.int(0, 255)}.0/${prefix}`);
      const first = firstHost(subnet).value;
      const last = lastHost(subnet).value;
      const server = first + BigInt(r.int(0, Number(last - first)));
      const used = new Set<bigint>();
      for (let u = 0; u < r.int(0, Number(last - first) + 1); u++) used.add(first + BigInt(r.int(0, Number(last - first))));
      const pool = { subnet: `${formatIp({ family: 4, value: subnet.network })}/${prefix}`, server: formatIp({ family: 4, value: server }) };
      const usedText = [...used].map((v) => formatIp({ family: 4, value: v }));
      // Brute force the expected answer.
      const order: bigint[] = [];
      for (let v = server + 1n; v <= last; v++) order.push(v);
      for (let v = first; v < server; v++) order.push(v);
      const expected = order.find((v) => !used.has(v));
      if (expected === undefined) {
        expect(() => allocateAddress(pool, usedText), `case ${i}`).toThrow(IpamError);
      } else {
        const got = parseIp(allocateAddress(pool, usedText));
        expect(got.value, `case ${i}: ${JSON.stringify({ pool, usedText })}`).toBe(expected);
        expect(contains(subnet, got)).toBe(true);
      }
    }
  });
});

describe('allocateDualStack', () => {
  it('allocates one address per configured family', () => {
    const peers = [{ address4: '10.0.0.2', address6: 'fd42:42:42::2' }];
    expect(allocateDualStack({ v4, v6 }, peers)).toEqual({ address4: '10.0.0.3', address6: 'fd42:42:42::3' });
    expect(allocateDualStack({ v4 }, peers)).toEqual({ address4: '10.0.0.3', address6: null });
    expect(allocateDualStack({ v6 }, [])).toEqual({ address4: null, address6: 'fd42:42:42::2' });
  });

  it('refuses a network with no subnet', () => {
    expect(() => allocateDualStack({}, [])).toThrow('the network has neither an IPv4 nor an IPv6 subnet');
  });
});

describe('helpers', () => {
  it('defaultServerAddress is the first host', () => {
    expect(defaultServerAddress('10.8.0.0/24')).toBe('10.8.0.1');
    expect(defaultServerAddress('fd42:42:42::/64')).toBe('fd42:42:42::1');
  });

  it('checkAddressInSubnet refuses network, broadcast and foreign addresses', () => {
    expect(formatIp(checkAddressInSubnet('10.0.0.9', '10.0.0.0/24'))).toBe('10.0.0.9');
    expect(() => checkAddressInSubnet('10.0.0.0', '10.0.0.0/24')).toThrow('10.0.0.0 is not a host address of 10.0.0.0/24');
    expect(() => checkAddressInSubnet('10.0.0.255', '10.0.0.0/24')).toThrow('not a host address');
    expect(() => checkAddressInSubnet('10.0.1.1', '10.0.0.0/24')).toThrow('not a host address');
  });
});
