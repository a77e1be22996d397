/** Throwaway namespaces for benchmarks: named bench-<random>, always deleted. */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export class BenchNetns {
  readonly name = `bench-${randomBytes(3).toString('hex')}`;

  constructor() {
    execFileSync('ip', ['netns', 'add', this.name]);
    execFileSync('ip', ['-n', this.name, 'link', 'set', 'lo', 'up']);
  }

  /** Runs `ip -n <ns> -batch -` with the given lines. */
  ipBatch(lines: string[]): void {
    execFileSync('ip', ['-n', this.name, '-batch', '-'], { input: lines.join('\n') + '\n', maxBuffer: 1 << 28 });
  }

  /** Milliseconds for one whole-process run of a command, output discarded. */
  time(argv: string[]): number {
    const t0 = performance.now();
    const r = spawnSync(argv[0] ?? '', argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status})`);
    return ms;
  }

  destroy(): void {
    spawnSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
