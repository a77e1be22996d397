/**
 * Input rules for networks and peers, with messages written for the person at the form.
 * Pure: the caller passes in whatever context a rule needs (other networks, the peer's
 * network), and gets back errors (the write must not happen) and warnings (allowed, but shown).
 *
 * Design decisions:
 * - Rules return every issue at once rather than throwing on the first, so a form can mark all
 *   bad fields in one round trip; `assertValid` turns errors into one ValidationError.
 * - zod (in the RPC layer) checks shapes and types; these functions check meaning (a port in
 *   range, a subnet that does not overlap another network's), so the same rules also guard
 *   imports and the `call` CLI.
 */
import { isIp, normalizeCidr, overlaps, parseCidr, parseNetworkSubnet, type Cidr } from './cidr.js';
import { EndpointError, parseHostPort } from './endpoint.js';
import { checkAddressInSubnet } from './ipam.js';
import { NETWORK_MODES, PEER_ROLES, type Network, type NetworkMode, type PeerRole } from './model.js';

export interface Issue {
  field: string;
  message: string;
}

export interface ValidationResult {
  errors: Issue[];
  warnings: Issue[];
}

/** ValidationError carries every error of one input; its message joins them. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  }
}

export function assertValid(result: ValidationResult): void {
  if (result.errors.length > 0) throw new ValidationError(result.errors);
}

export const MTU_MIN = 1280;
export const MTU_MAX = 9000;
/** Outside this band an MTU is legal but unusual enough to deserve a warning. */
export const MTU_TYPICAL = { min: 1380, max: 1500 } as const;
export const NAME_MAX = 64;
/** IFNAMSIZ (16) minus the terminating NUL. */
export const IFNAME_MAX = 15;
export const WG_KEY_BYTES = 32;

// ---------------------------------------------------------------------------------------------
// Single-value rules: each returns an error message, or null when the value is fine.

export function nameError(name: string, what: string): string | null {
  if (name.trim() === '') return `${what} name is required`;
  if (name !== name.trim()) return `${what} name must not start or end with spaces`;
  if (name.length > NAME_MAX) return `${what} name must be at most ${NAME_MAX} characters, got ${name.length}`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return `${what} name must not contain control characters`;
  return null;
}

/** interfaceNameError applies wg-quick's rule: 1..15 of [a-zA-Z0-9_=+.-]. */
export function interfaceNameError(name: string): string | null {
  if (!/^[a-zA-Z0-9_=+.-]{1,15}$/.test(name) || name === '.' || name === '..') {
    return `interface name must be 1..${IFNAME_MAX} characters of letters, digits and _=+.-, got '${name}'`;
  }
  return null;
}

export function portError(port: number, what = 'listen port'): string | null {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? null : `${what} must be 1..65535, got ${port}`;
}

export function mtuIssue(mtu: number): { error: string } | { warning: string } | null {
  if (!Number.isInteger(mtu) || mtu < MTU_MIN || mtu > MTU_MAX) {
    return { error: `MTU must be ${MTU_MIN}..${MTU_MAX}, got ${mtu}` };
  }
  if (mtu < MTU_TYPICAL.min) {
    return { warning: `MTU ${mtu} is below ${MTU_TYPICAL.min}: right for PPPoE or nested tunnels, otherwise it only costs throughput` };
  }
  if (mtu > MTU_TYPICAL.max) {
    return { warning: `MTU ${mtu} is above ${MTU_TYPICAL.max}: every link between server and clients must carry jumbo frames` };
  }
  return null;
}

export function keepaliveError(seconds: number): string | null {
  return Number.isInteger(seconds) && seconds >= 0 && seconds <= 65535
    ? null
    : `persistent keepalive must be 0..65535 seconds, got ${seconds}`;
}

/** keyError checks a WireGuard key: base64 of exactly 32 bytes ("public key must be …, got 31"). */
export function keyError(text: string, what: string): string | null {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) {
    return `${what} must be ${WG_KEY_BYTES} bytes of base64, got text that is not base64`;
  }
  const padding = t.endsWith('==') ? 2 : t.endsWith('=') ? 1 : 0;
  const bytes = (t.length / 4) * 3 - padding;
  return bytes === WG_KEY_BYTES ? null : `${what} must be ${WG_KEY_BYTES} bytes of base64, got ${bytes}`;
}

export function dnsIssues(dns: readonly string[]): Issue[] {
  return dns.flatMap((d, i) => (isIp(d) ? [] : [{ field: `dns[${i}]`, message: `'${d}' is not an IP address` }]));
}

export function cidrListIssues(list: readonly string[], field: string): Issue[] {
  return list.flatMap((c, i) => {
    try {
      parseCidr(c);
      return [];
    } catch (err) {
      return [{ field: `${field}[${i}]`, message: (err as Error).message }];
    }
  });
}

/** endpointError checks host[:port] (network public host) or host:port (peer, requirePort). */
export function endpointError(text: string, requirePort: boolean): string | null {
  try {
    parseHostPort(text, { requirePort });
    return null;
  } catch (err) {
    if (err instanceof EndpointError) return err.message;
    throw err;
  }
}

/** nextInterfaceName returns the lowest free wgN name. */
export function nextInterfaceName(existing: Iterable<string>, prefix = 'wg'): string {
  const taken = new Set(existing);
  for (let i = 0; ; i++) if (!taken.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

// ---------------------------------------------------------------------------------------------
// Whole inputs

export interface NetworkInput {
  name: string;
  interface: string;
  mode: NetworkMode;
  subnet4?: string | null;
  subnet6?: string | null;
  address4?: string | null;
  address6?: string | null;
  listenPort: number;
  dns?: readonly string[];
  mtu?: number;
  endpointHost?: string | null;
  uplinkInterface?: string | null;
}

/** Other networks the new one must not collide with (exclude the network being edited). */
export type OtherNetwork = Pick<Network, 'name' | 'subnet4' | 'subnet6'>;

export function validateNetwork(input: NetworkInput, others: readonly OtherNetwork[] = []): ValidationResult {
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  const err = (field: string, message: string | null): void => {
    if (message !== null) errors.push({ field, message });
  };
  err('name', nameError(input.name, 'network'));
  err('interface', interfaceNameError(input.interface));
  if (!NETWORK_MODES.includes(input.mode)) err('mode', `mode must be one of ${NETWORK_MODES.join(', ')}, got '${input.mode}'`);
  err('listenPort', portError(input.listenPort));
  const mtu = mtuIssue(input.mtu ?? 1420);
  if (mtu && 'error' in mtu) err('mtu', mtu.error);
  if (mtu && 'warning' in mtu) warnings.push({ field: 'mtu', message: mtu.warning });
  errors.push(...dnsIssues(input.dns ?? []));
  if (input.endpointHost) err('endpointHost', endpointError(input.endpointHost, false));
  if (input.uplinkInterface) err('uplinkInterface', interfaceNameError(input.uplinkInterface));
  if (!input.subnet4 && !input.subnet6) err('subnet4', 'a network needs an IPv4 or an IPv6 subnet (or both)');
  for (const family of [4, 6] as const) {
    const subnet = family === 4 ? input.subnet4 : input.subnet6;
    const address = family === 4 ? input.address4 : input.address6;
    if (!subnet) continue;
    let cidr: Cidr;
    try {
      cidr = parseNetworkSubnet(subnet, family);
    } catch (e) {
      err(`subnet${family}`, (e as Error).message);
      continue;
    }
    if (address) {
      try {
        checkAddressInSubnet(address, subnet);
      } catch (e) {
        err(`address${family}`, (e as Error).message);
      }
    }
    for (const other of others) {
      const theirs = family === 4 ? other.subnet4 : other.subnet6;
      if (theirs && overlaps(cidr, parseCidr(theirs))) {
        err(`subnet${family}`, `subnet ${normalizeCidr(subnet)} overlaps ${theirs} of network '${other.name}'`);
      }
    }
  }
  return { errors, warnings };
}

export interface PeerInput {
  name: string;
  email?: string | null;
  role?: PeerRole;
  address4?: string | null;
  address6?: string | null;
  publicKey?: string;
  presharedKey?: string | null;
  siteNetworks?: readonly string[];
  allowedIps?: readonly string[] | null;
  endpoint?: string | null;
  persistentKeepalive?: number;
  bandwidthUpKbps?: number;
  bandwidthDownKbps?: number;
}

export type PeerNetwork = Pick<Network, 'mode' | 'subnet4' | 'subnet6' | 'address4' | 'address6'>;

export function validatePeer(input: PeerInput, network: PeerNetwork): ValidationResult {
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  const err = (field: string, message: string | null): void => {
    if (message !== null) errors.push({ field, message });
  };
  err('name', nameError(input.name, 'peer'));
  if (input.email && !/^[^\s@]+@[^\s@]+$/.test(input.email)) err('email', `'${input.email}' is not an e-mail address`);
  const role = input.role ?? 'client';
  if (!PEER_ROLES.includes(role)) err('role', `role must be one of ${PEER_ROLES.join(', ')}, got '${role}'`);
  if (input.publicKey !== undefined) err('publicKey', keyError(input.publicKey, 'public key'));
  if (input.presharedKey) err('presharedKey', keyError(input.presharedKey, 'preshared key'));
  err('persistentKeepalive', keepaliveError(input.persistentKeepalive ?? 0));
  if (input.endpoint) err('endpoint', endpointError(input.endpoint, true));
  for (const f of ['bandwidthUpKbps', 'bandwidthDownKbps'] as const) {
    const v = input[f] ?? 0;
    if (!Number.isInteger(v) || v < 0) err(f, `bandwidth limit must be a whole number of kbit/s ≥ 0 (0 = unlimited), got ${v}`);
  }
  for (const family of [4, 6] as const) {
    const address = family === 4 ? input.address4 : input.address6;
    const subnet = family === 4 ? network.subnet4 : network.subnet6;
    const server = family === 4 ? network.address4 : network.address6;
    if (!address) continue;
    if (!subnet) {
      err(`address${family}`, `the network has no IPv${family} subnet`);
      continue;
    }
    try {
      const a = checkAddressInSubnet(address, subnet);
      if (server && checkAddressInSubnet(server, subnet).value === a.value) {
        err(`address${family}`, `${address} is the server's own address`);
      }
    } catch (e) {
      err(`address${family}`, (e as Error).message);
    }
  }
  const siteNetworks = input.siteNetworks ?? [];
  errors.push(...cidrListIssues(siteNetworks, 'siteNetworks'));
  if (siteNetworks.length > 0 && role !== 'site-gateway') {
    err('siteNetworks', 'only a site gateway can have site networks');
  }
  if (role === 'site-gateway' && network.mode !== 'site-to-site') {
    warnings.push({ field: 'role', message: `site gateways only route their site networks in site-to-site mode, this network is ${network.mode}` });
  }
  for (const [i, s] of siteNetworks.entries()) {
    for (const subnet of [network.subnet4, network.subnet6]) {
      if (subnet && safeOverlap(s, subnet)) err(`siteNetworks[${i}]`, `${s} overlaps the network's own subnet ${subnet}`);
    }
  }
  if (input.allowedIps) errors.push(...cidrListIssues(input.allowedIps, 'allowedIps'));
  return { errors, warnings };
}

function safeOverlap(a: string, b: string): boolean {
  try {
    return overlaps(parseCidr(a), parseCidr(b));
  } catch {
    return false;
  }
}
