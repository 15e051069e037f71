import { type EquivocationProof, headerDigest, isCoinRound } from '../consensus/dag/index.js';
import { bytesEqual } from '../crypto/hash.js';
import type { ConflictingAttestations } from './attestations.js';
import { sameStatement } from './commit-proof.js';
import { CreditError } from './credit-errors.js';
import { MAX_COMMITTEE_SIZE } from './quorum.js';

/**
 * One certified vertex of the cycle as the chain records it: its author and round, the validators
 * that acknowledged it (`voters`: those whose later ordered vertex references it), whether its
 * header carried a coin share, and whether it was ordered. A validator builds each round on the
 * first 2f + 1 certificates it holds, so one missing from a vertex's acknowledgers was late or
 * absent: that is the measure of lateness the chain gives (credit-evidence.ts).
 */
export interface CertifiedVertex {
  readonly author: number;
  readonly round: number;
  readonly voters: readonly number[];
  readonly coinShare: boolean;
  readonly committed: boolean;
}

/** Two signed, conflicting statements of one validator; their signatures are checked on admission. */
export type Equivocation =
  | { readonly kind: 'attestations'; readonly evidence: ConflictingAttestations }
  | { readonly kind: 'headers'; readonly proof: EquivocationProof };

/** What one shard's chain records of one cycle: rounds `firstRound` … `lastRound` inclusive. */
export interface CycleEvidence {
  readonly committeeSize: number;
  readonly firstRound: number;
  readonly lastRound: number;
  readonly vertices: readonly CertifiedVertex[];
  readonly equivocations: readonly Equivocation[];
}

/**
 * Points per event (rewards) and per miss (penalties), whole numbers. They will be fixed in
 * genesis, so every validator scores with the same ones.
 */
export interface CreditWeights {
  /** Per vertex (any author's, its own included) the validator acknowledged (referenced). */
  readonly vote: number;
  /** Per vertex of its own that was certified. */
  readonly certified: number;
  /** Per vertex of its own that was ordered. */
  readonly committed: number;
  /** Per certified vertex of its own that carried a coin share. */
  readonly coinShare: number;
  /** Penalty per round of the cycle in which it has no certified vertex. */
  readonly missedRound: number;
  /** Penalty per certificate of another author that does not list it (late or absent). */
  readonly missedVote: number;
}

export const DEFAULT_CREDIT_WEIGHTS: CreditWeights = {
  vote: 1,
  certified: 4,
  committed: 2,
  coinShare: 2,
  missedRound: 8,
  missedVote: 2,
};

/** Scores are parts of this: a validator that did everything the cycle allowed scores it exactly. */
export const CREDIT_SCALE = 10_000;
/** Bounds that keep every sum below 2^53, so plain numbers stay exact. */
export const MAX_CREDIT_WEIGHT = 1 << 16;
export const MAX_CYCLE_ROUNDS = 1 << 20;

/** One validator's counts over the cycle, before weighting. */
export interface CreditTally {
  readonly validator: number;
  readonly votes: number;
  readonly missedVotes: number;
  readonly certified: number;
  readonly committed: number;
  readonly coinShares: number;
  readonly missedRounds: number;
  readonly equivocated: boolean;
}

export interface CreditScores {
  /** Validator → score in 0 … CREDIT_SCALE, for every member of the committee. */
  readonly scores: ReadonlyMap<number, number>;
  /** Validators proven to have equivocated: score 0, to be removed from every role. */
  readonly suspended: ReadonlySet<number>;
}

/**
 * The cycle's counts per validator, the same whatever the order of the evidence lists. Refuses
 * (BAD_CREDIT_EVIDENCE) a member index outside the committee, a vertex outside the cycle's rounds,
 * two vertices for one author and round, a vertex naming more voters than members or one twice,
 * a coin share outside a coin round, and an equivocation whose two statements do not conflict.
 */
export function tallyCycle(evidence: CycleEvidence): CreditTally[] {
  const { committeeSize: n, firstRound, lastRound } = evidence;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_COMMITTEE_SIZE)
    bad(`committee size ${n} is not in 1 … ${MAX_COMMITTEE_SIZE}`, { committeeSize: n });
  if (
    !Number.isSafeInteger(firstRound) ||
    !Number.isSafeInteger(lastRound) ||
    firstRound < 1 ||
    lastRound < firstRound
  )
    bad(`rounds ${firstRound} … ${lastRound} are not a cycle`, { firstRound, lastRound });
  const rounds = lastRound - firstRound + 1;
  if (rounds > MAX_CYCLE_ROUNDS) bad(`${rounds} rounds exceed ${MAX_CYCLE_ROUNDS}`, { rounds });
  const votes = new Array<number>(n).fill(0);
  const certified = new Array<number>(n).fill(0);
  const committed = new Array<number>(n).fill(0);
  const coinShares = new Array<number>(n).fill(0);
  const selfVotes = new Array<number>(n).fill(0);
  const seen = new Set<number>();
  for (const vertex of evidence.vertices) {
    const { author, round } = vertex;
    member(author, n, 'author');
    if (!Number.isSafeInteger(round) || round < firstRound || round > lastRound)
      bad(`vertex of round ${round} is outside the cycle`, { author, round });
    const slot = (round - firstRound) * n + author;
    if (seen.has(slot)) bad(`two vertices of validator ${author} in round ${round}`, { author, round });
    seen.add(slot);
    if (vertex.voters.length > n)
      bad(`vertex of ${author} in round ${round} lists ${vertex.voters.length} voters`, {
        author,
        round,
      });
    const voters = new Set<number>();
    for (const voter of vertex.voters) {
      member(voter, n, 'voter');
      if (voters.has(voter)) bad(`voter ${voter} listed twice`, { author, round, voter });
      voters.add(voter);
      votes[voter]!++;
      if (voter === author) selfVotes[author]!++;
    }
    if (vertex.coinShare && !isCoinRound(round)) bad(`coin share in round ${round}`, { author, round });
    certified[author]!++;
    if (vertex.committed) committed[author]!++;
    if (vertex.coinShare) coinShares[author]!++;
  }
  const equivocated = new Set<number>();
  for (const e of evidence.equivocations) equivocated.add(equivocator(e, n));
  const total = evidence.vertices.length;
  return votes.map((v, validator) => ({
    validator,
    votes: v,
    // Its own certificates are not counted as missed: an author need not vote for itself.
    missedVotes: total - certified[validator]! - (v - selfVotes[validator]!),
    certified: certified[validator]!,
    committed: committed[validator]!,
    coinShares: coinShares[validator]!,
    missedRounds: rounds - certified[validator]!,
    equivocated: equivocated.has(validator),
  }));
}

/**
 * Credit of one cycle, integer arithmetic only so every validator derives the same numbers:
 * raw = vote·votes + certified·certified + committed·committed + coinShare·coinShares
 *       − missedRound·missedRounds − missedVote·missedVotes,
 * score = ⌊max(0, raw) · CREDIT_SCALE / best⌋, where best is the raw score of a validator that
 * voted in every certificate and had a certified, ordered vertex with its coin share in every
 * round. An equivocator scores 0 and is suspended.
 */
export function creditScores(
  evidence: CycleEvidence,
  weights: CreditWeights = DEFAULT_CREDIT_WEIGHTS,
): CreditScores {
  checkWeights(weights);
  const tallies = tallyCycle(evidence);
  const rounds = evidence.lastRound - evidence.firstRound + 1;
  let coinRounds = 0;
  for (let r = evidence.firstRound; r <= evidence.lastRound; r++) if (isCoinRound(r)) coinRounds++;
  const best =
    weights.vote * evidence.vertices.length +
    (weights.certified + weights.committed) * rounds +
    weights.coinShare * coinRounds;
  const scores = new Map<number, number>();
  const suspended = new Set<number>();
  for (const t of tallies) {
    if (t.equivocated) {
      scores.set(t.validator, 0);
      suspended.add(t.validator);
      continue;
    }
    const raw =
      weights.vote * t.votes +
      weights.certified * t.certified +
      weights.committed * t.committed +
      weights.coinShare * t.coinShares -
      weights.missedRound * t.missedRounds -
      weights.missedVote * t.missedVotes;
    scores.set(t.validator, raw <= 0 || best === 0 ? 0 : scaled(raw, best));
  }
  return { scores, suspended };
}

/** How much of a validator's credit survives each cycle, in parts per CREDIT_SCALE. */
export const DEFAULT_CREDIT_CARRY = 7_500;

/**
 * The running credit after a cycle: a member's credit moves toward its cycle score by
 * (CREDIT_SCALE − carry) / CREDIT_SCALE, rounded down; a node without a score this cycle (a
 * standby) keeps its credit, and a suspended node drops to 0. `initial` is the credit of a node
 * never scored before (to live in genesis with the weights).
 */
export function carryCredit(
  previous: ReadonlyMap<number, number>,
  cycle: CreditScores,
  carry: number = DEFAULT_CREDIT_CARRY,
  initial: number = CREDIT_SCALE / 2,
): Map<number, number> {
  if (!Number.isSafeInteger(carry) || carry < 0 || carry > CREDIT_SCALE)
    throw new CreditError('BAD_CREDIT_WEIGHTS', `carry ${carry} is not in 0 … ${CREDIT_SCALE}`, { carry });
  if (!Number.isSafeInteger(initial) || initial < 0 || initial > CREDIT_SCALE)
    throw new CreditError('BAD_CREDIT_WEIGHTS', `initial credit ${initial} is not in 0 … ${CREDIT_SCALE}`, {
      initial,
    });
  const next = new Map(previous);
  for (const [validator, score] of cycle.scores) {
    const before = previous.get(validator) ?? initial;
    next.set(validator, Math.floor((before * carry + score * (CREDIT_SCALE - carry)) / CREDIT_SCALE));
  }
  for (const validator of cycle.suspended) next.set(validator, 0);
  return next;
}

/** raw · CREDIT_SCALE may pass 2^53; the quotient never exceeds CREDIT_SCALE. */
function scaled(raw: number, best: number): number {
  return Number((BigInt(Math.min(raw, best)) * BigInt(CREDIT_SCALE)) / BigInt(best));
}

/**
 * The validator an equivocation convicts, once its two statements are checked to conflict (same
 * signer, same slot, different content). Signatures are not checked here: `equivocatorOf` does
 * that with the committee's keys before the evidence is admitted to a cycle.
 */
export function equivocator(e: Equivocation, n: number): number {
  if (e.kind === 'attestations') {
    const { signer, first, second } = e.evidence;
    member(signer, n, 'equivocator');
    const a = first.statement;
    const b = second.statement;
    if (first.signer !== signer || second.signer !== signer)
      bad(`attestations are not both signed by ${signer}`, { signer });
    if (a.chainId !== b.chainId || a.shardId !== b.shardId || a.epoch !== b.epoch || a.height !== b.height)
      bad(`attestations of ${signer} are for different heights`, { signer });
    if (sameStatement(a, b)) bad(`attestations of ${signer} do not conflict`, { signer });
    return signer;
  }
  const { author, round, first, second } = e.proof;
  member(author, n, 'equivocator');
  if (first.author !== author || second.author !== author || first.round !== round || second.round !== round)
    bad(`headers are not both by ${author} for round ${round}`, { author, round });
  if (bytesEqual(headerDigest(first), headerDigest(second)))
    bad(`headers of ${author} for round ${round} are the same`, { author, round });
  return author;
}

const WEIGHT_NAMES = ['vote', 'certified', 'committed', 'coinShare', 'missedRound', 'missedVote'] as const;

/** Every weight present and a whole number in 0 … MAX_CREDIT_WEIGHT (BAD_CREDIT_WEIGHTS otherwise). */
export function checkWeights(weights: CreditWeights): void {
  for (const name of WEIGHT_NAMES) {
    const value = weights[name];
    if (!Number.isSafeInteger(value) || value < 0 || value > MAX_CREDIT_WEIGHT)
      throw new CreditError(
        'BAD_CREDIT_WEIGHTS',
        `weight ${name} = ${value} is not a whole number in 0 … ${MAX_CREDIT_WEIGHT}`,
        { name, value },
      );
  }
}

function member(index: number, n: number, what: string): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= n)
    bad(`${what} ${index} is not a member`, { index });
}

function bad(message: string, data: Record<string, unknown>): never {
  throw new CreditError('BAD_CREDIT_EVIDENCE', message, data);
}
