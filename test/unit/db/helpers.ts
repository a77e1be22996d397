/**
 * Test helpers for the database tier: throwaway directories and migrated databases with a
 * controllable clock and a real SecretBox (fixed key), so repositories run exactly as in the
 * agent, on real SQLite files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { createRepositories, openAndMigrate, type Repositories } from '../../../agent/src/db/index.js';
import type { Db } from '../../../agent/src/db/rows.js';
import { DbError } from '../../../agent/src/db/errors.js';
import type { NewNetwork } from '../../../agent/src/db/networks.js';
import { SecretBox } from '../../../agent/src/secrets/box.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

/** tempDir makes a directory removed after the test. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgpilot-db-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** TestClock starts at a fixed instant and moves only when told. */
export class TestClock {
  constructor(public now = new Date('2026-11-25T12:00:00.000Z')) {}
  readonly fn = (): Date => new Date(this.now);
  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }
}

export const box = new SecretBox(Buffer.alloc(32, 0x42));

export interface TestDb {
  db: Db;
  file: string;
  repos: Repositories;
  clock: TestClock;
}

/** freshDb opens a migrated database in a temp dir; closed after the test. */
export function freshDb(file = path.join(tempDir(), 'agent.db')): TestDb {
  const clock = new TestClock();
  const { db } = openAndMigrate(file, { clock: clock.fn });
  cleanups.push(() => db.open && db.close());
  return { db, file, repos: createRepositories(db, { clock: clock.fn }), clock };
}

/** networkInput is a valid dual-stack gateway network; override what the test is about. */
export function networkInput(over: Partial<NewNetwork> = {}): NewNetwork {
  return {
    name: 'office',
    interface: 'wg0',
    mode: 'gateway',
    subnet4: '10.8.0.0/24',
    address4: '10.8.0.1',
    subnet6: 'fd42:42:42::/64',
    address6: 'fd42:42:42::1',
    listenPort: 51820,
    privateKeySealed: box.seal('QOZyXUWUPn31wtk/wYAOy5k2wUSRDwKpDCd3mBNCQkk='),
    publicKey: 'CP4XsP8XobMSUTnBAy+2qMXC/uMsBXwY7ZMmWx0ZJgU=',
    dns: ['10.8.0.1'],
    endpointHost: 'vpn.example.net',
    ...over,
  };
}

/** key makes a distinct, well-formed base64 key from a small number. */
export function key(n: number): string {
  return Buffer.alloc(32, n).toString('base64');
}

/** catchDb runs fn and returns the DbError it throws (anything else, or nothing, fails). */
export function catchDb(fn: () => unknown): DbError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DbError) return err;
    throw err;
  }
  throw new Error('expected a DbError');
}
