import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { CryptoError } from './errors.js';
import { ED25519_P, Ed25519Engine } from './wasm/ed25519-engine.js';
import { KnownKeys } from './wasm/known-keys.js';

/**
 * Ed25519. Signing and key derivation on node:crypto (OpenSSL, native, constant-time); keys travel
 * as raw bytes: a 32-byte seed as the private key and a 32-byte public key, and KeyObjects are
 * built through fixed DER prefixes, the fastest import. Verification, where everything is public,
 * runs the equation on generated WebAssembly (src/crypto/wasm/ed25519-engine.ts) with a window
 * table per busy key: about 2.5 times node:crypto's rate for a key seen often (docs/PERFORMANCE.md).
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

/** The group order L. */
const GROUP_ORDER = (1n << 252n) + 27742317777372353535851937790883648493n;

interface DecodedKey {
  /** −A, the point the verification equation multiplies. */
  readonly negatedX: bigint;
  readonly y: bigint;
}

// Only accepted keys are remembered: a refused key stays refused, and is checked again each time.
// 256 tables of 102 KB: a busy chain's committee and its most active senders. A table costs about
// three verifications by the NAF path more than it saves per use, so a key's 4th use earns one.
const TABLED_KEYS_LIMIT = 256;
const knownKeys = new KnownKeys<DecodedKey>({ keys: 4096, slots: TABLED_KEYS_LIMIT, usesBeforeTable: 4 });
let engine: Ed25519Engine | undefined;

function keyId(publicKey: Uint8Array): string {
  return latin1(publicKey);
}

/** The checked, decoded key (the checks of checkEd25519PublicKey). */
function decodeKey(publicKey: Uint8Array): DecodedKey {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) {
    throw new CryptoError('BAD_KEY_LENGTH', `Ed25519 public key must be 32 bytes, got ${publicKey.length}`, {
      length: publicKey.length,
    });
  }
  if (!isCanonicalY(publicKey)) {
    throw new CryptoError('BAD_PUBLIC_KEY', 'Ed25519 public key is not canonically encoded (y >= p)', {});
  }
  if (SMALL_ORDER_ENCODINGS.has(latin1(publicKey))) {
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
  const { x, y } = point.toAffine();
  return { negatedX: x === 0n ? 0n : ED25519_P - x, y };
}

/**
 * Throws a CryptoError unless the key is 32 bytes encoding, canonically (RFC 8032 §5.1.3: y < p,
 * no sign bit on x = 0), a point of the curve that is not of small order.
 */
export function checkEd25519PublicKey(publicKey: Uint8Array): void {
  knownKeys.get(keyId(publicKey), () => decodeKey(publicKey));
}

// Which raw key each KeyObject of ed25519PublicKeyObject holds, so that verifying with the object
// takes the same path as verifying with the bytes.
const rawKeyOfObject = new WeakMap<KeyObject, Uint8Array>();

let verifications = 0;

/** How many signatures this process has checked against the equation (a counter for tests and profiles). */
export function ed25519VerificationCount(): number {
  return verifications;
}

/** A KeyObject for a checked key: a malformed, non-canonical or small-order key throws. */
export function ed25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  checkEd25519PublicKey(publicKey);
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  rawKeyOfObject.set(key, new Uint8Array(publicKey));
  return key;
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
 *
 * The equation is RFC 8032's without the cofactor, as node:crypto (OpenSSL) checks it: the
 * encoding of [S]B − [k]A must equal R's bytes, k = SHA-512(R ‖ A ‖ M) mod L.
 */
export function ed25519Verify(
  key: KeyObject | Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const publicKey = key instanceof Uint8Array ? key : rawKeyOfObject.get(key);
  if (publicKey === undefined) return ed25519VerifyNative(key, message, signature);
  const id = keyId(publicKey);
  const known = knownKeys.get(id, () => decodeKey(publicKey));
  if (!isCanonicalEd25519Signature(signature)) return false;
  verifications++;
  const r = signature.subarray(0, 32);
  const digest = createHash('sha512').update(r).update(publicKey).update(message).digest();
  const k = BigInt(`0x${digest.reverse().toString('hex')}`) % GROUP_ORDER;
  engine ??= new Ed25519Engine(TABLED_KEYS_LIMIT);
  const verifier = engine;
  const slot = knownKeys.slotForUse(id, known, (at, point) =>
    verifier.buildKeyTable(at, point.negatedX, point.y),
  );
  return verifier.sumEncodes(signature.subarray(32), k, known.point.negatedX, known.point.y, slot, r);
}

/** The same check on node:crypto: the reference the tests compare with, and the benchmark's control. */
export function ed25519VerifyNative(
  key: KeyObject | Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const keyObject = key instanceof Uint8Array ? ed25519PublicKeyObject(key) : key;
  if (!isCanonicalEd25519Signature(signature)) return false;
  verifications++;
  return verify(null, message, keyObject, signature);
}
