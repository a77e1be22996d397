/** How the agent is started for each privilege mode, how sudo failures are named, and the reconnect delays. */
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src-main/core/backoff.js';
import { agentCommand, classifySudoFailure, sudoPrompt } from '../../../src-main/core/privilege.js';

const who = { user: 'alice', host: 'h1' };

describe('agentCommand', () => {
  it('execs the launcher as is for root, through sudo -n, or through sudo -S with a marker prompt to answer', () => {
    expect(agentCommand('/opt/a b/wgpilot-agent', ['--state-dir', '/x'], 'root')).toBe(`exec '/opt/a b/wgpilot-agent' 'stdio' '--state-dir' '/x'`);
    expect(agentCommand('/l', [], 'sudo')).toBe(`exec sudo -n '/l' 'stdio'`);
    expect(agentCommand('/l', [], 'sudo-password', '[wgpilot-sudo:ab]')).toBe(`exec sudo -S -p '[wgpilot-sudo:ab]' '/l' 'stdio'`);
  });

  it('makes a fresh prompt marker each time, without the % that sudo would expand', () => {
    const a = sudoPrompt();
    expect(a).toMatch(/^\[wgpilot-sudo:[0-9a-f]{18}\]$/);
    expect(sudoPrompt()).not.toBe(a);
  });
});

describe('classifySudoFailure', () => {
  it.each([
    ['sudo: a password is required\n', 1, 'SUDO_PASSWORD_REQUIRED'],
    ['Sorry, try again.\n', null, 'SUDO_PASSWORD_WRONG'],
    ['sudo: 1 incorrect password attempt\n', 1, 'SUDO_PASSWORD_WRONG'],
    ['alice is not in the sudoers file.  This incident will be reported.\n', 1, 'SUDO_NOT_ALLOWED'],
    ['Sorry, user alice is not allowed to execute \'/l stdio\' as root on h1.\n', 1, 'SUDO_NOT_ALLOWED'],
    ['sh: 1: exec: sudo: not found\n', 127, 'SUDO_MISSING'],
  ] as const)('%j (exit %s) → %s', (stderr, exit, code) => {
    const err = classifySudoFailure(stderr, exit, who);
    expect(err?.code).toBe(code);
    expect(err?.message).toContain('h1');
  });

  it('leaves failures that are not sudo\'s alone', () => {
    expect(classifySudoFailure('wgpilot-agent: no Node.js runtime found\n', 1, who)).toBeNull();
  });
});

describe('backoffDelay', () => {
  it('doubles from 0.5 s up to the 10 s cap, with jitter in the upper half', () => {
    const lo = (n: number) => backoffDelay(n, { random: () => 0 });
    const hi = (n: number) => backoffDelay(n, { random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6, 7].map(hi)).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000]);
    expect([1, 2, 6].map(lo)).toEqual([250, 500, 5000]);
    expect(backoffDelay(3, { initialMs: 100, maxMs: 300, random: () => 1 })).toBe(300);
  });
});
