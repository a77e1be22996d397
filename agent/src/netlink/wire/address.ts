/**
 * IP addresses as they travel in netlink: 4 or 16 bytes in network order. Formatting follows
 * glibc inet_ntop (RFC 5952 compression, IPv4-mapped tails), so strings compare equal to
 * iproute2's output. Also struct sockaddr_in / sockaddr_in6, used by WireGuard endpoints.
 */
import { WireError } from './errors.js';
import { AF_INET, AF_INET6 } from './uapi/socket.js';

export type AddressFamily = typeof AF_INET | typeof AF_INET6;

/** sizeof(struct sockaddr_in) and sizeof(struct sockaddr_in6). */
export const SIZEOF_SOCKADDR_IN = 16;
export const SIZEOF_SOCKADDR_IN6 = 28;

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** parseIp converts a textual IPv4/IPv6 address to its network-order bytes. */
export function parseIp(text: string): Buffer {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  const v6 = parseIpv6(text);
  if (v6) return v6;
  throw new WireError(`invalid IP address '${text}'`);
}

/** ipFamily returns AF_INET or AF_INET6 for a textual address; throws on anything else. */
export function ipFamily(text: string): AddressFamily {
  return parseIp(text).length === 4 ? AF_INET : AF_INET6;
}

/** familyBits is the address width in bits for AF_INET / AF_INET6. */
export function familyBits(family: AddressFamily): 32 | 128 {
  return family === AF_INET ? 32 : 128;
}

/** formatIp formats 4 or 16 network-order bytes like inet_ntop. */
export function formatIp(bytes: Uint8Array): string {
  return formatIpAt(bytes, 0, bytes.length);
}

/**
 * formatIpAt formats the `length` (4 or 16) bytes at `offset` like inet_ntop, reading them in
 * place (no subarray): the per-route hot path of a large route dump.
 */
export function formatIpAt(bytes: Uint8Array, offset: number, length: number): string {
  // Small on purpose: the IPv4 case inlines into a route decoder's attribute loop.
  return length === 4 ? dottedQuad(bytes, offset) : formatIpv6At(bytes, offset, length);
}

function formatIpv6At(bytes: Uint8Array, offset: number, length: number): string {
  if (length !== 16) throw new WireError(`IP address of ${length} bytes`);
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[offset + i] ?? 0) << 8) | (bytes[offset + i + 1] ?? 0));
  // Longest run of zero words (first one on ties); a single zero word is not compressed.
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) tails, as glibc prints them.
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += dottedQuad(bytes, offset + 12);
      break;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** Decimal text of every byte value, with and without a trailing dot. */
const DECIMAL = Array.from({ length: 256 }, (_, b) => String(b));
const DECIMAL_DOT = DECIMAL.map((d) => `${d}.`);

/**
 * dottedQuad formats 4 bytes as a.b.c.d from precomputed octet strings. Dumps list routes in
 * prefix order, so consecutive addresses usually share "a.b.c.": that prefix is remembered and
 * reused, leaving one concatenation (and one new string) per address.
 */
function dottedQuad(bytes: Uint8Array, offset: number): string {
  // Callers check that 4 bytes are there; every byte value has an entry.
  const key = (bytes[offset]! << 16) | (bytes[offset + 1]! << 8) | bytes[offset + 2]!;
  if (key !== lastPrefixKey) {
    lastPrefixKey = key;
    lastPrefix = DECIMAL_DOT[bytes[offset]!]! + DECIMAL_DOT[bytes[offset + 1]!]! + DECIMAL_DOT[bytes[offset + 2]!]!;
  }
  return lastPrefix + DECIMAL[bytes[offset + 3]!]!;
}

/** The last "a.b.c." prefix dottedQuad built (a pure cache; -1 = none). */
let lastPrefixKey = -1;
let lastPrefix = '';

function parseIpv4(text: string): Buffer | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return Buffer.from(octets);
}

function parseIpv6(text: string): Buffer | undefined {
  if (!text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i] ?? '';
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIpv4(item);
        if (!v4) return undefined;
        groups.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) {
        groups.push(parseInt(item, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const words = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/** IpPrefix is an address with a prefix length, e.g. 10.0.0.0/24. */
export interface IpPrefix {
  family: AddressFamily;
  address: string;
  prefixLength: number;
}

/** parsePrefix parses "addr/len" (or a bare address, meaning a host prefix). */
export function parsePrefix(text: string): IpPrefix {
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const bytes = parseIp(addrText);
  const family: AddressFamily = bytes.length === 4 ? AF_INET : AF_INET6;
  const bits = familyBits(family);
  const prefixLength = slash === -1 ? bits : Number(text.slice(slash + 1));
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > bits || text.endsWith('/')) {
    throw new WireError(`invalid prefix length in '${text}'`);
  }
  return { family, address: formatIp(bytes), prefixLength };
}

/** Sockaddr is a decoded struct sockaddr_in / sockaddr_in6. */
export interface Sockaddr {
  family: AddressFamily;
  address: string;
  port: number;
  /** sin6_flowinfo (IPv6 only; network order on the wire). */
  flowInfo?: number;
  /** sin6_scope_id (IPv6 only; host order on the wire). */
  scopeId?: number;
}

/** encodeSockaddr builds sockaddr_in (16 B) or sockaddr_in6 (28 B) for the address's family. */
export function encodeSockaddr(sa: Omit<Sockaddr, 'family'> & { family?: AddressFamily }): Buffer {
  const addr = parseIp(sa.address);
  if (addr.length === 4) {
    const b = Buffer.alloc(SIZEOF_SOCKADDR_IN);
    b.writeUInt16LE(AF_INET, 0);
    b.writeUInt16BE(sa.port, 2);
    addr.copy(b, 4);
    return b;
  }
  const b = Buffer.alloc(SIZEOF_SOCKADDR_IN6);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(sa.port, 2);
  b.writeUInt32BE(sa.flowInfo ?? 0, 4);
  addr.copy(b, 8);
  b.writeUInt32LE(sa.scopeId ?? 0, 24);
  return b;
}

/** decodeSockaddr reads sockaddr_in / sockaddr_in6; throws WireError on another family or size. */
export function decodeSockaddr(bytes: Uint8Array): Sockaddr {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 2) throw new WireError(`sockaddr of ${b.length} bytes`);
  const family = b.readUInt16LE(0);
  if (family === AF_INET && b.length >= SIZEOF_SOCKADDR_IN) {
    return { family: AF_INET, port: b.readUInt16BE(2), address: formatIp(b.subarray(4, 8)) };
  }
  if (family === AF_INET6 && b.length >= SIZEOF_SOCKADDR_IN6) {
    return {
      family: AF_INET6,
      port: b.readUInt16BE(2),
      flowInfo: b.readUInt32BE(4),
      address: formatIp(b.subarray(8, 24)),
      scopeId: b.readUInt32LE(24),
    };
  }
  throw new WireError(`unsupported sockaddr family ${family} (${b.length} bytes)`);
}
