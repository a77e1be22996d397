/**
 * The desktop end of the agent protocol (agent/PROTOCOL.md): `connectAgent` reads the agent's
 * hello from a duplex stream (the SSH exec channel of `wgpilot-agent stdio`, or a socket in
 * tests), checks the protocol version, and returns a terminating tRPC link that sends queries,
 * mutations and subscriptions as tRPC v11's own messages, one JSON object per line.
 *
 * Design decisions:
 * - A custom link rather than `wsLink` + a WebSocket shim: wsLink waits a timer tick before each
 *   send, ~1.2 ms per sequential call over SSH (shared/facts/trpc-over-ssh.md); this costs none.
 * - The rooms forbid run-time imports from agent/, so the line splitting is restated here in a
 *   few lines; the limits are typed against the agent's constants so they cannot drift.
 * - A broken agent can only cost bounded memory: a line over the limit or a stream of garbage
 *   closes the connection with an AgentLinkError, and every pending call fails with it.
 * - No transformer: the agent's router has none, so data passes as plain JSON both ways.
 */
import type { Duplex } from 'node:stream';
import type { AnyRouter } from '@trpc/server';
import { TRPCClientError, type OperationResultEnvelope, type TRPCLink } from '@trpc/client';
import { observable, type Observer } from '@trpc/server/observable';
import type { AgentHello, MAX_LINE_BYTES as AGENT_MAX_LINE_BYTES, MAX_SKIPPED_LINES as AGENT_MAX_SKIPPED_LINES } from '../../agent/src/rpc/protocol.js';
import type { AgentRouter } from '../../agent/src/rpc/router.js';
import type { PROTOCOL_VERSION as AGENT_PROTOCOL_VERSION } from '../../agent/src/version.js';
import type { LogFn } from './log-file.js';

/** The protocol this app speaks; a type error here means the agent's changed. */
export const PROTOCOL_VERSION: typeof AGENT_PROTOCOL_VERSION = 1;
const MAX_LINE_BYTES: typeof AGENT_MAX_LINE_BYTES = 16_777_216;
const MAX_SKIPPED_LINES: typeof AGENT_MAX_SKIPPED_LINES = 100;
/** Exec + Node start is ~0.2 s; this only catches a launcher that hangs. */
const HELLO_TIMEOUT_MS = 20_000;
/** After the agent's EOF, how long to wait for the carrier's close (and its exit status). */
const END_TO_CLOSE_MS = 2_000;

export type AgentLinkErrorCode = 'AGENT_CLOSED' | 'AGENT_NO_HELLO' | 'AGENT_PROTOCOL' | 'AGENT_PROTOCOL_MISMATCH';

/** Why the connection to an agent failed or ended; the `cause` of the TRPCClientErrors it causes. */
export class AgentLinkError extends Error {
  override readonly name = 'AgentLinkError';
  constructor(
    readonly code: AgentLinkErrorCode,
    message: string,
    readonly details: { agentProtocol?: number; appProtocol?: number; agentVersion?: string } = {},
  ) {
    super(message);
  }
}

export interface AgentLinkOptions {
  /** Names the agent in messages ("the agent on 198.18.0.2"). */
  peerName?: string;
  /** Extra words for a close (exit status, stderr tail), read when the close happens. */
  describeEnd?: () => string | undefined;
  /** Skipped lines, connection-level errors. */
  log?: LogFn;
  helloTimeoutMs?: number;
}

export interface AgentConnection<TRouter extends AnyRouter = AgentRouter> {
  readonly hello: AgentHello;
  readonly link: TRPCLink<TRouter>;
  /** Resolves with the reason once the connection has ended. */
  readonly closed: Promise<AgentLinkError>;
  close(): void;
}

type Envelope = OperationResultEnvelope<unknown, TRPCClientError<AnyRouter>>;
interface Pending {
  observer: Observer<Envelope, TRPCClientError<AnyRouter>>;
  subscription: boolean;
}

/**
 * Reads the hello from `io`, checks the protocol version and returns the connection. `TRouter`
 * is the agent's router type (tests serve their own routers through the same adapter).
 */
export async function connectAgent<TRouter extends AnyRouter = AgentRouter>(io: Duplex, opts: AgentLinkOptions = {}): Promise<AgentConnection<TRouter>> {
  const peer = `the agent${opts.peerName ? ` on ${opts.peerName}` : ''}`;
  const log = opts.log ?? (() => {});
  const pending = new Map<number, Pending>();
  let lastId = 0;
  let skipped = 0;
  let hello: AgentHello | undefined;
  let ended: AgentLinkError | undefined;
  let agentSaid: string | undefined;
  let resolveHello!: (h: AgentHello) => void;
  let rejectHello!: (e: AgentLinkError) => void;
  const helloP = new Promise<AgentHello>((res, rej) => ((resolveHello = res), (rejectHello = rej)));
  let resolveClosed!: (e: AgentLinkError) => void;
  const closed = new Promise<AgentLinkError>((r) => (resolveClosed = r));

  function fail(error: AgentLinkError): void {
    if (ended) return;
    ended = error;
    clearTimeout(helloTimer);
    clearTimeout(endTimer);
    push = () => {};
    for (const p of pending.values()) p.observer.error(TRPCClientError.from(error));
    pending.clear();
    rejectHello(error);
    resolveClosed(error);
    io.destroy();
  }

  const detail = () => [opts.describeEnd?.(), agentSaid && `it said: ${agentSaid}`].filter(Boolean).join('; ');
  const closedError = (how: string) =>
    hello
      ? new AgentLinkError('AGENT_CLOSED', `The connection to ${peer} ${how}${detail() ? ` (${detail()})` : ''}.`)
      : new AgentLinkError('AGENT_NO_HELLO', `${capitalize(peer)} ${how} before saying hello${detail() ? ` (${detail()})` : ''}.`);

  function onLine(line: string): void {
    if (ended) return;
    const msg = parseObject(line);
    if (!msg) {
      // A banner or a shell's chatter is worth seeing; a JSON-looking line may be protocol
      // (a key in a config download), so only its size is logged.
      log('skipped a line that is not a JSON object', /^\s*[[{"]/.test(line) ? { bytes: Buffer.byteLength(line) } : { line: line.slice(0, 200) }, 'warn');
      if (++skipped > MAX_SKIPPED_LINES) fail(new AgentLinkError('AGENT_PROTOCOL', `${capitalize(peer)} sent more than ${MAX_SKIPPED_LINES} lines that are not protocol messages (last: ${JSON.stringify(line.slice(0, 80))}); closed the connection.`));
      return;
    }
    if (!hello) {
      const h = msg.hello as AgentHello | undefined;
      if (typeof h === 'object' && h !== null && typeof h.protocol === 'number' && typeof h.version === 'string') {
        hello = h;
        clearTimeout(helloTimer);
        return resolveHello(h);
      }
      return fail(new AgentLinkError('AGENT_PROTOCOL', `${capitalize(peer)} did not start with a hello (got ${JSON.stringify(line.slice(0, 80))}).`));
    }
    const id = msg.id;
    const p = typeof id === 'number' ? pending.get(id) : undefined;
    if (!p) {
      // A connection-level error (id null), or a reply nobody waits for any more.
      if (id === null && isObject(msg.error)) {
        agentSaid = String(msg.error.message);
        log('agent reported an error', { error: msg.error }, 'warn');
      }
      return;
    }
    if ('error' in msg) {
      pending.delete(id as number);
      return p.observer.error(TRPCClientError.from(msg as object));
    }
    const result = isObject(msg.result) ? msg.result : { type: 'data', data: undefined };
    if (result.type === 'started') return p.observer.next({ result: { type: 'started' } });
    if (result.type === 'stopped' || !p.subscription) pending.delete(id as number);
    if (result.type === 'stopped') {
      p.observer.next({ result: { type: 'stopped' } });
      return p.observer.complete();
    }
    p.observer.next({ result: { type: 'data', data: result.data, ...(result.id !== undefined ? { id: String(result.id) } : {}) } });
    if (!p.subscription) p.observer.complete();
  }

  let push = lineSplitter(MAX_LINE_BYTES, onLine, () =>
    fail(new AgentLinkError('AGENT_PROTOCOL', `${capitalize(peer)} sent a line longer than ${MAX_LINE_BYTES} bytes; closed the connection.`)),
  );
  let endTimer: NodeJS.Timeout | undefined;
  const helloTimer = setTimeout(
    () => fail(new AgentLinkError('AGENT_NO_HELLO', `${capitalize(peer)} did not say hello within ${(opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS) / 1000} s${detail() ? ` (${detail()})` : ''}.`)),
    opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS,
  );
  io.on('data', (chunk: Buffer) => push(chunk));
  io.on('error', (err: Error) => fail(closedError(`failed: ${err.message}`)));
  io.on('close', () => fail(closedError('closed')));
  io.on('end', () => {
    // The agent closed its stdout; the carrier's own close (with the exit status) follows.
    io.end();
    endTimer = setTimeout(() => fail(closedError('closed')), END_TO_CLOSE_MS);
  });

  function send(msg: object): void {
    const line = JSON.stringify(msg);
    if (line.length * 3 > MAX_LINE_BYTES && Buffer.byteLength(line) > MAX_LINE_BYTES) throw new Error(`request of ${Buffer.byteLength(line)} bytes is over the ${MAX_LINE_BYTES}-byte line limit`);
    io.write(line + '\n');
  }

  const link: TRPCLink<TRouter> = () => ({ op }) =>
    observable<Envelope, TRPCClientError<TRouter>>((observer) => {
      if (ended) {
        observer.error(TRPCClientError.from(ended));
        return () => {};
      }
      const id = ++lastId;
      const subscription = op.type === 'subscription';
      pending.set(id, { observer, subscription });
      try {
        // A resumed subscription names the last event it saw (tracked() ids; agent/PROTOCOL.md).
        const lastEventId = subscription && typeof op.context.lastEventId === 'string' ? op.context.lastEventId : undefined;
        send({ id, method: op.type, params: { path: op.path, input: op.input, ...(lastEventId !== undefined ? { lastEventId } : {}) } });
      } catch (err) {
        pending.delete(id);
        observer.error(TRPCClientError.from(err as Error));
      }
      const onAbort = () => observer.complete();
      op.signal?.addEventListener('abort', onAbort, { once: true });
      return () => {
        op.signal?.removeEventListener('abort', onAbort);
        if (pending.delete(id) && subscription && !ended) send({ id, method: 'subscription.stop' });
      };
    });

  const h = await helloP;
  const connection: AgentConnection<TRouter> = { hello: h, link, closed, close: () => fail(new AgentLinkError('AGENT_CLOSED', `The connection to ${peer} was closed by this app.`)) };
  if (h.protocol !== PROTOCOL_VERSION) {
    const error = new AgentLinkError(
      'AGENT_PROTOCOL_MISMATCH',
      `${capitalize(peer)} speaks protocol ${h.protocol} (agent ${h.version}, ${h.mode}); this app speaks protocol ${PROTOCOL_VERSION}. ` +
        `Redeploy the agent${h.mode === 'daemon' ? ' and restart its service (systemctl restart wgpilot-agent)' : ''}.`,
      { agentProtocol: h.protocol, appProtocol: PROTOCOL_VERSION, agentVersion: h.version },
    );
    fail(error);
    throw error;
  }
  return connection;
}

/**
 * lineSplitter returns a push(chunk) that calls onLine per `\n`-terminated line (a trailing `\r`
 * dropped) and onOverflow once a line passes `maxBytes`. Splitting bytes on 0x0A before
 * decoding is safe: that byte never occurs inside a multi-byte UTF-8 sequence.
 */
function lineSplitter(maxBytes: number, onLine: (line: string) => void, onOverflow: () => void): (chunk: Buffer) => void {
  let parts: Buffer[] = [];
  let size = 0;
  return function push(chunk) {
    for (let start = 0; ; ) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (size + end - start > maxBytes) return onOverflow();
      if (nl === -1) {
        if (end > start) parts.push(chunk.subarray(start));
        size += end - start;
        return;
      }
      const line = size === 0 ? chunk.subarray(start, nl) : Buffer.concat([...parts, chunk.subarray(start, nl)]);
      parts = [];
      size = 0;
      start = nl + 1;
      onLine(line.toString('utf8', 0, line.at(-1) === 0x0d ? line.length - 1 : line.length));
    }
  };
}

function parseObject(line: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(line);
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
