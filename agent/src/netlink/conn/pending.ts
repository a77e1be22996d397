/**
 * The per-request state machines of a connection: a Pending receives every message whose
 * (seq, pid) match its request, as a MessageView positioned on it, and decides when the
 * exchange is over. A view is only valid during the call: what is kept is materialized.
 */
import { NLM_F_DUMP_INTR, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP } from '../wire/uapi/netlink.js';
import { decodeDone, decodeNlmsgerr, type ExtAck } from '../wire/nlmsgerr.js';
import type { MessageDecoder, MessageView, NetlinkMessage } from '../wire/message.js';
import { NetlinkError } from './errors.js';

/** AckResult is a successful request: replies that preceded the ACK, and ext-ack warnings. */
export interface AckResult {
  /** Messages the kernel sent before the ACK (a GET's answer, NLM_F_ECHO copies). */
  messages: NetlinkMessage[];
  /** Extended-ACK texts attached to the successful ACK (e.g. sch_htb quantum warnings). */
  warnings: string[];
}

export interface Pending {
  readonly seq: number;
  readonly op: string;
  /** Handles the message the view is on; returns true when the exchange is complete. */
  onMessage(msg: MessageView): boolean;
  fail(err: unknown): void;
}

function warningsOf(extAck: ExtAck | undefined): string[] {
  return extAck?.message ? [extAck.message] : [];
}

/** RequestPending waits for the NLMSG_ERROR that ends an NLM_F_ACK request. */
export class RequestPending implements Pending {
  private readonly messages: NetlinkMessage[] = [];

  constructor(
    readonly seq: number,
    readonly op: string,
    private readonly resolve: (r: AckResult) => void,
    private readonly reject: (e: unknown) => void,
  ) {}

  onMessage(msg: MessageView): boolean {
    if (msg.type === NLMSG_NOOP) return false;
    if (msg.type !== NLMSG_ERROR) {
      this.messages.push(msg.message());
      return false;
    }
    const err = decodeNlmsgerr(msg.message());
    if (err.error === 0) {
      this.resolve({ messages: this.messages, warnings: warningsOf(err.extAck) });
    } else {
      this.reject(new NetlinkError({ op: this.op, errno: -err.error, seq: this.seq, extAck: err.extAck }));
    }
    return true;
  }

  fail(err: unknown): void {
    this.reject(err);
  }
}

/** DumpOutcome tells the connection how a dump attempt ended. */
export type DumpOutcome = { kind: 'done'; warnings: string[] } | { kind: 'interrupted' } | { kind: 'failed'; error: unknown };

/**
 * DumpPending collects one dump attempt: decodes each NLM_F_MULTI message as it arrives (so
 * decoding is spread over the receive slices), notes NLM_F_DUMP_INTR, and ends at NLMSG_DONE
 * or NLMSG_ERROR. A decoder with a view form (MessageDecoder.read) reads the message in place;
 * others get a NetlinkMessage. A decode failure does not stop reading: the rest of the dump is
 * drained so the socket stays in step, then the attempt fails.
 */
export class DumpPending<T> implements Pending {
  private interrupted = false;
  private decodeError: unknown;
  private readonly read: ((view: MessageView) => T | undefined) | undefined;

  constructor(
    readonly seq: number,
    readonly op: string,
    private readonly decode: MessageDecoder<T | undefined>,
    private readonly results: T[],
    private readonly settle: (outcome: DumpOutcome) => void,
  ) {
    this.read = decode.read;
  }

  onMessage(msg: MessageView): boolean {
    if ((msg.flags & NLM_F_DUMP_INTR) !== 0) this.interrupted = true;
    switch (msg.type) {
      case NLMSG_NOOP:
        return false;
      case NLMSG_DONE: {
        const done = decodeDone(msg.message());
        if (done.error < 0) {
          this.settle({ kind: 'failed', error: this.kernelError(-done.error, done.extAck) });
        } else if (this.decodeError !== undefined) {
          this.settle({ kind: 'failed', error: this.decodeError });
        } else {
          this.settle(this.interrupted ? { kind: 'interrupted' } : { kind: 'done', warnings: warningsOf(done.extAck) });
        }
        return true;
      }
      case NLMSG_ERROR: {
        const err = decodeNlmsgerr(msg.message());
        if (err.error === 0) return false; // an ACK for NLM_F_ACK on a dump; DONE still follows
        this.settle({ kind: 'failed', error: this.kernelError(-err.error, err.extAck) });
        return true;
      }
      default:
        if (this.decodeError !== undefined) return false;
        try {
          const value = this.read !== undefined ? this.read(msg) : this.decode(msg.message());
          if (value !== undefined) this.results.push(value);
        } catch (e) {
          this.decodeError = e;
        }
        return false;
    }
  }

  fail(err: unknown): void {
    this.settle({ kind: 'failed', error: err });
  }

  private kernelError(errno: number, extAck: ExtAck | undefined): NetlinkError {
    return new NetlinkError({ op: this.op, errno, seq: this.seq, extAck });
  }
}
