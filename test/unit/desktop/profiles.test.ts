/** Host profiles on disk (no secrets, 0600, atomic) and the secret stores. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileStore } from '../../../src-main/core/profiles.js';
import { keychainStatus, noSecretStore, SealedFileSecretStore } from '../../../src-main/core/secrets.js';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-profiles-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('ProfileStore', () => {
  it('adds, updates, lists and removes profiles in profiles.json with mode 0600', () => {
    const store = new ProfileStore(path.join(dir, 'sub', 'profiles.json'));
    expect(store.list()).toEqual([]);
    const a = store.save({ name: 'edge', host: '192.0.2.1', user: 'root', auth: 'key', keyPath: '/k' });
    expect(a).toMatchObject({ id: expect.any(String), port: 22, auth: 'key' });
    const b = store.save({ name: 'inner', alias: 'lab-out' });
    store.save({ ...a, port: 2222 });
    expect(store.list()).toEqual([{ ...a, port: 2222 }, b]);
    expect(fs.statSync(path.join(dir, 'sub', 'profiles.json')).mode & 0o777).toBe(0o600);
    store.remove(a.id);
    expect(store.list()).toEqual([b]);
    expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual(['profiles.json']); // no temp files left
  });

  it('drops any secret handed to it: the file has no field for one', () => {
    const store = new ProfileStore(path.join(dir, 'profiles.json'));
    store.save({ name: 'x', host: 'h', ...({ password: 'hunter2', passphrase: 'pp', sudoPassword: 'sp' } as object) });
    const text = fs.readFileSync(path.join(dir, 'profiles.json'), 'utf8');
    for (const s of ['hunter2', 'pp"', 'sp"', 'password']) expect(text).not.toContain(s);
  });

  it('refuses profiles without a host or alias, unknown ids, and unreadable files with typed errors', () => {
    const store = new ProfileStore(path.join(dir, 'profiles.json'));
    expect(() => store.save({ name: 'x' })).toThrow(expect.objectContaining({ code: 'PROFILE_INVALID' }));
    expect(() => store.save({ name: '', host: 'h' })).toThrow(expect.objectContaining({ code: 'PROFILE_INVALID' }));
    expect(() => store.get('nope')).toThrow(expect.objectContaining({ code: 'PROFILE_NOT_FOUND' }));
    expect(() => store.save({ id: 'nope', name: 'x', host: 'h' })).toThrow(expect.objectContaining({ code: 'PROFILE_NOT_FOUND' }));
    fs.writeFileSync(path.join(dir, 'profiles.json'), '{"version":1,"profiles":[{"id":"a"}]}');
    expect(() => store.list()).toThrow(expect.objectContaining({ code: 'PROFILES_UNREADABLE' }));
  });
});

describe('secret stores', () => {
  it('the keychain-sealed file holds only ciphertext, 0600, and round-trips', async () => {
    const cipher = { encryptString: (s: string) => Buffer.from(s, 'utf8').reverse(), decryptString: (b: Buffer) => Buffer.from(b).reverse().toString('utf8') };
    const file = path.join(dir, 'secrets.json');
    const store = new SealedFileSecretStore(file, cipher);
    await store.set('p1', 'password', 'correct horse');
    await store.set('p1', 'passphrase', 'battery staple');
    await store.set('p2', 'password', 'x');
    expect(await store.get('p1', 'password')).toBe('correct horse');
    expect(fs.readFileSync(file, 'utf8')).not.toContain('correct horse');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await store.delete('p1');
    expect(await store.get('p1', 'passphrase')).toBeUndefined();
    expect(await store.get('p2', 'password')).toBe('x');
  });

  it('deletes sudo passwords an older version stored, when the store is opened', () => {
    const file = path.join(dir, 'secrets.json');
    fs.writeFileSync(file, JSON.stringify({ 'p1/sudo': 'c2VhbGVk', 'p1/passphrase': 'c2VhbGVk' }));
    new SealedFileSecretStore(file, { encryptString: (s) => Buffer.from(s), decryptString: (b) => b.toString() });
    expect(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')) as object)).toEqual(['p1/passphrase']);
  });

  it('browser mode keeps nothing, and says so', async () => {
    await noSecretStore.set('p', 'password', 's');
    expect(await noSecretStore.get('p', 'password')).toBeUndefined();
    expect(noSecretStore.persistent).toBe(false);
    expect(noSecretStore.unavailableReason).toMatch(/no OS keychain/);
  });

  it("keeps nothing where Electron's safeStorage would use its fixed key (Linux basic_text), and says why", () => {
    const storage = (available: boolean, backend?: string) => ({ isEncryptionAvailable: () => available, ...(backend ? { getSelectedStorageBackend: () => backend } : {}) });
    expect(keychainStatus(storage(true, 'basic_text'), 'linux')).toMatchObject({ persistent: false, reason: expect.stringMatching(/secret service.*fixed key \(basic_text\)/) });
    expect(keychainStatus(storage(true, 'unknown'), 'linux').persistent).toBe(false);
    expect(keychainStatus(storage(true), 'linux').persistent).toBe(false);
    expect(keychainStatus(storage(false, 'gnome_libsecret'), 'linux')).toMatchObject({ persistent: false, reason: expect.stringMatching(/not available/) });
    expect(keychainStatus(storage(true, 'gnome_libsecret'), 'linux')).toEqual({ persistent: true });
    expect(keychainStatus(storage(true, 'kwallet5'), 'linux')).toEqual({ persistent: true });
    expect(keychainStatus(storage(true), 'darwin')).toEqual({ persistent: true });
  });
});
