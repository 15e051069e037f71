import { bytesEqual } from '../crypto/hash.js';
import type { Application, TransactionContext } from '../ledger/application.js';
import type { KeyValueState } from '../ledger/state-interface.js';
import type { Transaction } from '../ledger/transaction.js';
import { decodeCommitteeChange, ShardingError, verifyCommitteeChange } from '../sharding/index.js';
import { directoryFromState, encodeShardCommittee, shardCommitteeKey } from './directory.js';

/**
 * Records a zone shard's handover. Payload: a `CommitteeChange` (the quorum that elected it, with
 * the credit each member was elected with, by which the shard's masters are drawn).
 */
export const SHARDS_COMMITTEE = 'shards.committee';

/** Where a second proven list for one shard and epoch is kept, as evidence against that committee. */
export function shardCommitteeConflictKey(shard: number, epoch: number): Uint8Array {
  return new TextEncoder().encode(`shards/committee-conflict/${shard}/${epoch}`);
}

/**
 * Every chain of a sharded system learns a zone shard's new committee from the quorum of the old
 * one that elected it, so it can check what the new committee signs: the root its commit proofs,
 * a zone shard its cross-zone votes. Anyone may carry the certificate (its votes are the proof).
 * Epochs are recorded in order, each checked against the committee before it: genesis's for
 * epoch 1, the one recorded here for later ones, so no chain trusts a committee it cannot trace
 * back to genesis. Refused: a certificate that does not verify (BAD_COMMITTEE_CHANGE), one
 * recorded already or whose previous epoch is not recorded here yet (STALE_COMMITTEE_CHANGE). A
 * second list with a valid quorum for an epoch already recorded (more than a third of that shard's
 * committee signed two) is kept as evidence and changes nothing.
 */
export const committeeApplication: Application = {
  types: [SHARDS_COMMITTEE],
  execute(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
    const directory = directoryFromState(state);
    if (directory === null)
      throw new ShardingError('NOT_SHARDED', 'this chain has no shard directory in its genesis', {});
    const change = decodeCommitteeChange(tx.payload);
    const { shardId, nextEpoch } = change;
    if (nextEpoch < 1)
      throw new ShardingError('BAD_COMMITTEE_CHANGE', 'epoch 0 is genesis’s', { shard: shardId });
    const previous = directory.committee(shardId, nextEpoch - 1);
    if (previous === undefined)
      throw new ShardingError(
        'STALE_COMMITTEE_CHANGE',
        `shard ${shardId}: epoch ${nextEpoch - 1} is not recorded here, so epoch ${nextEpoch} cannot be checked`,
        { shard: shardId, epoch: nextEpoch },
      );
    const committee = verifyCommitteeChange(change, context.chainId, previous);
    const recorded = encodeShardCommittee(
      committee.members.map((m) => m.publicKey),
      change.credit,
    );
    const known = state.get(shardCommitteeKey(shardId, nextEpoch));
    if (known !== undefined) {
      if (bytesEqual(known, recorded))
        throw new ShardingError(
          'STALE_COMMITTEE_CHANGE',
          `shard ${shardId}'s committee of epoch ${nextEpoch} is recorded already`,
          { shard: shardId, epoch: nextEpoch },
        );
      state.set(shardCommitteeConflictKey(shardId, nextEpoch), tx.payload);
      return;
    }
    state.set(shardCommitteeKey(shardId, nextEpoch), recorded);
  },
};
