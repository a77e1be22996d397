/**
 * `wgpilot-agent call [<procedure> [json|-]]`: any tRPC procedure from the shell, JSON out.
 *
 * - Through the daemon's socket when a daemon runs (as the desktop does: identify, hello,
 *   one request); otherwise in-process: the database and the kernel are opened here, with
 *   wireguard-go started detached so interfaces outlive the command, and no background timers.
 * - `call` alone lists every procedure with its type and its input as JSON Schema.
 * - Input: a JSON argument, or `-` to read it from stdin (e.g. a wg-quick file inside JSON).
 * - Subscriptions print one JSON line per event until `--count N` events or Ctrl-C.
 * - Errors go to stderr as `{"error":{"appCode","message"}}`, exit status 1; usage errors 2.
 *
 * Options: --state-dir D ($WGPILOT_STATE_DIR), --in-process (never use the daemon),
 * --count N, and the host options of host-options.ts (--netns, --interface-prefix, …).
 */
import fs from 'node:fs';
import type net from 'node:net';
import { TRPCError, type AnyProcedure } from '@trpc/server';
import { z } from 'zod';
import { createLogger } from '../log.js';
import { connectDaemon } from '../rpc/carriers/stdio.js';
import { appCodeOf } from '../rpc/errors.js';
import { LineSplitter } from '../rpc/framing.js';
import { MAX_LINE_BYTES } from '../rpc/protocol.js';
import { clientIdentityFromEnv, isPrivileged } from '../rpc/identity.js';
import { agentRouter } from '../rpc/router.js';
import { createCallerFactory, type AgentContext } from '../rpc/trpc.js';
import { lazyDomain } from './host-options.js';
import { flag, logLevel, socketPath } from './options.js';

type ProcType = 'query' | 'mutation' | 'subscription';

/** Flags that take a value, so their values are not mistaken for the procedure or its input. */
const VALUE_FLAGS = new Set(['--state-dir', '--netns', '--interface-prefix', '--wireguard-go', '--count']);

function positionals(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (VALUE_FLAGS.has(a)) i++;
    else if (a === '-' || !a.startsWith('--')) out.push(a);
  }
  return out;
}

function procedures(): Map<string, AnyProcedure> {
  return new Map(Object.entries(agentRouter._def.procedures as unknown as Record<string, AnyProcedure>));
}

/** listing describes every procedure: path, type, input JSON Schema. */
export function listing(): Array<{ procedure: string; type: ProcType; input: unknown }> {
  return [...procedures()].sort(([a], [b]) => a.localeCompare(b)).map(([path, p]) => {
    const inputs = (p._def as { inputs?: unknown[] }).inputs ?? [];
    const schema = inputs[0];
    return {
      procedure: path,
      type: p._def.type as ProcType,
      input: schema instanceof z.ZodType ? z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) : null,
    };
  });
}

export async function call(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [path, rawInput] = positionals(args);
  if (path === undefined) {
    process.stdout.write(JSON.stringify(listing(), null, 2) + '\n');
    return 0;
  }
  const proc = procedures().get(path);
  if (!proc) {
    process.stderr.write(JSON.stringify({ error: { appCode: 'NOT_FOUND', message: `no procedure '${path}' (run \`wgpilot-agent call\` for the list)` } }) + '\n');
    return 2;
  }
  let input: unknown;
  try {
    const text = rawInput === '-' ? fs.readFileSync(0, 'utf8') : rawInput;
    input = text === undefined || text.trim() === '' ? undefined : JSON.parse(text);
  } catch (err) {
    process.stderr.write(JSON.stringify({ error: { appCode: 'INVALID_INPUT', message: `input is not JSON: ${(err as Error).message}` } }) + '\n');
    return 2;
  }
  const count = Number(flag(args, '--count') ?? 0) || Infinity;
  const type = proc._def.type as ProcType;
  const daemon = args.includes('--in-process') ? null : await connectDaemon(socketPath(args, env));
  return daemon ? viaDaemon(daemon, path, type, input, count, env) : inProcess(args, env, path, type, input, count);
}

function printError(appCode: string, message: string): number {
  process.stderr.write(JSON.stringify({ error: { appCode, message } }) + '\n');
  return 1;
}

async function inProcess(args: readonly string[], env: NodeJS.ProcessEnv, path: string, type: ProcType, input: unknown, count: number): Promise<number> {
  const log = createLogger({ level: logLevel(env) === 'info' ? 'warn' : logLevel(env), fields: { cmd: 'call', pid: process.pid } });
  const domain = lazyDomain(args, env, log, { daemons: 'detached', reconcileIntervalMs: 0, monitorIntervalMs: 0 }, false);
  const ctx: AgentContext = {
    user: clientIdentityFromEnv(env).user,
    privileged: isPrivileged(),
    mode: 'in-process',
    connection: { id: 0, subscriptions: () => 0 },
    services: domain.services,
  };
  const caller = createCallerFactory(agentRouter)(ctx) as unknown as Record<string, unknown>;
  const fn = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller) as (i: unknown) => Promise<unknown>;
  try {
    const result = await fn(input);
    if (type !== 'subscription') {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return 0;
    }
    let n = 0;
    for await (const event of result as AsyncIterable<unknown>) {
      process.stdout.write(JSON.stringify(event) + '\n');
      if (++n >= count) break;
    }
    return 0;
  } catch (err) {
    const e = err instanceof TRPCError ? err : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: err });
    const cause = e.cause as { message?: string } | undefined;
    return printError(appCodeOf(e), cause?.message ?? e.message);
  } finally {
    await domain.close();
  }
}

/** viaDaemon speaks the protocol on the daemon's socket: identify, wait for hello, one request. */
function viaDaemon(socket: net.Socket, path: string, type: ProcType, input: unknown, count: number, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    let events = 0;
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      socket.end();
      resolve(code);
    };
    const send = (msg: unknown): void => void socket.write(JSON.stringify(msg) + '\n');
    const onSigint = (): void => {
      send({ id: 1, method: 'subscription.stop' });
      finish(0);
    };
    const splitter = new LineSplitter(MAX_LINE_BYTES, (line) => {
      if (done) return;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if ('hello' in msg) {
        send({ id: 1, method: type, params: { path, ...(input === undefined ? {} : { input }) } });
        return;
      }
      if (msg.id !== 1) return;
      const error = msg.error as { message?: string; data?: { appCode?: string } } | undefined;
      if (error) return finish(printError(error.data?.appCode ?? 'INTERNAL', error.message ?? 'failed'));
      const result = msg.result as { type?: string; data?: unknown } | undefined;
      if (type !== 'subscription') {
        process.stdout.write(JSON.stringify(result?.data, null, 2) + '\n');
        return finish(0);
      }
      if (result?.type === 'stopped') return finish(0);
      if (result?.type === 'data') {
        process.stdout.write(JSON.stringify(result.data) + '\n');
        if (++events >= count) {
          send({ id: 1, method: 'subscription.stop' });
          finish(0);
        }
      }
    }, () => finish(printError('TOO_LARGE', 'reply line too long')));
    process.once('SIGINT', onSigint);
    socket.on('data', (b: Buffer) => splitter.push(b));
    socket.on('close', () => {
      process.off('SIGINT', onSigint);
      finish(done ? 0 : printError('INTERNAL', 'the daemon closed the connection'));
    });
    socket.on('error', () => undefined);
    send({ identify: clientIdentityFromEnv(env) });
  });
}
