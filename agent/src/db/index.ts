/**
 * The database layer's entry point for the composition root: open + migrate, and one object
 * holding every repository over one connection. Nothing here is a module-level singleton; the
 * caller owns the connection and closes it.
 */
import { AlertEventsRepo, AlertRulesRepo } from './alerts.js';
import { AuditRepo } from './audit.js';
import { BridgesRepo } from './bridges.js';
import { OwnedInterfacesRepo, PendingOpsRepo } from './kernel-bookkeeping.js';
import { migrate, type MigrationReport } from './migrate.js';
import { bundledMigrations, type Migration } from './migrations.js';
import { NetworksRepo } from './networks.js';
import { openDatabase, type OpenOptions } from './open.js';
import { PeersRepo } from './peers.js';
import { systemClock, type Clock, type Db } from './rows.js';
import { SettingsRepo } from './settings.js';
import { SnapshotsRepo } from './snapshots.js';

export interface Repositories {
  networks: NetworksRepo;
  peers: PeersRepo;
  bridges: BridgesRepo;
  snapshots: SnapshotsRepo;
  audit: AuditRepo;
  alertRules: AlertRulesRepo;
  alertEvents: AlertEventsRepo;
  settings: SettingsRepo;
  pendingOps: PendingOpsRepo;
  ownedInterfaces: OwnedInterfacesRepo;
}

/** createRepositories prepares every repository's statements on `db` (migrated already). */
export function createRepositories(db: Db, options: { clock?: Clock } = {}): Repositories {
  const clock = options.clock ?? systemClock;
  return {
    networks: new NetworksRepo(db, clock),
    peers: new PeersRepo(db, clock),
    bridges: new BridgesRepo(db, clock),
    snapshots: new SnapshotsRepo(db),
    audit: new AuditRepo(db, clock),
    alertRules: new AlertRulesRepo(db, clock),
    alertEvents: new AlertEventsRepo(db, clock),
    settings: new SettingsRepo(db),
    pendingOps: new PendingOpsRepo(db, clock),
    ownedInterfaces: new OwnedInterfacesRepo(db, clock),
  };
}

export interface OpenedDatabase {
  db: Db;
  migration: MigrationReport;
}

/**
 * openAndMigrate opens `file` and applies this build's migrations (or `migrations` when given);
 * refuses databases with edited migrations or a newer schema (DbError). Closes on failure.
 */
export function openAndMigrate(
  file: string,
  options: OpenOptions & { migrations?: readonly Migration[]; clock?: Clock } = {},
): OpenedDatabase {
  const db = openDatabase(file, options);
  try {
    const report = migrate(db, options.migrations ?? bundledMigrations(), { clock: options.clock ?? systemClock });
    return { db, migration: report };
  } catch (err) {
    db.close();
    throw err;
  }
}

export { DbError, type DbErrorCode } from './errors.js';
export { checkIntegrity, backupDatabase, restoreDatabase, inspectDatabaseFile } from './backup.js';
export { migrate, appliedMigrations, pendingMigrations, schemaVersion } from './migrate.js';
export { bundledMigrations, loadMigrationsFromDir, type Migration } from './migrations.js';
export { openDatabase } from './open.js';
export type { Clock, Db } from './rows.js';
