/**
 * Validation of DeviceConfig before either backend encodes it. Both wireguard-go and the kernel
 * apply a configuration line by line / attribute by attribute and stop at the first bad one,
 * leaving what came before applied (see test/fixtures/wireguard/uapi-get-partial-set.txt), so
 * everything that can be checked here is checked here, with the field path in the error.
 */
import { ConfigError } from './errors.js';
import { normalizeEndpoint, normalizePrefix } from './ip.js';
import { Key } from './keys.js';
import type { DeviceConfig, PeerConfig } from './types.js';

export const U16_MAX = 0xffff;
export const U32_MAX = 0xffff_ffff;

/**
 * validateDeviceConfig checks cfg and returns a copy with canonical addresses.
 * `encodeSetRequest` (uapi-codec.ts) makes the same checks in the same order in one pass while it
 * encodes; keep the two in step.
 */
export function validateDeviceConfig(cfg: DeviceConfig): DeviceConfig {
  const out: DeviceConfig = {};
  if (cfg.privateKey !== undefined) {
    if (cfg.privateKey !== null) checkKey(cfg.privateKey, 'privateKey');
    out.privateKey = cfg.privateKey;
  }
  if (cfg.listenPort !== undefined) out.listenPort = checkInt(cfg.listenPort, 0, U16_MAX, 'listenPort');
  if (cfg.firewallMark !== undefined) out.firewallMark = checkInt(cfg.firewallMark, 0, U32_MAX, 'firewallMark');
  if (cfg.replacePeers !== undefined) out.replacePeers = cfg.replacePeers;
  if (cfg.peers !== undefined) out.peers = cfg.peers.map((p, i) => validatePeerConfig(p, `peers[${i}]`));
  return out;
}

function validatePeerConfig(p: PeerConfig, field: string): PeerConfig {
  const out: PeerConfig = { publicKey: checkKey(p.publicKey, `${field}.publicKey`) };
  if (p.remove !== undefined) out.remove = p.remove;
  if (p.updateOnly !== undefined) out.updateOnly = p.updateOnly;
  if (p.presharedKey !== undefined) {
    if (p.presharedKey !== null) checkKey(p.presharedKey, `${field}.presharedKey`);
    out.presharedKey = p.presharedKey;
  }
  if (p.endpoint !== undefined) {
    out.endpoint = normalizeEndpoint(p.endpoint, `${field}.endpoint`);
  }
  if (p.persistentKeepaliveInterval !== undefined) {
    out.persistentKeepaliveInterval = checkInt(
      p.persistentKeepaliveInterval,
      0,
      U16_MAX,
      `${field}.persistentKeepaliveInterval`,
    );
  }
  if (p.replaceAllowedIPs !== undefined) out.replaceAllowedIPs = p.replaceAllowedIPs;
  if (p.allowedIPs !== undefined) {
    out.allowedIPs = p.allowedIPs.map((a, j) => normalizePrefix(a, `${field}.allowedIPs[${j}]`));
  }
  return out;
}

/** checkKey refuses anything but a Key (a string or bytes here is a caller bug). */
export function checkKey(k: unknown, field: string): Key {
  if (!(k instanceof Key)) throw new ConfigError(field, 'expected a Key (use Key.fromBase64)');
  return k;
}

export function checkInt(n: number, min: number, max: number, field: string): number {
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(field, `must be an integer ${min}..${max}, got ${n}`);
  }
  return n;
}

/** IFNAMSIZ - 1: the longest interface name Linux accepts. */
export const MAX_INTERFACE_NAME_LEN = 15;

/**
 * checkInterfaceName rejects names Linux would refuse and names that are unsafe as a file name
 * (the userspace backend turns the name into `<dir>/<name>.sock`).
 */
export function checkInterfaceName(name: string, field = 'name'): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..') {
    throw new ConfigError(field, `invalid interface name ${JSON.stringify(name)} (letters, digits, "_", ".", "-")`);
  }
  if (name.length > MAX_INTERFACE_NAME_LEN) {
    throw new ConfigError(field, `interface name ${JSON.stringify(name)} is longer than ${MAX_INTERFACE_NAME_LEN} characters`);
  }
  return name;
}
