/**
 * WireGuardGoSupervisor against a fake daemon (test/support/wireguard/fake-wireguard-go.mjs):
 * readiness, failed and slow starts, crash detection, restart, SIGTERM -> SIGKILL escalation.
 * No root, no tun: the fake serves a minimal UAPI in a temporary socket directory.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ProcessExit, WireGuardGoSupervisor, type WireGuardGoOptions } from '../../../agent/src/wireguard/supervisor.js';
import { UserspaceBackend } from '../../../agent/src/wireguard/userspace.js';
import { isAlive } from '../../support/wireguard/proc.js';

const FAKE = fileURLToPath(new URL('../../support/wireguard/fake-wireguard-go.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wgpilot-sup-'));
const started: WireGuardGoSupervisor[] = [];

function supervisor(name: string, opts: Partial<WireGuardGoOptions> = {}, env: Record<string, string> = {}): WireGuardGoSupervisor {
  const s = new WireGuardGoSupervisor({
    name,
    binary: 'wireguard-go',
    commandPrefix: [process.execPath, FAKE],
    socketDir: dir,
    env: { FAKE_WG_SOCKET_DIR: dir, ...env },
    startTimeoutMs: 3_000,
    stopTimeoutMs: 500,
    ...opts,
  });
  started.push(s);
  return s;
}


afterEach(async () => {
  await Promise.allSettled(started.splice(0).map((s) => s.stop()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WireGuardGoSupervisor', () => {
  it('starts the daemon with `-f <name>` and resolves once its socket answers', async () => {
    const s = supervisor('wgs0');
    await s.start();
    expect(isAlive(s.pid)).toBe(true);
    expect(existsSync(join(dir, 'wgs0.sock'))).toBe(true);
    expect(s.output()).toMatch(/fake wireguard-go for wgs0/);
  });

  it('waits for a slow daemon', async () => {
    const s = supervisor('wgs1', {}, { FAKE_WG_DELAY_MS: '300' });
    const t0 = Date.now();
    await s.start();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('fails a start that takes too long, with ETIMEDOUT, and kills the daemon', async () => {
    const s = supervisor('wgs2', { startTimeoutMs: 200 }, { FAKE_WG_DELAY_MS: '5000' });
    await expect(s.start()).rejects.toMatchObject({ name: 'WireGuardError', op: 'start', code: 'ETIMEDOUT' });
    expect(s.pid).toBeUndefined();
  });

  it('fails a daemon that exits during start, quoting its stderr', async () => {
    const s = supervisor('wgs3', {}, { FAKE_WG_FAIL: 'Failed to create TUN device: operation not permitted' });
    await expect(s.start()).rejects.toThrow(/exited during start \(exit code 1\): Failed to create TUN device/);
  });

  it('fails with ENOENT-like output when the binary does not exist', async () => {
    const s = new WireGuardGoSupervisor({ name: 'wgs4', binary: '/nonexistent/wireguard-go', socketDir: dir, startTimeoutMs: 1_000 });
    started.push(s);
    await expect(s.start()).rejects.toThrow(/spawn failed.*ENOENT/s);
  });

  it('reports an outside SIGKILL as an unexpected exit and removes the stale socket', async () => {
    const s = supervisor('wgs5');
    await s.start();
    const pid = s.pid;
    const exited = once(s, 'exit') as Promise<[ProcessExit]>;
    process.kill(pid ?? -1, 'SIGKILL');
    const [exit] = await exited;
    expect(exit).toMatchObject({ name: 'wgs5', pid, code: null, signal: 'SIGKILL', expected: false });
    expect(existsSync(join(dir, 'wgs5.sock'))).toBe(false);
  });

  it('restarts after a crash under a restart policy, up to maxRestarts', async () => {
    const s = supervisor('wgs6', { restart: { maxRestarts: 1, backoffMs: 20 } });
    await s.start();
    const restarted = once(s, 'restart') as Promise<[{ attempt: number; pid: number }]>;
    process.kill(s.pid ?? -1, 'SIGKILL');
    const [info] = await restarted;
    expect(info.attempt).toBe(1);
    expect(isAlive(info.pid)).toBe(true);
    // The second crash exceeds maxRestarts: reported, not restarted.
    const exited = once(s, 'exit') as Promise<[ProcessExit]>;
    process.kill(info.pid, 'SIGKILL');
    await exited;
    await new Promise((r) => setTimeout(r, 100));
    expect(s.pid).toBeUndefined();
  });

  it('stops with SIGTERM, reporting an expected exit before stop() resolves', async () => {
    const s = supervisor('wgs7');
    await s.start();
    const pid = s.pid;
    const exits: ProcessExit[] = [];
    s.on('exit', (e) => exits.push(e));
    await s.stop();
    expect(exits).toMatchObject([{ expected: true, code: 0, signal: null }]);
    expect(isAlive(pid)).toBe(false);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const s = supervisor('wgs8', { stopTimeoutMs: 200 }, { FAKE_WG_IGNORE_TERM: '1' });
    await s.start();
    const pid = s.pid;
    const t0 = Date.now();
    const exited = once(s, 'exit') as Promise<[ProcessExit]>;
    await s.stop();
    const [exit] = await exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(180);
    expect(isAlive(pid)).toBe(false);
  });

  it('does not restart a daemon that stop() ended, even with a restart policy', async () => {
    const s = supervisor('wgs9', { restart: { maxRestarts: 5, backoffMs: 10 } });
    await s.start();
    const restarts: unknown[] = [];
    s.on('restart', (r) => restarts.push(r));
    await s.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(restarts).toEqual([]);
    expect(s.pid).toBeUndefined();
  });
});

describe('UserspaceBackend over the fake daemon', () => {
  it('creates, reads, configures and on close() stops every daemon it started', async () => {
    const b = new UserspaceBackend({ socketDir: dir, daemon: { commandPrefix: [process.execPath, FAKE], env: { FAKE_WG_SOCKET_DIR: dir } } });
    await b.createDevice('wgb0');
    await b.createDevice('wgb1');
    await expect(b.createDevice('wgb0')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await b.devices()).toEqual(['wgb0', 'wgb1']);
    await b.configureDevice('wgb0', { listenPort: 51999 });
    expect(await b.device('wgb0')).toEqual({ name: 'wgb0', type: 'userspace', listenPort: 51999, firewallMark: 0, peers: [] });
    const pids = ['wgb0', 'wgb1'].map((n) => b.supervisor(n)?.pid);
    await b.close();
    expect(pids.some(isAlive)).toBe(false);
    expect(await new UserspaceBackend({ socketDir: dir }).devices()).toEqual([]);
    await expect(b.createDevice('wgb2')).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('kills its daemons from a process exit hook when Node exits without close()', async () => {
    const child = fileURLToPath(new URL('../../support/wireguard/exit-without-close.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const { stdout, stderr } = await promisify(execFile)(tsx, [child, dir, FAKE], { timeout: 30_000 });
    const pids = JSON.parse(stdout) as number[];
    expect(pids).toHaveLength(12);
    await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter(isAlive)).toEqual([]);
    expect(stderr).not.toMatch(/MaxListenersExceeded/);
    // The hook also removes the sockets SIGKILL leaves behind.
    expect(await new UserspaceBackend({ socketDir: dir }).devices()).toEqual([]);
  });

  it('refuses to delete a device it did not start unless given a deleteLink hook', async () => {
    const deleted: string[] = [];
    const b = new UserspaceBackend({ socketDir: dir, deleteLink: async (n) => void deleted.push(n) });
    await expect(new UserspaceBackend({ socketDir: dir }).deleteDevice('wgother')).rejects.toMatchObject({ code: 'ESRCH' });
    await b.deleteDevice('wgother');
    expect(deleted).toEqual(['wgother']);
  });
});
