/**
 * Address messages (RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR): the typed Address and its codec.
 */
import { familyBits, parseIp, type AddressFamily } from '../../wire/address.js';
import type { RawAttribute } from '../../wire/attribute.js';
import { AttributeEncoder } from '../../wire/encoder.js';
import { decodeIfaCacheinfo, decodeIfaddrmsg, encodeIfaddrmsg, type IfaCacheinfo, SIZEOF_IFADDRMSG } from '../../wire/family_headers.js';
import { messageDecoder, type MessageView } from '../../wire/message.js';
import {
  IFA_ADDRESS,
  IFA_BROADCAST,
  IFA_CACHEINFO,
  IFA_FLAGS,
  IFA_LABEL,
  IFA_LOCAL,
  IFA_PROTO,
  IFA_RT_PRIORITY,
} from '../../wire/uapi/if_addr.js';
import { AF_INET, AF_INET6 } from '../../wire/uapi/socket.js';

export interface Address {
  family: AddressFamily;
  /** ifindex of the link the address is on. */
  index: number;
  prefixLength: number;
  /**
   * The interface's own address: IFA_LOCAL when present (IPv4), else IFA_ADDRESS (IPv6). This
   * is what `ip addr` prints before the slash.
   */
  address: string;
  /** IFA_ADDRESS when it differs from IFA_LOCAL: the peer of a point-to-point address. */
  peer?: string;
  broadcast?: string;
  label?: string;
  /** RT_SCOPE_* value. */
  scope: number;
  /** IFA_F_* flags (the full u32 from IFA_FLAGS when present). */
  flags: number;
  /** IFA_RT_PRIORITY: metric of the prefix route. */
  routePriority?: number;
  /** IFA_PROTO: who added the address (IFAPROT_*). */
  protocol?: number;
  cacheInfo?: IfaCacheinfo;
  unknown: RawAttribute[];
}

/** AddressSpec describes an address to add or delete. */
export interface AddressSpec {
  /** ifindex (resolve names with getLink first, or use the `link` helpers). */
  index: number;
  /** "10.0.0.1/24" or "fd00::1/64" (a bare address means a host prefix). */
  address: string;
  prefixLength: number;
  /** Point-to-point peer ("ip addr add A peer P"). */
  peer?: string;
  /** IPv4 broadcast address. */
  broadcast?: string;
  /** IPv4 label ("eth0:1"). */
  label?: string;
  /** RT_SCOPE_* (default universe). */
  scope?: number;
  /** IFA_F_* flags such as IFA_F_NODAD, IFA_F_NOPREFIXROUTE. */
  flags?: number;
  /** IFA_RT_PRIORITY for the prefix route. */
  routePriority?: number;
}

/** decodeAddress decodes an RTM_NEWADDR / RTM_DELADDR message (a MessageDecoder). */
export const decodeAddress = messageDecoder(readAddress);

function readAddress(msg: MessageView): Address {
  const hdr = msg.familyHeader(decodeIfaddrmsg);
  let local: string | undefined;
  let ifaAddress: string | undefined;
  const out: Omit<Address, 'address'> = {
    family: hdr.family as AddressFamily,
    index: hdr.index,
    prefixLength: hdr.prefixLength,
    scope: hdr.scope,
    flags: hdr.flags,
    unknown: [],
  };
  for (const attr = msg.attributes(SIZEOF_IFADDRMSG); attr.next(); ) {
    switch (attr.type) {
      case IFA_LOCAL:
        local = attr.ip();
        break;
      case IFA_ADDRESS:
        ifaAddress = attr.ip();
        break;
      case IFA_BROADCAST:
        out.broadcast = attr.ip();
        break;
      case IFA_LABEL:
        out.label = attr.string();
        break;
      case IFA_FLAGS:
        out.flags = attr.u32();
        break;
      case IFA_CACHEINFO:
        out.cacheInfo = decodeIfaCacheinfo(attr.view());
        break;
      case IFA_RT_PRIORITY:
        out.routePriority = attr.u32();
        break;
      case IFA_PROTO:
        out.protocol = attr.u8();
        break;
      default:
        out.unknown.push(attr.rawView());
    }
  }
  const address: Address = { ...out, address: local ?? ifaAddress ?? '' };
  if (local !== undefined && ifaAddress !== undefined && local !== ifaAddress) address.peer = ifaAddress;
  return address;
}

/**
 * encodeAddress builds the ifaddrmsg and attributes for RTM_NEWADDR / RTM_DELADDR, as iproute2
 * does: IFA_LOCAL is the address, IFA_ADDRESS the peer (or the address again).
 */
export function encodeAddress(spec: AddressSpec): Buffer {
  const addr = parseIp(spec.address);
  const family: AddressFamily = addr.length === 4 ? AF_INET : AF_INET6;
  if (spec.prefixLength < 0 || spec.prefixLength > familyBits(family)) {
    throw new TypeError(`invalid prefix length ${spec.prefixLength} for ${spec.address}`);
  }
  const attrs = new AttributeEncoder();
  attrs.bytes(IFA_LOCAL, addr);
  attrs.bytes(IFA_ADDRESS, spec.peer !== undefined ? parseIp(spec.peer) : addr);
  if (spec.broadcast !== undefined) attrs.ip(IFA_BROADCAST, spec.broadcast);
  if (spec.label !== undefined) attrs.string(IFA_LABEL, spec.label);
  if (spec.flags !== undefined && spec.flags > 0xff) attrs.u32(IFA_FLAGS, spec.flags);
  if (spec.routePriority !== undefined) attrs.u32(IFA_RT_PRIORITY, spec.routePriority);
  const header = encodeIfaddrmsg({
    family,
    prefixLength: spec.prefixLength,
    flags: (spec.flags ?? 0) & 0xff,
    scope: spec.scope ?? 0,
    index: spec.index,
  });
  return Buffer.concat([header, attrs.finish()]);
}
