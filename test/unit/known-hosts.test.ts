// known_hosts reading and writing, against a file written by OpenSSH's own tools.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addKnownHost, fingerprint, hostPatternName, keyTypeOfBlob, knownHostsName, lookupKnownHost, removeKnownHost } from '../../src-main/core/known-hosts.js';

const dir = path.resolve(import.meta.dirname, '../fixtures/ssh');
const file = path.join(dir, 'known_hosts');
const [keyType, key] = fs.readFileSync(path.join(dir, 'host_key.pub'), 'utf8').split(' ') as [string, string];

describe('known_hosts', () => {
  it('matches plain names, comma lists and addresses', () => {
    expect(lookupKnownHost([file], hostPatternName('plain.example.com', 22))).toHaveLength(1);
    expect(lookupKnownHost([file], hostPatternName('10.0.0.1', 22))[0]?.key).toBe(key);
    expect(lookupKnownHost([file], hostPatternName('other.example.com', 22))).toEqual([]);
  });

  it('uses [host]:port for ports other than 22', () => {
    expect(hostPatternName('h', 22)).toBe('h');
    expect(hostPatternName('h', 2222)).toBe('[h]:2222');
    expect(lookupKnownHost([file], hostPatternName('ported.example.com', 2222))).toHaveLength(1);
    expect(lookupKnownHost([file], hostPatternName('ported.example.com', 22))).toEqual([]);
  });

  it('honours wildcards and negations', () => {
    expect(lookupKnownHost([file], hostPatternName('a.wild.example.com', 22))).toHaveLength(1);
    expect(lookupKnownHost([file], hostPatternName('bad.wild.example.com', 22))).toEqual([]);
  });

  it('matches entries hashed by ssh-keygen -H', () => {
    expect(lookupKnownHost([file], hostPatternName('hashed.example.com', 22))).toHaveLength(1);
    expect(lookupKnownHost([file], hostPatternName('hashed.example.org', 22))).toEqual([]);
  });

  it('marks @revoked keys and names the source line', () => {
    const [k] = lookupKnownHost([file], hostPatternName('revoked.example.com', 22));
    expect(k?.revoked).toBe(true);
    expect(k?.source).toBe(`${file}:5`);
  });

  it('skips missing files', () => {
    expect(lookupKnownHost(['/nonexistent/known_hosts', file], hostPatternName('10.0.0.1', 22))).toHaveLength(1);
  });

  it('computes the fingerprint ssh-keygen -l prints', () => {
    const blob = Buffer.from(key, 'base64');
    expect(fingerprint(blob)).toBe(fs.readFileSync(path.join(dir, 'k.fingerprint'), 'utf8').trim());
    expect(keyTypeOfBlob(blob)).toBe(keyType);
  });

  it('appends hashed entries that it reads back, in a 0600 file', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-'));
    const out = path.join(tmp, 'sub', 'known_hosts');
    addKnownHost(out, hostPatternName('new.example.com', 2200), keyType, key);
    expect(fs.readFileSync(out, 'utf8')).not.toContain('new.example.com');
    expect(lookupKnownHost([out], hostPatternName('new.example.com', 2200))[0]?.key).toBe(key);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    fs.rmSync(tmp, { recursive: true });
  });

  it('files keys under HostKeyAlias verbatim (no port), as ssh does', () => {
    expect(knownHostsName('10.0.0.9', 2222, 'lab-box')).toBe('lab-box');
    expect(knownHostsName('10.0.0.9', 2222)).toBe('[10.0.0.9]:2222');
  });

  it('removes the keys of one name like ssh-keygen -R, keeping @revoked lines, other hosts and the mode', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-'));
    const out = path.join(tmp, 'known_hosts');
    fs.copyFileSync(file, out);
    fs.chmodSync(out, 0o640);
    addKnownHost(out, 'plain.example.com', keyType, key);
    expect(lookupKnownHost([out], 'plain.example.com')).toHaveLength(2);
    // Only the listed keys: another key is not forgotten unseen.
    expect(removeKnownHost(out, 'plain.example.com', new Set(['AAAAnot-this-key']))).toBe(0);
    expect(removeKnownHost(out, 'plain.example.com', new Set([key]))).toBe(2); // the plain line and the hashed one
    expect(lookupKnownHost([out], 'plain.example.com')).toEqual([]);
    expect(lookupKnownHost([out], 'hashed.example.com')).toHaveLength(1);
    expect(removeKnownHost(out, 'revoked.example.com')).toBe(0);
    expect(lookupKnownHost([out], 'revoked.example.com')[0]?.revoked).toBe(true);
    expect(fs.statSync(out).mode & 0o777).toBe(0o640);
    expect(removeKnownHost(path.join(tmp, 'absent'), 'x')).toBe(0);
    fs.rmSync(tmp, { recursive: true });
  });
});
