/**
 * Pure codec of SOCK_DIAG_BY_FAMILY for inet sockets: the request (struct inet_diag_req_v2 plus
 * an optional INET_DIAG_REQ_BYTECODE filter) and the reply (struct inet_diag_msg plus
 * attributes). No I/O; golden-tested against what `ss` sends and receives.
 *
 * Byte order is mixed inside one struct, and that is the trap: in inet_diag_sockid the ports
 * and addresses are network order (__be16/__be32), while idiag_if, the cookie, and the
 * inet_diag_msg counters (expires, rqueue, wqueue, uid, inode) are host order; bytecode ports
 * are host order too (the kernel compares them with inet_num).
 */
import { AttributeDecoder, AttributeEncoder, WireError, formatIp, parseIp } from '../../wire/index.js';
import { AF_INET, AF_INET6 } from '../../wire/uapi/socket.js';
import type { IpVersion, SocketInfo, SocketProtocol, SocketState } from './types.js';
import {
  INET_DIAG_BC_S_COND,
  INET_DIAG_REQ_BYTECODE,
  INET_DIAG_SKV6ONLY,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SIZEOF_INET_DIAG_BC_OP,
  SIZEOF_INET_DIAG_HOSTCOND,
  SIZEOF_INET_DIAG_MSG,
  SIZEOF_INET_DIAG_REQ_V2,
  TCP_CLOSE,
  TCP_LISTEN,
} from './uapi.js';

/**
 * Every state ss knows (bits 0..11, `SS_ALL`), as `ss -a` requests. The kernel's later pseudo
 * states (NEW_SYN_RECV 12, BOUND_INACTIVE 13) are left out exactly as ss leaves them out.
 */
export const ALL_STATES = 0xfff;
/** `ss -l`: LISTEN for TCP, and CLOSE, which is how an unconnected (bound) UDP socket shows. */
export const LISTENING_STATES = (1 << TCP_LISTEN) | (1 << TCP_CLOSE);

/** ss's sstate_name, indexed by the kernel's TCP state number. */
const STATE_NAMES: readonly SocketState[] = [
  'UNKNOWN', 'ESTAB', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2',
  'TIME-WAIT', 'UNCONN', 'CLOSE-WAIT', 'LAST-ACK', 'LISTEN', 'CLOSING',
];

/** stateName maps a kernel TCP state to ss's name ('UNKNOWN' past the table, as ss does). */
export function stateName(state: number): SocketState {
  return STATE_NAMES[state] ?? 'UNKNOWN';
}

/** Layout of struct inet_diag_req_v2 and inet_diag_msg (inet_diag_sockid at offset 4 / 8). */
const REQ = { family: 0, protocol: 1, ext: 2, states: 4, sockid: 8 } as const;
const SOCKID = { sport: 0, dport: 2, src: 4, dst: 20, if: 36, cookie: 40 } as const;
const MSG = {
  family: 0, state: 1, timer: 2, retrans: 3, sockid: 4,
  expires: 52, rqueue: 56, wqueue: 60, uid: 64, inode: 68,
} as const;

export interface InetDiagRequest {
  family: IpVersion;
  protocol: SocketProtocol;
  /** Bitmask of (1 << TCP_*) states; default ALL_STATES. */
  states?: number;
  /** idiag_ext: (1 << (INET_DIAG_* - 1)) extensions to include; default none. */
  ext?: number;
  /** Kernel-side filter on the local port (bytecode S_COND, as `ss sport = :N` emits). */
  localPort?: number;
}

export function familyNumber(v: IpVersion): number {
  return v === 4 ? AF_INET : AF_INET6;
}

export function protocolNumber(p: SocketProtocol): number {
  return p === 'udp' ? IPPROTO_UDP : IPPROTO_TCP;
}

/**
 * encodeInetDiagRequest builds the payload of a SOCK_DIAG_BY_FAMILY dump request: the 56-byte
 * inet_diag_req_v2 with a zeroed sockid (a dump, not a lookup) and, for a port filter, the
 * bytecode attribute. Equivalent to what `ss -uan [sport = :PORT]` sends for one family.
 */
export function encodeInetDiagRequest(req: InetDiagRequest): Buffer {
  const head = Buffer.alloc(SIZEOF_INET_DIAG_REQ_V2);
  head.writeUInt8(familyNumber(req.family), REQ.family);
  head.writeUInt8(protocolNumber(req.protocol), REQ.protocol);
  head.writeUInt8(req.ext ?? 0, REQ.ext);
  head.writeUInt32LE((req.states ?? ALL_STATES) >>> 0, REQ.states);
  if (req.localPort === undefined) return head;
  const attrs = new AttributeEncoder().bytes(INET_DIAG_REQ_BYTECODE, encodeLocalPortBytecode(req.localPort));
  return Buffer.concat([head, attrs.finish()]);
}

/**
 * encodeLocalPortBytecode: one INET_DIAG_BC_S_COND op whose inet_diag_hostcond has family
 * AF_UNSPEC (any address) and the port. Like ss, 4 address bytes follow the hostcond even
 * though AF_UNSPEC uses none, and the "no" jump is len + 4: past the end means "reject".
 * S_COND rather than the newer S_EQ because it is what ss emits and every kernel accepts.
 */
export function encodeLocalPortBytecode(port: number): Buffer {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new WireError(`port ${port} out of range`);
  const len = SIZEOF_INET_DIAG_BC_OP + SIZEOF_INET_DIAG_HOSTCOND + 4;
  const bc = Buffer.alloc(len);
  bc.writeUInt8(INET_DIAG_BC_S_COND, 0); // op.code
  bc.writeUInt8(len, 1); // op.yes: jump to the end = match
  bc.writeUInt16LE(len + 4, 2); // op.no: beyond the end = no match
  // struct inet_diag_hostcond { u8 family; u8 prefix_len; int port; __be32 addr[]; }
  bc.writeUInt8(0, 4); // AF_UNSPEC
  bc.writeUInt8(0, 5);
  bc.writeInt32LE(port, 8);
  return bc;
}

/** DecodedRequest is encodeInetDiagRequest's input read back (for fixtures and fakes). */
export interface DecodedRequest extends Required<Omit<InetDiagRequest, 'localPort'>> {
  localPort?: number;
}

/** decodeInetDiagRequest reads a request payload back; the inverse of encodeInetDiagRequest. */
export function decodeInetDiagRequest(data: Buffer): DecodedRequest {
  if (data.length < SIZEOF_INET_DIAG_REQ_V2) throw new WireError(`inet_diag_req_v2 needs 56 bytes, got ${data.length}`);
  const out: DecodedRequest = {
    family: versionOf(data.readUInt8(REQ.family)),
    protocol: protocolOf(data.readUInt8(REQ.protocol)),
    ext: data.readUInt8(REQ.ext),
    states: data.readUInt32LE(REQ.states),
  };
  const bc = new AttributeDecoder(data.subarray(SIZEOF_INET_DIAG_REQ_V2)).get(INET_DIAG_REQ_BYTECODE);
  if (bc) {
    if (bc.data.length < 12 || bc.data.readUInt8(0) !== INET_DIAG_BC_S_COND || bc.data.readUInt8(4) !== 0) {
      throw new WireError('bytecode is not a single any-address local-port condition');
    }
    out.localPort = bc.data.readInt32LE(8);
  }
  return out;
}

function versionOf(af: number): IpVersion {
  if (af === AF_INET) return 4;
  if (af === AF_INET6) return 6;
  throw new WireError(`inet_diag family ${af} is neither AF_INET nor AF_INET6`);
}

function protocolOf(p: number): SocketProtocol {
  if (p === IPPROTO_UDP) return 'udp';
  if (p === IPPROTO_TCP) return 'tcp';
  throw new WireError(`inet_diag protocol ${p} is neither TCP nor UDP`);
}

/**
 * decodeInetDiagMessage turns one SOCK_DIAG_BY_FAMILY reply payload into a SocketInfo. The
 * protocol is not in inet_diag_msg (it is implied by the request), so the caller passes it.
 */
export function decodeInetDiagMessage(data: Buffer, protocol: SocketProtocol): SocketInfo {
  if (data.length < SIZEOF_INET_DIAG_MSG) throw new WireError(`inet_diag_msg needs 72 bytes, got ${data.length}`);
  const family = versionOf(data.readUInt8(MSG.family));
  const id = MSG.sockid;
  const addrLen = family === 4 ? 4 : 16;
  const info: SocketInfo = {
    protocol,
    family,
    state: stateName(data.readUInt8(MSG.state)),
    localAddress: address(data, id + SOCKID.src, addrLen),
    localPort: data.readUInt16BE(id + SOCKID.sport),
    remoteAddress: address(data, id + SOCKID.dst, addrLen),
    remotePort: data.readUInt16BE(id + SOCKID.dport),
    uid: data.readUInt32LE(MSG.uid),
    inode: data.readUInt32LE(MSG.inode),
    rqueue: data.readUInt32LE(MSG.rqueue),
    wqueue: data.readUInt32LE(MSG.wqueue),
  };
  const ifindex = data.readUInt32LE(id + SOCKID.if);
  if (ifindex !== 0) info.interface = ifindex;
  // Only IPv6 sockets carry INET_DIAG_SKV6ONLY. The kernel appends ~4 attributes to every
  // message, and walking them was most of the decode cost; with this and the address fast path
  // below, decoding 5,000 UDP sockets went from 9.8 ms to 2.7 ms (dump without decode: 1.6 ms).
  if (family === 6 && data.length > SIZEOF_INET_DIAG_MSG) {
    const v6only = new AttributeDecoder(data.subarray(SIZEOF_INET_DIAG_MSG)).get(INET_DIAG_SKV6ONLY);
    if (v6only && v6only.data.length === 1) info.v6only = v6only.u8() !== 0;
  }
  return info;
}

/**
 * address formats an inet_diag_sockid address. Dumps are dominated by IPv4 and by unconnected
 * sockets whose peer is all zeros, so those two skip formatIp's general path (inet_ntop rules).
 */
function address(data: Buffer, offset: number, length: 4 | 16): string {
  if (length === 4) return `${data[offset]}.${data[offset + 1]}.${data[offset + 2]}.${data[offset + 3]}`;
  let zero = true;
  for (let i = offset; i < offset + 16 && zero; i += 4) zero = data.readUInt32LE(i) === 0;
  return zero ? '::' : formatIp(data.subarray(offset, offset + 16));
}

/** InetDiagMessageInit is what encodeInetDiagMessage needs beyond a SocketInfo (fakes, tests). */
export interface InetDiagMessageInit {
  cookie?: bigint;
  timer?: number;
  retrans?: number;
  expires?: number;
}

/**
 * encodeInetDiagMessage is the inverse of decodeInetDiagMessage, for fake kernels and property
 * tests: the struct and, for IPv6, INET_DIAG_SKV6ONLY.
 */
export function encodeInetDiagMessage(s: SocketInfo, init: InetDiagMessageInit = {}): Buffer {
  const b = Buffer.alloc(SIZEOF_INET_DIAG_MSG);
  const id = MSG.sockid;
  b.writeUInt8(familyNumber(s.family), MSG.family);
  b.writeUInt8(Math.max(0, STATE_NAMES.indexOf(s.state)), MSG.state);
  b.writeUInt8(init.timer ?? 0, MSG.timer);
  b.writeUInt8(init.retrans ?? 0, MSG.retrans);
  b.writeUInt16BE(s.localPort, id + SOCKID.sport);
  b.writeUInt16BE(s.remotePort, id + SOCKID.dport);
  writeAddress(b, id + SOCKID.src, s.family, s.localAddress);
  writeAddress(b, id + SOCKID.dst, s.family, s.remoteAddress);
  b.writeUInt32LE(s.interface ?? 0, id + SOCKID.if);
  b.writeBigUInt64LE(init.cookie ?? 0n, id + SOCKID.cookie);
  b.writeUInt32LE(init.expires ?? 0, MSG.expires);
  b.writeUInt32LE(s.rqueue, MSG.rqueue);
  b.writeUInt32LE(s.wqueue, MSG.wqueue);
  b.writeUInt32LE(s.uid, MSG.uid);
  b.writeUInt32LE(s.inode, MSG.inode);
  if (s.v6only === undefined) return b;
  return Buffer.concat([b, new AttributeEncoder().u8(INET_DIAG_SKV6ONLY, s.v6only ? 1 : 0).finish()]);
}

function writeAddress(b: Buffer, offset: number, family: IpVersion, text: string): void {
  const bytes = parseIp(text);
  if (bytes.length !== (family === 4 ? 4 : 16)) throw new WireError(`'${text}' is not an IPv${family} address`);
  b.set(bytes, offset);
}
