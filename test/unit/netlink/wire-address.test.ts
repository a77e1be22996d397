import { describe, expect, it } from 'vitest';
import { decodeSockaddr, encodeSockaddr, formatIp, ipFamily, parseIp, parsePrefix, type Sockaddr } from '../../../agent/src/netlink/wire/address.js';
import { WireError } from '../../../agent/src/netlink/wire/errors.js';
import { AF_INET, AF_INET6 } from '../../../agent/src/netlink/wire/uapi/socket.js';
import { forSeeds, PROPERTY_RUNS } from '../../support/prng.js';

describe('IP addresses', () => {
  it.each([
    ['10.0.0.1', '0a000001'],
    ['::', '0'.repeat(32)],
    ['::1', '0'.repeat(31) + '1'],
    ['fe80::1', 'fe80' + '0'.repeat(27) + '1'],
    ['2001:db8::1:0:0:1', '20010db8000000000001000000000001'],
    ['::ffff:10.1.2.3', '00000000000000000000ffff0a010203'],
  ])('parses and formats %s like inet_ntop', (text, hex) => {
    expect(parseIp(text).toString('hex')).toBe(hex);
    expect(formatIp(Buffer.from(hex, 'hex'))).toBe(text);
  });

  it('does not compress a single zero word (RFC 5952 / glibc)', () => {
    expect(formatIp(parseIp('2001:db8:0:1:1:1:1:1'))).toBe('2001:db8:0:1:1:1:1:1');
  });

  it('normalises non-canonical input', () => {
    expect(formatIp(parseIp('FD00:0:0:0:0:0:0:0001'))).toBe('fd00::1');
  });

  it.each(['256.0.0.1', '1.2.3', '1::2::3', ':::', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', 'x'])('rejects %s', (text) => {
    expect(() => parseIp(text)).toThrow(WireError);
  });

  it('format → parse is the identity on random IPv4/IPv6 bytes', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const b = rng.bool() ? rng.bytes(4) : rng.ipv6Bytes();
      expect(parseIp(formatIp(b))).toEqual(b);
    });
  });

  it('derives families and prefixes', () => {
    expect(ipFamily('10.0.0.1')).toBe(AF_INET);
    expect(ipFamily('fd00::1')).toBe(AF_INET6);
    expect(parsePrefix('10.1.0.0/16')).toEqual({ family: AF_INET, address: '10.1.0.0', prefixLength: 16 });
    expect(parsePrefix('fd00::1')).toEqual({ family: AF_INET6, address: 'fd00::1', prefixLength: 128 });
    expect(() => parsePrefix('10.0.0.0/33')).toThrow(WireError);
    expect(() => parsePrefix('10.0.0.0/')).toThrow(WireError);
  });
});

describe('sockaddr', () => {
  it('encodes sockaddr_in with a big-endian port and sockaddr_in6 with flowinfo and scope id', () => {
    expect(encodeSockaddr({ address: '10.0.0.1', port: 51820 }).toString('hex')).toBe('0200ca6c0a000001' + '00'.repeat(8));
    const v6 = encodeSockaddr({ address: 'fe80::1', port: 443, flowInfo: 1, scopeId: 3 });
    expect(v6.length).toBe(28);
    expect(decodeSockaddr(v6)).toEqual({ family: AF_INET6, address: 'fe80::1', port: 443, flowInfo: 1, scopeId: 3 });
  });

  it('round-trips random endpoints', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const v4 = rng.bool();
      const sa: Sockaddr = v4
        ? { family: AF_INET, address: rng.ipv4(), port: rng.u16() }
        : { family: AF_INET6, address: formatIp(rng.ipv6Bytes()), port: rng.u16(), flowInfo: rng.u32(), scopeId: rng.u32() };
      expect(decodeSockaddr(encodeSockaddr(sa))).toEqual(sa);
    });
  });

  it('rejects unknown families', () => {
    expect(() => decodeSockaddr(Buffer.from([1, 0, 0, 0]))).toThrow(WireError);
  });
});
