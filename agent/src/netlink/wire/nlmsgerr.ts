/**
 * NLMSG_ERROR (struct nlmsgerr) and NLMSG_DONE payloads, including extended ACK TLVs.
 *
 * Layout of NLMSG_ERROR: s32 error (0 = ACK, else -errno), the request's nlmsghdr, then the
 * request's payload unless NLM_F_CAPPED is set (the kernel always caps successful ACKs, and all
 * ACKs with NETLINK_CAP_ACK), then — when NLM_F_ACK_TLVS is set — NLMSGERR_ATTR_* TLVs. Both
 * flags matter: ACK_TLVS says whether TLVs exist, CAPPED says where they start. A successful ACK
 * can carry a warning in NLMSGERR_ATTR_MSG (e.g. sch_htb's "quantum ... is big").
 *
 * NLMSG_DONE carries the dump's final s32 error, optionally followed by the same TLVs.
 */
import { AttributeDecoder, type RawAttribute } from './attribute.js';
import { AttributeEncoder } from './encoder.js';
import { WireError } from './errors.js';
import { type NetlinkHeader, NLMSG_HDRLEN, decodeHeader, encodeHeader, nlmsgAlign } from './header.js';
import type { NetlinkMessage } from './message.js';
import {
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_POLICY,
} from './uapi/netlink.js';

/** Size of the s32 error field in front of the echoed header. */
const SIZEOF_ERROR_CODE = 4;

/** ExtAck holds the decoded NLMSGERR_ATTR_* TLVs. */
export interface ExtAck {
  /** NLMSGERR_ATTR_MSG: human-readable text ("mtu less than device minimum"). */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute in the request message. */
  offset?: number;
  /** NLMSGERR_ATTR_COOKIE: subsystem-specific opaque bytes. */
  cookie?: Buffer;
  /** NLMSGERR_ATTR_POLICY: nested policy description of the rejected attribute, kept raw. */
  policy?: RawAttribute;
  /** NLMSGERR_ATTR_MISS_TYPE: type of a missing required attribute. */
  missingType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: offset of the nest where that attribute was missing. */
  missingNest?: number;
  /** TLVs this codec does not know, kept in wire order. */
  unknown: RawAttribute[];
}

/** Nlmsgerr is a decoded NLMSG_ERROR message. */
export interface Nlmsgerr {
  /** 0 for an ACK, otherwise a negative errno exactly as the kernel sent it. */
  error: number;
  /** The header of the request this answers (its seq matches the request). */
  request: NetlinkHeader;
  /** The echoed request payload; undefined when capped. */
  requestData?: Buffer;
  /** Present when NLM_F_ACK_TLVS is set. */
  extAck?: ExtAck;
}

/** Done is a decoded NLMSG_DONE message. */
export interface Done {
  /** The dump's final status: 0, or a negative errno when the dump failed part way. */
  error: number;
  extAck?: ExtAck;
}

/** decodeNlmsgerr decodes the payload of an NLMSG_ERROR message. */
export function decodeNlmsgerr(msg: NetlinkMessage): Nlmsgerr {
  const { data } = msg;
  if (data.length < SIZEOF_ERROR_CODE + NLMSG_HDRLEN) {
    throw new WireError(`nlmsgerr needs ${SIZEOF_ERROR_CODE + NLMSG_HDRLEN} bytes, got ${data.length}`);
  }
  const error = data.readInt32LE(0);
  const request = decodeHeader(data, SIZEOF_ERROR_CODE);
  const capped = (msg.header.flags & NLM_F_CAPPED) !== 0;
  const out: Nlmsgerr = { error, request };
  let tlvStart = SIZEOF_ERROR_CODE + NLMSG_HDRLEN;
  if (!capped) {
    const echoedEnd = Math.min(data.length, SIZEOF_ERROR_CODE + request.length);
    out.requestData = Buffer.from(data.subarray(tlvStart, echoedEnd));
    tlvStart = Math.min(data.length, SIZEOF_ERROR_CODE + nlmsgAlign(request.length));
  }
  if ((msg.header.flags & NLM_F_ACK_TLVS) !== 0) out.extAck = decodeExtAck(data.subarray(tlvStart));
  return out;
}

/** encodeNlmsgerr builds the flags and payload of an NLMSG_ERROR message (fakes, round trips). */
export function encodeNlmsgerr(err: Nlmsgerr): { flags: number; data: Buffer } {
  let flags = 0;
  const echoed = err.requestData;
  const head = Buffer.alloc(SIZEOF_ERROR_CODE + NLMSG_HDRLEN);
  head.writeInt32LE(err.error, 0);
  encodeHeader(err.request, head, SIZEOF_ERROR_CODE);
  const parts: Buffer[] = [head];
  if (echoed === undefined) {
    flags |= NLM_F_CAPPED;
  } else {
    const padded = Buffer.alloc(nlmsgAlign(err.request.length) - NLMSG_HDRLEN);
    echoed.copy(padded);
    parts.push(padded);
  }
  if (err.extAck) {
    flags |= NLM_F_ACK_TLVS;
    parts.push(encodeExtAck(err.extAck));
  }
  return { flags, data: Buffer.concat(parts) };
}

/** decodeDone decodes the payload of an NLMSG_DONE message. */
export function decodeDone(msg: NetlinkMessage): Done {
  // Some families end a dump with an empty NLMSG_DONE; treat that as success.
  if (msg.data.length < SIZEOF_ERROR_CODE) return { error: 0 };
  const done: Done = { error: msg.data.readInt32LE(0) };
  if ((msg.header.flags & NLM_F_ACK_TLVS) !== 0) done.extAck = decodeExtAck(msg.data.subarray(SIZEOF_ERROR_CODE));
  return done;
}

/** encodeDone builds the flags (NLM_F_ACK_TLVS only) and payload of an NLMSG_DONE message. */
export function encodeDone(done: Done): { flags: number; data: Buffer } {
  const code = Buffer.alloc(SIZEOF_ERROR_CODE);
  code.writeInt32LE(done.error, 0);
  if (!done.extAck) return { flags: 0, data: code };
  return { flags: NLM_F_ACK_TLVS, data: Buffer.concat([code, encodeExtAck(done.extAck)]) };
}

/** decodeExtAck decodes NLMSGERR_ATTR_* TLVs. */
export function decodeExtAck(bytes: Buffer): ExtAck {
  const ack: ExtAck = { unknown: [] };
  for (const attr of new AttributeDecoder(bytes)) {
    switch (attr.type) {
      case NLMSGERR_ATTR_MSG:
        ack.message = attr.string();
        break;
      case NLMSGERR_ATTR_OFFS:
        ack.offset = attr.u32();
        break;
      case NLMSGERR_ATTR_COOKIE:
        ack.cookie = attr.bytes();
        break;
      case NLMSGERR_ATTR_POLICY:
        ack.policy = attr.raw();
        break;
      case NLMSGERR_ATTR_MISS_TYPE:
        ack.missingType = attr.u32();
        break;
      case NLMSGERR_ATTR_MISS_NEST:
        ack.missingNest = attr.u32();
        break;
      default:
        ack.unknown.push(attr.raw());
    }
  }
  return ack;
}

/** encodeExtAck encodes TLVs in the order the kernel's netlink_ack_tlv_fill() writes them. */
export function encodeExtAck(ack: ExtAck): Buffer {
  const e = new AttributeEncoder();
  if (ack.message !== undefined) e.string(NLMSGERR_ATTR_MSG, ack.message);
  if (ack.offset !== undefined) e.u32(NLMSGERR_ATTR_OFFS, ack.offset);
  if (ack.cookie !== undefined) e.bytes(NLMSGERR_ATTR_COOKIE, ack.cookie);
  if (ack.policy !== undefined) e.raw({ ...ack.policy, type: NLMSGERR_ATTR_POLICY });
  if (ack.missingType !== undefined) e.u32(NLMSGERR_ATTR_MISS_TYPE, ack.missingType);
  if (ack.missingNest !== undefined) e.u32(NLMSGERR_ATTR_MISS_NEST, ack.missingNest);
  for (const u of ack.unknown) e.raw(u);
  return e.finish();
}
