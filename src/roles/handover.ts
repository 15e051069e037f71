import { decodeExact, type Reader, Writer } from '../codec/index.js';
import { ed25519Sign } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';
import type { ReadableState } from '../ledger/state-interface.js';
import {
  type CommitteeChange,
  decodeCommitteeChange,
  handoverSigningBytes,
  membersDigest,
} from '../sharding/committee-change.js';
import { MAX_COMMITTEE_SIZE } from '../sharding/quorum.js';

// What a vote signs is the sharding layer's, so that any chain of a sharded system can check a
// shard's handover (src/sharding/committee-change.ts).
export {
  electionDigest,
  electionOutcomeProblem,
  handoverSigningBytes,
  membersDigest,
} from '../sharding/committee-change.js';

/**
 * The records of a committee handover (the contract is handover-application.ts): a member of the
 * current committee votes for the committee of the next epoch by signing its member list and their
 * credit; once 2f + 1 members voted for the same list and credit, the block that counts the last vote is the boundary,
 * the chain's committee record becomes the new one, and the validators switch cores after it.
 */

export const ROLES_HANDOVER = 'roles.handover';

const encoder = new TextEncoder();

/**
 * One member's vote: the epoch it hands over to, the next committee's keys, each one's credit as
 * the election computed it, and the member's signature.
 */
export interface HandoverVote {
  readonly nextEpoch: number;
  readonly members: readonly Uint8Array[];
  readonly credit: readonly number[];
  readonly voter: number;
  readonly signature: Uint8Array;
}

export function encodeHandoverVote(vote: HandoverVote): Uint8Array {
  const w = new Writer(80 + vote.members.length * 36);
  w.u64(vote.nextEpoch);
  w.array(vote.members, (ww, key) => ww.fixedBytes(key, 32));
  w.array(vote.credit, (ww, value) => ww.u32(value));
  return w.u32(vote.voter).fixedBytes(vote.signature, 64).finish();
}

/** Decodes a `roles.handover` payload (CodecError when malformed). */
export function decodeHandoverVote(bytes: Uint8Array): HandoverVote {
  return decodeExact(bytes, (r: Reader) => ({
    nextEpoch: r.u64(),
    members: r.array((rr) => rr.fixedBytes(32), MAX_COMMITTEE_SIZE),
    credit: r.array((rr) => rr.u32(), MAX_COMMITTEE_SIZE),
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
  credit: readonly number[],
): Uint8Array {
  const signature = ed25519Sign(
    signingSeed,
    handoverSigningBytes(chainId, shardId, nextEpoch, members, credit),
  );
  return encodeHandoverVote({ nextEpoch, members, credit, voter, signature });
}

/**
 * Where member `voter`'s vote for `nextEpoch` lies until the quorum: the digest of the list and
 * credit it voted for (`electionDigest`), then its signature.
 */
export function handoverVoteKey(nextEpoch: number, voter: number): Uint8Array {
  return encoder.encode(`roles/handover/${nextEpoch}/${voter}`);
}

/**
 * Where the chain keeps the quorum that elected the committee of `nextEpoch`: the list with 2f + 1
 * signed votes (a `CommitteeChange`), which any chain holding the outgoing committee's keys can
 * check. A shard's validators carry it to the root and the other shards (`shards.committee`).
 */
export function handoverCertificateKey(nextEpoch: number): Uint8Array {
  return encoder.encode(`roles/handover/certificate/${nextEpoch}`);
}

/** The quorum that elected `nextEpoch`'s committee, or null while none has (or before one was kept). */
export function readHandoverCertificate(state: ReadableState, nextEpoch: number): CommitteeChange | null {
  const bytes = state.get(handoverCertificateKey(nextEpoch));
  return bytes === undefined ? null : decodeCommitteeChange(bytes);
}

/**
 * Where genesis may set the handover cycle: each committee serves `cycleMs` of block time from
 * the start of its epoch (epoch 0 from `startMs`), then is due to hand over. While it is due the
 * chain keeps its time moving (the contract's `nextDueMs`), so members see the cycle close and
 * vote even on an idle chain.
 */
export const HANDOVER_CYCLE_KEY = encoder.encode('roles/handover-cycle');

export interface HandoverCycle {
  readonly startMs: number;
  readonly cycleMs: number;
  /**
   * With a length (each of the three phases, ms), the next committee generates its coin keys on
   * the chain before it takes over (no dealer); 0: the committee takes over at once and its coin
   * keys come from elsewhere (a dealer, as at genesis).
   */
  readonly keyPhaseMs?: number;
}

export function handoverCycleEntry(cycle: HandoverCycle): { key: Uint8Array; value: Uint8Array } {
  return {
    key: HANDOVER_CYCLE_KEY,
    value: new Writer(24)
      .u64(cycle.startMs)
      .u64(cycle.cycleMs)
      .u32(cycle.keyPhaseMs ?? 0)
      .finish(),
  };
}

export function readHandoverCycle(state: ReadableState): HandoverCycle | null {
  const bytes = state.get(HANDOVER_CYCLE_KEY);
  if (bytes === undefined) return null;
  return decodeExact(bytes, (r) => ({ startMs: r.u64(), cycleMs: r.u64(), keyPhaseMs: r.u32() }));
}

/** The elected committee while it generates its keys: the epoch it will run and its members. */
export interface PendingCommittee {
  readonly nextEpoch: number;
  readonly members: readonly Uint8Array[];
  /** The key-generation session under way for it (a new one after a session that failed). */
  readonly session: Uint8Array;
  readonly attempt: number;
}

export const PENDING_KEY = encoder.encode('roles/handover/pending');

export function encodePending(pending: PendingCommittee): Uint8Array {
  const w = new Writer(64 + pending.members.length * 32);
  w.u64(pending.nextEpoch);
  w.array(pending.members, (ww, key) => ww.fixedBytes(key, 32));
  return w.fixedBytes(pending.session, 32).u32(pending.attempt).finish();
}

export function readPending(state: ReadableState): PendingCommittee | null {
  const bytes = state.get(PENDING_KEY);
  if (bytes === undefined) return null;
  return decodeExact(bytes, (r) => ({
    nextEpoch: r.u64(),
    members: r.array((rr) => rr.fixedBytes(32), MAX_COMMITTEE_SIZE),
    session: r.fixedBytes(32),
    attempt: r.u32(),
  }));
}

/** The key-generation session of a pending committee: named by its epoch, members and attempt. */
export function handoverSessionId(
  chainId: string,
  shardId: number,
  nextEpoch: number,
  members: readonly Uint8Array[],
  attempt: number,
): Uint8Array {
  return sha256(
    new Writer(96)
      .string('gridshard/handover-keys/v1')
      .string(chainId)
      .u32(shardId)
      .u64(nextEpoch)
      .fixedBytes(membersDigest(members), 32)
      .u32(attempt)
      .finish(),
  );
}

/** Where the chain records the key-generation session whose keys `epoch`'s coin uses. */
export function coinSessionKey(epoch: number): Uint8Array {
  return encoder.encode(`roles/coin/${epoch}`);
}

/** The session that generated `epoch`'s coin keys (null: the epoch's keys came from a dealer). */
export function readCoinSession(state: ReadableState, epoch: number): Uint8Array | null {
  return state.get(coinSessionKey(epoch)) ?? null;
}

/** When the committee of `epoch` is due to hand over (null: the chain sets no cycle). */
export function handoverDueMs(state: ReadableState, epoch: number): number | null {
  const cycle = readHandoverCycle(state);
  if (cycle === null || cycle.cycleMs <= 0) return null;
  const start = epoch === 0 ? cycle.startMs : (readEpochStart(state, epoch)?.timeMs ?? cycle.startMs);
  return start + cycle.cycleMs;
}

/** Where the chain records the block at which `epoch` began. */
export function epochStartKey(epoch: number): Uint8Array {
  return encoder.encode(`roles/epoch/${epoch}`);
}

/** Where `epoch` began: after the block at `height`, whose time was `timeMs`. */
export interface EpochStart {
  readonly height: number;
  readonly timeMs: number;
}

export function encodeEpochStart(start: EpochStart): Uint8Array {
  return new Writer(16).u64(start.height).u64(start.timeMs).finish();
}

/** Where `epoch` began (null: not begun, or epoch 0). */
export function readEpochStart(state: ReadableState, epoch: number): EpochStart | null {
  const bytes = state.get(epochStartKey(epoch));
  return bytes === undefined ? null : decodeExact(bytes, (r) => ({ height: r.u64(), timeMs: r.u64() }));
}
