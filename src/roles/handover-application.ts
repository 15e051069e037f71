import { type Committee, quorumSize, validitySize } from '../consensus/interface.js';
import { ed25519Verify } from '../crypto/ed25519.js';
import { bytesEqual } from '../crypto/hash.js';
import type { Application, BlockContext, TransactionContext } from '../ledger/application.js';
import type { KeyValueState, ReadableState } from '../ledger/state-interface.js';
import type { Transaction } from '../ledger/transaction.js';
import { encodeCommitteeChange } from '../sharding/committee-change.js';
import type { MemberSignature } from '../sharding/quorum.js';
import {
  COMMITTEE_STATE_KEY,
  committeeGenesisEntry,
  pastCommitteeKey,
  readCommittee,
} from './committee-state.js';
import { dkgQualified } from './dkg-outcome.js';
import {
  CURRENT_KEY,
  currentDkgSession,
  DkgPhase,
  MAX_DKG_PHASE_MS,
  readDkgSession,
  writeSession,
} from './dkg-records.js';
import { RolesError } from './errors.js';
import { keySuspensionKey, suspensionKey } from './evidence-application.js';
import {
  coinSessionKey,
  decodeHandoverVote,
  electionDigest,
  electionOutcomeProblem,
  encodeEpochStart,
  encodePending,
  epochStartKey,
  type HandoverVote,
  handoverCertificateKey,
  handoverDueMs,
  handoverSessionId,
  handoverSigningBytes,
  handoverVoteKey,
  PENDING_KEY,
  type PendingCommittee,
  ROLES_HANDOVER,
  readHandoverCycle,
  readPending,
} from './handover.js';

/**
 * Hands the chain from one committee to the next. Each member of the current committee votes
 * once per epoch for a member list and its members' credit (normally the election it computed from
 * the chain, which every honest member computes alike); the vote carries the member's signature, so whoever relays it is
 * not trusted. The block in which 2f + 1 votes for one list are counted is the epoch's last: its
 * state records the new committee (`roles/committee`, epoch + 1) and the height it took over at
 * (`roles/epoch/<e>`). Validators read that record after executing each block, so they all switch
 * after the same block. f Byzantine members cannot reach the quorum alone, and two lists cannot
 * both reach it, since each member votes once. The quorum is kept as the epoch's certificate
 * (`roles/handover/certificate/<e>`), which also carries the credit its masters are drawn by. When genesis sets key phases, the elected list
 * first generates its coin keys in a key-generation session of its own (`beginBlock` below), and
 * the chain hands over in the block that closes a session with enough qualified dealers.
 */
export const handoverApplication: Application = {
  types: [ROLES_HANDOVER],
  execute(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
    const committee = readCommittee(state);
    if (committee === null)
      throw new RolesError('NO_COMMITTEE', 'this chain’s genesis recorded no committee', {});
    // A chain whose genesis sets no cycle keeps its committee: its nodes run one epoch only.
    if (readHandoverCycle(state) === null)
      throw new RolesError('NO_HANDOVER', 'this chain’s genesis sets no handover cycle', {});
    const vote = decodeHandoverVote(tx.payload);
    checkVote(committee, vote, context);
    const pending = readPending(state);
    if (pending !== null)
      throw new RolesError(
        'HANDOVER_PENDING',
        `the committee of epoch ${pending.nextEpoch} is elected and generating its keys`,
        { nextEpoch: pending.nextEpoch },
      );
    if (state.get(handoverVoteKey(vote.nextEpoch, vote.voter)) !== undefined)
      throw new RolesError(
        'ALREADY_VOTED',
        `member ${vote.voter} voted for epoch ${vote.nextEpoch} already`,
        {
          voter: vote.voter,
        },
      );
    const digest = electionDigest(vote.members, vote.credit);
    const record = new Uint8Array(32 + vote.signature.length);
    record.set(digest);
    record.set(vote.signature, 32);
    state.set(handoverVoteKey(vote.nextEpoch, vote.voter), record);
    const agreeing: MemberSignature[] = [];
    for (let i = 0; i < committee.members.length; i++) {
      const voted = state.get(handoverVoteKey(vote.nextEpoch, i));
      if (voted !== undefined && bytesEqual(voted.subarray(0, 32), digest))
        agreeing.push({ signer: i, signature: voted.slice(32) });
    }
    if (agreeing.length < quorumSize(committee.members.length)) return;
    for (let i = 0; i < committee.members.length; i++) state.delete(handoverVoteKey(vote.nextEpoch, i));
    // The quorum itself is kept: it proves the election to chains that hold only the old keys.
    state.set(
      handoverCertificateKey(vote.nextEpoch),
      encodeCommitteeChange({
        shardId: committee.shardId,
        nextEpoch: vote.nextEpoch,
        members: vote.members,
        credit: vote.credit,
        votes: agreeing,
      }),
    );
    const keyPhaseMs = readHandoverCycle(state)?.keyPhaseMs ?? 0;
    if (keyPhaseMs === 0) {
      handOver(state, committee, vote.nextEpoch, vote.members, context.height, context.timestampMs);
      return;
    }
    // The elected committee generates its coin keys first; it takes over when they exist.
    const elected: PendingCommittee = {
      nextEpoch: vote.nextEpoch,
      members: vote.members,
      session: handoverSessionId(context.chainId, context.shardId, vote.nextEpoch, vote.members, 0),
      attempt: 0,
    };
    state.set(PENDING_KEY, encodePending(elected));
    openKeySession(state, elected, context.timestampMs, keyPhaseMs, committee.shardId);
  },
  /**
   * A pending committee's keys: its session opens once no other is open, a session that closed
   * with too few qualified dealers is followed by another, and one that qualified enough hands the
   * chain over in this block. The phase is read from the block's time here, so the outcome does not
   * depend on the order of the applications' hooks.
   */
  beginBlock(state: KeyValueState, context: BlockContext): void {
    const pending = readPending(state);
    if (pending === null) return;
    const keyPhaseMs = readHandoverCycle(state)?.keyPhaseMs ?? 0;
    const committee = readCommittee(state);
    if (committee === null || keyPhaseMs === 0) return;
    const session = readDkgSession(state, pending.session);
    if (session === undefined) {
      openKeySession(state, pending, context.timestampMs, keyPhaseMs, committee.shardId);
      return;
    }
    if (context.timestampMs < session.justifyUntilMs) return;
    if (session.phase !== DkgPhase.closed) writeSession(state, { ...session, phase: DkgPhase.closed });
    if (qualifiedCount(state, session.id) < session.threshold) {
      const retry: PendingCommittee = {
        ...pending,
        attempt: pending.attempt + 1,
        session: handoverSessionId(
          context.chainId,
          context.shardId,
          pending.nextEpoch,
          pending.members,
          pending.attempt + 1,
        ),
      };
      state.set(PENDING_KEY, encodePending(retry));
      openKeySession(state, retry, context.timestampMs, keyPhaseMs, committee.shardId);
      return;
    }
    state.delete(PENDING_KEY);
    state.set(coinSessionKey(pending.nextEpoch), session.id);
    handOver(state, committee, pending.nextEpoch, pending.members, context.height, context.timestampMs);
  },
  nextDueMs(state: ReadableState): number | null {
    const committee = readCommittee(state);
    if (committee === null) return null;
    const pending = readPending(state);
    if (pending === null) return handoverDueMs(state, committee.epoch);
    // Until its session opens (another one is running), and at its close.
    const session = readDkgSession(state, pending.session);
    return session === undefined
      ? (currentDkgSession(state)?.justifyUntilMs ?? null)
      : session.justifyUntilMs;
  },
};

/** Dealers a closed session qualified; 0 when too few did (the scheme then decides nothing). */
function qualifiedCount(state: ReadableState, id: Uint8Array): number {
  try {
    return dkgQualified(state, id).length;
  } catch {
    return 0;
  }
}

/**
 * Opens the pending committee's key-generation session, unless another session is still open
 * (an operator's): then the block hook opens it when that one has closed. Each attempt's phases
 * last twice the last one's: a session fails when the members' steps are not ordered within a
 * phase, and on a chain slower than the configured phase (an asynchronous network) only longer
 * phases can succeed; doubling reaches any finite delay after a few sessions.
 */
function openKeySession(
  state: KeyValueState,
  pending: PendingCommittee,
  nowMs: number,
  keyPhaseMs: number,
  shardId: number,
): void {
  const running = currentDkgSession(state);
  if (running !== undefined && nowMs < running.justifyUntilMs) return;
  const phaseMs = Math.min(MAX_DKG_PHASE_MS, keyPhaseMs * 2 ** Math.min(pending.attempt, 30));
  writeSession(state, {
    id: pending.session,
    shardId,
    epoch: pending.nextEpoch,
    threshold: validitySize(pending.members.length),
    members: pending.members,
    openedAtMs: nowMs,
    dealUntilMs: nowMs + phaseMs,
    complainUntilMs: nowMs + 2 * phaseMs,
    justifyUntilMs: nowMs + 3 * phaseMs,
    phase: DkgPhase.deal,
  });
  state.set(CURRENT_KEY, pending.session);
}

function checkVote(committee: Committee, vote: HandoverVote, context: TransactionContext): void {
  if (vote.nextEpoch !== committee.epoch + 1)
    throw new RolesError(
      'HANDOVER_EPOCH',
      `the committee of epoch ${committee.epoch} hands over to epoch ${committee.epoch + 1}, not ${vote.nextEpoch}`,
      { epoch: committee.epoch, nextEpoch: vote.nextEpoch },
    );
  const member = committee.members[vote.voter];
  if (member === undefined)
    throw new RolesError('NOT_A_MEMBER', `member ${vote.voter} is not in the committee`, {
      voter: vote.voter,
    });
  const problem = electionOutcomeProblem(vote.members, vote.credit);
  if (problem !== null) throw new RolesError('BAD_HANDOVER', problem.message, problem.data);
  const signed = handoverSigningBytes(
    context.chainId,
    context.shardId,
    vote.nextEpoch,
    vote.members,
    vote.credit,
  );
  if (!ed25519Verify(member.publicKey, signed, vote.signature))
    throw new RolesError('BAD_HANDOVER', `member ${vote.voter}'s signature does not verify`, {
      voter: vote.voter,
    });
}

/**
 * The new committee replaces the old one, which stays readable by its epoch (a proof of what it
 * signed may still arrive). Votes of the closed epoch are dropped (they can count for nothing
 * else: a vote names its epoch). Suspensions are by key: each new member carries its key's record
 * to its new index, so one suspended before, even in a committee it left, stays suspended.
 */
function handOver(
  state: KeyValueState,
  committee: Committee,
  nextEpoch: number,
  members: readonly Uint8Array[],
  height: number,
  timeMs: number,
): void {
  state.set(pastCommitteeKey(committee.epoch), committeeGenesisEntry(committee).value);
  for (let i = 0; i < committee.members.length; i++) state.delete(suspensionKey(i));
  members.forEach((key, index) => {
    const record = state.get(keySuspensionKey(key));
    if (record !== undefined) state.set(suspensionKey(index), record);
  });
  const next: Committee = {
    shardId: committee.shardId,
    epoch: nextEpoch,
    members: members.map((publicKey, index) => ({ index, publicKey })),
  };
  state.set(COMMITTEE_STATE_KEY, committeeGenesisEntry(next).value);
  state.set(epochStartKey(nextEpoch), encodeEpochStart({ height, timeMs }));
}
