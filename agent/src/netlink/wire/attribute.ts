/**
 * Attribute decoding: a cursor over struct nlattr TLVs (4-byte header {u16 len, u16 type},
 * payload, padding to 4 bytes). Mirrors mdlayher/netlink's AttributeDecoder: the decoder never
 * interprets types itself; families switch on `attr.type` and call a typed getter, and keep
 * what they do not know (rust-netlink's `Other(DefaultNla)`).
 */
import { formatIp } from './address.js';
import { WireError } from './errors.js';
import { asBuffer } from './header.js';
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
    return this.sized(8).readBigUInt64LE(0);
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
    return this.sized(8).readBigUInt64BE(0);
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
