import { sha512 } from '@noble/hashes/sha2.js';
import type { CoinPublicKeys } from './dealer.js';
import { CoinError } from './errors.js';
import {
  bytesToBigBE,
  type Element,
  group,
  isIdentity,
  mod,
  pointFromBytes,
  scalarFromBytes,
  scalarToBytes,
} from './group.js';

/**
 * Distributed generation of the threshold coin's keys, with no dealer: every member deals a random
 * polynomial of degree t − 1 (Feldman verifiable secret sharing), and a member's key share is the
 * sum of the shares the qualified dealers gave it. The committee's coin secret is the sum of the
 * qualified dealers' secrets, which no coalition of fewer than t members (t = f + 1) learns, and
 * which is random as long as one qualified dealer is honest.
 *
 * This is Pedersen's scheme (joint Feldman sharing) over a broadcast channel, with complaints
 * answered in public: commitments, complaints and their answers go through a channel where every
 * member sees the same messages in the same order, and a deadline closes each phase. The committee's
 * chain is such a channel, asynchronous and safe, ordered by BFT consensus; the deadline is a block
 * height, not a clock, so a slow network delays the outcome but cannot split it. Shares travel
 * encrypted to their recipient (the edges seal them; this core sees them in the clear). Known limit
 * of Pedersen's scheme (which Gennaro, Jarecki, Krawczyk and Rabin remove with a hiding first
 * phase): a rushing adversary that sees honest commitments first can bias the public key's
 * distribution; it still learns nothing of the secret, which is what keeps the coin unpredictable
 * to any f members.
 */

/** What a dealer publishes: commitments C_k = a_k·G to its polynomial's coefficients. */
export interface Dealing {
  readonly dealer: number;
  /** t points of 32 bytes: C_0 … C_{t−1}. */
  readonly commitments: readonly Uint8Array[];
}

/** What a dealer sends member `recipient` alone (encrypted on the way): p(recipient + 1). */
export interface PrivateShare {
  readonly dealer: number;
  readonly recipient: number;
  readonly share: Uint8Array;
}

/** A member's public accusation: the share it got from `dealer` does not match the commitments. */
export interface Complaint {
  readonly complainer: number;
  readonly dealer: number;
}

/** The dealer's public answer to a complaint: the share in the clear, for anyone to check. */
export interface Justification {
  readonly dealer: number;
  readonly recipient: number;
  readonly share: Uint8Array;
}

export interface DkgParameters {
  readonly size: number;
  /** Shares needed to open a coin: f + 1. */
  readonly threshold: number;
}

function checkParameters({ size, threshold }: DkgParameters): void {
  if (!Number.isInteger(size) || size < 1 || size > 1000)
    throw new CoinError('BAD_PARAMETERS', `committee size ${size} is out of range`, { size });
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > size)
    throw new CoinError('BAD_PARAMETERS', `threshold ${threshold} must be in 1 … ${size}`, { threshold });
}

/** Coefficients from 64 bytes of the dealer's fresh entropy per coefficient, reduced mod q. */
function polynomialOf(entropy: Uint8Array, threshold: number): bigint[] {
  if (entropy.length !== 32) throw new CoinError('BAD_PARAMETERS', 'dealer entropy must be 32 bytes');
  const coefficients: bigint[] = [];
  for (let k = 0; k < threshold; k++) {
    const label = new TextEncoder().encode(`gridshard/coin/dkg/${k}`);
    coefficients.push(mod(bytesToBigBE(sha512.create().update(label).update(entropy).digest())));
  }
  // A zero secret or top coefficient is astronomically unlikely; a fresh draw is the dealer's to make.
  if (coefficients[0] === 0n) throw new CoinError('BAD_PARAMETERS', 'draw fresh entropy: secret is zero');
  return coefficients;
}

function evaluate(coefficients: readonly bigint[], x: bigint): bigint {
  let value = 0n;
  for (let k = coefficients.length - 1; k >= 0; k--) value = mod(value * x + coefficients[k]!);
  return value;
}

/** Member `dealer`'s dealing: its public commitments and one private share for every member. */
export function deal(
  params: DkgParameters,
  dealer: number,
  entropy: Uint8Array,
): { dealing: Dealing; shares: PrivateShare[] } {
  checkParameters(params);
  const coefficients = polynomialOf(entropy, params.threshold);
  const commitments = coefficients.map((a) => group.mulBase(a).bytes);
  const shares: PrivateShare[] = [];
  for (let recipient = 0; recipient < params.size; recipient++)
    shares.push({ dealer, recipient, share: scalarToBytes(evaluate(coefficients, BigInt(recipient + 1))) });
  return { dealing: { dealer, commitments }, shares };
}

/** Σ_k (x)^k·C_k: the point p(x)·G that a share for x must match. */
function committedPoint(commitments: readonly Element[], x: bigint): Element {
  const powers: bigint[] = [];
  let power = 1n;
  for (let k = 0; k < commitments.length; k++) {
    powers.push(power);
    power = mod(power * x);
  }
  return group.linear(commitments, powers);
}

/** The dealing's commitments decoded, or null when it is malformed (wrong count, bad points). */
function commitmentsOf(params: DkgParameters, dealing: Dealing): Element[] | null {
  if (!Number.isInteger(dealing.dealer) || dealing.dealer < 0 || dealing.dealer >= params.size) return null;
  if (dealing.commitments.length !== params.threshold) return null;
  try {
    const points = dealing.commitments.map((c) => pointFromBytes(c, 'commitment'));
    return isIdentity(points[0]!) ? null : points;
  } catch {
    return null;
  }
}

/** Whether a dealing has `threshold` commitments, each a valid point, the first not the identity. */
export function dealingIsWellFormed(params: DkgParameters, dealing: Dealing): boolean {
  return commitmentsOf(params, dealing) !== null;
}

/** Whether `share` is p(recipient + 1) for the polynomial the dealing commits to. */
export function shareMatches(
  params: DkgParameters,
  dealing: Dealing,
  recipient: number,
  share: Uint8Array,
): boolean {
  const commitments = commitmentsOf(params, dealing);
  if (commitments === null || !Number.isInteger(recipient) || recipient < 0 || recipient >= params.size)
    return false;
  let value: bigint;
  try {
    value = scalarFromBytes(share, 'dkg share');
  } catch {
    return false;
  }
  const expected = committedPoint(commitments, BigInt(recipient + 1));
  const got = group.mulBase(value);
  return Buffer.from(expected.bytes).equals(got.bytes);
}

/**
 * The dealers whose dealing counts, from what the channel delivered by the deadline, the same at
 * every member: a well-formed dealing (the first per dealer), and every complaint against it
 * answered by a justification whose share matches. A complaint answered with a matching share
 * was unfounded and costs the dealer nothing; one unanswered or answered wrongly disqualifies it.
 * Fewer than `threshold` qualified dealers is refused: the coin would not be safe.
 */
export function qualifiedDealers(
  params: DkgParameters,
  dealings: readonly Dealing[],
  complaints: readonly Complaint[],
  justifications: readonly Justification[],
): number[] {
  checkParameters(params);
  const first = new Map<number, Dealing>();
  for (const d of dealings)
    if (!first.has(d.dealer) && commitmentsOf(params, d) !== null) first.set(d.dealer, d);
  const qualified: number[] = [];
  for (const [dealer, dealing] of [...first.entries()].sort((a, b) => a[0] - b[0])) {
    const against = new Set(
      complaints
        .filter(
          (c) =>
            c.dealer === dealer &&
            Number.isInteger(c.complainer) &&
            c.complainer >= 0 &&
            c.complainer < params.size,
        )
        .map((c) => c.complainer),
    );
    const answered = [...against].every((complainer) =>
      justifications.some(
        (j) =>
          j.dealer === dealer &&
          j.recipient === complainer &&
          shareMatches(params, dealing, complainer, j.share),
      ),
    );
    if (answered) qualified.push(dealer);
  }
  if (qualified.length < params.threshold)
    throw new CoinError(
      'BAD_PARAMETERS',
      `only ${qualified.length} qualified dealers; ${params.threshold} needed`,
      {
        qualified: qualified.length,
      },
    );
  return qualified;
}

/**
 * The coin keys the qualified dealings define, which every member computes alike: verification
 * key i = Σ_dealers p_dealer(i + 1)·G, read off the commitments. The coin's public secret point is
 * Σ C_0, never needed by the coin itself.
 */
export function dkgPublicKeys(params: DkgParameters, qualified: readonly Dealing[]): CoinPublicKeys {
  const all = qualified.map((d) => {
    const points = commitmentsOf(params, d);
    if (points === null)
      throw new CoinError('BAD_KEY', `dealing of ${d.dealer} is malformed`, { dealer: d.dealer });
    return points;
  });
  if (all.length === 0) throw new CoinError('BAD_KEY', 'no qualified dealing', {});
  // Σ_dealers p_d(x)·G = Σ_k x^k·(Σ_dealers C_{d,k}): sum the commitments once, then evaluate.
  const summed = all[0]!.map((_, k) =>
    group.linear(
      all.map((points) => points[k]!),
      all.map(() => 1n),
    ),
  );
  const verificationKeys: Uint8Array[] = [];
  for (let i = 0; i < params.size; i++) verificationKeys.push(committedPoint(summed, BigInt(i + 1)).bytes);
  return { threshold: params.threshold, verificationKeys };
}

/**
 * Member `recipient`'s coin secret share: the sum of the shares the qualified dealers gave it
 * (a justified share when the one it received did not match). Refuses a share that does not
 * match its dealing: the member must complain instead.
 */
export function dkgSecretShare(
  params: DkgParameters,
  recipient: number,
  qualified: readonly Dealing[],
  received: readonly PrivateShare[],
  justifications: readonly Justification[] = [],
): Uint8Array {
  let sum = 0n;
  for (const dealing of qualified) {
    const candidates = [
      ...received.filter((s) => s.dealer === dealing.dealer && s.recipient === recipient).map((s) => s.share),
      ...justifications
        .filter((j) => j.dealer === dealing.dealer && j.recipient === recipient)
        .map((j) => j.share),
    ];
    const share = candidates.find((s) => shareMatches(params, dealing, recipient, s));
    if (share === undefined)
      throw new CoinError('BAD_KEY', `no share of dealer ${dealing.dealer} matches its commitments`, {
        dealer: dealing.dealer,
      });
    sum = mod(sum + scalarFromBytes(share, 'dkg share'));
  }
  if (sum === 0n) throw new CoinError('BAD_KEY', 'the summed share is zero');
  return scalarToBytes(sum);
}
