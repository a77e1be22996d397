/**
 * Fixed family headers that follow nlmsghdr in rtnetlink and generic netlink messages, and the
 * fixed-layout structs carried inside attributes. All fields are host order. Encoders write
 * zeroed padding/reserved bytes; decoders check the minimum size and ignore trailing bytes
 * (newer kernels may grow a struct).
 */
import { WireError } from './errors.js';
import { readS32LE, readU16LE, readU32LE } from './integers.js';

/** sizeof(struct ifinfomsg) — <linux/rtnetlink.h>. */
export const SIZEOF_IFINFOMSG = 16;
/** sizeof(struct ifaddrmsg) — <linux/if_addr.h>. */
export const SIZEOF_IFADDRMSG = 8;
/** sizeof(struct rtmsg) — <linux/rtnetlink.h>. */
export const SIZEOF_RTMSG = 12;
/** sizeof(struct fib_rule_hdr) — <linux/fib_rules.h>. */
export const SIZEOF_FIB_RULE_HDR = 12;
/** sizeof(struct ifa_cacheinfo) — <linux/if_addr.h>. */
export const SIZEOF_IFA_CACHEINFO = 16;
/** sizeof(struct genlmsghdr) — <linux/genetlink.h> (GENL_HDRLEN). */
export const SIZEOF_GENLMSGHDR = 4;
/** sizeof(struct fib_rule_port_range) and struct fib_rule_uid_range. */
export const SIZEOF_FIB_RULE_PORT_RANGE = 4;
export const SIZEOF_FIB_RULE_UID_RANGE = 8;

function need(buf: Buffer, size: number, what: string): void {
  if (buf.length < size) throw new WireError(`${what} needs ${size} bytes, got ${buf.length}`);
}

/**
 * needIn checks that buf[offset, end) holds a struct of `size` bytes. The family-header decoders
 * it guards run once per message of a dump: they read bytes by plain indexing and with the
 * wire/integers.ts readers, and build errors out of line, so that V8 inlines a whole decoder
 * into its caller and drops the struct object it returns (~10× faster than with Buffer's
 * validated readUInt8/readUInt32LE).
 */
function needIn(buf: Buffer, offset: number, end: number, size: number, what: string): void {
  if (offset < 0 || end > buf.length || end - offset < size) tooShort(buf, offset, end, size, what);
}

function tooShort(buf: Buffer, offset: number, end: number, size: number, what: string): never {
  throw new WireError(`${what} needs ${size} bytes, got ${Math.max(0, Math.min(end, buf.length) - offset)}`);
}

/** struct ifinfomsg: link messages (RTM_*LINK). */
export interface Ifinfomsg {
  /** ifi_family: AF_UNSPEC for ordinary links. */
  family: number;
  /** ifi_type: ARPHRD_* device type. */
  type: number;
  /** ifi_index: 0 in a create request lets the kernel choose. */
  index: number;
  /** ifi_flags: IFF_* bits. */
  flags: number;
  /** ifi_change: which IFF_* bits a request changes (0xffffffff is the legacy "all"). */
  change: number;
}

export function encodeIfinfomsg(m: Partial<Ifinfomsg> = {}): Buffer {
  const b = Buffer.alloc(SIZEOF_IFINFOMSG);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt16LE(m.type ?? 0, 2);
  b.writeInt32LE(m.index ?? 0, 4);
  b.writeUInt32LE((m.flags ?? 0) >>> 0, 8);
  b.writeUInt32LE((m.change ?? 0) >>> 0, 12);
  return b;
}

export function decodeIfinfomsg(buf: Buffer, offset = 0, end = buf.length): Ifinfomsg {
  needIn(buf, offset, end, SIZEOF_IFINFOMSG, 'ifinfomsg');
  return {
    family: buf[offset]!,
    type: readU16LE(buf, offset + 2),
    index: readS32LE(buf, offset + 4),
    flags: readU32LE(buf, offset + 8),
    change: readU32LE(buf, offset + 12),
  };
}

/** struct ifaddrmsg: address messages (RTM_*ADDR). */
export interface Ifaddrmsg {
  family: number;
  prefixLength: number;
  /** ifa_flags: the low 8 IFA_F_* bits; the full set travels in IFA_FLAGS. */
  flags: number;
  scope: number;
  index: number;
}

export function encodeIfaddrmsg(m: Partial<Ifaddrmsg> = {}): Buffer {
  const b = Buffer.alloc(SIZEOF_IFADDRMSG);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt8(m.prefixLength ?? 0, 1);
  b.writeUInt8(m.flags ?? 0, 2);
  b.writeUInt8(m.scope ?? 0, 3);
  b.writeUInt32LE(m.index ?? 0, 4);
  return b;
}

export function decodeIfaddrmsg(buf: Buffer, offset = 0, end = buf.length): Ifaddrmsg {
  needIn(buf, offset, end, SIZEOF_IFADDRMSG, 'ifaddrmsg');
  return {
    family: buf[offset]!,
    prefixLength: buf[offset + 1]!,
    flags: buf[offset + 2]!,
    scope: buf[offset + 3]!,
    index: readU32LE(buf, offset + 4),
  };
}

/** struct rtmsg: route messages (RTM_*ROUTE). */
export interface Rtmsg {
  family: number;
  dstLength: number;
  srcLength: number;
  tos: number;
  /** rtm_table: a u8; RT_TABLE_UNSPEC plus RTA_TABLE for ids above 255. */
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
}

export function encodeRtmsg(m: Partial<Rtmsg> = {}): Buffer {
  const b = Buffer.alloc(SIZEOF_RTMSG);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt8(m.dstLength ?? 0, 1);
  b.writeUInt8(m.srcLength ?? 0, 2);
  b.writeUInt8(m.tos ?? 0, 3);
  b.writeUInt8(m.table ?? 0, 4);
  b.writeUInt8(m.protocol ?? 0, 5);
  b.writeUInt8(m.scope ?? 0, 6);
  b.writeUInt8(m.type ?? 0, 7);
  b.writeUInt32LE((m.flags ?? 0) >>> 0, 8);
  return b;
}

export function decodeRtmsg(buf: Buffer, offset = 0, end = buf.length): Rtmsg {
  needIn(buf, offset, end, SIZEOF_RTMSG, 'rtmsg');
  return {
    family: buf[offset]!,
    dstLength: buf[offset + 1]!,
    srcLength: buf[offset + 2]!,
    tos: buf[offset + 3]!,
    table: buf[offset + 4]!,
    protocol: buf[offset + 5]!,
    scope: buf[offset + 6]!,
    type: buf[offset + 7]!,
    flags: readU32LE(buf, offset + 8),
  };
}

/** struct fib_rule_hdr: rule messages (RTM_*RULE); same size as rtmsg, different fields. */
export interface FibRuleHdr {
  family: number;
  dstLength: number;
  srcLength: number;
  tos: number;
  /** table: a u8; ids above 255 travel in FRA_TABLE. */
  table: number;
  /** action: FR_ACT_*. */
  action: number;
  /** flags: FIB_RULE_* bits (FIB_RULE_INVERT = "not"). */
  flags: number;
}

export function encodeFibRuleHdr(m: Partial<FibRuleHdr> = {}): Buffer {
  const b = Buffer.alloc(SIZEOF_FIB_RULE_HDR);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt8(m.dstLength ?? 0, 1);
  b.writeUInt8(m.srcLength ?? 0, 2);
  b.writeUInt8(m.tos ?? 0, 3);
  b.writeUInt8(m.table ?? 0, 4);
  // bytes 5 and 6 are res1/res2
  b.writeUInt8(m.action ?? 0, 7);
  b.writeUInt32LE((m.flags ?? 0) >>> 0, 8);
  return b;
}

export function decodeFibRuleHdr(buf: Buffer, offset = 0, end = buf.length): FibRuleHdr {
  needIn(buf, offset, end, SIZEOF_FIB_RULE_HDR, 'fib_rule_hdr');
  return {
    family: buf[offset]!,
    dstLength: buf[offset + 1]!,
    srcLength: buf[offset + 2]!,
    tos: buf[offset + 3]!,
    table: buf[offset + 4]!,
    action: buf[offset + 7]!,
    flags: readU32LE(buf, offset + 8),
  };
}

/** struct ifa_cacheinfo (IFA_CACHEINFO): lifetimes in seconds, stamps in 1/100 s. */
export interface IfaCacheinfo {
  preferred: number;
  valid: number;
  created: number;
  updated: number;
}

export function encodeIfaCacheinfo(m: IfaCacheinfo): Buffer {
  const b = Buffer.alloc(SIZEOF_IFA_CACHEINFO);
  b.writeUInt32LE(m.preferred >>> 0, 0);
  b.writeUInt32LE(m.valid >>> 0, 4);
  b.writeUInt32LE(m.created >>> 0, 8);
  b.writeUInt32LE(m.updated >>> 0, 12);
  return b;
}

export function decodeIfaCacheinfo(buf: Buffer): IfaCacheinfo {
  need(buf, SIZEOF_IFA_CACHEINFO, 'ifa_cacheinfo');
  return {
    preferred: buf.readUInt32LE(0),
    valid: buf.readUInt32LE(4),
    created: buf.readUInt32LE(8),
    updated: buf.readUInt32LE(12),
  };
}

/** struct fib_rule_port_range (FRA_SPORT_RANGE / FRA_DPORT_RANGE), host order. */
export interface PortRange {
  start: number;
  end: number;
}

export function encodePortRange(r: PortRange): Buffer {
  const b = Buffer.alloc(SIZEOF_FIB_RULE_PORT_RANGE);
  b.writeUInt16LE(r.start, 0);
  b.writeUInt16LE(r.end, 2);
  return b;
}

export function decodePortRange(buf: Buffer): PortRange {
  need(buf, SIZEOF_FIB_RULE_PORT_RANGE, 'fib_rule_port_range');
  return { start: buf.readUInt16LE(0), end: buf.readUInt16LE(2) };
}

/** struct fib_rule_uid_range (FRA_UID_RANGE). */
export function encodeUidRange(r: PortRange): Buffer {
  const b = Buffer.alloc(SIZEOF_FIB_RULE_UID_RANGE);
  b.writeUInt32LE(r.start >>> 0, 0);
  b.writeUInt32LE(r.end >>> 0, 4);
  return b;
}

export function decodeUidRange(buf: Buffer): PortRange {
  need(buf, SIZEOF_FIB_RULE_UID_RANGE, 'fib_rule_uid_range');
  return { start: buf.readUInt32LE(0), end: buf.readUInt32LE(4) };
}

/** struct genlmsghdr: the generic netlink header (command and family version). */
export interface Genlmsghdr {
  command: number;
  version: number;
}

export function encodeGenlmsghdr(m: Genlmsghdr): Buffer {
  const b = Buffer.alloc(SIZEOF_GENLMSGHDR);
  b.writeUInt8(m.command, 0);
  b.writeUInt8(m.version, 1);
  return b;
}

export function decodeGenlmsghdr(buf: Buffer): Genlmsghdr {
  need(buf, SIZEOF_GENLMSGHDR, 'genlmsghdr');
  return { command: buf[0]!, version: buf[1]! };
}
