/**
 * AttributeEncoder builds a run of attributes (mdlayher/netlink's AttributeEncoder): chainable
 * typed setters, `nested(type, fn)` for nests, `finish()` for the bytes. Integers are host order
 * unless the method says be*; u64 accepts bigint so counters above 2^53 survive.
 */
import { parseIp } from './address.js';
import { nlaAlign, type RawAttribute } from './attribute.js';
import { WireError } from './errors.js';
import { NLA_F_NESTED, NLA_HDRLEN } from './uapi/netlink.js';

/** nla_len is a __u16, so one attribute (header included) is at most 65535 bytes. */
const NLA_MAX_LEN = 0xffff;

export interface NestedOptions {
  /**
   * Set NLA_F_NESTED on the nest (default true). Kernels with strict validation require it for
   * nests; rtnetlink's legacy parsers ignore it. Pass false to reproduce iproute2's bytes.
   */
  nestedFlag?: boolean;
}

export class AttributeEncoder {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  /** byteLength is the encoded size so far, padding included. */
  get byteLength(): number {
    return this.size;
  }

  u8(type: number, value: number): this {
    const b = Buffer.alloc(1);
    b.writeUInt8(value);
    return this.bytes(type, b);
  }
  u16(type: number, value: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(value);
    return this.bytes(type, b);
  }
  u32(type: number, value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    return this.bytes(type, b);
  }
  s32(type: number, value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    return this.bytes(type, b);
  }
  u64(type: number, value: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    return this.bytes(type, b);
  }
  s64(type: number, value: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(value));
    return this.bytes(type, b);
  }
  be16(type: number, value: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(value);
    return this.bytes(type, b);
  }
  be32(type: number, value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value);
    return this.bytes(type, b);
  }
  be64(type: number, value: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(value));
    return this.bytes(type, b);
  }

  /** string writes value followed by a NUL, as the kernel's NLA_NUL_STRING / NLA_STRING expect. */
  string(type: number, value: string): this {
    const utf8 = Buffer.from(value, 'utf8');
    if (utf8.includes(0)) throw new WireError(`attribute ${type}: string contains NUL`);
    return this.bytes(type, Buffer.concat([utf8, Buffer.alloc(1)]));
  }

  /** flag writes an attribute with an empty payload (NLA_FLAG). */
  flag(type: number): this {
    return this.bytes(type, Buffer.alloc(0));
  }

  /** ip writes an IPv4 (4 bytes) or IPv6 (16 bytes) address in network order. */
  ip(type: number, address: string): this {
    return this.bytes(type, parseIp(address));
  }

  /**
   * bytes writes a raw payload. `type` is written as given, so callers may OR in NLA_F_* bits
   * (this is how a decoded RawAttribute is re-encoded byte for byte).
   */
  bytes(type: number, data: Uint8Array): this {
    if (!Number.isInteger(type) || type < 0 || type > 0xffff) throw new WireError(`attribute type ${type} out of range`);
    const length = NLA_HDRLEN + data.length;
    if (length > NLA_MAX_LEN) throw new WireError(`attribute ${type}: ${length} bytes exceed nla_len`);
    const chunk = Buffer.alloc(nlaAlign(length));
    chunk.writeUInt16LE(length, 0);
    chunk.writeUInt16LE(type, 2);
    chunk.set(data, NLA_HDRLEN);
    this.chunks.push(chunk);
    this.size += chunk.length;
    return this;
  }

  /** raw re-encodes a decoded attribute with its original flags. */
  raw(attr: RawAttribute): this {
    return this.bytes(attr.type | attr.flags, attr.data);
  }

  /** nested encodes the attributes fn adds as the payload of one attribute. */
  nested(type: number, fn: (inner: AttributeEncoder) => void, options: NestedOptions = {}): this {
    const inner = new AttributeEncoder();
    fn(inner);
    return this.bytes(options.nestedFlag === false ? type : type | NLA_F_NESTED, inner.finish());
  }

  /** finish returns the encoded attributes (the encoder can keep being used). */
  finish(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}
