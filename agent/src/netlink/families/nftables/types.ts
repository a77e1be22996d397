/**
 * Domain types of the nftables family: the chains and rules the agent keeps in its own
 * `inet wgpilot` table, described the way `nft` writes them.
 */
import type { Expr } from './expr.js';

export type ChainType = 'filter' | 'nat';
export type ChainHook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
export type ChainPolicy = 'accept' | 'drop';

/** ChainSpec is a base chain: `{ type nat hook postrouting priority srcnat; policy accept; }`. */
export interface ChainSpec {
  name: string;
  type: ChainType;
  hook: ChainHook;
  /** nft's named priorities: filter = 0, srcnat = 100, dstnat = -100. */
  priority: number;
  policy: ChainPolicy;
}

/** Chain is a base chain as listed, with its kernel handle. */
export interface Chain extends ChainSpec {
  table: string;
  handle: number;
}

/**
 * RuleMatch is one condition. Interface names match exactly (`oifname "eth0"`); prefixes are
 * CIDRs in canonical form (`ip saddr 10.0.0.0/24`, `ip6 daddr fd00::/64`; /32 and /128 for a
 * single host), the family coming from the address.
 */
export type RuleMatch =
  /** `iifname "wg0"`; with `negate`, `iifname != "wg0"`. */
  | { kind: 'iifname'; name: string; negate?: boolean }
  | { kind: 'oifname'; name: string; negate?: boolean }
  | { kind: 'saddr'; prefix: string }
  | { kind: 'daddr'; prefix: string }
  /** `ct state established,related`: the flow is in any of these conntrack states. */
  | { kind: 'ctstate'; states: CtState[] };

/** Conntrack states `ct state` can test, as nft names them. */
export type CtState = 'invalid' | 'established' | 'related' | 'new';

/** RuleAction is the rule's final statement. */
export type RuleAction = 'accept' | 'drop' | 'masquerade';

/** RuleSpec is a rule to add: matches in order, an optional counter, an action, a comment. */
export interface RuleSpec {
  chain: string;
  matches: RuleMatch[];
  /** Add a `counter` statement before the action (default true: rule counters are metrics). */
  counter?: boolean;
  action: RuleAction;
  /** nft `comment "..."`, stored as rule userdata; the agent's owner tag (`wgpilot:net=3:masq`). */
  comment?: string;
}

/** Rule is a rule as listed from the kernel. */
export interface Rule {
  chain: string;
  /** The rule's handle, what `nft -a` shows and `deleteRule` takes. */
  handle: number;
  matches: RuleMatch[];
  counter: boolean;
  /** Counter values, when the rule has a counter. */
  packets?: bigint;
  bytes?: bigint;
  /** Undefined only when the rule is not one this module builds (recognized false). */
  action?: RuleAction;
  comment?: string;
  /**
   * False when the expressions are not a shape this module builds (a rule someone added by
   * hand): matches/action then describe only the recognized prefix; `expressions` has it all.
   */
  recognized: boolean;
  expressions: Expr[];
}

/** RuleRef names a rule for deletion: the kernel needs the chain along with the handle. */
export interface RuleRef {
  chain: string;
  handle: number;
}
