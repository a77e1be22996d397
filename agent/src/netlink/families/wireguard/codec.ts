/**
 * The generic netlink WireGuard family as pure encode/decode: WG_CMD_GET_DEVICE requests and
 * their multipart replies, WG_CMD_SET_DEVICE messages. Values stay kernel-shaped (keys as
 * 32-byte Buffers, sockaddr endpoints, flags as bit sets); the WireGuard layer above maps them
 * to its Device model. No I/O; fragment.ts splits large SET_DEVICE configurations.
 *
 * Design decisions:
 * - One attribute order for encoding, the order the kernel itself dumps in
 *   (drivers/net/wireguard/netlink.c: get_peer, get_allowedips, wg_get_device_dump), so a
 *   kernel-shaped fixture round-trips decode -> encode byte for byte; the kernel does not care
 *   about order on input.
 * - Array elements (peers, allowed IPs) are nests of type 0 with NLA_F_NESTED, as wg(8) writes
 *   them through libmnl and as the kernel dumps them; the kernel ignores the element type.
 * - WGPEER_A_UNSPEC is the 64-bit alignment pad of nla_put_u64_64bit on architectures without
 *   efficient unaligned access: skipped on decode, never an "unknown" attribute.
 * - Unknown attributes are kept (`unknown`) and re-encoded at the end of their nest.
 */
import {
  AttributeDecoder,
  AttributeEncoder,
  type Attribute,
  type RawAttribute,
  type Sockaddr,
  decodeGenlmsghdr,
  decodeSockaddr,
  encodeGenlmsghdr,
  encodeSockaddr,
  formatIp,
  parseIp,
  SIZEOF_GENLMSGHDR,
  WireError,
} from '../../wire/index.js';
import { NLA_F_NESTED } from '../../wire/uapi/netlink.js';
import { AF_INET, AF_INET6 } from '../../wire/uapi/socket.js';
import * as C from './constants.js';

/** Type of a peer or allowed-IP array element: index 0, flagged as a nest (as libmnl writes it). */
const ARRAY_ELEMENT = 0 | NLA_F_NESTED;

/** One WGALLOWEDIP_A_* nest. */
export interface WgAllowedIp {
  family: number;
  /** Text form of WGALLOWEDIP_A_IPADDR. */
  address: string;
  cidrMask: number;
}

/** struct __kernel_timespec of WGPEER_A_LAST_HANDSHAKE_TIME. */
export interface WgTimespec {
  sec: bigint;
  nsec: bigint;
}

/** One peer nest inside WGDEVICE_A_PEERS. */
export interface WgPeer {
  publicKey: Buffer;
  presharedKey?: Buffer;
  /** WGPEER_F_* bits (set only). */
  flags?: number;
  endpoint?: Sockaddr;
  persistentKeepaliveInterval?: number;
  lastHandshakeTime?: WgTimespec;
  rxBytes?: bigint;
  txBytes?: bigint;
  allowedIPs?: WgAllowedIp[];
  protocolVersion?: number;
  unknown?: RawAttribute[];
}

/** The attributes of one WireGuard genl message (a request, a reply part or a merged reply). */
export interface WgDevice {
  ifindex?: number;
  ifname?: string;
  privateKey?: Buffer;
  publicKey?: Buffer;
  /** WGDEVICE_F_* bits (set only). */
  flags?: number;
  listenPort?: number;
  fwmark?: number;
  peers?: WgPeer[];
  unknown?: RawAttribute[];
}

/** A decoded genl WireGuard message: genlmsghdr plus device attributes. */
export interface WgMessage {
  command: number;
  version: number;
  device: WgDevice;
}

/** encodeWgMessage builds the payload of one genl message (genlmsghdr + attributes). */
export function encodeWgMessage(command: number, device: WgDevice): Buffer {
  return Buffer.concat([encodeGenlmsghdr({ command, version: C.WG_GENL_VERSION }), encodeDevice(device)]);
}

/** decodeWgMessage parses the payload of one genl message (after the nlmsghdr). */
export function decodeWgMessage(data: Buffer): WgMessage {
  const hdr = decodeGenlmsghdr(data);
  return { command: hdr.command, version: hdr.version, device: decodeDevice(data.subarray(SIZEOF_GENLMSGHDR)) };
}

/**
 * encodeGetDevice builds a WG_CMD_GET_DEVICE request payload; it must be sent with
 * NLM_F_REQUEST | NLM_F_DUMP and names the device by exactly one of ifindex / ifname.
 */
export function encodeGetDevice(target: { ifname: string } | { ifindex: number }): Buffer {
  return encodeWgMessage(C.WG_CMD_GET_DEVICE, 'ifname' in target ? { ifname: target.ifname } : { ifindex: target.ifindex });
}

/** encodeDevice writes the device attributes (no genlmsghdr). */
export function encodeDevice(d: WgDevice): Buffer {
  const e = new AttributeEncoder();
  if (d.listenPort !== undefined) e.u16(C.WGDEVICE_A_LISTEN_PORT, d.listenPort);
  if (d.fwmark !== undefined) e.u32(C.WGDEVICE_A_FWMARK, d.fwmark);
  if (d.ifindex !== undefined) e.u32(C.WGDEVICE_A_IFINDEX, d.ifindex);
  if (d.ifname !== undefined) e.string(C.WGDEVICE_A_IFNAME, d.ifname);
  if (d.privateKey !== undefined) e.bytes(C.WGDEVICE_A_PRIVATE_KEY, checkKey(d.privateKey, 'WGDEVICE_A_PRIVATE_KEY'));
  if (d.publicKey !== undefined) e.bytes(C.WGDEVICE_A_PUBLIC_KEY, checkKey(d.publicKey, 'WGDEVICE_A_PUBLIC_KEY'));
  if (d.flags !== undefined) e.u32(C.WGDEVICE_A_FLAGS, d.flags);
  if (d.peers !== undefined && d.peers.length > 0) {
    e.nested(C.WGDEVICE_A_PEERS, (pe) => {
      for (const p of d.peers ?? []) pe.bytes(ARRAY_ELEMENT, encodePeer(p));
    });
  }
  for (const u of d.unknown ?? []) e.raw(u);
  return e.finish();
}

/** encodePeer writes the attributes inside one peer nest. */
export function encodePeer(p: WgPeer): Buffer {
  const e = new AttributeEncoder();
  e.bytes(C.WGPEER_A_PUBLIC_KEY, checkKey(p.publicKey, 'WGPEER_A_PUBLIC_KEY'));
  if (p.flags !== undefined) e.u32(C.WGPEER_A_FLAGS, p.flags);
  if (p.presharedKey !== undefined) e.bytes(C.WGPEER_A_PRESHARED_KEY, checkKey(p.presharedKey, 'WGPEER_A_PRESHARED_KEY'));
  if (p.lastHandshakeTime !== undefined) {
    const ts = Buffer.alloc(C.SIZEOF_KERNEL_TIMESPEC);
    ts.writeBigInt64LE(p.lastHandshakeTime.sec, 0);
    ts.writeBigInt64LE(p.lastHandshakeTime.nsec, 8);
    e.bytes(C.WGPEER_A_LAST_HANDSHAKE_TIME, ts);
  }
  if (p.persistentKeepaliveInterval !== undefined) e.u16(C.WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p.persistentKeepaliveInterval);
  if (p.txBytes !== undefined) e.u64(C.WGPEER_A_TX_BYTES, p.txBytes);
  if (p.rxBytes !== undefined) e.u64(C.WGPEER_A_RX_BYTES, p.rxBytes);
  if (p.protocolVersion !== undefined) e.u32(C.WGPEER_A_PROTOCOL_VERSION, p.protocolVersion);
  if (p.endpoint !== undefined) e.bytes(C.WGPEER_A_ENDPOINT, encodeSockaddr(p.endpoint));
  if (p.allowedIPs !== undefined && p.allowedIPs.length > 0) {
    e.nested(C.WGPEER_A_ALLOWEDIPS, (ae) => {
      for (const a of p.allowedIPs ?? []) ae.bytes(ARRAY_ELEMENT, encodeAllowedIp(a));
    });
  }
  for (const u of p.unknown ?? []) e.raw(u);
  return e.finish();
}

/** encodeAllowedIp writes the attributes inside one allowed-IP nest. */
export function encodeAllowedIp(a: WgAllowedIp): Buffer {
  return new AttributeEncoder()
    .u8(C.WGALLOWEDIP_A_CIDR_MASK, a.cidrMask)
    .u16(C.WGALLOWEDIP_A_FAMILY, a.family)
    .bytes(C.WGALLOWEDIP_A_IPADDR, parseIp(a.address))
    .finish();
}

/** decodeDevice parses device attributes (no genlmsghdr). */
export function decodeDevice(buf: Buffer): WgDevice {
  const d: WgDevice = {};
  const unknown: RawAttribute[] = [];
  for (const a of new AttributeDecoder(buf)) {
    switch (a.type) {
      case C.WGDEVICE_A_IFINDEX: d.ifindex = a.u32(); break;
      case C.WGDEVICE_A_IFNAME: d.ifname = a.string(); break;
      case C.WGDEVICE_A_PRIVATE_KEY: d.privateKey = keyOf(a, 'WGDEVICE_A_PRIVATE_KEY'); break;
      case C.WGDEVICE_A_PUBLIC_KEY: d.publicKey = keyOf(a, 'WGDEVICE_A_PUBLIC_KEY'); break;
      case C.WGDEVICE_A_FLAGS: d.flags = a.u32(); break;
      case C.WGDEVICE_A_LISTEN_PORT: d.listenPort = a.u16(); break;
      case C.WGDEVICE_A_FWMARK: d.fwmark = a.u32(); break;
      case C.WGDEVICE_A_PEERS: d.peers = [...a.nested()].map((p) => decodePeer(p.nested())); break;
      default: unknown.push(a.raw());
    }
  }
  if (unknown.length > 0) d.unknown = unknown;
  return d;
}

function decodePeer(attrs: AttributeDecoder): WgPeer {
  const unknown: RawAttribute[] = [];
  let publicKey: Buffer | undefined;
  const p: Omit<WgPeer, 'publicKey'> = {};
  for (const a of attrs) {
    switch (a.type) {
      case C.WGPEER_A_UNSPEC: break; // u64 alignment pad
      case C.WGPEER_A_PUBLIC_KEY: publicKey = keyOf(a, 'WGPEER_A_PUBLIC_KEY'); break;
      case C.WGPEER_A_PRESHARED_KEY: p.presharedKey = keyOf(a, 'WGPEER_A_PRESHARED_KEY'); break;
      case C.WGPEER_A_FLAGS: p.flags = a.u32(); break;
      case C.WGPEER_A_ENDPOINT: p.endpoint = decodeSockaddr(a.data); break;
      case C.WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL: p.persistentKeepaliveInterval = a.u16(); break;
      case C.WGPEER_A_LAST_HANDSHAKE_TIME: p.lastHandshakeTime = timespecOf(a); break;
      case C.WGPEER_A_RX_BYTES: p.rxBytes = a.u64(); break;
      case C.WGPEER_A_TX_BYTES: p.txBytes = a.u64(); break;
      case C.WGPEER_A_ALLOWEDIPS: p.allowedIPs = [...a.nested()].map((ip) => decodeAllowedIp(ip.nested(), ip.offset)); break;
      case C.WGPEER_A_PROTOCOL_VERSION: p.protocolVersion = a.u32(); break;
      default: unknown.push(a.raw());
    }
  }
  if (publicKey === undefined) throw new WireError('peer without WGPEER_A_PUBLIC_KEY');
  if (unknown.length > 0) p.unknown = unknown;
  return { publicKey, ...p };
}

function decodeAllowedIp(attrs: AttributeDecoder, offset: number): WgAllowedIp {
  const family = attrs.u16(C.WGALLOWEDIP_A_FAMILY);
  const addr = attrs.get(C.WGALLOWEDIP_A_IPADDR);
  const cidrMask = attrs.u8(C.WGALLOWEDIP_A_CIDR_MASK);
  if (family === undefined || addr === undefined || cidrMask === undefined) {
    throw new WireError('allowed IP without family, address or mask', offset);
  }
  const want = family === AF_INET ? 4 : family === AF_INET6 ? 16 : -1;
  if (addr.data.length !== want) throw new WireError(`allowed IP family ${family} with ${addr.data.length}-byte address`, addr.offset);
  return { family, address: formatIp(addr.data), cidrMask };
}

function keyOf(a: Attribute, name: string): Buffer {
  if (a.data.length !== C.WG_KEY_LEN) throw new WireError(`${name}: expected ${C.WG_KEY_LEN} bytes, got ${a.data.length}`, a.offset);
  return a.bytes();
}

function checkKey(k: Uint8Array, name: string): Uint8Array {
  if (k.length !== C.WG_KEY_LEN) throw new WireError(`${name}: expected ${C.WG_KEY_LEN} bytes, got ${k.length}`);
  return k;
}

function timespecOf(a: Attribute): WgTimespec {
  if (a.data.length !== C.SIZEOF_KERNEL_TIMESPEC) {
    throw new WireError(`WGPEER_A_LAST_HANDSHAKE_TIME: expected ${C.SIZEOF_KERNEL_TIMESPEC} bytes, got ${a.data.length}`, a.offset);
  }
  return { sec: a.data.readBigInt64LE(0), nsec: a.data.readBigInt64LE(8) };
}

/**
 * mergeDeviceParts coalesces the messages of one WG_CMD_GET_DEVICE dump (or the fragments of a
 * SET_DEVICE) into one device. Device fields come from the first message that has them (later
 * parts carry only peers, and maybe the name). A peer whose public key equals the previous
 * peer's continues it: its allowed IPs are appended, as <linux/wireguard.h> asks receivers to do.
 */
export function mergeDeviceParts(parts: readonly WgDevice[]): WgDevice {
  const out: WgDevice = {};
  const peers: WgPeer[] = [];
  for (const part of parts) {
    const { peers: partPeers, ...fields } = part;
    for (const [k, v] of Object.entries(fields) as Array<[keyof typeof fields, unknown]>) {
      if (v !== undefined && out[k] === undefined) (out as Record<string, unknown>)[k] = v;
    }
    for (const p of partPeers ?? []) {
      const last = peers[peers.length - 1];
      if (last !== undefined && last.publicKey.equals(p.publicKey)) {
        if (p.allowedIPs !== undefined) last.allowedIPs = [...(last.allowedIPs ?? []), ...p.allowedIPs];
      } else {
        peers.push({ ...p, ...(p.allowedIPs ? { allowedIPs: [...p.allowedIPs] } : {}) });
      }
    }
  }
  if (peers.length > 0 || parts.some((p) => p.peers !== undefined)) out.peers = peers;
  return out;
}
