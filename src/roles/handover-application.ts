import { Writer } from '../codec/index.js';
import { type Committee, quorumSize } from '../consensus/interface.js';
import { checkEd25519PublicKey, ed25519Verify } from '../crypto/ed25519.js';
import { bytesEqual, toHex } from '../crypto/hash.js';
import type { Application, TransactionContext } from '../ledger/application.js';
import type { KeyValueState, ReadableState } from '../ledger/state-interface.js';
import type { Transaction } from '../ledger/transaction.js';
import { COMMITTEE_STATE_KEY, committeeGenesisEntry, readCommittee } from './committee-state.js';
import { RolesError } from './errors.js';
import { suspensionKey } from './evidence-application.js';
import {
  decodeHandoverVote,
  epochStartKey,
  type HandoverVote,
  handoverDueMs,
  handoverSigningBytes,
  handoverVoteKey,
  membersDigest,
  ROLES_HANDOVER,
} from './handover.js';

/**
 * Hands the chain from one committee to the next. Each member of the current committee votes
 * once per epoch for a member list (normally the election it computed from the chain, which every
 * honest member computes alike); the vote carries the member's signature, so whoever relays it is
 * not trusted. The block in which 2f + 1 votes for one list are counted is the epoch's last: its
 * state records the new committee (`roles/committee`, epoch + 1) and the height it took over at
 * (`roles/epoch/<e>`). Validators read that record after executing each block, so they all switch
 * after the same block. f Byzantine members cannot reach the quorum alone, and two lists cannot
 * both reach it, since each member votes once.
 */
export const handoverApplication: Application = {
  types: [ROLES_HANDOVER],
  execute(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
    const committee = readCommittee(state);
    if (committee === null)
      throw new RolesError('NO_COMMITTEE', 'this chain’s genesis recorded no committee', {});
    const vote = decodeHandoverVote(tx.payload);
    checkVote(committee, vote, context);
    if (state.get(handoverVoteKey(vote.nextEpoch, vote.voter)) !== undefined)
      throw new RolesError(
        'ALREADY_VOTED',
        `member ${vote.voter} voted for epoch ${vote.nextEpoch} already`,
        {
          voter: vote.voter,
        },
      );
    const digest = membersDigest(vote.members);
    state.set(handoverVoteKey(vote.nextEpoch, vote.voter), digest);
    let agreeing = 0;
    for (let i = 0; i < committee.members.length; i++) {
      const voted = state.get(handoverVoteKey(vote.nextEpoch, i));
      if (voted !== undefined && bytesEqual(voted, digest)) agreeing++;
    }
    if (agreeing < quorumSize(committee.members.length)) return;
    handOver(state, committee, vote, context.height);
  },
  nextDueMs(state: ReadableState): number | null {
    const committee = readCommittee(state);
    return committee === null ? null : handoverDueMs(state, committee.epoch);
  },
};

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
  if (vote.members.length === 0) throw new RolesError('BAD_HANDOVER', 'the next committee has no member', {});
  const seen = new Set<string>();
  for (const key of vote.members) {
    const hex = toHex(key);
    if (seen.has(hex)) throw new RolesError('BAD_HANDOVER', `key ${hex} is listed twice`, { key: hex });
    seen.add(hex);
    try {
      checkEd25519PublicKey(key);
    } catch {
      throw new RolesError('BAD_HANDOVER', `key ${hex} is not a valid Ed25519 public key`, { key: hex });
    }
  }
  const signed = handoverSigningBytes(context.chainId, context.shardId, vote.nextEpoch, vote.members);
  if (!ed25519Verify(member.publicKey, signed, vote.signature))
    throw new RolesError('BAD_HANDOVER', `member ${vote.voter}'s signature does not verify`, {
      voter: vote.voter,
    });
}

/**
 * The new committee replaces the old one. Votes of the closed epoch are dropped (they can count
 * for nothing else: a vote names its epoch). A suspension follows its member's key: a suspended
 * member kept at another index keeps it there, one that left takes it with it.
 */
function handOver(state: KeyValueState, committee: Committee, vote: HandoverVote, height: number): void {
  const suspensions = committee.members.map((member) => ({
    key: member.publicKey,
    record: state.get(suspensionKey(member.index)),
  }));
  for (let i = 0; i < committee.members.length; i++) {
    state.delete(handoverVoteKey(vote.nextEpoch, i));
    state.delete(suspensionKey(i));
  }
  for (const { key, record } of suspensions) {
    if (record === undefined) continue;
    const at = vote.members.findIndex((candidate) => bytesEqual(candidate, key));
    if (at >= 0) state.set(suspensionKey(at), record);
  }
  const next: Committee = {
    shardId: committee.shardId,
    epoch: vote.nextEpoch,
    members: vote.members.map((publicKey, index) => ({ index, publicKey })),
  };
  state.set(COMMITTEE_STATE_KEY, committeeGenesisEntry(next).value);
  state.set(epochStartKey(vote.nextEpoch), new Writer(8).u64(height).finish());
}
