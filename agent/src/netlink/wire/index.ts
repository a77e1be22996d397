/**
 * wire/: pure netlink encode/decode (no I/O). Constants live in ./uapi/<header>.js, one module
 * per uapi header, and are imported from there so that their origin stays visible.
 */
export { WireError } from './errors.js';
export { type NetlinkHeader, NLMSG_HDRLEN, nlmsgAlign, encodeHeader, decodeHeader, asBuffer } from './header.js';
export {
  type NetlinkMessage,
  type OutgoingMessage,
  type MessageDecoder,
  MessageView,
  messageDecoder,
  messageLength,
  encodeMessage,
  encodeMessages,
  decodeMessages,
} from './message.js';
export { Attribute, AttributeCursor, AttributeDecoder, type RawAttribute, NLA_TYPE_MASK, nlaAlign, parseAttributes } from './attribute.js';
export { AttributeEncoder, type NestedOptions } from './encoder.js';
export {
  type ExtAck,
  type Nlmsgerr,
  type Done,
  decodeNlmsgerr,
  encodeNlmsgerr,
  decodeDone,
  encodeDone,
  decodeExtAck,
  encodeExtAck,
} from './nlmsgerr.js';
export {
  type AddressFamily,
  type IpPrefix,
  type Sockaddr,
  SIZEOF_SOCKADDR_IN,
  SIZEOF_SOCKADDR_IN6,
  parseIp,
  formatIp,
  formatIpAt,
  ipFamily,
  familyBits,
  parsePrefix,
  encodeSockaddr,
  decodeSockaddr,
} from './address.js';
export * from './family_headers.js';
export * from './link_stats.js';
