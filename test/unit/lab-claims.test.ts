/**
 * Lab claims (test/lab/claims.ts) without root: a block and a name per live lab, refusals that
 * name the holder, idempotent re-claims, stale claims taken over, a race with one winner, and
 * the root-namespace address probe for labs that hold no claim.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addressHolder, claimLab, LabConflictError, releaseLab } from '../lab/claims.js';

let dir: string;
let alive: Set<string>;
const opts = () => ({ dir, isAlive: async (lab: string) => alive.has(lab), now: () => new Date('2026-05-06T07:08:09Z') });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-claims-'));
  alive = new Set();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(LabConflictError);
  return (err as Error).message;
}

describe('lab claims', () => {
  it('refuses a second lab on a block a live lab holds, naming it', async () => {
    await claimLab('wgl', 18, opts());
    alive.add('wgl');
    const msg = await refusal(claimLab('foo', 18, opts()));
    expect(msg).toBe(
      `address block 198.18.0.0/16 is in use by lab 'wgl' (198.18.0.0/16, taken by pid ${process.pid} at 2026-05-06T07:08:09.000Z); bring it down first (npm run lab -- down --name wgl) or use the other block (--block 19)`,
    );
    // The refused lab keeps no claim of its name either.
    expect(fs.readdirSync(dir).sort()).toEqual(['block-18.json', 'name-wgl.json']);
    await claimLab('foo', 19, opts());
  });

  it('refuses one name on two blocks', async () => {
    await claimLab('wgl', 18, opts());
    alive.add('wgl');
    expect(await refusal(claimLab('wgl', 19, opts()))).toBe("lab 'wgl' is already up on 198.18.0.0/16 (block 18); bring it down first (npm run lab -- down --name wgl) or use another name");
  });

  it('a second up of the same lab is fine (tests share one lab)', async () => {
    await claimLab('wgl', 18, opts());
    alive.add('wgl');
    await claimLab('wgl', 18, opts());
  });

  it('takes over a claim whose lab is gone', async () => {
    await claimLab('old', 18, opts());
    await claimLab('new', 18, opts());
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'block-18.json'), 'utf8')).lab).toBe('new');
  });

  it('release gives back only what the lab holds', async () => {
    await claimLab('wgl', 18, opts());
    await claimLab('wgx', 19, opts());
    await releaseLab('wgl', dir);
    await releaseLab('nobody', dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['block-19.json', 'name-wgx.json']);
  });

  it('two labs racing for one block: exactly one wins', async () => {
    const results = await Promise.allSettled([claimLab('aaa', 18, { ...opts(), isAlive: async () => true }), claimLab('bbb', 18, { ...opts(), isAlive: async () => true })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(LabConflictError)]);
  });

  it('finds an unclaimed lab by its root-namespace address', () => {
    const ip = JSON.stringify([
      { ifname: 'eth0', addr_info: [{ family: 'inet', local: '10.0.2.15', prefixlen: 24 }] },
      { ifname: 'wgl-root', addr_info: [{ family: 'inet', local: '198.18.0.1', prefixlen: 30 }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }] },
    ]);
    expect(addressHolder(ip, 18, 'foo-root')).toEqual({ ifname: 'wgl-root', address: '198.18.0.1/30' });
    expect(addressHolder(ip, 18, 'wgl-root')).toBeNull();
    expect(addressHolder(ip, 19, 'foo-root')).toBeNull();
  });
});
