/**
 * Errors of the connection layer. NetlinkError is the one translation point from a kernel
 * NLMSG_ERROR (or a failed NLMSG_DONE) to a typed error: `code` is the errno name, `message`
 * is the kernel's extended-ACK text when it sent one ("mtu less than device minimum"), else
 * strerror ("File exists"), so callers can show it verbatim.
 */
import { errnoCode, strerror } from '../ffi/errno.js';
import type { ExtAck } from '../wire/nlmsgerr.js';

export interface NetlinkErrorInit {
  /** What was attempted, e.g. 'RTM_NEWLINK' or 'link.create veth0'. */
  op: string;
  /** Positive errno. */
  errno: number;
  /** Sequence number of the failed request. */
  seq: number;
  extAck?: ExtAck | undefined;
  cause?: unknown;
}

export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  readonly op: string;
  readonly errno: number;
  /** Symbolic errno: 'EEXIST', 'ENODEV', 'EOPNOTSUPP', ... */
  readonly code: string;
  readonly seq: number;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute within the request. */
  readonly extAckOffset: number | undefined;
  /** The complete decoded extended ACK, when the kernel sent one. */
  readonly extAck: ExtAck | undefined;

  constructor(init: NetlinkErrorInit) {
    super(init.extAck?.message || strerror(init.errno), init.cause === undefined ? undefined : { cause: init.cause });
    this.op = init.op;
    this.errno = init.errno;
    this.code = errnoCode(init.errno);
    this.seq = init.seq;
    this.extAckOffset = init.extAck?.offset;
    this.extAck = init.extAck;
  }
}

/**
 * DumpInterruptedError: the kernel flagged every attempt with NLM_F_DUMP_INTR (the table kept
 * changing while it was dumped), so no consistent snapshot could be taken.
 */
export class DumpInterruptedError extends Error {
  override readonly name = 'DumpInterruptedError';
  constructor(
    readonly op: string,
    readonly attempts: number,
  ) {
    super(`${op}: dump interrupted by concurrent changes ${attempts} times`);
  }
}

/** ConnectionClosedError rejects requests still pending when the connection is closed. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  constructor(readonly op: string) {
    super(`${op}: netlink connection closed`);
  }
}
