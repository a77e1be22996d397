/**
 * OpenSSH known_hosts, read and appended the way `ssh` does it.
 *
 * Lines are `[marker] hostpatterns keytype base64key [comment]`. Host patterns are a comma list
 * of names, `[name]:port` for non-22 ports, or one hashed entry `|1|salt|hmac` (HMAC-SHA1 of the
 * name keyed by the salt, as written by `ssh-keygen -H` / HashKnownHosts). Wildcard patterns and
 * negations are honoured for plain entries. `@revoked` keys are refused; `@cert-authority` lines
 * are ignored (we do not verify host certificates).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { matchesPatternList } from './ssh-patterns.js';

export interface KnownHostKey {
  keyType: string;
  /** Base64 of the SSH wire-format public key blob. */
  key: string;
  revoked: boolean;
  /** Where it came from, for messages ("~/.ssh/known_hosts:12"). */
  source: string;
}

/** The name `ssh` looks up for a host and port: `host` for 22, `[host]:port` otherwise. */
export function hostPatternName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** SHA256 fingerprint as OpenSSH prints it: `SHA256:` + unpadded base64. */
export function fingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

function matchesHashed(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split('|');
  if (magic !== '1' || salt === undefined || hash === undefined) return false;
  const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return mac === hash;
}

function matchesPatterns(patterns: string, name: string): boolean {
  return patterns.startsWith('|') ? matchesHashed(patterns, name) : matchesPatternList(patterns.split(','), name);
}

/** Every key listed for `host:port` in the given known_hosts files (missing files are skipped). */
export function lookupKnownHost(files: readonly string[], host: string, port: number): KnownHostKey[] {
  const name = hostPatternName(host, port);
  const found: KnownHostKey[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    text.split('\n').forEach((line, i) => {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 3 || fields[0]?.startsWith('#')) return;
      let marker: string | undefined;
      if (fields[0]?.startsWith('@')) marker = fields.shift();
      const [patterns, keyType, key] = fields;
      if (!patterns || !keyType || !key || marker === '@cert-authority') return;
      if (matchesPatterns(patterns, name)) {
        found.push({ keyType, key, revoked: marker === '@revoked', source: `${file}:${i + 1}` });
      }
    });
  }
  return found;
}

/**
 * Appends a trusted key for `host:port`, hashed like `HashKnownHosts yes` so the file does not
 * list the admin's hosts in clear text. Creates the file (0600) and its folder when missing.
 */
export function addKnownHost(file: string, host: string, port: number, keyType: string, key: string): void {
  const salt = randomBytes(20);
  const mac = createHmac('sha1', salt).update(hostPatternName(host, port)).digest('base64');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.appendFileSync(file, `|1|${salt.toString('base64')}|${mac} ${keyType} ${key}\n`, { mode: 0o600 });
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOfBlob(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}
