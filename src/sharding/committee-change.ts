import { decodeExact, type Reader, Writer } from '../codec/index.js';
import type { Committee, SharedChecks } from '../consensus/interface.js';
import { checkEd25519PublicKey } from '../crypto/ed25519.js';
import { sha256, toHex } from '../crypto/hash.js';
import { CREDIT_SCALE } from './credit.js';
import { ShardingError } from './errors.js';
import {
  MAX_COMMITTEE_SIZE,
  type MemberSignature,
  readSignatures,
  verifyQuorumSignatures,
  writeSignatures,
} from './quorum.js';

/**
 * A shard's committee handover, made transferable: the next epoch's member list with the votes
 * of 2f + 1 members of the committee before it, each signed over the statement below. A committee
 * votes once per epoch and two lists cannot both reach a quorum, so the certificate names the one
 * committee that takes over; whoever holds the outgoing committee's keys can check it without the
 * shard's chain. Every chain of a sharded system records it (`shards.committee`), so what the new
 * committee signs (commit proofs, cross-zone votes) can be checked there too.
 */
export interface CommitteeChange {
  readonly shardId: number;
  readonly nextEpoch: number;
  readonly members: readonly Uint8Array[];
  /**
   * Each new member's credit as the election computed it (0 … CREDIT_SCALE), by its index in
   * `members`: signed with the list, so every chain that records the committee draws its masters
   * weighted by the same figures (`drawMastersByCredit`).
   */
  readonly credit: readonly number[];
  /** The outgoing committee's votes, by committee index, ascending. */
  readonly votes: readonly MemberSignature[];
}

const HANDOVER_DOMAIN = new TextEncoder().encode('gridshard/handover/v2');

/** Hash of a member list (names a pending committee's key-generation session). */
export function membersDigest(members: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(8 + members.length * 32);
  w.array(members, (ww, key) => ww.fixedBytes(key, 32));
  return sha256(w.finish());
}

/** Hash of an election's outcome: what a vote names, and what votes must agree on to count together. */
export function electionDigest(members: readonly Uint8Array[], credit: readonly number[]): Uint8Array {
  const w = new Writer(40 + credit.length * 4).fixedBytes(membersDigest(members), 32);
  w.array(credit, (ww, value) => ww.u32(value));
  return sha256(w.finish());
}

/**
 * What a member of the outgoing committee signs: domain, chain, shard, the epoch voted for and
 * the digest of the member list with its credit. The epoch, shard and chain make a vote worthless
 * anywhere else: a vote for epoch e + 1 cannot hand over epoch e + 2, nor another shard, nor on
 * another chain.
 */
export function handoverSigningBytes(
  chainId: string,
  shardId: number,
  nextEpoch: number,
  members: readonly Uint8Array[],
  credit: readonly number[],
): Uint8Array {
  return new Writer(96)
    .fixedBytes(HANDOVER_DOMAIN, HANDOVER_DOMAIN.length)
    .string(chainId)
    .u32(shardId)
    .u64(nextEpoch)
    .fixedBytes(electionDigest(members, credit), 32)
    .finish();
}

/**
 * Why an election's outcome cannot stand, or null: no member, a key listed twice or not a valid
 * Ed25519 key, credit not given for exactly the members, or a figure outside 0 … CREDIT_SCALE.
 * The handover contract and every chain that records a handover apply the same rule.
 */
export function electionOutcomeProblem(
  members: readonly Uint8Array[],
  credit: readonly number[],
): { readonly message: string; readonly data: Record<string, unknown> } | null {
  if (members.length === 0) return { message: 'the next committee has no member', data: {} };
  const seen = new Set<string>();
  for (const key of members) {
    const hex = toHex(key);
    if (seen.has(hex)) return { message: `key ${hex} is listed twice`, data: { key: hex } };
    seen.add(hex);
    try {
      checkEd25519PublicKey(key);
    } catch {
      return { message: `key ${hex} is not a valid Ed25519 public key`, data: { key: hex } };
    }
  }
  if (credit.length !== members.length)
    return {
      message: `${credit.length} credit figures for ${members.length} members`,
      data: { credit: credit.length, members: members.length },
    };
  const outside = credit.findIndex((value) => !Number.isInteger(value) || value < 0 || value > CREDIT_SCALE);
  if (outside >= 0)
    return {
      message: `member ${outside}'s credit ${credit[outside]} is not in 0 … ${CREDIT_SCALE}`,
      data: { member: outside, credit: credit[outside] },
    };
  return null;
}

export function encodeCommitteeChange(change: CommitteeChange): Uint8Array {
  const w = new Writer(96 + change.members.length * 36 + change.votes.length * 70);
  w.u32(change.shardId).u64(change.nextEpoch);
  w.array(change.members, (ww, key) => ww.fixedBytes(key, 32));
  w.array(change.credit, (ww, value) => ww.u32(value));
  writeSignatures(w, change.votes);
  return w.finish();
}

/** Strict: one encoding per certificate (voters distinct and ascending); CodecError otherwise. */
export function decodeCommitteeChange(bytes: Uint8Array): CommitteeChange {
  return decodeExact(bytes, (r: Reader) => ({
    shardId: r.u32(),
    nextEpoch: r.u64(),
    members: r.array((rr) => rr.fixedBytes(32), MAX_COMMITTEE_SIZE),
    credit: r.array((rr) => rr.u32(), MAX_COMMITTEE_SIZE),
    votes: readSignatures(r, 'handover vote'),
  }));
}

/**
 * The committee `change` hands shard `change.shardId` to, once checked against the committee it
 * takes over from (`previous`: that shard's, of the epoch just before). Refused with
 * BAD_COMMITTEE_CHANGE: another shard or an epoch that does not follow `previous`'s, an outcome
 * `electionOutcomeProblem` refuses, fewer than 2f + 1 distinct voters of `previous`, or a vote that
 * does not verify over this chain, shard, epoch, list and credit.
 */
export function verifyCommitteeChange(
  change: CommitteeChange,
  chainId: string,
  previous: Committee,
  checks?: SharedChecks,
): Committee {
  const bad = (message: string, data: Record<string, unknown> = {}) =>
    new ShardingError('BAD_COMMITTEE_CHANGE', message, { shard: change.shardId, ...data });
  if (previous.shardId !== change.shardId || previous.epoch + 1 !== change.nextEpoch)
    throw bad(
      `a handover of shard ${change.shardId} to epoch ${change.nextEpoch} checked against shard ${previous.shardId} epoch ${previous.epoch}`,
    );
  const problem = electionOutcomeProblem(change.members, change.credit);
  if (problem !== null) throw bad(problem.message, problem.data);
  verifyQuorumSignatures(
    handoverSigningBytes(chainId, change.shardId, change.nextEpoch, change.members, change.credit),
    change.votes,
    previous,
    'BAD_COMMITTEE_CHANGE',
    checks,
  );
  return {
    shardId: change.shardId,
    epoch: change.nextEpoch,
    members: change.members.map((publicKey, index) => ({ index, publicKey })),
  };
}
