/**
 * kill -9 in the middle of creating 500 peers: the next start finds an intact database
 * (PRAGMA integrity_check), reports the interrupted write, and its reconcile makes the kernel
 * match the database exactly (device peers, allowed IPs, keepalives; checked with `wg show dump`).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE } from '../../../agent/src/services/index.js';
import { DomainEnv, run } from './env.js';

const env = new DomainEnv(190);
const CHILD = path.join(import.meta.dirname, 'children/crash-writer.ts');
let created = 0;
let iface = '';

beforeAll(async () => {
  await env.up();
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, env.stateDir, env.host, env.prefix, '500'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      iface = /network (\S+)/.exec(out)?.[1] ?? iface;
      created = Number([...out.matchAll(/created (\d+)/g)].pop()?.[1] ?? 0);
      if (created >= 120 && child.exitCode === null && !child.killed) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited ${code} before the kill`))));
  });
  await new Promise((r) => setTimeout(r, 100));
}, 120_000);

afterAll(async () => {
  await env.cleanup();
});

describe('kill -9 while creating 500 peers', () => {
  it('was killed midway', () => {
    expect(created).toBeGreaterThanOrEqual(120);
    expect(created).toBeLessThan(500);
  });

  it('leaves a database that passes PRAGMA integrity_check', () => {
    const db = new Database(path.join(env.stateDir, DB_FILE), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('restarts, reconciles, and the kernel matches the database', async () => {
    const s = await env.startAgent();
    const peers = s.core.repos.peers.list();
    // Every peer reported created is in the DB; at most the one being written when killed is extra.
    expect(peers.length).toBeGreaterThanOrEqual(created);
    expect(peers.length).toBeLessThanOrEqual(created + 1);
    expect(s.core.repos.pendingOps.list()).toEqual([]);
    const dump = (await run(['ip', 'netns', 'exec', env.host, 'wg', 'show', iface, 'dump'])).trim().split('\n').slice(1).map((l) => l.split('\t'));
    const byKey = new Map(dump.map((f) => [f[0], f]));
    expect([...byKey.keys()].sort()).toEqual(peers.map((p) => p.publicKey).sort());
    for (const p of peers) {
      const f = byKey.get(p.publicKey) ?? [];
      expect(f[1] !== '(none)').toBe(p.hasPresharedKey);
      expect(f[3]).toBe(`${p.address4}/32`);
      expect(f[7]).toBe(p.persistentKeepalive === 0 ? 'off' : String(p.persistentKeepalive));
    }
    expect((await s.reconciler.reconcileOnce()).fixed).toEqual([]);
  });
});
