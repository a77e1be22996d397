/**
 * IPv4 and IPv6 addresses and CIDR prefixes as numbers (bigint), for the arithmetic the
 * domain needs: validation with helpful messages, overlap and containment, host enumeration
 * for address allocation. Pure: no I/O, no Node APIs.
 *
 * Design decisions:
 * - A `Cidr` is always normalized (host bits clear). Text with host bits set is rejected with
 *   the normalized form as a suggestion, because "10.0.0.1/24" typed as a subnet is nearly
 *   always a mistake; `parseInterfaceAddress` is the separate entry point where host bits are
 *   the point ("10.0.0.1/24" on an interface).
 * - Formatting follows glibc inet_ntop (RFC 5952 compression, lower case, IPv4-mapped and
 *   IPv4-compatible tails), like the netlink codec, so our text equals what the kernel reports.
 * - IPv4 octets with leading zeros ("010.0.0.1") are refused: inet_aton reads them as octal.
 * - Prefix bounds for a WireGuard network's own subnet (NETWORK_PREFIX_BOUNDS): IPv4 /8../30 —
 *   /30 is the smallest with a server and one client, a /8 is already 16 M addresses; IPv6
 *   /64../126 — a /64 is the standard subnet size and anything larger is a typo, /126 leaves
 *   three host addresses. Other CIDRs (AllowedIPs, site networks) may use any length.
 */

import { formatIpAt } from '../netlink/wire/address.js';

export type IpFamily = 4 | 6;

/** IpAddress is one address as an unsigned integer of 32 or 128 bits. */
export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** Cidr is a normalized prefix: `network` has no bits set beyond `prefix`. */
export interface Cidr {
  readonly family: IpFamily;
  readonly network: bigint;
  readonly prefix: number;
}

/** InterfaceAddress is an address with the prefix length of its subnet ("10.0.0.1/24"). */
export interface InterfaceAddress {
  readonly address: IpAddress;
  readonly prefix: number;
}

/** CidrError says why a text is not a valid address or prefix; `suggestion` is a fix if known. */
export class CidrError extends Error {
  override readonly name = 'CidrError';
  constructor(
    readonly input: string,
    message: string,
    readonly suggestion?: string,
  ) {
    super(message);
  }
}

export const NETWORK_PREFIX_BOUNDS: Readonly<Record<IpFamily, { min: number; max: number }>> = {
  4: { min: 8, max: 30 },
  6: { min: 64, max: 126 },
};

export function familyBits(family: IpFamily): 32 | 128 {
  return family === 4 ? 32 : 128;
}

const ALL_ONES: Record<IpFamily, bigint> = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n };

/** hostMask is the mask of the host part of a prefix (0.0.0.255 for /24). */
function hostMask(family: IpFamily, prefix: number): bigint {
  return (1n << BigInt(familyBits(family) - prefix)) - 1n;
}

// ---------------------------------------------------------------------------------------------
// Parsing and formatting addresses

const V4_OCTET = /^(0|[1-9][0-9]{0,2})$/;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!V4_OCTET.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  if (!text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string, allowV4Tail: boolean): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (const [i, item] of items.entries()) {
      if (allowV4Tail && i === items.length - 1 && item.includes('.')) {
        const v4 = parseV4(item);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) {
        out.push(parseInt(item, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1] ?? '', true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let value = 0n;
  for (const w of [...head, ...new Array<number>(missing).fill(0), ...tail]) value = (value << 16n) | BigInt(w);
  return value;
}

/** parseIp parses a dotted-quad IPv4 or an IPv6 address (no zone, no brackets). */
export function parseIp(text: string): IpAddress {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseV6(text);
  if (v6 !== undefined) return { family: 6, value: v6 };
  throw new CidrError(text, `'${text}' is not a valid IP address`);
}

/** isIp tells whether text is a valid IPv4 or IPv6 address. */
export function isIp(text: string): boolean {
  return parseV4(text) !== undefined || parseV6(text) !== undefined;
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

/** formatIp prints an address the way inet_ntop does (one implementation: wire's). */
export function formatIp(addr: IpAddress): string {
  if (addr.family === 4) return formatV4(addr.value);
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64BE(addr.value >> 64n, 0);
  bytes.writeBigUInt64BE(addr.value & 0xffff_ffff_ffff_ffffn, 8);
  return formatIpAt(bytes, 0, 16);
}

/** normalizeIp returns the canonical text of an address ("FD00:0::1" → "fd00::1"). */
export function normalizeIp(text: string): string {
  return formatIp(parseIp(text));
}

// ---------------------------------------------------------------------------------------------
// Prefixes

function splitPrefix(text: string): { address: IpAddress; prefix: number } {
  const slash = text.indexOf('/');
  if (slash < 0) throw new CidrError(text, `'${text}' is not a valid CIDR (missing /prefix length)`);
  let address: IpAddress;
  try {
    address = parseIp(text.slice(0, slash));
  } catch {
    throw new CidrError(text, `'${text}' is not a valid CIDR (bad address)`);
  }
  const lenText = text.slice(slash + 1);
  const max = familyBits(address.family);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText) || Number(lenText) > max) {
    throw new CidrError(text, `'${text}' is not a valid CIDR (prefix length must be 0..${max})`);
  }
  return { address, prefix: Number(lenText) };
}

/**
 * parseCidr parses a normalized prefix. Host bits set is an error that suggests the
 * normalized form: "10.0.0.1/24 has host bits set; did you mean 10.0.0.0/24?".
 */
export function parseCidr(text: string): Cidr {
  const { cidr, hostBitsSet } = parseCidrLoose(text);
  if (hostBitsSet) {
    const fixed = formatCidr(cidr);
    throw new CidrError(text, `${text} has host bits set; did you mean ${fixed}?`, fixed);
  }
  return cidr;
}

/**
 * parseCidrLoose masks host bits instead of refusing them (as wg(8) does with AllowedIPs) and
 * reports whether it had to. A bare address means a host prefix (/32 or /128).
 */
export function parseCidrLoose(text: string): { cidr: Cidr; hostBitsSet: boolean } {
  const { address, prefix } = text.includes('/') ? splitPrefix(text) : { address: parseIpForCidr(text), prefix: -1 };
  const len = prefix < 0 ? familyBits(address.family) : prefix;
  const network = address.value & ~hostMask(address.family, len) & ALL_ONES[address.family];
  return { cidr: { family: address.family, network, prefix: len }, hostBitsSet: network !== address.value };
}

function parseIpForCidr(text: string): IpAddress {
  try {
    return parseIp(text);
  } catch {
    throw new CidrError(text, `'${text}' is not a valid CIDR`);
  }
}

/** parseInterfaceAddress parses "10.0.0.1/24": an address plus its subnet's prefix length. */
export function parseInterfaceAddress(text: string): InterfaceAddress {
  if (!text.includes('/')) {
    const address = parseIpForCidr(text);
    return { address, prefix: familyBits(address.family) };
  }
  return splitPrefix(text);
}

export function formatInterfaceAddress(a: InterfaceAddress): string {
  return `${formatIp(a.address)}/${a.prefix}`;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp({ family: c.family, value: c.network })}/${c.prefix}`;
}

/** normalizeCidr validates a CIDR (host bits must be clear) and returns its canonical text. */
export function normalizeCidr(text: string): string {
  return formatCidr(parseCidr(text));
}

/** isCidr tells whether text is a valid normalized CIDR. */
export function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

/** subnetOf is the prefix an interface address belongs to (10.0.0.1/24 → 10.0.0.0/24). */
export function subnetOf(a: InterfaceAddress): Cidr {
  return parseCidrLoose(formatInterfaceAddress(a)).cidr;
}

/** broadcast is the last address of the prefix (all host bits set). */
function lastAddress(c: Cidr): bigint {
  return c.network | hostMask(c.family, c.prefix);
}

/** overlaps tells whether two prefixes share any address (never across families). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/** contains tells whether `inner` (an address or a prefix) lies entirely inside `outer`. */
export function contains(outer: Cidr, inner: Cidr | IpAddress): boolean {
  if (outer.family !== inner.family) return false;
  const [lo, hi] = 'value' in inner ? [inner.value, inner.value] : [inner.network, lastAddress(inner)];
  return lo >= outer.network && hi <= lastAddress(outer);
}

/**
 * firstHost and lastHost bound the addresses a host may use: IPv4 skips the network and
 * broadcast addresses (except /31 and /32, RFC 3021); IPv6 skips only the subnet-router
 * anycast address (the all-zero host part; except /127 and /128).
 */
export function firstHost(c: Cidr): IpAddress {
  const bits = familyBits(c.family);
  const skip = c.prefix >= bits - 1 ? 0n : 1n;
  return { family: c.family, value: c.network + skip };
}

export function lastHost(c: Cidr): IpAddress {
  const bits = familyBits(c.family);
  const skip = c.family === 4 && c.prefix < bits - 1 ? 1n : 0n;
  return { family: c.family, value: lastAddress(c) - skip };
}

/** hostCount is how many usable host addresses the prefix has. */
export function hostCount(c: Cidr): bigint {
  return lastHost(c).value - firstHost(c).value + 1n;
}

/** nthHost is the n-th usable host address, 0-based (nthHost(10.0.0.0/24, 0) = 10.0.0.1). */
export function nthHost(c: Cidr, n: bigint | number): IpAddress {
  const i = BigInt(n);
  if (i < 0n || i >= hostCount(c)) {
    throw new CidrError(formatCidr(c), `${formatCidr(c)} has no host #${i} (it has ${hostCount(c)} hosts)`);
  }
  return { family: c.family, value: firstHost(c).value + i };
}

/**
 * parseNetworkSubnet parses the subnet of a WireGuard network: a normalized CIDR of the given
 * family (when given) whose prefix is within NETWORK_PREFIX_BOUNDS.
 */
export function parseNetworkSubnet(text: string, family?: IpFamily): Cidr {
  const c = parseCidr(text);
  if (family !== undefined && c.family !== family) {
    throw new CidrError(text, `${text} is not an IPv${family} subnet`);
  }
  const { min, max } = NETWORK_PREFIX_BOUNDS[c.family];
  if (c.prefix < min || c.prefix > max) {
    throw new CidrError(text, `IPv${c.family} subnet ${text} must have a prefix length of /${min}../${max}, got /${c.prefix}`);
  }
  return c;
}
