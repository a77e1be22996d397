/**
 * SecretBox seals small secrets (WireGuard private and preshared keys) for storage in the
 * database: AES-256-GCM under a 32-byte key that lives in a root-only file (keyfile.ts).
 *
 * Sealed format, version 1: `v1:` + base64(iv[12] | tag[16] | ciphertext). The version prefix
 * lets a later build change algorithm or key (rotation) and still read old rows.
 *
 * Design decisions:
 * - GCM authenticates: a wrong key or any changed byte fails with SecretsError('open-failed')
 *   instead of returning garbage that would later be pushed into a device as a key.
 * - A random 96-bit IV per seal (NIST SP 800-38D's recommended size); with at most thousands of
 *   seals under one key, random IVs are far from the 2^32 bound.
 * - Optional `context` is bound as additional authenticated data (e.g. the public key the
 *   private key belongs to), so a sealed value copied into another row does not open there.
 * - The key sits in a #private field and the class prints as "SecretBox { key: [redacted] }",
 *   so neither logging nor JSON serialization of an object holding a box can leak it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { SecretsError } from './errors.js';

/** SealedSecret is the text form stored in *_enc columns; a brand keeps plaintext out of them. */
export type SealedSecret = string & { readonly __sealed: unique symbol };

export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const V1 = 'v1:';
/** Domain separation: these bytes start the AAD of every v1 value. */
const AAD_PREFIX = 'wgpilot-secret-v1\0';

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== SECRET_KEY_BYTES) {
      throw new SecretsError('key-file', `secret key must be ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
    }
    this.#key = Buffer.from(key);
  }

  /** seal encrypts `plaintext` (UTF-8 text or bytes). */
  seal(plaintext: string | Uint8Array, context = ''): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(AAD_PREFIX + context, 'utf8'));
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    return (V1 + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')) as SealedSecret;
  }

  /** open decrypts a sealed value to bytes; throws SecretsError, never returns unauthenticated data. */
  open(sealed: string, context = ''): Buffer {
    if (!sealed.startsWith(V1)) {
      const version = /^(v\d+):/.exec(sealed)?.[1];
      if (version) throw new SecretsError('unsupported-version', `sealed value has version ${version}; this build reads v1`);
      throw new SecretsError('bad-format', 'not a sealed value (expected "v1:" + base64)');
    }
    const body = sealed.slice(V1.length);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
      throw new SecretsError('bad-format', 'sealed value is not valid base64');
    }
    const raw = Buffer.from(body, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) {
      throw new SecretsError('bad-format', `sealed value is too short (${raw.length} bytes)`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(AAD_PREFIX + context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (err) {
      throw new SecretsError('open-failed', 'sealed value does not open: wrong secret key, or the value was changed', { cause: err });
    }
  }

  /** openText decrypts a value sealed from text. */
  openText(sealed: string, context = ''): string {
    return this.open(sealed, context).toString('utf8');
  }

  /** isSealed tells whether text looks like a sealed value of any version (no decryption). */
  static isSealed(text: string): boolean {
    return /^v\d+:[A-Za-z0-9+/]+={0,2}$/.test(text);
  }

  toJSON(): string {
    return 'SecretBox';
  }

  [inspect.custom](): string {
    return 'SecretBox { key: [redacted] }';
  }
}
