/**
 * The OS keychain hook: SSH secrets the admin asked to remember are sealed with Electron's
 * safeStorage (Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux) before they reach
 * `secrets.json`. Where the keychain is unavailable or protects nothing (a Linux session without
 * a secret service: safeStorage's `basic_text` fixed key), nothing is kept and the UI says why
 * (core/secrets.ts keychainStatus), rather than falling back to (obfuscated) plain text.
 */
import { safeStorage } from 'electron';
import path from 'node:path';
import { keychainStatus, SealedFileSecretStore, type SecretStore } from '../core/secrets.js';

export function keychainSecretStore(dataDir: string): SecretStore {
  const sealed = new SealedFileSecretStore(path.join(dataDir, 'secrets.json'), {
    encryptString: (plain) => safeStorage.encryptString(plain),
    decryptString: (data) => safeStorage.decryptString(data),
  });
  // Asked at each use: safeStorage answers only after the app is ready.
  const status = () => keychainStatus(safeStorage, process.platform);
  const none = { persistent: false, get: () => Promise.resolve(undefined), set: () => Promise.resolve(), delete: () => Promise.resolve() };
  const store = (): SecretStore => (status().persistent ? sealed : none);
  return {
    get persistent() {
      return store().persistent;
    },
    get unavailableReason() {
      return status().reason;
    },
    get: (id, kind) => store().get(id, kind),
    set: (id, kind, value) => store().set(id, kind, value),
    delete: (id, kind) => store().delete(id, kind),
  };
}
