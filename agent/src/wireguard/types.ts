/**
 * The WireGuard device model, shaped after wgctrl-go's `wgtypes` (Device, Peer, Config,
 * PeerConfig) with TypeScript names. Both backends read into `Device` and write from
 * `DeviceConfig`, so everything above this folder is unaware of which one runs.
 *
 * Design decisions:
 * - Absent means "leave unchanged" in configs (as wgctrl's nil pointers), and `null` means
 *   "clear" where the protocol can clear (preshared key, private key).
 * - Counters are bigint: rx/tx bytes are u64 in both protocols and pass 2^53 on busy links.
 * - Keys are `Key` values, never strings, so a base64/hex mix-up cannot reach a device.
 */
import type { Endpoint } from './ip.js';
import type { Key } from './keys.js';

export type { Endpoint } from './ip.js';

/** Which implementation runs a device: the kernel module or wireguard-go. */
export type DeviceType = 'kernel' | 'userspace';

/** Peer is one peer as the device reports it (`wg show <dev> dump`, one peer line). */
export interface Peer {
  publicKey: Key;
  /** Absent when the peer has no preshared key (the protocols report all zeros). */
  presharedKey?: Key;
  /** Absent until configured or learned from an authenticated packet (roaming). */
  endpoint?: Endpoint;
  /** Seconds; 0 means off. */
  persistentKeepaliveInterval: number;
  /** null when the peer never completed a handshake. Millisecond precision (Date). */
  lastHandshakeTime: Date | null;
  receiveBytes: bigint;
  transmitBytes: bigint;
  /** CIDR prefixes in canonical text ("10.0.0.2/32", "fd00::/64"). */
  allowedIPs: string[];
  /** 1 on every current implementation; 0 when the device did not say. */
  protocolVersion: number;
}

/** Device is one WireGuard interface and its peers (`wg show <dev> dump`). */
export interface Device {
  name: string;
  type: DeviceType;
  /** Absent when no private key is set. Callers must never send it off the host. */
  privateKey?: Key;
  /** Derived from the private key; absent with it. */
  publicKey?: Key;
  /** UDP port the device listens on (0 before it has one). */
  listenPort: number;
  /** fwmark put on outgoing tunnel packets; 0 means none. */
  firewallMark: number;
  peers: Peer[];
}

/** PeerConfig changes one peer; absent fields are left as they are. */
export interface PeerConfig {
  publicKey: Key;
  /** Remove this peer (everything else in this PeerConfig is then ignored). */
  remove?: boolean;
  /** Only change the peer if it already exists; never create it. */
  updateOnly?: boolean;
  /** A key sets it; null clears it. */
  presharedKey?: Key | null;
  endpoint?: Endpoint;
  /** Seconds, 0..65535; 0 turns keepalives off. */
  persistentKeepaliveInterval?: number;
  /** Drop the peer's current allowed IPs before adding `allowedIPs`. */
  replaceAllowedIPs?: boolean;
  /** CIDR prefixes to add ("10.0.0.2/32"). */
  allowedIPs?: string[];
}

/** DeviceConfig changes a device; absent fields are left as they are. */
export interface DeviceConfig {
  /** A key sets it; null clears it (the device stops working until a key is set). */
  privateKey?: Key | null;
  /** 0..65535; 0 lets the device pick a port. */
  listenPort?: number;
  /** 0..2^32-1; 0 clears the mark. */
  firewallMark?: number;
  /**
   * Remove all current peers first, then apply `peers`. Listed peers are re-created, which
   * resets their session and counters (as `wg setconf` does).
   */
  replacePeers?: boolean;
  peers?: PeerConfig[];
}
