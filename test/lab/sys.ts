/**
 * Thin process helpers for the lab: run a command by argv (never through a shell), look at
 * namespaces and the processes inside them, and wait for a TCP port.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunOptions {
  /** Kill the command after this long. Default 30 s: lab commands are quick or broken. */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed (e.g. a password for `sudo -S`). */
  input?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * run executes argv[0] with the rest as arguments and resolves with its output; the rejection
 * names the command, exit status and stderr, since a bare "Command failed" hides why `ip` balked.
 */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error('run: empty argv'));
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const status = err.killed ? `killed by ${err.signal ?? 'timeout'}` : `exit code ${String(err.code)}`;
        // Tools like ping report failure on stdout; fall back to it, trimmed to the end.
        const detail = (stderr.trim() || stdout.trim().slice(-500) || err.message).replace(/\s+$/, '');
        reject(new Error(`\`${argv.join(' ')}\` failed (${status}): ${detail}`, { cause: err }));
      });
    // Without input, close stdin at once: a command that reads it must see EOF, not hang.
    child.stdin?.on('error', () => undefined); // EPIPE when the command exits without reading
    child.stdin?.end(opts.input);
  });
}

/** listNamespaces returns the names from `ip netns list` (which prints "name (id: N)"). */
export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await run(['ip', 'netns', 'list']);
  return stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n !== '');
}

/**
 * nsPids lists processes whose network namespace is `ns` (`ip netns pids`). Zombies are not
 * listed: their /proc/<pid>/ns/net is gone, which is what "no longer running there" means.
 */
export async function nsPids(ns: string): Promise<number[]> {
  try {
    const { stdout } = await run(['ip', 'netns', 'pids', ns]);
    return stdout.split(/\s+/).filter((s) => s !== '').map(Number);
  } catch {
    return []; // namespace already gone
  }
}

/** signal sends `sig` to pid, ignoring processes that already exited. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * killNamespaceProcesses stops everything running in `ns`: SIGTERM first so wireguard-go and
 * sshd can remove their sockets and pid files, then SIGKILL whatever outlives `graceMs`.
 */
export async function killNamespaceProcesses(ns: string, graceMs = 2_000): Promise<void> {
  let pids = await nsPids(ns);
  if (pids.length === 0) return;
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(50);
    pids = await nsPids(ns);
    if (pids.length === 0) return;
  }
  for (const pid of pids) signal(pid, 'SIGKILL');
  // SIGKILL cannot be refused, but the exit itself is asynchronous: wait briefly for it.
  for (let i = 0; i < 40 && (await nsPids(ns)).length > 0; i++) await sleep(25);
}

/** canConnect tries one TCP connection and reports whether it was accepted. */
function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** waitForTcp polls until host:port accepts a connection, or throws after `timeoutMs`. */
export async function waitForTcp(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(host, port, 500))) {
    if (Date.now() >= deadline) throw new Error(`${host}:${port} did not accept TCP within ${timeoutMs} ms`);
    await sleep(100);
  }
}
