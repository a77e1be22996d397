/**
 * sockdiag/: UDP and TCP sockets through NETLINK_SOCK_DIAG (`ss -uan` / `ss -tan` equivalents),
 * with owner processes from /proc on request.
 */
export { SockDiag, type ListOptions, type SockDiagOptions } from './sockdiag.js';
export {
  ALL_STATES,
  LISTENING_STATES,
  stateName,
  encodeInetDiagRequest,
  decodeInetDiagRequest,
  encodeLocalPortBytecode,
  decodeInetDiagMessage,
  encodeInetDiagMessage,
  type InetDiagRequest,
  type DecodedRequest,
  type InetDiagMessageInit,
} from './codec.js';
export { findSocketOwners, OwnerScanError, type OwnerScanOptions, type ProcFs } from './owners.js';
export type { SocketInfo, SocketProcess, SocketFilter, SocketState, SocketProtocol, IpVersion, PortHolder } from './types.js';
