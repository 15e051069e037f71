import {
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  ed25519KeyPairFromSeed,
  ed25519PrivateKeyObject,
  ed25519Sign,
  ed25519Verify,
} from './ed25519.js';
import { CryptoError } from './errors.js';
import { sha256, sm3 } from './hash.js';
import { SM2_PUBLIC_KEY_LENGTH, SM2_SIGNATURE_LENGTH, sm2 } from './sm2.js';

/**
 * A chain's cryptographic suite, fixed at genesis: one signature algorithm and one hash for
 * every block, transaction and state digest. Keys are held as 32-byte seeds.
 */
export type SchemeId = 'ed25519-sha256' | 'sm2-sm3';

export const SCHEME_IDS: readonly SchemeId[] = ['ed25519-sha256', 'sm2-sm3'];

/** A signing key prepared once for repeated signing (hot paths keep it). */
export interface Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface SignatureScheme {
  readonly id: SchemeId;
  /** One byte that tags the scheme in canonical encodings. */
  readonly code: number;
  readonly publicKeyLength: number;
  readonly signatureLength: number;
  hash(...parts: Uint8Array[]): Uint8Array;
  publicKeyFromSeed(seed: Uint8Array): Uint8Array;
  signer(seed: Uint8Array): Signer;
  /** False for any bad signature; throws a CryptoError only for a malformed public key. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export const ed25519Scheme: SignatureScheme = {
  id: 'ed25519-sha256',
  code: 1,
  publicKeyLength: ED25519_PUBLIC_KEY_LENGTH,
  signatureLength: ED25519_SIGNATURE_LENGTH,
  hash: sha256,
  publicKeyFromSeed: (seed) => ed25519KeyPairFromSeed(seed).publicKey,
  signer(seed) {
    const key = ed25519PrivateKeyObject(seed);
    const publicKey = ed25519KeyPairFromSeed(seed).publicKey;
    return { publicKey, sign: (message) => ed25519Sign(key, message) };
  },
  verify: (publicKey, message, signature) => ed25519Verify(publicKey, message, signature),
};

export const sm2Scheme: SignatureScheme = {
  id: 'sm2-sm3',
  code: 2,
  publicKeyLength: SM2_PUBLIC_KEY_LENGTH,
  signatureLength: SM2_SIGNATURE_LENGTH,
  hash: sm3,
  publicKeyFromSeed: (seed) => sm2.publicKeyFromPrivate(sm2.privateKeyFromSeed(seed)),
  signer(seed) {
    const d = sm2.privateKeyFromSeed(seed);
    const publicKey = sm2.publicKeyFromPrivate(d);
    return { publicKey, sign: (message) => sm2.sign(d, message, { publicKey }) };
  },
  verify: (publicKey, message, signature) => sm2.verify(publicKey, message, signature),
};

export function schemeById(id: string): SignatureScheme {
  if (id === ed25519Scheme.id) return ed25519Scheme;
  if (id === sm2Scheme.id) return sm2Scheme;
  throw new CryptoError('UNKNOWN_SCHEME', `unknown crypto scheme "${id}" (known: ${SCHEME_IDS.join(', ')})`, {
    scheme: id,
  });
}

export function schemeByCode(code: number): SignatureScheme {
  if (code === ed25519Scheme.code) return ed25519Scheme;
  if (code === sm2Scheme.code) return sm2Scheme;
  throw new CryptoError('UNKNOWN_SCHEME', `unknown crypto scheme code ${code}`, { scheme: String(code) });
}
