/**
 * Attribute decoding: a cursor over struct nlattr TLVs (4-byte header {u16 len, u16 type},
 * payload, padding to 4 bytes). Mirrors mdlayher/netlink's AttributeDecoder: the decoder never
 * interprets types itself; families switch on `attr.type` and call a typed getter, and keep
 * what they do not know (rust-netlink's `Other(DefaultNla)`).
 */
import { formatIp, formatIpAt } from './address.js';
import { WireError } from './errors.js';
import { asBuffer } from './header.js';
import { readS32LE, readU16BE, readU32BE, readU64BE, readU64LE } from './integers.js';
import { NLA_ALIGNTO, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN } from './uapi/netlink.js';

/** The type bits of nla_type; the top two bits are NLA_F_NESTED and NLA_F_NET_BYTEORDER. */
export const NLA_TYPE_MASK = 0x3fff;

/** nlaAlign rounds up to NLA_ALIGNTO (4), as NLA_ALIGN() does. */
export function nlaAlign(length: number): number {
  return (length + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1);
}

/** An attribute kept verbatim, e.g. one a family decoder does not know. */
export interface RawAttribute {
  /** Type with NLA_F_* bits masked off. */
  type: number;
  /** NLA_F_NESTED | NLA_F_NET_BYTEORDER bits as received (needed to re-encode byte for byte). */
  flags: number;
  data: Buffer;
}

/** Attribute is one decoded TLV with typed getters that check the payload size. */
export class Attribute implements RawAttribute {
  constructor(
    readonly type: number,
    readonly flags: number,
    readonly data: Buffer,
    /** Offset of the attribute header inside the buffer it was decoded from. */
    readonly offset = 0,
  ) {}

  /** True when the sender set NLA_F_NESTED (rtnetlink usually does not, even for nests). */
  get isNested(): boolean {
    return (this.flags & NLA_F_NESTED) !== 0;
  }

  /** True when the sender set NLA_F_NET_BYTEORDER. */
  get isNetByteOrder(): boolean {
    return (this.flags & NLA_F_NET_BYTEORDER) !== 0;
  }

  u8(): number {
    return this.sized(1).readUInt8(0);
  }
  u16(): number {
    return this.sized(2).readUInt16LE(0);
  }
  u32(): number {
    return this.sized(4).readUInt32LE(0);
  }
  s32(): number {
    return this.sized(4).readInt32LE(0);
  }
  u64(): bigint {
    return readU64LE(this.sized(8), 0);
  }
  s64(): bigint {
    return this.sized(8).readBigInt64LE(0);
  }
  be16(): number {
    return this.sized(2).readUInt16BE(0);
  }
  be32(): number {
    return this.sized(4).readUInt32BE(0);
  }
  be64(): bigint {
    return readU64BE(this.sized(8), 0);
  }

  /** string reads a NUL-terminated string; a missing NUL is tolerated (the whole payload). */
  string(): string {
    const nul = this.data.indexOf(0);
    return this.data.toString('utf8', 0, nul === -1 ? this.data.length : nul);
  }

  /** bytes returns a copy of the payload, safe to keep after the receive buffer is reused. */
  bytes(): Buffer {
    return Buffer.from(this.data);
  }

  /** ip formats a 4-byte (IPv4) or 16-byte (IPv6) payload. */
  ip(): string {
    if (this.data.length !== 4 && this.data.length !== 16) {
      throw new WireError(`attribute ${this.type}: address of ${this.data.length} bytes`, this.offset);
    }
    return formatIp(this.data);
  }

  /** nested decodes the payload as attributes, whether or not NLA_F_NESTED was set. */
  nested(): AttributeDecoder {
    return new AttributeDecoder(this.data);
  }

  /** raw returns the attribute as plain data for `unknown` lists. */
  raw(): RawAttribute {
    return { type: this.type, flags: this.flags, data: this.bytes() };
  }

  private sized(n: number): Buffer {
    if (this.data.length !== n) {
      throw new WireError(`attribute ${this.type}: expected ${n} bytes, got ${this.data.length}`, this.offset);
    }
    return this.data;
  }
}

/**
 * AttributeDecoder parses a run of attributes eagerly (so malformed input fails at once, with an
 * offset) and then offers iteration in wire order plus lookups by type. The first occurrence
 * wins for lookups; getAll returns repeats (e.g. IFLA_ALT_IFNAME).
 */
export class AttributeDecoder implements Iterable<Attribute> {
  readonly attributes: readonly Attribute[];

  constructor(bytes: Uint8Array) {
    this.attributes = parseAttributes(asBuffer(bytes));
  }

  [Symbol.iterator](): Iterator<Attribute> {
    return this.attributes[Symbol.iterator]();
  }

  get length(): number {
    return this.attributes.length;
  }

  get(type: number): Attribute | undefined {
    return this.attributes.find((a) => a.type === type);
  }
  getAll(type: number): Attribute[] {
    return this.attributes.filter((a) => a.type === type);
  }
  has(type: number): boolean {
    return this.get(type) !== undefined;
  }

  u8(type: number): number | undefined {
    return this.get(type)?.u8();
  }
  u16(type: number): number | undefined {
    return this.get(type)?.u16();
  }
  u32(type: number): number | undefined {
    return this.get(type)?.u32();
  }
  s32(type: number): number | undefined {
    return this.get(type)?.s32();
  }
  u64(type: number): bigint | undefined {
    return this.get(type)?.u64();
  }
  be16(type: number): number | undefined {
    return this.get(type)?.be16();
  }
  be32(type: number): number | undefined {
    return this.get(type)?.be32();
  }
  be64(type: number): bigint | undefined {
    return this.get(type)?.be64();
  }
  string(type: number): string | undefined {
    return this.get(type)?.string();
  }
  bytes(type: number): Buffer | undefined {
    return this.get(type)?.bytes();
  }
  ip(type: number): string | undefined {
    return this.get(type)?.ip();
  }
  nested(type: number): AttributeDecoder | undefined {
    return this.get(type)?.nested();
  }
}

/** parseAttributes splits buf into attributes; throws WireError on a malformed TLV. */
export function parseAttributes(buf: Buffer): Attribute[] {
  const out: Attribute[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const remaining = buf.length - offset;
    if (remaining < NLA_HDRLEN) throw new WireError(`${remaining} trailing bytes after attributes`, offset);
    const length = buf.readUInt16LE(offset);
    const rawType = buf.readUInt16LE(offset + 2);
    if (length < NLA_HDRLEN) throw new WireError(`nla_len ${length} is shorter than the header`, offset);
    if (length > remaining) throw new WireError(`nla_len ${length} exceeds the ${remaining} bytes left`, offset);
    out.push(
      new Attribute(
        rawType & NLA_TYPE_MASK,
        rawType & (NLA_F_NESTED | NLA_F_NET_BYTEORDER),
        buf.subarray(offset + NLA_HDRLEN, offset + length),
        offset,
      ),
    );
    offset += nlaAlign(length);
  }
  return out;
}

/**
 * AttributeCursor walks a run of attributes in place: `next()` moves to the following TLV and
 * validates it exactly like parseAttributes (WireError on a short header or a length past the
 * end), `type`/`flags`/`length` describe it, and the typed getters read its payload straight
 * from the underlying buffer. Nothing is allocated per attribute (no Attribute, no subarray),
 * which is what keeps a 100k-route dump cheap; AttributeDecoder remains the convenient choice
 * for lookups by type. Payload views (`view()`, `nested()`) alias the buffer, like
 * Attribute.data; `bytes()` and `raw()` copy.
 *
 * ```ts
 * for (const a = new AttributeCursor(msg.data, SIZEOF_RTMSG); a.next(); ) {
 *   if (a.type === RTA_OIF) oif = a.u32();
 * }
 * ```
 */
export class AttributeCursor {
  // Fields are `declare`d and set in the constructor only: emitted class fields would add an
  // initializer to every construction (one per message of a dump).
  /** Type of the current attribute, NLA_F_* bits masked off. */
  declare type: number;
  /** NLA_F_NESTED | NLA_F_NET_BYTEORDER bits of the current attribute. */
  declare flags: number;
  private declare readonly buf: Buffer;
  private declare readonly base: number;
  private declare readonly end: number;
  /** Header offset of the next attribute. */
  private declare cursor: number;
  private declare payload: number;
  private declare payloadEnd: number;

  /**
   * Walks buf[start, end) (default: the whole buffer). Takes a Buffer (wrap a Uint8Array with
   * asBuffer): the constructor is on the per-message path and kept minimal.
   */
  constructor(buf: Buffer, start = 0, end = buf.length) {
    if (start < 0 || end > buf.length || start > end) badRange(start, end, buf.length);
    this.buf = buf;
    this.base = start;
    this.cursor = start;
    this.end = end;
    this.type = 0;
    this.flags = 0;
    this.payload = start;
    this.payloadEnd = start;
  }

  // The hot paths below stay a few bytecodes long, with errors built in cold methods and the
  // commonest integers read inline (each call also costs while a decoder still runs in the
  // interpreter), so that TurboFan inlines them into a decoder's loop and can drop the cursor
  // object altogether.

  /** next advances to the following attribute; false at the end of the run. */
  next(): boolean {
    const offset = this.cursor;
    const remaining = this.end - offset;
    if (remaining <= 0) return false;
    const b = this.buf;
    // struct nlattr { u16 nla_len; u16 nla_type; }, host order; read inline (hot).
    const length = remaining < NLA_HDRLEN ? 0 : b[offset]! | (b[offset + 1]! << 8);
    if (length < NLA_HDRLEN || length > remaining) this.malformed(offset, length, remaining);
    const rawType = b[offset + 2]! | (b[offset + 3]! << 8);
    this.type = rawType & NLA_TYPE_MASK;
    this.flags = rawType & (NLA_F_NESTED | NLA_F_NET_BYTEORDER);
    this.payload = offset + NLA_HDRLEN;
    this.payloadEnd = offset + length;
    this.cursor = offset + ((length + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1));
    return true;
  }

  /** Payload length of the current attribute. */
  get length(): number {
    return this.payloadEnd - this.payload;
  }

  /** Offset of the current attribute's header, relative to the start of the run. */
  get offset(): number {
    return this.payload - NLA_HDRLEN - this.base;
  }

  u8(): number {
    return this.buf[this.sized(1)]!;
  }
  u16(): number {
    const p = this.sized(2);
    return this.buf[p]! | (this.buf[p + 1]! << 8);
  }
  u32(): number {
    const p = this.sized(4);
    const b = this.buf;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }
  s32(): number {
    return readS32LE(this.buf, this.sized(4));
  }
  u64(): bigint {
    return readU64LE(this.buf, this.sized(8));
  }
  s64(): bigint {
    return this.buf.readBigInt64LE(this.sized(8));
  }
  be16(): number {
    return readU16BE(this.buf, this.sized(2));
  }
  be32(): number {
    return readU32BE(this.buf, this.sized(4));
  }
  be64(): bigint {
    return readU64BE(this.buf, this.sized(8));
  }

  /** string reads a NUL-terminated string; a missing NUL is tolerated (the whole payload). */
  string(): string {
    const nul = this.buf.indexOf(0, this.payload);
    return this.buf.toString('utf8', this.payload, nul === -1 || nul > this.payloadEnd ? this.payloadEnd : nul);
  }

  /** ip formats a 4-byte (IPv4) or 16-byte (IPv6) payload. */
  ip(): string {
    const length = this.payloadEnd - this.payload;
    if (length !== 4 && length !== 16) this.badAddress(length);
    return formatIpAt(this.buf, this.payload, length);
  }

  /** view returns the payload as a view into the buffer (no copy). */
  view(): Buffer {
    return this.buf.subarray(this.payload, this.payloadEnd);
  }

  /** bytes returns a copy of the payload. */
  bytes(): Buffer {
    return Buffer.from(this.view());
  }

  /** raw returns the current attribute as plain data (payload copied) for `unknown` lists. */
  raw(): RawAttribute {
    return { type: this.type, flags: this.flags, data: this.bytes() };
  }

  /**
   * rawView is raw() without the copy: the payload aliases the buffer. For decoders whose
   * input is a private buffer that is never reused (conn/ receives every datagram into its
   * own), it keeps unknown attributes at the cost of one view each.
   */
  rawView(): RawAttribute {
    return { type: this.type, flags: this.flags, data: this.view() };
  }

  /** nested walks the payload as attributes, whether or not NLA_F_NESTED was set. */
  nested(): AttributeCursor {
    return new AttributeCursor(this.buf, this.payload, this.payloadEnd);
  }

  /** sized checks the payload size of a fixed-width getter and returns the payload offset. */
  private sized(n: number): number {
    if (this.payloadEnd - this.payload !== n) this.badSize(n);
    return this.payload;
  }

  private malformed(offset: number, length: number, remaining: number): never {
    const at = offset - this.base;
    if (remaining < NLA_HDRLEN) throw new WireError(`${remaining} trailing bytes after attributes`, at);
    if (length < NLA_HDRLEN) throw new WireError(`nla_len ${length} is shorter than the header`, at);
    throw new WireError(`nla_len ${length} exceeds the ${remaining} bytes left`, at);
  }

  private badSize(n: number): never {
    throw new WireError(`attribute ${this.type}: expected ${n} bytes, got ${this.payloadEnd - this.payload}`, this.offset);
  }

  private badAddress(length: number): never {
    throw new WireError(`attribute ${this.type}: address of ${length} bytes`, this.offset);
  }
}

function badRange(start: number, end: number, length: number): never {
  throw new WireError(`attribute range [${start}, ${end}) outside ${length} bytes`);
}
