/**
 * The desktop's log: readable lines (`time LEVEL message key=value …`) appended to
 * `<data dir>/logs/wgpilot.log`, rotated by size into a few numbered generations
 * (wgpilot.log.1 is the previous one), so reconnect failures and the agents' own stderr survive
 * the session and never fill the disk.
 *
 * Design decisions:
 * - Synchronous appends: the desktop logs a few lines a minute, and a line written before a
 *   crash is the one that explains it. Rotation is a chain of renames, as logrotate does.
 * - A log that cannot be written (read-only home, disk full) never breaks the app: the error
 *   is reported once on stderr and the line goes to stderr instead.
 * - Fields named like secrets are redacted; the core never passes a password or key, but a log
 *   file outlives the session, so it is checked once more here.
 */
import fs from 'node:fs';
import path from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The core's log sink: what HostManager, connections and links call (level default: info). */
export type LogFn = (msg: string, fields?: Record<string, unknown>, level?: LogLevel) => void;

export interface LogFileOptions {
  dir: string;
  /** Default wgpilot.log. */
  name?: string;
  /** Size at which the file rotates; default 1 MiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one; default 3. */
  generations?: number;
  clock?: () => Date;
  /** Where lines go when the file cannot be written; default process.stderr. */
  fallback?: (line: string) => void;
}

const SECRET_FIELD = /private.?key|preshared.?key|secret|password|passphrase|token/i;
const BARE = /^[^\s"=\\]+$/;

/** formatLine renders one entry as a readable line (no trailing newline). */
export function formatLine(time: Date, level: LogLevel, msg: string, fields: Record<string, unknown> = {}): string {
  const pairs = Object.entries(fields).flatMap(([k, v]) => {
    if (v === undefined) return [];
    let value: unknown = SECRET_FIELD.test(k) && v !== null && typeof v !== 'boolean' ? '[redacted]' : v;
    if (value instanceof Error) value = `${value.name}: ${value.message}`;
    let text: string;
    try {
      text = typeof value === 'string' ? (BARE.test(value) ? value : JSON.stringify(value)) : (JSON.stringify(value) ?? String(value));
    } catch {
      text = '"[unserializable]"';
    }
    return [`${k}=${text}`];
  });
  return `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${[msg, ...pairs].join(' ')}`.replace(/[\r\n]+/g, ' ');
}

export class LogFile {
  readonly dir: string;
  readonly file: string;
  private readonly maxBytes: number;
  private readonly generations: number;
  private readonly clock: () => Date;
  private readonly fallback: (line: string) => void;
  private size: number;
  private broken = false;

  constructor(opts: LogFileOptions) {
    this.dir = opts.dir;
    this.file = path.join(opts.dir, opts.name ?? 'wgpilot.log');
    this.maxBytes = opts.maxBytes ?? 1 << 20;
    this.generations = Math.max(1, opts.generations ?? 3);
    this.clock = opts.clock ?? (() => new Date());
    this.fallback = opts.fallback ?? ((line) => void process.stderr.write(line));
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.size = fs.statSync(this.file).size;
    } catch {
      this.size = 0;
    }
  }

  /** The numbered generations, newest first: wgpilot.log.1, .2, … */
  generation(n: number): string {
    return `${this.file}.${n}`;
  }

  /** write appends one entry, rotating first when it would pass the size cap. */
  write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    const line = formatLine(this.clock(), level, msg, fields) + '\n';
    if (this.broken) return this.fallback(line);
    try {
      const bytes = Buffer.byteLength(line);
      if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
      fs.appendFileSync(this.file, line, { mode: 0o600 });
      this.size += bytes;
    } catch (err) {
      this.broken = true;
      this.fallback(`wgpilot: cannot write the log file ${this.file} (${(err as Error).message}); logging to stderr\n`);
      this.fallback(line);
    }
  }

  /** rotate: wgpilot.log → .1 → .2 …; the oldest generation is dropped. */
  private rotate(): void {
    fs.rmSync(this.generation(this.generations), { force: true });
    for (let n = this.generations - 1; n >= 1; n--) {
      if (fs.existsSync(this.generation(n))) fs.renameSync(this.generation(n), this.generation(n + 1));
    }
    fs.renameSync(this.file, this.generation(1));
    this.size = 0;
  }

  /**
   * tail returns the last `maxBytes` of the log, reaching into the previous generation when the
   * current file is shorter; a window that starts mid-line starts at the next line.
   */
  tail(maxBytes = 64 * 1024): string {
    const chunks: Buffer[] = [];
    let left = maxBytes;
    let cut = false;
    for (const f of [this.file, this.generation(1)]) {
      const size = sizeOf(f);
      if (size === null) continue;
      if (left <= 0) {
        cut = size > 0;
        break;
      }
      const len = Math.min(size, left);
      chunks.unshift(readEnd(f, size, len));
      left -= len;
      if (len < size) {
        cut = true;
        break;
      }
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (!cut) return text;
    const nl = text.indexOf('\n');
    return nl >= 0 ? text.slice(nl + 1) : text;
  }

  /** The core's log sink over this file. */
  logFn(minLevel: LogLevel = 'info'): LogFn {
    const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
    return (msg, fields, level = 'info') => {
      if (rank[level] >= rank[minLevel]) this.write(level, msg, fields);
    };
  }
}

function sizeOf(file: string): number | null {
  try {
    return fs.statSync(file).size;
  } catch {
    return null;
  }
}

/** The last `len` bytes of a file of `size` bytes. */
function readEnd(file: string, size: number, len: number): Buffer {
  const buf = Buffer.alloc(len);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, buf, 0, len, size - len);
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

/**
 * openDesktopLog: the log of one desktop process (a composition root calls it once), as the
 * core's sink and as the UI reaches it. $WGPILOT_LOG_LEVEL (debug|info|warn|error) sets the
 * threshold; default info.
 */
export function openDesktopLog(
  logDir: string,
  opts: { openFolder?: (dir: string) => Promise<void>; env?: NodeJS.ProcessEnv } = {},
): { log: LogFn; logs: { dir: string; file: string; tail(maxBytes: number): string; openFolder?: () => Promise<void> } } {
  const file = new LogFile({ dir: logDir });
  const level = (opts.env ?? process.env).WGPILOT_LOG_LEVEL;
  const log = file.logFn(level === 'debug' || level === 'warn' || level === 'error' ? level : 'info');
  const openFolder = opts.openFolder;
  return {
    log,
    logs: { dir: file.dir, file: file.file, tail: (n) => file.tail(n), ...(openFolder ? { openFolder: () => openFolder(file.dir) } : {}) },
  };
}
