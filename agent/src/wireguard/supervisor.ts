/**
 * WireGuardGoSupervisor owns one `wireguard-go -f <name>` process: it starts it, waits until its
 * UAPI socket answers, notices when it dies (and can restart it), and stops it for good.
 *
 * Design decisions:
 * - `-f` (foreground) keeps wireguard-go our direct child, so we get its exit status and signal
 *   instead of a daemonised grandchild we would have to find by pid file.
 * - Readiness is "the UAPI socket answers `get=1`", not "the process is alive": wireguard-go
 *   creates the tun device first and the socket last, and only the socket makes it usable.
 * - A socket that already answers before we start belongs to someone else (the directory is
 *   shared by every network namespace), so starting fails with EEXIST instead of adopting it.
 * - After SIGKILL wireguard-go cannot remove its socket; we unlink a socket that no longer
 *   answers so `devices()` does not list a dead device.
 * - `commandPrefix` exists for tests that run the daemon in another namespace
 *   (`['ip', 'netns', 'exec', ns]`, which execs, so the pid stays wireguard-go's). The agent
 *   itself never passes one: it runs in the namespace it manages.
 * - A restarted daemon comes back with an empty device (keys, peers and addresses are gone);
 *   the 'restart' event is the cue for the owner to re-apply configuration.
 * - A process 'exit' hook SIGKILLs the child if Node exits without calling stop(), so a crashed
 *   test or agent does not leave daemons behind. (A SIGKILLed Node cannot do that; the agent's
 *   systemd unit with KillMode=control-group covers that case.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { unlinkSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { WireGuardError } from './errors.js';
import { UapiClient } from './uapi.js';
import { checkInterfaceName } from './validate.js';

/** How much of the daemon's output is kept for error messages. */
const OUTPUT_TAIL_BYTES = 16 * 1024;
/** Poll interval while waiting for the socket: short, since startup takes ~10-50 ms. */
const READY_POLL_MS = 20;

export interface RestartPolicy {
  /** Give up after this many restarts over the supervisor's lifetime. */
  maxRestarts: number;
  /** Wait this long before each restart, so a crash loop does not spin. */
  backoffMs: number;
}

export interface WireGuardGoOptions {
  /** Interface name; also the socket name. */
  name: string;
  /** Path or PATH name of wireguard-go. Default "wireguard-go". */
  binary?: string;
  /** argv put before the binary (tests: `['ip', 'netns', 'exec', ns]`). Default none. */
  commandPrefix?: readonly string[];
  /** Must match the directory wireguard-go is built with. Default /var/run/wireguard. */
  socketDir?: string;
  /** Extra environment for the daemon (e.g. LOG_LEVEL=verbose). */
  env?: Record<string, string>;
  /** Bound for start(): spawn until the socket answers. Default 5 s. */
  startTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL in stop(). Default 3 s. */
  stopTimeoutMs?: number;
  /** Restart after an unexpected exit; default off. */
  restart?: RestartPolicy | false;
  /**
   * SIGKILL the daemon from a process 'exit' hook if Node exits without stop() (default true).
   * An owner of many supervisors sets false and calls `killNow()` from one hook of its own, so
   * Node does not warn about one 'exit' listener per device.
   */
  killOnProcessExit?: boolean;
}

/** ProcessExit describes how a daemon ended. */
export interface ProcessExit {
  name: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stop() asked for it; false for a crash or an outside kill. */
  expected: boolean;
  /** The tail of its stdout+stderr. */
  output: string;
}

export interface SupervisorEvents {
  exit: [ProcessExit];
  restart: [{ name: string; pid: number; attempt: number }];
  restartFailed: [{ name: string; attempt: number; error: unknown }];
}

interface Running {
  child: ChildProcess;
  pid: number;
  exited: Promise<ProcessExit>;
  /** Set once the socket answered: only a daemon that once worked is restarted. */
  ready: boolean;
  /** Resolves after the exit is handled: stale socket removed and 'exit' emitted. */
  handled: Promise<void>;
}

export class WireGuardGoSupervisor extends EventEmitter<SupervisorEvents> {
  readonly name: string;
  private readonly opts: WireGuardGoOptions;
  private readonly uapi: UapiClient;
  private running: Running | undefined;
  private stopping = false;
  private restarts = 0;
  private outputTail = '';

  constructor(opts: WireGuardGoOptions) {
    super();
    this.name = checkInterfaceName(opts.name);
    this.opts = opts;
    this.uapi = new UapiClient({ socketDir: opts.socketDir, timeoutMs: 1_000 });
  }

  /** pid of the running daemon, if any. */
  get pid(): number | undefined {
    return this.running?.pid;
  }

  /** output returns the tail of what the daemon printed (for diagnostics). */
  output(): string {
    return this.outputTail;
  }

  /**
   * start launches the daemon and resolves once its UAPI socket answers.
   *
   * Equivalent to: `wireguard-go <name>` (which creates the tun device).
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.stopping = false;
    await this.launch();
  }

  /** launch spawns and waits for readiness; it gives up quietly once stop() was called. */
  private async launch(): Promise<void> {
    if (await this.socketAnswers()) {
      throw this.error('start', osConstants.errno.EEXIST, `a UAPI socket for ${this.name} already answers (name in use, maybe in another namespace)`);
    }
    // stop() may have run while we probed; it found nothing to stop, so do not start now.
    if (this.stopping || this.running) return;
    const run = this.spawnDaemon();
    this.running = run;
    const timeoutMs = this.opts.startTimeoutMs ?? 5_000;
    const deadline = Date.now() + timeoutMs;
    let exit: ProcessExit | undefined;
    void run.exited.then((e) => (exit = e));
    while (Date.now() < deadline) {
      if (exit) {
        throw this.error('start', osConstants.errno.ECHILD, `wireguard-go exited during start (${describeExit(exit)}): ${exit.output.trim()}`);
      }
      if (await this.socketAnswers()) {
        run.ready = true;
        return;
      }
      await sleep(READY_POLL_MS);
    }
    await this.stop();
    throw this.error('start', osConstants.errno.ETIMEDOUT, `UAPI socket did not answer within ${timeoutMs} ms; output: ${this.outputTail.trim()}`);
  }

  /**
   * stop ends the daemon: SIGTERM (wireguard-go then removes its tun device and socket), SIGKILL
   * after stopTimeoutMs, and resolves only once the process has exited.
   *
   * Equivalent to: `ip link del <name>` for a userspace device.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const run = this.running;
    if (!run) return;
    run.child.kill('SIGTERM');
    const abort = new AbortController();
    const termWait = sleep(this.opts.stopTimeoutMs ?? 3_000, 'timeout' as const, { signal: abort.signal }).catch(
      () => 'exited' as const,
    );
    const first = await Promise.race([run.exited, termWait]);
    abort.abort();
    if (first === 'timeout') run.child.kill('SIGKILL');
    // SIGKILL cannot be refused, but the exit is still asynchronous: wait for it, and for the
    // 'exit' event, so listeners hear about the stop before stop() resolves.
    await run.handled;
  }

  /**
   * killNow sends SIGKILL and removes the socket SIGKILL leaves behind, synchronously (for
   * process 'exit' hooks, where nothing async runs). The name is ours: we just killed its daemon.
   */
  killNow(): void {
    this.stopping = true;
    if (!this.running) return;
    this.running.child.kill('SIGKILL');
    try {
      unlinkSync(this.uapi.socketPath(this.name));
    } catch {
      // already gone
    }
  }

  private spawnDaemon(): Running {
    const argv = [...(this.opts.commandPrefix ?? []), this.opts.binary ?? 'wireguard-go', '-f', this.name];
    const [file, ...args] = argv as [string, ...string[]];
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.opts.env },
    });
    const record = (chunk: Buffer): void => {
      this.outputTail = (this.outputTail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout?.on('data', record);
    child.stderr?.on('data', record);
    const killOnExit = (): void => this.killNow();
    if (this.opts.killOnProcessExit ?? true) process.once('exit', killOnExit);
    const exited = new Promise<ProcessExit>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        process.removeListener('exit', killOnExit);
        resolve({ name: this.name, pid: child.pid ?? -1, code, signal, expected: this.stopping, output: this.outputTail });
      };
      child.once('error', (err) => {
        // spawn failure (ENOENT binary); no 'exit' follows when the process never started.
        this.outputTail += `spawn ${file}: ${err.message}\n`;
        if (child.pid === undefined) done(null, null);
      });
      child.once('exit', done);
    });
    const run: Running = { child, pid: child.pid ?? -1, exited, ready: false, handled: Promise.resolve() };
    run.handled = exited.then((exit) => this.onExit(run, exit));
    return run;
  }

  private async onExit(run: Running, exit: ProcessExit): Promise<void> {
    if (this.running === run) this.running = undefined;
    await this.removeStaleSocket();
    this.emit('exit', exit);
    const policy = this.opts.restart;
    if (exit.expected || !run.ready || !policy || this.restarts >= policy.maxRestarts) return;
    void this.restartAfter(policy.backoffMs);
  }

  /** restartAfter is detached from onExit so stop() never waits for a restart's backoff. */
  private async restartAfter(backoffMs: number): Promise<void> {
    const attempt = ++this.restarts;
    await sleep(backoffMs);
    if (this.stopping || this.running) return;
    try {
      await this.launch();
      if (!this.running) return; // stopped meanwhile
      this.emit('restart', { name: this.name, pid: this.pid ?? -1, attempt });
    } catch (error) {
      this.emit('restartFailed', { name: this.name, attempt, error });
    }
  }

  private async socketAnswers(): Promise<boolean> {
    try {
      await this.uapi.get(this.name);
      return true;
    } catch {
      return false;
    }
  }

  private async removeStaleSocket(): Promise<void> {
    if (await this.socketAnswers()) return;
    await unlink(this.uapi.socketPath(this.name)).catch(() => undefined);
  }

  private error(op: 'start' | 'stop', errno: number, message: string): WireGuardError {
    return new WireGuardError({ device: this.name, op, errno, message });
  }
}

function describeExit(e: ProcessExit): string {
  return e.signal !== null ? `signal ${e.signal}` : e.code !== null ? `exit code ${e.code}` : 'spawn failed';
}
