// domain/wgquick.ts + wgquick-parse.ts: client config generation by mode, the strict parser,
// and round trips against the fixtures in test/fixtures/wgquick/.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Network } from '../../../agent/src/domain/model.js';
import { WgQuickParseError, parseWgQuick } from '../../../agent/src/domain/wgquick-parse.js';
import {
  clientAllowedIps,
  configFileName,
  renderClientConfig,
  renderWgQuick,
  siteNetworksOfOthers,
  type ClientConfigInput,
} from '../../../agent/src/domain/wgquick.js';

const fixture = (name: string): string => fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/wgquick', name), 'utf8');

const SERVER_PUB = 'CP4XsP8XobMSUTnBAy+2qMXC/uMsBXwY7ZMmWx0ZJgU=';
const ALICE_PRIV = '8Me/Ai7VfRD3Ua+hqy5LF+z99MeuUhVK65T4kPoZlXU=';
const PSK = 'JLW4lrgp00tJMb7k/BBIKICZ0Jf205BMTM/vPoo7ETM=';
const SHORT_KEY = Buffer.alloc(31, 1).toString('base64');

type Net = ClientConfigInput['network'];
const office: Net = {
  name: 'office',
  mode: 'gateway',
  subnet4: '10.8.0.0/24',
  subnet6: 'fd42:42:42::/64',
  publicKey: SERVER_PUB,
  listenPort: 51820,
  dns: ['10.8.0.1', 'fd42:42:42::1'],
  mtu: 1420,
};
const alice = { name: 'alice', address4: '10.8.0.2', address6: 'fd42:42:42::2', allowedIps: null, persistentKeepalive: 25 };

describe('client configuration', () => {
  it('gateway mode matches the golden file byte for byte', () => {
    const text = renderClientConfig({ network: office, endpointHost: 'vpn.example.net', peer: alice, privateKey: ALICE_PRIV, presharedKey: PSK });
    expect(text).toBe(fixture('client-gateway.conf'));
  });

  it('site-to-site mode routes the other sites, with the public port from the endpoint host', () => {
    const sites: Net = { ...office, name: 'sites', mode: 'site-to-site', subnet4: '10.9.0.0/24', subnet6: null, dns: [], mtu: 1412 };
    const text = renderClientConfig({
      network: sites,
      endpointHost: '[2001:db8::10]:443',
      peer: { name: 'branch-office', address4: '10.9.0.4', address6: null, allowedIps: null, persistentKeepalive: 25 },
      privateKey: 'eAZJdpV197B/1iOhmVwbZ2cszDd2H3DfrjkVQi87KU4=',
      presharedKey: null,
      otherSiteNetworks: ['192.168.60.0/24', '192.168.70.0/24'],
    });
    expect(text).toBe(fixture('client-site-to-site.conf'));
  });

  it.each<[string, Partial<Net>, string[] | null, string[]]>([
    ['gateway, full tunnel', {}, null, ['0.0.0.0/0', '::/0']],
    ['gateway, IPv4-only still captures IPv6', { subnet6: null }, null, ['0.0.0.0/0', '::/0']],
    ['gateway, split tunnel', {}, ['192.168.1.0/24', '10.8.0.0/24'], ['10.8.0.0/24', 'fd42:42:42::/64', '192.168.1.0/24']],
    ['hub-routed', { mode: 'hub-routed' }, null, ['10.8.0.0/24', 'fd42:42:42::/64']],
    ['hub-routed with extra CIDRs', { mode: 'hub-routed' }, ['172.16.0.0/12'], ['10.8.0.0/24', 'fd42:42:42::/64', '172.16.0.0/12']],
    ['site-to-site', { mode: 'site-to-site', subnet6: null }, null, ['10.8.0.0/24', '192.168.60.0/24']],
  ])('AllowedIPs: %s', (_name, net, split, want) => {
    const got = clientAllowedIps({ network: { ...office, ...net }, peer: { ...alice, allowedIps: split }, otherSiteNetworks: ['192.168.60.0/24'] });
    expect(got).toEqual(want);
  });

  it('omits PresharedKey, DNS and keepalive when not set', () => {
    const text = renderClientConfig({
      network: { ...office, dns: [] },
      endpointHost: 'vpn.example.net',
      peer: { ...alice, persistentKeepalive: 0 },
      privateKey: ALICE_PRIV,
      presharedKey: null,
    });
    expect(text).not.toMatch(/PresharedKey|DNS|PersistentKeepalive/);
    expect(text).toContain('Endpoint = vpn.example.net:51820');
  });

  it('collects the site networks of the other enabled site gateways', () => {
    const peers = [
      { id: 1, role: 'site-gateway' as const, siteNetworks: ['192.168.1.0/24'], enabled: true },
      { id: 2, role: 'site-gateway' as const, siteNetworks: ['192.168.2.0/24'], enabled: true },
      { id: 3, role: 'site-gateway' as const, siteNetworks: ['192.168.3.0/24'], enabled: false },
      { id: 4, role: 'client' as const, siteNetworks: [], enabled: true },
    ];
    expect(siteNetworksOfOthers({ id: 1 }, peers)).toEqual(['192.168.2.0/24']);
  });

  it('makes safe file names', () => {
    expect(configFileName('Office VPN', "Bob's Laptop")).toBe('wgpilot-office-vpn-bob-s-laptop.conf');
    expect(configFileName('x', '../../etc')).toBe('wgpilot-x-etc.conf');
  });
});

describe('parseWgQuick: fixtures', () => {
  it('imports a hand-written server config with three peers', () => {
    const { config, warnings } = parseWgQuick(fixture('server-wg0.conf'));
    expect(config.interface).toEqual({
      privateKey: 'QOZyXUWUPn31wtk/wYAOy5k2wUSRDwKpDCd3mBNCQkk=',
      addresses: ['10.8.0.1/24', 'fd42:42:42::1/64'],
      dns: [],
      dnsSearch: [],
      mtu: 1420,
      listenPort: 51820,
    });
    expect(config.peers.map((p) => p.name)).toEqual(['Client alice', 'bob-laptop', 'branch-office']);
    expect(config.peers[0]).toMatchObject({ presharedKey: PSK, allowedIps: ['10.8.0.2/32', 'fd42:42:42::2/128'], persistentKeepalive: null });
    expect(config.peers[1]).toMatchObject({ allowedIps: ['10.8.0.3/32', 'fd42:42:42::3/128'], persistentKeepalive: 25, endpoint: null });
    expect(config.peers[2]).toMatchObject({ allowedIps: ['10.8.0.4/32', '192.168.50.0/24'], endpoint: 'branch.example.org:51820' });
    expect(warnings).toEqual([
      { line: 10, message: 'SaveConfig: ignored (wgpilot manages the interface itself)' },
      { line: 11, message: 'PostUp: ignored (wgpilot manages the interface itself)' },
      { line: 12, message: 'PostDown: ignored (wgpilot manages the interface itself)' },
    ]);
  });

  it('renders the imported server config in canonical layout, and that round-trips', () => {
    const parsed = parseWgQuick(fixture('server-wg0.conf')).config;
    const canonical = fixture('server-wg0.canonical.conf');
    expect(renderWgQuick(parsed)).toBe(canonical);
    expect(parseWgQuick(canonical)).toEqual({ config: parsed, warnings: [] });
  });

  it.each(['client-gateway.conf', 'client-site-to-site.conf', 'server-wg0.canonical.conf'])('%s: render(parse(x)) === x', (name) => {
    const text = fixture(name);
    const { config } = parseWgQuick(text);
    const header = name.startsWith('client') ? [text.split('\n')[0]?.replace(/^# /, '') ?? ''] : [];
    expect(renderWgQuick(config, header)).toBe(text);
  });

  it('names the line of an invalid CIDR', () => {
    expect(() => parseWgQuick(fixture('bad-allowedips.conf'))).toThrow(WgQuickParseError);
    expect(() => parseWgQuick(fixture('bad-allowedips.conf'))).toThrow(
      "line 7: AllowedIPs: '10.0.0.0/33' is not a valid CIDR (prefix length must be 0..32)",
    );
  });
});

describe('parseWgQuick: rules', () => {
  const iface = '[Interface]\nPrivateKey = QOZyXUWUPn31wtk/wYAOy5k2wUSRDwKpDCd3mBNCQkk=\n';
  const peer = (extra = ''): string => `[Peer]\nPublicKey = ${SERVER_PUB}\nAllowedIPs = 10.0.0.0/24\n${extra}`;
  const issues = (text: string): string[] => {
    try {
      parseWgQuick(text);
    } catch (err) {
      if (err instanceof WgQuickParseError) return err.issues.map((i) => `line ${i.line}: ${i.message}`);
      throw err;
    }
    return [];
  };

  it.each([
    ['a key outside any section', 'ListenPort = 1\n' + iface, ['line 1: ListenPort: outside any [Interface] or [Peer] section']],
    ['an unknown key', iface + 'Foo = bar\n', ['line 3: Foo: unknown key in [Interface]']],
    ['a peer key in [Interface]', iface + 'Endpoint = a:1\n', ['line 3: Endpoint: unknown key in [Interface]']],
    ['an unknown section', iface + '[Peers]\n', ['line 3: unknown section [Peers] (expected [Interface] or [Peer])']],
    ['a line without =', iface + 'ListenPort 51820\n', ["line 3: expected 'Key = Value', got 'ListenPort 51820'"]],
    ['a key set twice', iface + 'privatekey = QOZyXUWUPn31wtk/wYAOy5k2wUSRDwKpDCd3mBNCQkk=\n', ['line 3: PrivateKey: set twice (first on line 2)']],
    ['a second [Interface]', iface + '[Interface]\n', ['line 3: a second [Interface] section (a file describes one interface)']],
    ['no [Interface]', peer(), ['line 1: no [Interface] section']],
    ['a peer without a key', iface + '[Peer]\nAllowedIPs = 10.0.0.0/24\n', ['line 3: [Peer] has no PublicKey']],
    ['a short key', iface + `[Peer]\nPublicKey = ${SHORT_KEY}\n`, ['line 4: PublicKey: public key must be 32 bytes of base64, got 31']],
    ['the same peer twice', iface + peer() + peer(), ['line 6: PublicKey: the same peer as the [Peer] on line 3']],
    ['a bad endpoint', iface + peer('Endpoint = example.org\n'), ["line 6: Endpoint: 'example.org' has no port (expected host:port)"]],
    ['a bad keepalive', iface + peer('PersistentKeepalive = soon\n'), ["line 6: PersistentKeepalive: must be a whole number 0..65535, got 'soon'"]],
    ['a bad DNS entry', iface + 'DNS = 1.1.1.1, not_a_domain\n', ["line 3: DNS: 'not_a_domain' is neither an IP address nor a search domain"]],
    ['an empty list item', iface + 'Address = 10.0.0.1/24,,\n', ["line 3: Address: empty item in '10.0.0.1/24,,'"]],
    ['a bad address', iface + 'Address = 10.0.0.300/24\n', ["line 3: Address: '10.0.0.300/24' is not a valid CIDR (bad address)"]],
  ])('refuses %s', (_name, text, want) => {
    expect(issues(text)).toEqual(want);
  });

  it('collects several problems in line order', () => {
    expect(issues(iface + 'MTU = big\n[Peer]\nPublicKey = x\nAllowedIPs = 1.2.3.4/40\n')).toEqual([
      "line 3: MTU: must be a whole number 576..65535, got 'big'",
      'line 5: PublicKey: public key must be 32 bytes of base64, got text that is not base64',
      "line 6: AllowedIPs: '1.2.3.4/40' is not a valid CIDR (prefix length must be 0..32)",
    ]);
  });

  it('reads what wg-quick reads: case, comments, CRLF, keepalive off, bare host addresses', () => {
    const text = [
      '[INTERFACE]',
      'privateKEY=QOZyXUWUPn31wtk/wYAOy5k2wUSRDwKpDCd3mBNCQkk=   # trailing comment',
      'address = 10.0.0.2',
      'dns = 1.1.1.1, corp.example',
      '[peer]',
      `PUBLICKEY = ${SERVER_PUB}`,
      'AllowedIPs =',
      'AllowedIPs = 10.0.0.1, fd00::1',
      'PersistentKeepalive = off',
      'Endpoint = [FD00::1]:51820',
    ].join('\r\n');
    const { config } = parseWgQuick(text);
    expect(config.interface).toMatchObject({ addresses: ['10.0.0.2/32'], dns: ['1.1.1.1'], dnsSearch: ['corp.example'] });
    expect(config.peers[0]).toMatchObject({ allowedIps: ['10.0.0.1/32', 'fd00::1/128'], persistentKeepalive: 0, endpoint: '[fd00::1]:51820' });
  });

  it('masks AllowedIPs host bits with a warning, as wg(8) does', () => {
    const { config, warnings } = parseWgQuick(iface + `[Peer]\nPublicKey = ${SERVER_PUB}\nAllowedIPs = 10.0.0.7/24\n`);
    expect(config.peers[0]?.allowedIps).toEqual(['10.0.0.0/24']);
    expect(warnings).toEqual([{ line: 5, message: 'AllowedIPs: 10.0.0.7/24 has host bits set; using 10.0.0.0/24' }]);
  });

  it('warns about MTUs wgpilot would refuse', () => {
    expect(parseWgQuick(iface + 'MTU = 1000\n').warnings).toEqual([{ line: 3, message: 'MTU: 1000 is outside 1280..9000, which wgpilot accepts' }]);
  });

  it('parse(render(cfg)) equals cfg', () => {
    const cfg = parseWgQuick(fixture('server-wg0.conf')).config;
    const network: Pick<Network, 'name'> = { name: 'x' };
    expect(parseWgQuick(renderWgQuick(cfg, [network.name])).config).toEqual(cfg);
  });
});
