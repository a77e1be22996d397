/**
 * A throwaway namespace plus the processes a sock_diag / nftables test starts in it. Names are
 * `<prefix>-<random>` (sd-…, nft-…). `destroy()` kills every process it started (by pid, the
 * whole `ip netns exec` chain is one exec'd process) and deletes the namespace; tests call it in
 * afterAll, so it runs on failure too.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHILDREN = join(dirname(fileURLToPath(import.meta.url)), 'children');

export class Sandbox {
  readonly name: string;
  private readonly children: ChildProcess[] = [];
  private readonly adopted = new Set<number>();
  private created = false;

  constructor(prefix: string) {
    this.name = `${prefix}-${randomBytes(4).toString('hex')}`;
  }

  create(): this {
    execFileSync('ip', ['netns', 'add', this.name]);
    this.created = true;
    this.exec(['ip', 'link', 'set', 'lo', 'up']);
    return this;
  }

  /** exec runs a command inside the namespace and returns stdout. */
  exec(cmd: string[], options: { maxBuffer?: number } = {}): string {
    // stderr is captured (into the error on failure): ss -e chatters about cgroup2 on stderr.
    return execFileSync('ip', ['netns', 'exec', this.name, ...cmd], {
      encoding: 'utf8',
      maxBuffer: options.maxBuffer ?? 64 << 20,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /**
   * start runs cmd inside the namespace and resolves once it prints a line starting with
   * `ready` (the rest of that line is returned); rejects if it exits or takes over timeoutMs.
   */
  start(cmd: string[], timeoutMs = 20_000): Promise<{ child: ChildProcess; ready: string }> {
    const child = spawn('ip', ['netns', 'exec', this.name, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`${cmd.join(' ')}: not ready after ${timeoutMs} ms: ${err}`)), timeoutMs);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('ready'));
        if (line !== undefined) {
          clearTimeout(timer);
          resolve({ child, ready: line.slice(5).trim() });
        }
      });
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${cmd.join(' ')} exited with ${code}: ${err}`));
      });
    });
  }

  /** stop kills one started process (SIGKILL: these helpers hold nothing to flush). */
  stop(child: ChildProcess): void {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** adopt registers pids a started process forked, so destroy() kills them too. */
  adopt(pids: readonly number[]): void {
    for (const p of pids) this.adopted.add(p);
  }

  destroy(): void {
    for (const c of this.children.splice(0)) this.stop(c);
    for (const pid of this.adopted) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.adopted.clear();
    if (!this.created) return;
    this.created = false;
    // Namespace deletion waits for nothing; a killed process's sockets go with the process.
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
