import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { CryptoError } from './errors.js';

/**
 * Ed25519 on node:crypto (OpenSSL, native). Keys travel as raw bytes: a 32-byte seed as the private
 * key and a 32-byte public key; KeyObjects are built through fixed DER prefixes, the fastest import.
 */
export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SEED_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

// RFC 8410 encodings with the key bytes appended.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface Ed25519KeyPair {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function ed25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) {
    throw new CryptoError('BAD_KEY_LENGTH', `Ed25519 public key must be 32 bytes, got ${publicKey.length}`, {
      length: publicKey.length,
    });
  }
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

export function ed25519PrivateKeyObject(seed: Uint8Array): KeyObject {
  if (seed.length !== ED25519_SEED_LENGTH) {
    throw new CryptoError('BAD_KEY_LENGTH', `Ed25519 seed must be 32 bytes, got ${seed.length}`, {
      length: seed.length,
    });
  }
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function ed25519KeyPairFromSeed(seed: Uint8Array): Ed25519KeyPair {
  const publicDer = createPublicKey(ed25519PrivateKeyObject(seed)).export({ format: 'der', type: 'spki' });
  return { seed: new Uint8Array(seed), publicKey: new Uint8Array(publicDer.subarray(SPKI_PREFIX.length)) };
}

/** A fresh key pair from the OS's CSPRNG; tests pass a seed instead, to stay deterministic. */
export function ed25519Generate(): Ed25519KeyPair {
  return ed25519KeyPairFromSeed(new Uint8Array(randomBytes(ED25519_SEED_LENGTH)));
}

/** Signs with a prepared KeyObject (hot paths) or a raw seed. */
export function ed25519Sign(key: KeyObject | Uint8Array, message: Uint8Array): Uint8Array {
  const keyObject = key instanceof Uint8Array ? ed25519PrivateKeyObject(key) : key;
  return new Uint8Array(sign(null, message, keyObject));
}

/** False for any bad signature, including one of the wrong length; throws only on a malformed key. */
export function ed25519Verify(
  key: KeyObject | Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  const keyObject = key instanceof Uint8Array ? ed25519PublicKeyObject(key) : key;
  return verify(null, message, keyObject, signature);
}
