import { readFileSync } from 'node:fs';

/**
 * isAlive says whether a pid runs. A zombie counts as gone: it holds no socket or tun, and an
 * orphan's zombie lingers until whoever inherited it reaps it, which is not ours to wait for.
 */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
