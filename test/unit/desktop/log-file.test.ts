/**
 * The desktop log: readable lines, rotation by size into a fixed number of generations, the
 * tail the browser-mode "Open logs" view shows (across a rotation, from a line start), secrets
 * redacted, a broken log falling back to stderr; the agent's stderr relayed with its levels;
 * HostManager logging a failed connect; `app.logs` through the desktop router.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentStderrRelay } from '../../../src-main/core/agent-stderr.js';
import { HostManager } from '../../../src-main/core/hosts.js';
import { formatLine, LogFile, openDesktopLog, type LogLevel } from '../../../src-main/core/log-file.js';
import { appPaths } from '../../../src-main/core/paths.js';
import { desktopRouter } from '../../../src-main/core/router.js';

const T = new Date('2026-03-04T05:06:07.089Z');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-log-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('log file', () => {
  it('writes readable lines, quoting only what needs it, redacting secrets', () => {
    expect(formatLine(T, 'warn', 'reconnect attempt failed', { host: 'lab', attempt: 2, message: 'connect ECONNREFUSED 127.0.0.1:22', sudoPassword: 'pw', ok: true })).toBe(
      '2026-03-04T05:06:07.089Z WARN  reconnect attempt failed host=lab attempt=2 message="connect ECONNREFUSED 127.0.0.1:22" sudoPassword=[redacted] ok=true',
    );
    expect(formatLine(T, 'info', 'two\nlines', { e: new Error('boom') })).toBe('2026-03-04T05:06:07.089Z INFO  two lines e="Error: boom"');
  });

  it('rotates at the size cap, keeping a fixed number of generations', () => {
    const f = new LogFile({ dir, maxBytes: 200, generations: 2, clock: () => T });
    for (let i = 0; i < 20; i++) f.write('info', `line ${String(i).padStart(2, '0')}`, { pad: 'x'.repeat(20) });
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(['wgpilot.log', 'wgpilot.log.1', 'wgpilot.log.2']);
    for (const name of files) expect(fs.statSync(path.join(dir, name)).size).toBeLessThanOrEqual(200);
    // The newest line is in the current file, and nothing is lost between generations.
    const all = ['wgpilot.log.2', 'wgpilot.log.1', 'wgpilot.log'].map((n) => fs.readFileSync(path.join(dir, n), 'utf8')).join('');
    const numbers = [...all.matchAll(/line (\d\d)/g)].map((m) => Number(m[1]));
    expect(numbers.at(-1)).toBe(19);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
    expect(fs.statSync(path.join(dir, 'wgpilot.log')).mode & 0o777).toBe(0o600);
  });

  it('continues an existing file across restarts (size counted from disk)', () => {
    new LogFile({ dir, maxBytes: 120, clock: () => T }).write('info', 'first', { pad: 'y'.repeat(40) });
    new LogFile({ dir, maxBytes: 120, clock: () => T }).write('info', 'second', { pad: 'y'.repeat(40) });
    expect(fs.readFileSync(path.join(dir, 'wgpilot.log.1'), 'utf8')).toContain('first');
    expect(fs.readFileSync(path.join(dir, 'wgpilot.log'), 'utf8')).toContain('second');
  });

  it('tail: the newest lines, reaching into the previous generation, from a line start', () => {
    const f = new LogFile({ dir, maxBytes: 300, clock: () => T });
    for (let i = 0; i < 12; i++) f.write('info', `entry ${i}`, { pad: 'z'.repeat(30) });
    const whole = (f.tail(1 << 20).match(/entry \d+/g) ?? []).map((s) => Number(s.split(' ')[1]));
    expect(whole.at(-1)).toBe(11);
    const small = f.tail(250);
    expect(small.length).toBeLessThanOrEqual(250);
    expect(small.startsWith('2026-')).toBe(true);
    expect(small.trimEnd().endsWith(`pad=${'z'.repeat(30)}`)).toBe(true);
    expect(small).toContain('entry 11');
    expect(new LogFile({ dir: path.join(dir, 'empty') }).tail()).toBe('');
  });

  it('a log that cannot be written falls back to stderr once, and the app goes on', () => {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const lines: string[] = [];
    const f = new LogFile({ dir: blocker, clock: () => T, fallback: (l) => void lines.push(l) });
    f.write('info', 'a');
    f.write('warn', 'b');
    expect(lines.filter((l) => l.startsWith('wgpilot: cannot write the log file'))).toHaveLength(1);
    expect(lines.filter((l) => / (INFO|WARN) {2}[ab]/.test(l))).toHaveLength(2);
  });

  it('logFn honours the threshold and defaults to info', () => {
    const f = new LogFile({ dir, clock: () => T });
    const log = f.logFn('warn');
    log('quiet');
    log('loud', {}, 'error');
    expect(fs.readFileSync(f.file, 'utf8')).toBe('2026-03-04T05:06:07.089Z ERROR loud\n');
  });
});

describe('agent stderr relay', () => {
  it("turns the agent's JSON log lines into entries at their level, whatever the chunking", () => {
    const got: Array<[string, Record<string, unknown> | undefined, LogLevel | undefined]> = [];
    const relay = agentStderrRelay((m, f, l) => void got.push([m, f, l]), 'lab');
    const a = JSON.stringify({ time: 't', level: 'error', msg: 'reconcile failed', cmd: 'stdio', error: { name: 'Error', message: 'EPERM' } });
    const b = JSON.stringify({ time: 't', level: 'debug', msg: 'bridging to the daemon', cmd: 'stdio' });
    const text = `${a}\n${b}\nsudo: a password is required\n`;
    for (const piece of [text.slice(0, 10), text.slice(10, 70), text.slice(70)]) relay(piece);
    expect(got).toEqual([
      ['agent: reconcile failed', { host: 'lab', cmd: 'stdio', error: { name: 'Error', message: 'EPERM' } }, 'error'],
      ['agent: bridging to the daemon', { host: 'lab', cmd: 'stdio' }, 'debug'],
      ['agent stderr', { host: 'lab', text: 'sudo: a password is required' }, 'warn'],
    ]);
  });
});

describe('HostManager and the desktop router', () => {
  it('logs a connect that fails, with the host and the reason', async () => {
    const f = new LogFile({ dir: path.join(dir, 'logs'), clock: () => T });
    const hosts = new HostManager(appPaths(dir, { WGPILOT_DATA_DIR: dir }), { sshConfigPath: path.join(dir, 'none'), userKnownHostsPaths: [], log: f.logFn() });
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    await expect(hosts.connect({ host: '127.0.0.1', port, user: 'root', auth: 'agent' })).rejects.toThrow();
    hosts.closeAll();
    const text = fs.readFileSync(f.file, 'utf8');
    expect(text).toContain('INFO  host connecting host=');
    expect(text).toMatch(/WARN {2}host disconnected host=\S+ error=\{"code":"CONNECT_FAILED"/);
  });

  it('app.logs: the tail for browser mode; Electron opens the folder', async () => {
    const opened: string[] = [];
    const browser = openDesktopLog(path.join(dir, 'logs'));
    browser.log('wgpilot started', { mode: 'browser' });
    const hosts = new HostManager(appPaths(dir, { WGPILOT_DATA_DIR: dir }));
    const b = desktopRouter.createCaller({ hosts, mode: 'browser', version: 't', logs: browser.logs });
    expect(await b.app.logs.open()).toEqual({ opened: false, dir: path.join(dir, 'logs'), file: path.join(dir, 'logs', 'wgpilot.log') });
    expect((await b.app.logs.tail()).text).toMatch(/INFO {2}wgpilot started mode=browser\n$/);
    const electron = openDesktopLog(path.join(dir, 'logs'), { openFolder: async (d) => void opened.push(d) });
    const e = desktopRouter.createCaller({ hosts, mode: 'electron', version: 't', logs: electron.logs });
    expect((await e.app.logs.open()).opened).toBe(true);
    expect(opened).toEqual([path.join(dir, 'logs')]);
    const none = desktopRouter.createCaller({ hosts, mode: 'browser', version: 't' });
    await expect(none.app.logs.tail()).rejects.toThrow('This desktop keeps no log file.');
  });
});
