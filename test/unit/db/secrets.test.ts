// agent/src/secrets: the at-rest format of the *_enc columns (SecretBox) and its key file.
// Lives beside the DB tests because sealed values are what those columns hold.
import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../../agent/src/secrets/box.js';
import { SecretsError } from '../../../agent/src/secrets/errors.js';
import { KEY_FILE, SECRETS_DIR, openSecretBox } from '../../../agent/src/secrets/keyfile.js';
import { tempDir } from './helpers.js';

const PRIV = 'QOZyXUWUPn31wtk/wYAOy5k2wUSRDwKpDCd3mBNCQkk=';
const k1 = new SecretBox(Buffer.alloc(32, 1));
const k2 = new SecretBox(Buffer.alloc(32, 2));

const secretsError = (fn: () => unknown): SecretsError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof SecretsError) return err;
    throw err;
  }
  throw new Error('expected a SecretsError');
};

describe('SecretBox', () => {
  it('seals to v1:base64(iv|tag|ciphertext) and opens again', () => {
    const sealed = k1.seal(PRIV);
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(sealed.slice(3), 'base64')).toHaveLength(12 + 16 + PRIV.length);
    expect(sealed).not.toContain(PRIV);
    expect(k1.openText(sealed)).toBe(PRIV);
    expect(SecretBox.isSealed(sealed)).toBe(true);
    expect(SecretBox.isSealed(PRIV)).toBe(false);
  });

  it('uses a fresh IV every time', () => {
    expect(k1.seal(PRIV)).not.toBe(k1.seal(PRIV));
  });

  it('refuses the wrong key with a typed error, never garbage', () => {
    const err = secretsError(() => k2.open(k1.seal(PRIV)));
    expect(err.code).toBe('open-failed');
    expect(err.message).toBe('sealed value does not open: wrong secret key, or the value was changed');
    expect(err.message).not.toContain(PRIV);
  });

  it('detects any flipped bit', () => {
    const raw = Buffer.from(k1.seal(PRIV).slice(3), 'base64');
    for (const i of [0, 12, 20, raw.length - 1]) {
      const t = Buffer.from(raw);
      t[i] = (t[i] ?? 0) ^ 1;
      expect(secretsError(() => k1.open(`v1:${t.toString('base64')}`)).code, `byte ${i}`).toBe('open-failed');
    }
  });

  it('binds the optional context', () => {
    const sealed = k1.seal(PRIV, 'network:1');
    expect(k1.openText(sealed, 'network:1')).toBe(PRIV);
    expect(secretsError(() => k1.open(sealed, 'network:2')).code).toBe('open-failed');
  });

  it.each([
    ['plain text', 'bad-format', 'not a sealed value (expected "v1:" + base64)'],
    ['v2:AAAA', 'unsupported-version', 'sealed value has version v2; this build reads v1'],
    ['v1:***', 'bad-format', 'sealed value is not valid base64'],
    ['v1:AAAA', 'bad-format', 'sealed value is too short (3 bytes)'],
  ])('refuses %j', (input, code, message) => {
    expect(secretsError(() => k1.open(input))).toMatchObject({ code, message });
  });

  it('never shows its key when printed or serialized', () => {
    expect(inspect({ box: k1 })).toBe('{ box: SecretBox { key: [redacted] } }');
    expect(JSON.stringify({ box: k1 })).toBe('{"box":"SecretBox"}');
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow('secret key must be 32 bytes, got 16');
  });
});

describe('openSecretBox (key file)', () => {
  it('creates a 32-byte key 0600 in a 0700 directory on first use, then reuses it', () => {
    const state = tempDir();
    const first = openSecretBox(state);
    expect(first.created).toBe(true);
    expect(first.path).toBe(path.join(state, SECRETS_DIR, KEY_FILE));
    expect(fs.statSync(first.path).mode & 0o777).toBe(0o600);
    expect(fs.statSync(first.path).size).toBe(32);
    expect(fs.statSync(path.dirname(first.path)).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(path.dirname(first.path))).toEqual([KEY_FILE]);
    const sealed = first.box.seal(PRIV);
    const second = openSecretBox(state);
    expect(second.created).toBe(false);
    expect(second.box.openText(sealed)).toBe(PRIV);
  });

  it('a different state dir has a different key', () => {
    const sealed = openSecretBox(tempDir()).box.seal(PRIV);
    expect(secretsError(() => openSecretBox(tempDir()).box.open(sealed)).code).toBe('open-failed');
  });

  it('refuses a key file others can read', () => {
    const state = tempDir();
    const { path: file } = openSecretBox(state);
    fs.chmodSync(file, 0o644);
    const err = secretsError(() => openSecretBox(state));
    expect(err.code).toBe('key-file');
    expect(err.message).toBe(`${file} has mode 0644, it must be 0600: others may have read it. If it was not exposed, run chmod 600 ${file}`);
  });

  it('tightens a too-open directory', () => {
    const state = tempDir();
    fs.mkdirSync(path.join(state, SECRETS_DIR), { mode: 0o755 });
    fs.chmodSync(path.join(state, SECRETS_DIR), 0o755);
    openSecretBox(state);
    expect(fs.statSync(path.join(state, SECRETS_DIR)).mode & 0o777).toBe(0o700);
  });

  it('refuses a damaged key file and a symlink', () => {
    const state = tempDir();
    const { path: file } = openSecretBox(state);
    fs.writeFileSync(file, Buffer.alloc(31), { mode: 0o600 });
    expect(secretsError(() => openSecretBox(state)).message).toBe(`${file} holds 31 bytes, a secret key is 32: the file is damaged`);
    fs.rmSync(file);
    const elsewhere = path.join(tempDir(), 'k');
    fs.writeFileSync(elsewhere, Buffer.alloc(32), { mode: 0o600 });
    fs.symlinkSync(elsewhere, file);
    expect(secretsError(() => openSecretBox(state)).code).toBe('key-file');
  });
});
