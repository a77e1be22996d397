/**
 * The control protocol between the host-side tests and the guest's control server, one JSON
 * object per line over a virtio-serial port (qemu chardev ↔ host unix socket). Shared by both
 * ends (the guest bundles this file).
 *
 *   guest → host  {ev:'ready', release, uptime}            once, when the server listens
 *   host → guest  {id, op:'exec', argv, input?, timeoutMs?} → {id, ev:'done', code, signal, stdout, stderr, ms}
 *                 {id, op:'spawn', argv, env?}             → {id, ev:'out'|'err', data}… {id, ev:'exit', code, signal}
 *                 {id, op:'write', data} / {id, op:'end'} / {id, op:'kill', signal?}   (a spawned process)
 *                 {id, op:'call', method, args}            → {id, ev:'result', value} | {id, ev:'error', error}
 *                 {op:'shutdown'}                          the server exits, PID 1 powers off
 *
 * `call` runs agent code inside the guest (guest/ops/): its arguments and results cross as
 * JSON with the few non-JSON values tagged (bigint, Key, Date, bytes), see encode/decode.
 */
import { Key } from '../../../agent/src/wireguard/keys.js';

export type HostMessage =
  | { id: number; op: 'exec'; argv: string[]; input?: string; timeoutMs?: number; env?: Record<string, string> }
  | { id: number; op: 'spawn'; argv: string[]; env?: Record<string, string> }
  | { id: number; op: 'write'; data: string }
  | { id: number; op: 'end' }
  | { id: number; op: 'kill'; signal?: NodeJS.Signals }
  | { id: number; op: 'call'; method: string; args: unknown }
  | { op: 'shutdown' };

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** An error as it crosses the channel: name, message and the structured fields of its class. */
export interface WireError {
  name: string;
  message: string;
  fields: Record<string, unknown>;
}

export type GuestMessage =
  | { ev: 'ready'; release: string; uptime: number }
  | ({ id: number; ev: 'done' } & ExecResult)
  | { id: number; ev: 'out' | 'err'; data: string }
  | { id: number; ev: 'exit'; code: number | null; signal: string | null }
  | { id: number; ev: 'result'; value: unknown }
  | { id: number; ev: 'error'; error: WireError };

/** encode turns a value into JSON-safe data, tagging bigint, Key, Date and byte arrays. */
export function encode(v: unknown): unknown {
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (v instanceof Key) return { $key: v.toBase64() };
  if (v instanceof Date) return { $date: v.toISOString() };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(encode);
  if (v instanceof Map) return { $map: [...v].map(([k, x]) => [encode(k), encode(x)]) };
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, encode(x)]));
  return v;
}

/** decode is encode's inverse. */
export function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
  if (typeof o.$key === 'string') return Key.fromBase64(o.$key);
  if (typeof o.$date === 'string') return new Date(o.$date);
  if (typeof o.$bytes === 'string') return Buffer.from(o.$bytes, 'base64');
  if (Array.isArray(o.$map)) return new Map((o.$map as Array<[unknown, unknown]>).map(([k, x]) => [decode(k), decode(x)]));
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
}

/** wireError keeps an error's class name, message (with its causes) and own fields (code, errno, op…). */
export function wireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const causes: string[] = [];
  for (let c: unknown = err.cause; c instanceof Error && causes.length < 5; c = c.cause) causes.push(c.message);
  const fields = Object.fromEntries(Object.entries(err).filter(([k, x]) => k !== 'cause' && (x === null || ['string', 'number', 'boolean'].includes(typeof x))));
  return { name: err.name, message: causes.length > 0 ? `${err.message} (cause: ${causes.join('; ')})` : err.message, fields };
}
