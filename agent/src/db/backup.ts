/**
 * Integrity checks, online backup and restore of the agent database.
 *
 * - Backup uses SQLite's online backup API (better-sqlite3 `db.backup`): a consistent copy while
 *   the agent keeps running and writing. It is written to a temp file next to the destination
 *   and renamed into place, so a destination path never holds half a backup.
 * - Restore replaces the live file with a validated copy of a backup. The source must be an
 *   SQLite file, pass integrity_check and foreign_key_check, be a wgpilot database, and have a
 *   schema this build can run (not newer, no edited migrations; older is fine — the normal
 *   start-up migration brings it forward). It is copied with the backup API (which also folds
 *   in a WAL the source may have), then renamed over the live file (atomic on one filesystem).
 *   The agent's own connection must be closed first and re-opened after: restore refuses when
 *   another connection holds the database.
 *
 * Secrets are sealed with the state dir's key (agent/src/secrets): a backup restored on another
 * host needs that host's key file too, or the sealed keys will not open.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DbError } from './errors.js';
import { appliedMigrations, pendingMigrations } from './migrate.js';
import type { Migration } from './migrations.js';
import type { Db } from './rows.js';

export interface IntegrityReport {
  ok: boolean;
  /** integrity_check messages and foreign key violations; empty when ok. */
  problems: string[];
}

/** checkIntegrity runs PRAGMA integrity_check (full) and PRAGMA foreign_key_check. */
export function checkIntegrity(db: Db): IntegrityReport {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
  const fk = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  problems.push(...fk.map((v) => `${v.table} row ${v.rowid} refers to a missing ${v.parent} row`));
  return { ok: problems.length === 0, problems };
}

export interface BackupResult {
  file: string;
  bytes: number;
  schemaVersion: number;
}

/** backupDatabase copies the live database to `dest` while it stays in use. */
export async function backupDatabase(db: Db, dest: string): Promise<BackupResult> {
  const tmp = tempPath(dest);
  try {
    await db.backup(tmp);
    const check = new Database(tmp, { readonly: true, fileMustExist: true });
    let version: number;
    try {
      version = appliedMigrations(check).reduce((max, m) => Math.max(max, m.version), 0);
    } finally {
      check.close();
    }
    fs.renameSync(tmp, dest);
    fsyncDir(path.dirname(dest));
    return { file: dest, bytes: fs.statSync(dest).size, schemaVersion: version };
  } finally {
    removeWithSidecars(tmp);
  }
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export interface DatabaseFileInfo {
  schemaVersion: number;
  /** Migrations this build would apply on the next start. */
  pending: number;
}

/**
 * inspectDatabaseFile validates a file as a restorable wgpilot database for this build and
 * throws DbError('restore') saying why not (the underlying DbError, if any, is the cause).
 */
export function inspectDatabaseFile(file: string, known: readonly Migration[]): DatabaseFileInfo {
  const fail = (why: string, cause?: unknown): DbError => new DbError('restore', `cannot restore ${file}: ${why}`, { cause });
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      head = Buffer.alloc(SQLITE_MAGIC.length);
      fs.readSync(fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw fail((err as Error).message, err);
  }
  if (!head.equals(SQLITE_MAGIC)) throw fail('it is not an SQLite database');
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw fail((err as Error).message, err);
  }
  try {
    const integrity = checkIntegrity(db);
    if (!integrity.ok) throw fail(`it is damaged (${integrity.problems.slice(0, 3).join('; ')})`);
    const applied = appliedMigrations(db);
    if (applied.length === 0) throw fail('it is not a wgpilot database (no schema_migrations)');
    const pending = pendingMigrations(applied, known);
    return { schemaVersion: Math.max(...applied.map((a) => a.version)), pending: pending.length };
  } catch (err) {
    if (err instanceof DbError && err.code === 'restore') throw err;
    throw fail((err as Error).message, err);
  } finally {
    db.close();
  }
}

/** restoreDatabase validates `source` and atomically replaces `target` with a copy of it. */
export async function restoreDatabase(source: string, target: string, known: readonly Migration[]): Promise<DatabaseFileInfo> {
  const info = inspectDatabaseFile(source, known);
  const tmp = tempPath(target);
  try {
    const src = new Database(source, { readonly: true, fileMustExist: true });
    try {
      await src.backup(tmp);
    } finally {
      src.close();
    }
    const copy = new Database(tmp, { fileMustExist: true });
    try {
      const rows = copy.pragma('quick_check') as { quick_check: string }[];
      if (rows.some((r) => r.quick_check !== 'ok')) throw new DbError('restore', `cannot restore ${source}: the copy failed its check`);
      // The live file runs in WAL mode; keep the restored one the same.
      copy.pragma('journal_mode = WAL');
    } finally {
      copy.close();
    }
    if (fs.existsSync(target)) quiesce(target);
    fs.renameSync(tmp, target);
    fsyncDir(path.dirname(target));
    return info;
  } finally {
    removeWithSidecars(tmp);
  }
}

/**
 * quiesce makes sure nobody else has `file` open and its WAL is folded in and gone, so the
 * rename leaves no stale -wal/-shm that SQLite would replay into the restored file.
 */
function quiesce(file: string): void {
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (err) {
    throw new DbError('restore', `cannot restore over ${file}: the database is in use (close the agent's connection first)`, { cause: err });
  } finally {
    db.close();
  }
  for (const suffix of ['-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
}

/** removeWithSidecars deletes a temp database and any -wal/-shm a connection left beside it. */
function removeWithSidecars(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

function tempPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
