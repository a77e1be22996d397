/**
 * Where the desktop may keep a host's SSH secrets (login password, key passphrase) so it need
 * not ask again. Never in plain text: the Electron shell provides a store sealed by the OS
 * keychain (safeStorage); browser mode has no keychain, so it keeps nothing (`noSecretStore`) and
 * the UI asks each session.
 *
 * Design decisions:
 * - The sudo password is never kept, by any store: it unlocks root on the host, it is asked once
 *   per session and held in memory only (README, "Security"). Entries an older version stored
 *   for it are deleted when the store is opened.
 * - A keychain that protects nothing is no keychain: on Linux without a secret service,
 *   Electron's safeStorage falls back to a fixed key (`basic_text`); then nothing is kept and
 *   the UI says why (`keychainStatus`).
 */
import fs from 'node:fs';
import path from 'node:path';

export type SecretKind = 'password' | 'passphrase';
const KINDS: readonly string[] = ['password', 'passphrase'] satisfies SecretKind[];

export interface SecretStore {
  /** False when secrets are not kept (the UI then offers no "remember", and says why). */
  readonly persistent: boolean;
  /** Why nothing is kept, in the admin's words (when `persistent` is false). */
  readonly unavailableReason?: string | undefined;
  get(profileId: string, kind: SecretKind): Promise<string | undefined>;
  set(profileId: string, kind: SecretKind, value: string): Promise<void>;
  /** Forgets one secret, or all of a profile's when `kind` is absent. */
  delete(profileId: string, kind?: SecretKind): Promise<void>;
}

/** Keeps nothing. */
export const noSecretStore: SecretStore = {
  persistent: false,
  unavailableReason: 'Browser mode has no OS keychain, so passwords and passphrases are asked each session.',
  get: () => Promise.resolve(undefined),
  set: () => Promise.resolve(),
  delete: () => Promise.resolve(),
};

/** Seals and opens secrets; Electron's safeStorage has this shape (encryptString/decryptString). */
export interface SecretCipher {
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/** What keychainStatus needs of Electron's safeStorage. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  /** Linux only: which secret store seals the key (`basic_text` = a fixed key, no protection). */
  getSelectedStorageBackend?(): string;
}

/** Whether safeStorage really protects secrets on this machine, and if not, why (for the UI). */
export function keychainStatus(safeStorage: SafeStorageLike, platform: NodeJS.Platform): { persistent: boolean; reason?: string } {
  if (!safeStorage.isEncryptionAvailable()) return { persistent: false, reason: 'The OS keychain is not available, so passwords and passphrases are asked each session.' };
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
    if (backend === 'basic_text' || backend === 'unknown') {
      return {
        persistent: false,
        reason: `No secret service (GNOME Keyring, KWallet) is running, so the OS would seal secrets with a fixed key (${backend}) that protects nothing; passwords and passphrases are asked each session instead.`,
      };
    }
  }
  return { persistent: true };
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
  ) {
    const all = this.read();
    const kept = Object.fromEntries(Object.entries(all).filter(([key]) => KINDS.includes(key.slice(key.lastIndexOf('/') + 1))));
    if (Object.keys(kept).length !== Object.keys(all).length) this.write(kept);
  }

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
