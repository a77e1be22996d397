/**
 * Throwaway network namespaces for the WireGuard integration tests. Setup uses `ip` (allowed in
 * tests); everything made here is recorded and removed by `cleanup()`, which also runs from a
 * process 'exit' hook, so a failed test leaves no namespace, process or socket behind.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, unlinkSync } from 'node:fs';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** run executes argv (no shell) and returns stdout; the error names the command and stderr. */
export async function run(argv: readonly string[], timeoutMs = 30_000): Promise<string> {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty argv');
  try {
    const { stdout } = await exec(file, args, { timeout: timeoutMs, maxBuffer: 64 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`\`${argv.join(' ')}\` failed: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

/** nsPids lists the processes running in a namespace (empty when it is gone). */
export async function nsPids(ns: string): Promise<number[]> {
  try {
    return (await run(['ip', 'netns', 'pids', ns])).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export { isAlive } from '../../support/wireguard/proc.js';

/** The namespaces, links and sockets made by one test file, with their cleanup. */
export class NetnsLab {
  /** Short random id: keeps namespace and interface names unique per run (IFNAMSIZ is 16). */
  readonly id = randomBytes(3).toString('hex');
  private readonly namespaces: string[] = [];
  private readonly sockets: string[] = [];
  private readonly onExit = (): void => this.cleanupSync();

  constructor() {
    process.once('exit', this.onExit);
  }

  /** ns creates `wgt-<id>-<suffix>` with lo up. */
  async ns(suffix: string): Promise<string> {
    const name = `wgt-${this.id}-${suffix}`;
    await run(['ip', 'netns', 'add', name]);
    this.namespaces.push(name);
    await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /** ifname returns an interface name unique to this run and remembers its UAPI socket. */
  ifname(suffix: string): string {
    const name = `wgt${this.id}${suffix}`;
    this.sockets.push(`/var/run/wireguard/${name}.sock`);
    return name;
  }

  /** veth links two namespaces with an address on each end, both up. */
  async veth(a: string, addrA: string, b: string, addrB: string): Promise<void> {
    const va = `wv${this.id}a`;
    const vb = `wv${this.id}b`;
    await run(['ip', 'link', 'add', va, 'netns', a, 'type', 'veth', 'peer', 'name', vb, 'netns', b]);
    await run(['ip', '-n', a, 'addr', 'add', addrA, 'dev', va]);
    await run(['ip', '-n', b, 'addr', 'add', addrB, 'dev', vb]);
    await run(['ip', '-n', a, 'link', 'set', va, 'up']);
    await run(['ip', '-n', b, 'link', 'set', vb, 'up']);
  }

  /** cleanup kills what still runs in our namespaces, deletes them and our leftover sockets. */
  async cleanup(): Promise<void> {
    process.removeListener('exit', this.onExit);
    for (const ns of this.namespaces) {
      for (const pid of await nsPids(ns)) kill(pid);
      await run(['ip', 'netns', 'del', ns]).catch(() => undefined);
    }
    this.namespaces.length = 0;
    this.removeSockets();
  }

  private cleanupSync(): void {
    for (const ns of this.namespaces) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
        for (const pid of pids.split(/\s+/).filter(Boolean)) kill(Number(pid));
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // best effort at exit
      }
    }
    this.removeSockets();
  }

  private removeSockets(): void {
    for (const s of this.sockets) if (existsSync(s)) unlinkSync(s);
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
