/**
 * WireGuard keys: Curve25519 (X25519) private/public keys and preshared keys, all exactly 32
 * bytes. Generation and public-key derivation use node:crypto (OpenSSL), so no crypto code lives
 * here; this module only moves 32-byte values between the encodings each carrier wants:
 * base64 (wg(8), configs, our API), hex (the UAPI protocol) and bytes (generic netlink).
 *
 * Design decisions:
 * - `Key` is a small immutable value class rather than a bare Uint8Array: a Uint8Array can be
 *   mutated after validation and `===` compares identity, so every caller would re-check length
 *   and write its own equality. The bytes live in an ordinary (not `#private`) field so test
 *   matchers such as `toEqual` compare keys by value.
 * - Parsing is strict: base64 must be canonical (44 chars, re-encodes to itself) and hex exactly
 *   64 digits, and errors name the field and the length found, because a key pasted into the
 *   wrong field is the usual cause ("peer.publicKey: expected 32 bytes, got 33").
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { ConfigError } from './errors.js';

/** WG_KEY_LEN from <linux/wireguard.h>. */
export const KEY_LEN = 32;

/** PKCS#8 DER prefix of an X25519 private key (RFC 8410); the raw 32-byte key follows it. */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');


/** Key is one 32-byte WireGuard key (private, public or preshared). */
export class Key {
  private readonly raw: Uint8Array;

  private constructor(raw: Uint8Array) {
    this.raw = raw;
  }

  /** fromBytes copies exactly 32 bytes into a Key. */
  static fromBytes(bytes: Uint8Array, field = 'key'): Key {
    if (bytes.length !== KEY_LEN) {
      throw new ConfigError(field, `expected ${KEY_LEN} bytes, got ${bytes.length}`);
    }
    return new Key(Uint8Array.from(bytes));
  }

  /** fromBase64 parses the canonical 44-character base64 form printed by `wg genkey`. */
  static fromBase64(text: string, field = 'key'): Key {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      throw new ConfigError(field, `not base64 (${text.length} characters)`);
    }
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length !== KEY_LEN) {
      throw new ConfigError(field, `expected ${KEY_LEN} bytes, got ${bytes.length} (from ${text.length} base64 characters)`);
    }
    if (bytes.toString('base64') !== text) throw new ConfigError(field, 'non-canonical base64');
    return new Key(new Uint8Array(bytes));
  }

  /** fromHex parses 64 hex digits, the form the UAPI protocol uses. */
  static fromHex(text: string, field = 'key'): Key {
    if (!/^[0-9a-fA-F]*$/.test(text) || text.length % 2 !== 0) {
      throw new ConfigError(field, `not hex (${text.length} characters)`);
    }
    if (text.length !== KEY_LEN * 2) {
      throw new ConfigError(field, `expected ${KEY_LEN} bytes, got ${text.length / 2} (from ${text.length} hex digits)`);
    }
    return new Key(new Uint8Array(Buffer.from(text, 'hex')));
  }

  /** parse accepts either base64 or hex, for inputs typed by people. */
  static parse(text: string, field = 'key'): Key {
    return text.length === KEY_LEN * 2 ? Key.fromHex(text, field) : Key.fromBase64(text, field);
  }

  /** zero is the all-zero key, which WireGuard uses to mean "no key" when clearing one. */
  static zero(): Key {
    return new Key(new Uint8Array(KEY_LEN));
  }

  /** bytes returns a copy, so callers cannot change the key in place. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.raw);
  }

  isZero(): boolean {
    return this.raw.every((b) => b === 0);
  }

  equals(other: Key): boolean {
    return this.raw.length === other.raw.length && this.raw.every((b, i) => b === other.raw[i]);
  }

  toBase64(): string {
    return this.view().toString('base64');
  }

  toHex(): string {
    return this.view().toString('hex');
  }

  /** view is a Buffer over the key's own bytes (no copy), for encoding only; never handed out. */
  private view(): Buffer {
    return Buffer.from(this.raw.buffer, this.raw.byteOffset, this.raw.byteLength);
  }

  /** toString is the base64 form, as wg(8) prints it. */
  toString(): string {
    return this.toBase64();
  }

  toJSON(): string {
    return this.toBase64();
  }

  /**
   * publicKey treats this key as a private key and derives its public key.
   *
   * Equivalent to: `wg pubkey < private.key`.
   */
  publicKey(): Key {
    return publicKeyFromPrivate(this);
  }
}

/**
 * generatePrivateKey returns a fresh X25519 private key, clamped as `wg genkey` does so the
 * printed key looks like any other WireGuard private key (X25519 clamps again when it is used).
 *
 * Equivalent to: `wg genkey`.
 */
export function generatePrivateKey(): Key {
  const { privateKey } = generateKeyPairSync('x25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const raw = new Uint8Array(der.subarray(der.length - KEY_LEN));
  raw[0] = (raw[0] ?? 0) & 248;
  raw[31] = ((raw[31] ?? 0) & 127) | 64;
  return Key.fromBytes(raw);
}

/**
 * generateKeyPair returns a private key and its public key. The public key comes from the pair
 * OpenSSL generated (its SPKI export) rather than a second derivation, which costs ~3× the
 * generation itself (parsing the PKCS#8 key back): X25519 clamps the scalar before use, so the
 * clamped private key printed here has exactly this public key.
 */
export function generateKeyPair(): { privateKey: Key; publicKey: Key } {
  const pair = generateKeyPairSync('x25519');
  const der = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
  const raw = new Uint8Array(der.subarray(der.length - KEY_LEN));
  raw[0] = (raw[0] ?? 0) & 248;
  raw[31] = ((raw[31] ?? 0) & 127) | 64;
  const spki = pair.publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey: Key.fromBytes(raw), publicKey: Key.fromBytes(new Uint8Array(spki.subarray(spki.length - KEY_LEN))) };
}

/**
 * generatePresharedKey returns 32 random bytes (a PSK is not a curve point).
 *
 * Equivalent to: `wg genpsk`.
 */
export function generatePresharedKey(): Key {
  return Key.fromBytes(new Uint8Array(randomBytes(KEY_LEN)));
}

/**
 * publicKeyFromPrivate computes X25519(private, 9): node:crypto takes the raw key wrapped in
 * PKCS#8 DER and returns SPKI DER whose last 32 bytes are the public key.
 *
 * Equivalent to: `wg pubkey`.
 */
export function publicKeyFromPrivate(privateKey: Key): Key {
  const der = Buffer.concat([PKCS8_X25519_PREFIX, privateKey.bytes()]);
  const spki = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({
    format: 'der',
    type: 'spki',
  });
  return Key.fromBytes(new Uint8Array(spki.subarray(spki.length - KEY_LEN)));
}
