import { sha512 } from '@noble/hashes/sha2.js';
import { CoinError } from './errors.js';
import { bytesToBigBE, group, mod, scalarFromBytes, scalarToBytes } from './group.js';

/** What every validator knows: the threshold and each validator's verification key g^{x_i}. */
export interface CoinPublicKeys {
  /** f + 1: shares needed to open a coin, and the count the adversary alone can never reach. */
  readonly threshold: number;
  /** 32-byte ristretto255 encodings, indexed by validator index. */
  readonly verificationKeys: readonly Uint8Array[];
}

export interface CoinDeal {
  readonly publicKeys: CoinPublicKeys;
  /** Validator i's secret share x_i = p(i + 1), 32 bytes big-endian, indexed by validator index. */
  readonly secretShares: readonly Uint8Array[];
}

/**
 * Trusted dealing at genesis: a random polynomial p of degree threshold-1 over Z_q, secret p(0),
 * validator i gets p(i+1). Coefficients come from the seed so a genesis is reproducible; in
 * production the seed is fresh entropy held only by the dealer (or the dealer is replaced by a
 * distributed key generation, see docs/CONSENSUS.md).
 */
export function dealCoinKeys(size: number, threshold: number, seed: Uint8Array): CoinDeal {
  if (!Number.isInteger(size) || size < 1 || size > 1000) {
    throw new CoinError('BAD_PARAMETERS', `committee size ${size} is out of range`, { size });
  }
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > size) {
    throw new CoinError('BAD_PARAMETERS', `threshold ${threshold} must be in 1 … ${size}`, { threshold });
  }
  if (seed.length !== 32) throw new CoinError('BAD_PARAMETERS', 'dealer seed must be 32 bytes');
  const coefficients: bigint[] = [];
  for (let j = 0; j < threshold; j++) {
    const label = new TextEncoder().encode(`gridshard/coin/dealer/${j}`);
    const wide = sha512.create().update(label).update(seed).digest();
    coefficients.push(mod(bytesToBigBE(wide)));
  }
  const secretShares: Uint8Array[] = [];
  const verificationKeys: Uint8Array[] = [];
  for (let i = 0; i < size; i++) {
    const x = BigInt(i + 1);
    // Horner's rule: p(x) = c0 + x(c1 + x(c2 + …)).
    let value = 0n;
    for (let j = threshold - 1; j >= 0; j--) value = mod(value * x + coefficients[j]!);
    secretShares.push(scalarToBytes(value));
    verificationKeys.push(group.mulBase(value === 0n ? ZERO_SHARE_GUARD : value).bytes);
  }
  return { publicKeys: { threshold, verificationKeys }, secretShares };
}

// p(i) = 0 happens with probability about n / 2^252; the identity is no usable key, so map it to a value
// that is never a valid share instead of crashing (the dealing is then simply unusable).
const ZERO_SHARE_GUARD = 1n;

/** g^{x_i} for a share x_i: lets a validator check the share it received against the genesis. */
export function verificationKeyOfShare(secretShare: Uint8Array): Uint8Array {
  const value = scalarFromBytes(secretShare, 'coin share');
  return group.mulBase(value === 0n ? ZERO_SHARE_GUARD : value).bytes;
}
