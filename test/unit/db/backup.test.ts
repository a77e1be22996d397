// db/backup.ts: integrity check, online backup while in use, and validated atomic restore.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backupDatabase, checkIntegrity, inspectDatabaseFile, restoreDatabase } from '../../../agent/src/db/backup.js';
import { DbError } from '../../../agent/src/db/errors.js';
import { createRepositories, openAndMigrate } from '../../../agent/src/db/index.js';
import { migrate } from '../../../agent/src/db/migrate.js';
import { bundledMigrations, migrationFromSource } from '../../../agent/src/db/migrations.js';
import { openDatabase } from '../../../agent/src/db/open.js';
import { freshDb, key, networkInput, tempDir } from './helpers.js';

const known = bundledMigrations();

async function rejection(p: Promise<unknown>): Promise<DbError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DbError) return err;
    throw err;
  }
  throw new Error('expected a DbError');
}

describe('checkIntegrity', () => {
  it('is ok on a healthy database', () => {
    expect(checkIntegrity(freshDb().db)).toEqual({ ok: true, problems: [] });
  });

  it('reports foreign key violations written behind its back', () => {
    const { db } = freshDb();
    db.pragma('foreign_keys = OFF');
    db.prepare("INSERT INTO peers (network_id, name, address4, public_key) VALUES (42, 'ghost', '10.0.0.2', 'k')").run();
    db.pragma('foreign_keys = ON');
    expect(checkIntegrity(db)).toEqual({ ok: false, problems: ['peers row 1 refers to a missing networks row'] });
  });
});

describe('backup and restore', () => {
  it('backs up a database in use and restores it', async () => {
    const { db, repos, file } = freshDb();
    const net = repos.networks.create(networkInput());
    repos.peers.createAllocating({ name: 'alice', publicKey: key(1), privateKeySealed: null }, net);
    const dest = path.join(tempDir(), 'backup.db');
    const result = await backupDatabase(db, dest);
    expect(result).toEqual({ file: dest, bytes: fs.statSync(dest).size, schemaVersion: 1 });
    expect(fs.readdirSync(path.dirname(dest))).toEqual(['backup.db']);

    // Changes after the backup are undone by the restore.
    repos.peers.createAllocating({ name: 'bob', publicKey: key(2), privateKeySealed: null }, net);
    db.close();
    expect(await restoreDatabase(dest, file, known)).toEqual({ schemaVersion: 1, pending: 0 });
    const { db: again } = openAndMigrate(file);
    try {
      expect(createRepositories(again).peers.list().map((p) => p.name)).toEqual(['alice']);
      expect(checkIntegrity(again).ok).toBe(true);
      expect(again.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      again.close();
    }
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('refuses to restore over a database that is still open', async () => {
    const { db, file } = freshDb();
    const dest = path.join(tempDir(), 'b.db');
    await backupDatabase(db, dest);
    const err = await rejection(restoreDatabase(dest, file, known));
    expect(err).toMatchObject({ code: 'restore', message: `cannot restore over ${file}: the database is in use (close the agent's connection first)` });
  });

  it('restores into a place where no database exists yet', async () => {
    const { db } = freshDb();
    const dest = path.join(tempDir(), 'b.db');
    await backupDatabase(db, dest);
    const target = path.join(tempDir(), 'new.db');
    await restoreDatabase(dest, target, known);
    expect(inspectDatabaseFile(target, known)).toEqual({ schemaVersion: 1, pending: 0 });
  });

  it('refuses a file that is not SQLite', async () => {
    const bogus = path.join(tempDir(), 'notes.db');
    fs.writeFileSync(bogus, 'this is not a database at all, just some text\n'.repeat(10));
    const err = await rejection(restoreDatabase(bogus, path.join(tempDir(), 't.db'), known));
    expect(err).toMatchObject({ code: 'restore', message: `cannot restore ${bogus}: it is not an SQLite database` });
  });

  it('refuses an SQLite file that is not a wgpilot database', () => {
    const other = path.join(tempDir(), 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(() => inspectDatabaseFile(other, known)).toThrow(`cannot restore ${other}: it is not a wgpilot database (no schema_migrations)`);
  });

  it('refuses a damaged file', () => {
    const { db, repos, file } = freshDb();
    const net = repos.networks.create(networkInput());
    for (let i = 0; i < 200; i++) repos.peers.createAllocating({ name: `p${i}`, publicKey: key(i % 250), privateKeySealed: null }, net);
    const page = Number(db.pragma('page_size', { simple: true }));
    db.close();
    // Overwrite two b-tree pages after the schema page with garbage; the header stays intact.
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(page * 2, 0xab), 0, page * 2, page * 4);
    fs.closeSync(fd);
    const err = (() => {
      try {
        inspectDatabaseFile(file, known);
      } catch (e) {
        return e as DbError;
      }
      throw new Error('expected an error');
    })();
    expect(err.code).toBe('restore');
    expect(err.message).toMatch(new RegExp(`^cannot restore ${file}: (it is damaged|database disk image is malformed)`));
  });

  it('refuses a backup from a newer agent, keeping the reason as cause', async () => {
    const newer = path.join(tempDir(), 'newer.db');
    const db = openDatabase(newer);
    migrate(db, [...known, migrationFromSource({ file: '002_future.sql', sql: 'CREATE TABLE future (x);' })]);
    db.close();
    const err = await rejection(restoreDatabase(newer, path.join(tempDir(), 't.db'), known));
    expect(err.code).toBe('restore');
    expect(err.message).toContain('this build knows up to 1');
    expect((err.cause as DbError).code).toBe('schema-too-new');
  });

  it('accepts an older backup and reports the migrations it will get', () => {
    const older = path.join(tempDir(), 'older.db');
    const db = openDatabase(older);
    migrate(db, known);
    db.close();
    const future = [...known, migrationFromSource({ file: '002_next.sql', sql: 'CREATE TABLE next (x);' })];
    expect(inspectDatabaseFile(older, future)).toEqual({ schemaVersion: 1, pending: 1 });
  });
});
