/**
 * NftLink: what the nftables family needs from the connection layer. Dumps and requests are
 * conn's; `transact` is the one thing conn does not offer yet: send a framed nfnetlink batch
 * verbatim in ONE datagram (conn.batch splits into windows and adds NLM_F_ACK to every message,
 * BEGIN/END included — and the kernel never acknowledges those, so it would wait forever).
 *
 * ConnNftLink builds that on conn's public surface until conn grows a native `transact` (asked
 * for in the family README):
 * - it opens the socket itself (ffi NetlinkSocket, configured as conn.open does) and wraps it
 *   in a NetlinkConnection, so it can write the datagram directly;
 * - batch messages get sequence numbers from the upper half of the u32 space, which conn
 *   (starting below 2^31, counting up by one) does not reach, so conn routes their replies to
 *   `onEvent`, where transact collects them;
 * - after the datagram, a GETGEN request through conn is the barrier: nfnetlink handles the
 *   whole batch inside sendmsg and queues its replies before the barrier's, and conn reads in
 *   order, so when the barrier settles every batch reply has been seen.
 * Transactions on one link run one at a time.
 */
import { NetlinkConnection, type NetlinkRequester, type Request, type RequestOptions, type AckResult } from '../../conn/index.js';
import { NetlinkSocket, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF, SO_SNDBUFFORCE, type Libc } from '../../ffi/index.js';
import { encodeMessages, type NetlinkMessage } from '../../wire/index.js';
import { NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_NETFILTER } from '../../wire/uapi/netlink.js';
import { SOL_NETLINK } from '../../wire/uapi/socket.js';
import { getGen } from './messages.js';

/** First sequence number of batch messages: above anything conn allocates (see above). */
export const BATCH_SEQ_BASE = 0x80000000;
/**
 * netlink_sendmsg refuses a datagram larger than sk_sndbuf - 32 (EMSGSIZE); the kernel keeps
 * room for its skb overhead. nft raises SO_SNDBUF[FORCE] to the batch size; we do the same.
 */
const SNDBUF_OVERHEAD = 32;

export interface TransactResult {
  /** The sequence number given to each message, in order. */
  seqs: number[];
  /** Every reply carrying one of those sequence numbers, in arrival order. */
  replies: NetlinkMessage[];
  /** Set when the barrier itself failed (EPERM without CAP_NET_ADMIN fails it too). */
  barrierError?: unknown;
}

export interface NftLink extends Pick<NetlinkRequester, 'dump' | 'request'> {
  /**
   * transact sends msgs verbatim (flags untouched; seq assigned) in one datagram and returns
   * the replies to them, after making sure none is still in flight. `replyBytes` estimates the
   * size of the replies (echoes), so the receive buffer can be grown to hold them.
   */
  transact(msgs: readonly Request[], options?: { replyBytes?: number }): Promise<TransactResult>;
  close(): void;
}

export class ConnNftLink implements NftLink {
  private seq = BATCH_SEQ_BASE;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly socket: NetlinkSocket,
    private readonly conn: NetlinkConnection,
  ) {}

  /** open creates a NETLINK_NETFILTER socket (inside netns when given) with extended ACKs. */
  static open(libc: Libc, options: { netns?: string } = {}): ConnNftLink {
    const socket = NetlinkSocket.open(libc, NETLINK_NETFILTER, options.netns === undefined ? {} : { netns: options.netns });
    try {
      socket.setInt(SOL_NETLINK, NETLINK_EXT_ACK, 1);
      socket.setInt(SOL_NETLINK, NETLINK_CAP_ACK, 1);
    } catch (err) {
      socket.close();
      throw err;
    }
    return new ConnNftLink(socket, new NetlinkConnection(socket));
  }

  dump<T>(msg: Request, decode: (m: NetlinkMessage) => T | undefined, options?: RequestOptions): Promise<T[]> {
    return this.conn.dump(msg, decode, options);
  }

  request(msg: Request, options?: RequestOptions): Promise<AckResult> {
    return this.conn.request(msg, options);
  }

  transact(msgs: readonly Request[], options: { replyBytes?: number } = {}): Promise<TransactResult> {
    const run = this.queue.then(() => this.exchange(msgs, options.replyBytes ?? 0));
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.conn.close();
  }

  private allocSeq(): number {
    const s = this.seq;
    this.seq = this.seq >= 0xffffffff ? BATCH_SEQ_BASE : this.seq + 1;
    return s;
  }

  private async exchange(msgs: readonly Request[], replyBytes: number): Promise<TransactResult> {
    const seqs = msgs.map(() => this.allocSeq());
    const datagram = encodeMessages(msgs.map((m, i) => ({ ...m, seq: seqs[i] ?? 0 })));
    this.ensureBuffer(SO_SNDBUF, SO_SNDBUFFORCE, datagram.length + SNDBUF_OVERHEAD);
    if (replyBytes > 0) this.ensureBuffer(SO_RCVBUF, SO_RCVBUFFORCE, replyBytes);

    const mine = new Set(seqs);
    const replies: NetlinkMessage[] = [];
    const previous = this.conn.onEvent;
    this.conn.onEvent = (m) => {
      if (m.header.pid === this.conn.portId && mine.has(m.header.seq)) replies.push(m);
      else previous?.(m);
    };
    try {
      this.socket.send(datagram);
      try {
        await this.conn.request(getGen(), { op: 'nft barrier (GETGEN)' });
      } catch (barrierError) {
        return { seqs, replies, barrierError };
      }
      return { seqs, replies };
    } finally {
      this.conn.onEvent = previous;
    }
  }

  /**
   * ensureBuffer grows a socket buffer to at least `bytes` (the kernel reports double what was
   * set). FORCE needs CAP_NET_ADMIN; without it the plain option is capped by wmem/rmem_max, and
   * a still-too-small buffer shows up as EMSGSIZE or ENOBUFS, which is the honest outcome.
   */
  private ensureBuffer(option: number, force: number, bytes: number): void {
    if (this.socket.getInt(SOL_SOCKET, option) >= bytes) return;
    try {
      this.socket.setInt(SOL_SOCKET, force, bytes);
    } catch {
      this.socket.setInt(SOL_SOCKET, option, bytes);
    }
  }
}
