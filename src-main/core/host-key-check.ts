/**
 * The host key decision, as a pure function of what the known_hosts files list for the host and
 * what the host presented, and the ssh config's StrictHostKeyChecking.
 *
 * Design decisions:
 * - Any non-revoked key known for the host, whatever its type, makes a different key a CHANGED
 *   key and refuses it: a host that suddenly offers only another key type is exactly what a
 *   man in the middle without the real key looks like. OpenSSH 9.2 does the same (checked in
 *   the lab: an RSA key on file, sshd offering only ed25519 → "REMOTE HOST IDENTIFICATION HAS
 *   CHANGED", "Offending RSA key"). The negotiation prefers the known types
 *   (`preferredHostKeyAlgorithms`, as OpenSSH orders HostKeyAlgorithms), so a host that still
 *   has its known key is never refused because it offered another one first. The admin
 *   forgets an old key explicitly, after comparing fingerprints (HostManager.forgetHostKey).
 * - `StrictHostKeyChecking` decides only about unknown keys: `yes` refuses them, `ask` (the
 *   default) asks the admin, `accept-new` and `no` accept them without asking. A changed key is
 *   refused under every setting (OpenSSH's `no` would connect with some features off; we never
 *   connect to a changed key).
 */
import { fingerprint } from './known-hosts.js';
import type { KnownHostKey } from './known-hosts.js';

/** ssh_config(5) StrictHostKeyChecking, normalised (`true`/`false` as `ssh -G` prints them). */
export type StrictHostKeyChecking = 'yes' | 'ask' | 'accept-new' | 'no';

export function parseStrictHostKeyChecking(value: string | undefined): StrictHostKeyChecking {
  const v = (value ?? 'ask').toLowerCase();
  if (v === 'yes' || v === 'true') return 'yes';
  if (v === 'no' || v === 'false' || v === 'off') return 'no';
  if (v === 'accept-new') return 'accept-new';
  return 'ask';
}

/** A key already on file for the host, as shown to the admin when the presented one differs. */
export interface KnownKeySummary {
  keyType: string;
  fingerprint: string;
  /** `file:line`. */
  source: string;
}

export type HostKeyVerdict =
  | { kind: 'trusted' }
  | { kind: 'revoked' }
  | { kind: 'changed'; known: KnownKeySummary[] }
  /** Unknown: `accept` = trust it without asking (accept-new/no), `ask` = ask, `refuse` = StrictHostKeyChecking yes. */
  | { kind: 'unknown'; action: 'accept' | 'ask' | 'refuse' };

export function summarizeKnownKey(k: KnownHostKey): KnownKeySummary {
  return { keyType: k.keyType, fingerprint: fingerprint(Buffer.from(k.key, 'base64')), source: k.source };
}

/** Judges the presented key (base64 blob) against the keys known for the host. */
export function judgeHostKey(known: readonly KnownHostKey[], presentedKey: string, strict: StrictHostKeyChecking): HostKeyVerdict {
  if (known.some((k) => k.revoked && k.key === presentedKey)) return { kind: 'revoked' };
  if (known.some((k) => !k.revoked && k.key === presentedKey)) return { kind: 'trusted' };
  const others = known.filter((k) => !k.revoked);
  if (others.length > 0) return { kind: 'changed', known: others.map(summarizeKnownKey) };
  return { kind: 'unknown', action: strict === 'yes' ? 'refuse' : strict === 'ask' ? 'ask' : 'accept' };
}

/** Host key algorithms ssh2 can verify, in its default order of preference. */
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] as const;

/** The signature algorithms that can present a key of `keyType` (an RSA key signs three ways). */
function algorithmsOf(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

/**
 * The host key algorithms to offer, known key types first (OpenSSH orders HostKeyAlgorithms the
 * same way), so a host that has several keys presents the one on file. Undefined (ssh2's
 * default) when nothing usable is known.
 */
export function preferredHostKeyAlgorithms(known: readonly KnownHostKey[]): string[] | undefined {
  const wanted = new Set(known.filter((k) => !k.revoked).flatMap((k) => algorithmsOf(k.keyType)));
  const first = HOST_KEY_ALGORITHMS.filter((a) => wanted.has(a));
  if (first.length === 0) return undefined;
  return [...first, ...HOST_KEY_ALGORITHMS.filter((a) => !wanted.has(a))];
}
