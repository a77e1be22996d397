/**
 * Rule messages (RTM_NEWRULE / RTM_DELRULE / RTM_GETRULE): policy routing rules, the typed Rule,
 * the RuleSpec used to add/delete, and their codec.
 */
import { type AddressFamily, ipFamily, parseIp, parsePrefix } from '../../wire/address.js';
import type { RawAttribute } from '../../wire/attribute.js';
import { AttributeEncoder } from '../../wire/encoder.js';
import {
  decodeFibRuleHdr,
  decodePortRange,
  decodeUidRange,
  encodeFibRuleHdr,
  type PortRange,
  SIZEOF_FIB_RULE_HDR,
} from '../../wire/family_headers.js';
import { messageDecoder, type MessageView } from '../../wire/message.js';
import {
  FIB_RULE_INVERT,
  FRA_DPORT_RANGE,
  FRA_DST,
  FRA_FWMARK,
  FRA_FWMASK,
  FRA_GOTO,
  FRA_IIFNAME,
  FRA_IP_PROTO,
  FRA_L3MDEV,
  FRA_OIFNAME,
  FRA_PRIORITY,
  FRA_PROTOCOL,
  FRA_SPORT_RANGE,
  FRA_SRC,
  FRA_SUPPRESS_IFGROUP,
  FRA_SUPPRESS_PREFIXLEN,
  FRA_TABLE,
  FRA_UID_RANGE,
} from '../../wire/uapi/fib_rules.js';
import { RT_TABLE_UNSPEC } from '../../wire/uapi/rtnetlink.js';
import { AF_INET } from '../../wire/uapi/socket.js';

/** fib_rule_hdr.action names indexed by FR_ACT_*, as `ip rule` prints them. */
export const RULE_ACTIONS = ['unspec', 'lookup', 'goto', 'nop', 'res3', 'res4', 'blackhole', 'unreachable', 'prohibit'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** Largest fib_rule_hdr.table value; bigger ids need FRA_TABLE. */
const MAX_HEADER_TABLE = 255;

export interface Rule {
  family: AddressFamily;
  /** FRA_PRIORITY; the kernel omits it for priority 0 (the local-table rule). */
  priority: number;
  src?: string;
  srcLength: number;
  dst?: string;
  dstLength: number;
  tos: number;
  fwmark?: number;
  fwmask?: number;
  /** Input interface name (FRA_IIFNAME, "iif" in ip). */
  iifName?: string;
  /** Output interface name (FRA_OIFNAME, "oif" in ip). */
  oifName?: string;
  table: number;
  action: RuleAction;
  /** FIB_RULE_INVERT: "not" in ip rule. */
  invert: boolean;
  /** FIB_RULE_* flags. */
  flags: number;
  goto?: number;
  /** FRA_PROTOCOL: RTPROT_* of whoever added the rule. */
  protocol?: number;
  suppressPrefixLength?: number;
  suppressIfgroup?: number;
  l3mdev?: boolean;
  ipProto?: number;
  sportRange?: PortRange;
  dportRange?: PortRange;
  uidRange?: PortRange;
  unknown: RawAttribute[];
}

export interface RuleSpec {
  /** Required when neither src nor dst says it (default AF_INET). */
  family?: AddressFamily;
  priority?: number;
  /** "10.0.0.0/8" (or a bare address). */
  src?: string;
  dst?: string;
  fwmark?: number;
  fwmask?: number;
  iifName?: string;
  oifName?: string;
  /** Routing table for action 'lookup'. */
  table?: number;
  /** Default 'lookup' when table is given, else 'unspec' (matches any action on delete). */
  action?: RuleAction;
  invert?: boolean;
  /** RTPROT_* to record as the rule's owner. */
  protocol?: number;
  tos?: number;
}

/** decodeRule decodes an RTM_NEWRULE / RTM_DELRULE message (a MessageDecoder). */
export const decodeRule = messageDecoder(readRule);

function readRule(msg: MessageView): Rule {
  const hdr = msg.familyHeader(decodeFibRuleHdr);
  const rule: Rule = {
    family: hdr.family as AddressFamily,
    priority: 0,
    srcLength: hdr.srcLength,
    dstLength: hdr.dstLength,
    tos: hdr.tos,
    table: hdr.table,
    action: RULE_ACTIONS[hdr.action] ?? 'unspec',
    invert: (hdr.flags & FIB_RULE_INVERT) !== 0,
    flags: hdr.flags,
    unknown: [],
  };
  for (const attr = msg.attributes(SIZEOF_FIB_RULE_HDR); attr.next(); ) {
    switch (attr.type) {
      case FRA_PRIORITY:
        rule.priority = attr.u32();
        break;
      case FRA_SRC:
        rule.src = attr.ip();
        break;
      case FRA_DST:
        rule.dst = attr.ip();
        break;
      case FRA_FWMARK:
        rule.fwmark = attr.u32();
        break;
      case FRA_FWMASK:
        rule.fwmask = attr.u32();
        break;
      case FRA_IIFNAME:
        rule.iifName = attr.string();
        break;
      case FRA_OIFNAME:
        rule.oifName = attr.string();
        break;
      case FRA_TABLE:
        rule.table = attr.u32();
        break;
      case FRA_GOTO:
        rule.goto = attr.u32();
        break;
      case FRA_PROTOCOL:
        rule.protocol = attr.u8();
        break;
      case FRA_SUPPRESS_PREFIXLEN:
        rule.suppressPrefixLength = attr.s32();
        break;
      case FRA_SUPPRESS_IFGROUP:
        rule.suppressIfgroup = attr.u32();
        break;
      case FRA_L3MDEV:
        rule.l3mdev = attr.u8() !== 0;
        break;
      case FRA_IP_PROTO:
        rule.ipProto = attr.u8();
        break;
      case FRA_SPORT_RANGE:
        rule.sportRange = decodePortRange(attr.view());
        break;
      case FRA_DPORT_RANGE:
        rule.dportRange = decodePortRange(attr.view());
        break;
      case FRA_UID_RANGE:
        rule.uidRange = decodeUidRange(attr.view());
        break;
      default:
        rule.unknown.push(attr.rawView());
    }
  }
  return rule;
}

function ruleFamily(spec: RuleSpec): AddressFamily {
  const addr = spec.src ?? spec.dst;
  if (addr !== undefined) return ipFamily(addr.split('/')[0] ?? '');
  return spec.family ?? AF_INET;
}

/**
 * encodeRule builds fib_rule_hdr + attributes for RTM_NEWRULE / RTM_DELRULE in iproute2's
 * order for `ip rule add [not] from S to D fwmark M/K iif I oif O priority P table T`.
 */
export function encodeRule(spec: RuleSpec): Buffer {
  const family = ruleFamily(spec);
  const src = spec.src === undefined ? undefined : parsePrefix(spec.src);
  const dst = spec.dst === undefined ? undefined : parsePrefix(spec.dst);
  if ((src && src.family !== family) || (dst && dst.family !== family)) throw new TypeError('rule: mixed address families');
  const action: RuleAction = spec.action ?? (spec.table !== undefined ? 'lookup' : 'unspec');
  const table = spec.table ?? RT_TABLE_UNSPEC;
  const attrs = new AttributeEncoder();
  if (src) attrs.bytes(FRA_SRC, parseIp(src.address));
  if (dst) attrs.bytes(FRA_DST, parseIp(dst.address));
  if (spec.fwmark !== undefined) attrs.u32(FRA_FWMARK, spec.fwmark);
  if (spec.fwmask !== undefined) attrs.u32(FRA_FWMASK, spec.fwmask);
  if (spec.iifName !== undefined) attrs.string(FRA_IIFNAME, spec.iifName);
  if (spec.oifName !== undefined) attrs.string(FRA_OIFNAME, spec.oifName);
  if (spec.priority !== undefined) attrs.u32(FRA_PRIORITY, spec.priority);
  if (table > MAX_HEADER_TABLE) attrs.u32(FRA_TABLE, table);
  if (spec.protocol !== undefined) attrs.u8(FRA_PROTOCOL, spec.protocol);
  const header = encodeFibRuleHdr({
    family,
    srcLength: src?.prefixLength ?? 0,
    dstLength: dst?.prefixLength ?? 0,
    tos: spec.tos ?? 0,
    table: table > MAX_HEADER_TABLE ? RT_TABLE_UNSPEC : table,
    action: RULE_ACTIONS.indexOf(action),
    flags: spec.invert ? FIB_RULE_INVERT : 0,
  });
  return Buffer.concat([header, attrs.finish()]);
}

