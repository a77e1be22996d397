// db/open.ts, db/migrate.ts, db/migrations.ts: connection settings, the migration runner and its
// refusals, and both migration sources (repository folder, bundle-embedded via esbuild define).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { appliedMigrations, migrate, schemaVersion } from '../../../agent/src/db/migrate.js';
import {
  bundledMigrations,
  loadMigrationsFromDir,
  migrationChecksum,
  migrationFromSource,
  repoMigrationsDir,
  type Migration,
} from '../../../agent/src/db/migrations.js';
import { openDatabase } from '../../../agent/src/db/open.js';
import { catchDb, tempDir } from './helpers.js';

const m = (file: string, sql: string): Migration => migrationFromSource({ file, sql });
const init = bundledMigrations();
describe('openDatabase', () => {
  it('sets WAL, foreign keys, synchronous=NORMAL and a busy timeout', () => {
    const db = openDatabase(path.join(tempDir(), 'a.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
  });

  it('opens read-only only what exists', () => {
    expect(() => openDatabase(path.join(tempDir(), 'missing.db'), { readonly: true })).toThrow();
  });
});

describe('migrate', () => {
  it('applies 001_init on a new database and records it with its checksum', () => {
    const db = openDatabase(path.join(tempDir(), 'a.db'));
    const report = migrate(db, init, { clock: () => new Date(1_000) });
    expect(report).toEqual({ applied: init, version: 1 });
    expect(appliedMigrations(db)).toEqual([{ version: 1, name: 'init', checksum: init[0]?.checksum, appliedAt: new Date(1_000) }]);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual([
      'alert_events', 'alert_rules', 'audit_log', 'bridges', 'networks', 'owned_interfaces', 'peers', 'pending_ops', 'schema_migrations', 'settings', 'transfer_snapshots',
    ]);
    db.close();
  });

  it('re-applying is a no-op', () => {
    const file = path.join(tempDir(), 'a.db');
    migrate(openDatabase(file), init);
    const db = openDatabase(file);
    expect(migrate(db, init)).toEqual({ applied: [], version: 1 });
    expect(appliedMigrations(db)).toHaveLength(1);
    db.close();
  });

  it('applies only what is pending, all pending ones in one go', () => {
    const db = openDatabase(':memory:');
    migrate(db, init);
    const more = [...init, m('002_a.sql', 'CREATE TABLE a (x);'), m('003_b.sql', 'CREATE TABLE b (x);')];
    expect(migrate(db, more).applied.map((x) => x.file)).toEqual(['002_a.sql', '003_b.sql']);
    expect(schemaVersion(db)).toBe(3);
  });

  it('refuses an edited migration that was already applied', () => {
    const db = openDatabase(':memory:');
    migrate(db, init);
    const edited = [m('001_init.sql', `${init[0]?.sql ?? ''}\nCREATE TABLE sneaky (x);\n`)];
    const err = catchDb(() => migrate(db, edited));
    expect(err.code).toBe('checksum-mismatch');
    expect(err.message).toMatch(/^migration 001_init\.sql was changed after it was applied \(checksum [0-9a-f]{12}… in the database, [0-9a-f]{12}… in this build\); restore the original file/);
  });

  it('refuses a database with a newer schema than this build knows', () => {
    const db = openDatabase(':memory:');
    migrate(db, [...init, m('002_future.sql', 'CREATE TABLE future (x);')]);
    const err = catchDb(() => migrate(db, init));
    expect(err.code).toBe('schema-too-new');
    expect(err.message).toBe(
      'the database is at schema version 2, this build knows up to 1: it was written by a newer wgpilot agent; upgrade the agent instead of running an older one on it',
    );
  });

  it('refuses a pending migration older than an applied one (a merge mistake)', () => {
    const db = openDatabase(':memory:');
    const a = m('001_a.sql', 'CREATE TABLE a (x);');
    const c = m('003_c.sql', 'CREATE TABLE c (x);');
    migrate(db, [a, c]); // a build that had 003 but not yet 002
    const err = catchDb(() => migrate(db, [a, m('002_b.sql', 'CREATE TABLE b (x);'), c]));
    expect(err.code).toBe('migration');
    expect(err.message).toBe('migration 002_b.sql is pending but version 3 is already applied; migrations must be added in order');
  });

  it('a different migration under an applied version number counts as edited', () => {
    const db = openDatabase(':memory:');
    migrate(db, [m('001_a.sql', 'CREATE TABLE a (x);')]);
    expect(catchDb(() => migrate(db, [m('001_b.sql', 'CREATE TABLE b (x);')])).code).toBe('checksum-mismatch');
  });

  it('rolls the whole batch back when one migration fails', () => {
    const db = openDatabase(':memory:');
    const batch = [m('001_a.sql', 'CREATE TABLE a (x);'), m('002_bad.sql', 'CREATE TABLE b (x); INSERT INTO nowhere VALUES (1);')];
    const err = catchDb(() => migrate(db, batch));
    expect(err.code).toBe('migration');
    expect(err.message).toBe('migration 002_bad.sql failed: no such table: nowhere');
    expect(err.cause).toBeInstanceOf(Error);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('a', 'b', 'schema_migrations')").pluck().get()).toBe(0);
  });

  it('refuses migrations that control transactions, but allows trigger bodies', () => {
    const db = openDatabase(':memory:');
    expect(catchDb(() => migrate(db, [m('001_a.sql', 'BEGIN;\nCREATE TABLE a (x);\nCOMMIT;')])).message).toBe(
      'migration 001_a.sql controls transactions itself; the runner wraps every batch in one',
    );
    const trigger = 'CREATE TABLE a (x);\nCREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  SELECT 1;\nEND;\n';
    expect(migrate(db, [m('001_a.sql', trigger)]).version).toBe(1);
  });

  it('runs a table rebuild with foreign keys off when the migration asks, and checks them after', () => {
    const db = openDatabase(':memory:');
    const base = m('001_a.sql', 'CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (p INTEGER REFERENCES p (id));\nINSERT INTO p VALUES (1);\nINSERT INTO c VALUES (1);');
    migrate(db, [base]);
    const rebuild = m(
      '002_rebuild.sql',
      '-- wgpilot: foreign_keys=off\nCREATE TABLE p2 (id INTEGER PRIMARY KEY, note TEXT);\nINSERT INTO p2 SELECT id, NULL FROM p;\nDROP TABLE p;\nALTER TABLE p2 RENAME TO p;',
    );
    expect(migrate(db, [base, rebuild]).version).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const breaking = m('003_break.sql', '-- wgpilot: foreign_keys=off\nDELETE FROM p;');
    expect(catchDb(() => migrate(db, [base, rebuild, breaking])).message).toBe('migrations left 1 foreign key violation(s); rolled back');
    expect(schemaVersion(db)).toBe(2);
  });

  it('leaves the schema with no foreign key violations and a clean integrity check', () => {
    const db = openDatabase(':memory:');
    migrate(db, init);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});

describe('migration sources', () => {
  it('reads NNN_name.sql files in order and skips other files', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '002_two.sql'), 'SELECT 2;');
    fs.writeFileSync(path.join(dir, '001_one.sql'), 'SELECT 1;');
    fs.writeFileSync(path.join(dir, 'README.md'), '# notes');
    expect(loadMigrationsFromDir(dir).map((x) => [x.version, x.name])).toEqual([[1, 'one'], [2, 'two']]);
  });

  it.each([
    [['001_a.sql', '003_c.sql'], 'migrations must be numbered 001, 002, … without gaps: expected version 2, found 003_c.sql'],
    [['001_a.sql', '001_b.sql'], 'migrations must be numbered 001, 002, … without gaps: 001_a.sql and 001_b.sql share version 1'],
    [['1_a.sql'], "migration file name '1_a.sql' does not match NNN_name.sql (three digits, lower-case name)"],
    [['001_Init.sql'], "migration file name '001_Init.sql' does not match NNN_name.sql (three digits, lower-case name)"],
  ])('refuses %j', (files, message) => {
    const dir = tempDir();
    for (const f of files) fs.writeFileSync(path.join(dir, f), 'SELECT 1;');
    expect(() => loadMigrationsFromDir(dir)).toThrow(message);
  });

  it('ignores line-ending conversion in checksums', () => {
    expect(migrationChecksum('CREATE TABLE a (x);\r\nSELECT 1;\r\n')).toBe(migrationChecksum('CREATE TABLE a (x);\nSELECT 1;\n'));
  });

  it('unbundled runs read the repository migrations folder', () => {
    expect(init.map((x) => x.file)).toEqual(fs.readdirSync(repoMigrationsDir()).filter((f) => f.endsWith('.sql')).sort());
  });

  it('a bundle built with the __WGPILOT_MIGRATIONS__ define carries them and reads no folder', async () => {
    const dir = tempDir();
    const sources = [{ file: '001_embedded.sql', sql: 'CREATE TABLE embedded (x);' }];
    const outfile = path.join(dir, 'bundle.mjs');
    const entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(entry, `export { bundledMigrations } from ${JSON.stringify(path.resolve('agent/src/db/migrations.ts'))};\n`);
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
      define: { __WGPILOT_MIGRATIONS__: JSON.stringify(sources) },
    });
    const mod = (await import(pathToFileURL(outfile).href)) as { bundledMigrations: () => Migration[] };
    expect(mod.bundledMigrations()).toEqual([migrationFromSource(sources[0]!)]);
  });
});
