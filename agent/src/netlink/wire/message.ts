/**
 * Netlink messages: a header plus an opaque payload. A datagram from the kernel carries one or
 * more messages, each padded to 4 bytes; decodeMessages splits it, encodeMessages joins them
 * (a batch in one sendto, as `ip -batch` and nft do). MessageView walks a datagram in place,
 * without allocating per message, for the dump hot path.
 */
import { AttributeCursor } from './attribute.js';
import { WireError } from './errors.js';
import { type NetlinkHeader, NLMSG_HDRLEN, asBuffer, encodeHeader, nlmsgAlign } from './header.js';
import { readU32LE } from './integers.js';

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
  const out: NetlinkMessage[] = [];
  for (const view = new MessageView(bytes); view.next(); ) out.push(view.message());
  return out;
}

/**
 * MessageView is a cursor over the messages of a datagram: `next()` moves to the following
 * message, validating it exactly as decodeMessages does (WireError on a short or overlong
 * nlmsg_len; trailing zero padding ends the datagram), the header fields are plain properties,
 * and the payload is read in place — `familyHeader(decodeRtmsg)`, `attributes(SIZEOF_RTMSG)` —
 * so iterating allocates nothing per message. `message()` materializes a NetlinkMessage when
 * one is needed. A view is valid until the next call to `next()`: read values out of it, never
 * keep it.
 */
export class MessageView {
  /** nlmsg_len of the current message. */
  length = 0;
  /** nlmsg_type of the current message. */
  type = 0;
  /** nlmsg_flags of the current message. */
  flags = 0;
  /** nlmsg_seq of the current message. */
  seq = 0;
  /** nlmsg_pid of the current message. */
  pid = 0;
  private readonly buf: Buffer;
  private readonly end: number;
  /** Offset of the next message header. */
  private cursor = 0;
  private payload = 0;
  private payloadEnd = 0;

  /** A view over a datagram, before its first message: call next(). */
  constructor(bytes: Uint8Array) {
    this.buf = asBuffer(bytes);
    this.end = this.buf.length;
  }

  /** of returns a view positioned on an already split message (its next() returns false). */
  static of(msg: NetlinkMessage): MessageView {
    const view = new MessageView(msg.data);
    view.length = msg.header.length;
    view.type = msg.header.type;
    view.flags = msg.header.flags;
    view.seq = msg.header.seq;
    view.pid = msg.header.pid;
    view.payloadEnd = view.end;
    view.cursor = view.end;
    return view;
  }

  /** next advances to the following message; false at the end of the datagram. */
  next(): boolean {
    const buf = this.buf;
    const offset = this.cursor;
    const remaining = this.end - offset;
    if (remaining <= 0) return false;
    const length = remaining < NLMSG_HDRLEN ? 0 : readU32LE(buf, offset);
    if (length < NLMSG_HDRLEN || length > remaining) {
      // Trailing zeros are padding (iproute2 sends its whole request buffer; the kernel, like
      // netlink_rcv_skb, stops at the first header shorter than NLMSG_HDRLEN).
      if (length < NLMSG_HDRLEN && isZero(buf, offset)) {
        this.cursor = this.end;
        return false;
      }
      malformed(offset, length, remaining);
    }
    this.length = length;
    // struct nlmsghdr, host order; read inline (hot).
    this.type = buf[offset + 4]! | (buf[offset + 5]! << 8);
    this.flags = buf[offset + 6]! | (buf[offset + 7]! << 8);
    this.seq = readU32LE(buf, offset + 8);
    this.pid = readU32LE(buf, offset + 12);
    this.payload = offset + NLMSG_HDRLEN;
    this.payloadEnd = offset + length;
    this.cursor = offset + nlmsgAlign(length);
    return true;
  }

  /** Payload size of the current message (nlmsg_len - 16). */
  get payloadLength(): number {
    return this.payloadEnd - this.payload;
  }

  /** header returns the current header as a new object. */
  header(): NetlinkHeader {
    return { length: this.length, type: this.type, flags: this.flags, seq: this.seq, pid: this.pid };
  }

  /** data returns the payload as a view into the datagram (no copy). */
  data(): Buffer {
    return this.buf.subarray(this.payload, this.payloadEnd);
  }

  /** message materializes the current message (a header object and a payload view). */
  message(): NetlinkMessage {
    return { header: this.header(), data: this.data() };
  }

  /**
   * familyHeader decodes the fixed header at the start of the payload (rtmsg, ifinfomsg, ...)
   * with a decoder from family_headers.ts, which checks the size against the payload's end.
   */
  familyHeader<T>(decode: (buf: Buffer, offset: number, end: number) => T): T {
    return decode(this.buf, this.payload, this.payloadEnd);
  }

  /** attributes walks the attributes that follow a family header of `skip` bytes. */
  attributes(skip: number): AttributeCursor {
    if (skip > this.payloadEnd - this.payload) this.shortPayload(skip);
    return new AttributeCursor(this.buf, this.payload + skip, this.payloadEnd);
  }

  private shortPayload(skip: number): never {
    throw new WireError(`message of type ${this.type}: ${this.payloadEnd - this.payload}-byte payload is shorter than its ${skip}-byte header`);
  }
}

function malformed(offset: number, length: number, remaining: number): never {
  if (remaining < NLMSG_HDRLEN) throw new WireError(`${remaining} trailing bytes do not form a netlink header`, offset);
  if (length < NLMSG_HDRLEN) throw new WireError(`nlmsg_len ${length} is shorter than the header`, offset);
  throw new WireError(`nlmsg_len ${length} exceeds the ${remaining} bytes received`, offset);
}

/**
 * MessageDecoder turns one message into a value. It is called with a NetlinkMessage; one built
 * by messageDecoder() also exposes `read`, the same decoding on a MessageView, which
 * NetlinkConnection calls for every message of a dump so that no message object is built.
 */
export interface MessageDecoder<T> {
  (msg: NetlinkMessage): T;
  readonly read?: (view: MessageView) => T;
}

/** messageDecoder makes a MessageDecoder from a view-based decoding function. */
export function messageDecoder<T>(read: (view: MessageView) => T): MessageDecoder<T> {
  return Object.assign((msg: NetlinkMessage): T => read(MessageView.of(msg)), { read });
}

function isZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
