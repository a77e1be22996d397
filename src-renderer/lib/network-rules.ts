/**
 * Live checks of the network form, as the admin types: CIDR syntax and overlap with the host's
 * other networks, the listen port's range and uniqueness, the MTU range and its warning band,
 * DNS addresses. They mirror the agent's rules (agent/src/domain/validate.ts) so most mistakes
 * show before sending; the agent checks again, including against the host's own addresses.
 */
import type { Network } from './agent-types.js';
import { contains, overlaps, parseCidr, parseIp } from './cidr.js';

export const MTU_MIN = 1280;
export const MTU_MAX = 9000;
export const MTU_TYPICAL = { min: 1380, max: 1500 } as const;
export const MTU_DEFAULT = 1420;

export interface NetworkDraft {
  name: string;
  subnet4: string;
  subnet6: string;
  address4: string;
  address6: string;
  listenPort: number | null;
  mtu: number | null;
  dns: string[];
}

export interface RuleResult {
  errors: Record<string, string>;
  warnings: Record<string, string>;
}

export function mtuNote(mtu: number | null): { level: 'error' | 'warning' | 'info'; text: string } {
  if (mtu === null) return { level: 'info', text: `Default ${MTU_DEFAULT}: Ethernet's 1500 minus 80 bytes of WireGuard-over-IPv6 overhead.` };
  if (!Number.isInteger(mtu) || mtu < MTU_MIN || mtu > MTU_MAX) return { level: 'error', text: `MTU must be ${MTU_MIN}–${MTU_MAX} (IPv6 needs at least 1280).` };
  if (mtu < MTU_TYPICAL.min) return { level: 'warning', text: `Below ${MTU_TYPICAL.min}: right behind PPPoE or inside another tunnel; otherwise it only costs throughput.` };
  if (mtu > MTU_TYPICAL.max) return { level: 'warning', text: `Above ${MTU_TYPICAL.max}: every link between server and clients must carry jumbo frames, or packets get lost.` };
  return { level: 'info', text: `Within the usual ${MTU_TYPICAL.min}–${MTU_TYPICAL.max} band. ${MTU_DEFAULT} suits most links.` };
}

export function checkNetwork(d: NetworkDraft, others: readonly Network[]): RuleResult {
  const errors: Record<string, string> = {};
  const warnings: Record<string, string> = {};
  if (!d.name.trim()) errors.name = 'A name is required';
  else if (others.some((o) => o.name === d.name.trim())) errors.name = `A network named '${d.name.trim()}' exists already`;

  if (!d.subnet4.trim() && !d.subnet6.trim()) errors.subnet4 = 'Give an IPv4 or an IPv6 subnet (or both)';
  for (const [field, family, addrField] of [['subnet4', 4, 'address4'], ['subnet6', 6, 'address6']] as const) {
    const text = d[field].trim();
    if (!text) continue;
    const c = parseCidr(text);
    if (!c || c.family !== family) {
      errors[field] = `'${text}' is not an IPv${family} subnet like ${family === 4 ? '10.8.0.0/24' : 'fd00:8::/64'}`;
      continue;
    }
    const clash = others.find((o) => {
      const oc = o[field] ? parseCidr(o[field]!) : null;
      return oc !== null && overlaps(c, oc);
    });
    if (clash) errors[field] = `${text} overlaps network '${clash.name}' (${clash[field]})`;
    const addr = d[addrField].trim();
    if (addr) {
      const ip = parseIp(addr);
      if (!ip || !contains(c, ip)) errors[addrField] = `${addr} is not inside ${text}`;
    }
  }

  if (d.listenPort !== null) {
    if (!Number.isInteger(d.listenPort) || d.listenPort < 1 || d.listenPort > 65535) errors.listenPort = 'Port must be 1–65535';
    else {
      const clash = others.find((o) => o.listenPort === d.listenPort);
      if (clash) errors.listenPort = `Port ${d.listenPort} is used by network '${clash.name}'`;
    }
  }
  const mtu = mtuNote(d.mtu);
  if (mtu.level === 'error') errors.mtu = mtu.text;
  else if (mtu.level === 'warning') warnings.mtu = mtu.text;
  const badDns = d.dns.find((x) => !parseIp(x));
  if (badDns !== undefined) errors.dns = `'${badDns}' is not an IP address`;
  return { errors, warnings };
}
