/**
 * Where the desktop may keep a host's secrets (SSH password, key passphrase, sudo password) so it
 * need not ask again. Never in plain text: the Electron shell provides a store sealed by the OS
 * keychain (safeStorage); browser mode has no keychain, so it keeps nothing (`noSecretStore`) and
 * the UI asks each session.
 */
import fs from 'node:fs';
import path from 'node:path';

export type SecretKind = 'password' | 'passphrase' | 'sudo';

export interface SecretStore {
  /** False when secrets are not kept (the UI then hides "remember"). */
  readonly persistent: boolean;
  get(profileId: string, kind: SecretKind): Promise<string | undefined>;
  set(profileId: string, kind: SecretKind, value: string): Promise<void>;
  /** Forgets one secret, or all of a profile's when `kind` is absent. */
  delete(profileId: string, kind?: SecretKind): Promise<void>;
}

/** Keeps nothing. */
export const noSecretStore: SecretStore = {
  persistent: false,
  get: () => Promise.resolve(undefined),
  set: () => Promise.resolve(),
  delete: () => Promise.resolve(),
};

/** Seals and opens secrets; Electron's safeStorage has this shape (encryptString/decryptString). */
export interface SecretCipher {
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/**
 * A file of sealed secrets (`secrets.json`, 0600): only ciphertext from `cipher` is written, so
 * the file is worthless without the OS keychain that holds the cipher's key.
 */
export class SealedFileSecretStore implements SecretStore {
  readonly persistent = true;
  constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher,
  ) {}

  get(profileId: string, kind: SecretKind): Promise<string | undefined> {
    const sealed = this.read()[`${profileId}/${kind}`];
    return Promise.resolve(sealed === undefined ? undefined : this.cipher.decryptString(Buffer.from(sealed, 'base64')));
  }

  set(profileId: string, kind: SecretKind, value: string): Promise<void> {
    const all = this.read();
    all[`${profileId}/${kind}`] = this.cipher.encryptString(value).toString('base64');
    this.write(all);
    return Promise.resolve();
  }

  delete(profileId: string, kind?: SecretKind): Promise<void> {
    const all = this.read();
    for (const key of Object.keys(all)) if (kind ? key === `${profileId}/${kind}` : key.startsWith(`${profileId}/`)) delete all[key];
    this.write(all);
    return Promise.resolve();
  }

  private read(): Record<string, string> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  private write(all: Record<string, string>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(all) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
