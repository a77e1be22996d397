/**
 * Logger: structured log entries (`level`, `msg`, fields) written to a stream, stderr by
 * default. The agent's stdout may carry the protocol (the stdio carrier), so logs never go there.
 *
 * Three formats of the same entry:
 * - `journal`: `<6>msg key=value …`. The `<N>` prefix is the syslog priority, which journald
 *   reads off each line of a service's stderr (SyslogLevelPrefix=, on by default), so
 *   `journalctl -p warning` works. Chosen by `auto` when stderr *is* the journal: systemd sets
 *   $JOURNAL_STREAM to the device:inode of the stream it connected, and we compare.
 * - `text`: `2026-01-02T03:04:05.678Z WARN  msg key=value …`, for a person at a terminal.
 * - `json`: one object per line, `{"time","level","msg",...fields}`, for programs (the desktop
 *   reads the agent's stderr this way and asks for it with `--log-format json`).
 *
 * An Error anywhere in the fields keeps its name, message, code, structured fields, stack and
 * its whole `cause` chain (log-values.ts). Fields whose name says they are secret are redacted,
 * and byte arrays are never printed, so a key cannot reach the log by accident.
 *
 * Loggers are values passed down from the command that creates them, never a module singleton.
 */
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { errorStackLines, renderText, toLogValue } from './log-values.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const LOG_FORMATS = ['auto', 'journal', 'text', 'json'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
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

/** Syslog priorities (sd-daemon(3): SD_ERR 3, SD_WARNING 4, SD_INFO 6, SD_DEBUG 7). */
export const JOURNAL_PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && value in RANK;
}

export function isLogFormat(value: unknown): value is LogFormat {
  return typeof value === 'string' && (LOG_FORMATS as readonly string[]).includes(value);
}

/**
 * isJournalStream tells whether file descriptor `fd` is the stream systemd connected to the
 * journal: $JOURNAL_STREAM is "<device>:<inode>" of that stream (systemd.exec(5)). Comparing
 * matters because a child started from a service inherits the variable but may have its stderr
 * redirected elsewhere.
 */
export function isJournalStream(env: NodeJS.ProcessEnv, fd = 2): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const st = fs.fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}

/** resolveLogFormat turns `auto` into journal (stderr is the journal) or text. */
export function resolveLogFormat(format: LogFormat, env: NodeJS.ProcessEnv = process.env): Exclude<LogFormat, 'auto'> {
  if (format !== 'auto') return format;
  return isJournalStream(env) ? 'journal' : 'text';
}

export interface LoggerOptions {
  stream?: Writable;
  level?: LogLevel;
  /** Default `auto` (journal or text, see resolveLogFormat); `auto` reads process.env. */
  format?: LogFormat;
  fields?: LogFields;
  clock?: () => Date;
}

/** formatEntry renders one entry in `format` (lines end with "\n"). */
export function formatEntry(format: Exclude<LogFormat, 'auto'>, time: Date, level: LogLevel, msg: string, fields: LogFields): string {
  if (format === 'json') {
    const entry: LogFields = { time: time.toISOString(), level, msg };
    for (const [k, v] of Object.entries(fields)) entry[k] = toLogValue(k, v);
    try {
      return JSON.stringify(entry) + '\n';
    } catch {
      return JSON.stringify({ time: entry.time, level, msg, note: 'fields not serializable' }) + '\n';
    }
  }
  const head = format === 'journal' ? `${msg}` : `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}`;
  const kv = renderText(fields);
  const lines = [kv ? `${head} ${kv}` : head, ...Object.values(fields).flatMap((v) => errorStackLines(v).map((l) => `    ${l}`))];
  // journald splits lines into entries: each continuation line carries the same priority.
  const prefix = format === 'journal' ? `<${JOURNAL_PRIORITY[level]}>` : '';
  return lines.map((l) => prefix + l.replace(/[\r\n]+/g, ' ')).join('\n') + '\n';
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const stream = opts.stream ?? process.stderr;
  const min = RANK[opts.level ?? 'info'];
  const format = resolveLogFormat(opts.format ?? 'auto');
  const clock = opts.clock ?? (() => new Date());
  const base = opts.fields ?? {};
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    stream.write(formatEntry(format, clock(), level, msg, { ...base, ...fields }));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ ...opts, stream, format, clock, fields: { ...base, ...fields } }),
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
