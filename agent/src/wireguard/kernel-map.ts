/**
 * Mapping between the WireGuard model (types.ts) and the kernel-shaped genl records
 * (netlink/families/wireguard/codec.ts). Pure, so the kernel backend's translation is tested
 * without a kernel; kernel.ts only adds the round trips.
 */
import type { WgDevice, WgPeer } from '../netlink/families/wireguard/codec.js';
import {
  WGDEVICE_F_REPLACE_PEERS,
  WGPEER_F_REMOVE_ME,
  WGPEER_F_REPLACE_ALLOWEDIPS,
  WGPEER_F_UPDATE_ONLY,
} from '../netlink/families/wireguard/constants.js';
import type { Sockaddr } from '../netlink/wire/address.js';
import { AF_INET, AF_INET6 } from '../netlink/wire/uapi/socket.js';
import { ConfigError } from './errors.js';
import { formatIp, parseIp, parsePrefix } from './ip.js';
import { Key } from './keys.js';
import type { Device, DeviceConfig, Peer, PeerConfig } from './types.js';
import { validateDeviceConfig } from './validate.js';

/**
 * toSetDevice turns a DeviceConfig into the WG_CMD_SET_DEVICE attributes for `name`
 * (validated first; null keys become the all-zero key, which the kernel reads as "clear").
 */
export function toSetDevice(name: string, config: DeviceConfig): WgDevice {
  const cfg = validateDeviceConfig(config);
  const d: WgDevice = { ifname: name };
  if (cfg.privateKey !== undefined) d.privateKey = keyBytes(cfg.privateKey);
  if (cfg.listenPort !== undefined) d.listenPort = cfg.listenPort;
  if (cfg.firewallMark !== undefined) d.fwmark = cfg.firewallMark;
  if (cfg.replacePeers === true) d.flags = WGDEVICE_F_REPLACE_PEERS;
  if (cfg.peers !== undefined && cfg.peers.length > 0) d.peers = cfg.peers.map(toSetPeer);
  return d;
}

function toSetPeer(p: PeerConfig): WgPeer {
  const flags =
    (p.remove === true ? WGPEER_F_REMOVE_ME : 0) |
    (p.updateOnly === true ? WGPEER_F_UPDATE_ONLY : 0) |
    (p.replaceAllowedIPs === true && p.remove !== true ? WGPEER_F_REPLACE_ALLOWEDIPS : 0);
  const w: WgPeer = { publicKey: keyBytes(p.publicKey) };
  if (flags !== 0) w.flags = flags;
  if (p.remove === true) return w;
  if (p.presharedKey !== undefined) w.presharedKey = keyBytes(p.presharedKey);
  if (p.endpoint !== undefined) w.endpoint = toSockaddr(p.endpoint.address, p.endpoint.port);
  if (p.persistentKeepaliveInterval !== undefined) w.persistentKeepaliveInterval = p.persistentKeepaliveInterval;
  if (p.allowedIPs !== undefined && p.allowedIPs.length > 0) {
    w.allowedIPs = p.allowedIPs.map((text) => {
      const prefix = parsePrefix(text);
      return {
        family: prefix.address.family === 4 ? AF_INET : AF_INET6,
        address: formatIp(prefix.address),
        cidrMask: prefix.prefixLength,
      };
    });
  }
  return w;
}

/** fromGetDevice turns a merged WG_CMD_GET_DEVICE dump into a Device. */
export function fromGetDevice(name: string, d: WgDevice): Device {
  const device: Device = {
    name: d.ifname ?? name,
    type: 'kernel',
    listenPort: d.listenPort ?? 0,
    firewallMark: d.fwmark ?? 0,
    peers: (d.peers ?? []).map(fromGetPeer),
  };
  const priv = optionalKey(d.privateKey);
  if (priv) {
    device.privateKey = priv;
    device.publicKey = optionalKey(d.publicKey) ?? priv.publicKey();
  }
  return device;
}

function fromGetPeer(w: WgPeer): Peer {
  const hs = w.lastHandshakeTime;
  const peer: Peer = {
    publicKey: Key.fromBytes(w.publicKey, 'WGPEER_A_PUBLIC_KEY'),
    persistentKeepaliveInterval: w.persistentKeepaliveInterval ?? 0,
    lastHandshakeTime: !hs || (hs.sec === 0n && hs.nsec === 0n) ? null : new Date(Number(hs.sec * 1000n + hs.nsec / 1_000_000n)),
    receiveBytes: w.rxBytes ?? 0n,
    transmitBytes: w.txBytes ?? 0n,
    allowedIPs: (w.allowedIPs ?? []).map((a) => `${a.address}/${a.cidrMask}`),
    protocolVersion: w.protocolVersion ?? 0,
  };
  const psk = optionalKey(w.presharedKey);
  if (psk) peer.presharedKey = psk;
  if (w.endpoint) {
    const scope = w.endpoint.scopeId !== undefined && w.endpoint.scopeId !== 0 ? `%${w.endpoint.scopeId}` : '';
    peer.endpoint = { address: w.endpoint.address + scope, port: w.endpoint.port };
  }
  return peer;
}

function keyBytes(k: Key | null): Buffer {
  return Buffer.from((k ?? Key.zero()).bytes());
}

/** optionalKey maps an absent or all-zero key (the kernel's "none") to undefined. */
function optionalKey(bytes: Buffer | undefined): Key | undefined {
  if (!bytes) return undefined;
  const k = Key.fromBytes(bytes);
  return k.isZero() ? undefined : k;
}

/** toSockaddr builds sockaddr_in/in6; a zone must be numeric (sin6_scope_id is an ifindex). */
function toSockaddr(address: string, port: number): Sockaddr {
  const ip = parseIp(address, 'endpoint.address');
  const text = formatIp({ family: ip.family, bytes: ip.bytes });
  if (ip.family === 4) return { family: AF_INET, address: text, port };
  if (ip.zone !== undefined && !/^[0-9]+$/.test(ip.zone)) {
    throw new ConfigError('endpoint.address', `the kernel needs a numeric zone (ifindex), got ${JSON.stringify(ip.zone)}`);
  }
  return { family: AF_INET6, address: text, port, flowInfo: 0, scopeId: ip.zone === undefined ? 0 : Number(ip.zone) };
}
