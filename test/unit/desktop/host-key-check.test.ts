/** The host key decision: changed keys of any type refused, StrictHostKeyChecking for unknown keys. */
import { describe, expect, it } from 'vitest';
import { judgeHostKey, parseStrictHostKeyChecking, preferredHostKeyAlgorithms } from '../../../src-main/core/host-key-check.js';
import type { KnownHostKey } from '../../../src-main/core/known-hosts.js';

const ed = 'AAAAC3NzaC1lZDI1NTE5AAAAIBFOF2TuWt/P7dRPCew4EcBMZEQiLHVXKxWWLZl5odap';
const otherEd = 'AAAAC3NzaC1lZDI1NTE5AAAAIHqDxv1uVtRt0mO6dJ6CxeT3w3f1bW8Y0xkTqTWBv8Xh';
const rsa = 'AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7';
const known = (keyType: string, key: string, revoked = false, line = 1): KnownHostKey => ({ keyType, key, revoked, source: `/kh:${line}` });

describe('judgeHostKey', () => {
  it('trusts a key on file and refuses a revoked one', () => {
    expect(judgeHostKey([known('ssh-ed25519', ed)], ed, 'ask')).toEqual({ kind: 'trusted' });
    expect(judgeHostKey([known('ssh-ed25519', ed, true)], ed, 'no')).toEqual({ kind: 'revoked' });
  });

  it('refuses a key of the same type that differs (CHANGED), naming the known key', () => {
    const v = judgeHostKey([known('ssh-ed25519', ed)], otherEd, 'ask');
    expect(v).toMatchObject({ kind: 'changed', known: [{ keyType: 'ssh-ed25519', source: '/kh:1' }] });
  });

  it('refuses a key of ANOTHER type when any key is known for the host, under every StrictHostKeyChecking', () => {
    for (const strict of ['yes', 'ask', 'accept-new', 'no'] as const) {
      expect(judgeHostKey([known('ssh-rsa', rsa)], ed, strict).kind).toBe('changed');
    }
  });

  it('does not count a revoked key as known', () => {
    expect(judgeHostKey([known('ssh-rsa', rsa, true)], ed, 'ask')).toEqual({ kind: 'unknown', action: 'ask' });
  });

  it('treats an unknown key per StrictHostKeyChecking', () => {
    expect(judgeHostKey([], ed, 'yes')).toEqual({ kind: 'unknown', action: 'refuse' });
    expect(judgeHostKey([], ed, 'ask')).toEqual({ kind: 'unknown', action: 'ask' });
    expect(judgeHostKey([], ed, 'accept-new')).toEqual({ kind: 'unknown', action: 'accept' });
    expect(judgeHostKey([], ed, 'no')).toEqual({ kind: 'unknown', action: 'accept' });
  });

  it('reads StrictHostKeyChecking as ssh -G prints it', () => {
    expect(['true', 'yes', 'false', 'no', 'off', 'accept-new', 'ask', undefined].map(parseStrictHostKeyChecking)).toEqual(['yes', 'yes', 'no', 'no', 'no', 'accept-new', 'ask', 'ask']);
  });
});

describe('preferredHostKeyAlgorithms', () => {
  it('offers the known key types first, so a host with several keys presents the one on file', () => {
    expect(preferredHostKeyAlgorithms([known('ssh-rsa', rsa)])?.slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(preferredHostKeyAlgorithms([known('ecdsa-sha2-nistp256', 'x')])?.[0]).toBe('ecdsa-sha2-nistp256');
    expect(preferredHostKeyAlgorithms([])).toBeUndefined();
    expect(preferredHostKeyAlgorithms([known('ssh-rsa', rsa, true)])).toBeUndefined();
  });
});
