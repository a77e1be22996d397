/**
 * The migration runner: brings a database to the schema this build knows, or refuses.
 *
 * Every start: read `schema_migrations`, compare with the build's migrations, then apply all
 * pending ones in ONE immediate transaction (all or nothing; a second process starting at the
 * same moment waits for the lock and then finds nothing left to do).
 *
 * Refusals, each a DbError with its own code:
 * - checksum-mismatch: an applied migration's file was edited afterwards. Editing a landed
 *   migration means databases in the field and fresh ones differ; add a new migration instead.
 * - schema-too-new: the database has versions this build does not know (a downgrade, or a
 *   restore of a newer backup). Running old code on it could drop data it does not understand.
 * - migration: a pending migration is older than an applied one (a merge mistake), or a
 *   statement failed (the transaction is rolled back, the database is as before).
 *
 * A migration may start with the line `-- wgpilot: foreign_keys=off` when it rebuilds a table
 * (SQLite's 12-step ALTER procedure); the runner then disables foreign keys around the batch
 * and runs PRAGMA foreign_key_check before committing. BEGIN/COMMIT inside files are refused.
 */
import { DbError } from './errors.js';
import type { Migration } from './migrations.js';
import { systemClock, type Clock, type Db } from './rows.js';

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
}

export interface MigrationReport {
  /** Migrations applied by this call, in order. */
  applied: Migration[];
  /** Schema version after the call. */
  version: number;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version     INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,
  checksum    TEXT    NOT NULL,
  applied_at  INTEGER NOT NULL
)`;

/** Statements that would break the runner's transaction (trigger bodies' BEGIN … END are fine). */
const TRANSACTION_CONTROL = /^\s*(BEGIN\s*(;|TRANSACTION\b|IMMEDIATE\b|EXCLUSIVE\b|DEFERRED\b)|COMMIT\b|ROLLBACK\b|END\s+TRANSACTION\b)/im;
const FK_OFF_DIRECTIVE = /^-- wgpilot: foreign_keys=off\s*$/m;

/** appliedMigrations lists what the database records as applied (empty for a new database). */
export function appliedMigrations(db: Db): AppliedMigration[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return [];
  const rows = db.prepare('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version').all() as {
    version: number;
    name: string;
    checksum: string;
    applied_at: number;
  }[];
  return rows.map((r) => ({ version: r.version, name: r.name, checksum: r.checksum, appliedAt: new Date(r.applied_at) }));
}

/** schemaVersion is the highest applied version (0 for a new database). */
export function schemaVersion(db: Db): number {
  return appliedMigrations(db).reduce((max, m) => Math.max(max, m.version), 0);
}

/**
 * pendingMigrations checks the applied list against the known one and returns what is left to
 * apply; throws the refusals described above. Pure, so restore can validate a file with it.
 */
export function pendingMigrations(applied: readonly AppliedMigration[], known: readonly Migration[]): Migration[] {
  const byVersion = new Map(known.map((m) => [m.version, m]));
  const newest = known.reduce((max, m) => Math.max(max, m.version), 0);
  for (const a of applied) {
    const m = byVersion.get(a.version);
    if (!m) {
      throw new DbError(
        'schema-too-new',
        `the database is at schema version ${Math.max(...applied.map((x) => x.version))}, this build knows up to ${newest}: ` +
          `it was written by a newer wgpilot agent; upgrade the agent instead of running an older one on it`,
      );
    }
    if (m.checksum !== a.checksum) {
      throw new DbError(
        'checksum-mismatch',
        `migration ${m.file} was changed after it was applied (checksum ${a.checksum.slice(0, 12)}… in the database, ` +
          `${m.checksum.slice(0, 12)}… in this build); restore the original file and put the change in a new migration`,
      );
    }
  }
  const done = new Set(applied.map((a) => a.version));
  const highestApplied = applied.reduce((max, a) => Math.max(max, a.version), 0);
  const pending = known.filter((m) => !done.has(m.version));
  const stale = pending.find((m) => m.version < highestApplied);
  if (stale) {
    throw new DbError('migration', `migration ${stale.file} is pending but version ${highestApplied} is already applied; migrations must be added in order`);
  }
  return pending;
}

/** migrate applies every pending migration in one transaction. */
export function migrate(db: Db, known: readonly Migration[], options: { clock?: Clock } = {}): MigrationReport {
  const clock = options.clock ?? systemClock;
  for (const m of known) {
    if (TRANSACTION_CONTROL.test(m.sql)) {
      throw new DbError('migration', `migration ${m.file} controls transactions itself; the runner wraps every batch in one`);
    }
  }
  // Cheap check outside the lock first, so an up-to-date database costs no write transaction.
  if (pendingMigrations(appliedMigrations(db), known).length === 0) {
    return { applied: [], version: schemaVersion(db) };
  }
  const fkOff = known.some((m) => FK_OFF_DIRECTIVE.test(m.sql));
  if (fkOff) db.pragma('foreign_keys = OFF');
  try {
    const run = db.transaction((): Migration[] => {
      db.exec(CREATE_TABLE);
      const pending = pendingMigrations(appliedMigrations(db), known);
      const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
      for (const m of pending) {
        try {
          db.exec(m.sql);
        } catch (err) {
          throw new DbError('migration', `migration ${m.file} failed: ${(err as Error).message}`, { cause: err });
        }
        record.run(m.version, m.name, m.checksum, clock().getTime());
      }
      const violations = db.pragma('foreign_key_check') as unknown[];
      if (violations.length > 0) {
        throw new DbError('integrity', `migrations left ${violations.length} foreign key violation(s); rolled back`);
      }
      return pending;
    });
    const applied = run.immediate();
    return { applied, version: schemaVersion(db) };
  } finally {
    if (fkOff) db.pragma('foreign_keys = ON');
  }
}
