import { createHmac } from 'node:crypto';
import {
  type WeierstrassPoint,
  type WeierstrassPointCons,
  weierstrass,
} from '@noble/curves/abstract/weierstrass.js';
import { CryptoError } from './errors.js';
import { sm3 } from './hash.js';
import { inverse, modulo } from './modular.js';
import { type KnownKey, KnownKeys } from './wasm/known-keys.js';
import { WeierstrassEngine } from './wasm/weierstrass-engine.js';

/**
 * SM2 digital signatures (GB/T 32918.2-2016) with SM3 hashing (GB/T 32905-2016).
 *
 * Node 20's OpenSSL binding accepts keys on the SM2 curve but signs with them as ECDSA keys (it
 * has no SM2 key type), so a signature made through `crypto.sign` is not an SM2 signature and
 * carries no signer identity. The SM2 equations are therefore written here on the curve
 * arithmetic of @noble/curves, with SM3 from node:crypto. The signer identity (Z value) is
 * computed as the standard prescribes: Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), and the
 * signed digest is e = SM3(Z ‖ M).
 *
 * Verification, where every value is public, runs on generated WebAssembly field arithmetic
 * (src/crypto/wasm/), several times faster than bigints; signing and key derivation, which
 * handle secrets, keep to noble's constant-time multiplication.
 */

export interface Sm2CurveParameters {
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly n: bigint;
  readonly Gx: bigint;
  readonly Gy: bigint;
}

/** The recommended curve sm2p256v1 (GB/T 32918.5-2017). */
export const SM2P256V1: Sm2CurveParameters = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
};

/** The identity every signer uses unless the chain names another (GB/T 35276 default). */
export const SM2_DEFAULT_ID = new TextEncoder().encode('1234567812345678');

export const SM2_PUBLIC_KEY_LENGTH = 65; // 04 ‖ x ‖ y, uncompressed: Z needs both coordinates
export const SM2_SIGNATURE_LENGTH = 64; // r ‖ s, 32 bytes each, big-endian
export const SM2_SEED_LENGTH = 32;

type Point = WeierstrassPoint<bigint>;

function bigintToBytes32(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function keyId(publicKey: Uint8Array): string {
  return Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
}

function bytesToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const byte of bytes) v = (v << 8n) | BigInt(byte);
  return v;
}

/** What verification keeps of a public key: the validated point and its signer digest under the default ID. */
interface DecodedKey {
  readonly x: bigint;
  readonly y: bigint;
  readonly defaultZ: Uint8Array;
}

const KEY_CACHE_LIMIT = 4096;
const USES_BEFORE_TABLE = 16;
const TABLED_KEYS_LIMIT = 128;
// The generator's table for signing: 8-bit windows halve its multiplication against noble's
// default 6 bits, for about 1 MB held once per curve.
const BASE_WINDOW = 8;

/** An SM2 instance over one curve: sm2p256v1 in production, the standard's example curve in tests. */
export class Sm2 {
  readonly curve: Sm2CurveParameters;
  private readonly Point: WeierstrassPointCons<bigint>;
  private readonly curvePrefix: Uint8Array;
  private readonly keys = new KnownKeys<DecodedKey>({
    keys: KEY_CACHE_LIMIT,
    slots: TABLED_KEYS_LIMIT,
    usesBeforeTable: USES_BEFORE_TABLE,
  });
  private verifier: WeierstrassEngine | undefined;
  private baseTabled = false;

  constructor(curve: Sm2CurveParameters = SM2P256V1) {
    this.curve = curve;
    this.Point = weierstrass({ ...curve, h: 1n });
    this.curvePrefix = new Uint8Array([
      ...bigintToBytes32(curve.a),
      ...bigintToBytes32(curve.b),
      ...bigintToBytes32(curve.Gx),
      ...bigintToBytes32(curve.Gy),
    ]);
  }

  /** A private key d in [1, n-2] derived from a 32-byte seed; seeds outside the range are re-hashed. */
  privateKeyFromSeed(seed: Uint8Array): bigint {
    if (seed.length !== SM2_SEED_LENGTH) {
      throw new CryptoError('BAD_KEY_LENGTH', `SM2 seed must be 32 bytes, got ${seed.length}`, {
        length: seed.length,
      });
    }
    let candidate = seed;
    for (;;) {
      const d = bytesToBigint(candidate);
      if (d >= 1n && d <= this.curve.n - 2n) return d;
      candidate = sm3(candidate);
    }
  }

  publicKeyFromPrivate(d: bigint): Uint8Array {
    const { x, y } = this.base().multiply(d).toAffine();
    return new Uint8Array([4, ...bigintToBytes32(x), ...bigintToBytes32(y)]);
  }

  /** Parses and validates an uncompressed public key (on the curve, not the identity). */
  publicKeyPoint(publicKey: Uint8Array): Point {
    if (publicKey.length !== SM2_PUBLIC_KEY_LENGTH || publicKey[0] !== 4) {
      throw new CryptoError('BAD_KEY_LENGTH', 'SM2 public key must be 65 bytes: 04 ‖ x ‖ y', {
        length: publicKey.length,
      });
    }
    try {
      const point = this.Point.fromAffine({
        x: bytesToBigint(publicKey.subarray(1, 33)),
        y: bytesToBigint(publicKey.subarray(33, 65)),
      });
      point.assertValidity();
      return point;
    } catch {
      throw new CryptoError('BAD_PUBLIC_KEY', 'SM2 public key is not a point of the curve', {});
    }
  }

  /** Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A), the signer's identity digest. */
  signerIdentityDigest(publicKey: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): Uint8Array {
    const bits = id.length * 8;
    if (bits > 0xffff) throw new CryptoError('BAD_KEY_LENGTH', 'SM2 signer ID longer than 8191 bytes', {});
    return sm3(new Uint8Array([bits >> 8, bits & 0xff]), id, this.curvePrefix, publicKey.subarray(1));
  }

  /** e = SM3(Z_A ‖ M) as an integer. */
  messageDigest(publicKey: Uint8Array, message: Uint8Array, id?: Uint8Array): bigint {
    return bytesToBigint(sm3(this.signerIdentityDigest(publicKey, id), message));
  }

  /**
   * Signs M. The per-signature secret k is derived deterministically from (d, e) with HMAC-SHA-256,
   * so no signature depends on the quality of a random source (the RFC 6979 idea).
   */
  sign(
    d: bigint,
    message: Uint8Array,
    options: { id?: Uint8Array; publicKey?: Uint8Array } = {},
  ): Uint8Array {
    const { n } = this.curve;
    // A signer that keeps its public key (the scheme's Signer does) spares a multiplication here.
    const publicKey = options.publicKey ?? this.publicKeyFromPrivate(d);
    const e =
      options.id === undefined
        ? bytesToBigint(sm3(this.knownKey(publicKey).point.defaultZ, message))
        : this.messageDigest(publicKey, message, options.id);
    const dInverse = inverse(1n + d, n);
    for (let counter = 0; ; counter++) {
      const k = this.deriveNonce(d, e, counter);
      const x1 = this.base().multiply(k).toAffine().x;
      const r = modulo(e + x1, n);
      if (r === 0n || r + k === n) continue;
      const s = modulo(dInverse * (k - r * d), n);
      if (s === 0n) continue;
      return new Uint8Array([...bigintToBytes32(r), ...bigintToBytes32(s)]);
    }
  }

  /** False for any invalid signature; throws only for a malformed public key. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, id?: Uint8Array): boolean {
    const keyName = keyId(publicKey);
    const key = this.knownKey(publicKey, keyName);
    if (signature.length !== SM2_SIGNATURE_LENGTH) return false;
    const { n } = this.curve;
    const r = bytesToBigint(signature.subarray(0, 32));
    const s = bytesToBigint(signature.subarray(32, 64));
    if (r < 1n || r >= n || s < 1n || s >= n) return false;
    const t = modulo(r + s, n);
    if (t === 0n) return false;
    const e =
      id === undefined
        ? bytesToBigint(sm3(key.point.defaultZ, message))
        : this.messageDigest(publicKey, message, id);
    const slot = this.keys.slotForUse(keyName, key, (at, { x, y }) => this.engine().buildKeyTable(at, x, y));
    // (e + x₁) mod n = r, with x₁ the affine x of s·G + t·P.
    return this.engine().sumXModNEquals(s, t, key.point.x, key.point.y, slot, modulo(r - e, n));
  }

  /** The generator with its signing table, built on first use (a chain of Ed25519 never pays for it). */
  private base(): Point {
    const base = this.Point.BASE;
    if (!this.baseTabled) {
      base.precompute(BASE_WINDOW);
      this.baseTabled = true;
    }
    return base;
  }

  private engine(): WeierstrassEngine {
    this.verifier ??= new WeierstrassEngine(this.curve, TABLED_KEYS_LIMIT);
    return this.verifier;
  }

  /** The validated key with its default-ID digest, from the cache or decoded now (typed errors as publicKeyPoint). */
  private knownKey(publicKey: Uint8Array, id = keyId(publicKey)): KnownKey<DecodedKey> {
    return this.keys.get(id, () => {
      const { x, y } = this.publicKeyPoint(publicKey).toAffine();
      return { x, y, defaultZ: this.signerIdentityDigest(publicKey) };
    });
  }

  private deriveNonce(d: bigint, e: bigint, counter: number): bigint {
    const { n } = this.curve;
    const mac = createHmac('sha256', bigintToBytes32(d));
    mac.update(bigintToBytes32(e));
    mac.update(
      new Uint8Array([counter >>> 24, (counter >>> 16) & 0xff, (counter >>> 8) & 0xff, counter & 0xff]),
    );
    return modulo(bytesToBigint(mac.digest()), n - 1n) + 1n;
  }
}

/** The production instance on sm2p256v1. */
export const sm2 = new Sm2();

export interface Sm2KeyPair {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function sm2KeyPairFromSeed(seed: Uint8Array): Sm2KeyPair {
  return { seed: new Uint8Array(seed), publicKey: sm2.publicKeyFromPrivate(sm2.privateKeyFromSeed(seed)) };
}

export function sm2Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return sm2.sign(sm2.privateKeyFromSeed(seed), message);
}

export function sm2Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return sm2.verify(publicKey, message, signature);
}
