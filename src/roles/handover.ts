import { decodeExact, type Reader, Writer } from '../codec/index.js';
import { ed25519Sign } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { MAX_COMMITTEE_SIZE } from '../sharding/quorum.js';

/**
 * The records of a committee handover (the contract is handover-application.ts): a member of the
 * current committee votes for the committee of the next epoch by signing its member list; once
 * 2f + 1 members voted for the same list, the block that counts the last vote is the boundary,
 * the chain's committee record becomes the new one, and the validators switch cores after it.
 */

export const ROLES_HANDOVER = 'roles.handover';

const SIGNING_DOMAIN = new TextEncoder().encode('gridshard/handover/v1');
const encoder = new TextEncoder();

/** One member's vote: the epoch it hands over to, the next committee's keys, its signature. */
export interface HandoverVote {
  readonly nextEpoch: number;
  readonly members: readonly Uint8Array[];
  readonly voter: number;
  readonly signature: Uint8Array;
}

/** Hash of a member list: what a vote names, and what votes must agree on to count together. */
export function membersDigest(members: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(8 + members.length * 32);
  w.array(members, (ww, key) => ww.fixedBytes(key, 32));
  return sha256(w.finish());
}

/**
 * What a voter signs: domain, chain, shard, the epoch voted for and the member list's digest. The
 * epoch and chain make a vote worthless anywhere else: a vote for epoch e + 1 cannot be replayed
 * to hand over epoch e + 2, nor on another shard.
 */
export function handoverSigningBytes(
  chainId: string,
  shardId: number,
  nextEpoch: number,
  members: readonly Uint8Array[],
): Uint8Array {
  return new Writer(96)
    .fixedBytes(SIGNING_DOMAIN, SIGNING_DOMAIN.length)
    .string(chainId)
    .u32(shardId)
    .u64(nextEpoch)
    .fixedBytes(membersDigest(members), 32)
    .finish();
}

export function encodeHandoverVote(vote: HandoverVote): Uint8Array {
  const w = new Writer(80 + vote.members.length * 32);
  w.u64(vote.nextEpoch);
  w.array(vote.members, (ww, key) => ww.fixedBytes(key, 32));
  return w.u32(vote.voter).fixedBytes(vote.signature, 64).finish();
}

/** Decodes a `roles.handover` payload (CodecError when malformed). */
export function decodeHandoverVote(bytes: Uint8Array): HandoverVote {
  return decodeExact(bytes, (r: Reader) => ({
    nextEpoch: r.u64(),
    members: r.array((rr) => rr.fixedBytes(32), MAX_COMMITTEE_SIZE),
    voter: r.u32(),
    signature: r.fixedBytes(64),
  }));
}

/** A member's signed vote, ready to send as a `roles.handover` payload. */
export function signHandoverVote(
  signingSeed: Uint8Array,
  chainId: string,
  shardId: number,
  voter: number,
  nextEpoch: number,
  members: readonly Uint8Array[],
): Uint8Array {
  const signature = ed25519Sign(signingSeed, handoverSigningBytes(chainId, shardId, nextEpoch, members));
  return encodeHandoverVote({ nextEpoch, members, voter, signature });
}

/** Where member `voter`'s vote for `nextEpoch` lies: the digest it voted for. */
export function handoverVoteKey(nextEpoch: number, voter: number): Uint8Array {
  return encoder.encode(`roles/handover/${nextEpoch}/${voter}`);
}

/**
 * Where genesis may set the handover cycle: epoch e is due to hand over once block time reaches
 * startMs + (e + 1) · cycleMs. While it is due the chain keeps its time moving (the contract's
 * `nextDueMs`), so members see the cycle close and vote even on an idle chain.
 */
export const HANDOVER_CYCLE_KEY = encoder.encode('roles/handover-cycle');

export interface HandoverCycle {
  readonly startMs: number;
  readonly cycleMs: number;
}

export function handoverCycleEntry(cycle: HandoverCycle): { key: Uint8Array; value: Uint8Array } {
  return { key: HANDOVER_CYCLE_KEY, value: new Writer(16).u64(cycle.startMs).u64(cycle.cycleMs).finish() };
}

export function readHandoverCycle(state: ReadableState): HandoverCycle | null {
  const bytes = state.get(HANDOVER_CYCLE_KEY);
  if (bytes === undefined) return null;
  return decodeExact(bytes, (r) => ({ startMs: r.u64(), cycleMs: r.u64() }));
}

/** When the committee of `epoch` is due to hand over (null: the chain sets no cycle). */
export function handoverDueMs(state: ReadableState, epoch: number): number | null {
  const cycle = readHandoverCycle(state);
  return cycle === null || cycle.cycleMs <= 0 ? null : cycle.startMs + (epoch + 1) * cycle.cycleMs;
}

/** Where the chain records the block at which `epoch` began. */
export function epochStartKey(epoch: number): Uint8Array {
  return encoder.encode(`roles/epoch/${epoch}`);
}

/** The height of the block after which `epoch`'s committee took over (null: not begun, or epoch 0). */
export function readEpochStart(state: ReadableState, epoch: number): number | null {
  const bytes = state.get(epochStartKey(epoch));
  return bytes === undefined ? null : decodeExact(bytes, (r) => r.u64());
}
