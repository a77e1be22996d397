/**
 * The OS keychain hook: host secrets the admin asked to remember are sealed with Electron's
 * safeStorage (Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux) before they reach
 * `secrets.json`. Where the keychain is unavailable (a Linux session without a secret service),
 * nothing is kept and the UI asks again, rather than falling back to plain text.
 */
import { safeStorage } from 'electron';
import path from 'node:path';
import { noSecretStore, SealedFileSecretStore, type SecretStore } from '../core/secrets.js';

export function keychainSecretStore(dataDir: string): SecretStore {
  const sealed = new SealedFileSecretStore(path.join(dataDir, 'secrets.json'), {
    encryptString: (plain) => safeStorage.encryptString(plain),
    decryptString: (data) => safeStorage.decryptString(data),
  });
  // Asked at each use: safeStorage answers only after the app is ready.
  const store = () => (safeStorage.isEncryptionAvailable() ? sealed : noSecretStore);
  return {
    get persistent() {
      return store().persistent;
    },
    get: (id, kind) => store().get(id, kind),
    set: (id, kind, value) => store().set(id, kind, value),
    delete: (id, kind) => store().delete(id, kind),
  };
}
