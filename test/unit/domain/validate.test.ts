// domain/validate.ts and domain/endpoint.ts: input rules and their messages.
import { describe, expect, it } from 'vitest';
import { EndpointError, formatHostPort, isHostName, parseHostPort } from '../../../agent/src/domain/endpoint.js';
import {
  ValidationError,
  assertValid,
  keyError,
  mtuIssue,
  nextInterfaceName,
  validateNetwork,
  validatePeer,
  type NetworkInput,
  type PeerNetwork,
} from '../../../agent/src/domain/validate.js';

const KEY = '7eW9qSovyB4mmLZHpM8D3d3w6b+kxUELvLtgJ36YTRA=';
const b64 = (n: number): string => Buffer.alloc(n, 7).toString('base64');

const office: NetworkInput = {
  name: 'office',
  interface: 'wg0',
  mode: 'gateway',
  subnet4: '10.8.0.0/24',
  address4: '10.8.0.1',
  subnet6: 'fd42:42:42::/64',
  address6: 'fd42:42:42::1',
  listenPort: 51820,
  dns: ['10.8.0.1', '2606:4700:4700::1111'],
  mtu: 1420,
  endpointHost: 'vpn.example.net',
};

const errorsOf = (r: { errors: { field: string; message: string }[] }) => Object.fromEntries(r.errors.map((e) => [e.field, e.message]));

describe('keyError', () => {
  it('accepts 32 bytes of base64', () => {
    expect(keyError(KEY, 'public key')).toBeNull();
  });

  it.each([
    [b64(31), 'public key must be 32 bytes of base64, got 31'],
    [b64(33), 'public key must be 32 bytes of base64, got 33'],
    [b64(16), 'public key must be 32 bytes of base64, got 16'],
    ['', 'public key must be 32 bytes of base64, got 0'],
    ['not base64!', 'public key must be 32 bytes of base64, got text that is not base64'],
    [KEY.slice(0, 43), 'public key must be 32 bytes of base64, got text that is not base64'],
  ])('%j → %s', (key, message) => {
    expect(keyError(key, 'public key')).toBe(message);
  });
});

describe('mtuIssue', () => {
  it.each([
    [1200, { error: 'MTU must be 1280..9000, got 1200' }],
    [9001, { error: 'MTU must be 1280..9000, got 9001' }],
    [1420.5, { error: 'MTU must be 1280..9000, got 1420.5' }],
    [1420, null],
    [1380, null],
    [1500, null],
  ])('%s', (mtu, want) => {
    expect(mtuIssue(mtu)).toEqual(want);
  });

  it('warns outside 1380..1500 without refusing', () => {
    expect(mtuIssue(1300)).toHaveProperty('warning', expect.stringContaining('MTU 1300 is below 1380'));
    expect(mtuIssue(9000)).toHaveProperty('warning', expect.stringContaining('MTU 9000 is above 1500'));
  });
});

describe('validateNetwork', () => {
  it('accepts a good dual-stack network', () => {
    expect(validateNetwork(office)).toEqual({ errors: [], warnings: [] });
  });

  it('reports every bad field at once with specific messages', () => {
    const r = validateNetwork({
      ...office,
      name: ' office',
      interface: 'wireguard-office-0',
      listenPort: 70000,
      mtu: 100,
      dns: ['1.1.1.1', 'dns.google'],
      endpointHost: 'vpn.example.net:0',
      subnet4: '10.8.0.1/24',
      subnet6: 'fd42::/48',
    });
    expect(errorsOf(r)).toEqual({
      name: 'network name must not start or end with spaces',
      interface: "interface name must be 1..15 characters of letters, digits and _=+.-, got 'wireguard-office-0'",
      listenPort: 'listen port must be 1..65535, got 70000',
      mtu: 'MTU must be 1280..9000, got 100',
      'dns[1]': "'dns.google' is not an IP address",
      endpointHost: "'vpn.example.net:0': port must be 1..65535, got '0'",
      subnet4: '10.8.0.1/24 has host bits set; did you mean 10.8.0.0/24?',
      subnet6: 'IPv6 subnet fd42::/48 must have a prefix length of /64../126, got /48',
    });
  });

  it('puts MTU outside 1380..1500 in warnings', () => {
    const r = validateNetwork({ ...office, mtu: 1412 - 100 });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([{ field: 'mtu', message: expect.stringContaining('below 1380') }]);
  });

  it('needs a subnet, and a server address inside it', () => {
    expect(errorsOf(validateNetwork({ ...office, subnet4: null, subnet6: null, address4: null, address6: null }))).toEqual({
      subnet4: 'a network needs an IPv4 or an IPv6 subnet (or both)',
    });
    expect(errorsOf(validateNetwork({ ...office, address4: '10.9.0.1' }))).toEqual({
      address4: '10.9.0.1 is not a host address of 10.8.0.0/24',
    });
  });

  it('refuses subnets overlapping another network, naming it', () => {
    const r = validateNetwork({ ...office, subnet4: '10.8.0.0/25', address4: '10.8.0.1' }, [
      { name: 'lab', subnet4: '10.8.0.0/16', subnet6: null },
      { name: 'other', subnet4: '192.168.0.0/24', subnet6: 'fd42:42:42::/64' },
    ]);
    expect(errorsOf(r)).toEqual({
      subnet4: "subnet 10.8.0.0/25 overlaps 10.8.0.0/16 of network 'lab'",
      subnet6: "subnet fd42:42:42::/64 overlaps fd42:42:42::/64 of network 'other'",
    });
  });

  it('assertValid throws one ValidationError with all issues', () => {
    const r = validateNetwork({ ...office, listenPort: 0, mtu: 1 });
    expect(() => assertValid(r)).toThrow(ValidationError);
    expect(() => assertValid(r)).toThrow('listenPort: listen port must be 1..65535, got 0; mtu: MTU must be 1280..9000, got 1');
  });
});

describe('validatePeer', () => {
  const net: PeerNetwork = { mode: 'site-to-site', subnet4: '10.8.0.0/24', subnet6: null, address4: '10.8.0.1', address6: null };

  it('accepts a site gateway', () => {
    const r = validatePeer(
      { name: 'branch', role: 'site-gateway', address4: '10.8.0.4', publicKey: KEY, siteNetworks: ['192.168.50.0/24'], endpoint: 'branch.example.org:51820', persistentKeepalive: 25 },
      net,
    );
    expect(r).toEqual({ errors: [], warnings: [] });
  });

  it('reports bad fields with specific messages', () => {
    const r = validatePeer(
      {
        name: '',
        email: 'not-an-email',
        address4: '10.8.0.1',
        address6: 'fd00::2',
        publicKey: b64(31),
        presharedKey: b64(30),
        persistentKeepalive: 70000,
        endpoint: 'branch.example.org',
        siteNetworks: ['192.168.50.1/24'],
        allowedIps: ['10.0.0.0/33'],
        bandwidthUpKbps: -1,
      },
      net,
    );
    expect(errorsOf(r)).toEqual({
      name: 'peer name is required',
      email: "'not-an-email' is not an e-mail address",
      publicKey: 'public key must be 32 bytes of base64, got 31',
      presharedKey: 'preshared key must be 32 bytes of base64, got 30',
      persistentKeepalive: 'persistent keepalive must be 0..65535 seconds, got 70000',
      endpoint: "'branch.example.org' has no port (expected host:port)",
      bandwidthUpKbps: 'bandwidth limit must be a whole number of kbit/s ≥ 0 (0 = unlimited), got -1',
      address4: "10.8.0.1 is the server's own address",
      address6: 'the network has no IPv6 subnet',
      'siteNetworks[0]': '192.168.50.1/24 has host bits set; did you mean 192.168.50.0/24?',
      siteNetworks: 'only a site gateway can have site networks',
      'allowedIps[0]': "'10.0.0.0/33' is not a valid CIDR (prefix length must be 0..32)",
    });
  });

  it('refuses site networks overlapping the tunnel subnet', () => {
    const r = validatePeer({ name: 'b', role: 'site-gateway', address4: '10.8.0.4', siteNetworks: ['10.8.0.0/16'] }, net);
    expect(errorsOf(r)).toEqual({ 'siteNetworks[0]': "10.8.0.0/16 overlaps the network's own subnet 10.8.0.0/24" });
  });

  it('warns about a site gateway outside site-to-site mode', () => {
    const r = validatePeer({ name: 'b', role: 'site-gateway', address4: '10.8.0.4' }, { ...net, mode: 'gateway' });
    expect(r.errors).toEqual([]);
    expect(r.warnings[0]?.message).toContain('this network is gateway');
  });
});

describe('nextInterfaceName', () => {
  it('takes the lowest free wgN', () => {
    expect(nextInterfaceName([])).toBe('wg0');
    expect(nextInterfaceName(['wg0', 'wg2'])).toBe('wg1');
    expect(nextInterfaceName(['wg0', 'wg1'])).toBe('wg2');
  });
});

describe('endpoint', () => {
  it.each([
    ['vpn.example.net', { host: 'vpn.example.net', port: null }],
    ['VPN.Example.NET:443', { host: 'vpn.example.net', port: 443 }],
    ['198.51.100.7:51820', { host: '198.51.100.7', port: 51820 }],
    ['[2001:DB8::1]:51820', { host: '2001:db8::1', port: 51820 }],
    ['[2001:db8::1]', { host: '2001:db8::1', port: null }],
    ['2001:db8::1', { host: '2001:db8::1', port: null }],
  ])('parses %s', (text, want) => {
    expect(parseHostPort(text)).toEqual(want);
  });

  it.each([
    ['', 'endpoint is empty'],
    ['host:', "'host:': port must be 1..65535, got ''"],
    ['host:65536', "'host:65536': port must be 1..65535, got '65536'"],
    ['2001:db8::1:51820:x', "'2001:db8::1:51820:x' is not a valid endpoint (IPv6 with a port needs [brackets])"],
    ['[10.0.0.1]:1', "'[10.0.0.1]:1' is not a valid [IPv6]:port endpoint"],
    ['bad_host:1', "'bad_host:1' is not a host name or IP address"],
    ['10.0.0.300:1', "'10.0.0.300:1' is not a host name or IP address"],
  ])('refuses %j', (text, message) => {
    expect(() => parseHostPort(text)).toThrow(EndpointError);
    expect(() => parseHostPort(text)).toThrow(message);
  });

  it('host names follow RFC 1123', () => {
    expect(isHostName('a-b.example.')).toBe(true);
    expect(isHostName('-a.example')).toBe(false);
    expect(isHostName(`${'a'.repeat(64)}.example`)).toBe(false);
  });

  it('formats IPv6 in brackets', () => {
    expect(formatHostPort('2001:db8::1', 51820)).toBe('[2001:db8::1]:51820');
    expect(formatHostPort('vpn.example.net', 51820)).toBe('vpn.example.net:51820');
  });
});
