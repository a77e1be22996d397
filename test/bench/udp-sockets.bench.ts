/**
 * Benchmark: list 5,000 UDP sockets (IPv4 and IPv6 dumps, like `ss -uan`) in a throwaway
 * namespace. Ours: SockDiag.list in-process over an open NETLINK_SOCK_DIAG connection (the
 * agent's steady state), median of RUNS after a warm-up. C tool: the whole `ss -uan` process
 * (fork/exec, its two dumps, formatting to /dev/null), timed by one bash loop inside the
 * namespace with $EPOCHREALTIME so no Node spawn or `ip netns exec` cost is counted against ss.
 * A second row adds owner processes (`-p`, the /proc scan) on both sides. Needs root.
 *
 * Run alone: `npx tsx test/bench/udp-sockets.bench.ts`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadLibc } from '../../agent/src/netlink/ffi/libc.js';
import { SockDiag } from '../../agent/src/netlink/families/sockdiag/index.js';
import type { BenchResult } from './run.ts';

const SOCKETS = 5000;
const RUNS = 15;
const OPEN = join(import.meta.dirname, '../integration/netlink/children/open-sockets.py');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** ssMedian times `ss <args> >/dev/null` RUNS times in one bash inside the namespace. */
function ssMedian(ns: string, args: string): number {
  const script = `ss ${args} >/dev/null 2>&1; for i in $(seq ${RUNS}); do s=$EPOCHREALTIME; ss ${args} >/dev/null 2>&1; e=$EPOCHREALTIME; echo "$s $e"; done`;
  const out = execFileSync('ip', ['netns', 'exec', ns, 'bash', '-c', script], { encoding: 'utf8' });
  return median(out.trim().split('\n').map((l) => {
    const [s, e] = l.split(' ').map(Number);
    return ((e ?? 0) - (s ?? 0)) * 1000;
  }));
}

async function oursMedian(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: JIT, first-dump allocation
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function run(): Promise<BenchResult[]> {
  if (process.getuid?.() !== 0) throw new Error('udp-sockets bench needs root (namespaces)');
  const ns = `sd-bench-${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns]);
  let holder: ReturnType<typeof spawn> | undefined;
  let diag: SockDiag | undefined;
  try {
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    holder = spawn('ip', ['netns', 'exec', ns, 'python3', OPEN, JSON.stringify({ count: SOCKETS, countBase: 20000 })], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder?.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      holder?.once('exit', (code) => reject(new Error(`socket holder exited with ${code}`)));
    });
    diag = SockDiag.open(loadLibc(), { netns: ns });
    const d = diag;
    const count = (await d.list({ protocol: 'udp' })).length;
    if (count !== SOCKETS) throw new Error(`expected ${SOCKETS} sockets, listed ${count}`);
    const ours = await oursMedian(() => d.list({ protocol: 'udp' }));
    const oursOwners = await oursMedian(() => d.list({ protocol: 'udp', owners: true }));
    const cTool = ssMedian(ns, '-uan');
    const cToolOwners = ssMedian(ns, '-uanp');
    return [
      { name: `sock_diag: list ${SOCKETS} UDP sockets vs ss -uan`, ours, cTool, target: 1.0, note: `median of ${RUNS}; ss whole process` },
      { name: `sock_diag: ${SOCKETS} UDP sockets + owners vs ss -uanp`, ours: oursOwners, cTool: cToolOwners, note: `/proc scan included on both sides` },
    ];
  } finally {
    diag?.close();
    if (holder?.pid !== undefined && holder.exitCode === null) process.kill(holder.pid, 'SIGKILL');
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await run()) {
    const c = r.cTool ?? NaN;
    console.log(`${r.name}: ours ${r.ours.toFixed(2)} ms, ss ${c.toFixed(2)} ms, ratio ${(r.ours / c).toFixed(2)}`);
  }
}
