/**
 * In-memory carriers for the RPC tests (VS Code's createProtocolPair idea): two PassThrough
 * streams make a connection, the agent's adapter serves one end and the desktop's link the
 * other, and a tap classifies every line on the wire into the message kinds of PROTOCOL.md.
 */
import { Duplex, PassThrough } from 'node:stream';
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import type { ServedConnection } from '../../../agent/src/rpc/adapter.js';
import { LineSplitter, parseObjectLine } from '../../../agent/src/rpc/framing.js';
import type { AgentHello, ClientIdentity } from '../../../agent/src/rpc/protocol.js';
import { createAgentServer } from '../../../agent/src/rpc/server.js';
import { silentLogger, type Logger } from '../../../agent/src/log.js';
import { connectAgent, type AgentConnection, type AgentLinkOptions } from '../../../src-main/core/agent-link.js';

/** Both directions of one in-memory connection. */
export interface Wire {
  /** What the agent reads (the client writes here). */
  toAgent: PassThrough;
  /** What the client reads (the agent writes here). */
  toClient: PassThrough;
  /** The client's end as one Duplex, like an ssh2 channel. */
  clientEnd: Duplex;
}

export function wire(): Wire {
  const toAgent = new PassThrough();
  const toClient = new PassThrough();
  return { toAgent, toClient, clientEnd: Duplex.from({ readable: toClient, writable: toAgent }) };
}

/** classify names the PROTOCOL.md message kind of one line, or null for a non-message. */
export function classify(line: string): string | null {
  const msg = parseObjectLine(line);
  if (!msg) return null;
  if ('hello' in msg) return 'hello';
  if ('identify' in msg) return 'identify';
  if (typeof msg.method === 'string') return msg.method;
  if ('error' in msg) return 'error';
  const result = msg.result as { type?: string } | undefined;
  return result ? `result.${result.type ?? 'data'}` : null;
}

/** Records the kind of every line crossing `w`, both ways, into `seen`. */
export function tap(w: Wire, seen: Set<string>): void {
  for (const stream of [w.toAgent, w.toClient]) {
    const splitter = new LineSplitter(64 << 20, (line) => {
      const kind = classify(line);
      if (kind) seen.add(kind);
    }, () => {});
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  }
}

export interface Pair<TRouter extends AnyRouter> {
  wire: Wire;
  served: ServedConnection;
  conn: AgentConnection<TRouter>;
  client: TRPCClient<TRouter>;
  hello: AgentHello;
}

export interface PairOptions {
  /** Absent: the client sends an `identify` line first, as on the daemon socket. */
  identity?: ClientIdentity;
  log?: Logger;
  seen?: Set<string>;
  link?: AgentLinkOptions;
}

/** Serves `router` on one end of a fresh in-memory wire and connects the desktop link to the other. */
export async function connectPair<TRouter extends AnyRouter>(router: TRouter, opts: PairOptions = {}): Promise<Pair<TRouter>> {
  const w = wire();
  if (opts.seen) tap(w, opts.seen);
  const agent = createAgentServer({ router, mode: opts.identity ? 'in-process' : 'daemon', services: {}, log: opts.log ?? silentLogger });
  const served = agent.serve({ input: w.toAgent, output: w.toClient, endOutput: true }, opts.identity);
  if (!opts.identity) w.toAgent.write(JSON.stringify({ identify: { user: 'alice', from: '198.18.0.1' } }) + '\n');
  const conn = await connectAgent<TRouter>(w.clientEnd, opts.link);
  const client = createTRPCClient<TRouter>({ links: [conn.link] });
  return { wire: w, served, conn, client, hello: conn.hello };
}

/** A Logger that keeps its lines for assertions. */
export function memoryLogger(): Logger & { lines: { level: string; msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields });
  const log = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}
