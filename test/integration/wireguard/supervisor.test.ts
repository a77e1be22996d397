/**
 * The wireguard-go supervisor against the real daemon: death by SIGKILL is reported (and the
 * stale socket removed), a restart policy brings the device back, and close() leaves nothing.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireGuardError } from '../../../agent/src/wireguard/errors.js';
import { generateKeyPair } from '../../../agent/src/wireguard/keys.js';
import type { ProcessExit } from '../../../agent/src/wireguard/supervisor.js';
import { WireGuardGoSupervisor } from '../../../agent/src/wireguard/supervisor.js';
import { UserspaceBackend } from '../../../agent/src/wireguard/userspace.js';
import { isAlive, NetnsLab, nsPids } from './netns.js';

const lab = new NetnsLab();
let ns = '';
const backends: UserspaceBackend[] = [];

beforeAll(async () => {
  ns = await lab.ns('s');
});

afterAll(async () => {
  try {
    await Promise.allSettled(backends.map((b) => b.close()));
  } finally {
    await lab.cleanup();
  }
});

function backend(restart?: { maxRestarts: number; backoffMs: number }, inNs = ns): UserspaceBackend {
  const b = new UserspaceBackend({ daemon: { commandPrefix: ['ip', 'netns', 'exec', inNs], ...(restart ? { restart } : {}) } });
  backends.push(b);
  return b;
}

describe('WireGuardGoSupervisor with the real wireguard-go', () => {
  it('reports a kill -9 as an unexpected exit and removes the stale socket', async () => {
    const b = backend();
    const name = lab.ifname('k');
    await b.createDevice(name);
    const pid = b.supervisor(name)?.pid ?? -1;
    expect(isAlive(pid)).toBe(true);
    const exited = once(b, 'exit') as Promise<[ProcessExit]>;
    process.kill(pid, 'SIGKILL');
    const [exit] = await exited;
    expect(exit).toMatchObject({ name, pid, signal: 'SIGKILL', code: null, expected: false });
    expect(existsSync(`/var/run/wireguard/${name}.sock`)).toBe(false);
    const err = await b.device(name).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WireGuardError);
    expect((err as WireGuardError).code).toBe('ENOENT');
  });

  it('restarts a killed daemon under a restart policy; the device comes back empty', async () => {
    const b = backend({ maxRestarts: 2, backoffMs: 50 });
    const name = lab.ifname('r');
    await b.createDevice(name);
    await b.configureDevice(name, { privateKey: generateKeyPair().privateKey, listenPort: 51950 });
    const first = b.supervisor(name)?.pid ?? -1;
    const restarted = once(b, 'restart') as Promise<[{ name: string; pid: number; attempt: number }]>;
    process.kill(first, 'SIGKILL');
    const [info] = await restarted;
    expect(info).toMatchObject({ name, attempt: 1 });
    expect(info.pid).not.toBe(first);
    expect(isAlive(info.pid)).toBe(true);
    const d = await b.device(name);
    expect(d.privateKey).toBeUndefined();
    expect(d.listenPort).not.toBe(51950);
  });

  it('stops with SIGTERM on delete: the daemon removes its socket and tun itself', async () => {
    const b = backend();
    const name = lab.ifname('d');
    await b.createDevice(name);
    const pid = b.supervisor(name)?.pid ?? -1;
    const exited = once(b, 'exit') as Promise<[ProcessExit]>;
    await b.deleteDevice(name);
    const [exit] = await exited;
    expect(exit).toMatchObject({ expected: true, signal: null, code: 0 });
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(`/var/run/wireguard/${name}.sock`)).toBe(false);
    expect(await b.devices()).not.toContain(name);
  });

  it('close() stops every daemon it started and leaves no process in the namespace', async () => {
    const own = await lab.ns('c');
    const b = backend({ maxRestarts: 5, backoffMs: 10 }, own);
    const names = [lab.ifname('c1'), lab.ifname('c2'), lab.ifname('c3')];
    for (const n of names) await b.createDevice(n);
    const pids = names.map((n) => b.supervisor(n)?.pid ?? -1);
    expect(pids.every(isAlive)).toBe(true);
    await b.close();
    expect(pids.some(isAlive)).toBe(false);
    expect(await nsPids(own)).toEqual([]);
    for (const n of names) expect(existsSync(`/var/run/wireguard/${n}.sock`)).toBe(false);
    await expect(b.device(names[0] ?? '')).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('refuses to start a second daemon for a name whose socket already answers (EEXIST)', async () => {
    const b = backend();
    const name = lab.ifname('x');
    await b.createDevice(name);
    const other = new WireGuardGoSupervisor({ name, commandPrefix: ['ip', 'netns', 'exec', ns] });
    await expect(other.start()).rejects.toMatchObject({ name: 'WireGuardError', op: 'start', code: 'EEXIST' });
    expect(other.pid).toBeUndefined();
  });

  it('reports a daemon that fails to start with its own output', async () => {
    const sup = new WireGuardGoSupervisor({ name: lab.ifname('f'), commandPrefix: ['ip', 'netns', 'exec', `${ns}-missing`] });
    await expect(sup.start()).rejects.toThrow(/exited during start \(exit code \d+\):.*(No such file|Cannot open network namespace)/s);
  });
});
