import { describe, expect, it } from 'vitest';
import {
  decodeWgMessage,
  encodeGetDevice,
  encodeWgMessage,
  mergeDeviceParts,
  type WgDevice,
  type WgPeer,
} from '../../../agent/src/netlink/families/wireguard/codec.js';
import * as C from '../../../agent/src/netlink/families/wireguard/constants.js';
import { AttributeEncoder, decodeMessages, encodeMessage, encodeMessages } from '../../../agent/src/netlink/wire/index.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE } from '../../../agent/src/netlink/wire/uapi/netlink.js';
import { AF_INET, AF_INET6 } from '../../../agent/src/netlink/wire/uapi/socket.js';
import { hexFixture } from '../../support/wireguard/fixtures.js';

/** The fixtures' key(b): 31 bytes of b, then b ^ 0x5a (see gen.py). */
const key = (b: number): Buffer => Buffer.from([...new Array<number>(31).fill(b), b ^ 0x5a]);
const FAMILY_ID = 0x18;

const SET_DEVICE: WgDevice = {
  listenPort: 51820,
  fwmark: 0x42,
  ifname: 'wg0',
  privateKey: key(0x11),
  flags: C.WGDEVICE_F_REPLACE_PEERS,
  peers: [
    {
      publicKey: key(0x22),
      flags: C.WGPEER_F_REPLACE_ALLOWEDIPS,
      presharedKey: key(0x33),
      persistentKeepaliveInterval: 25,
      endpoint: { family: AF_INET6, address: 'fd00:50::2', port: 51821, flowInfo: 0, scopeId: 0 },
      allowedIPs: [
        { family: AF_INET, address: '10.77.0.2', cidrMask: 32 },
        { family: AF_INET6, address: 'fd77::2', cidrMask: 128 },
      ],
    },
    { publicKey: key(0x44), flags: C.WGPEER_F_REMOVE_ME },
  ],
};

describe('WG_CMD_SET_DEVICE codec (fixture set-device.hex)', () => {
  const bytes = hexFixture('genl/set-device.hex');

  it('encodes the configuration to the fixture bytes', () => {
    const data = encodeWgMessage(C.WG_CMD_SET_DEVICE, SET_DEVICE);
    expect(encodeMessage({ type: FAMILY_ID, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 7, data }).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('decodes the fixture and re-encodes it byte for byte', () => {
    const [msg] = decodeMessages(bytes);
    if (!msg) throw new Error('no message');
    const decoded = decodeWgMessage(msg.data);
    expect(decoded).toEqual({ command: C.WG_CMD_SET_DEVICE, version: 1, device: SET_DEVICE });
    expect(encodeWgMessage(decoded.command, decoded.device).equals(msg.data)).toBe(true);
  });
});

describe('WG_CMD_GET_DEVICE dump (fixture get-device-multipart.hex)', () => {
  const bytes = hexFixture('genl/get-device-multipart.hex');
  const messages = decodeMessages(bytes);
  const wgMessages = messages.filter((m) => m.header.type === FAMILY_ID);

  it('is three multipart WireGuard messages and a DONE', () => {
    expect(messages.map((m) => [m.header.type, m.header.flags, m.header.seq])).toEqual([
      [FAMILY_ID, NLM_F_MULTI, 9],
      [FAMILY_ID, NLM_F_MULTI, 9],
      [FAMILY_ID, NLM_F_MULTI, 9],
      [NLMSG_DONE, NLM_F_MULTI, 9],
    ]);
  });

  it('round-trips every part decode -> encode byte for byte', () => {
    for (const m of wgMessages) {
      const d = decodeWgMessage(m.data);
      expect(d.command).toBe(C.WG_CMD_GET_DEVICE);
      expect(encodeWgMessage(d.command, d.device).equals(m.data)).toBe(true);
    }
    const rebuilt = encodeMessages(messages.map((m) => ({ type: m.header.type, flags: m.header.flags, seq: m.header.seq, pid: m.header.pid, data: m.data })));
    expect(rebuilt.equals(bytes)).toBe(true);
  });

  it('merges the parts: device fields once, the split peer coalesced, peers in order', () => {
    const merged = mergeDeviceParts(wgMessages.map((m) => decodeWgMessage(m.data).device));
    const { peers, ...device } = merged;
    expect(device).toEqual({ listenPort: 51820, fwmark: 0, ifindex: 5, ifname: 'wg0', privateKey: key(0x11), publicKey: key(0x12) });
    expect(peers?.map((p) => p.publicKey[0])).toEqual([0x22, 0x55, 0x66]);
    const [p22, p55, p66] = peers ?? [];
    expect(p22).toEqual<WgPeer>({
      publicKey: key(0x22),
      presharedKey: key(0x33),
      lastHandshakeTime: { sec: 1795636218n, nsec: 427416732n },
      persistentKeepaliveInterval: 25,
      txBytes: 5_000_000_000n,
      rxBytes: 476n,
      protocolVersion: 1,
      endpoint: { family: AF_INET6, address: 'fd00:50::2', port: 51821, flowInfo: 0, scopeId: 0 },
      allowedIPs: [
        { family: AF_INET, address: '10.77.0.2', cidrMask: 32 },
        { family: AF_INET6, address: 'fd77::2', cidrMask: 128 },
        { family: AF_INET, address: '192.168.77.0', cidrMask: 24 },
      ],
    });
    expect(p55?.endpoint).toEqual({ family: AF_INET, address: '198.18.50.9', port: 51999 });
    expect(p55?.presharedKey).toEqual(Buffer.alloc(32));
    expect(p66?.allowedIPs).toBeUndefined();
    expect(p66?.endpoint).toBeUndefined();
  });

  it('does not merge the same key when it is not adjacent', () => {
    const a: WgPeer = { publicKey: key(1), allowedIPs: [{ family: AF_INET, address: '10.0.0.1', cidrMask: 32 }] };
    const b: WgPeer = { publicKey: key(2) };
    const merged = mergeDeviceParts([{ peers: [a, b] }, { peers: [a] }]);
    expect(merged.peers?.map((p) => p.publicKey[0])).toEqual([1, 2, 1]);
  });
});

describe('decoder robustness', () => {
  it('keeps unknown attributes and skips the u64 alignment pad (WGPEER_A_UNSPEC)', () => {
    const data = encodeWgMessage(C.WG_CMD_GET_DEVICE, {
      ifname: 'wg0',
      peers: [{ publicKey: key(1), unknown: [{ type: C.WGPEER_A_UNSPEC, flags: 0, data: Buffer.alloc(0) }, { type: 42, flags: 0, data: Buffer.from([1, 2, 3, 4]) }] }],
      unknown: [{ type: 99, flags: 0, data: Buffer.from('hi') }],
    });
    const d = decodeWgMessage(data).device;
    expect(d.unknown).toEqual([{ type: 99, flags: 0, data: Buffer.from('hi') }]);
    expect(d.peers?.[0]?.unknown).toEqual([{ type: 42, flags: 0, data: Buffer.from([1, 2, 3, 4]) }]);
  });

  it.each<[string, WgDevice]>([
    ['a 31-byte private key', { privateKey: Buffer.alloc(31) }],
    ['a 33-byte peer key', { peers: [{ publicKey: Buffer.alloc(33) }] }],
  ])('refuses to encode %s', (_name, d) => {
    expect(() => encodeWgMessage(C.WG_CMD_SET_DEVICE, d)).toThrow(/expected 32 bytes/);
  });

  it('rejects a peer without a public key and an allowed IP with a wrong-sized address', () => {
    const genl = Buffer.from([C.WG_CMD_GET_DEVICE, 1, 0, 0]);
    const noKey = new AttributeEncoder()
      .nested(C.WGDEVICE_A_PEERS, (peers) => peers.nested(0, (p) => p.u16(C.WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25)))
      .finish();
    expect(() => decodeWgMessage(Buffer.concat([genl, noKey]))).toThrow(/without WGPEER_A_PUBLIC_KEY/);
    const shortIp = new AttributeEncoder()
      .nested(C.WGDEVICE_A_PEERS, (peers) =>
        peers.nested(0, (p) =>
          p.bytes(C.WGPEER_A_PUBLIC_KEY, key(1)).nested(C.WGPEER_A_ALLOWEDIPS, (ips) =>
            ips.nested(0, (ip) => ip.u8(C.WGALLOWEDIP_A_CIDR_MASK, 24).u16(C.WGALLOWEDIP_A_FAMILY, AF_INET6).bytes(C.WGALLOWEDIP_A_IPADDR, Buffer.alloc(4))),
          ),
        ),
      )
      .finish();
    expect(() => decodeWgMessage(Buffer.concat([genl, shortIp]))).toThrow(/family 10 with 4-byte address/);
  });

  it('builds the GET_DEVICE request by name or index', () => {
    expect(decodeWgMessage(encodeGetDevice({ ifname: 'wg0' }))).toEqual({ command: 0, version: 1, device: { ifname: 'wg0' } });
    expect(decodeWgMessage(encodeGetDevice({ ifindex: 7 })).device).toEqual({ ifindex: 7 });
    expect(NLM_F_DUMP).toBe(0x300);
  });
});
