import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../agent/src/wireguard/errors.js';
import { formatEndpoint, formatPrefix, normalizePrefix, parseEndpoint, parseIp, parsePrefix } from '../../../agent/src/wireguard/ip.js';
import { Prng } from '../../support/prng.js';

describe('prefixes', () => {
  it.each([
    ['10.0.0.2/32', '10.0.0.2/32'],
    ['10.0.0.1/24', '10.0.0.1/24'], // host bits kept: the device masks them
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['FD77:0:0::2/128', 'fd77::2/128'],
    ['2001:db8:0:0:1:0:0:1/64', '2001:db8::1:0:0:1/64'],
    ['::/0', '::/0'],
    ['::ffff:10.0.0.1/128', '::ffff:10.0.0.1/128'],
  ])('normalizes %s to %s', (input, out) => {
    expect(normalizePrefix(input)).toBe(out);
  });

  it.each(['10.0.0.0', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/08', 'fe80::1%eth0/64', 'x/1', ''])(
    'rejects %s',
    (input) => {
      expect(() => normalizePrefix(input, 'allowedIPs[0]')).toThrow(ConfigError);
    },
  );
});

describe('canonical IPv4 fast path (property, seed 32)', () => {
  it('returns what the full parse + format returns, for canonical and odd inputs', () => {
    const rng = new Prng(32);
    for (let i = 0; i < 2000; i++) {
      const octets = Array.from(rng.bytes(4)).map((o) => (rng.bool(0.1) ? `0${o}` : String(o)));
      const text = `${octets.join('.')}/${rng.int(0, 32)}`;
      const outcome = (f: () => string): string => {
        try {
          return f();
        } catch {
          return 'invalid';
        }
      };
      expect(outcome(() => normalizePrefix(text)), text).toBe(outcome(() => formatPrefix(parsePrefix(text))));
    }
  });
});

describe('endpoints', () => {
  it.each([
    ['198.18.0.1:51820', { address: '198.18.0.1', port: 51820 }],
    ['[fd00:50::2]:51821', { address: 'fd00:50::2', port: 51821 }],
    ['[fe80::1%eth0]:5', { address: 'fe80::1%eth0', port: 5 }],
  ])('parses %s and prints it back', (text, endpoint) => {
    expect(parseEndpoint(text)).toEqual(endpoint);
    expect(formatEndpoint(endpoint)).toBe(text);
  });

  it.each(['fd00::1:51820', '[10.0.0.1]:1', '10.0.0.1', '10.0.0.1:0', '10.0.0.1:65536', 'host:1', '[fd00::1]'])(
    'rejects %s',
    (text) => {
      expect(() => parseEndpoint(text, 'peers[0].endpoint')).toThrow(/^peers\[0\]\.endpoint: /);
    },
  );

  it('keeps zones only on IPv6 addresses', () => {
    expect(parseIp('fe80::1%wg0')).toMatchObject({ family: 6, zone: 'wg0' });
    expect(() => parseIp('10.0.0.1%eth0')).toThrow(ConfigError);
  });
});
