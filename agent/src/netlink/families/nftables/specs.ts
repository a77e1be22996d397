/**
 * The rules and chains the agent needs, as RuleSpec/ChainSpec builders, plus `formatRule`, the
 * nft text of a spec (used in error ops and logs, and checked against `nft list` in tests).
 */
import { formatIp } from '../../wire/index.js';
import { NftablesInputError } from './errors.js';
import { parseCidr, validateInterfaceName } from './rules.js';
import type { ChainSpec, RuleAction, RuleMatch, RuleSpec } from './types.js';

/** The table the agent owns; nothing outside it is ever touched. */
export const DEFAULT_TABLE = 'wgpilot';

/** `type nat hook postrouting priority srcnat; policy accept;` (srcnat = 100). */
export const POSTROUTING_CHAIN: ChainSpec = { name: 'postrouting', type: 'nat', hook: 'postrouting', priority: 100, policy: 'accept' };
/** `type filter hook forward priority filter; policy accept;` (filter = 0). */
export const FORWARD_CHAIN: ChainSpec = { name: 'forward', type: 'filter', hook: 'forward', priority: 0, policy: 'accept' };

/** canonicalPrefix normalizes '10.0.0.0/24' / 'fd00::1' to 'addr/len', as listRules reports. */
export function canonicalPrefix(field: string, text: string): string {
  const p = parseCidr(field, text);
  return `${formatIp(p.address)}/${p.length}`;
}

export interface MasqueradeOptions {
  /** Traffic leaving through this interface (the uplink). */
  outInterface: string;
  /** ...coming from this CIDR (the WireGuard network). */
  source: string;
  comment?: string;
  chain?: string;
}

/**
 * masqueradeRule: source-NAT a network's traffic to the uplink's address.
 * Equivalent to: `nft add rule inet wgpilot postrouting oifname "eth0" ip saddr 10.0.0.0/24 counter masquerade`.
 */
export function masqueradeRule(o: MasqueradeOptions): RuleSpec {
  validateInterfaceName('outInterface', o.outInterface);
  return withComment({
    chain: o.chain ?? POSTROUTING_CHAIN.name,
    matches: [{ kind: 'oifname', name: o.outInterface }, { kind: 'saddr', prefix: canonicalPrefix('source', o.source) }],
    action: 'masquerade',
  }, o.comment);
}

export interface ForwardInterfacesOptions {
  inInterface: string;
  outInterface: string;
  action?: Exclude<RuleAction, 'masquerade'>;
  comment?: string;
  chain?: string;
}

/**
 * forwardInterfacesRule: let traffic pass from one interface to another (one direction).
 * Equivalent to: `nft add rule inet wgpilot forward iifname "wg0" oifname "eth0" counter accept`.
 */
export function forwardInterfacesRule(o: ForwardInterfacesOptions): RuleSpec {
  validateInterfaceName('inInterface', o.inInterface);
  validateInterfaceName('outInterface', o.outInterface);
  return withComment({
    chain: o.chain ?? FORWARD_CHAIN.name,
    matches: [{ kind: 'iifname', name: o.inInterface }, { kind: 'oifname', name: o.outInterface }],
    action: o.action ?? 'accept',
  }, o.comment);
}

export interface ForwardCidrsOptions {
  source: string;
  destination: string;
  action?: Exclude<RuleAction, 'masquerade'>;
  comment?: string;
  chain?: string;
}

/**
 * forwardCidrsRule: let traffic pass from one network to another (one direction; both CIDRs
 * of the same family).
 * Equivalent to: `nft add rule inet wgpilot forward ip saddr 10.0.0.0/24 ip daddr 10.1.0.0/16 counter accept`.
 */
export function forwardCidrsRule(o: ForwardCidrsOptions): RuleSpec {
  const src = parseCidr('source', o.source);
  const dst = parseCidr('destination', o.destination);
  if (src.version !== dst.version) {
    throw new NftablesInputError('destination', `'${o.destination}' mixes IPv${dst.version} with IPv${src.version} in one rule`);
  }
  return withComment({
    chain: o.chain ?? FORWARD_CHAIN.name,
    matches: [
      { kind: 'saddr', prefix: canonicalPrefix('source', o.source) },
      { kind: 'daddr', prefix: canonicalPrefix('destination', o.destination) },
    ],
    action: o.action ?? 'accept',
  }, o.comment);
}

function withComment(spec: RuleSpec, comment: string | undefined): RuleSpec {
  return comment === undefined ? spec : { ...spec, comment };
}

/** formatMatch writes one match as nft does (`ip saddr 10.0.0.0/24`, host prefixes bare). */
export function formatMatch(m: RuleMatch): string {
  if (m.kind === 'iifname' || m.kind === 'oifname') return `${m.kind} ${m.negate ? '!= ' : ''}${JSON.stringify(m.name)}`;
  if (m.kind === 'ctstate') return `ct state ${m.states.join(',')}`;
  const slash = m.prefix.indexOf('/');
  const addr = slash === -1 ? m.prefix : m.prefix.slice(0, slash);
  const v6 = addr.includes(':');
  const full = slash === -1 || m.prefix.slice(slash + 1) === (v6 ? '128' : '32');
  return `${v6 ? 'ip6' : 'ip'} ${m.kind} ${full ? addr : m.prefix}`;
}

/** formatRule is the statement part of `nft add rule` for a spec, as `nft list` prints it. */
export function formatRule(spec: Pick<RuleSpec, 'matches' | 'action' | 'counter' | 'comment'>): string {
  const parts = spec.matches.map(formatMatch);
  if (spec.counter ?? true) parts.push('counter');
  parts.push(spec.action);
  if (spec.comment !== undefined) parts.push(`comment ${JSON.stringify(spec.comment)}`);
  return parts.join(' ');
}
