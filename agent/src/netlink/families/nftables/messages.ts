/**
 * nf_tables messages: `nlmsg_type = NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_*`, a 4-byte
 * struct nfgenmsg { u8 family; u8 version; __be16 res_id }, then attributes (big-endian
 * integers throughout). Builders return conn `Request`s with exactly nft 1.0.6's flags and
 * attribute order, so they compare byte for byte with the captured batches; decoders read the
 * kernel's NEWTABLE / NEWCHAIN / NEWRULE / NEWGEN messages.
 */
import type { Request } from '../../conn/index.js';
import { AttributeDecoder, AttributeEncoder, WireError, type NetlinkMessage } from '../../wire/index.js';
import { NLA_F_NESTED, NLM_F_APPEND, NLM_F_CREATE } from '../../wire/uapi/netlink.js';
import { decodeExpressions, encodeExpressions } from './expr.js';
import { buildExpressions, recognizeRule } from './rules.js';
import type { Chain, ChainHook, ChainSpec, Rule, RuleSpec } from './types.js';
import { decodeComment, encodeComment } from './udata.js';
import * as U from './uapi.js';

/** SIZEOF_NFGENMSG: family, version, res_id. */
export const SIZEOF_NFGENMSG = 4;

/** nftType composes nlmsg_type for an NFT_MSG_* command. */
export function nftType(msg: number): number {
  return (U.NFNL_SUBSYS_NFTABLES << 8) | msg;
}

export interface Nfgenmsg {
  family: number;
  version: number;
  resourceId: number;
}

export function encodeNfgenmsg(family: number, resourceId = 0): Buffer {
  const b = Buffer.alloc(SIZEOF_NFGENMSG);
  b.writeUInt8(family, 0);
  b.writeUInt8(U.NFNETLINK_V0, 1);
  b.writeUInt16BE(resourceId, 2);
  return b;
}

export function decodeNfgenmsg(data: Buffer): Nfgenmsg {
  if (data.length < SIZEOF_NFGENMSG) throw new WireError(`nfgenmsg needs 4 bytes, got ${data.length}`);
  return { family: data.readUInt8(0), version: data.readUInt8(1), resourceId: data.readUInt16BE(2) };
}

function message(cmd: number, flags: number, attrs: AttributeEncoder, family = U.NFPROTO_INET): Request {
  return { type: nftType(cmd), flags, data: Buffer.concat([encodeNfgenmsg(family), attrs.finish()]) };
}

const HOOKS: Record<ChainHook, number> = {
  prerouting: U.NF_INET_PRE_ROUTING,
  input: U.NF_INET_LOCAL_IN,
  forward: U.NF_INET_FORWARD,
  output: U.NF_INET_LOCAL_OUT,
  postrouting: U.NF_INET_POST_ROUTING,
};

/** Equivalent to: `nft add table inet NAME` (no EXCL: adding an existing table is a no-op). */
export function newTable(table: string): Request {
  return message(U.NFT_MSG_NEWTABLE, 0, new AttributeEncoder().string(U.NFTA_TABLE_NAME, table).be32(U.NFTA_TABLE_FLAGS, 0));
}

/** Equivalent to: `nft delete table inet NAME` (chains and rules go with it). */
export function delTable(table: string): Request {
  return message(U.NFT_MSG_DELTABLE, 0, new AttributeEncoder().string(U.NFTA_TABLE_NAME, table));
}

/** Equivalent to: `nft add chain inet T NAME '{ type nat hook postrouting priority 100; policy accept; }'`. */
export function newChain(table: string, c: ChainSpec): Request {
  const attrs = new AttributeEncoder()
    .string(U.NFTA_CHAIN_TABLE, table)
    .string(U.NFTA_CHAIN_NAME, c.name)
    .string(U.NFTA_CHAIN_TYPE, c.type)
    .be32(U.NFTA_CHAIN_POLICY, c.policy === 'accept' ? U.NF_ACCEPT : U.NF_DROP)
    .nested(U.NFTA_CHAIN_HOOK, (h) => h.be32(U.NFTA_HOOK_HOOKNUM, HOOKS[c.hook]).be32(U.NFTA_HOOK_PRIORITY, c.priority >>> 0));
  return message(U.NFT_MSG_NEWCHAIN, NLM_F_CREATE, attrs);
}

/** Equivalent to: `nft add rule inet T CHAIN <matches> counter <action> comment "..."` (appends). */
export function newRule(table: string, spec: RuleSpec): Request {
  const attrs = new AttributeEncoder()
    .string(U.NFTA_RULE_TABLE, table)
    .string(U.NFTA_RULE_CHAIN, spec.chain)
    .bytes(U.NFTA_RULE_EXPRESSIONS | NLA_F_NESTED, encodeExpressions(buildExpressions(spec)));
  if (spec.comment !== undefined) attrs.bytes(U.NFTA_RULE_USERDATA, encodeComment(spec.comment));
  return message(U.NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, attrs);
}

/** Equivalent to: `nft delete rule inet T CHAIN handle N`. */
export function delRule(table: string, chain: string, handle: number): Request {
  const attrs = new AttributeEncoder()
    .string(U.NFTA_RULE_TABLE, table)
    .string(U.NFTA_RULE_CHAIN, chain)
    .be64(U.NFTA_RULE_HANDLE, BigInt(handle));
  return message(U.NFT_MSG_DELRULE, 0, attrs);
}

/** Equivalent to: `nft flush table inet T` (DELRULE naming only the table: every rule in it). */
export function flushTable(table: string): Request {
  return message(U.NFT_MSG_DELRULE, 0, new AttributeEncoder().string(U.NFTA_RULE_TABLE, table));
}

/** getRules: a GETRULE dump restricted by the kernel to one inet table (and chain). */
export function getRules(table: string, chain?: string): Request {
  const attrs = new AttributeEncoder().string(U.NFTA_RULE_TABLE, table);
  if (chain !== undefined) attrs.string(U.NFTA_RULE_CHAIN, chain);
  return message(U.NFT_MSG_GETRULE, 0, attrs);
}

/** getChains: a GETCHAIN dump of the inet family (the kernel does not filter chains by table). */
export function getChains(): Request {
  return message(U.NFT_MSG_GETCHAIN, 0, new AttributeEncoder());
}

/** getTable: GETTABLE for one inet table (a request, ENOENT when absent). */
export function getTable(table: string): Request {
  return message(U.NFT_MSG_GETTABLE, 0, new AttributeEncoder().string(U.NFTA_TABLE_NAME, table));
}

/** getGen: GETGEN, the ruleset generation; also the batch barrier (see link.ts). */
export function getGen(): Request {
  return message(U.NFT_MSG_GETGEN, 0, new AttributeEncoder(), U.NFPROTO_UNSPEC);
}

/** decodeGen reads NFTA_GEN_ID from a NEWGEN reply. */
export function decodeGen(msg: NetlinkMessage): number | undefined {
  if (msg.header.type !== nftType(U.NFT_MSG_NEWGEN)) return undefined;
  return attrsOf(msg).be32(U.NFTA_GEN_ID);
}

function attrsOf(msg: NetlinkMessage): AttributeDecoder {
  decodeNfgenmsg(msg.data);
  return new AttributeDecoder(msg.data.subarray(SIZEOF_NFGENMSG));
}

function required<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new WireError(`${what} missing`);
  return v;
}

function handleOf(v: bigint | undefined, what: string): number {
  const h = required(v, what);
  if (h > BigInt(Number.MAX_SAFE_INTEGER)) throw new WireError(`${what} ${h} exceeds 2^53`);
  return Number(h);
}

/** decodeTableName returns the name of an inet table in a NEWTABLE message (else undefined). */
export function decodeTableName(msg: NetlinkMessage): string | undefined {
  if (msg.header.type !== nftType(U.NFT_MSG_NEWTABLE) || decodeNfgenmsg(msg.data).family !== U.NFPROTO_INET) return undefined;
  return attrsOf(msg).string(U.NFTA_TABLE_NAME);
}

const HOOK_NAMES = new Map<number, ChainHook>(Object.entries(HOOKS).map(([k, v]) => [v, k as ChainHook]));

/**
 * decodeChain reads a NEWCHAIN message; undefined for other families, other tables, and
 * regular (non-base) chains, which this module never creates.
 */
export function decodeChain(msg: NetlinkMessage, table: string): Chain | undefined {
  if (msg.header.type !== nftType(U.NFT_MSG_NEWCHAIN) || decodeNfgenmsg(msg.data).family !== U.NFPROTO_INET) return undefined;
  const a = attrsOf(msg);
  if (a.string(U.NFTA_CHAIN_TABLE) !== table) return undefined;
  const hook = a.nested(U.NFTA_CHAIN_HOOK);
  if (!hook) return undefined;
  const hooknum = required(hook.be32(U.NFTA_HOOK_HOOKNUM), 'NFTA_HOOK_HOOKNUM');
  const type = a.string(U.NFTA_CHAIN_TYPE);
  if (type !== 'nat' && type !== 'filter') return undefined; // 'route' chains: never ours
  return {
    table,
    name: required(a.string(U.NFTA_CHAIN_NAME), 'NFTA_CHAIN_NAME'),
    handle: handleOf(a.be64(U.NFTA_CHAIN_HANDLE), 'NFTA_CHAIN_HANDLE'),
    type,
    hook: required(HOOK_NAMES.get(hooknum), `hook ${hooknum}`),
    priority: required(hook.get(U.NFTA_HOOK_PRIORITY), 'NFTA_HOOK_PRIORITY').data.readInt32BE(0),
    policy: a.be32(U.NFTA_CHAIN_POLICY) === U.NF_DROP ? 'drop' : 'accept',
  };
}

/** RuleMessage is a decoded NEWRULE: a request (no handle yet) or a dump/echo (with handle). */
export type RuleMessage = Omit<Rule, 'handle'> & { handle?: number };

/** decodeRuleMessage reads any NEWRULE message of `table` (undefined for other tables/families). */
export function decodeRuleMessage(msg: NetlinkMessage, table: string): RuleMessage | undefined {
  if (msg.header.type !== nftType(U.NFT_MSG_NEWRULE) || decodeNfgenmsg(msg.data).family !== U.NFPROTO_INET) return undefined;
  const a = attrsOf(msg);
  if (a.string(U.NFTA_RULE_TABLE) !== table) return undefined;
  const list = a.nested(U.NFTA_RULE_EXPRESSIONS);
  const expressions = list ? decodeExpressions(list) : [];
  const userdata = a.get(U.NFTA_RULE_USERDATA);
  const comment = userdata ? decodeComment(userdata.data) : undefined;
  const handle = a.be64(U.NFTA_RULE_HANDLE);
  return {
    chain: required(a.string(U.NFTA_RULE_CHAIN), 'NFTA_RULE_CHAIN'),
    ...(handle === undefined ? {} : { handle: handleOf(handle, 'NFTA_RULE_HANDLE') }),
    ...recognizeRule(expressions),
    ...(comment === undefined ? {} : { comment }),
    expressions,
  };
}

/**
 * decodeRuleHandle reads only the chain and handle of a NEWRULE of `table` (an echo after
 * addRules): skipping the expressions makes it ~20× cheaper than decodeRule.
 */
export function decodeRuleHandle(msg: NetlinkMessage, table: string): { chain: string; handle: number } | undefined {
  if (msg.header.type !== nftType(U.NFT_MSG_NEWRULE) || decodeNfgenmsg(msg.data).family !== U.NFPROTO_INET) return undefined;
  const a = attrsOf(msg);
  if (a.string(U.NFTA_RULE_TABLE) !== table) return undefined;
  return { chain: required(a.string(U.NFTA_RULE_CHAIN), 'NFTA_RULE_CHAIN'), handle: handleOf(a.be64(U.NFTA_RULE_HANDLE), 'NFTA_RULE_HANDLE') };
}

/** decodeRule reads a NEWRULE from a dump or an echo, which always carries the handle. */
export function decodeRule(msg: NetlinkMessage, table: string): Rule | undefined {
  const r = decodeRuleMessage(msg, table);
  if (r === undefined) return undefined;
  if (r.handle === undefined) throw new WireError('NFTA_RULE_HANDLE missing');
  return { ...r, handle: r.handle };
}
