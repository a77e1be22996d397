/**
 * nftables/: the agent's own nf_tables table (`inet wgpilot`) through NETLINK_NETFILTER batches:
 * base chains, masquerade and forward rules with owner-tag comments, listing and deleting them.
 */
export { NfTables, type NfTablesOptions } from './nftables.js';
export {
  DEFAULT_TABLE,
  POSTROUTING_CHAIN,
  FORWARD_CHAIN,
  masqueradeRule,
  forwardInterfacesRule,
  forwardCidrsRule,
  canonicalPrefix,
  formatRule,
  formatMatch,
  type MasqueradeOptions,
  type ForwardInterfacesOptions,
  type ForwardCidrsOptions,
} from './specs.js';
export { NftablesInputError } from './errors.js';
export { ConnNftLink, BATCH_SEQ_BASE, type NftLink, type TransactResult } from './link.js';
export { frameBatch, readBatchReplies, BATCH_OP, type BatchStep, type BatchOutcome } from './batch.js';
export * as messages from './messages.js';
export { encodeExpressions, decodeExpressions, type Expr } from './expr.js';
export { buildExpressions, recognizeRule, validateInterfaceName, parseCidr, IFNAMSIZ, type RecognizedRule } from './rules.js';
export { encodeComment, decodeComment, encodeUdata, decodeUdata, NFTNL_UDATA_RULE_COMMENT, type UdataTlv } from './udata.js';
export type { CtState, Chain, ChainSpec, ChainType, ChainHook, ChainPolicy, Rule, RuleSpec, RuleMatch, RuleAction, RuleRef } from './types.js';
