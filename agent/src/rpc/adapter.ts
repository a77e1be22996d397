/**
 * serveConnection serves a tRPC router over one newline-delimited JSON connection (any
 * Readable/Writable pair: stdio, a unix socket, a PassThrough pair in tests), speaking tRPC v11's
 * own WebSocket message shapes as agent/PROTOCOL.md describes.
 *
 * It is kept as small as electron-trpc's `handleIPCMessage`: tRPC does the work
 * (`parseTRPCMessage`, `callTRPCProcedure`, `getErrorShape`, `transformTRPCResponse`); this file
 * adds the framing, the hello, a map of live requests (an AbortController each, so
 * `subscription.stop` and carrier close can cancel), duplicate-id and size limits, and write
 * backpressure for subscriptions. Nothing a peer sends can throw out of it.
 */
import type { Readable, Writable } from 'node:stream';
import { callTRPCProcedure, getErrorShape, getTRPCErrorFromUnknown, isTrackedEnvelope, transformTRPCResponse, TRPCError, type AnyRouter, type inferRouterContext } from '@trpc/server';
import { isObservable, observableToAsyncIterable } from '@trpc/server/observable';
import { parseTRPCMessage, type TRPCClientOutgoingMessage, type TRPCResponseMessage } from '@trpc/server/rpc';
import type { Logger } from '../log.js';
import { appCodeOf } from './errors.js';
import { describeLine, LineSplitter, parseObjectLine, RateLimitedWarning } from './framing.js';
import { IDENTIFY_TIMEOUT_MS, MAX_LINE_BYTES, MAX_LIVE_REQUESTS, MAX_SKIPPED_LINES, type AgentHello, type ClientIdentity } from './protocol.js';
import type { ConnectionInfo } from './trpc.js';

type Id = string | number;
type Request = Extract<TRPCClientOutgoingMessage, { method: 'query' | 'mutation' | 'subscription' }>;

/** After the carrier closed, how long `closed` waits for generators' `finally` blocks. */
const CLOSE_GRACE_MS = 5_000;

export interface ConnectionIO {
  input: Readable;
  output: Writable;
  /** End `output` once the connection is done (sockets: yes; process.stdout: no). */
  endOutput?: boolean;
}

export interface ServeOptions<TRouter extends AnyRouter> {
  router: TRouter;
  log: Logger;
  /** Per-process connection number, for logs and `system.info`. */
  connectionId: number;
  /** Who the connection acts for; when absent it must send an `identify` line first (daemon socket). */
  identity?: ClientIdentity;
  /** Builds the hello and the procedures' context once the identity is known. */
  open(identity: ClientIdentity, connection: ConnectionInfo): { hello: AgentHello; ctx: inferRouterContext<TRouter> };
  /** How long to wait for `identify` (tests shorten it). */
  identifyTimeoutMs?: number;
}

export interface ServedConnection {
  /** Resolves when the carrier closed and live work has finished (or the grace period ran out). */
  readonly closed: Promise<void>;
  /** Closes the connection from this side (daemon shutdown). */
  close(reason?: string): void;
}

interface Live {
  controller: AbortController;
  subscription: boolean;
}

export function serveConnection<TRouter extends AnyRouter>(io: ConnectionIO, opts: ServeOptions<TRouter>): ServedConnection {
  const { router } = opts;
  const { input, output } = io;
  const config = router._def._config;
  const log = opts.log.child({ conn: opts.connectionId });
  const live = new Map<Id, Live>();
  const work = new Set<Promise<void>>();
  let ctx: inferRouterContext<TRouter> | undefined;
  let skipped = 0;
  let inputOpen = true;
  let outputOpen = true;
  let corked = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const info: ConnectionInfo = { id: opts.connectionId, subscriptions: () => [...live.values()].filter((l) => l.subscription).length };
  // Lengths only, never contents (see RateLimitedWarning): a stray line may be a password.
  const skippedWarning = new RateLimitedWarning((fields) => log.warn('skipped a line that is not a JSON object', fields));
  const invalidWarning = new RateLimitedWarning((fields) => log.warn('invalid message', fields));

  const splitter = new LineSplitter(MAX_LINE_BYTES, onLine, (bytes) => {
    log.warn('line too long; closing', { bytes });
    sendError(null, new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: `Line longer than ${MAX_LINE_BYTES} bytes` }));
    shutdown('line too long');
  });

  /**
   * Writes one response; false when the output is gone or its buffer is full. Writes made in the
   * same tick are coalesced (cork, uncork on nextTick): one syscall for a burst of events, and no
   * added latency for a lone reply, since nextTick runs before the event loop turns.
   */
  function send(msg: TRPCResponseMessage): boolean {
    if (!outputOpen) return false;
    if (!corked) {
      corked = true;
      output.cork();
      process.nextTick(uncork);
    }
    let line: string;
    try {
      line = JSON.stringify(transformTRPCResponse(config, msg)) + '\n';
    } catch (cause) {
      // An unserializable result (a BigInt, a cycle) still gets an answer.
      line = JSON.stringify({ id: msg.id, error: shapeOf(getTRPCErrorFromUnknown(cause), undefined, undefined) }) + '\n';
    }
    return output.write(line);
  }

  function uncork(): void {
    corked = false;
    output.uncork();
  }

  function shapeOf(error: TRPCError, path: string | undefined, type: Request['method'] | undefined) {
    // A refusal (bad input, not found, a conflict) is the caller's business, not the host's: only
    // a failure the API calls INTERNAL is an error in the log, with its cause chain.
    const appCode = appCodeOf(error);
    if (appCode === 'INTERNAL') log.error('procedure failed', { path, error });
    else log.debug('procedure refused', { path, appCode, message: error.message });
    try {
      return getErrorShape({ config, error, type: type ?? 'unknown', path, input: undefined, ctx });
    } catch (cause) {
      log.error('error formatter failed', { error: cause });
      return { code: -32603, message: 'Internal server error', data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, appCode: 'INTERNAL' } };
    }
  }

  function sendError(id: Id | null, cause: unknown, path?: string, type?: Request['method']): void {
    send({ id, error: shapeOf(getTRPCErrorFromUnknown(cause), path, type) } as TRPCResponseMessage);
  }

  function start(identity: ClientIdentity): void {
    clearTimeout(identifyTimer);
    const opened = opts.open(identity, info);
    ctx = opened.ctx;
    log.info('connection open', { user: identity.user, from: identity.from });
    if (outputOpen) output.write(JSON.stringify({ hello: opened.hello }) + '\n');
  }

  function onLine(line: string): void {
    const msg = parseObjectLine(line);
    if (msg === null) {
      skipped++;
      skippedWarning.hit({ ...describeLine(line), skipped });
      if (skipped > MAX_SKIPPED_LINES) {
        sendError(null, new TRPCError({ code: 'PARSE_ERROR', message: `More than ${MAX_SKIPPED_LINES} lines that are not protocol messages` }));
        shutdown('garbage');
      }
      return;
    }
    if (ctx === undefined) return onIdentify(msg);
    let request: TRPCClientOutgoingMessage;
    try {
      request = parseTRPCMessage(msg, config.transformer);
    } catch (cause) {
      const id = typeof msg.id === 'string' || typeof msg.id === 'number' ? msg.id : null;
      // Size and a numeric id only: the method, a string id and the parser's message quote the line.
      invalidWarning.hit({ bytes: Buffer.byteLength(line), ...(typeof id === 'number' ? { id } : {}) });
      if (id !== null) sendError(id, new TRPCError({ code: 'PARSE_ERROR', message: `Invalid message: ${(cause as Error).message}`, cause }));
      return;
    }
    dispatch(request);
  }

  function onIdentify(msg: Record<string, unknown>): void {
    const identity = msg.identify as Partial<ClientIdentity> | undefined;
    if (typeof identity !== 'object' || identity === null || typeof identity.user !== 'string' || identity.user === '') {
      sendError(null, new TRPCError({ code: 'BAD_REQUEST', message: 'Expected {"identify":{"user":…}} as the first line' }));
      return shutdown('no identify');
    }
    start({ user: identity.user, from: typeof identity.from === 'string' ? identity.from : undefined });
  }

  function dispatch(msg: TRPCClientOutgoingMessage): void {
    const { id } = msg;
    if (id === null) return sendError(null, new TRPCError({ code: 'PARSE_ERROR', message: '`id` is required' }));
    if (msg.method === 'subscription.stop') {
      const sub = live.get(id);
      if (sub?.subscription) sub.controller.abort();
      return;
    }
    const { path } = msg.params;
    if (live.has(id)) return sendError(id, new TRPCError({ code: 'BAD_REQUEST', message: `Duplicate id ${id}` }), path, msg.method);
    if (live.size >= MAX_LIVE_REQUESTS) {
      return sendError(id, new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `More than ${MAX_LIVE_REQUESTS} live requests on this connection` }), path, msg.method);
    }
    const entry: Live = { controller: new AbortController(), subscription: msg.method === 'subscription' };
    live.set(id, entry);
    const job = run(id, msg, entry.controller.signal)
      .catch((cause: unknown) => log.error('request handling failed', { error: cause }))
      .finally(() => {
        live.delete(id);
        work.delete(job);
      });
    work.add(job);
  }

  async function run(id: Id, msg: Request, signal: AbortSignal): Promise<void> {
    const { jsonrpc } = msg;
    const { path, lastEventId } = msg.params;
    let { input: rawInput } = msg.params;
    if (lastEventId !== undefined) {
      rawInput = typeof rawInput === 'object' && rawInput !== null ? { ...rawInput, lastEventId } : (rawInput ?? { lastEventId });
    }
    const type = msg.method;
    try {
      const result: unknown = await callTRPCProcedure({ router, path, getRawInput: async () => rawInput, ctx, type, signal, batchIndex: 0 });
      const iterable = isObservable(result) ? observableToAsyncIterable(result, signal) : isAsyncIterable(result) ? result : null;
      if (type !== 'subscription') {
        if (iterable) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `${type} ${path} returned a stream; use a subscription` });
        send({ id, jsonrpc, result: { type: 'data', data: result } });
        return;
      }
      if (!iterable) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `Subscription ${path} did not return an async iterable` });
      send({ id, jsonrpc, result: { type: 'started' } });
      await pump(id, jsonrpc, iterable, signal);
      // Closing the connection is not the stream ending: the client learns of it from the close.
      if (inputOpen) send({ id, jsonrpc, result: { type: 'stopped' } });
    } catch (cause) {
      // A subscription torn down with its carrier has nobody to tell; a query's error still goes out.
      if (type === 'subscription' && signal.aborted && !inputOpen) return;
      sendError(id, cause, path, type);
    }
  }

  /**
   * Forwards a subscription's events until it ends, is stopped, or the carrier closes. Each wait
   * for the next event is a fresh promise that the abort can also settle (not a Promise.race
   * against one long-lived "stopped" promise, which would keep a reaction per event until the
   * stream ends).
   */
  async function pump(id: Id, jsonrpc: Request['jsonrpc'], iterable: AsyncIterable<unknown>, signal: AbortSignal): Promise<void> {
    const iterator = iterable[Symbol.asyncIterator]();
    let wake: ((stop: 'stop') => void) | undefined;
    const onAbort = () => wake?.('stop');
    signal.addEventListener('abort', onAbort, { once: true });
    let done = false;
    try {
      for (;;) {
        if (signal.aborted) return;
        const next = await new Promise<IteratorResult<unknown> | 'stop'>((resolve, reject) => {
          wake = resolve;
          iterator.next().then(resolve, reject);
        });
        wake = undefined;
        if (next === 'stop') return;
        if (next.done) {
          done = true;
          return;
        }
        const value: unknown = next.value;
        const result = isTrackedEnvelope(value)
          ? { type: 'data' as const, id: value[0], data: { id: value[0], data: value[1] } }
          : { type: 'data' as const, data: value };
        if (!send({ id, jsonrpc, result }) && !(await drained(signal))) return;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      // Runs the generator's `finally`; it waits for an in-flight next() to settle first.
      if (!done) await iterator.return?.().catch((error: unknown) => log.warn('subscription cleanup failed', { error }));
    }
  }

  /** Waits until the output can take more; false if the subscription stops or the output dies first. */
  function drained(signal: AbortSignal): Promise<boolean> {
    if (!outputOpen || signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (ok: boolean) => {
        output.off('drain', onDrain);
        output.off('close', onGone);
        signal.removeEventListener('abort', onGone);
        resolve(ok);
      };
      const onDrain = () => finish(true);
      const onGone = () => finish(false);
      output.on('drain', onDrain);
      output.on('close', onGone);
      signal.addEventListener('abort', onGone, { once: true });
    });
  }

  /** Input gone or closing: abort everything live, let replies still flow while output lasts. */
  function shutdown(reason: string): void {
    if (!inputOpen) return;
    inputOpen = false;
    clearTimeout(identifyTimer);
    splitter.stop();
    // Keep the input flowing with no listener: the rest is discarded, and a socket still sees
    // the peer's FIN and closes.
    input.off('data', onData);
    for (const l of live.values()) l.controller.abort();
    log.info('connection closing', { reason, live: live.size });
    const settled = Promise.allSettled([...work]);
    const grace = new Promise<void>((r) => setTimeout(r, CLOSE_GRACE_MS).unref());
    void Promise.race([settled, grace]).then(() => {
      if (work.size > 0) log.warn('closed with requests still running', { live: live.size });
      if (io.endOutput && outputOpen) output.end();
      resolveClosed();
    });
  }

  function onData(chunk: Buffer | string): void {
    try {
      splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    } catch (error) {
      // A bug of ours (e.g. in building a context), not the peer's: end this connection, not the process.
      log.error('connection failed', { error });
      sendError(null, error);
      shutdown('internal error');
    }
  }

  const identifyTimer = opts.identity
    ? undefined
    : setTimeout(() => {
        sendError(null, new TRPCError({ code: 'TIMEOUT', message: 'No identify line' }));
        shutdown('identify timeout');
      }, opts.identifyTimeoutMs ?? IDENTIFY_TIMEOUT_MS).unref();

  input.on('data', onData);
  input.once('end', () => shutdown('end of input'));
  input.once('close', () => shutdown('input closed'));
  input.on('error', (error) => {
    log.warn('input error', { error });
    shutdown('input error');
  });
  const outputGone = (error?: Error) => {
    if (error) log.warn('output error', { error });
    outputOpen = false;
    shutdown('output closed');
  };
  output.on('error', outputGone);
  output.once('close', () => outputGone());
  if (opts.identity) start(opts.identity);

  return { closed, close: (reason = 'closed by agent') => shutdown(reason) };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';
}
