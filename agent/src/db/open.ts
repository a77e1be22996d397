/**
 * openDatabase opens the agent's SQLite file with the settings every connection needs.
 *
 * Design decisions:
 * - WAL: readers (RPC queries, the monitor) never block the writer and a crash never leaves a
 *   half-written page; with WAL, synchronous=NORMAL is crash-safe (a power cut may lose the
 *   last transactions, never corrupt the file), and much cheaper than FULL for the monitor's
 *   snapshot writes every 30 s.
 * - foreign_keys is per connection and off by default in SQLite, so it is set here, always,
 *   and verified (a build of SQLite without FK support must not run silently without cascades).
 * - busy_timeout: a second process (the `call` CLI, a backup) waits for the write lock instead of
 *   failing at once with SQLITE_BUSY.
 */
import Database from 'better-sqlite3';
import { DbError } from './errors.js';
import type { Db } from './rows.js';

export interface OpenOptions {
  /** Open read-only (inspection, restore validation). */
  readonly?: boolean;
  /** Milliseconds to wait for a lock held by another connection (default 5000). */
  busyTimeoutMs?: number;
  /** Fail instead of creating the file when it does not exist. */
  mustExist?: boolean;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = new Database(file, {
    readonly: options.readonly ?? false,
    fileMustExist: options.mustExist ?? options.readonly ?? false,
  });
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)}`);
    if (!options.readonly) {
      const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
      // An in-memory database reports 'memory'; a file that cannot do WAL is an error.
      if (mode !== 'wal' && !(file === ':memory:' && mode === 'memory')) {
        throw new DbError('integrity', `cannot switch ${file} to WAL mode (journal_mode is ${mode})`);
      }
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (db.pragma('foreign_keys', { simple: true }) !== 1) {
      throw new DbError('integrity', 'this SQLite build does not enforce foreign keys');
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
