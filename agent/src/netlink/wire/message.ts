/**
 * Netlink messages: a header plus an opaque payload. A datagram from the kernel carries one or
 * more messages, each padded to 4 bytes; decodeMessages splits it, encodeMessages joins them
 * (a batch in one sendto, as `ip -batch` and nft do).
 */
import { WireError } from './errors.js';
import { type NetlinkHeader, NLMSG_HDRLEN, asBuffer, decodeHeader, encodeHeader, nlmsgAlign } from './header.js';

/** Largest nlmsg_len representable: the field is a __u32, but a datagram is far smaller. */
const NLMSG_MAX_LEN = 0xffffffff;

export interface NetlinkMessage {
  header: NetlinkHeader;
  /** Payload after the header, exactly header.length - 16 bytes (a view, not a copy). */
  data: Buffer;
}

/** OutgoingMessage is what callers build; length is computed, seq/pid default to 0. */
export interface OutgoingMessage {
  type: number;
  flags: number;
  seq?: number;
  pid?: number;
  data?: Uint8Array;
}

/** messageLength is the aligned size the message occupies in a datagram. */
export function messageLength(msg: OutgoingMessage): number {
  return nlmsgAlign(NLMSG_HDRLEN + (msg.data?.length ?? 0));
}

/** encodeMessage serializes one message, padded to 4 bytes with zeros. */
export function encodeMessage(msg: OutgoingMessage): Buffer {
  return encodeMessages([msg]);
}

/** encodeMessages serializes several messages back to back into one datagram. */
export function encodeMessages(msgs: readonly OutgoingMessage[]): Buffer {
  let total = 0;
  for (const m of msgs) total += messageLength(m);
  const buf = Buffer.alloc(total);
  let offset = 0;
  for (const m of msgs) {
    const data = m.data ?? new Uint8Array(0);
    const length = NLMSG_HDRLEN + data.length;
    if (length > NLMSG_MAX_LEN) throw new WireError(`message of ${length} bytes exceeds nlmsg_len`);
    encodeHeader({ length, type: m.type, flags: m.flags, seq: m.seq ?? 0, pid: m.pid ?? 0 }, buf, offset);
    buf.set(data, offset + NLMSG_HDRLEN);
    offset += nlmsgAlign(length);
  }
  return buf;
}

/**
 * decodeMessages splits a datagram into messages. Payloads are views into buf, so callers that
 * reuse their receive buffer must copy first (conn/ does). Throws WireError on a length that is
 * shorter than a header or runs past the end: a truncated datagram is never silently accepted.
 */
export function decodeMessages(bytes: Uint8Array): NetlinkMessage[] {
  const buf = asBuffer(bytes);
  const out: NetlinkMessage[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const remaining = buf.length - offset;
    // Trailing zeros are padding (iproute2 sends its whole request buffer; the kernel, like
    // netlink_rcv_skb, stops at the first header shorter than NLMSG_HDRLEN).
    if (isZero(buf, offset)) break;
    if (remaining < NLMSG_HDRLEN) {
      throw new WireError(`${remaining} trailing bytes do not form a netlink header`, offset);
    }
    const header = decodeHeader(buf, offset);
    if (header.length < NLMSG_HDRLEN) {
      throw new WireError(`nlmsg_len ${header.length} is shorter than the header`, offset);
    }
    if (header.length > remaining) {
      throw new WireError(`nlmsg_len ${header.length} exceeds the ${remaining} bytes received`, offset);
    }
    out.push({ header, data: buf.subarray(offset + NLMSG_HDRLEN, offset + header.length) });
    offset += nlmsgAlign(header.length);
  }
  return out;
}

function isZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
