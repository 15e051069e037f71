import type { Committee } from '../consensus/interface.js';
import { bytesEqual, sha256, toHex } from '../crypto/index.js';
import { type StateProof, verifyStateProof } from '../ledger/sparse-merkle.js';
import { decodeCommitProof, ShardingError, verifyCommitProof } from '../sharding/index.js';
import { readShardCommittee, shardCommitteeKey } from './directory.js';
import { readShardHead, shardHeadKey } from './root-application.js';

/** What a root validator and a shard validator serve, taken as untrusted bytes. */
export interface InclusionEvidence {
  /** The root chain's commit proof of the block whose state is proven below. */
  readonly rootCommitProof: Uint8Array;
  /** The value under the shard's head key in that state (null: the key is absent). */
  readonly headValue: Uint8Array | null;
  readonly stateProof: StateProof;
  /** The zone shard's commit proof of the block the root records as the shard's head. */
  readonly shardCommitProof: Uint8Array;
  /**
   * For a shard block of an epoch after genesis: the root chain's record of the shard's committee
   * of that epoch (`shards.committee`), proven under the state root of a root block the root
   * committee signed (any block: a record never changes once written).
   */
  readonly shardCommittee?: {
    readonly rootCommitProof: Uint8Array;
    /** The record's value in that state (null: absent). */
    readonly value: Uint8Array | null;
    readonly stateProof: StateProof;
  };
}

export interface ProvenInclusion {
  readonly shard: number;
  /** The shard block final by the root chain, and every block below it in the shard's chain. */
  readonly height: number;
  readonly blockHash: string;
  readonly stateRoot: string;
  /** The root block whose state records it. */
  readonly rootHeight: number;
  readonly rootBlockHash: string;
}

/**
 * A common node's check that a zone shard block is final, from proofs alone and the two
 * committees' keys from genesis:
 *
 * 1. the root committee signed a root block with state root R (2f + 1 signatures);
 * 2. under R, the root's record of the shard's head holds (height, block hash, state root), by a
 *    Merkle state proof;
 * 3. the shard's committee of the block's epoch signed that very block (2f + 1 signatures): the
 *    genesis committee, or for a later epoch the one the root chain recorded from the quorum that
 *    elected it, proven by a state proof under a root block the root committee signed (the root
 *    contract checked that quorum against the committee before, back to genesis).
 *
 * A shard record then follows by one more state proof against the shard block's state root.
 * Throws BAD_INCLUSION (or the proof's own typed error) naming the step that fails.
 */
export function verifyRootInclusion(
  shard: number,
  rootCommittee: Committee,
  shardCommittee: Committee,
  evidence: InclusionEvidence,
): ProvenInclusion {
  const bad = (message: string) => new ShardingError('BAD_INCLUSION', message, { shard });
  const root = decodeCommitProof(evidence.rootCommitProof);
  verifyCommitProof(root, rootCommittee);
  if (evidence.headValue === null) throw bad(`the root chain records no block of shard ${shard}`);
  const key = shardHeadKey(shard);
  if (!verifyStateProof(sha256, root.statement.stateRoot, key, evidence.headValue, evidence.stateProof))
    throw bad("the state proof does not hold the shard's head under the root block's state root");
  const value = evidence.headValue;
  const head = readShardHead({ get: () => value }, shard);
  if (head === undefined) throw bad('no head');
  const block = decodeCommitProof(evidence.shardCommitProof);
  if (block.statement.shardId !== shard || block.statement.height !== head.height)
    throw bad(`the shard proof is for shard ${block.statement.shardId} height ${block.statement.height}`);
  verifyCommitProof(
    block,
    committeeOfEpoch(shard, block.statement.epoch, rootCommittee, shardCommittee, evidence),
  );
  if (
    !bytesEqual(block.statement.blockHash, head.blockHash) ||
    !bytesEqual(block.statement.stateRoot, head.stateRoot)
  )
    throw bad('the shard committee signed another block than the one the root records');
  return {
    shard,
    height: head.height,
    blockHash: toHex(head.blockHash),
    stateRoot: toHex(head.stateRoot),
    rootHeight: root.statement.height,
    rootBlockHash: toHex(root.statement.blockHash),
  };
}

/** The committee a shard block of `epoch` must carry: genesis's, or the root's proven record of it. */
function committeeOfEpoch(
  shard: number,
  epoch: number,
  rootCommittee: Committee,
  genesisCommittee: Committee,
  evidence: InclusionEvidence,
): Committee {
  if (epoch === 0) return genesisCommittee;
  const bad = (message: string) => new ShardingError('BAD_INCLUSION', message, { shard, epoch });
  const record = evidence.shardCommittee;
  if (record === undefined) throw bad(`a block of epoch ${epoch} needs the root's record of that committee`);
  const root = decodeCommitProof(record.rootCommitProof);
  verifyCommitProof(root, rootCommittee);
  if (record.value === null)
    throw bad(`the root chain records no committee of shard ${shard} epoch ${epoch}`);
  const key = shardCommitteeKey(shard, epoch);
  if (!verifyStateProof(sha256, root.statement.stateRoot, key, record.value, record.stateProof))
    throw bad("the state proof does not hold the shard's committee under the root block's state root");
  const value = record.value;
  const committee = readShardCommittee({ get: () => value }, shard, epoch);
  if (committee === null) throw bad('no committee');
  return committee;
}
