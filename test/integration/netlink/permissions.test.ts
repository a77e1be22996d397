/**
 * Unprivileged use: a child process running as `nobody` inside a test namespace gets typed
 * errors (NetlinkError EPERM from the kernel, SyscallError EPERM from setns), never a crash.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useLiveContext } from './netns.js';

const here = dirname(fileURLToPath(import.meta.url));
const ctx = useLiveContext();

describe('permissions', () => {
  const ns = ctx.netns();

  it('reports EPERM as typed errors when run as nobody', () => {
    const out = execFileSync(
      'ip',
      ['netns', 'exec', ns.name, 'setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '--import', 'tsx', join(here, 'children/unprivileged.ts'), ns.name],
      { encoding: 'utf8', cwd: join(here, '../../..'), env: { ...process.env, HOME: '/tmp' } },
    );
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(result.uid).toBe(65534);
    expect(result.links).toBeGreaterThanOrEqual(1); // reading is allowed
    expect(result.create).toEqual({ class: 'NetlinkError', code: 'EPERM', errno: 1, message: 'Operation not permitted', op: 'RTM_NEWLINK' });
    expect(result.setns).toEqual({ class: 'SyscallError', code: 'EPERM', errno: 1, syscall: 'setns' });
    expect(ns.json<{ ifname: string }[]>(['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
  });
});
