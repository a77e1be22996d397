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

/**
 * The name a host's keys are filed under: its `HostKeyAlias` when the ssh config gives one (used
 * verbatim, without the port, as `ssh` does), else `hostPatternName(host, port)`.
 */
export function knownHostsName(host: string, port: number, hostKeyAlias?: string): string {
  return hostKeyAlias ?? hostPatternName(host, port);
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

interface KnownHostsLine {
  marker: string | undefined;
  patterns: string;
  keyType: string;
  key: string;
}

/** One known_hosts line split into its fields; null for comments, blanks and broken lines. */
function parseLine(line: string): KnownHostsLine | null {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 3 || fields[0]?.startsWith('#')) return null;
  const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
  const [patterns, keyType, key] = fields;
  return patterns && keyType && key ? { marker, patterns, keyType, key } : null;
}

function readLines(file: string): string[] | null {
  try {
    return fs.readFileSync(file, 'utf8').split('\n');
  } catch {
    return null;
  }
}

/**
 * Every key listed under `name` (see knownHostsName) in the given known_hosts files; missing
 * files are skipped.
 */
export function lookupKnownHost(files: readonly string[], name: string): KnownHostKey[] {
  const found: KnownHostKey[] = [];
  for (const file of files) {
    readLines(file)?.forEach((line, i) => {
      const entry = parseLine(line);
      if (!entry || entry.marker === '@cert-authority' || !matchesPatterns(entry.patterns, name)) return;
      found.push({ keyType: entry.keyType, key: entry.key, revoked: entry.marker === '@revoked', source: `${file}:${i + 1}` });
    });
  }
  return found;
}

/**
 * Appends a trusted key under `name`, hashed like `HashKnownHosts yes` so the file does not list
 * the admin's hosts in clear text. Creates the file (0600) and its folder when missing.
 */
export function addKnownHost(file: string, name: string, keyType: string, key: string): void {
  const salt = randomBytes(20);
  const mac = createHmac('sha1', salt).update(name).digest('base64');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.appendFileSync(file, `|1|${salt.toString('base64')}|${mac} ${keyType} ${key}\n`, { mode: 0o600 });
}

/**
 * Removes the keys filed under `name` from one known_hosts file, like `ssh-keygen -R name -f
 * file`: a line is dropped when any of its patterns (plain or hashed) matches. `@revoked` lines
 * are kept (forgetting must not un-revoke), and with `onlyKeys` only lines holding one of those
 * base64 keys go, so a key added after the admin looked is not forgotten unseen. The file is
 * replaced atomically with its mode kept; returns the number of lines removed (0: untouched).
 */
export function removeKnownHost(file: string, name: string, onlyKeys?: ReadonlySet<string>): number {
  const lines = readLines(file);
  if (!lines) return 0;
  const kept = lines.filter((line) => {
    const entry = parseLine(line);
    if (!entry || entry.marker !== undefined || !matchesPatterns(entry.patterns, name)) return true;
    return onlyKeys !== undefined && !onlyKeys.has(entry.key);
  });
  const removed = lines.length - kept.length;
  if (removed === 0) return 0;
  const mode = fs.statSync(file).mode & 0o777;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, kept.join('\n'), { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
  return removed;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOfBlob(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}
