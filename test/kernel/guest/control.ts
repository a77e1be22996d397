/**
 * The guest's control server: PID 1 (guest/init) starts it on the virtio-serial port the host
 * listens on; it runs commands (the oracles, `ip netns`…), long-lived processes with streamed
 * stdio (`wgpilot-agent stdio`), and `call`s into agent code (ops/), and answers per request id
 * (harness/protocol.ts). It exits when the host says `shutdown` or closes the port.
 *
 * Design decisions:
 * - One open of the port (O_RDWR): virtio_console allows a single opener per port.
 * - Writes go through one promise chain, so replies never interleave mid-line and a slow host
 *   never blocks the event loop.
 * - Commands are spawned with argv (no shell): busybox's sh would run its own `ip`/`tc`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import readline from 'node:readline';
import { decode, encode, wireError, type GuestMessage, type HostMessage } from '../harness/protocol.js';
import { GUEST_OPS } from './ops/index.js';

const port = process.argv[2];
if (!port) throw new Error('usage: kernel-guest.mjs <virtio port device>');
const fd = fs.openSync(port, 'r+');

let writing = Promise.resolve();
function send(m: GuestMessage): void {
  const line = Buffer.from(`${JSON.stringify(m)}\n`);
  writing = writing.then(
    () =>
      new Promise<void>((resolve) => {
        const writeAll = (off: number): void => {
          fs.write(fd, line, off, line.length - off, null, (err, n) => {
            if (err) {
              process.stderr.write(`control: write failed: ${err.message}\n`);
              resolve();
            } else if (off + n < line.length) writeAll(off + n);
            else resolve();
          });
        };
        writeAll(0);
      }),
  );
}

const children = new Map<number, ChildProcess>();

function exec(m: Extract<HostMessage, { op: 'exec' }>): void {
  const started = performance.now();
  const [file, ...args] = m.argv;
  const child = spawn(file ?? '', args, { env: { ...process.env, ...m.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.on('error', () => undefined);
  child.stdin.end(m.input ?? '');
  const timer = m.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), m.timeoutMs) : undefined;
  let spawnError = '';
  child.on('error', (err) => (spawnError = `${err.message}\n`));
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    send({ id: m.id, ev: 'done', code: spawnError ? 127 : code, signal, stdout, stderr: spawnError + stderr, ms: Math.round(performance.now() - started) });
  });
}

function spawnStreamed(m: Extract<HostMessage, { op: 'spawn' }>): void {
  const [file, ...args] = m.argv;
  const child = spawn(file ?? '', args, { env: { ...process.env, ...m.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  children.set(m.id, child);
  child.stdout?.setEncoding('utf8').on('data', (data: string) => send({ id: m.id, ev: 'out', data }));
  child.stderr?.setEncoding('utf8').on('data', (data: string) => send({ id: m.id, ev: 'err', data }));
  child.stdin?.on('error', () => undefined);
  child.on('error', (err) => send({ id: m.id, ev: 'err', data: `${err.message}\n` }));
  child.on('close', (code, signal) => {
    children.delete(m.id);
    send({ id: m.id, ev: 'exit', code, signal });
  });
}

async function call(m: Extract<HostMessage, { op: 'call' }>): Promise<void> {
  const fn = (GUEST_OPS as Record<string, (a: unknown) => Promise<unknown>>)[m.method];
  try {
    if (!fn) throw new Error(`no guest op ${m.method} (guest/ops/index.ts)`);
    send({ id: m.id, ev: 'result', value: encode(await fn(decode(m.args))) });
  } catch (err) {
    send({ id: m.id, ev: 'error', error: wireError(err) });
  }
}

function handle(m: HostMessage): void {
  switch (m.op) {
    case 'exec':
      return exec(m);
    case 'spawn':
      return spawnStreamed(m);
    case 'write':
      children.get(m.id)?.stdin?.write(m.data);
      return;
    case 'end':
      children.get(m.id)?.stdin?.end();
      return;
    case 'kill':
      children.get(m.id)?.kill(m.signal ?? 'SIGTERM');
      return;
    case 'call':
      void call(m);
      return;
    case 'shutdown':
      for (const c of children.values()) c.kill('SIGKILL');
      void writing.then(() => process.exit(0));
      return;
  }
}

const lines = readline.createInterface({ input: fs.createReadStream('', { fd, autoClose: false }), crlfDelay: Infinity });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  try {
    handle(JSON.parse(line) as HostMessage);
  } catch (err) {
    process.stderr.write(`control: bad line: ${(err as Error).message}\n`);
  }
});
// The host closed the port: nothing more will come.
lines.on('close', () => {
  for (const c of children.values()) c.kill('SIGKILL');
  void writing.then(() => process.exit(0));
});

send({ ev: 'ready', release: os.release(), uptime: os.uptime() });
