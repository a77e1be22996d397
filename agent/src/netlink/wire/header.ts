/**
 * struct nlmsghdr: the 16-byte header in front of every netlink message, in host byte order
 * (little-endian on every platform the agent runs on).
 */
import { WireError } from './errors.js';
import { NLMSG_ALIGNTO, NLMSG_HDRLEN } from './uapi/netlink.js';

export { NLMSG_HDRLEN };

export interface NetlinkHeader {
  /** nlmsg_len: header plus payload, without trailing alignment padding. */
  length: number;
  /** nlmsg_type: NLMSG_* or a family message type (RTM_NEWLINK, a genl family id, ...). */
  type: number;
  /** nlmsg_flags: NLM_F_* bits. */
  flags: number;
  /** nlmsg_seq: chosen by the requester, echoed by the kernel; 0 on multicast events. */
  seq: number;
  /** nlmsg_pid: the sender's port id; 0 for the kernel. */
  pid: number;
}

/** nlmsgAlign rounds up to NLMSG_ALIGNTO (4), as NLMSG_ALIGN() does. */
export function nlmsgAlign(length: number): number {
  return (length + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);
}

/** encodeHeader writes a header at offset; returns the offset after it. */
export function encodeHeader(header: NetlinkHeader, buf: Buffer, offset = 0): number {
  buf.writeUInt32LE(header.length, offset);
  buf.writeUInt16LE(header.type, offset + 4);
  buf.writeUInt16LE(header.flags, offset + 6);
  buf.writeUInt32LE(header.seq >>> 0, offset + 8);
  buf.writeUInt32LE(header.pid >>> 0, offset + 12);
  return offset + NLMSG_HDRLEN;
}

/** decodeHeader reads a header at offset; throws WireError when fewer than 16 bytes remain. */
export function decodeHeader(buf: Uint8Array, offset = 0): NetlinkHeader {
  if (buf.length - offset < NLMSG_HDRLEN) {
    throw new WireError(`netlink header needs ${NLMSG_HDRLEN} bytes, got ${buf.length - offset}`, offset);
  }
  const b = asBuffer(buf);
  return {
    length: b.readUInt32LE(offset),
    type: b.readUInt16LE(offset + 4),
    flags: b.readUInt16LE(offset + 6),
    seq: b.readUInt32LE(offset + 8),
    pid: b.readUInt32LE(offset + 12),
  };
}

/** asBuffer views a Uint8Array as a Buffer without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
