import { sha256 } from '../../crypto/index.js';
import type { CoinPublicKeys } from './dealer.js';
import { type EncodedPoint, proveDleq, verifyDleq } from './dleq.js';
import { CoinError } from './errors.js';
import {
  type Element,
  GROUP_ORDER,
  group,
  invert,
  isIdentity,
  mod,
  POINT_LENGTH,
  pointFromBytes,
  SCALAR_LENGTH,
  scalarFromBytes,
  scalarToBytes,
} from './group.js';

/**
 * The Cachin–Kursawe–Shoup threshold Diffie–Hellman coin. Coin C's value is derived from
 * H(C)^x where x is the dealt secret: any threshold (f + 1) of the shares H(C)^{x_i} give it by
 * Lagrange interpolation in the exponent, and f shares (the adversary's) reveal nothing about it.
 * Each share carries a DLEQ proof, so a bad share is detected and ignored.
 */
export const COIN_SHARE_LENGTH = POINT_LENGTH + 2 * SCALAR_LENGTH;
export const COIN_VALUE_LENGTH = 32;

const encoder = new TextEncoder();
const NAME_DOMAIN = encoder.encode('gridshard/coin/name/v1');
const VALUE_DOMAIN = encoder.encode('gridshard/coin/value/v1');

/** The coin of one wave of one shard in one epoch: every honest node derives the same name. */
export function coinName(shardId: number, epoch: number, wave: number): Uint8Array {
  const out = new Uint8Array(NAME_DOMAIN.length + 16);
  out.set(NAME_DOMAIN);
  const view = new DataView(out.buffer);
  view.setUint32(NAME_DOMAIN.length, shardId);
  view.setUint32(NAME_DOMAIN.length + 4, epoch);
  view.setBigUint64(NAME_DOMAIN.length + 8, BigInt(wave));
  return out;
}

/**
 * What a validator keeps between coin operations: its committee's decoded verification keys, the
 * last few coin base points, share checks and opened values. It belongs to the coin-key object the
 * validator was given, so validators of one process that each hold their own object each pay for
 * their own checks, as they would on separate machines. (The simulator's validators of one run
 * hold the one object of their genesis, and so share it: every entry is a pure function of the
 * bytes it is keyed on.)
 */
interface CoinMemo {
  readonly keys: (VerificationKey | null)[];
  readonly bases: Map<string, EncodedPoint>;
  readonly checked: Map<string, boolean>;
  readonly combined: Map<string, Uint8Array>;
}

const memos = new WeakMap<CoinPublicKeys, CoinMemo>();

/** A decoded verification key, and how many shares it has checked so far. */
interface VerificationKey {
  readonly element: Element;
  checks: number;
}

/**
 * Every wave multiplies each key once more, and on the bigint backend a window table makes that
 * about 4x cheaper; but building the table costs about as much as 80 plain multiplications, so a
 * key gets one only once it has checked this many shares: a long-lived validator soon has them
 * all, a short one (a test, a simulated run of a few dozen waves) never pays for a table it would
 * not use up. (libsodium keeps no tables; the hint costs it nothing.)
 */
const CHECKS_BEFORE_TABLE = 64;

function memoOf(publicKeys: CoinPublicKeys): CoinMemo {
  let memo = memos.get(publicKeys);
  if (memo === undefined) {
    // Decoding a verification key costs a square root; the keys of a committee are decoded once.
    const keys = publicKeys.verificationKeys.map((bytes): VerificationKey | null => {
      try {
        return { element: pointFromBytes(bytes, 'verification key'), checks: 0 };
      } catch {
        return null;
      }
    });
    memo = { keys, bases: new Map(), checked: new Map(), combined: new Map() };
    memos.set(publicKeys, memo);
  }
  return memo;
}

// Hash-to-group costs about as much as a scalar multiplication; every share of a coin uses the
// same base point, so the last few are kept.
function coinBase(memo: CoinMemo, name: Uint8Array): EncodedPoint {
  const key = Buffer.from(name).toString('hex');
  let base = memo.bases.get(key);
  if (base === undefined) {
    base = group.hashToGroup(name);
    if (memo.bases.size >= 256) memo.bases.clear();
    memo.bases.set(key, base);
  }
  return base;
}

function verificationKey(publicKeys: CoinPublicKeys, index: number): VerificationKey | null {
  return memoOf(publicKeys).keys[index] ?? null;
}

/** The key's element for one more multiplication, with its window table once it has earned one. */
function keyForCheck(key: VerificationKey): EncodedPoint {
  key.checks++;
  if (key.checks === CHECKS_BEFORE_TABLE) group.reuse(key.element);
  return key.element;
}

/** Validator `index`'s share of coin `name`: H(name)^{x_i} and its proof, 96 bytes. */
export function createCoinShare(
  secretShare: Uint8Array,
  publicKeys: CoinPublicKeys,
  index: number,
  name: Uint8Array,
): Uint8Array {
  const secret = scalarFromBytes(secretShare, 'coin secret share');
  if (secret === 0n) throw new CoinError('BAD_KEY', 'coin secret share is zero');
  const v = verificationKey(publicKeys, index);
  if (v === null) throw new CoinError('BAD_KEY', `no verification key for validator ${index}`, { index });
  const h = coinBase(memoOf(publicKeys), name);
  const s = group.mul(h, secret);
  const proof = proveDleq(secret, v.element, h, s);
  const out = new Uint8Array(COIN_SHARE_LENGTH);
  out.set(s.bytes, 0);
  out.set(scalarToBytes(proof.challenge), POINT_LENGTH);
  out.set(scalarToBytes(proof.response), POINT_LENGTH + SCALAR_LENGTH);
  return out;
}

/** True when `share` is validator `index`'s correct share of coin `name`; false for any bad input. */
export function verifyCoinShare(
  publicKeys: CoinPublicKeys,
  index: number,
  name: Uint8Array,
  share: Uint8Array,
): boolean {
  const v = verificationKey(publicKeys, index);
  if (v === null || share.length !== COIN_SHARE_LENGTH) return false;
  const memo = memoOf(publicKeys);
  const key = Buffer.from(sha256(name, v.element.bytes, share)).toString('hex');
  const cached = memo.checked.get(key);
  if (cached !== undefined) return cached;
  let ok: boolean;
  try {
    const s = pointFromBytes(share.subarray(0, POINT_LENGTH), 'coin share');
    const challenge = scalarFromBytes(
      share.subarray(POINT_LENGTH, POINT_LENGTH + SCALAR_LENGTH),
      'challenge',
    );
    const response = scalarFromBytes(share.subarray(POINT_LENGTH + SCALAR_LENGTH), 'response');
    ok = !isIdentity(s) && verifyDleq({ challenge, response }, keyForCheck(v), coinBase(memo, name), s);
  } catch {
    ok = false;
  }
  if (memo.checked.size >= 4096) memo.checked.clear();
  memo.checked.set(key, ok);
  return ok;
}

export interface IndexedShare {
  readonly index: number;
  readonly share: Uint8Array;
}

/**
 * The coin value from `threshold` already verified shares of distinct validators (extra shares
 * are ignored; which subset is used does not change the value).
 */
export function combineCoinShares(
  publicKeys: CoinPublicKeys,
  name: Uint8Array,
  shares: readonly IndexedShare[],
): Uint8Array {
  const chosen: IndexedShare[] = [];
  const seen = new Set<number>();
  for (const item of shares) {
    if (seen.has(item.index)) continue;
    seen.add(item.index);
    chosen.push(item);
    if (chosen.length === publicKeys.threshold) break;
  }
  if (chosen.length < publicKeys.threshold) {
    throw new CoinError(
      'NOT_ENOUGH_SHARES',
      `coin needs ${publicKeys.threshold} shares, got ${chosen.length}`,
      {
        needed: publicKeys.threshold,
        got: chosen.length,
      },
    );
  }
  // The interpolated point does not depend on the order the shares came in (and ristretto255
  // encodes each element one way), so validators that received the same shares in another order
  // find the same entry.
  const inOrder = [...chosen].sort((a, b) => a.index - b.index);
  const memoKey = Buffer.from(
    sha256(name, ...inOrder.flatMap((c) => [indexBytes(c.index), c.share])),
  ).toString('hex');
  const memo = memoOf(publicKeys);
  const known = memo.combined.get(memoKey);
  if (known !== undefined) return known;
  const points: Element[] = [];
  const lambdas: bigint[] = [];
  for (const item of chosen) {
    const xi = BigInt(item.index + 1);
    let numerator = 1n;
    let denominator = 1n;
    for (const other of chosen) {
      if (other.index === item.index) continue;
      const xj = BigInt(other.index + 1);
      numerator = (numerator * xj) % GROUP_ORDER;
      denominator = mod(denominator * (xj - xi));
    }
    const lambda = mod(numerator * invert(denominator));
    points.push(pointFromBytes(item.share.subarray(0, POINT_LENGTH), 'coin share'));
    lambdas.push(lambda);
  }
  const value = sha256(VALUE_DOMAIN, name, group.linear(points, lambdas).bytes);
  if (memo.combined.size >= 1024) memo.combined.clear();
  memo.combined.set(memoKey, value);
  return value;
}

function indexBytes(index: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, index);
  return out;
}

/** The validator a coin value elects: its first 8 bytes as an integer, mod n (bias < n / 2^64). */
export function coinLeader(value: Uint8Array, size: number): number {
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return Number(view.getBigUint64(0) % BigInt(size));
}
