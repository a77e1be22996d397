/**
 * IP prefixes and endpoints as the WireGuard model writes them ("10.0.0.2/32",
 * "[fd00::1]:51820"), with validation errors that name the config field. The address bytes and
 * their canonical text come from the netlink wire codec (`netlink/wire/address.ts`: inet_ntop
 * formatting), so the same address prints the same on both backends and as wg(8) prints it.
 *
 * Design decisions:
 * - Host bits of a prefix are kept ("10.0.0.1/24" stays as written); the device masks them on
 *   its side, as `wg set` lets it.
 * - IPv6 zones ("fe80::1%eth0") are accepted in endpoints read from wireguard-go, which prints
 *   them, and kept only as text.
 */
import { formatIp as formatIpBytes, parseIp as parseIpBytes } from '../netlink/wire/address.js';
import { ConfigError } from './errors.js';

export interface IpAddress {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
  /** IPv6 zone ("eth0" in fe80::1%eth0), kept only for display. */
  zone?: string;
}

export interface IpPrefix {
  address: IpAddress;
  prefixLength: number;
}

/** parseIp parses a dotted-quad IPv4 or an IPv6 address (optionally with %zone). */
export function parseIp(text: string, field = 'address'): IpAddress {
  const pct = text.indexOf('%');
  const core = pct >= 0 ? text.slice(0, pct) : text;
  const zone = pct >= 0 ? text.slice(pct + 1) : undefined;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(parseIpBytes(core));
  } catch (err) {
    throw new ConfigError(field, `not an IP address: ${JSON.stringify(text)}`, { cause: err });
  }
  if (zone !== undefined && (bytes.length !== 16 || zone === '')) {
    throw new ConfigError(field, `not an IP address: ${JSON.stringify(text)}`);
  }
  const family = bytes.length === 4 ? 4 : 6;
  return zone === undefined ? { family, bytes } : { family, bytes, zone };
}

/** formatIp prints the canonical text of an address (inet_ntop style). */
export function formatIp(addr: IpAddress): string {
  return formatIpBytes(addr.bytes) + (addr.zone !== undefined ? `%${addr.zone}` : '');
}

/** parsePrefix parses "10.0.0.0/24" or "fd00::/64"; the length is mandatory. */
export function parsePrefix(text: string, field = 'prefix'): IpPrefix {
  const slash = text.lastIndexOf('/');
  if (slash < 0) throw new ConfigError(field, `not a CIDR prefix (missing /length): ${JSON.stringify(text)}`);
  const address = parseIp(text.slice(0, slash), field);
  if (address.zone !== undefined) throw new ConfigError(field, `a prefix cannot carry a zone: ${JSON.stringify(text)}`);
  const lenText = text.slice(slash + 1);
  const max = address.family === 4 ? 32 : 128;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText) || Number(lenText) > max) {
    throw new ConfigError(field, `prefix length must be 0..${max}: ${JSON.stringify(text)}`);
  }
  return { address, prefixLength: Number(lenText) };
}

export function formatPrefix(p: IpPrefix): string {
  return `${formatIp(p.address)}/${p.prefixLength}`;
}

/** An IPv4 prefix already in canonical form (no leading zeros, octets <= 255, length <= 32). */
const CANONICAL_V4_PREFIX = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(?:3[0-2]|[12]?\d)$/;

/** An IPv4 address already in canonical form: what formatIp(parseIp(text)) returns unchanged. */
const CANONICAL_V4_ADDRESS = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * normalizePrefix validates a CIDR and returns its canonical text. Canonical IPv4 input, which
 * is what devices print, is returned as is: parsing 10,000 allowed IPs of a large device
 * otherwise dominates a read.
 */
export function normalizePrefix(text: string, field = 'prefix'): string {
  if (CANONICAL_V4_PREFIX.test(text)) return text;
  return formatPrefix(parsePrefix(text, field));
}

/** isCanonicalV4Prefix: normalizePrefix would return `text` unchanged without parsing it. */
export function isCanonicalV4Prefix(text: string): boolean {
  return CANONICAL_V4_PREFIX.test(text);
}

/** Endpoint is a UDP address of a peer: `address` without brackets, `port` 1..65535. */
export interface Endpoint {
  address: string;
  port: number;
}

/** parseEndpoint parses "198.18.0.1:51820" or "[fd00::1]:51820" (the form wg(8) prints). */
export function parseEndpoint(text: string, field = 'endpoint'): Endpoint {
  const m = /^\[([^\]]+)\]:([0-9]+)$/.exec(text) ?? /^([^:[\]]+):([0-9]+)$/.exec(text);
  if (!m) throw new ConfigError(field, `not host:port or [v6]:port: ${JSON.stringify(text)}`);
  const address = parseIp(m[1] ?? '', field);
  if (text.startsWith('[') !== (address.family === 6)) {
    throw new ConfigError(field, `IPv6 endpoints need brackets, IPv4 ones none: ${JSON.stringify(text)}`);
  }
  return { address: formatIp(address), port: checkPort(Number(m[2]), field) };
}

/** normalizeEndpoint validates an endpoint and returns it with the canonical address text. */
export function normalizeEndpoint(e: Endpoint, field = 'endpoint'): Endpoint {
  // Canonical IPv4 (what devices print and most configs hold) is its own canonical text.
  const address = isCanonicalV4(e.address) ? e.address : formatIp(parseIp(e.address, `${field}.address`));
  return { address, port: checkPort(e.port, `${field}.port`) };
}

/** formatEndpoint prints an endpoint with brackets around IPv6 addresses. */
export function formatEndpoint(e: Endpoint, field = 'endpoint'): string {
  if (isCanonicalV4(e.address)) return `${e.address}:${checkPort(e.port, `${field}.port`)}`;
  const addr = parseIp(e.address, `${field}.address`);
  checkPort(e.port, `${field}.port`);
  return addr.family === 6 ? `[${formatIp(addr)}]:${e.port}` : `${formatIp(addr)}:${e.port}`;
}

function isCanonicalV4(address: unknown): address is string {
  return typeof address === 'string' && CANONICAL_V4_ADDRESS.test(address);
}

function checkPort(port: number, field: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(field, `port must be 1..65535, got ${port}`);
  }
  return port;
}
