/**
 * The agent's logger: the three formats (journal priorities, readable text, JSON), the journal
 * detection through $JOURNAL_STREAM, errors with their stack and cause chain, and that secrets
 * and key bytes never reach a line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, isJournalStream, JOURNAL_PRIORITY, resolveLogFormat, type LogFormat, type LogLevel } from '../../agent/src/log.js';
import { serializeError, toLogValue } from '../../agent/src/log-values.js';
import { Key } from '../../agent/src/wireguard/keys.js';

const T = new Date('2026-01-02T03:04:05.678Z');

function capture(format: LogFormat, level: LogLevel = 'debug') {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  const log = createLogger({ stream, format, level, clock: () => T, fields: { cmd: 'serve' } });
  return { log, text: () => text };
}

class LowError extends Error {
  override readonly name = 'LowError';
  constructor(
    message: string,
    readonly errno: number,
  ) {
    super(message);
  }
}

const failure = () => new Error('apply failed', { cause: new LowError('EPERM', 1) });

describe('formats', () => {
  it('journal: the syslog priority of each level as a <N> prefix on every line', () => {
    const c = capture('journal');
    c.log.debug('d');
    c.log.info('listening', { socketPath: '/var/lib/wgpilot/agent.sock' });
    c.log.warn('w', { n: 1 });
    c.log.error('reconcile failed', { error: failure() });
    const lines = c.text().trimEnd().split('\n');
    expect(lines[0]).toBe('<7>d cmd=serve');
    expect(lines[1]).toBe('<6>listening cmd=serve socketPath=/var/lib/wgpilot/agent.sock');
    expect(lines[2]).toBe('<4>w cmd=serve n=1');
    expect(lines[3]).toBe('<3>reconcile failed cmd=serve error="Error: apply failed ← LowError: EPERM"');
    // The stack and the cause's stack follow, each line with the error's priority.
    const rest = lines.slice(4);
    expect(rest.length).toBeGreaterThan(2);
    for (const l of rest) expect(l.startsWith('<3>    ')).toBe(true);
    expect(rest.some((l) => l.includes('caused by LowError: EPERM'))).toBe(true);
    expect(rest.some((l) => /at .*log\.test\.ts/.test(l))).toBe(true);
    expect(JOURNAL_PRIORITY).toEqual({ error: 3, warn: 4, info: 6, debug: 7 });
  });

  it('text: time, level and message, then key=value pairs quoted only when needed', () => {
    const c = capture('text');
    c.log.info('connection open', { user: 'alice smith', from: '198.18.0.1', n: 2, ok: true, list: [1, 'a'], nothing: undefined });
    expect(c.text()).toBe('2026-01-02T03:04:05.678Z INFO  connection open cmd=serve user="alice smith" from=198.18.0.1 n=2 ok=true list=[1,"a"]\n');
  });

  it('json: one object per line, errors with stack and cause chain', () => {
    const c = capture('json');
    c.log.error('procedure failed', { path: 'peers.create', error: failure() });
    const lines = c.text().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const e = JSON.parse(lines[0]!);
    expect(e).toMatchObject({ time: T.toISOString(), level: 'error', msg: 'procedure failed', cmd: 'serve', path: 'peers.create' });
    expect(e.error).toMatchObject({ name: 'Error', message: 'apply failed', cause: { name: 'LowError', message: 'EPERM', errno: 1 } });
    expect(e.error.stack).toMatch(/^Error: apply failed\n\s+at /);
    expect(e.error.cause.stack).toMatch(/^LowError: EPERM\n/);
  });

  it('levels below the minimum are dropped; child loggers add fields and keep the format', () => {
    const c = capture('json', 'warn');
    c.log.info('no');
    c.log.child({ conn: 3 }).warn('yes');
    expect(c.text().trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ time: T.toISOString(), level: 'warn', msg: 'yes', cmd: 'serve', conn: 3 }]);
  });

  it('a message with line breaks stays one entry', () => {
    const c = capture('journal');
    c.log.warn('two\nlines');
    expect(c.text()).toBe('<4>two lines cmd=serve\n');
  });
});

describe('journal detection', () => {
  it('is the journal only when $JOURNAL_STREAM names this very stream (device:inode)', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-log-')), 'stream');
    const fd = fs.openSync(file, 'w');
    try {
      const st = fs.fstatSync(fd);
      expect(isJournalStream({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd)).toBe(true);
      expect(isJournalStream({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }, fd)).toBe(false);
      expect(isJournalStream({ JOURNAL_STREAM: 'garbage' }, fd)).toBe(false);
      expect(isJournalStream({}, fd)).toBe(false);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(path.dirname(file), { recursive: true });
    }
    expect(resolveLogFormat('auto', {})).toBe('text');
    expect(resolveLogFormat('json', { JOURNAL_STREAM: '1:1' })).toBe('json');
  });
});

describe('never a secret', () => {
  it('redacts secret-named fields at any depth and prints byte arrays as their length', () => {
    const key = Key.fromBytes(crypto.getRandomValues(new Uint8Array(32)));
    const c = capture('json');
    c.log.info('x', { privateKey: key.toBase64(), peer: { presharedKey: 'abc', name: 'p1', hasPrivateKey: true }, sudoPassword: 'pw', key, bytes: new Uint8Array(32) });
    const text = c.text();
    expect(text).not.toContain(key.toBase64());
    expect(text).not.toContain('"abc"');
    expect(text).not.toContain('"pw"');
    const e = JSON.parse(text);
    expect(e).toMatchObject({ privateKey: '[redacted]', peer: { presharedKey: '[redacted]', name: 'p1', hasPrivateKey: true }, sudoPassword: '[redacted]', bytes: '[32 bytes]' });
  });

  it('walks objects by their fields, not toJSON (a Key would print as base64 there)', () => {
    const key = Key.fromBytes(crypto.getRandomValues(new Uint8Array(32)));
    expect(JSON.stringify(toLogValue('k', { key }))).not.toContain(key.toBase64());
  });

  it('cuts cycles and very deep values', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(toLogValue('a', a)).toEqual({ name: 'a', self: '[circular]' });
    const e = new Error('loop');
    (e as { cause?: unknown }).cause = e;
    expect(serializeError(e).cause).toBe('[circular]');
    expect(toLogValue('big', 10n)).toBe('10');
  });
});
