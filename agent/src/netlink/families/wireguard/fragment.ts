/**
 * Splitting one WG_CMD_SET_DEVICE configuration into several messages, each under a byte bound,
 * as <linux/wireguard.h> describes ("several messages should be sent one after another, with
 * each successive one filling in information not contained in the prior") and as wgctrl-go's
 * `internal/wglinux` buildBatches does by count. We bound by encoded size instead of by count,
 * because peer sizes vary (a peer with 1,000 allowed IPs is ~28 KiB, one with none ~60 bytes).
 *
 * Rules the kernel's semantics impose on the fragments:
 * - Device fields (private key, listen port, fwmark) and WGDEVICE_F_REPLACE_PEERS only in the
 *   first message; a later REPLACE_PEERS would delete the peers the earlier ones added.
 * - A peer split across messages repeats its public key. WGPEER_F_REPLACE_ALLOWEDIPS is only on
 *   its first fragment (a later one would drop the IPs just added); its other fields (PSK,
 *   endpoint, keepalive) are sent once.
 * - WGPEER_F_UPDATE_ONLY and WGPEER_F_REMOVE_ME are repeated on every fragment: without
 *   UPDATE_ONLY a continuation would create the peer the first fragment declined to create.
 */
import { NLMSG_HDRLEN } from '../../wire/index.js';
import { GENL_HDRLEN } from '../../wire/uapi/genetlink.js';
import { NLA_HDRLEN } from '../../wire/uapi/netlink.js';
import { encodeAllowedIp, encodeDevice, encodePeer, type WgAllowedIp, type WgDevice, type WgPeer } from './codec.js';
import { WGDEVICE_F_REPLACE_PEERS, WGPEER_F_REMOVE_ME, WGPEER_F_UPDATE_ONLY } from './constants.js';

/**
 * WG_SET_MESSAGE_MAX_BYTES bounds one WG_CMD_SET_DEVICE message, netlink header included.
 * Why 32 KiB:
 * - WGDEVICE_A_PEERS is a single attribute whose nla_len is a u16, so a message's peers must
 *   encode to under 64 KiB or cannot be expressed at all; 32 KiB stays clear of that with any
 *   device-level attributes in front.
 * - The kernel refuses a datagram larger than the socket's send buffer minus 32 bytes
 *   (EMSGSIZE; net.core.wmem_default is 212,992 by default, but may be tuned lower).
 * - Each message is applied under rtnl_lock and the device mutex; a bounded message keeps each
 *   hold short, while 1,000 peers with 10 allowed IPs each still take only ~12 round trips.
 * wg(8) packs one page per message (libmnl's MNL_SOCKET_BUFFER_SIZE, 4 KiB on x86-64).
 */
export const WG_SET_MESSAGE_MAX_BYTES = 32 * 1024;

/** Bytes in front of the attributes of every message: nlmsghdr + genlmsghdr. */
const MESSAGE_OVERHEAD = NLMSG_HDRLEN + GENL_HDRLEN;

/**
 * fragmentSetDevice splits `device` (a SET_DEVICE configuration naming its device by ifname or
 * ifindex) into messages of at most `maxBytes` each, in the order they must be sent.
 * Merging the fragments back (mergeDeviceParts) yields the original configuration.
 */
export function fragmentSetDevice(device: WgDevice, maxBytes = WG_SET_MESSAGE_MAX_BYTES): WgDevice[] {
  const { peers = [], ...fields } = device;
  const target: WgDevice = device.ifindex !== undefined ? { ifindex: device.ifindex } : { ifname: device.ifname ?? '' };
  const minimum = MESSAGE_OVERHEAD + encodeDevice(fields).length + NLA_HDRLEN;
  if (minimum > maxBytes) throw new RangeError(`maxBytes ${maxBytes} is below the ${minimum}-byte device header`);

  const out: WgDevice[] = [];
  let cur: WgDevice = { ...fields };
  let curPeers: WgPeer[] = [];
  let size = minimum;
  const flush = (): void => {
    if (curPeers.length > 0) cur.peers = curPeers;
    out.push(cur);
    cur = { ...target };
    curPeers = [];
    size = MESSAGE_OVERHEAD + encodeDevice(target).length + NLA_HDRLEN;
  };
  const add = (p: WgPeer, bytes: number): void => {
    curPeers.push(p);
    size += bytes;
  };

  for (const peer of peers) {
    const whole = peerElementSize(peer);
    if (size + whole <= maxBytes) {
      add(peer, whole);
      continue;
    }
    if (curPeers.length > 0) flush();
    if (size + whole <= maxBytes) {
      add(peer, whole);
      continue;
    }
    splitPeer(peer, maxBytes, () => size, add, flush);
  }
  flush();
  // Only the first message may replace peers; later ones would undo the earlier ones.
  for (const msg of out.slice(1)) {
    if (msg.flags !== undefined) msg.flags &= ~WGDEVICE_F_REPLACE_PEERS;
  }
  return out;
}

/**
 * splitPeer spreads one peer that does not fit an empty message over several: the first
 * fragment carries every field, the others the public key, the sticky flags and more IPs.
 */
function splitPeer(
  peer: WgPeer,
  maxBytes: number,
  size: () => number,
  add: (p: WgPeer, bytes: number) => void,
  flush: () => void,
): void {
  const { allowedIPs = [], ...rest } = peer;
  const sticky = (peer.flags ?? 0) & (WGPEER_F_UPDATE_ONLY | WGPEER_F_REMOVE_ME);
  const continuation: WgPeer = { publicKey: peer.publicKey, ...(sticky !== 0 ? { flags: sticky } : {}) };
  let fragment: WgPeer = rest;
  // Each fragment costs its peer attributes plus the WGPEER_A_ALLOWEDIPS nest header.
  let base = elementSize(encodePeer(fragment)) + NLA_HDRLEN;
  let ips: WgAllowedIp[] = [];
  let ipBytes = 0;
  if (size() + base > maxBytes) throw new RangeError(`maxBytes ${maxBytes} cannot hold one peer`);
  for (const ip of allowedIPs) {
    const bytes = elementSize(encodeAllowedIp(ip));
    if (size() + base + ipBytes + bytes > maxBytes) {
      if (ips.length === 0) throw new RangeError(`maxBytes ${maxBytes} cannot hold one allowed IP`);
      add({ ...fragment, allowedIPs: ips }, base + ipBytes);
      flush();
      fragment = continuation;
      base = elementSize(encodePeer(fragment)) + NLA_HDRLEN;
      ips = [];
      ipBytes = 0;
    }
    ips.push(ip);
    ipBytes += bytes;
  }
  if (ips.length > 0) add({ ...fragment, allowedIPs: ips }, base + ipBytes);
  else if (fragment === rest) add(rest, base);
}

/**
 * peerElementSize is the encoded size of a peer's array element, summed per allowed IP rather
 * than encoded whole: a peer too big for one message is too big for one nla_len as well.
 */
function peerElementSize(peer: WgPeer): number {
  const { allowedIPs = [], ...rest } = peer;
  const ips = allowedIPs.reduce((n, ip) => n + elementSize(encodeAllowedIp(ip)), 0);
  return elementSize(encodePeer(rest)) + (allowedIPs.length > 0 ? NLA_HDRLEN + ips : 0);
}

/** elementSize is the size of one array element nest around the given attributes. */
function elementSize(attrs: Buffer): number {
  return NLA_HDRLEN + attrs.length;
}
