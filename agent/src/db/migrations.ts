/**
 * Where migrations come from: the numbered SQL files in `migrations/` (NNN_name.sql).
 *
 * Two sources, one shape:
 * - The agent bundle carries them inside agent.mjs: build/agent-bundle.mjs reads the folder and
 *   passes it to esbuild as `define: { __WGPILOT_MIGRATIONS__: JSON.stringify([{file, sql}]) }`
 *   (the same mechanism as `__WGPILOT_VERSION__`), so a deployed agent cannot run with a
 *   migrations folder from another version.
 * - Unbundled runs (vitest, tsx) read the repository's `migrations/` folder at run time, found
 *   relative to this module.
 * `loadMigrationsFromDir` also serves tests that need a folder of their own.
 *
 * Design decisions:
 * - The checksum is SHA-256 of the text with line endings normalized to LF, so a checkout with
 *   CRLF conversion does not look like an edited migration.
 * - Versions must run 1, 2, 3, … without gaps or duplicates: a gap is nearly always a merge
 *   mistake, and it is better refused at start-up than discovered in a half-migrated database.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DbError } from './errors.js';

/** MigrationSource is a file name and its text, as the bundle embeds them. */
export interface MigrationSource {
  file: string;
  sql: string;
}

export interface Migration {
  version: number;
  /** The part after the number: "init" for 001_init.sql. */
  name: string;
  file: string;
  sql: string;
  /** Hex SHA-256 of the LF-normalized text. */
  checksum: string;
}

declare const __WGPILOT_MIGRATIONS__: readonly MigrationSource[] | undefined;

export const MIGRATION_FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

/** migrationFromSource checks the file name and computes the checksum. */
export function migrationFromSource(src: MigrationSource): Migration {
  const m = MIGRATION_FILE.exec(src.file);
  if (!m) {
    throw new DbError('migration', `migration file name '${src.file}' does not match NNN_name.sql (three digits, lower-case name)`);
  }
  return { version: Number(m[1]), name: m[2] ?? '', file: src.file, sql: src.sql, checksum: migrationChecksum(src.sql) };
}

/** orderMigrations sorts by version and checks the sequence is 1..n without gaps or duplicates. */
export function orderMigrations(list: readonly Migration[]): Migration[] {
  const sorted = [...list].sort((a, b) => a.version - b.version);
  for (const [i, m] of sorted.entries()) {
    if (m.version !== i + 1) {
      const prev = sorted[i - 1];
      const why = prev && prev.version === m.version ? `${prev.file} and ${m.file} share version ${m.version}` : `expected version ${i + 1}, found ${m.file}`;
      throw new DbError('migration', `migrations must be numbered 001, 002, … without gaps: ${why}`);
    }
  }
  return sorted;
}

/** loadMigrationsFromDir reads every *.sql file of `dir` (other files, e.g. README.md, are skipped). */
export function loadMigrationsFromDir(dir: string): Migration[] {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.sql'));
  } catch (err) {
    throw new DbError('migration', `cannot read migrations folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
  return orderMigrations(files.map((file) => migrationFromSource({ file, sql: fs.readFileSync(path.join(dir, file), 'utf8') })));
}

/** repoMigrationsDir is `<repository>/migrations`, seen from agent/src/db/. */
export function repoMigrationsDir(): string {
  return fileURLToPath(new URL('../../../migrations/', import.meta.url));
}

/**
 * bundledMigrations returns the migrations this build carries: embedded by the bundler when
 * built, otherwise read from the repository folder.
 */
export function bundledMigrations(): Migration[] {
  if (typeof __WGPILOT_MIGRATIONS__ !== 'undefined') {
    return orderMigrations(__WGPILOT_MIGRATIONS__.map(migrationFromSource));
  }
  try {
    return loadMigrationsFromDir(repoMigrationsDir());
  } catch (err) {
    throw new DbError(
      'migration',
      `${(err as Error).message} (a bundled agent carries its migrations only when built with the ` +
        '__WGPILOT_MIGRATIONS__ define, see build/agent-bundle.mjs)',
      { cause: err },
    );
  }
}
