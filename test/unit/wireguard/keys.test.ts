import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../agent/src/wireguard/errors.js';
import {
  generateKeyPair,
  generatePresharedKey,
  generatePrivateKey,
  Key,
  KEY_LEN,
  publicKeyFromPrivate,
} from '../../../agent/src/wireguard/keys.js';
import { Prng } from '../../support/prng.js';

describe('X25519 public key derivation', () => {
  // RFC 7748 section 6.1 (Curve25519 Diffie-Hellman): Alice's and Bob's key pairs.
  it.each([
    ['Alice', '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'],
    ['Bob', '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb', 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'],
  ])('derives the RFC 7748 public key of %s', (_who, priv, pub) => {
    expect(publicKeyFromPrivate(Key.fromHex(priv)).toHex()).toBe(pub);
  });

  it('matches wg(8): the device key of test/fixtures/wireguard/uapi-get-configured.wg-dump.txt', () => {
    // `wg show wgcapa dump` printed this private/public pair.
    const priv = Key.fromBase64('oMtvZemCWc6hNPpmS31S4Vqh20zSTYjaxInblH0eS1Y=');
    expect(priv.publicKey().toBase64()).toBe('oQKjTo2NiGxzkGFXMebel2awvC95jhceXiAYfwChgiU=');
  });
});

describe('key generation', () => {
  it('generates clamped 32-byte private keys whose public keys differ', () => {
    const a = generatePrivateKey();
    const b = generatePrivateKey();
    const bytes = a.bytes();
    expect(bytes).toHaveLength(KEY_LEN);
    expect((bytes[0] ?? 0) & 7).toBe(0);
    expect((bytes[31] ?? 0) & 0xc0).toBe(0x40);
    expect(a.equals(b)).toBe(false);
    expect(a.publicKey().equals(b.publicKey())).toBe(false);
  });

  it('returns a pair whose public key is derived from its private key', () => {
    const { privateKey, publicKey } = generateKeyPair();
    expect(publicKeyFromPrivate(privateKey).equals(publicKey)).toBe(true);
  });

  it('generates 32 random bytes for a preshared key', () => {
    const psk = generatePresharedKey();
    expect(psk.bytes()).toHaveLength(32);
    expect(psk.isZero()).toBe(false);
  });
});

describe('Key encodings', () => {
  it('round-trips bytes, base64 and hex for random keys (seed 7748)', () => {
    const rng = new Prng(7748);
    for (let i = 0; i < 200; i++) {
      const k = Key.fromBytes(rng.bytes(32));
      expect(Key.fromBase64(k.toBase64()).equals(k)).toBe(true);
      expect(Key.fromHex(k.toHex()).equals(k)).toBe(true);
      expect(Key.parse(k.toHex()).equals(k)).toBe(true);
      expect(Key.parse(k.toBase64()).equals(k)).toBe(true);
      expect(Buffer.from(k.bytes()).toString('base64')).toBe(k.toBase64());
    }
  });

  it('prints base64 from toString and JSON, as wg(8) does', () => {
    const k = Key.fromHex('11'.repeat(32));
    expect(String(k)).toBe(k.toBase64());
    expect(JSON.stringify({ k })).toBe(`{"k":"${k.toBase64()}"}`);
  });

  it('is immutable: changing returned bytes does not change the key', () => {
    const src = new Uint8Array(32).fill(1);
    const k = Key.fromBytes(src, 'k');
    src[0] = 9;
    k.bytes()[0] = 9;
    expect(k.toHex()).toBe('01'.repeat(32));
  });

  it('compares by value with equals and with toEqual', () => {
    expect(Key.fromHex('ab'.repeat(32))).toEqual(Key.fromHex('AB'.repeat(32)));
    expect(Key.fromHex('ab'.repeat(32))).not.toEqual(Key.fromHex('ac'.repeat(32)));
    expect(Key.zero().isZero()).toBe(true);
  });
});

describe('Key validation', () => {
  const cases: Array<[string, () => Key, RegExp]> = [
    ['31 bytes', () => Key.fromBytes(new Uint8Array(31), 'peer.publicKey'), /^peer\.publicKey: expected 32 bytes, got 31$/],
    ['33 bytes', () => Key.fromBytes(new Uint8Array(33), 'privateKey'), /^privateKey: expected 32 bytes, got 33$/],
    ['base64 of 33 bytes', () => Key.fromBase64(Buffer.alloc(33).toString('base64'), 'presharedKey'), /presharedKey: expected 32 bytes, got 33 \(from 44 base64/],
    ['base64 of 24 bytes', () => Key.fromBase64(Buffer.alloc(24).toString('base64'), 'k'), /k: expected 32 bytes, got 24/],
    ['not base64', () => Key.fromBase64('not a key!', 'k'), /k: not base64/],
    ['non-canonical base64', () => Key.fromBase64('oMtvZemCWc6hNPpmS31S4Vqh20zSTYjaxInblH0eS1Z=', 'k'), /k: non-canonical base64/],
    ['63 hex digits', () => Key.fromHex('a'.repeat(63), 'k'), /k: not hex \(63 characters\)/],
    ['62 hex digits', () => Key.fromHex('a'.repeat(62), 'k'), /k: expected 32 bytes, got 31 \(from 62 hex digits\)/],
    ['non-hex', () => Key.fromHex('g'.repeat(64), 'k'), /k: not hex/],
  ];
  it.each(cases)('rejects %s with a ConfigError naming the field', (_name, make, message) => {
    let err: unknown;
    try {
      make();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(message);
  });
});
