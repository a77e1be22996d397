/**
 * The domain's firewall rules (domain/firewall.ts) as rules of the agent's nftables table, and
 * back. The owner tag travels as the nft rule comment, so `nft list table inet wgpilot` shows
 * which network or bridge each rule serves.
 *
 * | domain                          | nft                                         |
 * |---------------------------------|---------------------------------------------|
 * | iif / oif / oifNot              | iifname "wg0" / oifname "eth0" / oifname != "wg0" |
 * | saddr / daddr (family ip, ip6)  | ip[6] saddr / daddr (nfproto check implied) |
 * | established                     | ct state established,related                |
 * | verdict                         | accept / drop / masquerade                  |
 */
import type { FirewallRule } from '../domain/firewall.js';
import type { ObservedFirewallRule } from '../domain/observed.js';
import type { Rule, RuleMatch, RuleSpec } from '../netlink/families/nftables/types.js';

/** toRuleSpec compiles one domain rule; the tag becomes the comment. */
export function toRuleSpec(r: FirewallRule): RuleSpec {
  const matches: RuleMatch[] = [];
  if (r.iif !== undefined) matches.push({ kind: 'iifname', name: r.iif });
  if (r.oif !== undefined) matches.push({ kind: 'oifname', name: r.oif });
  if (r.oifNot !== undefined) matches.push({ kind: 'oifname', name: r.oifNot, negate: true });
  if (r.saddr !== undefined) matches.push({ kind: 'saddr', prefix: r.saddr });
  if (r.daddr !== undefined) matches.push({ kind: 'daddr', prefix: r.daddr });
  if (r.established) matches.push({ kind: 'ctstate', states: ['established', 'related'] });
  return { chain: r.chain, matches, counter: true, action: r.verdict, comment: r.tag };
}

/** fromNftRule reads a listed rule back into domain terms; `rule` is null when it cannot. */
export function fromNftRule(rule: Rule): ObservedFirewallRule {
  const tag = rule.comment ?? null;
  if (!rule.recognized || rule.action === undefined || (rule.chain !== 'forward' && rule.chain !== 'postrouting')) {
    return { tag, rule: null };
  }
  const out: FirewallRule = { tag: tag ?? '', chain: rule.chain, family: 'inet', verdict: rule.action };
  for (const m of rule.matches) {
    switch (m.kind) {
      case 'iifname':
        if (m.negate || out.iif !== undefined) return { tag, rule: null };
        out.iif = m.name;
        break;
      case 'oifname':
        if (m.negate) out.oifNot = m.name;
        else out.oif = m.name;
        break;
      case 'saddr':
      case 'daddr':
        out[m.kind] = m.prefix;
        out.family = m.prefix.includes(':') ? 'ip6' : 'ip';
        break;
      case 'ctstate':
        if (!m.states.includes('established')) return { tag, rule: null };
        out.established = true;
        break;
    }
  }
  return { tag, rule: out };
}
