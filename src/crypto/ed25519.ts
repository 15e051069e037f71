import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
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

/**
 * Strict acceptance of keys and signatures (docs/SECURITY.md, "Keys and signatures"): node:crypto
 * verifies, but it takes the identity and other small-order points as public keys, under which a
 * fixed signature verifies for every message, and it takes non-canonical point encodings. So every
 * key is checked once before use and every signature's encoding before each verification.
 */

// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const GROUP_ORDER_LE = littleEndian((1n << 252n) + 27742317777372353535851937790883648493n);

function littleEndian(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let rest = value;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

const latin1 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

// The eight points of order dividing 8, canonically encoded, and the two encodings of x = 0 points
// with the sign bit set (the identity's and (0, -1)'s), which RFC 8032 decoding refuses. With the
// y < p check below this lists every encoding of a small-order point a decoder could accept.
const SMALL_ORDER_ENCODINGS: ReadonlySet<string> = new Set(
  [
    ...ED25519_TORSION_SUBGROUP,
    '0100000000000000000000000000000000000000000000000000000000000080',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  ].map((hex) => Buffer.from(hex, 'hex').toString('latin1')),
);

// Most R values differ from all of them in the first byte, which spares building a string.
const SMALL_ORDER_FIRST_BYTES: ReadonlySet<number> = new Set(
  [...SMALL_ORDER_ENCODINGS].map((encoding) => encoding.charCodeAt(0)),
);

/** True when the 32 bytes, read little-endian, are below L: S has one encoding. */
export function isCanonicalScalar(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  for (let i = 31; i >= 0; i--) {
    if (bytes[i]! !== GROUP_ORDER_LE[i]!) return bytes[i]! < GROUP_ORDER_LE[i]!;
  }
  return false;
}

/** True when the y coordinate (the low 255 bits) is below p = 2^255 - 19. */
function isCanonicalY(encoding: Uint8Array): boolean {
  if ((encoding[31]! & 0x7f) !== 0x7f) return true;
  for (let i = 30; i >= 1; i--) if (encoding[i] !== 0xff) return true;
  return encoding[0]! < 0xed;
}

/**
 * The checks on a signature's bytes alone: 64 bytes, R a canonical encoding of a point that is
 * not of small order, S below L. The curve equation for R is left to the verification itself,
 * which compares R with a canonical encoding and so fails for anything off the curve.
 */
export function isCanonicalEd25519Signature(signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  const r = signature.subarray(0, 32);
  if (!isCanonicalY(r)) return false;
  if (SMALL_ORDER_FIRST_BYTES.has(r[0]!) && SMALL_ORDER_ENCODINGS.has(latin1(r))) return false;
  return isCanonicalScalar(signature.subarray(32));
}

// Decoding a point costs about two verifications, and keys repeat (the same senders, the same
// committee), so accepted keys are remembered. Only accepted ones: a refused key stays refused.
const CHECKED_KEY_LIMIT = 4096;
const checkedKeys = new Set<string>();

/**
 * Throws a CryptoError unless the key is 32 bytes encoding, canonically (RFC 8032 §5.1.3: y < p,
 * no sign bit on x = 0), a point of the curve that is not of small order.
 */
export function checkEd25519PublicKey(publicKey: Uint8Array): void {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) {
    throw new CryptoError('BAD_KEY_LENGTH', `Ed25519 public key must be 32 bytes, got ${publicKey.length}`, {
      length: publicKey.length,
    });
  }
  const id = latin1(publicKey);
  if (checkedKeys.has(id)) return;
  if (!isCanonicalY(publicKey)) {
    throw new CryptoError('BAD_PUBLIC_KEY', 'Ed25519 public key is not canonically encoded (y >= p)', {});
  }
  if (SMALL_ORDER_ENCODINGS.has(id)) {
    throw new CryptoError('BAD_PUBLIC_KEY', 'Ed25519 public key is a small-order point', {});
  }
  let point: ReturnType<typeof ed25519.Point.fromBytes>;
  try {
    point = ed25519.Point.fromBytes(publicKey, false);
  } catch {
    throw new CryptoError('BAD_PUBLIC_KEY', 'Ed25519 public key is not a point of the curve', {});
  }
  // Implied by the list above; kept so the refusal does not rest on that list alone.
  if (point.isSmallOrder()) {
    throw new CryptoError('BAD_PUBLIC_KEY', 'Ed25519 public key is a small-order point', {});
  }
  if (checkedKeys.size >= CHECKED_KEY_LIMIT) checkedKeys.clear();
  checkedKeys.add(id);
}

/** A KeyObject for a checked key: a malformed, non-canonical or small-order key throws. */
export function ed25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  checkEd25519PublicKey(publicKey);
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

/**
 * False for any bad signature, including one of the wrong length or a non-canonical one; throws only
 * on a malformed or weak key. A KeyObject must come from ed25519PublicKeyObject, which checks it.
 */
export function ed25519Verify(
  key: KeyObject | Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const keyObject = key instanceof Uint8Array ? ed25519PublicKeyObject(key) : key;
  if (!isCanonicalEd25519Signature(signature)) return false;
  return verify(null, message, keyObject, signature);
}
