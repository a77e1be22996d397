/**
 * NetlinkSubscription: a socket joined to multicast groups, delivering kernel events.
 *
 * - 'message' (NetlinkMessage): one event, in kernel order.
 * - 'overrun' (): the kernel dropped events because the receive buffer was full (ENOBUFS).
 *   State derived from events is now stale: re-dump to resync. Reading continues. It is emitted
 *   after the events queued before the loss, once the queue has been read empty: until then the
 *   kernel keeps dropping events for the socket (NETLINK_S_CONGESTED) without a new ENOBUFS, so
 *   a re-dump started from the handler misses nothing and later changes arrive as events.
 * - 'error' (Error): an unexpected receive failure, or an exception thrown by a 'message'
 *   listener; only emitted when a listener exists (otherwise a listener's exception becomes a
 *   process warning). A throwing listener never stops reading: one bad handler must not make
 *   the subscription deaf for everyone else.
 * - 'close' (): after close(); ends async iteration.
 *
 * The receive buffer is enlarged with SO_RCVBUFFORCE (root; falls back to SO_RCVBUF, which is
 * capped by net.core.rmem_max) because bursts — a flushed route table, 100k conntrack flows —
 * outrun a 208 KiB default in milliseconds. NETLINK_NO_ENOBUFS is deliberately not used: it
 * hides the loss instead of preventing it.
 *
 * close() stops the readiness watch and closes the socket, after which Node can exit at once.
 */
import { EventEmitter } from 'node:events';
import { SyscallError } from '../ffi/errors.js';
import type { Libc } from '../ffi/libc.js';
import { SO_RCVBUF, SO_RCVBUFFORCE, SOL_SOCKET } from '../ffi/constants.js';
import type { NetlinkMessage } from '../wire/message.js';
import { NETLINK_ADD_MEMBERSHIP } from '../wire/uapi/netlink.js';
import { SOL_NETLINK } from '../wire/uapi/socket.js';
import { NetlinkConnection } from './connection.js';

/** Default event receive buffer: holds ~10k link/route events between two reads. */
export const DEFAULT_EVENT_RECEIVE_BUFFER = 8 * 1024 * 1024;

export interface SubscriptionOptions {
  netns?: string;
  /** Receive buffer in bytes (the kernel doubles it for bookkeeping). */
  receiveBufferSize?: number;
}

export interface SubscriptionEvents {
  message: [NetlinkMessage];
  overrun: [];
  error: [Error];
  close: [];
}

export class NetlinkSubscription extends EventEmitter<SubscriptionEvents> {
  /** Number of ENOBUFS overruns seen so far. */
  overruns = 0;

  private constructor(private readonly connection: NetlinkConnection) {
    super();
    connection.onReceiveError = (err) => this.onReceiveError(err);
    connection.onEvent = (msg) => this.deliver(msg);
  }

  /** open creates a socket in options.netns joined to every group (RTNLGRP_* etc.). */
  static open(libc: Libc, protocol: number, groups: readonly number[], options: SubscriptionOptions = {}): NetlinkSubscription {
    const conn = NetlinkConnection.open(libc, protocol, { netns: options.netns, strictCheck: false });
    try {
      setReceiveBuffer(conn, options.receiveBufferSize ?? DEFAULT_EVENT_RECEIVE_BUFFER);
      for (const g of groups) conn.setSocketOption(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g);
    } catch (err) {
      conn.close();
      throw err;
    }
    return NetlinkSubscription.fromConnection(conn);
  }

  /** fromConnection starts delivering events from an already configured connection (tests). */
  static fromConnection(conn: NetlinkConnection): NetlinkSubscription {
    const sub = new NetlinkSubscription(conn);
    conn.kick();
    return sub;
  }

  /** receiveBufferSize reports SO_RCVBUF as the kernel applied it (doubled). */
  get receiveBufferSize(): number {
    return this.connection.getSocketOption(SOL_SOCKET, SO_RCVBUF);
  }

  get isClosed(): boolean {
    return this.connection.isClosed;
  }

  /** joinGroup adds one more multicast group. */
  joinGroup(group: number): void {
    this.connection.setSocketOption(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group);
  }

  close(): void {
    if (this.connection.isClosed) return;
    this.connection.onEvent = undefined;
    this.connection.close();
    this.emit('close');
  }

  /** Async iteration over events until close(); an overrun throws a SyscallError ENOBUFS. */
  async *[Symbol.asyncIterator](): AsyncIterator<NetlinkMessage> {
    const queue: NetlinkMessage[] = [];
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    const onMessage = (m: NetlinkMessage): void => {
      queue.push(m);
      wake?.();
    };
    const onOverrun = (): void => {
      failure = new SyscallError('recv', 105 /* ENOBUFS */, { detail: 'events lost; re-dump to resync' });
      wake?.();
    };
    const onClose = (): void => wake?.();
    this.on('message', onMessage);
    this.on('overrun', onOverrun);
    this.on('close', onClose);
    try {
      while (!this.isClosed || queue.length > 0) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (failure) throw failure;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      this.off('message', onMessage);
      this.off('overrun', onOverrun);
      this.off('close', onClose);
    }
  }

  private deliver(msg: NetlinkMessage): void {
    try {
      this.emit('message', msg);
    } catch (thrown) {
      const err = new Error(`a subscription 'message' listener threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`, { cause: thrown });
      if (this.listenerCount('error') > 0) this.emit('error', err);
      else process.emitWarning(err);
    }
  }

  private onReceiveError(err: Error): void {
    if (err instanceof SyscallError && err.code === 'ENOBUFS') {
      this.overruns++;
      this.emit('overrun');
      return;
    }
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}

function setReceiveBuffer(conn: NetlinkConnection, bytes: number): void {
  try {
    conn.setSocketOption(SOL_SOCKET, SO_RCVBUFFORCE, bytes);
  } catch (err) {
    if (!(err instanceof SyscallError) || err.code !== 'EPERM') throw err;
    conn.setSocketOption(SOL_SOCKET, SO_RCVBUF, bytes);
  }
}
