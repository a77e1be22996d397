/**
 * NetlinkConnection: request/ACK, dumps and batches over one netlink socket, without ever
 * blocking Node's event loop or holding a libuv pool thread.
 *
 * Design decisions:
 * - Requests are sent synchronously (the kernel handles rtnetlink requests inside sendmsg, so
 *   the reply is usually queued before sendto returns) and replies are read with MSG_DONTWAIT
 *   right away; only when nothing is queued does the connection arm an epoll readiness watch.
 * - Reading happens in slices of at most SLICE_BUDGET_MS, then yields with setImmediate, so a
 *   100k-route dump (and its decoding, which runs per message inside the slices) never stalls
 *   timers for more than a few ms. Within a slice every queued datagram is read and decoded
 *   synchronously — no promise, await or timer per message or per datagram. A timers phase
 *   always separates two slices (see scheduleResume), and the read right after a send takes
 *   one datagram only, so a dump never runs a slice on its caller's stack.
 * - Replies are routed by (nlmsg_seq, nlmsg_pid), so concurrent requests and a running dump can
 *   interleave on one socket. The kernel runs one dump per socket at a time (EBUSY otherwise),
 *   so dumps are queued.
 * - Each datagram is sized with MSG_PEEK|MSG_TRUNC first, so truncation is impossible rather
 *   than merely detected; the peek copies nothing and cost nothing measurable on a 100k-route
 *   dump (whose time is the kernel filling each datagram inside recv).
 * - Datagrams are received into a RECEIVE_BUFFER_SIZE buffer, and every datagram handed on is
 *   a buffer that is never reused, so decoded messages, and the views decoders keep (unknown
 *   attributes), may alias it: a dump datagram takes the receive buffer itself (a new one is
 *   allocated), a small one is copied out to its exact size. The receive length matters:
 *   netlink_recvmsg records the largest length a socket asks for and sizes later dump datagrams
 *   by it (capped at 32 KiB), so receiving into exactly sized buffers would shrink a dump to
 *   ~4 KiB datagrams and eight times the syscalls.
 */
import { randomInt } from 'node:crypto';
import { SyscallError } from '../ffi/errors.js';
import type { Libc } from '../ffi/libc.js';
import { NetlinkSocket, type NetlinkSocketOptions } from '../ffi/socket.js';
import { WireError } from '../wire/errors.js';
import {
  encodeMessage,
  encodeMessages,
  type MessageDecoder,
  MessageView,
  type NetlinkMessage,
  type OutgoingMessage,
} from '../wire/message.js';
import {
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
} from '../wire/uapi/netlink.js';
import { SOL_NETLINK } from '../wire/uapi/socket.js';
import { ConnectionClosedError, DumpInterruptedError } from './errors.js';
import { type AckResult, DumpPending, type DumpOutcome, type Pending, RequestPending } from './pending.js';
import type { ReadableWatch, Transport } from './transport.js';

/**
 * Receive buffer length: the kernel builds dump datagrams as large as the largest recv a socket
 * has asked for, up to SKB_WITH_OVERHEAD(32768) (netlink_recvmsg's max_recvmsg_len), so 32 KiB
 * gets the biggest datagrams and a larger buffer gains nothing.
 */
export const RECEIVE_BUFFER_SIZE = 32 * 1024;
/** Longest stretch of synchronous receive+decode work before yielding to the event loop. */
export const SLICE_BUDGET_MS = 4;
/** NLM_F_DUMP_INTR retries before giving up with DumpInterruptedError. */
export const MAX_DUMP_ATTEMPTS = 5;
/**
 * Requests per batch window. Each ACK costs ~1 KiB of the receive buffer's truesize budget
 * (default 208 KiB); a window of 64 stays far below it, so no ACK is dropped with ENOBUFS.
 */
export const BATCH_WINDOW = 64;

export interface ConnectionOptions extends NetlinkSocketOptions {
  /** NETLINK_GET_STRICT_CHK: filtered dumps honour their filters (default true). */
  strictCheck?: boolean;
}

/** Message to send; seq, pid and the REQUEST/ACK/DUMP flags are filled in by the connection. */
export type Request = Omit<OutgoingMessage, 'seq' | 'pid'>;

export interface RequestOptions {
  /** Names the operation in errors, e.g. 'RTM_NEWLINK'. */
  op?: string;
}

export type BatchResult = AckResult | Error;

/** NetlinkRequester is what family modules need; NetlinkConnection and test fakes provide it. */
export interface NetlinkRequester {
  request(msg: Request, options?: RequestOptions): Promise<AckResult>;
  /**
   * Dumps and decodes every reply; undefined results are skipped. A decoder built with
   * messageDecoder() is read in place (MessageDecoder.read), any other is called per message.
   */
  dump<T>(msg: Request, decode: MessageDecoder<T | undefined>, options?: RequestOptions): Promise<T[]>;
  batch(msgs: Iterable<Request>, options?: RequestOptions): Promise<BatchResult[]>;
}

export class NetlinkConnection implements NetlinkRequester {
  private readonly pending = new Map<number, Pending>();
  private readonly watch: ReadableWatch;
  private buffer = Buffer.allocUnsafe(RECEIVE_BUFFER_SIZE);
  private seq = randomInt(1, 0x7fffffff);
  private draining = false;
  private resumeScheduled = false;
  /** An ENOBUFS read by drain, reported to onReceiveError once the queue is empty. */
  private overrun: SyscallError | undefined;
  private dumpQueue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Set by subscriptions: receives messages that are not replies (multicast events). */
  onEvent: ((msg: NetlinkMessage) => void) | undefined;
  /**
   * Set by subscriptions: receive errors that belong to no request. An ENOBUFS overrun is
   * reported once the receive queue has been read empty and the watch re-armed (absorbOverrun).
   */
  onReceiveError: ((err: Error) => void) | undefined;

  constructor(private readonly transport: Transport) {
    this.watch = transport.watch(() => this.drain());
  }

  /**
   * open creates a socket for protocol (NETLINK_ROUTE, NETLINK_GENERIC, ...), inside
   * options.netns when given, with extended ACKs, capped ACKs and strict checking enabled.
   */
  static open(libc: Libc, protocol: number, options: ConnectionOptions = {}): NetlinkConnection {
    const socket = NetlinkSocket.open(libc, protocol, options);
    try {
      socket.setInt(SOL_NETLINK, NETLINK_EXT_ACK, 1);
      // Error ACKs then echo only the request header, not the whole request.
      socket.setInt(SOL_NETLINK, NETLINK_CAP_ACK, 1);
      if (options.strictCheck ?? true) socket.setInt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
    } catch (err) {
      socket.close();
      throw err;
    }
    return new NetlinkConnection(socket);
  }

  get portId(): number {
    return this.transport.portId;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** setSocketOption sets an int socket option on the underlying socket. */
  setSocketOption(level: number, option: number, value: number): void {
    this.transport.setInt(level, option, value);
  }

  getSocketOption(level: number, option: number): number {
    return this.transport.getInt(level, option);
  }

  /**
   * request sends msg with NLM_F_REQUEST|NLM_F_ACK and resolves on the kernel's ACK (with any
   * ext-ack warning), or rejects with NetlinkError carrying the kernel's errno and message.
   */
  request(msg: Request, options: RequestOptions = {}): Promise<AckResult> {
    const op = options.op ?? `type ${msg.type}`;
    return new Promise<AckResult>((resolve, reject) => {
      const seq = this.register((s) => new RequestPending(s, op, resolve, reject));
      if (seq === undefined) return reject(new ConnectionClosedError(op));
      this.sendOrFail(encodeMessage({ ...msg, flags: msg.flags | NLM_F_REQUEST | NLM_F_ACK, seq }), [seq]);
    });
  }

  /**
   * dump sends msg with NLM_F_REQUEST|NLM_F_DUMP and collects decode(m) for every reply message
   * (undefined results are skipped). Interrupted dumps (NLM_F_DUMP_INTR) are retried up to
   * MAX_DUMP_ATTEMPTS times, so the result is always a consistent snapshot.
   */
  dump<T>(msg: Request, decode: MessageDecoder<T | undefined>, options: RequestOptions = {}): Promise<T[]> {
    const op = options.op ?? `type ${msg.type}`;
    const run = this.dumpQueue.then(() => this.dumpWithRetry(msg, decode, op));
    this.dumpQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * batch sends many requests, BATCH_WINDOW per datagram, each with NLM_F_ACK, and settles with
   * one result per request in order: an AckResult or the request's error. It is the bulk path
   * (`ip -batch` equivalent): 100k routes cost ~1.6k sendto calls instead of 100k.
   */
  async batch(msgs: Iterable<Request>, options: RequestOptions = {}): Promise<BatchResult[]> {
    const op = options.op ?? 'batch';
    const results: BatchResult[] = [];
    let window: Request[] = [];
    const flush = async (): Promise<void> => {
      const promises: Promise<AckResult>[] = [];
      const encoded: OutgoingMessage[] = [];
      for (const m of window) {
        promises.push(
          new Promise<AckResult>((resolve, reject) => {
            const seq = this.register((s) => new RequestPending(s, op, resolve, reject));
            if (seq === undefined) return reject(new ConnectionClosedError(op));
            encoded.push({ ...m, flags: m.flags | NLM_F_REQUEST | NLM_F_ACK, seq });
          }),
        );
      }
      window = [];
      if (encoded.length > 0) this.sendOrFail(encodeMessages(encoded), encoded.map((e) => e.seq ?? 0));
      for (const s of await Promise.allSettled(promises)) {
        results.push(s.status === 'fulfilled' ? s.value : (s.reason as Error));
      }
    };
    // Messages are pulled lazily, so a generator can encode 100k requests window by window.
    for (const m of msgs) {
      window.push(m);
      if (window.length === BATCH_WINDOW) await flush();
    }
    if (window.length > 0) await flush();
    return results;
  }

  /** kick reads whatever is queued now and arms the readiness watch if work is outstanding. */
  kick(): void {
    this.drain();
  }

  /** close rejects pending requests, stops the readiness watch and closes the socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watch.close();
    this.transport.close();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.fail(new ConnectionClosedError(p.op));
  }

  private async dumpWithRetry<T>(msg: Request, decode: MessageDecoder<T | undefined>, op: string): Promise<T[]> {
    for (let attempt = 1; attempt <= MAX_DUMP_ATTEMPTS; attempt++) {
      const results: T[] = [];
      const outcome = await new Promise<DumpOutcome>((settle) => {
        const seq = this.register((s) => new DumpPending(s, op, decode, results, settle));
        if (seq === undefined) return settle({ kind: 'failed', error: new ConnectionClosedError(op) });
        this.sendOrFail(encodeMessage({ ...msg, flags: msg.flags | NLM_F_REQUEST | NLM_F_DUMP, seq }), [seq]);
      });
      if (outcome.kind === 'done') return results;
      if (outcome.kind === 'failed') throw outcome.error;
    }
    throw new DumpInterruptedError(op, MAX_DUMP_ATTEMPTS);
  }

  /** register allocates a sequence number and records the pending exchange. */
  private register(make: (seq: number) => Pending): number | undefined {
    if (this.closed) return undefined;
    do {
      this.seq = (this.seq + 1) >>> 0;
    } while (this.seq === 0 || this.pending.has(this.seq));
    this.pending.set(this.seq, make(this.seq));
    return this.seq;
  }

  /** sendOrFail sends a datagram, fails its pendings (seqs) on a send error, then reads replies. */
  private sendOrFail(datagram: Buffer, seqs: readonly number[]): void {
    try {
      this.transport.send(datagram);
    } catch (err) {
      for (const s of seqs) {
        const p = this.pending.get(s);
        this.pending.delete(s);
        p?.fail(err);
      }
      return;
    }
    // Read what the send produced (an ACK is usually queued already) but take only one
    // datagram's time synchronously: a dump continues in slices, out of the caller's stack.
    this.drain(0);
  }

  private get wantsData(): boolean {
    return this.pending.size > 0 || this.onEvent !== undefined;
  }

  /**
   * drain reads every queued datagram for up to budgetMs (SLICE_BUDGET_MS by default),
   * dispatching messages as they come; it re-arms the readiness watch when the queue is empty
   * and work is outstanding, or schedules itself with setImmediate when the slice ran out.
   * `resumed` says it runs in the check phase, from its own setImmediate (see scheduleResume).
   * An overrun (ENOBUFS) does not interrupt the slice: it is reported once the queue has been
   * read empty and the watch re-armed (see absorbOverrun).
   */
  private drain(budgetMs = SLICE_BUDGET_MS, resumed = false): void {
    if (this.draining || this.closed) return;
    this.draining = true;
    let emptied = false;
    try {
      emptied = this.drainSlice(budgetMs, resumed);
    } catch (err) {
      this.onDrainError(err);
    } finally {
      this.draining = false;
    }
    if (emptied) this.reportOverrun();
  }

  /** drainSlice is drain's loop; it returns true when it stopped because the queue was empty. */
  private drainSlice(budgetMs: number, resumed: boolean): boolean {
    const started = performance.now();
    while (this.wantsData && !this.closed) {
      let size: number | null;
      let n: number | null = null;
      try {
        size = this.transport.pendingSize();
        if (size !== null) {
          if (size > this.buffer.length) this.buffer = Buffer.allocUnsafe(size);
          n = this.transport.receive(this.buffer);
        }
      } catch (err) {
        if (!this.absorbOverrun(err)) throw err;
        size = -1;
      }
      if (size === null) {
        this.watch.start();
        return true;
      }
      if (n !== null) this.dispatch(this.takeDatagram(n));
      if (performance.now() - started > budgetMs && this.wantsData && !this.closed) {
        this.watch.stop();
        this.scheduleResume(resumed);
        return false;
      }
    }
    this.watch.stop();
    return false;
  }

  /**
   * absorbOverrun handles ENOBUFS (the kernel dropped messages for this socket) inside the
   * drain loop: pending requests fail now, since their replies may be lost, and a subscription's
   * overrun is recorded, to be reported by reportOverrun once the queue has been read empty.
   *
   * Why not report it at once: after an overrun the kernel marks the socket congested
   * (NETLINK_S_CONGESTED) and drops every further multicast message, without raising ENOBUFS
   * again, until a recv finds the receive queue empty (netlink_rcv_wake). A consumer that
   * resyncs on 'overrun' while datagrams are still queued would miss every change made between
   * its re-dump and the end of the drain, silently: e.g. a link set up right after the overrun
   * was reported never produced an event. Reported after the queue is empty, every change is
   * either already in the consumer's re-dump or queued normally (or causes a new overrun), and
   * the datagrams queued before the loss are delivered before the overrun, in kernel order.
   */
  private absorbOverrun(err: unknown): boolean {
    if (!(err instanceof SyscallError) || err.code !== 'ENOBUFS') return false;
    if (this.onReceiveError) this.overrun ??= err;
    this.failPending(err);
    return true;
  }

  /** reportOverrun hands a recorded overrun to the subscription; the watch is armed already. */
  private reportOverrun(): void {
    const overrun = this.overrun;
    if (overrun === undefined || this.closed) return;
    this.overrun = undefined;
    this.onReceiveError?.(overrun);
  }

  private failPending(err: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.fail(err);
  }

  /**
   * takeDatagram returns the n bytes just received as a buffer that is never reused (see the
   * design notes above): a large datagram (a dump's) keeps the receive buffer itself, which is
   * replaced, instead of being copied; a small one (an ACK, an event) is copied out so that it
   * does not pin RECEIVE_BUFFER_SIZE bytes.
   */
  private takeDatagram(n: number): Buffer {
    if (n < this.buffer.length / 2) return Buffer.from(this.buffer.subarray(0, n));
    const datagram = this.buffer.subarray(0, n);
    this.buffer = Buffer.allocUnsafe(RECEIVE_BUFFER_SIZE);
    return datagram;
  }

  /**
   * scheduleResume continues draining in a later slice, with a timers phase in between so that
   * timers never wait for two slices in a row. An immediate queued from the check phase (a
   * resumed slice) runs in the next loop iteration, after its timers; one queued from any other
   * phase (the readiness callback in the poll phase, a caller's stack) would run in this
   * iteration's check phase, right after the slice, so it hops through one more immediate.
   */
  private scheduleResume(fromCheckPhase: boolean): void {
    if (this.resumeScheduled) return;
    this.resumeScheduled = true;
    const resume = (): void => {
      this.resumeScheduled = false;
      this.drain(SLICE_BUDGET_MS, true);
    };
    setImmediate(fromCheckPhase ? resume : () => setImmediate(resume));
  }

  /**
   * dispatch walks the datagram's messages in place and hands each to the pending exchange its
   * (seq, pid) names; the rest are events, materialized for onEvent.
   */
  private dispatch(datagram: Buffer): void {
    const portId = this.transport.portId;
    for (const view = new MessageView(datagram); view.next(); ) {
      const p = view.pid === portId ? this.pending.get(view.seq) : undefined;
      if (p) {
        if (p.onMessage(view)) this.pending.delete(p.seq);
      } else {
        this.onEvent?.(view.message());
      }
    }
  }

  /**
   * onDrainError: a WireError means one malformed datagram (already consumed); a subscription
   * reports it and keeps reading. Pending requests fail, since their replies may be lost, rather
   * than wait forever. Any other receive failure is persistent (the socket is broken), so
   * reading stops. The connection's own state is settled before the subscription is told, so a
   * throwing listener cannot leave it deaf. (The drain loop absorbs ENOBUFS: see absorbOverrun.)
   */
  private onDrainError(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    const recoverable = (error instanceof SyscallError && error.code === 'ENOBUFS') || error instanceof WireError;
    this.failPending(error);
    if (recoverable && this.wantsData) this.scheduleResume(false);
    else this.watch.stop();
    this.onReceiveError?.(error);
  }
}
