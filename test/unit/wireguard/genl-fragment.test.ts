import { describe, expect, it } from 'vitest';
import {
  decodeWgMessage,
  encodeWgMessage,
  mergeDeviceParts,
  type WgAllowedIp,
  type WgDevice,
  type WgPeer,
} from '../../../agent/src/netlink/families/wireguard/codec.js';
import * as C from '../../../agent/src/netlink/families/wireguard/constants.js';
import { fragmentSetDevice, WG_SET_MESSAGE_MAX_BYTES } from '../../../agent/src/netlink/families/wireguard/fragment.js';
import { encodeMessage } from '../../../agent/src/netlink/wire/index.js';
import { NLM_F_ACK, NLM_F_REQUEST } from '../../../agent/src/netlink/wire/uapi/netlink.js';
import { AF_INET, AF_INET6 } from '../../../agent/src/netlink/wire/uapi/socket.js';
import { Prng } from '../../support/prng.js';

/** wire sends each fragment as one netlink message; this is the size the kernel sees. */
const wireBytes = (d: WgDevice): Buffer =>
  encodeMessage({ type: 0x18, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, data: encodeWgMessage(C.WG_CMD_SET_DEVICE, d) });

/** roundTrip encodes every fragment, decodes it back, and merges, as the kernel would apply them. */
const roundTrip = (frags: WgDevice[]): WgDevice =>
  mergeDeviceParts(frags.map((f) => decodeWgMessage(wireBytes(f).subarray(16)).device));

function peer(rng: Prng, ips: number, flags?: number): WgPeer {
  return {
    publicKey: Buffer.from(rng.bytes(32)),
    ...(flags !== undefined ? { flags } : {}),
    ...(rng.bool() ? { presharedKey: Buffer.from(rng.bytes(32)) } : {}),
    endpoint: rng.bool() ? { family: AF_INET, address: rng.ipv4(), port: rng.int(1, 65535) } : { family: AF_INET6, address: '2001:db8::1', port: 51820, flowInfo: 0, scopeId: 0 },
    persistentKeepaliveInterval: rng.int(0, 65535),
    // An empty list is not encoded at all (nothing to add), so the generator never makes one.
    ...(ips === 0 ? {} : { allowedIPs: Array.from({ length: ips }, (): WgAllowedIp => (rng.bool(0.7) ? { family: AF_INET, address: rng.ipv4(), cidrMask: rng.int(0, 32) } : { family: AF_INET6, address: 'fd00::1', cidrMask: rng.int(0, 128) })) }),
  };
}

const DEVICE_FIELDS: WgDevice = {
  ifname: 'wg0',
  privateKey: Buffer.alloc(32, 1),
  listenPort: 51820,
  fwmark: 7,
  flags: C.WGDEVICE_F_REPLACE_PEERS,
};

describe('fragmentSetDevice: 1,000 peers x 10 allowed IPs', () => {
  const rng = new Prng(1000);
  const config: WgDevice = {
    ...DEVICE_FIELDS,
    peers: Array.from({ length: 1000 }, () => peer(rng, 10, C.WGPEER_F_REPLACE_ALLOWEDIPS)),
  };
  const frags = fragmentSetDevice(config);

  it('needs several messages, each at most WG_SET_MESSAGE_MAX_BYTES on the wire', () => {
    const sizes = frags.map((f) => wireBytes(f).length);
    expect(frags.length).toBeGreaterThan(5);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(WG_SET_MESSAGE_MAX_BYTES);
    // Packed, not one peer per message: all but the last are at least 90% full.
    for (const s of sizes.slice(0, -1)) expect(s).toBeGreaterThan(WG_SET_MESSAGE_MAX_BYTES * 0.9);
  });

  it('puts device fields and WGDEVICE_F_REPLACE_PEERS only in the first message', () => {
    const [first, ...rest] = frags;
    expect(first).toMatchObject({ ifname: 'wg0', listenPort: 51820, fwmark: 7, flags: C.WGDEVICE_F_REPLACE_PEERS });
    for (const f of rest) {
      expect(Object.keys(f).sort()).toEqual(['ifname', 'peers']);
    }
  });

  it('decodes and merges back to the original configuration', () => {
    expect(roundTrip(frags)).toEqual(config);
  });

  it('keeps every peer whole (no peer needs splitting at this size)', () => {
    const counts = frags.flatMap((f) => f.peers ?? []).map((p) => p.allowedIPs?.length);
    expect(counts).toHaveLength(1000);
    expect(new Set(counts)).toEqual(new Set([10]));
  });
});

describe('fragmentSetDevice: one peer with more allowed IPs than fit a message', () => {
  const rng = new Prng(4096);
  const big = peer(rng, 5000, C.WGPEER_F_REPLACE_ALLOWEDIPS | C.WGPEER_F_UPDATE_ONLY);
  const config: WgDevice = { ifindex: 9, peers: [peer(rng, 3), big, peer(rng, 2)] };
  const frags = fragmentSetDevice(config);
  const bigParts = frags.flatMap((f) => f.peers ?? []).filter((p) => p.publicKey.equals(big.publicKey));

  it('splits it, repeating the public key, each message under the bound', () => {
    expect(bigParts.length).toBeGreaterThan(2);
    for (const f of frags) expect(wireBytes(f).length).toBeLessThanOrEqual(WG_SET_MESSAGE_MAX_BYTES);
    for (const f of frags.slice(1)) expect(f.ifindex).toBe(9);
  });

  it('sets WGPEER_F_REPLACE_ALLOWEDIPS on its first fragment only, UPDATE_ONLY on all', () => {
    const [first, ...rest] = bigParts;
    expect(first?.flags).toBe(C.WGPEER_F_REPLACE_ALLOWEDIPS | C.WGPEER_F_UPDATE_ONLY);
    for (const p of rest) expect(p.flags).toBe(C.WGPEER_F_UPDATE_ONLY);
  });

  it('sends the PSK, endpoint and keepalive once, on the first fragment', () => {
    const [first, ...rest] = bigParts;
    expect(first?.endpoint).toEqual(big.endpoint);
    for (const p of rest) expect(Object.keys(p).sort()).toEqual(['allowedIPs', 'flags', 'publicKey']);
  });

  it('merges back to the original', () => {
    expect(roundTrip(frags)).toEqual(config);
  });
});

describe('fragmentSetDevice edge cases', () => {
  it('returns one message identical to the unfragmented encoding when everything fits', () => {
    const rng = new Prng(1);
    const config: WgDevice = { ...DEVICE_FIELDS, peers: [peer(rng, 2), peer(rng, 1)] };
    const frags = fragmentSetDevice(config);
    expect(frags).toHaveLength(1);
    expect(wireBytes(frags[0] ?? {}).equals(wireBytes(config))).toBe(true);
  });

  it('sends device fields alone when there are no peers', () => {
    const frags = fragmentSetDevice({ ifname: 'wg0', listenPort: 1 });
    expect(frags).toEqual([{ ifname: 'wg0', listenPort: 1 }]);
  });

  it('refuses a bound that cannot hold the device header or a peer\'s own fields', () => {
    expect(() => fragmentSetDevice(DEVICE_FIELDS, 64)).toThrow(/device header/);
    const rng = new Prng(2);
    expect(() => fragmentSetDevice({ ifname: 'wg0', peers: [peer(rng, 3)] }, 120)).toThrow(/cannot hold one peer/);
  });
});

describe('fragmentSetDevice properties (seeds 1..60)', () => {
  it('respects the bound, the flag rules, and merges back, for random configs and bounds', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rng = new Prng(seed);
      const bound = rng.int(400, 6000);
      const config: WgDevice = {
        ifname: `wg${seed}`,
        ...(rng.bool() ? { privateKey: Buffer.from(rng.bytes(32)), listenPort: rng.int(0, 65535) } : {}),
        ...(rng.bool() ? { flags: C.WGDEVICE_F_REPLACE_PEERS } : {}),
        peers: Array.from({ length: rng.int(0, 40) }, () =>
          peer(rng, rng.bool(0.2) ? rng.int(50, 400) : rng.int(0, 5), rng.pick([undefined, C.WGPEER_F_REPLACE_ALLOWEDIPS, C.WGPEER_F_UPDATE_ONLY | C.WGPEER_F_REPLACE_ALLOWEDIPS])),
        ),
      };
      const frags = fragmentSetDevice(config, bound);
      const why = `seed ${seed}, bound ${bound}`;
      for (const f of frags) expect(wireBytes(f).length, why).toBeLessThanOrEqual(bound);
      for (const f of frags.slice(1)) expect((f.flags ?? 0) & C.WGDEVICE_F_REPLACE_PEERS, why).toBe(0);
      const seen = new Set<string>();
      for (const p of frags.flatMap((f) => f.peers ?? [])) {
        const k = p.publicKey.toString('hex');
        if (seen.has(k)) expect((p.flags ?? 0) & C.WGPEER_F_REPLACE_ALLOWEDIPS, why).toBe(0);
        seen.add(k);
      }
      const expected = config.peers?.length === 0 ? (({ peers: _p, ...rest }) => rest)(config) : config;
      expect(roundTrip(frags), why).toEqual(expected);
    }
  });
});
