/**
 * GuestVm boots a stock kernel under qemu and talks to the guest's control server.
 *
 *   qemu-system-x86_64 -M microvm -accel tcg … -kernel vmlinux -initrd <image>
 *     console on the serial port (kept as `console()`, shown when a test fails),
 *     a virtio-serial port "wgpilot.ctl" → an abstract unix socket this process listens on.
 *
 * Design decisions (measurements in shared/facts/qemu-kernel-lab.md):
 * - TCG: /dev/kvm on the machines we run on is PVM, which cannot run stock kernels.
 * - microvm + PVH (the ELF vmlinux): no firmware, no PCI probing, no decompression; a guest
 *   shell in ~2–3 s. microvm has no HPET or PM timer to calibrate the TSC against and hangs at
 *   boot about half the time under TCG unless `tsc_early_khz=` gives the host's TSC rate.
 * - The host listens and qemu connects (chardev client): nothing to poll for, and the port is
 *   connected before the guest opens it (a guest read on an unconnected port would be EOF).
 * - A guest that is not ready in BOOT_TIMEOUT_MS is killed and booted once more (a hang is
 *   rare with tsc_early_khz, but a lost run costs more than a second boot); a second failure
 *   is an error carrying the console.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';
import { Duplex } from 'node:stream';
import type { GuestOps } from '../guest/ops/index.js';
import { decode, encode, type ExecResult, type GuestMessage, type HostMessage, type WireError } from './protocol.js';
import type { PreparedKernel } from './kernels.js';

const BOOT_TIMEOUT_MS = 60_000;
const SHUTDOWN_TIMEOUT_MS = 15_000;
/** Guest memory: the initramfs (~200 MB unpacked) lives in it, plus Node and the kernel's work. */
const GUEST_MEMORY_MB = 2048;
const GUEST_CPUS = 2;

export interface BootOptions {
  kernel: PreparedKernel;
  initrd: string;
  /** Console lines go here as they arrive (e.g. a log file), besides `console()`. */
  onConsole?: (line: string) => void;
}

/** A guest command that failed: names the command, its exit and its output. */
export class GuestCommandError extends Error {
  override name = 'GuestCommandError';
  constructor(
    readonly argv: readonly string[],
    readonly result: ExecResult,
  ) {
    super(`guest: \`${argv.join(' ')}\` exited ${result.code ?? result.signal}${result.stderr ? `: ${result.stderr.trim()}` : ''}${result.stdout ? `\n--- stdout ---\n${result.stdout.trimEnd()}` : ''}`);
  }
}

/** A `call` that threw inside the guest, with the guest error's name and fields. */
export class GuestCallError extends Error {
  constructor(
    readonly method: string,
    readonly remote: WireError,
  ) {
    super(`${method}: ${remote.name}: ${remote.message}`);
    this.name = remote.name;
    Object.assign(this, remote.fields);
  }
}

/** The argument and result types of a guest op (guest/ops/index.ts). */
export type GuestArgs<K extends keyof GuestOps> = Parameters<GuestOps[K]>[0];
export type GuestResult<K extends keyof GuestOps> = Awaited<ReturnType<GuestOps[K]>>;

type Waiter = { resolve: (m: GuestMessage) => void; reject: (e: Error) => void };

export class GuestVm {
  readonly release: string;
  /** Guest uptime (s) when the control server answered: boot + Node start under TCG. */
  readonly readyUptime: number;
  private nextId = 1;
  private readonly waiters = new Map<number, Waiter>();
  private readonly streams = new Map<number, GuestProcess>();
  private closedError: Error | undefined;
  private exited: Promise<void>;

  private constructor(
    private readonly qemu: ChildProcess,
    private readonly socket: net.Socket,
    private readonly consoleLines: string[],
    ready: Extract<GuestMessage, { ev: 'ready' }>,
    lines: readline.Interface,
  ) {
    this.release = ready.release;
    this.readyUptime = ready.uptime;
    this.exited = new Promise((resolve) => qemu.once('exit', () => resolve()));
    lines.on('line', (l) => this.onLine(l));
    const onClose = (): void => this.failAll(new Error(`the guest closed the control channel\n${this.consoleTail()}`));
    socket.once('close', onClose);
  }

  /** boot starts the guest and resolves when its control server is ready (one retry on a hang). */
  static async boot(opts: BootOptions): Promise<GuestVm> {
    try {
      return await GuestVm.bootOnce(opts);
    } catch (first) {
      if (!(first instanceof BootTimeout)) throw first;
      opts.onConsole?.(`[harness] boot timed out; booting once more`);
      return GuestVm.bootOnce(opts);
    }
  }

  private static async bootOnce(opts: BootOptions): Promise<GuestVm> {
    // An abstract unix socket: nothing on disk to clean up, however the run ends.
    const sock = `wgpilot-vm-${process.pid}-${randomBytes(4).toString('hex')}`;
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(`\0${sock}`, resolve));
    const connected = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const consoleLines: string[] = [];
    // setpriv: qemu gets SIGKILL should this process die without cleaning up.
    const qemu = spawn('setpriv', ['--pdeathsig', 'KILL', 'qemu-system-x86_64', ...qemuArgs(opts, sock)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const onConsoleLine = (l: string): void => {
      consoleLines.push(l);
      opts.onConsole?.(l);
    };
    readline.createInterface({ input: qemu.stdout! }).on('line', onConsoleLine);
    readline.createInterface({ input: qemu.stderr! }).on('line', (l) => onConsoleLine(`[qemu] ${l}`));
    const failed = new Promise<never>((_, reject) => {
      qemu.once('error', (err) => reject(new Error(`qemu-system-x86_64 could not start: ${err.message} (package qemu-system-x86)`)));
      qemu.once('exit', (code, sig) => reject(new Error(`qemu exited (${code ?? sig}) before the guest was ready:\n${consoleLines.slice(-40).join('\n')}`)));
    });
    failed.catch(() => undefined); // also rejects when qemu exits long after a good boot
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BootTimeout(`the guest was not ready within ${BOOT_TIMEOUT_MS / 1000} s:\n${consoleLines.slice(-40).join('\n')}`)), BOOT_TIMEOUT_MS);
    });
    try {
      const socket = await Promise.race([connected, failed, timeout]);
      server.close();
      const lines = readline.createInterface({ input: socket, crlfDelay: Infinity });
      const ready = await Promise.race([
        new Promise<Extract<GuestMessage, { ev: 'ready' }>>((resolve) => {
          lines.once('line', (l) => resolve(JSON.parse(l) as Extract<GuestMessage, { ev: 'ready' }>));
        }),
        failed,
        timeout,
      ]);
      return new GuestVm(qemu, socket, consoleLines, ready, lines);
    } catch (err) {
      qemu.kill('SIGKILL');
      server.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** exec runs argv in the guest; a non-zero exit throws GuestCommandError unless `check` is false. */
  async exec(argv: readonly string[], opts: { input?: string; timeoutMs?: number; check?: boolean; env?: Record<string, string> } = {}): Promise<ExecResult> {
    const id = this.nextId++;
    const reply = await this.request({ id, op: 'exec', argv: [...argv], ...(opts.input !== undefined ? { input: opts.input } : {}), timeoutMs: opts.timeoutMs ?? 120_000, ...(opts.env ? { env: opts.env } : {}) });
    const { ev: _ev, id: _id, ...result } = reply as Extract<GuestMessage, { ev: 'done' }>;
    if (opts.check !== false && result.code !== 0) throw new GuestCommandError(argv, result);
    return result;
  }

  /** sh runs a bash script in the guest and returns its stdout (throws on a non-zero exit). */
  async sh(script: string, opts: { timeoutMs?: number } = {}): Promise<string> {
    return (await this.exec(['/usr/bin/bash', '-euo', 'pipefail', '-c', script], opts)).stdout;
  }

  /** call runs an op of guest/ops inside the guest (agent code against the guest's kernel). */
  async call<K extends keyof GuestOps>(method: K, args: GuestArgs<K>): Promise<GuestResult<K>> {
    const id = this.nextId++;
    const reply = await this.request({ id, op: 'call', method, args: encode(args) });
    if (reply.ev === 'error') throw new GuestCallError(method, reply.error);
    return decode((reply as Extract<GuestMessage, { ev: 'result' }>).value) as GuestResult<K>;
  }

  /** spawn starts a long-lived guest process whose stdin/stdout are the returned stream. */
  spawn(argv: readonly string[], env?: Record<string, string>): GuestProcess {
    const id = this.nextId++;
    const proc = new GuestProcess((m) => this.send({ id, ...m } as HostMessage));
    this.streams.set(id, proc);
    this.send({ id, op: 'spawn', argv: [...argv], ...(env ? { env } : {}) });
    return proc;
  }

  /** killNow ends qemu at once (process exit; the guest's state is throwaway). */
  killNow(): void {
    this.qemu.kill('SIGKILL');
  }

  /** console is everything the guest printed on its serial console so far. */
  console(): string {
    return this.consoleLines.join('\n');
  }

  /** shutdown asks the guest to power off and waits for qemu (killing it after a while). */
  async shutdown(): Promise<void> {
    if (this.qemu.exitCode === null && this.qemu.signalCode === null) {
      this.send({ op: 'shutdown' });
      const timer = setTimeout(() => this.qemu.kill('SIGKILL'), SHUTDOWN_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    this.socket.destroy();
  }

  private request(m: Extract<HostMessage, { id: number }>): Promise<GuestMessage> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.waiters.set(m.id, { resolve, reject });
      this.send(m);
    });
  }

  private send(m: HostMessage): void {
    if (!this.socket.destroyed) this.socket.write(`${JSON.stringify(m)}\n`);
  }

  private onLine(line: string): void {
    let m: GuestMessage;
    try {
      m = JSON.parse(line) as GuestMessage;
    } catch {
      return;
    }
    if (!('id' in m)) return;
    const stream = this.streams.get(m.id);
    if (stream && (m.ev === 'out' || m.ev === 'err' || m.ev === 'exit')) {
      stream.deliver(m);
      if (m.ev === 'exit') this.streams.delete(m.id);
      return;
    }
    const w = this.waiters.get(m.id);
    if (w) {
      this.waiters.delete(m.id);
      w.resolve(m);
    }
  }

  private failAll(err: Error): void {
    this.closedError = err;
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
    for (const s of this.streams.values()) s.deliver({ ev: 'exit', code: null, signal: 'SIGKILL' });
    this.streams.clear();
  }

  private consoleTail(): string {
    return `--- guest console (last 30 lines) ---\n${this.consoleLines.slice(-30).join('\n')}`;
  }
}

class BootTimeout extends Error {}

/** A streamed guest process: write its stdin, read its stdout; stderr is kept for messages. */
export class GuestProcess extends Duplex {
  private err = '';
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private onExit!: (e: { code: number | null; signal: string | null }) => void;

  constructor(private readonly post: (m: { op: 'write'; data: string } | { op: 'end' } | { op: 'kill'; signal?: NodeJS.Signals }) => void) {
    super();
    this.exited = new Promise((resolve) => (this.onExit = resolve));
  }

  stderr(): string {
    return this.err;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.post({ op: 'kill', signal });
  }

  deliver(m: { ev: 'out' | 'err'; data: string } | { ev: 'exit'; code: number | null; signal: string | null }): void {
    if (m.ev === 'exit') {
      this.push(null);
      this.onExit({ code: m.code, signal: m.signal });
    } else if (m.ev === 'out') this.push(m.data);
    else this.err += m.data;
  }

  override _read(): void {}

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.post({ op: 'write', data: chunk.toString() });
    cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.post({ op: 'end' });
    cb();
  }
}

function qemuArgs(opts: BootOptions, sock: string): string[] {
  const append = [
    'console=ttyS0',
    'rdinit=/init',
    'quiet',
    'panic=-1',
    `tsc_early_khz=${hostTscKhz()}`,
    `wgpilot.epoch=${Math.floor(Date.now() / 1000)}`,
  ];
  return [
    '-M', 'microvm',
    '-accel', 'tcg,thread=multi',
    '-cpu', 'max',
    '-smp', String(GUEST_CPUS),
    '-m', String(GUEST_MEMORY_MB),
    '-nographic', '-no-reboot', '-nodefaults', '-display', 'none',
    '-serial', 'stdio',
    '-device', 'virtio-serial-device',
    // tight=off: Node binds abstract names padded to the full sun_path, as qemu does with it.
    '-chardev', `socket,id=ctl,path=${sock},abstract=on,tight=off`,
    '-device', 'virtserialport,chardev=ctl,name=wgpilot.ctl',
    '-kernel', opts.kernel.vmlinux,
    '-initrd', opts.initrd,
    '-append', append.join(' '),
  ];
}

/** hostTscKhz: the host's TSC rate, which TCG's guest TSC follows (from /proc/cpuinfo). */
export function hostTscKhz(): number {
  const mhz = /^cpu MHz\s*:\s*([\d.]+)/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
  if (!mhz) throw new Error('cannot read the CPU clock from /proc/cpuinfo (needed for tsc_early_khz)');
  return Math.round(Number(mhz) * 1000);
}
