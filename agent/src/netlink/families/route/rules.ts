/**
 * Rule operations: list, add, delete — IPv4 and IPv6.
 */
import type { NetlinkRequester } from '../../conn/connection.js';
import { encodeFibRuleHdr } from '../../wire/family_headers.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../wire/uapi/netlink.js';
import { RTM_DELRULE, RTM_GETRULE, RTM_NEWRULE } from '../../wire/uapi/rtnetlink.js';
import { AF_INET, AF_INET6, AF_UNSPEC } from '../../wire/uapi/socket.js';
import { changeResult, type ChangeResult } from './common.js';
import { decodeRule, encodeRule, type Rule, type RuleSpec } from './rule.js';

/**
 * listRules dumps the rules of one family (AF_INET / AF_INET6), or of both when absent; the
 * multicast-routing families (RTNL_FAMILY_IPMR/IP6MR) an AF_UNSPEC dump also returns are
 * dropped. The kernel accepts no other filter in a strict rule dump.
 * Equivalent to: `ip [-6] rule show`
 */
export function listRules(nl: NetlinkRequester, filter: { family?: number } = {}): Promise<Rule[]> {
  const family = filter.family ?? AF_UNSPEC;
  const data = encodeFibRuleHdr({ family });
  const keep = (r: Rule): Rule | undefined => (family !== AF_UNSPEC || r.family === AF_INET || r.family === AF_INET6 ? r : undefined);
  return nl.dump({ type: RTM_GETRULE, flags: 0, data }, (m) => keep(decodeRule(m)), { op: 'RTM_GETRULE' });
}

/**
 * addRule adds a rule. NLM_F_EXCL makes the kernel reject an identical rule with EEXIST
 * (without it, duplicates are silently added).
 * Equivalent to: `ip rule add [not] from S to D fwmark M/K iif I oif O priority P table T`
 */
export async function addRule(nl: NetlinkRequester, spec: RuleSpec): Promise<ChangeResult> {
  const data = encodeRule(spec);
  return changeResult(await nl.request({ type: RTM_NEWRULE, flags: NLM_F_CREATE | NLM_F_EXCL, data }, { op: 'RTM_NEWRULE' }));
}

/**
 * deleteRule deletes the first rule matching spec; ENOENT when none matches.
 * Equivalent to: `ip rule del priority P [from S] [table T] ...`
 */
export async function deleteRule(nl: NetlinkRequester, spec: RuleSpec): Promise<ChangeResult> {
  const data = encodeRule(spec);
  return changeResult(await nl.request({ type: RTM_DELRULE, flags: 0, data }, { op: 'RTM_DELRULE' }));
}
