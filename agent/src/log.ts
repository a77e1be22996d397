/**
 * Logger writes one JSON object per line (`{"time","level","msg",...fields}`) to a stream,
 * stderr by default. The agent's stdout may carry protocol (the stdio carrier), so logs never go
 * there; JSON lines keep them greppable and machine-readable under systemd's journal.
 *
 * Loggers are values passed down from the command that creates them, never a module singleton.
 */
import type { Writable } from 'node:stream';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. a connection id). */
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && value in RANK;
}

/** Errors become `{name, message, code?}` so a log line stays one line of JSON. */
function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code !== undefined ? { code } : {}) };
  }
  return value;
}

export function createLogger(opts: { stream?: Writable; level?: LogLevel; fields?: LogFields } = {}): Logger {
  const stream = opts.stream ?? process.stderr;
  const min = RANK[opts.level ?? 'info'];
  const base = opts.fields ?? {};
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const entry: LogFields = { time: new Date().toISOString(), level, msg, ...base };
    for (const [k, v] of Object.entries(fields ?? {})) entry[k] = plain(v);
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch {
      line = JSON.stringify({ time: entry.time, level, msg, ...base, note: 'fields not serializable' });
    }
    stream.write(line + '\n');
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ stream, level: opts.level, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (tests, and callers that do not care). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
