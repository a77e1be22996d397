/**
 * Just enough CIDR arithmetic for live form validation in the renderer (the agent checks again
 * and has the last word): parse IPv4/IPv6 prefixes, test overlap, test containment. The agent's
 * own cidr module cannot be imported at run time (the renderer is another room).
 */

export interface Cidr {
  family: 4 | 6;
  /** The network address as a 32- or 128-bit integer. */
  base: bigint;
  prefix: number;
}

function parseV4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseV6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.split('::').length > 2) return null;
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const groups = (x: string | undefined) => (x ? x.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const missing = 8 - h.length - t.length;
  if ((tail === undefined && missing !== 0) || missing < 0) return null;
  let v = 0n;
  for (const g of [...h, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...t]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

export function parseIp(s: string): { family: 4 | 6; value: bigint } | null {
  const v4 = parseV4(s.trim());
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseV6(s.trim());
  return v6 === null ? null : { family: 6, value: v6 };
}

/** Parses "10.0.0.0/24" (host bits are masked off, as the agent normalizes them). */
export function parseCidr(s: string): Cidr | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s.trim());
  if (!m) return null;
  const ip = parseIp(m[1]!);
  const prefix = Number(m[2]);
  if (!ip) return null;
  const bits = ip.family === 4 ? 32 : 128;
  if (prefix > bits) return null;
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
  return { family: ip.family, base: ip.value & mask, prefix };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const bits = a.family === 4 ? 32 : 128;
  const p = Math.min(a.prefix, b.prefix);
  const shift = BigInt(bits - p);
  return a.base >> shift === b.base >> shift;
}

export function contains(c: Cidr, ip: { family: 4 | 6; value: bigint }): boolean {
  const bits = c.family === 4 ? 32 : 128;
  return c.family === ip.family && ip.value >> BigInt(bits - c.prefix) === c.base >> BigInt(bits - c.prefix);
}
