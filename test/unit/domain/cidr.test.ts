// domain/cidr.ts: address and prefix parsing, canonical text, and prefix arithmetic.
import { describe, expect, it } from 'vitest';
import {
  CidrError,
  contains,
  firstHost,
  formatCidr,
  formatIp,
  hostCount,
  isCidr,
  lastHost,
  normalizeCidr,
  normalizeIp,
  nthHost,
  overlaps,
  parseCidr,
  parseCidrLoose,
  parseInterfaceAddress,
  parseIp,
  parseNetworkSubnet,
  type IpFamily,
} from '../../../agent/src/domain/cidr.js';
import { rng } from '../../support/prng.js';

describe('parseIp / formatIp', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    ['::192.0.2.1', '::192.0.2.1'],
    ['fe80::1:2', 'fe80::1:2'],
  ])('%s is %s', (input, canonical) => {
    expect(normalizeIp(input)).toBe(canonical);
  });

  it.each(['', '1.2.3', '256.0.0.1', '01.2.3.4', '1.2.3.4.5', ' 1.2.3.4', '1:2:3:4:5:6:7:8:9', '1::2::3', 'gggg::', 'fe80::1%eth0', '1:2:3:4:5:6:7::8', '::1.2.3'])(
    'refuses %j',
    (input) => {
      expect(() => parseIp(input)).toThrow(CidrError);
      expect(() => parseIp(input)).toThrow(`'${input}' is not a valid IP address`);
    },
  );

  it('agrees with the WHATWG URL serializer on random IPv6 addresses (RFC 5952)', () => {
    const r = rng(0x5952);
    for (let i = 0; i < 2000; i++) {
      // Zero-heavy words so that compression runs of every length occur.
      let value = 0n;
      for (let w = 0; w < 8; w++) value = (value << 16n) | (r.next() < 0.5 ? 0n : BigInt(r.int(0, 0xffff)));
      if (value >> 32n === 0n || value >> 32n === 0xffffn) continue; // IPv4 tails print differently in URLs
      const text = formatIp({ family: 6, value });
      expect(`[${text}]`, `seed case ${i}`).toBe(new URL(`http://[${text}]/`).hostname);
      expect(parseIp(text).value).toBe(value);
    }
  });

  it('round-trips random IPv4 addresses', () => {
    const r = rng(4);
    for (let i = 0; i < 1000; i++) {
      const value = r.bits(32);
      expect(parseIp(formatIp({ family: 4, value })).value).toBe(value);
    }
  });
});

describe('parseCidr', () => {
  it('normalizes and formats', () => {
    expect(normalizeCidr('10.0.0.0/24')).toBe('10.0.0.0/24');
    expect(normalizeCidr('FD42:42:42::/64')).toBe('fd42:42:42::/64');
    expect(normalizeCidr('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(normalizeCidr('::/0')).toBe('::/0');
  });

  it('refuses host bits and suggests the network', () => {
    const err = (() => {
      try {
        parseCidr('10.0.0.1/24');
      } catch (e) {
        return e as CidrError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(CidrError);
    expect(err.message).toBe('10.0.0.1/24 has host bits set; did you mean 10.0.0.0/24?');
    expect(err.suggestion).toBe('10.0.0.0/24');
    expect(() => parseCidr('fd00::1/64')).toThrow('fd00::1/64 has host bits set; did you mean fd00::/64?');
  });

  it.each([
    ['10.0.0.0/33', "'10.0.0.0/33' is not a valid CIDR (prefix length must be 0..32)"],
    ['fd00::/129', "'fd00::/129' is not a valid CIDR (prefix length must be 0..128)"],
    ['10.0.0.0/', "'10.0.0.0/' is not a valid CIDR (prefix length must be 0..32)"],
    ['10.0.0.0/024', "'10.0.0.0/024' is not a valid CIDR (prefix length must be 0..32)"],
    ['10.0.0/24', "'10.0.0/24' is not a valid CIDR (bad address)"],
    ['nonsense', "'nonsense' is not a valid CIDR"],
  ])('refuses %s', (input, message) => {
    expect(() => parseCidr(input)).toThrow(message);
    expect(isCidr(input)).toBe(false);
  });

  it('reads a bare address as a host prefix', () => {
    expect(formatCidr(parseCidr('10.0.0.7'))).toBe('10.0.0.7/32');
    expect(formatCidr(parseCidr('fd00::7'))).toBe('fd00::7/128');
  });

  it('parseCidrLoose masks host bits and says so', () => {
    const { cidr, hostBitsSet } = parseCidrLoose('192.168.1.77/16');
    expect(formatCidr(cidr)).toBe('192.168.0.0/16');
    expect(hostBitsSet).toBe(true);
    expect(parseCidrLoose('192.168.0.0/16').hostBitsSet).toBe(false);
  });

  it('parseInterfaceAddress keeps host bits', () => {
    const a = parseInterfaceAddress('10.0.0.1/24');
    expect(formatIp(a.address)).toBe('10.0.0.1');
    expect(a.prefix).toBe(24);
    expect(parseInterfaceAddress('fd00::1').prefix).toBe(128);
  });
});

describe('prefix arithmetic', () => {
  const c = (t: string) => parseCidr(t);

  it.each([
    ['10.0.0.0/24', '10.0.0.128/25', true],
    ['10.0.0.0/25', '10.0.0.128/25', false],
    ['10.0.0.0/8', '10.255.255.255/32', true],
    ['10.0.0.0/24', '10.0.1.0/24', false],
    ['0.0.0.0/0', '192.0.2.0/24', true],
    ['fd00::/64', 'fd00::8000:0:0:0/65', true],
    ['fd00::/64', 'fd00:0:0:1::/64', false],
    ['10.0.0.0/24', '::/0', false],
  ])('overlaps(%s, %s) = %s', (a, b, want) => {
    expect(overlaps(c(a), c(b))).toBe(want);
    expect(overlaps(c(b), c(a))).toBe(want);
  });

  it('contains prefixes and addresses, never across families', () => {
    expect(contains(c('10.0.0.0/16'), c('10.0.5.0/24'))).toBe(true);
    expect(contains(c('10.0.5.0/24'), c('10.0.0.0/16'))).toBe(false);
    expect(contains(c('10.0.0.0/24'), parseIp('10.0.0.255'))).toBe(true);
    expect(contains(c('10.0.0.0/24'), parseIp('10.0.1.0'))).toBe(false);
    expect(contains(c('::/0'), parseIp('10.0.0.1'))).toBe(false);
  });

  it.each([
    ['10.0.0.0/24', '10.0.0.1', '10.0.0.254', 254n],
    ['10.0.0.0/30', '10.0.0.1', '10.0.0.2', 2n],
    ['10.0.0.0/31', '10.0.0.0', '10.0.0.1', 2n],
    ['10.0.0.7/32', '10.0.0.7', '10.0.0.7', 1n],
    ['fd00::/64', 'fd00::1', 'fd00::ffff:ffff:ffff:ffff', (1n << 64n) - 1n],
    ['fd00::/126', 'fd00::1', 'fd00::3', 3n],
    ['fd00::/127', 'fd00::', 'fd00::1', 2n],
  ])('%s hosts run %s..%s (%s)', (cidr, first, last, count) => {
    expect(formatIp(firstHost(c(cidr)))).toBe(first);
    expect(formatIp(lastHost(c(cidr)))).toBe(last);
    expect(hostCount(c(cidr))).toBe(count);
  });

  it('nthHost counts from the first host and refuses out-of-range', () => {
    expect(formatIp(nthHost(c('10.0.0.0/24'), 0))).toBe('10.0.0.1');
    expect(formatIp(nthHost(c('10.0.0.0/24'), 253))).toBe('10.0.0.254');
    expect(formatIp(nthHost(c('fd00::/64'), 9n))).toBe('fd00::a');
    expect(() => nthHost(c('10.0.0.0/24'), 254)).toThrow('10.0.0.0/24 has no host #254 (it has 254 hosts)');
    expect(() => nthHost(c('10.0.0.0/24'), -1)).toThrow(CidrError);
  });

  it('property: nested prefixes contain and overlap, disjoint siblings do not', () => {
    const r = rng(0xc1d7);
    for (let i = 0; i < 3000; i++) {
      const family: IpFamily = r.next() < 0.5 ? 4 : 6;
      const bits = family === 4 ? 32 : 128;
      const outerLen = r.int(0, bits - 1);
      const innerLen = r.int(outerLen + 1, bits);
      const outer = parseCidrLoose(`${formatIp({ family, value: r.bits(bits) })}/${outerLen}`).cidr;
      // A random child of outer, and outer's sibling of the same length.
      const childValue = outer.network | (r.bits(bits) & ((1n << BigInt(bits - outerLen)) - 1n));
      const inner = parseCidrLoose(`${formatIp({ family, value: childValue })}/${innerLen}`).cidr;
      expect(contains(outer, inner), `case ${i}`).toBe(true);
      expect(overlaps(outer, inner) && overlaps(inner, outer)).toBe(true);
      expect(contains(inner, outer)).toBe(false);
      const sibling = { family, network: outer.network ^ (1n << BigInt(bits - outerLen)), prefix: outerLen };
      if (outerLen > 0) expect(overlaps(outer, sibling)).toBe(false);
      expect(parseCidr(formatCidr(inner))).toEqual(inner);
    }
  });
});

describe('parseNetworkSubnet', () => {
  it.each([
    ['10.0.0.0/8', null],
    ['10.0.0.0/30', null],
    ['10.0.0.0/7', 'IPv4 subnet 10.0.0.0/7 must have a prefix length of /8../30, got /7'],
    ['10.0.0.0/31', 'IPv4 subnet 10.0.0.0/31 must have a prefix length of /8../30, got /31'],
    ['fd00::/64', null],
    ['fd00::/126', null],
    ['fd00::/48', 'IPv6 subnet fd00::/48 must have a prefix length of /64../126, got /48'],
    ['fd00::/127', 'IPv6 subnet fd00::/127 must have a prefix length of /64../126, got /127'],
  ])('%s → %s', (input, error) => {
    if (error === null) expect(formatCidr(parseNetworkSubnet(input))).toBe(input);
    else expect(() => parseNetworkSubnet(input)).toThrow(error);
  });

  it('checks the family when asked', () => {
    expect(() => parseNetworkSubnet('fd00::/64', 4)).toThrow('fd00::/64 is not an IPv4 subnet');
  });
});
