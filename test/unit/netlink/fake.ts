/**
 * Test doubles at the conn/ boundary (mdlayher nltest style): a RecordingRequester that captures
 * what a family function asks for, and a FakeTransport that plays a scripted kernel.
 */
import type { AckResult } from '../../../agent/src/netlink/conn/pending.js';
import type { BatchResult, NetlinkRequester, Request, RequestOptions } from '../../../agent/src/netlink/conn/connection.js';
import type { ReadableWatch, Transport } from '../../../agent/src/netlink/conn/transport.js';
import { decodeMessages, type NetlinkMessage } from '../../../agent/src/netlink/wire/message.js';

export class RecordingRequester implements NetlinkRequester {
  readonly requests: { kind: 'request' | 'dump' | 'batch'; msg: Request; op?: string }[] = [];
  /** Replies returned by dump() before decoding. */
  dumpReplies: NetlinkMessage[] = [];
  /** Messages returned in AckResult.messages (a GET's answer). */
  ackMessages: NetlinkMessage[] = [];

  async request(msg: Request, options?: RequestOptions): Promise<AckResult> {
    this.requests.push({ kind: 'request', msg, op: options?.op });
    return { messages: this.ackMessages, warnings: [] };
  }

  async dump<T>(msg: Request, decode: (m: NetlinkMessage) => T | undefined, options?: RequestOptions): Promise<T[]> {
    this.requests.push({ kind: 'dump', msg, op: options?.op });
    return this.dumpReplies.map(decode).filter((v): v is T => v !== undefined);
  }

  async batch(msgs: Iterable<Request>, options?: RequestOptions): Promise<BatchResult[]> {
    const out: BatchResult[] = [];
    for (const msg of msgs) {
      this.requests.push({ kind: 'batch', msg, op: options?.op });
      out.push({ messages: [], warnings: [] });
    }
    return out;
  }

  /** last returns the payload of the last recorded message. */
  get last(): Request {
    const r = this.requests.at(-1);
    if (!r) throw new Error('no request recorded');
    return r.msg;
  }
}

/**
 * FakeTransport: `kernel(messages)` is called for every datagram sent and returns the datagrams
 * to queue in reply; tests may also `push()` datagrams (events) at any time.
 */
export class FakeTransport implements Transport {
  readonly portId = 4242;
  readonly sent: NetlinkMessage[][] = [];
  readonly queue: Buffer[] = [];
  readonly options = new Map<string, number>();
  closed = false;
  watchActive = false;
  /** Length of the buffer passed to every receive() (the kernel sizes dump datagrams by it). */
  readonly receiveLengths: number[] = [];
  /** Thrown by the next pendingSize() call (e.g. ENOBUFS), then cleared. */
  nextError: Error | undefined;
  private onReady: ((status: number) => void) | undefined;

  constructor(private readonly kernel: (msgs: NetlinkMessage[], self: FakeTransport) => Buffer[] = () => []) {}

  send(data: Buffer): void {
    const msgs = decodeMessages(Buffer.from(data));
    this.sent.push(msgs);
    this.queue.push(...this.kernel(msgs, this));
  }

  /** push queues a datagram and, like epoll, signals readiness on the next tick. */
  push(datagram: Buffer): void {
    this.queue.push(datagram);
    if (this.watchActive) setImmediate(() => this.onReady?.(0));
  }

  pendingSize(): number | null {
    if (this.nextError) {
      const e = this.nextError;
      this.nextError = undefined;
      throw e;
    }
    return this.queue[0]?.length ?? null;
  }

  receive(buf: Buffer): number | null {
    this.receiveLengths.push(buf.length);
    const d = this.queue.shift();
    if (!d) return null;
    if (d.length > buf.length) throw new Error(`test datagram of ${d.length} bytes exceeds buffer of ${buf.length}`);
    d.copy(buf);
    return d.length;
  }

  setInt(level: number, option: number, value: number): void {
    this.options.set(`${level}/${option}`, value);
  }

  getInt(level: number, option: number): number {
    return this.options.get(`${level}/${option}`) ?? 0;
  }

  watch(onReady: (status: number) => void): ReadableWatch {
    this.onReady = onReady;
    return {
      start: () => {
        this.watchActive = true;
        if (this.queue.length > 0) setImmediate(() => this.onReady?.(0));
      },
      stop: () => {
        this.watchActive = false;
      },
      close: () => {
        this.watchActive = false;
        this.onReady = undefined;
      },
    };
  }

  close(): void {
    this.closed = true;
  }
}
