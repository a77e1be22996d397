/**
 * Endpoints as people and wg-quick write them: "vpn.example.com:51820", "198.51.100.7:51820",
 * "[2001:db8::1]:51820", or a bare host where the port comes from elsewhere (a network's
 * public host, whose port defaults to its listen port).
 *
 * Design decisions:
 * - IPv6 with a port needs brackets; a bare IPv6 without a port is accepted only when the port
 *   is optional, because "2001:db8::1:51820" is ambiguous.
 * - Host names follow RFC 1123 (letters, digits, hyphens; labels ≤ 63, total ≤ 253); they are
 *   resolved later by whoever applies them, never here.
 */
import { formatIp, isIp, parseIp } from './cidr.js';

export interface HostPort {
  /** Host name, IPv4 or IPv6 (no brackets), canonical for addresses. */
  host: string;
  /** null when the text had no port. */
  port: number | null;
}

export class EndpointError extends Error {
  override readonly name = 'EndpointError';
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(message);
  }
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** isHostName tells whether text is an RFC 1123 host name (a trailing dot is allowed). */
export function isHostName(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  // An all-numeric last label would be a mistyped IPv4 address ("10.0.0.300").
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return false;
  return labels.every((l) => LABEL.test(l));
}

function parsePort(text: string, input: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new EndpointError(input, `'${input}': port must be 1..65535, got '${text}'`);
  }
  return Number(text);
}

function checkHost(host: string, input: string): string {
  if (isIp(host)) return formatIp(parseIp(host));
  if (isHostName(host)) return host.toLowerCase();
  throw new EndpointError(input, `'${input}' is not a host name or IP address`);
}

/**
 * parseHostPort parses `host[:port]`. With `requirePort` a missing port is an error (a peer's
 * Endpoint must name the port; wg(8) cannot guess it).
 */
export function parseHostPort(text: string, options: { requirePort?: boolean } = {}): HostPort {
  const input = text.trim();
  if (input === '') throw new EndpointError(text, 'endpoint is empty');
  let host: string;
  let port: number | null = null;
  if (input.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::([^:]*))?$/.exec(input);
    if (!m || !isIp(m[1] ?? '') || parseIp(m[1] ?? '').family !== 6) {
      throw new EndpointError(input, `'${input}' is not a valid [IPv6]:port endpoint`);
    }
    host = m[1] ?? '';
    if (m[2] !== undefined) port = parsePort(m[2], input);
  } else if ((input.match(/:/g) ?? []).length > 1) {
    if (!isIp(input)) throw new EndpointError(input, `'${input}' is not a valid endpoint (IPv6 with a port needs [brackets])`);
    host = input;
  } else {
    const colon = input.indexOf(':');
    host = colon < 0 ? input : input.slice(0, colon);
    if (colon >= 0) port = parsePort(input.slice(colon + 1), input);
  }
  host = checkHost(host, input);
  if (options.requirePort && port === null) {
    throw new EndpointError(input, `'${input}' has no port (expected host:port)`);
  }
  return { host, port };
}

/** formatHostPort prints host:port with brackets around IPv6 addresses. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
