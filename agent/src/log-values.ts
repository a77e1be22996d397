/**
 * log-values: how field values of a log entry become printable — for the JSON format a plain
 * JSON value, for the text and journal formats `key=value` pairs plus the stack lines of errors.
 *
 * Design decisions:
 * - An Error keeps everything that says why: name, message, its own structured fields (errno,
 *   op, appCode …), stack and the `cause` chain to the bottom (bounded, cycles cut). Dropping
 *   the cause was the old logger's main fault: "procedure failed: INTERNAL" with no errno.
 * - Objects are walked by their own enumerable fields, never through `toJSON`: a WireGuard
 *   `Key` serializes to its base64 there, and a logged private key must not be one mistake away.
 *   Byte arrays print as their length. Fields named like secrets are replaced by "[redacted]"
 *   at any depth (the same names the audit log redacts).
 */

/** Field names whose values are never logged (flags such as `hasPrivateKey: true` stay). */
const SECRET_FIELD = /private.?key|preshared.?key|secret|password|passphrase|token|sealed/i;
export const REDACTED = '[redacted]';

/** Nesting depth past which values print as "[…]"; causes deeper than MAX_CAUSES are cut. */
const MAX_DEPTH = 6;
const MAX_CAUSES = 8;

function isPlainError(v: unknown): v is Error {
  return v instanceof Error;
}

/** toLogValue turns the value of field `key` into a JSON value that is safe to print. */
export function toLogValue(key: string, value: unknown, depth = 0, seen: Set<object> = new Set()): unknown {
  if (value !== null && value !== undefined && typeof value !== 'boolean' && SECRET_FIELD.test(key)) return REDACTED;
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'function':
      return `[function ${value.name || 'anonymous'}]`;
    case 'symbol':
      return value.toString();
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (seen.has(value)) return '[circular]';
  if (isPlainError(value)) return serializeError(value, 0, seen);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v, i) => toLogValue(String(i), v, depth + 1, seen));
    if (value instanceof Set) return [...value].map((v, i) => toLogValue(String(i), v, depth + 1, seen));
    const entries = value instanceof Map ? [...value].map(([k, v]) => [String(k), v] as const) : Object.entries(value);
    return Object.fromEntries(entries.map(([k, v]) => [k, toLogValue(k, v, depth + 1, seen)]));
  } finally {
    seen.delete(value);
  }
}

/** serializeError: name, message, own fields, stack, and the cause chain, as plain JSON. */
export function serializeError(err: Error, causeDepth = 0, seen: Set<object> = new Set()): Record<string, unknown> {
  seen.add(err);
  try {
    const out: Record<string, unknown> = { name: err.name, message: err.message };
    for (const [k, v] of Object.entries(err)) {
      if (k === 'stack' || k === 'message' || k === 'cause' || k === 'name' || v === undefined) continue;
      out[k] = toLogValue(k, v, 1, seen);
    }
    if (err.stack) out.stack = err.stack;
    if (err instanceof AggregateError) out.errors = err.errors.map((e: unknown) => (e instanceof Error && !seen.has(e) ? serializeError(e, causeDepth + 1, seen) : toLogValue('error', e, 1, seen)));
    const cause: unknown = err.cause;
    if (cause !== undefined) {
      if (causeDepth >= MAX_CAUSES) out.cause = '[…]';
      else if (cause instanceof Error) out.cause = seen.has(cause) ? '[circular]' : serializeError(cause, causeDepth + 1, seen);
      else out.cause = toLogValue('cause', cause, 1, seen);
    }
    return out;
  } finally {
    seen.delete(err);
  }
}

/** The one-line summary of an error and its causes: "ServiceError: x ← NetlinkError: EPERM". */
export function errorSummary(err: Error): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let e: unknown = err; e !== undefined && parts.length <= MAX_CAUSES && !seen.has(e); e = e instanceof Error ? e.cause : undefined) {
    seen.add(e);
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : JSON.stringify(toLogValue('cause', e)));
  }
  return parts.join(' ← ');
}

/** The stack lines of an error value and of each of its causes ("caused by: …"); [] otherwise. */
export function errorStackLines(value: unknown): string[] {
  if (!(value instanceof Error)) return [];
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let e: unknown = value;
  for (let depth = 0; e instanceof Error && depth <= MAX_CAUSES && !seen.has(e); depth++, e = e.cause) {
    seen.add(e);
    const frames = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).map((l) => l.trim());
    if (depth > 0) lines.push(`caused by ${e.name}: ${e.message}`);
    lines.push(...frames.map((f) => (depth > 0 ? `  ${f}` : f)));
  }
  if (e !== undefined && !(e instanceof Error)) lines.push(`caused by ${JSON.stringify(toLogValue('cause', e))}`);
  return lines;
}

const BARE = /^[^\s"=\\]+$/;

/** renderText prints fields as `key=value` pairs: bare words bare, other strings and values as JSON. */
export function renderText(fields: Record<string, unknown>): string {
  const pairs: string[] = [];
  for (const [k, raw] of Object.entries(fields)) {
    if (raw === undefined) continue;
    const v = raw instanceof Error ? errorSummary(raw) : toLogValue(k, raw);
    const text = typeof v === 'string' ? (BARE.test(v) ? v : JSON.stringify(v)) : (JSON.stringify(v) ?? String(v));
    pairs.push(`${k}=${text}`);
  }
  return pairs.join(' ');
}
