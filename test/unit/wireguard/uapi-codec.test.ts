import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../agent/src/wireguard/errors.js';
import { formatEndpoint, formatIp, parseIp } from '../../../agent/src/wireguard/ip.js';
import { Key } from '../../../agent/src/wireguard/keys.js';
import type { Device, DeviceConfig, Peer } from '../../../agent/src/wireguard/types.js';
import {
  encodeSetRequest,
  parseGetReply,
  parseSetReply,
  UapiProtocolError,
} from '../../../agent/src/wireguard/uapi-codec.js';
import { textFixture } from '../../support/wireguard/fixtures.js';
import { Prng } from '../../support/prng.js';
import { deviceAsDump, parseWgDump, sortDump } from '../../support/wireguard/wg-dump.js';

// Keys of the captured session (test/fixtures/wireguard/uapi-*.txt headers).
const KA = Key.fromHex('a0cb6f65e98259cea134fa664b7d52e15aa1db4cd24d88dac489db947d1e4b56');
const KB = Key.fromHex('b8ddb0d8c9caba406e2ebb4136c071379c99008b07cc040be7041e28423a115a');
const PA = Key.fromHex('a102a34e8d8d886c7390615731e6de9766b0bc2f798e171e5e20187f00a18225');
const PB = Key.fromHex('b0c02c60f91b4fd3135ddbb52bb1dfa45eb44f028ed610ef838fc31e6ac72c3f');
const PC = Key.fromHex('f4637e1dbb6ece844657f1891f5bef8c1f42adb737e3db72f2192395a9bd6245');
const PSK = Key.fromHex('9d6576b8c2ef679f4e99f35d9c7566b7bceca01cad39a5db96f988d68ae78bd8');

describe('parseGetReply on a wireguard-go capture', () => {
  const reply = parseGetReply(textFixture('uapi-get-configured.txt'));

  it('reads device fields, derives the public key, and reports errno 0', () => {
    expect(reply.errno).toBe(0);
    expect(reply.unknown).toEqual([]);
    expect(reply.device.privateKey?.equals(KA)).toBe(true);
    expect(reply.device.publicKey?.toBase64()).toBe('oQKjTo2NiGxzkGFXMebel2awvC95jhceXiAYfwChgiU=');
    expect(reply.device.listenPort).toBe(51820);
    expect(reply.device.firewallMark).toBe(0x42);
  });

  it('reads both peers with every field', () => {
    const [b, c] = reply.device.peers;
    expect(b).toEqual<Peer>({
      publicKey: PB,
      presharedKey: PSK,
      endpoint: { address: 'fd00:50::2', port: 51821 },
      persistentKeepaliveInterval: 25,
      lastHandshakeTime: new Date(1795636218_427),
      receiveBytes: 476n,
      transmitBytes: 776n,
      allowedIPs: ['10.77.0.2/32', 'fd77::2/128', '192.168.77.0/24'],
      protocolVersion: 1,
    });
    expect(c).toEqual<Peer>({
      publicKey: PC,
      endpoint: { address: '198.18.50.9', port: 51999 },
      persistentKeepaliveInterval: 0,
      lastHandshakeTime: null,
      receiveBytes: 0n,
      transmitBytes: 1332n,
      allowedIPs: ['10.77.0.3/32'],
      protocolVersion: 1,
    });
  });

  it('agrees with `wg show dump` of the same device (the oracle)', () => {
    const device: Device = { name: 'wgcapa', type: 'userspace', ...reply.device };
    expect(deviceAsDump(device)).toEqual(sortDump(parseWgDump(textFixture('uapi-get-configured.wg-dump.txt'))));
  });

  it('reads the device left behind by a set that failed half way', () => {
    const partial = parseGetReply(textFixture('uapi-get-partial-set.txt'));
    expect(partial.device.privateKey).toBeUndefined();
    expect(partial.device.publicKey).toBeUndefined();
    expect(partial.device.listenPort).toBe(51830);
    expect(partial.device.peers.map((p) => [p.publicKey.toHex(), p.allowedIPs])).toEqual([[PB.toHex(), []]]);
  });
});

describe('parseSetReply', () => {
  it('returns wireguard-go\'s negative errno (captured EINVAL)', () => {
    expect(parseSetReply(textFixture('uapi-set-einval.txt'))).toBe(-22);
    expect(parseSetReply('errno=0\n\n')).toBe(0);
  });

  it.each([
    ['an empty reply (wireguard-go closes on an unknown operation)', ''],
    ['a reply without the empty line', 'errno=0\n'],
    ['two lines', 'errno=0\nerrno=0\n\n'],
    ['a non-number', 'errno=abc\n\n'],
  ])('rejects %s as a protocol error', (_name, text) => {
    expect(() => parseSetReply(text)).toThrow(UapiProtocolError);
  });
});

describe('parseGetReply errors', () => {
  it.each([
    ['no errno trailer', 'listen_port=1\n\n', /no errno trailer/],
    ['no terminating empty line', 'errno=0\n', /not terminated/],
    ['a line without "="', 'listen_port\nerrno=0\n\n', /expected key=value/],
    ['a short key', 'private_key=abcd\nerrno=0\n\n', /private_key: not hex|expected 32 bytes/],
    ['a bad allowed IP', `public_key=${PB.toHex()}\nallowed_ip=10.0.0.0/33\nerrno=0\n\n`, /allowed_ip/],
    ['a counter that is not a number', `public_key=${PB.toHex()}\nrx_bytes=-1\nerrno=0\n\n`, /rx_bytes=-1/],
    ['data after errno', 'errno=0\nlisten_port=1\n\n', /after the errno/],
  ])('rejects %s, quoting the line', (_name, text, message) => {
    expect(() => parseGetReply(text)).toThrow(message);
  });

  it('reports a refused get as a non-zero errno rather than throwing', () => {
    expect(parseGetReply('errno=-19\n\n').errno).toBe(-19);
  });

  it('keeps unknown keys instead of failing on them', () => {
    const r = parseGetReply(`listen_port=1\nfuture_key=x\npublic_key=${PB.toHex()}\nfuture_peer_key=y\nerrno=0\n\n`);
    expect(r.unknown).toEqual([['future_key', 'x'], ['future_peer_key', 'y']]);
  });
});

describe('encodeSetRequest against wg(8) captures', () => {
  it('writes what `wg set` writes (keys, port, fwmark, PSK, v6 endpoint, keepalive, IPs, remove)', () => {
    const cfg: DeviceConfig = {
      privateKey: KA,
      listenPort: 51820,
      firewallMark: 0x42,
      peers: [
        {
          publicKey: PB,
          presharedKey: PSK,
          endpoint: { address: 'fd00:50::2', port: 51821 },
          persistentKeepaliveInterval: 25,
          replaceAllowedIPs: true,
          allowedIPs: ['10.77.0.2/32', 'fd77::2/128'],
        },
        { publicKey: PC, remove: true },
      ],
    };
    expect(encodeSetRequest(cfg)).toBe(textFixture('uapi-set-wg-set.txt'));
  });

  it('writes what `wg setconf` writes (replace_peers, fwmark 0, keepalive 0, 0.0.0.0/0)', () => {
    const cfg: DeviceConfig = {
      privateKey: KB,
      listenPort: 51821,
      firewallMark: 0,
      replacePeers: true,
      peers: [
        {
          publicKey: PA,
          presharedKey: PSK,
          endpoint: { address: '198.18.50.1', port: 51820 },
          persistentKeepaliveInterval: 0,
          replaceAllowedIPs: true,
          allowedIPs: ['10.77.0.1/32', 'fd77::1/128'],
        },
        { publicKey: PC, replaceAllowedIPs: true, allowedIPs: ['0.0.0.0/0'] },
      ],
    };
    expect(encodeSetRequest(cfg)).toBe(textFixture('uapi-set-wg-setconf.txt'));
  });

  it('clears a preshared key with null as `wg set ... preshared-key /dev/null` does', () => {
    expect(encodeSetRequest({ peers: [{ publicKey: PA, presharedKey: null }] })).toBe(textFixture('uapi-set-clear-psk.txt'));
  });

  it('puts update_only right after public_key, where wireguard-go decides whether to create', () => {
    const text = encodeSetRequest({ peers: [{ publicKey: PA, updateOnly: true, persistentKeepaliveInterval: 5 }] });
    expect(text).toBe(`set=1\npublic_key=${PA.toHex()}\nupdate_only=true\npersistent_keepalive_interval=5\n\n`);
  });

  it('clears the private key with null and writes canonical addresses', () => {
    const text = encodeSetRequest({
      privateKey: null,
      peers: [{ publicKey: PA, endpoint: { address: 'FD00:0:0::1', port: 1 }, allowedIPs: ['FD77:0::0/64'] }],
    });
    expect(text).toContain(`private_key=${'00'.repeat(32)}\n`);
    expect(text).toContain('endpoint=[fd00::1]:1\n');
    expect(text).toContain('allowed_ip=fd77::/64\n');
  });
});

describe('encodeSetRequest validation', () => {
  it.each<[string, DeviceConfig, string]>([
    ['listen port above 65535', { listenPort: 70000 }, 'listenPort'],
    ['negative fwmark', { firewallMark: -1 }, 'firewallMark'],
    ['fractional keepalive', { peers: [{ publicKey: PA, persistentKeepaliveInterval: 1.5 }] }, 'peers[0].persistentKeepaliveInterval'],
    ['bad prefix', { peers: [{ publicKey: PA, allowedIPs: ['10.0.0.1/32', '10.0.0.0/33'] }] }, 'peers[0].allowedIPs[1]'],
    ['prefix without length', { peers: [{ publicKey: PA, allowedIPs: ['10.0.0.1'] }] }, 'peers[0].allowedIPs[0]'],
    ['endpoint port 0', { peers: [{ publicKey: PA, endpoint: { address: '10.0.0.1', port: 0 } }] }, 'peers[0].endpoint.port'],
    ['endpoint host name', { peers: [{ publicKey: PA, endpoint: { address: 'example.com', port: 1 } }] }, 'peers[0].endpoint.address'],
    ['a key that is a string', { peers: [{ publicKey: PA.toBase64() as unknown as Key }] }, 'peers[0].publicKey'],
  ])('rejects %s before anything is sent, naming the field', (_name, cfg, field) => {
    let err: unknown;
    try {
      encodeSetRequest(cfg);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe(field);
  });
});

describe('get=1 round trip (property, seed 51820)', () => {
  /** formatGet renders a device the way wireguard-go answers get=1 (device keys, then peers). */
  function formatGet(d: Omit<Device, 'name' | 'type'>): string {
    const lines: string[] = [];
    if (d.privateKey) lines.push(`private_key=${d.privateKey.toHex()}`);
    lines.push(`listen_port=${d.listenPort}`);
    if (d.firewallMark !== 0) lines.push(`fwmark=${d.firewallMark}`);
    for (const p of d.peers) {
      const hs = p.lastHandshakeTime?.getTime() ?? 0;
      lines.push(
        `public_key=${p.publicKey.toHex()}`,
        `preshared_key=${(p.presharedKey ?? Key.zero()).toHex()}`,
        `protocol_version=${p.protocolVersion}`,
        ...(p.endpoint ? [`endpoint=${formatEndpoint(p.endpoint)}`] : []),
        `last_handshake_time_sec=${Math.floor(hs / 1000)}`,
        `last_handshake_time_nsec=${hs === 0 ? 0 : (hs % 1000) * 1_000_000 + 123}`,
        `tx_bytes=${p.transmitBytes}`,
        `rx_bytes=${p.receiveBytes}`,
        `persistent_keepalive_interval=${p.persistentKeepaliveInterval}`,
        ...p.allowedIPs.map((a) => `allowed_ip=${a}`),
      );
    }
    return lines.join('\n') + '\nerrno=0\n\n';
  }

  const canon = (address: string): string => formatIp(parseIp(address));

  it('parses 300 random devices back to what was rendered', () => {
    const rng = new Prng(51820);
    for (let i = 0; i < 300; i++) {
      const priv = rng.bool(0.8) ? Key.fromBytes(rng.bytes(32)) : undefined;
      const device: Omit<Device, 'name' | 'type'> = {
        ...(priv ? { privateKey: priv, publicKey: priv.publicKey() } : {}),
        listenPort: rng.int(0, 65535),
        firewallMark: rng.bool() ? 0 : rng.int(1, 0xffffffff),
        peers: Array.from({ length: rng.int(0, 6) }, (): Peer => {
          const v6 = rng.bool();
          return {
            publicKey: Key.fromBytes(rng.bytes(32)),
            ...(rng.bool() ? { presharedKey: Key.fromBytes(rng.bytes(32)) } : {}),
            ...(rng.bool(0.7) ? { endpoint: { address: canon(v6 ? rng.ipv6() : rng.ipv4()), port: rng.int(1, 65535) } } : {}),
            persistentKeepaliveInterval: rng.int(0, 65535),
            lastHandshakeTime: rng.bool() ? null : new Date(rng.int(1, 2 ** 31) * 1000 + rng.int(0, 999)),
            receiveBytes: rng.u64(),
            transmitBytes: rng.u64(),
            allowedIPs: Array.from({ length: rng.int(0, 5) }, () =>
              rng.bool() ? `${rng.ipv4()}/${rng.int(0, 32)}` : `${canon(rng.ipv6())}/${rng.int(0, 128)}`,
            ),
            protocolVersion: 1,
          };
        }),
      };
      const reply = parseGetReply(formatGet(device));
      expect(reply.errno, `seed 51820 case ${i}`).toBe(0);
      expect(reply.device, `seed 51820 case ${i}`).toEqual(device);
    }
  });
});
