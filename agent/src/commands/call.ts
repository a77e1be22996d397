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
 * Options: specs.ts (`wgpilot-agent call --help`); usage errors (a bad flag, an unknown
 * procedure, input that is not JSON) exit 2, everything that fails while running exits 1.
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
import { UsageError, type OptionValues } from './args.js';
import { lazyDomain } from './host-options.js';
import { parseCount, resolveSettings, socketPath, type AgentSettings } from './options.js';
import { EXIT } from './specs.js';

type ProcType = 'query' | 'mutation' | 'subscription';

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

export async function call(values: OptionValues, positionals: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const settings = resolveSettings('call', values, env);
  const count = typeof values.count === 'string' ? parseCount(values.count, '--count', 'call') : Infinity;
  if (count === 0) throw new UsageError('call', '--count: must be at least 1 (leave it out to print events until Ctrl-C)');
  const [path, rawInput] = positionals;
  if (path === undefined) {
    process.stdout.write(JSON.stringify(listing(), null, 2) + '\n');
    return EXIT.ok;
  }
  const proc = procedures().get(path);
  if (!proc) {
    process.stderr.write(JSON.stringify({ error: { appCode: 'NOT_FOUND', message: `no procedure '${path}' (run \`wgpilot-agent call\` for the list)` } }) + '\n');
    return EXIT.usage;
  }
  let input: unknown;
  try {
    const text = rawInput === '-' ? fs.readFileSync(0, 'utf8') : rawInput;
    input = text === undefined || text.trim() === '' ? undefined : JSON.parse(text);
  } catch (err) {
    process.stderr.write(JSON.stringify({ error: { appCode: 'INVALID_INPUT', message: `input is not JSON: ${(err as Error).message}` } }) + '\n');
    return EXIT.usage;
  }
  const type = proc._def.type as ProcType;
  const daemon = values['in-process'] === true ? null : await connectDaemon(socketPath(settings));
  return daemon ? viaDaemon(daemon, path, type, input, count, env) : inProcess(settings, env, path, type, input, count);
}

function printError(appCode: string, message: string): number {
  process.stderr.write(JSON.stringify({ error: { appCode, message } }) + '\n');
  return EXIT.failure;
}

async function inProcess(settings: AgentSettings, env: NodeJS.ProcessEnv, path: string, type: ProcType, input: unknown, count: number): Promise<number> {
  // Quiet by default: stdout is the result, stderr the error; routine info lines would be noise.
  const log = createLogger({ level: settings.logLevel ?? 'warn', format: settings.logFormat, fields: { cmd: 'call', pid: process.pid } });
  const domain = lazyDomain(settings, log, { daemons: 'detached', reconcileIntervalMs: 0, monitorIntervalMs: 0 }, false);
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
      return EXIT.ok;
    }
    let n = 0;
    for await (const event of result as AsyncIterable<unknown>) {
      process.stdout.write(JSON.stringify(event) + '\n');
      if (++n >= count) break;
    }
    return EXIT.ok;
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
